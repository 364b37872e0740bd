-- copilot.vim (github/copilot.vim): copilot#Accept(), copilot#AcceptWord(), copilot#AcceptLine() are used in
-- <expr> insert mappings whose keys insert the text after the mapping returns. Each such mapping gets
-- `v:lua...arm(kind) . (original expression)`: arm() notes a pending acceptance when a suggestion is shown.
local capture = require('vouch.capture')

local M = { name = 'copilot.vim', tool = 'copilot' }

function M.detect()
  return vim.g.loaded_copilot ~= nil or vim.fn.exists('*copilot#Accept') == 1
end

--- Called from the wrapped mappings (in the mapping's textlock: no buffer changes here).
function M.arm(kind)
  pcall(function()
    local s = vim.fn['copilot#GetDisplayedSuggestion']()
    if type(s) == 'table' and type(s.text) == 'string' and s.text ~= '' then
      capture.begin(0, { tool = M.tool, kind = 'inline-completion', through_typeahead = true })
    end
  end)
  return ''
end

local PREFIX = "v:lua.require'vouch.adapters.copilot_vim'.arm('%s') . ("

local function wrap_maps(maps)
  local any = false
  for _, m in ipairs(maps) do
    local rhs = m.rhs or ''
    if m.expr == 1 and rhs:find('copilot#Accept', 1, true) and not rhs:find('vouch', 1, true) then
      local kind = rhs:find('copilot#AcceptWord', 1, true) and 'word'
        or rhs:find('copilot#AcceptLine', 1, true) and 'line'
        or 'accept'
      local ok = pcall(function()
        local d = vim.fn.maparg(m.lhs, 'i', false, true)
        if type(d) ~= 'table' or d.rhs == nil or d.expr ~= 1 then
          return
        end
        if m.buffer and m.buffer ~= 0 and d.buffer == 0 then
          return
        end
        d.rhs = PREFIX:format(kind) .. d.rhs .. ')'
        vim.fn.mapset('i', false, d)
      end)
      any = any or ok
    elseif rhs:find('vouch.adapters.copilot_vim', 1, true) then
      any = true
    end
  end
  return any
end

function M.install()
  if not M.detect() then
    return false
  end
  local any = wrap_maps(vim.api.nvim_get_keymap('i'))
  any = wrap_maps(vim.api.nvim_buf_get_keymap(0, 'i')) or any
  return any
end

return M
