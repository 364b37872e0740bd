-- copilot.lua (zbirenbaum/copilot.lua): require("copilot.suggestion").accept / accept_word / accept_line.
-- The edit lands in a scheduled callback after accept() returns; capture.begin() waits for it.
local capture = require('vouch.capture')
local util = require('vouch.adapters.util')

local M = { name = 'copilot.lua', tool = 'copilot' }

function M.detect()
  return package.loaded['copilot.suggestion'] ~= nil
end

function M.install()
  local mod = package.loaded['copilot.suggestion']
  if type(mod) ~= 'table' then
    return false
  end
  local any = false
  for _, field in ipairs({ 'accept', 'accept_word', 'accept_line' }) do
    any = util.wrap(mod, field, function(orig)
      return function(...)
        util.safely(function()
          -- newer copilot.lua keeps is_visible() in copilot.suggestion.preview
          local preview = package.loaded['copilot.suggestion.preview']
          local is_visible = type(mod.is_visible) == 'function' and mod.is_visible
            or type(preview) == 'table' and type(preview.is_visible) == 'function' and preview.is_visible
            or nil
          if not is_visible or is_visible() then
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
