-- copilot.vim: <Tab> (copilot#Accept), <M-Right> (copilot#AcceptWord), <M-C-Right> (copilot#AcceptLine),
-- with the stand-in autoload functions and the real plugin's mappings; keys typed through feedkeys.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('copilot_vim')
  vim.cmd('runtime plugin/copilot.vim')
  local dir = H.repo()
  local file = dir .. '/app.py'
  H.write(file, { 'def greet(name):', '    msg = ' })
  H.setup()
  local buf = H.open(file)
  -- the mappings now call vouch before copilot, and still contain copilot#Accept (copilot.vim checks that)
  local tab = vim.fn.maparg('<Tab>', 'i', false, true)
  H.check(
    tab.rhs:find('vouch', 1, true) and tab.rhs:find('copilot#Accept()', 1, true),
    'Tab mapping not wrapped: ' .. tab.rhs
  )
  H.check(
    vim.fn.maparg('<Plug>(copilot-accept-word)', 'i'):find('vouch', 1, true),
    '<Plug>(copilot-accept-word) not wrapped'
  )

  -- full accept: multi-line, non-ASCII
  vim.g.stub_copilot_text = 'f"¡hola {name}!"\n    return msg'
  H.feed('GA<Tab><Esc>')
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi after <Tab>')
  H.eq(H.lines(buf), { 'def greet(name):', '    msg = f"¡hola {name}!"', '    return msg' }, 'buffer after <Tab>')
  H.eq(H.sent()[1].source.tool, 'copilot', 'tool')
  H.eq(
    H.sent()[1].ranges,
    { { start = { line = 1, character = 10 }, ['end'] = { line = 2, character = 14 } } },
    'ranges'
  )
  H.expect_regions(buf, { { 1, 10, 2, 14, 'copilot', false } })
  H.expect_diags(buf, { { 1, 10, 2, 14, 'vouch', 'unreviewed-ai' } })

  -- word and line accepts through the <Plug> maps
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { '' })
  vim.g.stub_copilot_text = 'print(greet("Zoë"))\nprint("bye")'
  H.feed('GA<M-Right><Esc>')
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi after accept word; lines: ' .. vim.inspect(H.lines(buf)) .. ' sent: ' .. #H.sent())
  H.eq(vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1], 'print', 'line after accept word')
  H.eq(
    H.sent()[2].ranges,
    { { start = { line = 3, character = 0 }, ['end'] = { line = 3, character = 5 } } },
    'word range'
  )

  -- typed text in between is human
  H.feed('A<C-R>="  "<CR><Esc>')
  H.feed('A<M-C-Right><Esc>')
  H.wait(function()
    return #H.sent() == 3
  end, 'didAcceptAi after accept line')
  local line3 = vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1]
  H.eq(line3, 'print  (greet("Zoë"))', 'line after accept line')
  H.eq(
    H.sent()[3].ranges,
    { { start = { line = 3, character = 7 }, ['end'] = { line = 3, character = 22 } } },
    'line range'
  )
  H.expect_regions(buf, {
    { 1, 10, 2, 14, 'copilot', false },
    { 3, 0, 3, 5, 'copilot', false },
    { 3, 7, 3, 22, 'copilot', false },
  })

  -- a suggestion that repeats the auto-paired ")" after the cursor: deleteSize 1, only "«x»" is AI
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { 'f()' })
  vim.g.stub_copilot_text = '«x»)'
  vim.g.stub_copilot_delete = 1
  H.feed('G$i<Tab><Esc>')
  H.wait(function()
    return #H.sent() == 4
  end, 'didAcceptAi after an accept with deleteSize')
  H.eq(vim.api.nvim_buf_get_lines(buf, 4, 5, false)[1], 'f(«x»)', 'line after deleteSize accept')
  H.eq(
    H.sent()[4].ranges,
    { { start = { line = 4, character = 2 }, ['end'] = { line = 4, character = 7 } } },
    'deleteSize range'
  )
  vim.api.nvim_buf_set_lines(buf, 4, 5, false, {})

  -- <Tab> without a suggestion inserts a tab (copilot's fallback) and reports nothing
  vim.g.stub_copilot_text = ''
  H.feed('A<Tab><Esc>')
  vim.wait(150)
  H.eq(#H.sent(), 4, 'notifications after a plain <Tab>')
  local last = vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1]
  H.check(last:match('^print  %(greet%("Zoë"%)%)%s+$'), 'plain <Tab> not inserted: ' .. last)
  H.expect_regions(buf, {
    { 1, 10, 2, 14, 'copilot', false },
    { 3, 0, 3, 5, 'copilot', false },
    { 3, 7, 3, 22, 'copilot', false },
  })
  H.stop_all()
end)
