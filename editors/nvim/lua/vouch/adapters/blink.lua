-- blink.cmp: the `User BlinkCmpAccept` autocmd (data.item.source_id / source_name), for AI providers, and
-- the list's accept emitter where it exists. The text is in the buffer then: capture.recent().
local capture = require('vouch.capture')
local config = require('vouch.config')

local M = { name = 'blink.cmp', tool = nil }
local autocmd_id
local emitter_hooked

function M.detect()
  return package.loaded['blink.cmp'] ~= nil or package.loaded['blink.cmp.completion.list'] ~= nil
end

function M.tool_of(item)
  if type(item) ~= 'table' then
    return nil
  end
  local ai = config.options.ai_sources
  for _, key in ipairs({ item.source_id, item.source_name }) do
    if type(key) == 'string' then
      local tool = ai[key] or ai[key:lower()]
      if tool then
        return tool
      end
    end
  end
  return nil
end

function M.on_accept(data)
  pcall(function()
    local tool = M.tool_of(data and data.item)
    if tool then
      capture.recent(0, { tool = tool, kind = 'inline-completion' })
    end
  end)
end

function M.install()
  if not M.detect() then
    return false
  end
  if not autocmd_id then
    autocmd_id = vim.api.nvim_create_autocmd('User', {
      pattern = 'BlinkCmpAccept',
      group = vim.api.nvim_create_augroup('vouch_blink', { clear = true }),
      callback = function(args)
        M.on_accept(args.data)
      end,
    })
  end
  local list = package.loaded['blink.cmp.completion.list']
  if type(list) == 'table' and type(list.accept_emitter) == 'table' and list.accept_emitter ~= emitter_hooked then
    if pcall(function()
      list.accept_emitter:on(M.on_accept)
    end) then
      emitter_hooked = list.accept_emitter
    end
  end
  return true
end

return M
