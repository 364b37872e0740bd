-- CRLF files and files without a final newline: the server's text keeps matching the buffer
-- (checked through `vouch status --json` after writing) while AI text is accepted and lines are
-- broken and joined.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

local function status(dir)
  local res = vim.system({ H.vouch, 'status', '--json' }, { cwd = dir, text = true }):wait()
  H.check(res.code == 0 or res.code == 1, 'vouch status failed: ' .. (res.stderr or ''))
  local out = {}
  for _, r in ipairs(vim.json.decode(res.stdout)) do
    out[#out + 1] = { r.path, r.startLine, r.endLine, r.tool }
  end
  return out
end

H.run(function()
  H.stub('copilot_lua')
  vim.o.virtualedit = 'onemore'
  local suggestion = require('copilot.suggestion')
  local dir = H.repo()
  local crlf = dir .. '/win.txt'
  local f = assert(io.open(crlf, 'wb'))
  f:write('first\r\nsecond\r\n')
  f:close()
  local noeol = dir .. '/tail.txt'
  f = assert(io.open(noeol, 'wb'))
  f:write('alpha\nomega')
  f:close()
  H.setup()

  -- CRLF
  local buf = H.open(crlf)
  H.eq(vim.bo[buf].fileformat, 'dos', 'fileformat')
  vim.api.nvim_win_set_cursor(0, { 1, 5 })
  suggestion._set(' ünd\nmore AI')
  suggestion.accept()
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi in the CRLF file')
  H.eq(H.lines(buf), { 'first ünd', 'more AI', 'second' }, 'CRLF buffer')
  H.expect_regions(buf, { { 0, 5, 1, 7, 'copilot', false } }, 'CRLF regions')
  -- break the AI line in the middle: both halves stay AI
  H.feed('2G4|i<CR><Esc>')
  H.eq(H.lines(buf), { 'first ünd', 'mor', 'e AI', 'second' }, 'CRLF buffer after a line break')
  H.expect_regions(
    buf,
    { { 0, 5, 1, 3, 'copilot', false }, { 2, 0, 2, 4, 'copilot', false } },
    'CRLF regions after a line break'
  )
  vim.cmd('write')
  -- (the typed line break is human, but status lists lines, as the gate does: lines 1-3 hold
  -- unreviewed AI text of one source, so they are one range)
  H.eq(status(dir), { { 'win.txt', 1, 3, 'copilot' } }, 'vouch status after writing the CRLF file')

  -- no final newline: add lines after the last one, accept there, join lines
  buf = H.open(noeol)
  H.eq(vim.bo[buf].eol, false, "'eol' of a file without a final newline")
  H.feed('Go<Esc>')
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  suggestion._set('ΩΩ end')
  suggestion.accept()
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi at the end of a file without a final newline')
  H.eq(H.lines(buf), { 'alpha', 'omega', 'ΩΩ end' }, 'noeol buffer')
  H.expect_regions(buf, { { 2, 0, 2, 8, 'copilot', false } }, 'noeol regions')
  H.feed('2GJ')
  H.eq(H.lines(buf), { 'alpha', 'omega ΩΩ end' }, 'noeol buffer after J')
  H.expect_regions(buf, { { 1, 6, 1, 14, 'copilot', false } }, 'noeol regions after J')
  vim.cmd('write')
  local st = status(dir)
  table.sort(st, function(a, b)
    return a[1] < b[1]
  end)
  H.eq(st, {
    { 'tail.txt', 2, 2, 'copilot' },
    { 'win.txt', 1, 3, 'copilot' },
  }, 'vouch status after writing both')
  H.stop_all()
end)
