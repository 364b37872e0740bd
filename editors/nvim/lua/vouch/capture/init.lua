-- Exact ranges of AI-inserted text, and the `vouch/didAcceptAi` notification that reports them.
--
-- Every buffer the vouch client is attached to keeps a shadow copy of its lines, updated from
-- `nvim_buf_attach` on_bytes. Each change goes three ways: to the shadow (`position.splice`), to the
-- server as a minimal didChange (`sync`, with exact sync), and to the claim log (`claims`), from which
-- adapters claim the AI's changes (begin() / recent()) and this module sends them (send()).
local vlsp = require('vouch.lsp')
local config = require('vouch.config')
local pos = require('vouch.capture.position')
local sync = require('vouch.capture.sync')
local claims = require('vouch.capture.claims')

local M = {}

local bufs = {} -- bufnr -> state
M.sent = {} -- the last 20 notifications sent, for tests and debugging
M.sent_count = 0

local function state(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  return bufs[bufnr], bufnr
end

local function resync(st)
  st.lines = vim.api.nvim_buf_get_lines(st.bufnr, 0, -1, false)
end

--- One change (geometry from on_bytes, new text from the buffer) applied to the shadow, the sync
--- and the log. False when the shadow no longer matches the change.
local function apply(st, ch, new)
  local A, Bo, Bn = ch.A, ch.Bo, ch.Bn
  local old = pos.slice(st.lines, 0, A[1], A[2], Bo[1], Bo[2])
  if #old ~= ch.old_len then
    return false
  end
  sync.change(st, A, old, new)
  local lines = pos.splice(st.lines, A, Bo, new)
  if not lines then
    return false
  end
  st.lines = lines
  if claims.record(st, ch.typed, A, Bo, Bn, old, new) then
    local p = st.pending
    p.scheduled = true
    vim.schedule(function()
      if bufs[st.bufnr] == st then
        M.send(st.bufnr, claims.finish(st, p) or {}, p.source)
      end
    end)
  end
  return true
end

--- Process the changes recorded by on_bytes. Neovim calls on_bytes before it has changed the text for
--- some commands (:join), so the new text is read later (from on_lines, or scheduled), at the place
--- each change's new text has after the changes that followed it.
local function process(st, from_on_lines)
  local list = st.queue
  if #list == 0 then
    return
  end
  local bufnr = st.bufnr
  if from_on_lines then
    -- Neovim may report one command's on_bytes at once and its on_lines in steps (:join): wait until
    -- the buffer has as many lines as the recorded changes give
    local expected = #st.lines
    for _, ch in ipairs(list) do
      expected = expected + (ch.Bn[1] - ch.A[1]) - (ch.Bo[1] - ch.A[1])
    end
    if expected ~= vim.api.nvim_buf_line_count(bufnr) then
      return
    end
  end
  st.queue = {}
  local ok, res = pcall(function()
    local texts = {}
    for k, ch in ipairs(list) do
      local rg = { ch.A[1], ch.A[2], ch.Bn[1], ch.Bn[2] }
      for m = k + 1, #list do
        pos.shift_range(rg, list[m].A, list[m].Bo, list[m].Bn)
      end
      local rows = vim.api.nvim_buf_get_lines(bufnr, rg[1], rg[3] + 1, false)
      local text = pos.slice(rows, rg[1], rg[1], rg[2], rg[3], rg[4])
      if #text ~= ch.new_len then
        return false -- a later change overwrote it: cannot tell
      end
      texts[k] = text
    end
    for k, ch in ipairs(list) do
      if not apply(st, ch, texts[k]) then
        return false
      end
    end
    return #st.lines == vim.api.nvim_buf_line_count(bufnr)
  end)
  if not ok or not res then
    -- lost track: start again from the buffer as it is (and give the server the full text)
    pcall(resync, st)
    st.error = not ok and res or 'resynchronized'
    st.needs_full = true
  end
  sync.finish(st)
end

local function on_bytes(_, bufnr, _, sr, sc, _, oer, oec, old_len, ner, nec, new_len)
  local st = bufs[bufnr]
  if not st or st.detached then
    return true
  end
  table.insert(st.queue, {
    A = { sr, sc },
    Bo = { sr + oer, oer == 0 and sc + oec or oec },
    Bn = { sr + ner, ner == 0 and sc + nec or nec },
    old_len = old_len,
    new_len = new_len,
    typed = st.typed,
  })
  st.typed = false
  if not st.process_scheduled then
    st.process_scheduled = true
    vim.schedule(function()
      st.process_scheduled = false
      if not st.detached then
        process(st)
      end
    end)
  end
end

--- Start tracking a buffer (idempotent).
--- `client`: the vouch client; with `exact` true this module sends its didChange notifications.
function M.attach(bufnr, client, exact)
  if bufs[bufnr] and not bufs[bufnr].detached then
    return
  end
  -- LspAttach runs right after didOpen: the server has this text, at the version Neovim sent
  local st = {
    bufnr = bufnr,
    log = {},
    typed = false,
    client_id = client and client.id,
    sync = exact,
    outbox = {},
    queue = {},
    version = vim.lsp.util.buf_versions[bufnr] or 0,
  }
  resync(st)
  bufs[bufnr] = st
  vim.api.nvim_buf_attach(bufnr, false, {
    on_bytes = on_bytes,
    on_lines = function()
      if st.detached then
        return true
      end
      process(st, true)
    end,
    on_reload = function()
      -- Neovim sends didClose + didOpen (version buf_versions) for a reloaded buffer
      pcall(resync, st)
      st.log = {}
      st.outbox = {}
      st.queue = {}
      st.version = vim.lsp.util.buf_versions[bufnr] or st.version
    end,
    on_detach = function()
      st.detached = true
      if bufs[bufnr] == st then
        bufs[bufnr] = nil
      end
    end,
  })
end

function M.detach(bufnr)
  local st = bufs[bufnr]
  if st then
    st.detached = true
    bufs[bufnr] = nil
  end
end

function M.is_attached(bufnr)
  return bufs[bufnr] ~= nil
end

--- A typed character is about to be inserted (InsertCharPre): the next change is human.
function M.typed(bufnr)
  local st = bufs[bufnr]
  if st then
    st.typed = true
  end
end

--- Insert mode entered: nothing before belongs to an accept event that follows.
function M.boundary(bufnr)
  local st = bufs[bufnr]
  if st then
    claims.boundary(st)
  end
end

--- Send queued changes now (before a request or notice that depends on them). Returns the version
--- the server has then.
function M.flush(bufnr)
  local st = bufs[bufnr]
  if st then
    process(st)
    sync.flush(st)
  end
  return st and st.sync and st.version or vim.lsp.util.buf_versions[bufnr]
end

--- Send `vouch/didAcceptAi` for byte ranges {srow, scol, erow, ecol} of the buffer as it is now.
function M.send(bufnr, ranges, source)
  if #ranges == 0 then
    return false
  end
  local client = vlsp.get_client(bufnr)
  if not client then
    return false
  end
  local version = M.flush(bufnr)
  local lsp_ranges = {}
  for _, r in ipairs(ranges) do
    lsp_ranges[#lsp_ranges + 1] = vlsp.range(bufnr, client, r[1], r[2], r[3], r[4])
  end
  local src = { tool = source.tool, kind = source.kind or 'inline-completion' } -- only protocol fields
  if source.model then
    src.model = source.model
  end
  src.session = source.session or ('nvim-' .. vim.fn.getpid())
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr), version = version },
    ranges = lsp_ranges,
    source = src,
  }
  vlsp.notify(client, 'vouch/didAcceptAi', params)
  M.sent_count = M.sent_count + 1
  table.insert(M.sent, params)
  if #M.sent > 20 then
    table.remove(M.sent, 1)
  end
  pcall(function()
    require('vouch.regions').refresh(bufnr)
  end)
  return true
end

--- An AI plugin is about to insert text into `bufnr`: the changes that follow (until the event loop
--- is idle again) are its text. Call right before the plugin's accept function.
function M.begin(bufnr, source)
  local st = state(bufnr)
  if not st then
    return
  end
  process(st)
  return claims.begin(st, source, config.options.accept_timeout or 1000)
end

--- Cancel a `begin()` whose accept turned out to do nothing.
function M.cancel(bufnr, p)
  local st = state(bufnr)
  if st then
    claims.cancel(st, p)
  end
end

--- An AI plugin reports that it has just inserted text: claim the unclaimed changes since the last typed
--- character (and since insert mode began, within the last half second), and send them.
function M.recent(bufnr, source)
  local st
  st, bufnr = state(bufnr)
  if not st then
    return
  end
  process(st)
  -- the change is done and Neovim's own LSP callbacks have seen it: send now, before anything moves
  return M.send(bufnr, claims.recent(st), source)
end

-- exposed for tests
M._bufs = bufs

return M
