-- The server's code actions and hover work through Neovim's own LSP client: "Mark as reviewed" on
-- one diagnostic, "Mark all AI code in this file as reviewed", and the hover over AI text.
-- Highlights and signs are turned off here: no extmarks.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

local function actions(buf, client, row)
  local diags = vim.diagnostic.get(buf, { namespace = vim.lsp.diagnostic.get_namespace(client.id), lnum = row })
  local lsp_diags = {}
  for _, d in ipairs(diags) do
    lsp_diags[#lsp_diags + 1] = d.user_data and d.user_data.lsp or nil
  end
  local resp = client:request_sync('textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = row, character = 0 }, ['end'] = { line = row, character = 0 } },
    context = { diagnostics = lsp_diags },
  }, 5000, buf)
  H.check(resp and not resp.err, 'codeAction failed: ' .. vim.inspect(resp))
  local by_title = {}
  for _, a in ipairs(resp.result or {}) do
    by_title[a.title] = a
  end
  return by_title
end

H.run(function()
  local dir = H.repo()
  local file = dir .. '/two.py'
  H.write(file, { 'x = 1', 'y = 2', 'z = 3' })
  H.setup({ reviewer = 'Rev Iewer <rev@example.com>', highlight = false, signs = false })
  local buf, client = H.open(file)
  vim.cmd('1VouchMarkAi chatgpt gpt-5')
  vim.cmd('3VouchMarkAi chatgpt gpt-5')
  H.expect_diags(buf, { { 0, 0, 1, 0, 'vouch', 'unreviewed-ai' }, { 2, 0, 2, 5, 'vouch', 'unreviewed-ai' } })
  H.expect_regions(buf, { { 0, 0, 1, 0, 'chatgpt', false }, { 2, 0, 2, 5, 'chatgpt', false } })
  require('vouch.regions').refresh(buf)
  vim.wait(100)
  H.eq(#require('vouch.regions').get(buf), 2, 'regions received')
  H.eq(
    vim.api.nvim_buf_get_extmarks(buf, require('vouch.regions').ns, 0, -1, {}),
    {},
    'extmarks with highlight and signs off'
  )

  -- hover over AI text names the tool and model
  local hover = client:request_sync('textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 0, character = 2 },
  }, 5000, buf)
  local text = vim.inspect(hover and hover.result)
  H.check(text:find('chatgpt', 1, true) and text:find('gpt-5', 1, true), 'hover lacks tool/model: ' .. text)

  -- "Mark as reviewed" on the first diagnostic, executed as Neovim executes code actions
  local a = actions(buf, client, 0)['Mark as reviewed']
  H.check(a and a.command, 'no "Mark as reviewed" action')
  client:exec_cmd(a.command, { bufnr = buf })
  H.expect_diags(buf, { { 2, 0, 2, 5, 'vouch', 'unreviewed-ai' } }, 'diagnostics after "Mark as reviewed"')

  -- "Mark all AI code in this file as reviewed"
  local all = actions(buf, client, 2)['Mark all AI code in this file as reviewed']
  H.check(all and all.command, 'no "Mark all ..." action')
  client:exec_cmd(all.command, { bufnr = buf })
  H.expect_diags(buf, {}, 'diagnostics after "Mark all AI code in this file as reviewed"')
  local _, raw = H.regions(buf)
  for _, r in ipairs(raw.regions) do
    H.check(
      r.reviewed and tostring(r.reviewedBy):find('Rev Iewer', 1, true),
      'reviewer not recorded: ' .. vim.inspect(r)
    )
  end
  H.stop_all()
end)
