-- Starting `vouch lsp` and talking to it: client configuration, requests, position conversion.
local config = require('vouch.config')

local M = {}

M.name = 'vouch'
local has_011 = vim.fn.has('nvim-0.11') == 1

--- Git toplevel of a directory, cached. nil outside a git repository.
local roots = {}
function M.git_root(dir)
  if not dir or dir == '' then
    return nil
  end
  local cached = roots[dir]
  if cached ~= nil then
    return cached or nil
  end
  local root = false
  if vim.fn.isdirectory(dir) == 1 then
    local ok, res = pcall(function()
      return vim.system({ 'git', '-C', dir, 'rev-parse', '--show-toplevel' }, { text = true }):wait()
    end)
    if ok and res.code == 0 then
      root = vim.trim(res.stdout)
      if root == '' then
        root = false
      end
    end
  end
  roots[dir] = root
  return root or nil
end

local function is_home(dir)
  local home = vim.uv.os_homedir()
  return home ~= nil and vim.fn.resolve(dir) == vim.fn.resolve(home)
end

--- The nearest of `dir` and its ancestors holding a `.vouch/` folder, never `/` nor the home
--- folder itself (where the server keeps no store).
local function vouch_root(dir)
  for _, d in ipairs({ dir, unpack(vim.iter(vim.fs.parents(dir)):totable()) }) do
    if vim.fs.dirname(d) ~= d and not is_home(d) and vim.fn.isdirectory(d .. '/.vouch') == 1 then
      return d
    end
  end
  return nil
end

--- The workspace root of a buffer's file, found as the server finds a workspace (`vouch lsp`,
--- `vouch status`): its git working tree; else the nearest folder holding `.vouch/`; else the
--- file's own folder. nil when the buffer is not a file.
function M.buf_root(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  local dir = vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(name, ':p')))
  -- the directory of a new file may not exist yet: walk up to one that does
  while dir and vim.fn.isdirectory(dir) == 0 do
    local parent = vim.fs.dirname(dir)
    if parent == dir then
      return nil
    end
    dir = parent
  end
  return M.git_root(dir) or vouch_root(dir) or dir
end

function M.capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.general = caps.general or {}
  -- Neovim buffers are byte-indexed: utf-8 first makes every range exact.
  caps.general.positionEncodings = config.options.position_encodings
  return caps
end

function M.init_options()
  local o = config.options
  local init = {}
  if o.severity then
    init.severity = o.severity
  end
  if o.reviewer then
    init.reviewer = o.reviewer
  end
  if o.review_range then
    init.reviewRange = o.review_range
  end
  return init
end

M.exact = {} -- client id -> true when the plugin sends the didChange notifications (config.sync = "exact")

--- After initialize: with exact sync, Neovim's own change tracking is told the server wants none.
function M.on_init(client)
  -- only when setup() runs: its LspAttach handler is what sends the changes then
  if not config.active or config.options.sync ~= 'exact' then
    return
  end
  local tds = client.server_capabilities and client.server_capabilities.textDocumentSync
  if type(tds) == 'table' and tds.change == vim.lsp.protocol.TextDocumentSyncKind.Incremental then
    tds.change = vim.lsp.protocol.TextDocumentSyncKind.None
    M.exact[client.id] = true
  end
end

--- The client configuration (without root_dir). Changes go out at once (no debounce): with
--- sync = "neovim", a notice must never reach the server before the didChange it refers to.
function M.client_config()
  local o = config.options
  return {
    name = M.name,
    cmd = o.cmd,
    capabilities = M.capabilities(),
    init_options = M.init_options(),
    flags = { debounce_text_changes = 0 },
    on_init = M.on_init,
  }
end

--- The configuration for vim.lsp.config() (lsp/vouch.lua and setup()): the client configuration
--- with the root of each buffer (M.buf_root).
function M.server_config()
  local cfg = M.client_config()
  cfg.root_dir = function(bufnr, on_dir)
    local root = M.buf_root(bufnr)
    if root then
      on_dir(root)
    end
  end
  return cfg
end

--- The vouch client attached to a buffer, if any.
function M.get_client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, client in ipairs(get({ bufnr = bufnr, name = M.name })) do
    return client
  end
  return nil
end

--- Start (or reuse) the client for a buffer with a given root. Works on 0.10 and later.
function M.start(bufnr, root)
  local cfg
  if has_011 then
    local ok, resolved = pcall(function()
      return vim.lsp.config[M.name]
    end)
    cfg = ok and resolved and vim.deepcopy(resolved) or M.client_config()
  else
    cfg = M.client_config()
  end
  cfg.root_dir = root
  cfg.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  if type(cfg.cmd) == 'table' and vim.fn.executable(cfg.cmd[1]) ~= 1 then
    return nil
  end
  return vim.lsp.start(cfg, { bufnr = bufnr })
end

function M.request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify(client, method, params)
  if has_011 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.execute(client, bufnr, command, args, cb)
  return M.request(client, 'workspace/executeCommand', { command = command, arguments = args }, function(err, result)
    if err then
      vim.notify('vouch: ' .. command .. ': ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    if cb then
      cb(err, result)
    end
  end, bufnr)
end

-- Position conversion between (row, byte column) and LSP positions in the client's encoding.

local function line_text(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
end

function M.to_lsp_char(line, col, enc)
  if enc == 'utf-8' then
    return col
  end
  col = math.min(col, #line)
  if has_011 then
    return vim.str_utfindex(line, enc, col, false)
  end
  local u32, u16 = vim.str_utfindex(line, col)
  return enc == 'utf-16' and u16 or u32
end

function M.to_byte_col(line, char, enc)
  if enc == 'utf-8' then
    return math.min(char, #line)
  end
  if has_011 then
    return vim.str_byteindex(line, enc, char, false)
  end
  local ok, r = pcall(vim.str_byteindex, line, char, enc == 'utf-16')
  return ok and r or #line
end

function M.encoding(client)
  return client and client.offset_encoding or 'utf-16'
end

--- (row, byte col) -> LSP Position in the client's encoding.
function M.position(bufnr, client, row, col)
  local enc = M.encoding(client)
  if enc == 'utf-8' then
    return { line = row, character = col }
  end
  return { line = row, character = M.to_lsp_char(line_text(bufnr, row), col, enc) }
end

--- LSP Position -> (row, byte col).
function M.byte_position(bufnr, client, pos)
  local enc = M.encoding(client)
  local line = line_text(bufnr, pos.line)
  return pos.line, M.to_byte_col(line, pos.character, enc)
end

function M.range(bufnr, client, srow, scol, erow, ecol)
  return { start = M.position(bufnr, client, srow, scol), ['end'] = M.position(bufnr, client, erow, ecol) }
end

return M
