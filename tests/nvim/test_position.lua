-- The pure position math of the capture (lua/vouch/capture/position.lua) against a model that keeps
-- the text as one string and positions as byte offsets: seeded random texts (line breaks, é and è sharing a lead byte, ☕) and
-- random changes. slice, splice, advance, shift_range, merge and trim must agree with the model.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')
local pos = require('vouch.capture.position')

local seed = tonumber(os.getenv('VOUCH_NVIM_SEED') or '') or 4242
math.randomseed(seed)
local pieces = { 'a', 'b', ' ', '\n', 'é', 'è', '☕', 'xy' }

local function random_text(max)
  local out = {}
  for _ = 1, math.random(0, max) do
    out[#out + 1] = pieces[math.random(#pieces)]
  end
  return table.concat(out)
end

-- character boundaries of s (byte offsets 0..#s)
local function boundaries(s)
  local out = { 0 }
  for i = 1, #s do
    local b = s:byte(i + 1)
    if not b or b < 0x80 or b >= 0xC0 then
      out[#out + 1] = i
    end
  end
  return out
end

local function offset_to_pos(t, off)
  local before = t:sub(1, off)
  local row = select(2, before:gsub('\n', ''))
  local last = before:match('.*()\n')
  return row, last and off - last or off
end

local function lines_of(t) -- the shadow's form: lines without the final line ending
  local l = vim.split(t, '\n', { plain = true })
  l[#l] = nil
  return l
end

H.run(function()
  for step = 1, 400 do
    local what = ('step %d (seed %d)'):format(step, seed)
    local t = random_text(30) .. '\n'
    local lines = lines_of(t)
    local bs = boundaries(t)
    local a = bs[math.random(#bs - 1)] -- never past the final line ending
    local b = bs[math.random(#bs - 1)]
    a, b = math.min(a, b), math.max(a, b)
    local new = random_text(6)
    local A, Bo = { offset_to_pos(t, a) }, { offset_to_pos(t, b) }
    local after = t:sub(1, a) .. new .. t:sub(b + 1)
    local Bn = { offset_to_pos(after, a + #new) }

    H.eq(pos.slice(lines, 0, A[1], A[2], Bo[1], Bo[2]), t:sub(a + 1, b), 'slice at ' .. what)
    H.eq({ pos.advance(A[1], A[2], new) }, Bn, 'advance at ' .. what)
    H.eq(pos.splice(vim.deepcopy(lines), A, Bo, new), lines_of(after), 'splice at ' .. what)

    -- a range moved through the change covers what is left of it
    local s = bs[math.random(#bs)]
    local e = bs[math.random(#bs)]
    s, e = math.min(s, e), math.max(s, e)
    local delta = #new - (b - a)
    local function map(x, is_start)
      if x < a or (x == a and not is_start) then
        return x
      elseif x < b or (x == b and is_start and x == a) then
        return is_start and a + #new or a
      end
      return x + delta
    end
    local ms, me = map(s, true), map(e, false)
    local rg = { offset_to_pos(t, s) }
    vim.list_extend(rg, { offset_to_pos(t, e) })
    local kept = pos.shift_range(rg, A, Bo, Bn)
    H.eq(kept, ms < me, 'shift_range kept at ' .. what)
    if kept then
      local want = { offset_to_pos(after, ms) }
      vim.list_extend(want, { offset_to_pos(after, me) })
      H.eq(rg, want, 'shift_range at ' .. what)
    end

    -- trim: the shared prefix and suffix, on whole characters, never overlapping
    local old = t:sub(a + 1, b)
    local p, sfx = pos.trim(old, new)
    H.check(p + sfx <= math.min(#old, #new), 'trim overlaps at ' .. what)
    H.eq(old:sub(1, p), new:sub(1, p), 'trim prefix at ' .. what)
    H.eq(old:sub(#old - sfx + 1), new:sub(#new - sfx + 1), 'trim suffix at ' .. what)
    H.check(vim.tbl_contains(boundaries(new), p), 'trim prefix splits a character at ' .. what)

    -- merge: the same offsets, sorted, disjoint, not touching
    local ranges, covered = {}, {}
    for _ = 1, math.random(0, 4) do
      local x, y = bs[math.random(#bs)], bs[math.random(#bs)]
      x, y = math.min(x, y), math.max(x, y)
      if x < y then
        local r = { offset_to_pos(t, x) }
        vim.list_extend(r, { offset_to_pos(t, y) })
        ranges[#ranges + 1] = r
        for o = x, y - 1 do
          covered[o] = true
        end
      end
    end
    local merged, got = pos.merge(ranges), {}
    for i, r in ipairs(merged) do
      H.check(pos.before(r[1], r[2], r[3], r[4]), 'empty merged range at ' .. what)
      if i > 1 then
        local prev = merged[i - 1]
        H.check(pos.before(prev[3], prev[4], r[1], r[2]), 'merged ranges touch at ' .. what)
      end
      local x, y = #pos.slice(lines, 0, 0, 0, r[1], r[2]), #pos.slice(lines, 0, 0, 0, r[3], r[4])
      for o = x, y - 1 do
        got[o] = true
      end
    end
    H.eq(got, covered, 'merge covers the same bytes at ' .. what)
  end
end)
