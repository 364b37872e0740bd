-- supermaven-nvim: completion_preview.on_accept_suggestion(is_partial) / on_accept_suggestion_word().
-- The edit is synchronous (apply_text_edits); the plugin maps the function itself, so keymaps are rewired.
local capture = require('vouch.capture')
local util = require('vouch.adapters.util')

local M = { name = 'supermaven-nvim', tool = 'supermaven' }

function M.detect()
  return package.loaded['supermaven-nvim.completion_preview'] ~= nil
end

function M.install()
  local mod = package.loaded['supermaven-nvim.completion_preview']
  if type(mod) ~= 'table' then
    return false
  end
  local any = false
  for _, field in ipairs({ 'on_accept_suggestion', 'on_accept_suggestion_word' }) do
    any = util.wrap(mod, field, function(orig)
      return function(...)
        util.safely(function()
          if type(mod.has_suggestion) ~= 'function' or mod.has_suggestion() then
            capture.begin(0, { tool = M.tool, kind = 'inline-completion' })
          end
        end)
        return orig(...)
      end
    end) or any
  end
  return any
end

return M
