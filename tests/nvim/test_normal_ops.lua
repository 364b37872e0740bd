-- Everyday Normal-mode edits around AI text (join, indent, delete, substitute, undo/redo, block
-- insert): the plugin's copy of the buffer stays exact and the server keeps the AI characters.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  local dir = H.repo()
  local file = dir .. '/ops.txt'
  H.write(file, { 'a1', 'a2', 'a3', 'a4', 'a5', 'human' })
  H.setup()
  local buf = H.open(file)
  vim.bo[buf].expandtab = false
  vim.bo[buf].shiftwidth = 8
  local st = require('vouch.capture')._bufs[buf]
  local function shadow_ok(what)
    require('vouch.capture').flush(buf)
    H.eq(st.lines, H.lines(buf), 'plugin copy of the buffer after ' .. what)
  end

  vim.cmd('1,5VouchMarkAi chat')
  H.expect_regions(buf, { { 0, 0, 5, 0, 'chat', false } })

  H.feed('gg3J') -- the joining spaces are human
  shadow_ok('3J')
  H.eq(H.lines(buf), { 'a1 a2 a3', 'a4', 'a5', 'human' }, 'after 3J')
  H.expect_regions(
    buf,
    { { 0, 0, 0, 2, 'chat', false }, { 0, 3, 0, 5, 'chat', false }, { 0, 6, 3, 0, 'chat', false } },
    'regions after 3J'
  )

  H.feed('2G>>') -- a human tab before a4
  shadow_ok('>>')
  H.expect_regions(buf, {
    { 0, 0, 0, 2, 'chat', false },
    { 0, 3, 0, 5, 'chat', false },
    { 0, 6, 1, 0, 'chat', false },
    { 1, 1, 3, 0, 'chat', false },
  }, 'regions after >>')

  vim.cmd('let &undolevels = &undolevels') -- an undo break, as between two commands typed by a person
  vim.cmd('%s/a/b/g') -- replaced characters are human
  shadow_ok(':s')
  H.eq(H.lines(buf), { 'b1 b2 b3', '\tb4', 'b5', 'humbn' }, 'after :s')
  H.expect_regions(buf, {
    { 0, 1, 0, 2, 'chat', false },
    { 0, 4, 0, 5, 'chat', false },
    { 0, 7, 1, 0, 'chat', false },
    { 1, 2, 2, 0, 'chat', false },
    { 2, 1, 3, 0, 'chat', false },
  }, 'regions after :s')

  H.feed('u') -- undo brings the old characters back, as new (human) text
  shadow_ok('u')
  H.eq(H.lines(buf), { 'a1 a2 a3', '\ta4', 'a5', 'human' }, 'after u')
  H.feed('3Gdd') -- deleting a line
  shadow_ok('dd')
  H.eq(H.lines(buf), { 'a1 a2 a3', '\ta4', 'human' }, 'after dd')
  H.expect_regions(buf, {
    { 0, 1, 0, 2, 'chat', false },
    { 0, 4, 0, 5, 'chat', false },
    { 0, 7, 1, 0, 'chat', false },
    { 1, 2, 2, 0, 'chat', false },
  }, 'regions after dd')

  H.feed('gg0<C-v>jI#<Esc>') -- block insert on two lines
  shadow_ok('block insert')
  H.eq(H.lines(buf), { '#a1 a2 a3', '#\ta4', 'human' }, 'after block insert')
  H.expect_regions(buf, {
    { 0, 2, 0, 3, 'chat', false },
    { 0, 5, 0, 6, 'chat', false },
    { 0, 8, 1, 0, 'chat', false },
    { 1, 3, 2, 0, 'chat', false },
  }, 'regions after block insert')
  H.stop_all()
end)
