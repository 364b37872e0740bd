-- Neovim 0.11+ server configuration for `vouch lsp` (merged under vim.lsp.config('vouch', ...)).
-- require("vouch").setup() enables it; it can also be enabled alone with vim.lsp.enable("vouch").
return require('vouch.lsp').server_config()
