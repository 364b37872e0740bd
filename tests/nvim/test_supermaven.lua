-- supermaven-nvim: <Tab> mapped by the plugin's setup() to the preview function itself (so vouch must
-- rewire the mapping), accept replaces up to the end of the line and feeds <Space><Left><Del>.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('supermaven')
  local dir = H.repo()
  local file = dir .. '/lib.ts'
  H.write(file, { 'const π = ', '' })
  H.setup() -- before the plugin is loaded: the adapter installs itself later (BufEnter / InsertEnter)
  require('supermaven-nvim').setup({})
  local buf = H.open(file)
  H.check(require('vouch.adapters').active.supermaven, 'supermaven adapter not active')

  -- full accept with <Tab>: completion continues the line and adds one
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  require('supermaven-nvim.completion_preview')._set('3.14159; // «pi»\nexport default π;')
  H.feed('A<Tab>')
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi after <Tab>; lines ' .. vim.inspect(H.lines(buf)))
  H.eq(H.lines(buf), { 'const π = 3.14159; // «pi»', 'export default π;', '' }, 'buffer after accept')
  H.eq(H.sent()[1].source.tool, 'supermaven', 'tool')
  H.eq(
    H.sent()[1].ranges,
    { { start = { line = 0, character = 11 }, ['end'] = { line = 1, character = 18 } } },
    'ranges'
  )
  H.expect_regions(buf, { { 0, 11, 1, 18, 'supermaven', false } })
  H.expect_diags(buf, { { 0, 11, 1, 18, 'vouch', 'unreviewed-ai' } })

  -- word accept (<C-j>) on the empty last line
  require('supermaven-nvim.completion_preview')._set('console.log(π)')
  H.feed('GA<C-j>')
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi after <C-j>')
  H.eq(vim.api.nvim_buf_get_lines(buf, 2, 3, false)[1], 'console.log(π)', 'line after word accept')
  H.expect_regions(buf, { { 0, 11, 1, 18, 'supermaven', false }, { 2, 0, 2, 15, 'supermaven', false } })

  -- <Tab> without a suggestion falls back to a plain tab: nothing reported
  H.feed('GA<Tab>')
  vim.wait(150)
  H.eq(#H.sent(), 2, 'notifications after a plain <Tab>')
  H.stop_all()
end)
