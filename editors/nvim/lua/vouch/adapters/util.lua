-- Helpers for adapters: wrapping a plugin's functions without ever breaking it, and the adapter of
-- plugins whose accept functions insert the suggestion (M.accepting).
local M = {}

--- Replace `mod[field]` by `make(orig)` once. Returns true when the field is (now) wrapped.
function M.wrap(mod, field, make)
  if type(mod) ~= 'table' then
    return false
  end
  local orig = rawget(mod, field)
  if type(orig) ~= 'function' then
    return false
  end
  mod.__vouch_wrapped = mod.__vouch_wrapped or {}
  if mod.__vouch_wrapped[field] == orig then
    -- already ours; mappings made since may still hold the original function
    M.rewire_keymaps(mod.__vouch_orig[field], orig)
    return true
  end
  local wrapper = make(orig)
  mod[field] = wrapper
  mod.__vouch_wrapped[field] = wrapper
  mod.__vouch_orig = mod.__vouch_orig or {}
  mod.__vouch_orig[field] = orig
  M.rewire_keymaps(orig, wrapper)
  return true
end

--- Insert-mode mappings whose Lua callback is `orig` get `new` instead (plugins often map the function itself).
function M.rewire_keymaps(orig, new)
  if type(orig) ~= 'function' then
    return
  end
  local function rewire(maps, buffer)
    for _, m in ipairs(maps) do
      if m.callback == orig then
        pcall(vim.keymap.set, 'i', m.lhs, new, {
          buffer = buffer,
          expr = m.expr == 1,
          silent = m.silent == 1,
          nowait = m.nowait == 1,
          noremap = m.noremap == 1,
          replace_keycodes = m.replace_keycodes == 1 or nil,
          desc = m.desc,
        })
      end
    end
  end
  rewire(vim.api.nvim_get_keymap('i'), nil)
  rewire(vim.api.nvim_buf_get_keymap(0, 'i'), 0)
end

--- Call a user-facing function from a wrapper: our part may fail, theirs must run as before.
function M.safely(fn, ...)
  local ok, res = pcall(fn, ...)
  if ok then
    return res
  end
  return nil
end

---@class vouch.AcceptingSpec
---@field name string the plugin, as :checkhealth names it
---@field module string the plugin's module holding the accept functions (package.loaded)
---@field functions string[] the accept functions
---@field tool string the tool credited
---@field shown fun(mod: table): any whether a suggestion is shown (the accept will insert something)
---@field through_typeahead boolean? the plugin inserts through typeahead (InsertCharPre fires)

--- An adapter for a plugin whose accept functions insert the suggestion: each is wrapped to call
--- capture.begin() first (when a suggestion is shown), then the plugin's own function, whose result
--- it returns unchanged.
---@param spec vouch.AcceptingSpec
---@return vouch.Adapter
function M.accepting(spec)
  local source = { tool = spec.tool, kind = 'inline-completion', through_typeahead = spec.through_typeahead }
  local adapter = { name = spec.name, tool = spec.tool }
  function adapter.detect()
    return package.loaded[spec.module] ~= nil
  end
  function adapter.install()
    local mod = package.loaded[spec.module]
    if type(mod) ~= 'table' then
      return false
    end
    local any = false
    for _, field in ipairs(spec.functions) do
      any = M.wrap(mod, field, function(orig)
        return function(...)
          M.safely(function()
            if spec.shown(mod) then
              require('vouch.capture').begin(0, source)
            end
          end)
          return orig(...)
        end
      end) or any
    end
    return any
  end
  return adapter
end

return M
