-- Completion menus that report an accepted entry after inserting it (nvim-cmp's `confirm_done`,
-- blink.cmp's `User BlinkCmpAccept` autocmd and list accept emitter): when the entry's source is an AI
-- source (config.ai_sources), the text is in the buffer already and capture.recent() claims the
-- changes since the last typed key.
local capture = require('vouch.capture')
local config = require('vouch.config')

local M = {}

--- The tool of the first of `names` (source names / ids) that is an AI source, if any.
function M.tool_of(names)
  local ai = config.options.ai_sources
  for _, key in ipairs(names) do
    if type(key) == 'string' then
      local tool = ai[key] or ai[key:lower()]
      if tool then
        return tool
      end
    end
  end
  return nil
end

--- An entry from one of `names` was accepted.
local function accepted(names)
  pcall(function()
    local tool = M.tool_of(names)
    if tool then
      capture.recent(0, { tool = tool, kind = 'inline-completion' })
    end
  end)
end

local cmp_installed_on

---@type vouch.Adapter
M.cmp = {
  name = 'nvim-cmp',
  detect = function()
    return package.loaded['cmp'] ~= nil
  end,
  install = function()
    local cmp = package.loaded['cmp']
    if type(cmp) ~= 'table' or type(cmp.event) ~= 'table' or type(cmp.event.on) ~= 'function' then
      return false
    end
    if cmp_installed_on == cmp.event then
      return true
    end
    local ok = pcall(function()
      cmp.event:on('confirm_done', function(evt)
        local source = type(evt) == 'table' and type(evt.entry) == 'table' and evt.entry.source
        accepted({ type(source) == 'table' and source.name or nil })
      end)
    end)
    if ok then
      cmp_installed_on = cmp.event
    end
    return ok
  end,
}

local blink_autocmd, blink_emitter

local function blink_accepted(data)
  local item = type(data) == 'table' and data.item
  if type(item) == 'table' then
    accepted({ item.source_id, item.source_name })
  end
end

---@type vouch.Adapter
M.blink = {
  name = 'blink.cmp',
  detect = function()
    return package.loaded['blink.cmp'] ~= nil or package.loaded['blink.cmp.completion.list'] ~= nil
  end,
  install = function()
    if not M.blink.detect() then
      return false
    end
    if not blink_autocmd then
      blink_autocmd = vim.api.nvim_create_autocmd('User', {
        pattern = 'BlinkCmpAccept',
        group = vim.api.nvim_create_augroup('vouch_blink', { clear = true }),
        callback = function(args)
          blink_accepted(args.data)
        end,
      })
    end
    local list = package.loaded['blink.cmp.completion.list']
    if type(list) == 'table' and type(list.accept_emitter) == 'table' and list.accept_emitter ~= blink_emitter then
      if pcall(function()
        list.accept_emitter:on(blink_accepted)
      end) then
        blink_emitter = list.accept_emitter
      end
    end
    return true
  end,
}

return M
