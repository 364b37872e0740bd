-- Options of the vouch plugin, with their defaults. `require("vouch").setup(opts)` merges `opts` over them.
local M = {}

M.defaults = {
  -- The command that starts the language server. A string is the binary (then `lsp` is appended).
  cmd = { 'vouch', 'lsp' },
  -- Passed to the server as initializationOptions: severity ("hint"|"information"|"warning"|"error"), reviewer.
  severity = nil,
  reviewer = nil,
  -- Sign-off (docs/sign-off.md): the range under review, e.g. "origin/main..HEAD". Its committed AI lines
  -- that no signed approval covers are shown as `unapproved-ai` diagnostics; :VouchApproveRange signs.
  review_range = nil,
  -- Position encodings offered to the server, preferred first. utf-8 matches Neovim's byte-indexed buffers.
  position_encodings = { 'utf-8', 'utf-16', 'utf-32' },
  -- "exact": the plugin sends the server minimal didChange notifications itself (Neovim's incremental
  -- sync re-sends the rest of a line when the line count changes, which would make that text human).
  -- "neovim": leave syncing to Neovim.
  sync = 'exact',
  -- Milliseconds Neovim waits before sending typed changes to the server.
  debounce_text_changes = 50,
  -- Show AI-written text (from `vouch/regions`) in the buffer.
  highlight = true, -- highlight the characters (VouchAi / VouchAiReviewed)
  signs = true, -- a sign on lines holding AI text (VouchAiSign / VouchAiReviewedSign)
  sign_text = '▍',
  show_reviewed = true, -- also mark reviewed AI text (subtler groups)
  -- Catch AI completions accepted through these plugins. Set one to false to turn its adapter off.
  adapters = {
    copilot_lua = true,
    copilot_vim = true,
    inline_completion = true,
    cmp = true,
    blink = true,
    supermaven = true,
    codeium = true,
  },
  -- Completion-menu sources (nvim-cmp source names, blink.cmp provider ids) that are AI. Value: tool name.
  ai_sources = {
    copilot = 'copilot',
    codeium = 'codeium',
    windsurf = 'codeium',
    supermaven = 'supermaven',
    tabnine = 'tabnine',
    cmp_tabnine = 'tabnine',
    cmp_ai = 'cmp-ai',
    minuet = 'minuet',
  },
  -- Milliseconds an accept may take to change the buffer before it is given up.
  accept_timeout = 1000,
}

M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  opts = opts or {}
  if type(opts.cmd) == 'string' then
    opts = vim.deepcopy(opts)
    opts.cmd = { opts.cmd, 'lsp' }
  end
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- lists replace, they do not merge
  for _, key in ipairs({ 'cmd', 'position_encodings' }) do
    if opts[key] then
      M.options[key] = opts[key]
    end
  end
  return M.options
end

return M
