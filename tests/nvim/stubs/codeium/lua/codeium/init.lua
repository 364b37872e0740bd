-- Stand-in for codeium.nvim's setup() with virtual_text.map_keys: <expr> maps calling the module functions.
local M = {}
function M.setup()
  local vt = require('codeium.virtual_text')
  vim.keymap.set('i', '<Tab>', function()
    return vt.accept()
  end, { expr = true, silent = true })
  vim.keymap.set('i', '<C-k>', function()
    return vt.accept_next_word()
  end, { expr = true, silent = true })
  vim.keymap.set('i', '<C-l>', function()
    return vt.accept_next_line()
  end, { expr = true, silent = true })
end
return M
