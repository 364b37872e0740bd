-- Exact ranges of AI-inserted text, and the `vouch/didAcceptAi` notification that reports them.
--
-- Every buffer the vouch client is attached to keeps a shadow copy of its lines and a short log of its
-- changes (from `nvim_buf_attach` on_bytes). Each change is trimmed to what really changed (completions
-- often rewrite the already-typed prefix with the same characters), and the ranges it inserted are kept
-- up to date through later changes. Adapters then claim changes:
--   * `begin()` before calling a plugin's accept function, and the changes that follow belong to it;
--   * `recent()` after a plugin's "accepted" event: the changes since the last typed character.
-- With exact sync (the default) this module also sends the server's didChange notifications: each
-- change minimal and exact (see flush()). A notification always goes out after the didChange of the
-- text it describes, with that version, so the server sees both in order.
local vlsp = require('vouch.lsp')
local config = require('vouch.config')

local M = {}

local uv = vim.uv or vim.loop
local LOG_MAX = 64
local RECENT_MS = 500

---@class vouch.Change
---@field seq integer
---@field time number
---@field human boolean
---@field ranges integer[][] {srow, scol, erow, ecol} in current buffer coordinates
---@field claimed boolean

local bufs = {} -- bufnr -> state
local seq = 0
M.sent = {} -- the last 20 notifications sent, for tests and debugging
M.sent_count = 0

local function now()
  return uv.now()
end

local function before(ar, ac, br, bc)
  return ar < br or (ar == br and ac < bc)
end

--- Text of `lines` (0-based rows, a virtual empty row after the last) between two positions.
local function slice(lines, first_row, sr, sc, er, ec)
  local function row(r)
    return lines[r - first_row + 1] or ''
  end
  if sr == er then
    return row(sr):sub(sc + 1, ec)
  end
  local parts = { row(sr):sub(sc + 1) }
  for r = sr + 1, er - 1 do
    parts[#parts + 1] = row(r)
  end
  parts[#parts + 1] = row(er):sub(1, ec)
  return table.concat(parts, '\n')
end

--- Position reached from (row, col) after the text `s`.
local function advance(row, col, s)
  local nl = 0
  local last = 0
  for i in s:gmatch('()\n') do
    nl = nl + 1
    last = i
  end
  if nl == 0 then
    return row, col + #s
  end
  return row + nl, #s - last
end

local function is_cont(b)
  return b and b >= 0x80 and b < 0xC0
end

--- The part of `new` that differs from `old`: byte offsets (prefix length, suffix length), whole characters.
local function trim(old, new)
  local n = math.min(#old, #new)
  local p = 0
  while p < n and old:byte(p + 1) == new:byte(p + 1) do
    p = p + 1
  end
  while p > 0 and (is_cont(new:byte(p + 1)) or is_cont(old:byte(p + 1))) do
    p = p - 1
  end
  local s = 0
  local m = n - p
  while s < m and old:byte(#old - s) == new:byte(#new - s) do
    s = s + 1
  end
  while s > 0 and (is_cont(new:byte(#new - s + 1)) or is_cont(old:byte(#old - s + 1))) do
    s = s - 1
  end
  return p, s
end

local function shift_point(r, c, A, Bo, Bn)
  if r == Bo[1] then
    return Bn[1], Bn[2] + c - Bo[2]
  end
  return r + Bn[1] - Bo[1], c
end

--- Move a range through a change that replaced [A, Bo) by [A, Bn).
local function shift_range(rg, A, Bo, Bn)
  local sr, sc, er, ec = rg[1], rg[2], rg[3], rg[4]
  -- start
  if before(sr, sc, A[1], A[2]) then
    -- unchanged
  elseif before(sr, sc, Bo[1], Bo[2]) then
    sr, sc = Bn[1], Bn[2]
  else
    sr, sc = shift_point(sr, sc, A, Bo, Bn)
  end
  -- end
  if not before(A[1], A[2], er, ec) then
    -- at or before the change: unchanged
  elseif before(er, ec, Bo[1], Bo[2]) then
    er, ec = A[1], A[2]
  else
    er, ec = shift_point(er, ec, A, Bo, Bn)
  end
  rg[1], rg[2], rg[3], rg[4] = sr, sc, er, ec
  return before(sr, sc, er, ec)
end

local line_endings = { dos = '\r\n', mac = '\r', unix = '\n' }

local function full_text(bufnr)
  local le = line_endings[vim.bo[bufnr].fileformat] or '\n'
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), le)
  if vim.bo[bufnr].eol then
    text = text .. le
  end
  return text
end

--- Exact sync: the plugin, not Neovim, sends the vouch server its didChange notifications, each one the
--- minimal change (Neovim's own incremental sync re-sends the rest of the line whenever the line count
--- changes, which would turn unchanged AI text into "new" human text at the server).
--- Changes are computed in on_bytes (which runs before Neovim bumps b:changedtick) and sent from
--- on_lines (after it), or at the latest before the next notification; versions only grow.
local function flush(st)
  if not st.outbox or #st.outbox == 0 then
    return
  end
  local changes = st.outbox
  st.outbox = {}
  local client = st.client_id and vim.lsp.get_client_by_id(st.client_id)
  if not client or not vim.api.nvim_buf_is_valid(st.bufnr) then
    return
  end
  local v = math.max(vim.api.nvim_buf_get_changedtick(st.bufnr), (st.version or 0) + 1)
  st.version = v
  vlsp.notify(client, 'textDocument/didChange', {
    textDocument = { uri = vim.uri_from_bufnr(st.bufnr), version = v },
    contentChanges = changes,
  })
end

local function queue_change(st, change)
  table.insert(st.outbox, change)
  if not st.flush_scheduled then
    st.flush_scheduled = true
    vim.schedule(function()
      st.flush_scheduled = false
      flush(st)
    end)
  end
end

--- The minimal LSP change for replacing old text `old` by `new` at (sr, sc), in old coordinates.
local function lsp_change(st, bufnr, sr, sc, old, new)
  local p, s = trim(old, new)
  local r1, c1 = advance(sr, sc, old:sub(1, p))
  local r2, c2 = advance(r1, c1, old:sub(p + 1, #old - s))
  local nrows = #st.lines
  if not vim.bo[bufnr].eol and (r1 >= nrows or r2 >= nrows) then
    return nil -- the server's text has no final line ending to address: send the full text
  end
  local text = new:sub(p + 1, #new - s)
  local le = line_endings[vim.bo[bufnr].fileformat] or '\n'
  if le ~= '\n' then
    text = text:gsub('\n', le)
  end
  local client = st.client_id and vim.lsp.get_client_by_id(st.client_id)
  local enc = vlsp.encoding(client)
  local function char(row, col)
    if enc == 'utf-8' then
      return col
    end
    return vlsp.to_lsp_char(st.lines[row + 1] or '', col, enc)
  end
  return {
    range = {
      start = { line = r1, character = char(r1, c1) },
      ['end'] = { line = r2, character = char(r2, c2) },
    },
    text = text,
  }
end

local function resync(st)
  st.lines = vim.api.nvim_buf_get_lines(st.bufnr, 0, -1, false)
end

local function schedule_pending(st)
  local p = st.pending
  if not p or p.scheduled then
    return
  end
  p.scheduled = true
  vim.schedule(function()
    M._finish_pending(st.bufnr, p)
  end)
end

--- Replace [A, Bo) of the shadow lines by `text` (the shadow is the text "lines joined by \n, plus \n").
local function splice_lines(st, A, Bo, text)
  local lines = st.lines
  local n = #lines
  local first = lines[A[1] + 1] or ''
  local last = lines[Bo[1] + 1] or ''
  local pieces = vim.split(first:sub(1, A[2]) .. text .. last:sub(Bo[2] + 1), '\n', { plain = true })
  local last_row = Bo[1]
  if last_row >= n then
    -- the change reached the virtual empty row after the final line ending: it stays last and empty
    if pieces[#pieces] ~= '' then
      return false
    end
    pieces[#pieces] = nil
    last_row = n - 1
  end
  local removed = last_row - A[1] + 1
  if #pieces == removed then
    for i = 1, #pieces do
      lines[A[1] + i] = pieces[i]
    end
  else
    local out = {}
    table.move(lines, 1, A[1], 1, out)
    table.move(pieces, 1, #pieces, A[1] + 1, out)
    table.move(lines, last_row + 2, n, A[1] + #pieces + 1, out)
    st.lines = out
  end
  return true
end

--- Text of the buffer between two positions, or nil when they are out of range.
local function buf_text(bufnr, r1, c1, r2, c2)
  local lines = vim.api.nvim_buf_get_lines(bufnr, r1, r2 + 1, false)
  return slice(lines, r1, r1, c1, r2, c2)
end

--- One change (geometry from on_bytes, new text from the buffer), applied to the shadow and the log.
local function apply_change(st, ch, new)
  local bufnr = st.bufnr
  local A, Bo, Bn = ch.A, ch.Bo, ch.Bn
  local old = slice(st.lines, 0, A[1], A[2], Bo[1], Bo[2])
  if #old ~= ch.old_len then
    return false
  end
  if st.sync then
    local change = lsp_change(st, bufnr, A[1], A[2], old, new)
    if change then
      queue_change(st, change)
    else
      st.needs_full = true
    end
  end
  if not splice_lines(st, A, Bo, new) then
    return false
  end
  -- move earlier ranges through this change
  for _, entry in ipairs(st.log) do
    local kept = {}
    for _, rg in ipairs(entry.ranges) do
      if shift_range(rg, A, Bo, Bn) then
        kept[#kept + 1] = rg
      end
    end
    entry.ranges = kept
  end
  -- what this change inserted
  seq = seq + 1
  local pend = st.pending
  -- some accepts insert through typeahead (copilot.vim's <C-R><C-R>=): InsertCharPre fires for them
  local human = ch.typed and not (pend and pend.source.through_typeahead)
  -- Deletions followed by insertions at the same place compare as one replacement, and an insertion
  -- continuing right where the previous one ended extends it: copilot.vim deletes the characters after
  -- the cursor that its text repeats (<Del>), then inserts the text one character at a time (<C-R><C-R>=).
  local del, run = st.deletion, st.run
  st.deletion, st.run = nil, nil
  local change
  if not human and #old == 0 and run and run.seq == seq - 1 and run.stop[1] == A[1] and run.stop[2] == A[2] then
    change = run.entry -- extend the previous insertion
    run.text = run.text .. new
  else
    change = { seq = seq, time = now(), human = human, ranges = {}, claimed = false }
    table.insert(st.log, change)
    if #st.log > LOG_MAX then
      table.remove(st.log, 1)
    end
    if not human and #old == 0 then
      local deleted = (del and del.seq == seq - 1 and del.at[1] == A[1] and del.at[2] == A[2]) and del.text or ''
      run = { entry = change, start = A, text = new, deleted = deleted }
    elseif not human and #new == 0 and #old > 0 then
      if del and del.seq == seq - 1 and del.at[1] == A[1] and del.at[2] == A[2] then
        st.deletion = { seq = seq, at = A, text = del.text .. old } -- <Del> again
      elseif del and del.seq == seq - 1 and Bo[1] == del.at[1] and Bo[2] == del.at[2] then
        st.deletion = { seq = seq, at = A, text = old .. del.text } -- <Left><Del> again
      else
        st.deletion = { seq = seq, at = A, text = old }
      end
    end
  end
  local from_r, from_c, o, n = A[1], A[2], old, new
  if run then
    run.seq = seq
    run.stop = { advance(A[1], A[2], new) }
    st.run = run
    from_r, from_c, o, n = run.start[1], run.start[2], run.deleted, run.text
  end
  local p, s = trim(o, n)
  change.ranges = {}
  if #n - s > p then
    local r1, c1 = advance(from_r, from_c, n:sub(1, p))
    local r2, c2 = advance(r1, c1, n:sub(p + 1, #n - s))
    change.ranges[1] = { r1, c1, r2, c2 }
  end
  if pend then
    if change.human and not pend.seen then
      st.pending = nil -- typing before the AI text arrived: the accept did nothing
    elseif not change.human then
      pend.seen = true
      schedule_pending(st)
    end
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
        shift_range(rg, list[m].A, list[m].Bo, list[m].Bn)
      end
      local text = buf_text(bufnr, rg[1], rg[2], rg[3], rg[4])
      if #text ~= ch.new_len then
        return false -- a later change overwrote it: cannot tell
      end
      texts[k] = text
    end
    for k, ch in ipairs(list) do
      if not apply_change(st, ch, texts[k]) then
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
  if st.sync and st.needs_full then
    -- the buffer's whole text replaces whatever of this batch was queued
    st.needs_full = false
    st.outbox = {}
    pcall(queue_change, st, { text = full_text(bufnr) })
  end
  if st.sync then
    flush(st)
  end
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
--- `client`: the vouch client; with `sync` true this module sends its didChange notifications.
function M.attach(bufnr, client, sync)
  if bufs[bufnr] and not bufs[bufnr].detached then
    return
  end
  -- LspAttach runs right after didOpen: the server has this text, at the version Neovim sent
  local st = {
    bufnr = bufnr,
    log = {},
    typed = false,
    client_id = client and client.id,
    sync = sync,
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
    st.boundary = seq
  end
end

local function merge(ranges)
  table.sort(ranges, function(a, b)
    return before(a[1], a[2], b[1], b[2])
  end)
  local out = {}
  for _, r in ipairs(ranges) do
    local last = out[#out]
    if last and not before(last[3], last[4], r[1], r[2]) then
      if before(last[3], last[4], r[3], r[4]) then
        last[3], last[4] = r[3], r[4]
      end
    else
      out[#out + 1] = { r[1], r[2], r[3], r[4] }
    end
  end
  return out
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
  local st = bufs[bufnr]
  local version
  if st and st.sync then
    process(st)
    flush(st)
    version = st.version
  else
    vlsp.flush(client, bufnr)
    version = vim.lsp.util.buf_versions[bufnr]
  end
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

local function claim(st, filter)
  st.run, st.deletion = nil, nil -- what follows is a new insertion
  local ranges = {}
  for _, ch in ipairs(st.log) do
    if filter(ch) then
      ch.claimed = true
      for _, r in ipairs(ch.ranges) do
        ranges[#ranges + 1] = r
      end
    end
  end
  return merge(ranges)
end

function M._finish_pending(bufnr, p)
  local st = bufs[bufnr]
  if not st or st.pending ~= p then
    return
  end
  st.pending = nil
  local ranges = claim(st, function(ch)
    return ch.seq > p.mark and not ch.human and not ch.claimed
  end)
  M.send(bufnr, ranges, p.source)
end

--- An AI plugin is about to insert text into `bufnr`: the changes that follow (until the event loop
--- is idle again) are its text. Call right before the plugin's accept function.
function M.begin(bufnr, source)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local st = bufs[bufnr]
  if not st then
    return
  end
  process(st)
  st.run, st.deletion = nil, nil -- what follows belongs to this accept
  local p = { mark = seq, source = source, seen = false }
  st.pending = p
  local timeout = config.options.accept_timeout or 1000
  vim.defer_fn(function()
    if st.pending == p and not p.seen then
      st.pending = nil
    end
  end, timeout)
  return p
end

--- Cancel a `begin()` whose accept turned out to do nothing.
function M.cancel(bufnr, p)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local st = bufs[bufnr]
  if st and st.pending == p and not p.seen then
    st.pending = nil
  end
end

--- An AI plugin reports that it has just inserted text: claim the unclaimed changes since the last typed
--- character (and since insert mode began, within the last half second), and send them.
function M.recent(bufnr, source)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local st = bufs[bufnr]
  if not st then
    return
  end
  process(st)
  local t = now()
  local first = #st.log + 1
  for i = #st.log, 1, -1 do
    local ch = st.log[i]
    if ch.human or ch.claimed or (st.boundary and ch.seq <= st.boundary) or t - ch.time > RECENT_MS then
      break
    end
    first = i
  end
  local selected = {}
  for i = first, #st.log do
    selected[st.log[i]] = true
  end
  local ranges = claim(st, function(ch)
    return selected[ch] == true
  end)
  -- the change is done and Neovim's own LSP callbacks have seen it: send now, before anything moves
  return M.send(bufnr, ranges, source)
end

-- exposed for tests
M._trim = trim
M._bufs = bufs

--- Send queued changes now (before a request that depends on them).
function M.flush(bufnr)
  local st = bufs[bufnr]
  if st then
    process(st)
    if st.sync then
      flush(st)
    end
  end
end

return M
