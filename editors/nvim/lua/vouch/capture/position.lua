-- Pure position math over text held as a list of lines: positions are {row, byte column}, 0-based,
-- and a range {srow, scol, erow, ecol} ends before its end position. No buffer, no LSP: everything
-- here works on plain strings and tables, so it reads (and is checked) on its own.
local M = {}

--- Whether position (ar, ac) comes before (br, bc).
function M.before(ar, ac, br, bc)
  return ar < br or (ar == br and ac < bc)
end

--- Text of `lines` (0-based rows starting at `first_row`, a virtual empty row after the last)
--- between two positions.
function M.slice(lines, first_row, sr, sc, er, ec)
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
function M.advance(row, col, s)
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

--- The part of `new` that differs from `old`: byte lengths (prefix, suffix) they share, on whole
--- UTF-8 characters.
function M.trim(old, new)
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

--- The range {r1, c1, r2, c2} that `new` inserted at (row, col) in place of `old`, trimmed to what
--- differs; nil when nothing differs.
function M.inserted(row, col, old, new)
  local p, s = M.trim(old, new)
  if #new - s <= p then
    return nil
  end
  local r1, c1 = M.advance(row, col, new:sub(1, p))
  local r2, c2 = M.advance(r1, c1, new:sub(p + 1, #new - s))
  return { r1, c1, r2, c2 }
end

local function shift_point(r, c, Bo, Bn)
  if r == Bo[1] then
    return Bn[1], Bn[2] + c - Bo[2]
  end
  return r + Bn[1] - Bo[1], c
end

--- Moves range `rg` (in place) through a change that replaced [A, Bo) by [A, Bn). Returns whether
--- anything of it is left.
function M.shift_range(rg, A, Bo, Bn)
  local sr, sc, er, ec = rg[1], rg[2], rg[3], rg[4]
  if M.before(sr, sc, A[1], A[2]) then
    -- start before the change: unchanged
  elseif M.before(sr, sc, Bo[1], Bo[2]) then
    sr, sc = Bn[1], Bn[2]
  else
    sr, sc = shift_point(sr, sc, Bo, Bn)
  end
  if not M.before(A[1], A[2], er, ec) then
    -- end at or before the change: unchanged
  elseif M.before(er, ec, Bo[1], Bo[2]) then
    er, ec = A[1], A[2]
  else
    er, ec = shift_point(er, ec, Bo, Bn)
  end
  rg[1], rg[2], rg[3], rg[4] = sr, sc, er, ec
  return M.before(sr, sc, er, ec)
end

--- Sorted, with overlapping or touching ranges joined (new tables).
function M.merge(ranges)
  table.sort(ranges, function(a, b)
    return M.before(a[1], a[2], b[1], b[2])
  end)
  local out = {}
  for _, r in ipairs(ranges) do
    local last = out[#out]
    if last and not M.before(last[3], last[4], r[1], r[2]) then
      if M.before(last[3], last[4], r[3], r[4]) then
        last[3], last[4] = r[3], r[4]
      end
    else
      out[#out + 1] = { r[1], r[2], r[3], r[4] }
    end
  end
  return out
end

--- Replaces [A, Bo) of `lines` (the text "lines joined by \n, plus \n") by `text`. Returns the lines
--- (the same table when the line count stays, else a new one), or nil when the change would leave
--- text after the final line ending.
function M.splice(lines, A, Bo, text)
  local n = #lines
  local first = lines[A[1] + 1] or ''
  local last = lines[Bo[1] + 1] or ''
  local pieces = vim.split(first:sub(1, A[2]) .. text .. last:sub(Bo[2] + 1), '\n', { plain = true })
  local last_row = Bo[1]
  if last_row >= n then
    -- the change reached the virtual empty row after the final line ending: it stays last and empty
    if pieces[#pieces] ~= '' then
      return nil
    end
    pieces[#pieces] = nil
    last_row = n - 1
  end
  local removed = last_row - A[1] + 1
  if #pieces == removed then
    for i = 1, #pieces do
      lines[A[1] + i] = pieces[i]
    end
    return lines
  end
  local out = {}
  table.move(lines, 1, A[1], 1, out)
  table.move(pieces, 1, #pieces, A[1] + 1, out)
  table.move(lines, last_row + 2, n, A[1] + #pieces + 1, out)
  return out
end

return M
