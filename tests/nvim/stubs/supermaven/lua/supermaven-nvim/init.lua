-- Stand-in for supermaven-nvim's setup(): maps the preview functions themselves, as the real one does.
local completion_preview = require('supermaven-nvim.completion_preview')
local M = {}
function M.setup(args)
  args = args or {}
  local keymaps = args.keymaps or { accept_suggestion = '<Tab>', accept_word = '<C-j>', clear_suggestion = '<C-]>' }
  vim.keymap.set(
    'i',
    keymaps.accept_suggestion,
    completion_preview.on_accept_suggestion,
    { noremap = true, silent = true }
  )
  vim.keymap.set(
    'i',
    keymaps.accept_word,
    completion_preview.on_accept_suggestion_word,
    { noremap = true, silent = true }
  )
  vim.keymap.set('i', keymaps.clear_suggestion, completion_preview.on_dispose_inlay, { noremap = true, silent = true })
end
return M
