-- Adapters for AI completion plugins. Each switches on only when its plugin is loaded, and installs
-- itself again on later events (plugins are often lazy-loaded), never erroring into the plugin.
local config = require('vouch.config')

local M = {}

M.list = {
  { key = 'copilot_lua', mod = 'vouch.adapters.copilot_lua' },
  { key = 'copilot_vim', mod = 'vouch.adapters.copilot_vim', maps = true },
  { key = 'inline_completion', mod = 'vouch.adapters.inline_completion' },
  { key = 'cmp', mod = 'vouch.adapters.cmp' },
  { key = 'blink', mod = 'vouch.adapters.blink' },
  { key = 'supermaven', mod = 'vouch.adapters.supermaven' },
  { key = 'codeium', mod = 'vouch.adapters.codeium' },
}

M.active = {} -- key -> true when installed

--- Install every enabled adapter whose plugin is loaded. `light`: only those not active yet, and not the
--- mapping-scanning ones (used on frequent events, to catch plugins lazy-loaded mid-insert).
function M.install_all(light)
  for _, a in ipairs(M.list) do
    if config.options.adapters[a.key] ~= false and not (light and (M.active[a.key] or a.maps)) then
      local ok, adapter = pcall(require, a.mod)
      if ok then
        local okd, present = pcall(adapter.detect)
        if okd and present then
          local oki, installed = pcall(adapter.install)
          M.active[a.key] = oki and installed or nil
        end
      end
    end
  end
end

--- { {key, name, detected, active} } for :checkhealth.
function M.report()
  local out = {}
  for _, a in ipairs(M.list) do
    local ok, adapter = pcall(require, a.mod)
    local detected = ok and select(2, pcall(adapter.detect)) == true
    out[#out + 1] = {
      key = a.key,
      name = ok and adapter.name or a.key,
      enabled = config.options.adapters[a.key] ~= false,
      detected = detected,
      active = M.active[a.key] == true,
    }
  end
  return out
end

function M.setup(group)
  M.install_all()
  vim.api.nvim_create_autocmd({ 'VimEnter', 'InsertEnter', 'BufEnter' }, {
    group = group,
    callback = function()
      M.install_all()
    end,
  })
  vim.api.nvim_create_autocmd({ 'CursorMovedI', 'TextChangedI' }, {
    group = group,
    callback = function()
      M.install_all(true)
    end,
  })
  vim.api.nvim_create_autocmd('User', {
    group = group,
    pattern = { 'LazyLoad', 'VeryLazy' },
    callback = function()
      M.install_all()
    end,
  })
end

return M
