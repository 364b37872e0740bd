-- nvim-cmp: confirm_done from an AI source (copilot-cmp) is reported without the typed prefix;
-- a non-AI source (buffer) is not.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('cmp')
  vim.o.virtualedit = 'onemore'
  local dir = H.repo()
  local file = dir .. '/util.lua'
  H.write(file, { 'local t = {}', '' })
  require('cmp')
  H.setup()
  local buf = H.open(file)

  -- the person types "ret", then confirms copilot's item "return t -- «fin»"
  H.feed('GAret<Esc>')
  vim.api.nvim_win_set_cursor(0, { 2, 3 })
  require('cmp')._confirm('copilot', 'return t -- «fin»', 0)
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi after confirm_done')
  H.eq(H.lines(buf), { 'local t = {}', 'return t -- «fin»' }, 'buffer')
  H.eq(H.sent()[1].source.tool, 'copilot', 'tool')
  H.eq(
    H.sent()[1].ranges,
    { { start = { line = 1, character = 3 }, ['end'] = { line = 1, character = 19 } } },
    'ranges without the typed prefix'
  )
  H.expect_regions(buf, { { 1, 3, 1, 19, 'copilot', false } })
  H.expect_diags(buf, { { 1, 3, 1, 19, 'vouch', 'unreviewed-ai' } })

  -- a buffer-words item is not AI
  H.feed('Go<Esc>')
  H.feed('Aloc<Esc>')
  vim.api.nvim_win_set_cursor(0, { 3, 3 })
  require('cmp')._confirm('buffer', 'local', 0)
  vim.wait(150)
  H.eq(#H.sent(), 1, 'notifications after a non-AI confirm')
  H.eq(vim.api.nvim_buf_get_lines(buf, 2, 3, false)[1], 'local', 'buffer item inserted')

  -- other AI sources map to their tools
  H.feed('Go<Esc>')
  vim.api.nvim_win_set_cursor(0, { 4, 0 })
  require('cmp')._confirm('supermaven', 'print(t)', 0)
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi from supermaven source')
  H.eq(H.sent()[2].source.tool, 'supermaven', 'tool of the supermaven source')
  H.expect_regions(buf, { { 1, 3, 1, 19, 'copilot', false }, { 3, 0, 3, 8, 'supermaven', false } })
  H.stop_all()
end)
