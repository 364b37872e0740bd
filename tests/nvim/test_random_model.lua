-- A seeded random session of human edits and AI accepts (some rewriting the typed prefix, as
-- copilot.lua does), with non-ASCII text, checked against a model of who wrote each character:
-- the server's regions must equal the model's AI spans exactly, byte for byte.
-- The plugin sends the server its own minimal didChange notifications (config sync = "exact"), so
-- edits in the middle of lines that add or remove lines, and text equal to its neighbours, keep every
-- character's attribution (Neovim's own incremental sync would re-send the rest of such lines).
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')
local capture = require('vouch.capture')

local ENCODING = _G.VOUCH_TEST_ENCODING or 'utf-8' -- test_random_model_utf16.lua sets utf-16
local seed = tonumber(os.getenv('VOUCH_NVIM_SEED') or '') or 20261128
math.randomseed(seed)

local HUMAN = { 'a', 'b', 'é', '😀', 'Z', ';', '\n', 'x' }
local AI = { 'x', 'y', 'ü', '→', '\n', ' ', '{', '}' }

local function random_text(alphabet, n, not_first)
  local t = {}
  for i = 1, n do
    repeat
      t[i] = alphabet[math.random(#alphabet)]
    until i > 1 or t[i] ~= not_first or math.random() < 0.5
  end
  return t
end

H.run(function()
  local dir = H.repo()
  local file = dir .. '/random.txt'
  local f = assert(io.open(file, 'wb'))
  f:write(_G.VOUCH_TEST_CRLF and 'start\r\n' or 'start\n') -- test_random_model_crlf.lua: a CRLF file
  f:close()
  H.setup({ position_encodings = { ENCODING } })
  local buf, client = H.open(file)
  H.eq(client.offset_encoding, ENCODING, 'negotiated encoding')
  H.eq(vim.bo[buf].fileformat, _G.VOUCH_TEST_CRLF and 'dos' or 'unix', 'fileformat')

  -- model: array of { ch = utf-8 char, ai = bool }; the buffer text is the chars joined
  local doc = {}
  for _, ch in ipairs({ 's', 't', 'a', 'r', 't' }) do
    doc[#doc + 1] = { ch = ch, ai = false }
  end

  local function pos(i, units) -- char index (1-based, may be #doc+1) -> row, col in bytes or `units`
    local row, col = 0, 0
    for k = 1, i - 1 do
      if doc[k].ch == '\n' then
        row, col = row + 1, 0
      elseif units == 'utf-16' then
        col = col + (#doc[k].ch == 4 and 2 or 1)
      else
        col = col + #doc[k].ch
      end
    end
    return row, col
  end

  local function edit(i, j, chars) -- replace chars [i, j) by `chars` in the buffer
    local sr, sc = pos(i)
    local er, ec = pos(j)
    local lines = vim.split(table.concat(chars), '\n', { plain = true })
    vim.api.nvim_buf_set_text(buf, sr, sc, er, ec, lines)
  end

  local function splice(i, j, items)
    for _ = i, j - 1 do
      table.remove(doc, i)
    end
    for k, it in ipairs(items) do
      table.insert(doc, i + k - 1, it)
    end
  end

  local function expected()
    local out = {}
    local i = 1
    while i <= #doc do
      if doc[i].ai then
        local j = i
        while j + 1 <= #doc and doc[j + 1].ai do
          j = j + 1
        end
        local sr, sc = pos(i, ENCODING)
        local er, ec = pos(j + 1, ENCODING)
        out[#out + 1] = { sr, sc, er, ec, 'copilot', false }
        i = j + 1
      else
        i = i + 1
      end
    end
    return out
  end

  local function check_text(step)
    local text = {}
    for _, it in ipairs(doc) do
      text[#text + 1] = it.ch
    end
    H.eq(table.concat(H.lines(buf), '\n'), table.concat(text), ('buffer text at step %d (seed %d)'):format(step, seed))
    H.eq(capture._bufs[buf].lines, H.lines(buf), ('shadow copy at step %d (seed %d)'):format(step, seed))
  end

  local accepts = 0
  for step = 1, 160 do
    local r = math.random()
    if r < 0.35 then -- human insert
      local i = math.random(#doc + 1)
      local chars = random_text(HUMAN, math.random(3), doc[i] and doc[i].ch)
      edit(i, i, chars)
      local items = {}
      for _, ch in ipairs(chars) do
        items[#items + 1] = { ch = ch, ai = false }
      end
      splice(i, i, items)
    elseif r < 0.6 and #doc > 0 then -- human delete (may cross AI text and line ends)
      local i = math.random(#doc)
      local j = math.min(#doc + 1, i + math.random(4))
      edit(i, j, {})
      splice(i, j, {})
    else -- AI accept at i, rewriting up to 3 preceding same-line chars with themselves
      local i = math.random(#doc + 1)

      local k = 0
      while k < 3 and i - k - 1 >= 1 and doc[i - k - 1].ch ~= '\n' and math.random() < 0.6 do
        k = k + 1
      end
      local prefix = {}
      for m = i - k, i - 1 do
        prefix[#prefix + 1] = doc[m].ch
      end
      local t = random_text(AI, math.random(6), doc[i] and doc[i].ch)

      local new = vim.list_extend(vim.deepcopy(prefix), t)
      local before = capture.sent_count
      capture.begin(buf, { tool = 'copilot', kind = 'inline-completion' })
      vim.schedule(function()
        edit(i - k, i, new)
      end)
      H.wait(function()
        return capture.sent_count > before
      end, ('didAcceptAi at step %d (seed %d)'):format(step, seed))
      local items = {}
      for _, ch in ipairs(t) do
        items[#items + 1] = { ch = ch, ai = true }
      end
      splice(i, i, items)
      accepts = accepts + 1
    end
    check_text(step)
    if step % 40 == 0 then
      H.expect_regions(buf, expected(), ('regions at step %d (seed %d)'):format(step, seed))
    end
  end
  H.check(accepts > 20, 'too few accepts: ' .. accepts)
  H.expect_regions(buf, expected(), ('final regions (seed %d)'):format(seed))
  H.stop_all()
end)
