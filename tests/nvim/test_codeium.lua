-- windsurf.nvim / codeium.nvim: <expr> maps returning <C-r><C-o>= keys from virtual_text.accept*().
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('codeium')
  local dir = H.repo()
  local file = dir .. '/main.go'
  H.write(file, { 'package main', '', 'func main() {', '\t', '}' })
  require('codeium').setup()
  H.setup()
  local buf = H.open(file)
  local vt = require('codeium.virtual_text')

  vt._set('fmt.Println("grüße")\n\tos.Exit(0)')
  H.feed('4GA<Tab><Esc>')
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi after accept(); lines ' .. vim.inspect(H.lines(buf)))
  H.eq(H.lines(buf), { 'package main', '', 'func main() {', '\tfmt.Println("grüße")', '\tos.Exit(0)', '}' }, 'buffer')
  H.eq(H.sent()[1].source.tool, 'codeium', 'tool')
  H.eq(
    H.sent()[1].ranges,
    { { start = { line = 3, character = 1 }, ['end'] = { line = 4, character = 11 } } },
    'ranges'
  )
  H.expect_regions(buf, { { 3, 1, 4, 11, 'codeium', false } })
  H.expect_diags(buf, { { 3, 1, 4, 11, 'vouch', 'unreviewed-ai' } })

  -- next word, then next line
  vim.api.nvim_buf_set_lines(buf, 5, 5, false, { '' })
  vt._set('return nil\n')
  H.feed('6GA<C-k><Esc>')
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi after accept_next_word()')
  H.eq(vim.api.nvim_buf_get_lines(buf, 5, 6, false)[1], 'return', 'after next word')
  H.feed('A<C-l><Esc>')
  H.wait(function()
    return #H.sent() == 3
  end, 'didAcceptAi after accept_next_line()')
  H.eq(vim.api.nvim_buf_get_lines(buf, 5, 6, false)[1], 'return nil', 'after next line')
  H.expect_regions(buf, { { 3, 1, 4, 11, 'codeium', false }, { 5, 0, 5, 10, 'codeium', false } })
  H.stop_all()
end)
