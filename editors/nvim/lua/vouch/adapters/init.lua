-- Adapters for AI completion plugins, one row each in `M.list`. Each switches on only when its plugin
-- is loaded, and installs itself again on later events (plugins are often lazy-loaded), never
-- erroring into the plugin. A row is data where the plugin's accept functions are simply wrapped
-- (`util.accepting`: module, functions, tool); completion menus share `menu.lua`; copilot.vim and
-- vim.lsp.inline_completion have modules of their own.
local config = require('vouch.config')
local util = require('vouch.adapters.util')

local M = {}

---@class vouch.Adapter
---@field name string the plugin, as :checkhealth names it
---@field detect fun(): boolean whether the plugin is loaded
---@field install fun(): boolean hooks in (idempotent); whether it could

---@type { key: string, adapter: fun(): vouch.Adapter, maps: boolean? }[]
M.list = {
  {
    key = 'copilot_lua',
    -- The edit lands in a scheduled callback after accept() returns; begin() waits for it.
    adapter = function()
      return util.accepting({
        name = 'copilot.lua',
        module = 'copilot.suggestion',
        functions = { 'accept', 'accept_word', 'accept_line' },
        tool = 'copilot',
        shown = function(mod)
          -- newer copilot.lua keeps is_visible() in copilot.suggestion.preview
          local preview = package.loaded['copilot.suggestion.preview']
          local is_visible = type(mod.is_visible) == 'function' and mod.is_visible
            or type(preview) == 'table' and type(preview.is_visible) == 'function' and preview.is_visible
            or nil
          return not is_visible or is_visible()
        end,
      })
    end,
  },
  {
    key = 'copilot_vim',
    adapter = function()
      return require('vouch.adapters.copilot_vim')
    end,
    maps = true,
  },
  {
    key = 'inline_completion',
    adapter = function()
      return require('vouch.adapters.inline_completion')
    end,
  },
  {
    key = 'cmp',
    adapter = function()
      return require('vouch.adapters.menu').cmp
    end,
  },
  {
    key = 'blink',
    adapter = function()
      return require('vouch.adapters.menu').blink
    end,
  },
  {
    key = 'supermaven',
    -- The edit is synchronous (apply_text_edits); the plugin maps the function itself.
    adapter = function()
      return util.accepting({
        name = 'supermaven-nvim',
        module = 'supermaven-nvim.completion_preview',
        functions = { 'on_accept_suggestion', 'on_accept_suggestion_word' },
        tool = 'supermaven',
        shown = function(mod)
          return type(mod.has_suggestion) ~= 'function' or mod.has_suggestion()
        end,
      })
    end,
  },
  {
    key = 'codeium',
    -- windsurf.nvim / codeium.nvim: the functions return keys for <expr> maps that insert the text
    -- afterwards, through typeahead.
    adapter = function()
      return util.accepting({
        name = 'windsurf.nvim / codeium.nvim',
        module = 'codeium.virtual_text',
        functions = { 'accept', 'accept_next_word', 'accept_next_line' },
        tool = 'codeium',
        through_typeahead = true,
        shown = function(mod)
          return type(mod.get_current_completion_item) ~= 'function' or mod.get_current_completion_item()
        end,
      })
    end,
  },
}

local loaded = {} -- key -> adapter

---@return vouch.Adapter?
local function adapter(row)
  if loaded[row.key] == nil then
    local ok, a = pcall(row.adapter)
    loaded[row.key] = ok and a or false
  end
  return loaded[row.key] or nil
end

M.active = {} -- key -> true when installed

--- Install every enabled adapter whose plugin is loaded. `light`: only those not active yet, and not the
--- mapping-scanning ones (used on frequent events, to catch plugins lazy-loaded mid-insert).
function M.install_all(light)
  for _, row in ipairs(M.list) do
    local a = adapter(row)
    if a and config.options.adapters[row.key] ~= false and not (light and (M.active[row.key] or row.maps)) then
      local okd, present = pcall(a.detect)
      if okd and present then
        local oki, installed = pcall(a.install)
        M.active[row.key] = oki and installed or nil
      end
    end
  end
end

--- { {key, name, enabled, detected, active} } for :checkhealth.
function M.report()
  local out = {}
  for _, row in ipairs(M.list) do
    local a = adapter(row)
    out[#out + 1] = {
      key = row.key,
      name = a and a.name or row.key,
      enabled = config.options.adapters[row.key] ~= false,
      detected = a ~= nil and select(2, pcall(a.detect)) == true,
      active = M.active[row.key] == true,
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
