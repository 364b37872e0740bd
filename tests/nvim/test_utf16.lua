-- The same accept when only utf-16 is offered: ranges are sent and read back in UTF-16 code units
-- (an emoji is a surrogate pair), while diagnostics and highlights land on the right bytes.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('copilot_lua')
  vim.o.virtualedit = 'onemore'
  local dir = H.repo()
  local file = dir .. '/emoji.js'
  H.write(file, { 'const s = "😀é";', 'let t = ' })
  local suggestion = require('copilot.suggestion')
  H.setup({ position_encodings = { 'utf-16' } })
  local buf, client = H.open(file)
  H.eq(client.offset_encoding, 'utf-16', 'negotiated encoding')

  vim.api.nvim_win_set_cursor(0, { 1, 17 }) -- after `"😀é` (11 + 4 + 2 bytes), before `";`
  suggestion._set('🎉ü')
  suggestion.accept()
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi')
  H.eq(vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1], 'const s = "😀é🎉ü";', 'line')
  -- bytes 17..23 (🎉 4 bytes, ü 2) are UTF-16 units 14..17 (😀 is 2 units, é 1, 🎉 2, ü 1)
  H.eq(
    H.sent()[1].ranges,
    { { start = { line = 0, character = 14 }, ['end'] = { line = 0, character = 17 } } },
    'utf-16 ranges'
  )
  H.expect_regions(buf, { { 0, 14, 0, 17, 'copilot', false } })
  H.expect_diags(buf, { { 0, 17, 0, 23, 'vouch', 'unreviewed-ai' } }, 'diagnostic byte columns')
  H.wait(function()
    for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, require('vouch.regions').ns, 0, -1, { details = true })) do
      if m[4].hl_group == 'VouchAi' and m[2] == 0 and m[3] == 17 and m[4].end_col == 23 then
        return true
      end
    end
    return false
  end, 'highlight on bytes 17..23')
  H.stop_all()
end)
