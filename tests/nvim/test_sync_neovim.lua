-- sync = "neovim": Neovim sends the didChange notifications. The notice of an accept still reaches the
-- server after the change it describes (the plugin asks Neovim to send changes at once, without
-- private APIs), so the server attributes exactly the accepted text.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  H.stub('copilot_lua')
  vim.o.virtualedit = 'onemore'
  local dir = H.repo()
  local file = dir .. '/main.rs'
  H.write(file, { 'fn main() {', '    let x = ', '}' })
  local suggestion = require('copilot.suggestion')
  H.setup({ sync = 'neovim' })
  local buf, client = H.open(file)
  H.check(not require('vouch.lsp').exact[client.id], 'Neovim syncs')
  H.eq(client.flags.debounce_text_changes, 0, 'changes go out at once')

  for round = 1, 3 do
    -- typed text right before the accept: its didChange must precede the notice
    vim.api.nvim_buf_set_text(buf, 1, 12, 1, 12, { 'y' .. round .. ' + ' })
    vim.api.nvim_win_set_cursor(0, { 2, 17 })
    suggestion._set('z' .. round)
    suggestion.accept()
    H.wait(function()
      return #H.sent() == round
    end, 'didAcceptAi ' .. round)
    H.eq(H.sent()[round].textDocument.version, vim.lsp.util.buf_versions[buf], 'version of notice ' .. round)
    H.expect_regions(buf, { { 1, 17, 1, 19, 'copilot', false } }, 'regions after accept ' .. round)
    vim.api.nvim_buf_set_text(buf, 1, 12, 1, 19, { '' })
  end
  H.stop_all()
end)
