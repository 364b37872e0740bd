-- Neovim 0.11+ server configuration for `vouch lsp` (merged under vim.lsp.config('vouch', ...)).
-- require("vouch").setup() enables it; it can also be enabled alone with vim.lsp.enable("vouch").
local vlsp = require('vouch.lsp')
local cfg = vlsp.client_config()
cfg.root_dir = function(bufnr, on_dir)
  local root = vlsp.buf_root(bufnr)
  if root then
    on_dir(root)
  end
end
return cfg
