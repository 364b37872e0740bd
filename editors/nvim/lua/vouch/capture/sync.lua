-- Exact sync (`sync = "exact"`, the default): the plugin, not Neovim, sends the vouch server its
-- didChange notifications, each one the minimal change. Neovim's own incremental sync re-sends the
-- rest of the line whenever the line count changes, which would turn unchanged AI text into "new"
-- human text at the server. Changes are computed from on_bytes (which runs before Neovim bumps
-- b:changedtick) and sent from on_lines (after it), or at the latest before the next notification;
-- versions only grow. A notice (`vouch/didAcceptAi`) always goes out after the didChange of the
-- text it describes, with that version.
local vlsp = require('vouch.lsp')
local pos = require('vouch.capture.position')

local M = {}

local line_endings = { dos = '\r\n', mac = '\r', unix = '\n' }

local function line_ending(bufnr)
  return line_endings[vim.bo[bufnr].fileformat] or '\n'
end

--- The buffer's whole text as the server has it (its line endings, its final line ending).
local function full_text(bufnr)
  local le = line_ending(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), le)
  if vim.bo[bufnr].eol then
    text = text .. le
  end
  return text
end

local function client_of(st)
  return st.client_id and vim.lsp.get_client_by_id(st.client_id)
end

--- Sends the queued changes as one didChange, versioned after b:changedtick.
function M.flush(st)
  if not st.outbox or #st.outbox == 0 then
    return
  end
  local changes = st.outbox
  st.outbox = {}
  local client = client_of(st)
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

local function queue(st, change)
  table.insert(st.outbox, change)
  if not st.flush_scheduled then
    st.flush_scheduled = true
    vim.schedule(function()
      st.flush_scheduled = false
      M.flush(st)
    end)
  end
end

--- The minimal LSP change replacing `old` by `new` at (sr, sc) of the shadow `st.lines` (old
--- coordinates), or nil when only the full text can say it.
local function minimal(st, sr, sc, old, new)
  local bufnr = st.bufnr
  local p, s = pos.trim(old, new)
  local r1, c1 = pos.advance(sr, sc, old:sub(1, p))
  local r2, c2 = pos.advance(r1, c1, old:sub(p + 1, #old - s))
  local nrows = #st.lines
  if not vim.bo[bufnr].eol and (r1 >= nrows or r2 >= nrows) then
    return nil -- the server's text has no final line ending to address: send the full text
  end
  local text = new:sub(p + 1, #new - s)
  local le = line_ending(bufnr)
  if le ~= '\n' then
    text = text:gsub('\n', le)
  end
  local enc = vlsp.encoding(client_of(st))
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

--- One change, before the shadow `st.lines` takes it: queued as its minimal didChange.
function M.change(st, A, old, new)
  if not st.sync then
    return
  end
  local change = minimal(st, A[1], A[2], old, new)
  if change then
    queue(st, change)
  else
    st.needs_full = true
  end
end

--- The end of a batch of changes: when one could not be said minimally (or the shadow was lost),
--- the buffer's whole text replaces whatever of the batch was queued; then everything is sent.
function M.finish(st)
  if not st.sync then
    return
  end
  if st.needs_full then
    st.needs_full = false
    st.outbox = {}
    pcall(queue, st, { text = full_text(st.bufnr) })
  end
  M.flush(st)
end

return M
