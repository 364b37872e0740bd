-- blink.cmp: an accepted item from an AI provider (accept emitter + User BlinkCmpAccept) is reported
-- once; a non-AI provider (lsp) is not.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('blink')
  vim.o.virtualedit = 'onemore'
  local dir = H.repo()
  local file = dir .. '/notes.md'
  H.write(file, { '# Title', '' })
  require('blink.cmp')
  local list = require('blink.cmp.completion.list')
  H.setup()
  local buf = H.open(file)

  H.feed('GAWi<Esc>')
  vim.api.nvim_win_set_cursor(0, { 2, 2 })
  list._accept('codeium', 'Wikipedia says 日本語 is fine', 0)
  H.wait(function()
    return #H.sent() >= 1
  end, 'didAcceptAi after BlinkCmpAccept')
  vim.wait(100)
  H.eq(#H.sent(), 1, 'one notification for one accept (emitter and autocmd)')
  H.eq(H.lines(buf), { '# Title', 'Wikipedia says 日本語 is fine' }, 'buffer')
  H.eq(H.sent()[1].source.tool, 'codeium', 'tool')
  H.eq(
    H.sent()[1].ranges,
    { { start = { line = 1, character = 2 }, ['end'] = { line = 1, character = 32 } } },
    'ranges'
  )
  H.expect_regions(buf, { { 1, 2, 1, 32, 'codeium', false } })
  H.expect_diags(buf, { { 1, 2, 1, 32, 'vouch', 'unreviewed-ai' } })

  H.feed('Gopa<Esc>')
  vim.api.nvim_win_set_cursor(0, { 3, 2 })
  list._accept('lsp', 'parse', 0)
  vim.wait(150)
  H.eq(#H.sent(), 1, 'notifications after a non-AI accept')
  H.stop_all()
end)
