-- Vouch: nothing happens until require("vouch").setup() is called (see :help vouch).
if vim.g.loaded_vouch then
  return
end
vim.g.loaded_vouch = true
