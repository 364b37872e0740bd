-- AI-written text from `vouch/regions`: highlights, signs, and :VouchNext / :VouchPrev.
local vlsp = require('vouch.lsp')
local config = require('vouch.config')
local pos = require('vouch.capture.position')

local M = {}

M.ns = vim.api.nvim_create_namespace('vouch')
local cache = {} -- bufnr -> { version, regions = { {srow, scol, erow, ecol, region}... } }
local inflight = {} -- bufnr -> true while a request runs
local dirty = {} -- bufnr -> true when a refresh was asked during a request

function M.define_highlights()
  vim.api.nvim_set_hl(0, 'VouchAi', { default = true, link = 'CursorLine' })
  vim.api.nvim_set_hl(0, 'VouchAiReviewed', { default = true })
  vim.api.nvim_set_hl(0, 'VouchAiSign', { default = true, link = 'DiagnosticSignWarn' })
  vim.api.nvim_set_hl(0, 'VouchAiReviewedSign', { default = true, link = 'NonText' })
end

local function draw(bufnr, list)
  vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  local o = config.options
  if not o.highlight and not o.signs then
    return
  end
  local line_count = vim.api.nvim_buf_line_count(bufnr)
  local signed = {}
  for _, r in ipairs(list) do
    local reviewed = r.region.reviewed
    if o.show_reviewed or not reviewed then
      local srow, scol, erow, ecol = r[1], r[2], r[3], r[4]
      if srow < line_count then
        if o.highlight then
          local last = math.min(erow, line_count)
          pcall(vim.api.nvim_buf_set_extmark, bufnr, M.ns, srow, scol, {
            end_row = last,
            end_col = erow < line_count and ecol or 0,
            hl_group = reviewed and 'VouchAiReviewed' or 'VouchAi',
            priority = 90,
          })
        end
        if o.signs then
          local last_sign = (erow > srow and ecol == 0) and erow - 1 or erow
          for row = srow, math.min(last_sign, line_count - 1) do
            -- unreviewed wins over reviewed on a shared line
            if signed[row] == nil or (signed[row] == 'reviewed' and not reviewed) then
              if signed[row] then
                pcall(vim.api.nvim_buf_del_extmark, bufnr, M.ns, signed[row .. 'id'])
              end
              local ok, id = pcall(vim.api.nvim_buf_set_extmark, bufnr, M.ns, row, 0, {
                sign_text = o.sign_text,
                sign_hl_group = reviewed and 'VouchAiReviewedSign' or 'VouchAiSign',
                priority = 9,
              })
              if ok then
                signed[row] = reviewed and 'reviewed' or 'unreviewed'
                signed[row .. 'id'] = id
              end
            end
          end
        end
      end
    end
  end
end

--- Ask the server for the regions of a buffer and redraw. `cb(list)` gets the converted regions.
function M.refresh(bufnr, cb)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = vlsp.get_client(bufnr)
  if not client then
    if cb then
      cb(nil)
    end
    return
  end
  if inflight[bufnr] and not cb then
    dirty[bufnr] = true
    return
  end
  inflight[bufnr] = true
  require('vouch.capture').flush(bufnr)
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  vlsp.request(client, 'vouch/regions', params, function(err, result)
    inflight[bufnr] = nil
    if not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    local list
    if not err and type(result) == 'table' and type(result.regions) == 'table' then
      list = {}
      for _, region in ipairs(result.regions) do
        local srow, scol = vlsp.byte_position(bufnr, client, region.range.start)
        local erow, ecol = vlsp.byte_position(bufnr, client, region.range['end'])
        list[#list + 1] = { srow, scol, erow, ecol, region = region }
      end
      cache[bufnr] = { version = result.version, regions = list }
      draw(bufnr, list)
    end
    if cb then
      cb(list, err)
    end
    if dirty[bufnr] then
      dirty[bufnr] = nil
      M.refresh(bufnr)
    end
  end, bufnr)
end

--- Regions last received for a buffer (raw server objects with byte positions added).
function M.get(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local c = cache[bufnr]
  return c and c.regions or {}
end

function M.clear(bufnr)
  cache[bufnr] = nil
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

--- Unreviewed region starts, from the diagnostics (fresh after every change) or the regions cache.
local function targets(bufnr)
  local out = {}
  local client = vlsp.get_client(bufnr)
  if client then
    local ns = vim.lsp.diagnostic.get_namespace(client.id)
    for _, d in ipairs(vim.diagnostic.get(bufnr, { namespace = ns })) do
      out[#out + 1] = { d.lnum, d.col }
    end
  end
  if #out == 0 then
    for _, r in ipairs(M.get(bufnr)) do
      if not r.region.reviewed then
        out[#out + 1] = { r[1], r[2] }
      end
    end
  end
  table.sort(out, function(a, b)
    return pos.before(a[1], a[2], b[1], b[2])
  end)
  return out
end

--- Jump to the next (dir = 1) or previous (dir = -1) unreviewed AI region, wrapping around.
function M.jump(dir)
  local bufnr = vim.api.nvim_get_current_buf()
  local list = targets(bufnr)
  if #list == 0 then
    vim.notify('vouch: no unreviewed AI code in this buffer', vim.log.levels.INFO)
    return false
  end
  local cur = vim.api.nvim_win_get_cursor(0)
  local row, col = cur[1] - 1, cur[2]
  local pick
  if dir > 0 then
    for _, t in ipairs(list) do
      if t[1] > row or (t[1] == row and t[2] > col) then
        pick = t
        break
      end
    end
    pick = pick or list[1]
  else
    for i = #list, 1, -1 do
      local t = list[i]
      if t[1] < row or (t[1] == row and t[2] < col) then
        pick = t
        break
      end
    end
    pick = pick or list[#list]
  end
  vim.api.nvim_win_set_cursor(0, { pick[1] + 1, pick[2] })
  return true
end

return M
