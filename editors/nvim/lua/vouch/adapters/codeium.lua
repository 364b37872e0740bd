-- windsurf.nvim / codeium.nvim (Exafunction): require("codeium.virtual_text").accept(),
-- accept_next_word(), accept_next_line() return keys for <expr> maps that insert the text afterwards.
local capture = require('vouch.capture')
local util = require('vouch.adapters.util')

local M = { name = 'windsurf.nvim / codeium.nvim', tool = 'codeium' }

function M.detect()
  return package.loaded['codeium.virtual_text'] ~= nil
end

function M.install()
  local mod = package.loaded['codeium.virtual_text']
  if type(mod) ~= 'table' then
    return false
  end
  local any = false
  for _, field in ipairs({ 'accept', 'accept_next_word', 'accept_next_line' }) do
    any = util.wrap(mod, field, function(orig)
      return function(...)
        util.safely(function()
          local item = type(mod.get_current_completion_item) ~= 'function' or mod.get_current_completion_item()
          if item then
            capture.begin(0, { tool = M.tool, kind = 'inline-completion', through_typeahead = true })
          end
        end)
        return orig(...)
      end
    end) or any
  end
  return any
end

return M
