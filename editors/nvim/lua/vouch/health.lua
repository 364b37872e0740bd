-- :checkhealth vouch
local M = {}

local h = vim.health
local start = h.start or h.report_start
local ok = h.ok or h.report_ok
local warn = h.warn or h.report_warn
local err = h.error or h.report_error
local info = h.info or h.report_info

function M.check()
  local config = require('vouch.config')
  local vlsp = require('vouch.lsp')

  start('vouch: Neovim')
  if vim.fn.has('nvim-0.10') == 1 then
    ok(
      'Neovim '
        .. tostring(vim.version())
        .. (vim.fn.has('nvim-0.11') == 1 and ' (vim.lsp.config / vim.lsp.enable)' or '')
    )
  else
    err('Neovim 0.10 or later is required')
  end
  if vim.fn.executable('git') == 1 then
    ok('git found (a file inside a git repository is attributed in that repository)')
  else
    warn('git not found: every file is attributed in a `.vouch/` folder, never in its git repository')
  end

  start('vouch: setup()')
  if #config.problems == 0 then
    ok(config.active and 'options checked' or 'setup() not called yet')
  end
  for _, p in ipairs(config.problems) do
    warn(p)
  end

  start('vouch: server binary')
  local cmd = config.options.cmd
  local bin = type(cmd) == 'table' and cmd[1] or cmd
  if vim.fn.executable(bin) ~= 1 then
    err(('`%s` is not executable'):format(tostring(bin)), {
      'Install vouch (cargo install --path server) or set require("vouch").setup({ cmd = { "/path/to/vouch", "lsp" } })',
    })
  else
    local res = vim.system({ bin, '--version' }, { text = true }):wait()
    if res.code == 0 then
      ok(('%s: %s'):format(vim.fn.exepath(bin), vim.trim(res.stdout)))
    else
      warn(('%s --version failed: %s'):format(bin, vim.trim(res.stderr or '')))
    end
  end

  start('vouch: language server')
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local clients = get({ name = vlsp.name })
  if #clients == 0 then
    info('no vouch server running (it starts for files after require("vouch").setup())')
  end
  for _, client in ipairs(clients) do
    local names = {}
    for b in pairs(client.attached_buffers or {}) do
      names[#names + 1] = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(b), ':~:.')
    end
    table.sort(names)
    ok(
      ('client %d: root %s, position encoding %s, buffers: %s'):format(
        client.id,
        tostring(client.root_dir or (client.config and client.config.root_dir)),
        tostring(client.offset_encoding),
        #names > 0 and table.concat(names, ', ') or 'none'
      )
    )
  end
  -- :checkhealth shows its report in a buffer of its own: look at the buffer the user came from
  local buf = vim.api.nvim_get_current_buf()
  if vim.bo[buf].buftype ~= '' or vim.bo[buf].filetype == 'checkhealth' then
    local alt = vim.fn.bufnr('#')
    buf = alt > 0 and alt or buf
  end
  local current = vlsp.get_client(buf)
  if current then
    ok('attached to the current buffer (' .. vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':t') .. ')')
    if vlsp.exact[current.id] then
      ok('exact sync: the plugin sends the server minimal changes')
    else
      info('changes are sent by Neovim (sync = "' .. tostring(config.options.sync) .. '")')
    end
  else
    local root = vlsp.buf_root(buf)
    if root then
      warn('not attached to the current buffer (inside ' .. root .. ')')
    else
      info('not attached to the current buffer (not a file)')
    end
  end

  start('vouch: AI completion adapters')
  local any = false
  for _, a in ipairs(require('vouch.adapters').report()) do
    if a.detected then
      any = true
      if not a.enabled then
        info(a.name .. ': detected, turned off in setup()')
      elseif a.active then
        ok(a.name .. ': detected, acceptances are reported')
      else
        warn(a.name .. ': detected, but its accept functions were not found (unsupported version?)')
      end
    else
      info(a.name .. ': not loaded')
    end
  end
  if not any then
    info('no AI completion plugin detected yet (lazy-loaded plugins are detected when they load)')
  end
end

return M
