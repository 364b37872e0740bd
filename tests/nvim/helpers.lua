-- Shared helpers for the real-Neovim tests. Each test: `local H = dofile(<dir>/helpers.lua)`.
-- Run by tests/nvim/run.sh as: nvim --headless --clean --cmd 'set rtp^=editors/nvim' -l test.lua <vouch>
local H = {}

local this = debug.getinfo(1, 'S').source:sub(2)
H.dir = vim.fs.dirname(vim.fn.fnamemodify(this, ':p'))
H.repo_root = vim.fs.dirname(vim.fs.dirname(H.dir))
H.vouch = arg[1] or os.getenv('VOUCH_BIN') or 'vouch'
H.name = vim.fn.fnamemodify(arg[0] or '?', ':t:r')

function H.out(msg)
  io.stdout:write(msg, '\n')
end

function H.finish(code, msg)
  H.out(msg)
  io.stdout:flush()
  vim.cmd('cquit ' .. code)
end

function H.fail(msg)
  H.finish(1, ('FAIL %s: %s'):format(H.name, msg))
end

function H.check(cond, msg)
  if not cond then
    H.fail(msg)
  end
  return cond
end

function H.eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    H.fail(('%s\n  expected: %s\n  actual:   %s'):format(what, vim.inspect(expected), vim.inspect(actual)))
  end
end

--- Wait for pred() (runs the event loop); fail with `what` on timeout.
function H.wait(pred, what, ms)
  if not vim.wait(ms or 10000, pred, 10) then
    H.fail('timed out waiting for ' .. what)
  end
end

--- Any Lua error in a test fails it with a readable message instead of a hang.
function H.run(fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    H.fail('error: ' .. tostring(err))
  end
  H.finish(0, 'PASS ' .. H.name)
end

function H.git(dir, args)
  local res = vim.system(vim.list_extend({ 'git', '-C', dir }, args), { text = true }):wait()
  if res.code ~= 0 then
    H.fail('git ' .. table.concat(args, ' ') .. ': ' .. (res.stderr or ''))
  end
  return res.stdout
end

--- A throwaway git repository with an identity.
function H.repo()
  local dir = vim.fn.resolve(vim.fn.tempname())
  vim.fn.mkdir(dir, 'p')
  H.git(dir, { 'init', '-q' })
  H.git(dir, { 'config', 'user.name', 'Test Person' })
  H.git(dir, { 'config', 'user.email', 'test@example.com' })
  return dir
end

function H.write(path, lines)
  vim.fn.mkdir(vim.fs.dirname(path), 'p')
  vim.fn.writefile(lines, path)
end

--- Put a stand-in plugin (tests/nvim/stubs/<name>) on the runtimepath.
function H.stub(name)
  vim.opt.rtp:prepend(H.dir .. '/stubs/' .. name)
end

function H.setup(opts)
  H.check(vim.fn.executable(H.vouch) == 1, H.vouch .. ' is not executable')
  return require('vouch').setup(vim.tbl_deep_extend('force', { cmd = { H.vouch, 'lsp' } }, opts or {}))
end

function H.client(buf)
  return require('vouch.lsp').get_client(buf)
end

--- Edit a file and wait for the vouch client to attach and initialize.
function H.open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  H.wait(function()
    local c = H.client(buf)
    return c ~= nil and c.initialized and require('vouch.capture').is_attached(buf)
  end, 'the vouch server to attach to ' .. path)
  return buf, H.client(buf)
end

--- The buffer's regions from the server, simplified: {sl, sc, el, ec, tool, reviewed} (positions as sent).
function H.regions(buf)
  local client = H.client(buf)
  local resp, err =
    client:request_sync('vouch/regions', { textDocument = { uri = vim.uri_from_bufnr(buf) } }, 5000, buf)
  if not resp then
    H.fail('vouch/regions: ' .. tostring(err))
  end
  if resp.err then
    H.fail('vouch/regions error: ' .. vim.inspect(resp.err))
  end
  local out = {}
  for _, r in ipairs(resp.result.regions) do
    out[#out + 1] = {
      r.range.start.line,
      r.range.start.character,
      r.range['end'].line,
      r.range['end'].character,
      r.tool,
      r.reviewed,
    }
  end
  return out, resp.result
end

--- Adjacent regions with the same tool and review state joined (acceptance times may differ).
function H.joined(list)
  local out = {}
  for _, r in ipairs(list) do
    local l = out[#out]
    if l and l[3] == r[1] and l[4] == r[2] and l[5] == r[5] and l[6] == r[6] then
      l[3], l[4] = r[3], r[4]
    else
      out[#out + 1] = vim.deepcopy(r)
    end
  end
  return out
end

--- Poll vouch/regions (joined) until it equals `expected`; fail showing the last answer.
function H.expect_regions(buf, expected, what)
  local last
  local deadline = vim.uv.now() + 5000
  repeat
    last = H.joined(H.regions(buf))
    if vim.deep_equal(last, expected) then
      return last
    end
    vim.wait(30)
  until vim.uv.now() > deadline
  H.eq(last, expected, what or 'vouch/regions')
end

--- The buffer's vouch diagnostics, simplified: {lnum, col, end_lnum, end_col} (byte columns), sorted.
function H.diags(buf)
  local client = H.client(buf)
  local ns = vim.lsp.diagnostic.get_namespace(client.id)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf, { namespace = ns })) do
    out[#out + 1] = { d.lnum, d.col, d.end_lnum, d.end_col, d.source, d.code }
  end
  table.sort(out, function(a, b)
    return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
  end)
  return out
end

function H.expect_diags(buf, expected, what)
  local ok = vim.wait(5000, function()
    return vim.deep_equal(H.diags(buf), expected)
  end, 10)
  if not ok then
    H.eq(H.diags(buf), expected, what or 'diagnostics')
  end
end

--- The last vouch/didAcceptAi notifications the plugin sent.
function H.sent()
  return require('vouch.capture').sent
end

function H.feed(keys, flags)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), flags or 'mx', false)
end

--- Line text helpers
function H.lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

--- Stop every client and wait for the servers to exit (so the store is closed cleanly).
function H.stop_all()
  local clients = vim.lsp.get_clients()
  for _, c in ipairs(clients) do
    c:stop()
  end
  vim.wait(5000, function()
    for _, c in ipairs(clients) do
      if not c:is_stopped() then
        return false
      end
    end
    return true
  end, 10)
end

return H
