-- Outside any git repository the plugin starts the server like `vouch` itself finds a workspace:
-- the file's folder (or the nearest folder holding `.vouch/`) is the root, an accept is recorded in
-- that folder's `.vouch/` store, and `vouch status` run there sees it.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('copilot_lua')
  vim.o.virtualedit = 'onemore'
  local dir = vim.fn.resolve(vim.fn.tempname())
  local file = dir .. '/notes.lua'
  H.write(file, { 'local x = ' })
  H.write(dir .. '/sub/deeper.lua', { 'return 1' })
  H.check(vim.system({ 'git', '-C', dir, 'rev-parse' }):wait().code ~= 0, 'the folder must not be in a git repository')
  local suggestion = require('copilot.suggestion')
  H.setup()
  local buf, client = H.open(file)
  H.eq(client.root_dir, dir, 'root outside git: the file folder')

  vim.api.nvim_win_set_cursor(0, { 1, 10 })
  suggestion._set('42 -- the answer')
  suggestion.accept()
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi outside git')
  H.expect_regions(buf, { { 0, 10, 0, 26, 'copilot', false } })
  vim.cmd('write')

  -- the store lives in the folder (created by that first write of AI text): a file in a subfolder
  -- now belongs to the same workspace, as `vouch` finds it
  H.wait(function()
    return vim.fn.filereadable(dir .. '/.vouch/store.db') == 1
  end, 'the store in ' .. dir .. '/.vouch/')
  H.eq(require('vouch.lsp').buf_root(vim.fn.bufadd(dir .. '/sub/deeper.lua')), dir, 'root of a file in a subfolder')
  H.stop_all()

  local res = vim.system({ H.vouch, 'status', '--json' }, { cwd = dir, text = true }):wait()
  H.check(res.code == 0, 'vouch status --json (exit ' .. res.code .. '): ' .. res.stderr)
  local status = vim.json.decode(res.stdout)
  H.eq(#status, 1, 'regions in vouch status --json')
  H.eq({ status[1].path, status[1].startLine, status[1].tool }, { 'notes.lua', 1, 'copilot' }, 'the region')
end)
