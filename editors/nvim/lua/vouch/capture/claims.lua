-- The claim log: per buffer, the last changes with the ranges each inserted (kept up to date through
-- later changes), whether a person typed them, and which an AI accept has claimed. Adapters claim
-- changes in one of two ways:
--   * begin() before calling a plugin's accept function: the changes that follow belong to it;
--   * recent() after a plugin's "accepted" event: the changes since the last typed character.
local pos = require('vouch.capture.position')

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

---@class vouch.Pending an accept announced by begin(), waiting for its text
---@field mark integer changes after this sequence number are its own
---@field source table the AI source (tool, kind, model, session, through_typeahead)
---@field seen boolean its text has started to arrive
---@field scheduled boolean? its claim is scheduled

local seq = 0 -- sequence number of the last change, across buffers

--- Records one change of buffer state `st` (already applied to its shadow): moves the ranges of
--- earlier changes through it and logs what it inserted. Returns true when it is the first text of
--- a pending accept (whose claim the caller then schedules).
function M.record(st, typed, A, Bo, Bn, old, new)
  for _, entry in ipairs(st.log) do
    local kept = {}
    for _, rg in ipairs(entry.ranges) do
      if pos.shift_range(rg, A, Bo, Bn) then
        kept[#kept + 1] = rg
      end
    end
    entry.ranges = kept
  end
  seq = seq + 1
  local pend = st.pending
  -- some accepts insert through typeahead (copilot.vim's <C-R><C-R>=): InsertCharPre fires for them
  local human = typed and not (pend and pend.source.through_typeahead)
  -- Deletions followed by insertions at the same place compare as one replacement, and an insertion
  -- continuing right where the previous one ended extends it: copilot.vim deletes the characters after
  -- the cursor that its text repeats (<Del>), then inserts the text one character at a time (<C-R><C-R>=).
  local del, run = st.deletion, st.run
  st.deletion, st.run = nil, nil
  local adjacent = function(at)
    return del and del.seq == seq - 1 and del.at[1] == at[1] and del.at[2] == at[2]
  end
  local change
  if not human and #old == 0 and run and run.seq == seq - 1 and run.stop[1] == A[1] and run.stop[2] == A[2] then
    change = run.entry -- extend the previous insertion
    run.text = run.text .. new
  else
    change = { seq = seq, time = uv.now(), human = human, ranges = {}, claimed = false }
    table.insert(st.log, change)
    if #st.log > LOG_MAX then
      table.remove(st.log, 1)
    end
    if not human and #old == 0 then
      run = { entry = change, start = A, text = new, deleted = adjacent(A) and del.text or '' }
    elseif not human and #new == 0 and #old > 0 then
      if adjacent(A) then
        st.deletion = { seq = seq, at = A, text = del.text .. old } -- <Del> again
      elseif adjacent(Bo) then
        st.deletion = { seq = seq, at = A, text = old .. del.text } -- <Left><Del> again
      else
        st.deletion = { seq = seq, at = A, text = old }
      end
    end
  end
  local inserted
  if run then
    run.seq = seq
    run.stop = { pos.advance(A[1], A[2], new) }
    st.run = run
    inserted = pos.inserted(run.start[1], run.start[2], run.deleted, run.text)
  else
    inserted = pos.inserted(A[1], A[2], old, new)
  end
  change.ranges = { inserted }
  if pend then
    if change.human and not pend.seen then
      st.pending = nil -- typing before the AI text arrived: the accept did nothing
    elseif not change.human and not pend.seen then
      pend.seen = true
      return true
    end
  end
  return false
end

--- Marks the changes `filter` selects as claimed; returns their ranges, merged.
local function claim(st, filter)
  st.run, st.deletion = nil, nil -- what follows is a new insertion
  local ranges = {}
  for _, ch in ipairs(st.log) do
    if filter(ch) then
      ch.claimed = true
      vim.list_extend(ranges, ch.ranges)
    end
  end
  return pos.merge(ranges)
end

--- An accept is about to insert: the changes that follow are its own. Gives up after `timeout` ms
--- without any.
---@return vouch.Pending
function M.begin(st, source, timeout)
  st.run, st.deletion = nil, nil -- what follows belongs to this accept
  local p = { mark = seq, source = source, seen = false }
  st.pending = p
  vim.defer_fn(function()
    M.cancel(st, p)
  end, timeout)
  return p
end

--- Drops a pending accept that has not inserted anything.
function M.cancel(st, p)
  if st.pending == p and not p.seen then
    st.pending = nil
  end
end

--- Claims the changes of pending accept `p`; nil when it is no longer pending.
function M.finish(st, p)
  if st.pending ~= p then
    return nil
  end
  st.pending = nil
  return claim(st, function(ch)
    return ch.seq > p.mark and not ch.human and not ch.claimed
  end)
end

--- Insert mode entered: nothing before belongs to an accept event that follows.
function M.boundary(st)
  st.boundary = seq
end

--- Claims the unclaimed changes since the last typed character (and since insert mode began,
--- within the last half second).
function M.recent(st)
  local t = uv.now()
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
  return claim(st, function(ch)
    return selected[ch] == true
  end)
end

return M
