-- :VouchMarkAi (charwise visual and line ranges), highlights and signs, :VouchNext/:VouchPrev,
-- :VouchStatus (quickfix from `vouch status --json`), :VouchReview (range, buffer), :VouchForget.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

local function cursor()
  return vim.api.nvim_win_get_cursor(0)
end

H.run(function()
  local dir = H.repo()
  local file = dir .. '/src/calc.py'
  H.write(file, { 'def f(x):', '    y = é + x  # café', '    return y', 'def g():', '    pass', '' })
  H.git(dir, { 'add', '.' })
  H.git(dir, { 'commit', '-qm', 'init' })
  H.setup()
  local buf = H.open(file)

  -- charwise selection of "é + x" (é is 2 bytes): bytes 8..14 of line 2
  H.feed('2G9|vllll<Esc>')
  vim.cmd("'<,'>VouchMarkAi chatgpt gpt-5")
  H.expect_regions(buf, { { 1, 8, 1, 14, 'chatgpt', false } }, 'regions after charwise :VouchMarkAi')
  -- whole lines 4-5
  vim.cmd('4,5VouchMarkAi chatgpt')
  H.expect_regions(buf, { { 1, 8, 1, 14, 'chatgpt', false }, { 3, 0, 5, 0, 'chatgpt', false } })
  H.expect_diags(buf, { { 1, 8, 1, 14, 'vouch', 'unreviewed-ai' }, { 3, 0, 5, 0, 'vouch', 'unreviewed-ai' } })

  -- highlight and signs
  local ns = require('vouch.regions').ns
  H.wait(function()
    return #vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, {}) >= 5
  end, 'vouch extmarks')
  local hl, signs = {}, {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
    local d = m[4]
    if d.hl_group then
      hl[#hl + 1] = { m[2], m[3], d.end_row, d.end_col, d.hl_group }
    end
    if d.sign_text then
      signs[#signs + 1] = m[2]
    end
  end
  table.sort(signs)
  H.eq(hl, { { 1, 8, 1, 14, 'VouchAi' }, { 3, 0, 5, 0, 'VouchAi' } }, 'highlight extmarks')
  H.eq(signs, { 1, 3, 4 }, 'sign rows')

  -- next / previous unreviewed region, wrapping
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd('VouchNext')
  H.eq(cursor(), { 2, 8 }, 'cursor after :VouchNext')
  vim.cmd('VouchNext')
  H.eq(cursor(), { 4, 0 }, 'cursor after second :VouchNext')
  vim.cmd('VouchNext')
  H.eq(cursor(), { 2, 8 }, 'cursor after :VouchNext wraps')
  vim.cmd('VouchPrev')
  H.eq(cursor(), { 4, 0 }, 'cursor after :VouchPrev wraps')

  -- :VouchStatus lists both regions, repository-wide, 1-based lines
  vim.cmd('VouchStatus')
  local qf = vim.fn.getqflist()
  local got = {}
  for _, it in ipairs(qf) do
    got[#got + 1] = { vim.api.nvim_buf_get_name(it.bufnr), it.lnum, it.end_lnum }
  end
  H.eq(got, { { file, 2, 2 }, { file, 4, 5 } }, 'quickfix from :VouchStatus')
  H.check(qf[1].text:find('chatgpt (gpt-5)', 1, true), 'quickfix text names tool and model: ' .. qf[1].text)
  -- Entries name the unit, like the diagnostics.
  H.eq(qf[1].text, 'Unreviewed AI code in def f · chatgpt (gpt-5) · 1 line', 'quickfix text of line 2')
  H.eq(qf[2].text, 'Unreviewed AI code in def g · chatgpt · 2 lines', 'quickfix text of lines 4-5')
  vim.cmd('cclose')

  -- review line 4 only, then the rest of the buffer
  vim.cmd('4VouchReview')
  H.expect_regions(buf, {
    { 1, 8, 1, 14, 'chatgpt', false },
    { 3, 0, 4, 0, 'chatgpt', true },
    { 4, 0, 5, 0, 'chatgpt', false },
  }, 'regions after :4VouchReview')
  H.expect_diags(buf, { { 1, 8, 1, 14, 'vouch', 'unreviewed-ai' }, { 4, 0, 5, 0, 'vouch', 'unreviewed-ai' } })
  vim.cmd('VouchReview')
  H.expect_diags(buf, {}, 'diagnostics after :VouchReview')
  H.expect_regions(buf, { { 1, 8, 1, 14, 'chatgpt', true }, { 3, 0, 5, 0, 'chatgpt', true } })

  -- forget line 2: human again
  vim.cmd('2VouchForget')
  H.expect_regions(buf, { { 3, 0, 5, 0, 'chatgpt', true } }, 'regions after :2VouchForget')

  -- nothing unreviewed left: empty quickfix
  vim.cmd('VouchStatus')
  H.eq(#vim.fn.getqflist(), 0, 'quickfix entries after review')

  -- a policy that wants another reviewer: :VouchStatus lists what the gate would block, saying why
  H.write(
    dir .. '/vouch.toml',
    { '[[review.rule]]', 'paths = ["src/**"]', 'reviewers = ["Grace <grace@example.com>"]' }
  )
  vim.cmd('VouchStatus')
  qf = vim.fn.getqflist()
  H.eq(#qf, 1, 'quickfix entries under the policy')
  H.eq(qf[1].lnum, 4, 'line of the entry under the policy')
  H.check(
    qf[1].text:find('AI code in def g not reviewed as required', 1, true)
      and qf[1].text:find('needs one of: Grace <grace@example.com>', 1, true),
    'quickfix text says why: ' .. qf[1].text
  )
  H.stop_all()
end)
