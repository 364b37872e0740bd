-- Neovim 0.12's built-in vim.lsp.inline_completion: get({ on_accept? }) accepts the shown item (in a
-- scheduled callback). The tool is the name of the language server that offered the item.
local capture = require('vouch.capture')
local util = require('vouch.adapters.util')

local M = { name = 'vim.lsp.inline_completion', tool = nil }

local function module()
  local ok, ic = pcall(function()
    return vim.lsp.inline_completion
  end)
  if ok and type(ic) == 'table' and type(rawget(ic, 'get') or ic.get) == 'function' then
    return ic
  end
  return nil
end

function M.detect()
  return module() ~= nil
end

local function tool_of(client)
  local name = client and client.name or 'lsp'
  if name:lower():find('copilot', 1, true) then
    return 'copilot'
  end
  return name
end

local function client_for(bufnr, item)
  if item and item.client_id then
    return vim.lsp.get_client_by_id(item.client_id)
  end
  local ok, clients = pcall(vim.lsp.get_clients, { bufnr = bufnr, method = 'textDocument/inlineCompletion' })
  for _, c in ipairs(ok and clients or {}) do
    if c.name ~= 'vouch' then
      return c
    end
  end
  return nil
end

function M.install()
  local ic = module()
  if not ic then
    return false
  end
  return util.wrap(ic, 'get', function(orig)
    return function(opts)
      local bufnr = vim.api.nvim_get_current_buf()
      if type(opts) == 'table' and opts.bufnr and opts.bufnr ~= 0 then
        bufnr = opts.bufnr
      end
      if type(opts) == 'table' and type(opts.on_accept) == 'function' then
        -- the caller inserts the text itself in on_accept
        local user = opts.on_accept
        local o = vim.tbl_extend('force', {}, opts)
        o.on_accept = function(item)
          util.safely(function()
            capture.begin(bufnr, { tool = tool_of(client_for(bufnr, item)), kind = 'inline-completion' })
          end)
          return user(item)
        end
        return orig(o)
      end
      local p = util.safely(function()
        return capture.begin(bufnr, { tool = tool_of(client_for(bufnr, nil)), kind = 'inline-completion' })
      end)
      local res = orig(opts)
      if res == false and p then
        capture.cancel(bufnr, p)
      end
      return res
    end
  end)
end

return M
