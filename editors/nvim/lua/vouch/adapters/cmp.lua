-- nvim-cmp: the `confirm_done` event, for entries whose source is an AI source (config.ai_sources).
-- The text is already in the buffer then: capture.recent() takes the changes since the last typed key.
local capture = require('vouch.capture')
local config = require('vouch.config')

local M = { name = 'nvim-cmp', tool = nil }
local installed_on

function M.detect()
  return package.loaded['cmp'] ~= nil
end

function M.on_confirm_done(evt)
  pcall(function()
    local entry = evt and evt.entry
    local name = entry and entry.source and entry.source.name
    local tool = name and config.options.ai_sources[name]
    if tool then
      capture.recent(0, { tool = tool, kind = 'inline-completion' })
    end
  end)
end

function M.install()
  local cmp = package.loaded['cmp']
  if type(cmp) ~= 'table' or type(cmp.event) ~= 'table' or type(cmp.event.on) ~= 'function' then
    return false
  end
  if installed_on == cmp.event then
    return true
  end
  local ok = pcall(function()
    cmp.event:on('confirm_done', M.on_confirm_done)
  end)
  if ok then
    installed_on = cmp.event
  end
  return ok
end

return M
