-- Options of the vouch plugin: their types, defaults and checks. `require("vouch").setup(opts)` checks
-- `opts` (vim.validate) and merges them over the defaults; a bad or unknown option is reported in one
-- line and left out, so the rest of the configuration still applies.
local M = {}

---@alias vouch.Severity 'hint'|'information'|'warning'|'error'
---@alias vouch.Sync 'exact'|'neovim'

---@class (exact) vouch.Adapters
---@field copilot_lua boolean copilot.lua's accept functions
---@field copilot_vim boolean copilot.vim's accept mappings
---@field inline_completion boolean Neovim 0.12's vim.lsp.inline_completion
---@field cmp boolean nvim-cmp's confirm_done for AI sources
---@field blink boolean blink.cmp's accept event for AI providers
---@field supermaven boolean supermaven-nvim's accept functions
---@field codeium boolean windsurf.nvim / codeium.nvim's accept functions

---@class (exact) vouch.Config
---@field cmd string[] the command that starts the language server
---@field severity vouch.Severity? diagnostics severity (initializationOptions.severity)
---@field reviewer string? "Name <email>" recorded by reviews (default: git's identity)
---@field review_range string? sign-off: the commits under review, e.g. "origin/main..HEAD"
---@field position_encodings string[] offered to the server, preferred first
---@field sync vouch.Sync who sends didChange: "exact" (the plugin, minimal changes) or "neovim"
---@field highlight boolean highlight AI-written characters (VouchAi / VouchAiReviewed)
---@field signs boolean a sign on lines holding AI text (VouchAiSign / VouchAiReviewedSign)
---@field sign_text string the sign's text
---@field show_reviewed boolean also mark reviewed AI text (subtler groups)
---@field adapters vouch.Adapters false turns an adapter off
---@field ai_sources table<string, string> completion-menu sources that are AI -> tool name
---@field accept_timeout integer milliseconds an accept may take to change the buffer

---@class vouch.SetupOpts: vouch.Config
---@field cmd? string|string[] a string is the binary (`lsp` is appended)
---@field position_encodings? string[]
---@field sync? vouch.Sync
---@field highlight? boolean
---@field signs? boolean
---@field sign_text? string
---@field show_reviewed? boolean
---@field adapters? table<string, boolean>
---@field ai_sources? table<string, string>
---@field accept_timeout? integer

---@type vouch.Config
M.defaults = {
  cmd = { 'vouch', 'lsp' },
  severity = nil,
  reviewer = nil,
  review_range = nil,
  position_encodings = { 'utf-8', 'utf-16', 'utf-32' },
  sync = 'exact',
  highlight = true,
  signs = true,
  sign_text = '▍',
  show_reviewed = true,
  adapters = {
    copilot_lua = true,
    copilot_vim = true,
    inline_completion = true,
    cmp = true,
    blink = true,
    supermaven = true,
    codeium = true,
  },
  ai_sources = {
    copilot = 'copilot',
    codeium = 'codeium',
    windsurf = 'codeium',
    supermaven = 'supermaven',
    tabnine = 'tabnine',
    cmp_tabnine = 'tabnine',
    cmp_ai = 'cmp-ai',
    minuet = 'minuet',
  },
  accept_timeout = 1000,
}

local function one_of(...)
  local allowed = { ... }
  return function(v)
    return vim.tbl_contains(allowed, v)
  end, 'one of "' .. table.concat(allowed, '", "') .. '"'
end

--- A predicate: a table (with `list`, a non-empty list) whose every entry passes `entry(key, value)`.
local function table_of(list, entry)
  return function(v)
    if type(v) ~= 'table' or (list and (not vim.islist(v) or #v == 0)) then
      return false
    end
    for k, x in pairs(v) do
      if not entry(k, x) then
        return false
      end
    end
    return true
  end
end

local function strings(allowed)
  return table_of(true, function(_, x)
    return type(x) == 'string' and (allowed == nil or vim.tbl_contains(allowed, x))
  end)
end

local function by_name(kind, names)
  return table_of(false, function(k, x)
    return type(k) == 'string' and type(x) == kind and (names == nil or names[k] ~= nil)
  end)
end

local severity, severities = one_of('hint', 'information', 'warning', 'error')
local sync, syncs = one_of('exact', 'neovim')
local encodings = { 'utf-8', 'utf-16', 'utf-32' }
local adapter_names = vim.tbl_keys(M.defaults.adapters)
table.sort(adapter_names)

--- How each option is checked (a type name, or a predicate), what it must be, and whether nil is
--- allowed.
---@type table<string, { check: string|fun(v: any): boolean, what: string, optional: boolean? }>
M.schema = {
  cmd = {
    check = function(v)
      return (type(v) == 'string' and v ~= '') or strings()(v)
    end,
    what = 'a command: the binary, or a list of strings',
  },
  severity = { check = severity, what = severities, optional = true },
  reviewer = { check = 'string', what = 'a string "Name <email>"', optional = true },
  review_range = { check = 'string', what = 'a string such as "origin/main..HEAD"', optional = true },
  position_encodings = {
    check = strings(encodings),
    what = 'a non-empty list of "utf-8", "utf-16", "utf-32"',
  },
  sync = { check = sync, what = syncs },
  highlight = { check = 'boolean', what = 'true or false' },
  signs = { check = 'boolean', what = 'true or false' },
  sign_text = { check = 'string', what = 'a string' },
  show_reviewed = { check = 'boolean', what = 'true or false' },
  adapters = {
    check = by_name('boolean', M.defaults.adapters),
    what = 'a table of true/false by adapter (' .. table.concat(adapter_names, ', ') .. ')',
  },
  ai_sources = { check = by_name('string'), what = 'a table of tool names by source name' },
  accept_timeout = {
    check = function(v)
      return type(v) == 'number' and v > 0
    end,
    what = 'a positive number of milliseconds',
  },
}

--- Options that are accepted but no longer do anything, with why.
local retired = {
  debounce_text_changes = 'changes are sent at once (sync = "exact" sends minimal ones itself)',
}

--- vim.validate() of one option (the Neovim 0.10 table form where 0.11's is missing).
local function validate(name, value, spec)
  if vim.fn.has('nvim-0.11') == 1 then
    return pcall(vim.validate, name, value, spec.check, spec.optional, spec.what)
  end
  return pcall(vim.validate, {
    [name] = type(spec.check) == 'function' and {
      value,
      function(v)
        return (v == nil and spec.optional) or spec.check(v)
      end,
      spec.what,
    } or { value, spec.check, spec.optional },
  })
end

--- The checked options: `opts` without what is wrong, each problem as one line in `problems`.
---@param opts vouch.SetupOpts?
---@return table valid, string[] problems
function M.check(opts)
  local valid, problems = {}, {}
  if opts ~= nil and type(opts) ~= 'table' then
    return valid, { 'setup() takes a table of options, got ' .. type(opts) }
  end
  local keys = vim.tbl_keys(opts or {})
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  for _, key in ipairs(keys) do
    local value, spec = opts[key], M.schema[key]
    if retired[key] then
      problems[#problems + 1] = ('option %s is ignored: %s'):format(key, retired[key])
    elseif not spec then
      problems[#problems + 1] = ('unknown option %s (ignored)'):format(tostring(key))
    else
      if validate(key, value, spec) then
        valid[key] = value
      else
        local got = vim.inspect(value, { newline = ' ', indent = '' })
        problems[#problems + 1] = ('%s must be %s, not %s (ignored)'):format(key, spec.what, got)
      end
    end
  end
  return valid, problems
end

---@type vouch.Config
M.options = vim.deepcopy(M.defaults)
--- What the last setup() left out, one line each (:checkhealth vouch shows them).
---@type string[]
M.problems = {}

--- Checks `opts`, reports each problem (one line, vim.notify), and merges the rest over the defaults.
---@param opts vouch.SetupOpts?
---@return vouch.Config
function M.set(opts)
  local valid, problems = M.check(opts)
  M.problems = problems
  for _, p in ipairs(problems) do
    vim.notify('vouch: setup(): ' .. p, vim.log.levels.WARN)
  end
  if type(valid.cmd) == 'string' then
    valid.cmd = { valid.cmd, 'lsp' }
  end
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), valid)
  -- lists replace, they do not merge
  for _, key in ipairs({ 'cmd', 'position_encodings' }) do
    if valid[key] then
      M.options[key] = valid[key]
    end
  end
  return M.options
end

return M
