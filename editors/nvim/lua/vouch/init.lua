-- Vouch for Neovim: starts `vouch lsp`, shows AI-written text, and reports AI completions you accept.
local config = require('vouch.config')
local vlsp = require('vouch.lsp')
local capture = require('vouch.capture')
local regions = require('vouch.regions')

local M = {}

M.version = '0.1.0'
local group

local function is_vouch(args)
  local id = args.data and args.data.client_id
  local client = id and vim.lsp.get_client_by_id(id)
  return client and client.name == vlsp.name
end

--- LSP range for a command's range: nil for the whole buffer (no range given).
local function command_range(opts, bufnr, client)
  if opts.range == 0 then
    return nil
  end
  local l1, l2 = opts.line1, opts.line2
  local vs, ve = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  if opts.range == 2 and vim.fn.visualmode() == 'v' and vs[2] == l1 and ve[2] == l2 then
    local last = vim.api.nvim_buf_get_lines(bufnr, l2 - 1, l2, false)[1] or ''
    local ecol = math.min(ve[3], #last) -- byte index of the last selected character (1-based)
    if ecol > 0 then
      local char = vim.fn.strpart(last, ecol - 1, 1, true)
      ecol = ecol - 1 + #char
    end
    return vlsp.range(bufnr, client, l1 - 1, vs[3] - 1, l2 - 1, ecol)
  end
  local count = vim.api.nvim_buf_line_count(bufnr)
  if l2 < count then
    return vlsp.range(bufnr, client, l1 - 1, 0, l2, 0)
  end
  local last = vim.api.nvim_buf_get_lines(bufnr, l2 - 1, l2, false)[1] or ''
  return vlsp.range(bufnr, client, l1 - 1, 0, l2 - 1, #last)
end

local function with_client(fn)
  return function(opts)
    local bufnr = vim.api.nvim_get_current_buf()
    local client = vlsp.get_client(bufnr)
    if not client then
      vim.notify('vouch: the language server is not attached to this buffer', vim.log.levels.WARN)
      return
    end
    fn(opts, bufnr, client)
  end
end

--- Run one of the server's commands on a buffer range (nil range: the whole buffer).
function M.command(command, bufnr, client, arg, cb)
  capture.flush(bufnr)
  arg.uri = vim.uri_from_bufnr(bufnr)
  vlsp.execute(client, bufnr, command, { arg }, function(err, result)
    regions.refresh(bufnr)
    if cb then
      cb(err, result)
    end
  end)
end

--- :VouchMarkAi [tool] [model] on a range.
local function mark_ai(opts, bufnr, client)
  local arg = { range = command_range(opts, bufnr, client) }
  if not arg.range then
    vim.notify('vouch: select the AI-written text first (:VouchMarkAi takes a range)', vim.log.levels.WARN)
    return
  end
  arg.tool = opts.fargs[1]
  arg.model = opts.fargs[2]
  M.command('vouch.markAi', bufnr, client, arg)
end

local function create_commands()
  local cmd = vim.api.nvim_create_user_command
  -- a server command on the command's range (default: the whole buffer)
  local function on_range(command)
    return with_client(function(opts, bufnr, client)
      M.command(command, bufnr, client, { range = command_range(opts, bufnr, client) })
    end)
  end
  cmd('VouchReview', on_range('vouch.review'), {
    range = true,
    desc = 'Mark the AI-written text in the range (default: the buffer) as reviewed',
  })
  cmd('VouchMarkAi', with_client(mark_ai), {
    range = true,
    nargs = '*',
    desc = 'Declare the selected text AI-written: [tool] [model]',
  })
  cmd('VouchForget', on_range('vouch.forget'), {
    range = true,
    desc = 'Drop the AI attribution of the range (default: the buffer)',
  })
  cmd(
    'VouchApproveRange',
    with_client(function(opts, bufnr, client)
      -- An argument sets the review range first (as the `review_range` option does).
      local range = opts.fargs[1]
      if range and range ~= '' then
        config.options.review_range = range
        vlsp.notify(client, 'workspace/didChangeConfiguration', { settings = { vouch = { reviewRange = range } } })
      end
      if not config.options.review_range then
        vim.notify(
          'vouch: no review range: :VouchApproveRange origin/main..HEAD, or setup({ review_range = ... })',
          vim.log.levels.WARN
        )
        return
      end
      local arg = {}
      if opts.range > 0 then
        arg.startLine, arg.endLine = opts.line1, opts.line2
      end
      M.command('vouch.approveRange', bufnr, client, arg, function(err, result)
        if not err and result then
          vim.notify(('vouch: approved %d line(s) as %s (signed)'):format(result.lines or 0, result.principal or '?'))
        end
      end)
    end),
    {
      range = true,
      nargs = '?',
      desc = 'Sign an approval of the unapproved AI lines of the review range in this buffer (or its [range]); [RANGE] sets the review range',
    }
  )
  cmd('VouchStatus', function()
    require('vouch.status').run(true)
  end, { desc = 'AI code the commit gate would block (repository-wide) in the quickfix list' })
  cmd('VouchNext', function()
    regions.jump(1)
  end, { desc = 'Jump to the next unreviewed AI region' })
  cmd('VouchPrev', function()
    regions.jump(-1)
  end, { desc = 'Jump to the previous unreviewed AI region' })
end

local function start_fallback(bufnr)
  -- vim.lsp.enable() starts clients on FileType only: cover files without a filetype (and 0.10)
  if vlsp.get_client(bufnr) then
    return
  end
  local root = vlsp.buf_root(bufnr)
  if root then
    vlsp.start(bufnr, root)
  end
end

--- Starts vouch: checks and applies `opts` (see :help vouch-options), defines the commands, and
--- starts `vouch lsp` for file buffers.
---@param opts vouch.SetupOpts?
function M.setup(opts)
  config.set(opts)
  config.active = true
  group = vim.api.nvim_create_augroup('vouch', { clear = true })
  regions.define_highlights()
  create_commands()

  local cmd = config.options.cmd
  if type(cmd) == 'table' and vim.fn.executable(cmd[1]) ~= 1 then
    vim.notify('vouch: ' .. tostring(cmd[1]) .. ' is not executable; see :checkhealth vouch', vim.log.levels.WARN)
  end

  local events = {
    LspAttach = function(args)
      if is_vouch(args) then
        local client = vim.lsp.get_client_by_id(args.data.client_id)
        local ok, err = pcall(capture.attach, args.buf, client, vlsp.exact[client.id] == true)
        if not ok then
          vim.notify('vouch: cannot track this buffer: ' .. tostring(err), vim.log.levels.ERROR)
        end
        regions.refresh(args.buf)
      end
    end,
    LspDetach = function(args)
      if is_vouch(args) then
        capture.detach(args.buf)
        regions.clear(args.buf)
      end
    end,
    DiagnosticChanged = function(args)
      if capture.is_attached(args.buf) then
        regions.refresh(args.buf)
      end
    end,
    -- a typed character is about to be inserted: the next change is human
    InsertCharPre = function(args)
      capture.typed(args.buf)
    end,
    InsertEnter = function(args)
      capture.boundary(args.buf)
    end,
    ColorScheme = regions.define_highlights,
  }
  for event, callback in pairs(events) do
    vim.api.nvim_create_autocmd(event, { group = group, callback = callback })
  end

  local use_enable = vim.fn.has('nvim-0.11') == 1 and vim.lsp.enable ~= nil
  if use_enable then
    vim.lsp.config(vlsp.name, vlsp.server_config())
    vim.lsp.enable(vlsp.name)
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
      group = group,
      callback = function(args)
        vim.schedule(function()
          if vim.api.nvim_buf_is_valid(args.buf) and vim.bo[args.buf].filetype == '' then
            start_fallback(args.buf)
          end
        end)
      end,
    })
  else
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile', 'FileType' }, {
      group = group,
      callback = function(args)
        start_fallback(args.buf)
      end,
    })
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) then
        start_fallback(b)
      end
    end
  end

  require('vouch.adapters').setup(group)
  return M
end

return M
