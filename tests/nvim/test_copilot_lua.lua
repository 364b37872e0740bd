-- copilot.lua: accept / accept_word / accept_line through the stand-in `copilot.suggestion`.
-- The suggestion repeats the typed (non-ASCII) prefix; only the continuation may be attributed to AI.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('copilot_lua')
  vim.o.virtualedit = 'onemore' -- the cursor sits after the line's end as in insert mode
  local dir = H.repo()
  local file = dir .. '/src/main.rs'
  H.write(file, { 'fn main() {', '    let café = ', '}' })
  local suggestion = require('copilot.suggestion') -- loaded before setup, like a configured copilot.lua
  H.setup()
  local buf = H.open(file)

  -- cursor after "    let café = " (16 bytes: é is 2)
  vim.api.nvim_win_set_cursor(0, { 2, 16 })
  suggestion._set('"naïve ☕";\n    println!("{café}");')
  suggestion.accept()
  H.wait(function()
    return #H.sent() == 1
  end, 'vouch/didAcceptAi after accept()')
  H.eq(
    H.lines(buf),
    { 'fn main() {', '    let café = "naïve ☕";', '    println!("{café}");', '}' },
    'buffer after accept'
  )
  local sent = H.sent()[1]
  H.eq(sent.source.tool, 'copilot', 'tool')
  H.eq(sent.textDocument.version, vim.lsp.util.buf_versions[buf], 'version sent')
  H.eq(
    sent.ranges,
    { { start = { line = 1, character = 16 }, ['end'] = { line = 2, character = 24 } } },
    'ranges sent (utf-8)'
  )
  H.expect_regions(buf, { { 1, 16, 2, 24, 'copilot', false } })
  H.expect_diags(buf, { { 1, 16, 2, 24, 'vouch', 'unreviewed-ai' } })

  -- accept_word then accept_line on a new suggestion at the end of the last line before "}"
  vim.api.nvim_buf_set_lines(buf, 3, 3, false, { '    let x = ' })
  vim.api.nvim_win_set_cursor(0, { 4, 12 })
  suggestion._set('über + 1; // ok\n    x')
  suggestion.accept_word()
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi after accept_word()')
  H.eq(vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1], '    let x = über', 'line after accept_word')
  H.eq(
    H.sent()[2].ranges,
    { { start = { line = 3, character = 12 }, ['end'] = { line = 3, character = 17 } } },
    'accept_word range'
  )

  vim.api.nvim_win_set_cursor(0, { 4, 17 })
  suggestion._set(' + 1; // ok\n')
  suggestion.accept_line()
  H.wait(function()
    return #H.sent() == 3
  end, 'didAcceptAi after accept_line()')
  H.eq(vim.api.nvim_buf_get_lines(buf, 3, 5, false), { '    let x = über + 1; // ok', '' }, 'lines after accept_line')
  H.expect_regions(buf, {
    { 1, 16, 2, 24, 'copilot', false },
    { 3, 12, 4, 0, 'copilot', false }, -- accept_word + accept_line
  })

  -- typing is human: no new notification, the region does not grow
  H.feed('A!<Esc>')
  vim.wait(200)
  H.eq(#H.sent(), 3, 'notifications after typing')
  H.eq(vim.api.nvim_buf_get_lines(buf, 4, 5, false)[1], '!', 'typed text')
  H.expect_regions(buf, {
    { 1, 16, 2, 24, 'copilot', false },
    { 3, 12, 4, 0, 'copilot', false }, -- accept_word + accept_line
  })

  -- accept with no suggestion visible does nothing and arms nothing
  suggestion.dismiss()
  suggestion.accept()
  H.feed('A?<Esc>')
  vim.wait(200)
  H.eq(#H.sent(), 3, 'notifications after accept without suggestion')
  H.stop_all()
end)
