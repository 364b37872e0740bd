-- Adapters never break their plugin: unexpected APIs are left alone, a plugin loaded after setup is
-- picked up on entering insert mode, buffers that are not files get no server, and typing stays human.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  -- plugins whose API is not what the adapters expect
  package.loaded['cmp'] = { event = 'not an emitter' }
  package.loaded['supermaven-nvim.completion_preview'] = { on_accept_suggestion = 42 }
  package.loaded['codeium.virtual_text'] = {
    accept = function()
      return 'plugin result'
    end,
    get_current_completion_item = function()
      error('the plugin changed')
    end,
  }
  H.setup()
  local adapters = require('vouch.adapters')
  H.check(not adapters.active.cmp, 'cmp adapter active on a foreign API')
  H.check(not adapters.active.supermaven, 'supermaven adapter active without functions')
  -- the wrapped function still returns the plugin's own result even when our part fails
  H.eq(require('codeium.virtual_text').accept(), 'plugin result', 'codeium accept result through the wrapper')

  -- a buffer that is not a file (a scratch buffer): no server, no error
  vim.cmd.enew()
  vim.bo.buftype = 'nofile'
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'scratch' })
  vim.wait(300)
  H.check(H.client(0) == nil, 'vouch attached to a scratch buffer')

  -- a file without a filetype inside a repository still gets the server (vim.lsp.enable needs one)
  local repo0 = H.repo()
  H.write(repo0 .. '/NOTES', { 'plain' })
  local notes = H.open(repo0 .. '/NOTES')
  H.eq(vim.bo[notes].filetype, '', 'filetype of NOTES')

  -- copilot.lua loaded only after setup (lazy loading): caught on InsertEnter
  local dir = H.repo()
  local file = dir .. '/lazy.lua'
  H.write(file, { 'return ' })
  local buf = H.open(file)
  H.stub('copilot_lua')
  local suggestion = require('copilot.suggestion')
  vim.keymap.set('i', '<C-y>', function()
    require('copilot.suggestion').accept()
  end)
  vim.api.nvim_win_set_cursor(0, { 1, 6 })
  H.feed('A<Esc>') -- the user starts typing somewhere: InsertEnter installs the adapter
  H.check(adapters.active.copilot_lua, 'copilot.lua adapter not installed on InsertEnter')
  vim.o.virtualedit = 'onemore'
  vim.api.nvim_win_set_cursor(0, { 1, 7 })
  suggestion._set('42')
  H.feed('A<C-y><Esc>')
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi from a lazily loaded copilot.lua; lines ' .. vim.inspect(H.lines(buf)))
  H.eq(H.lines(buf), { 'return 42' }, 'buffer')
  H.expect_regions(buf, { { 0, 7, 0, 9, 'copilot', false } })

  -- typing and pasting are human: nothing new is reported
  H.feed('o-- typed by hand<Esc>')
  vim.fn.setreg('a', 'pasted')
  H.feed('"ap')
  vim.wait(200)
  H.eq(#H.sent(), 1, 'notifications after typing and pasting')
  H.eq(H.lines(buf), { 'return 42', '-- typed by handpasted' }, 'buffer after typing and pasting')
  H.expect_regions(buf, { { 0, 7, 0, 9, 'copilot', false } })

  -- the file changes on disk and is reloaded (:e!): attribution follows, and accepts keep working
  vim.cmd('write')
  vim.fn.writefile({ '-- header', 'return 42', '-- typed by handpasted' }, file)
  vim.cmd('edit!')
  H.wait(function()
    return H.client(buf) ~= nil and require('vouch.capture').is_attached(buf)
  end, 'the server attached again after :edit!')
  H.eq(H.lines(buf), { '-- header', 'return 42', '-- typed by handpasted' }, 'buffer after :edit!')
  H.expect_regions(buf, { { 1, 7, 1, 9, 'copilot', false } }, 'regions after :edit!')
  vim.api.nvim_win_set_cursor(0, { 1, 9 })
  suggestion._set(' ✓')
  suggestion.accept()
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi after :edit!')
  H.eq(require('vouch.capture')._bufs[buf].lines, H.lines(buf), 'plugin copy of the buffer after :edit!')
  H.expect_regions(
    buf,
    { { 0, 9, 0, 13, 'copilot', false }, { 1, 7, 1, 9, 'copilot', false } },
    'regions after an accept after :edit!'
  )
  H.stop_all()
end)
