-- :VouchStatus: what the gate would block in the whole repository (`vouch status --json`,
-- the same answer as `vouch check` and the diagnostics), in the quickfix list.
local config = require('vouch.config')
local vlsp = require('vouch.lsp')

local M = {}

function M.binary()
  local cmd = config.options.cmd
  return type(cmd) == 'table' and cmd[1] or cmd
end

--- Run `vouch status --json` in the workspace of the current buffer (or of the working directory).
--- Returns the quickfix items, or nil and an error message.
function M.items(root)
  local cwd = vim.fn.getcwd()
  root = root or vlsp.buf_root(vim.api.nvim_get_current_buf()) or vlsp.git_root(cwd) or cwd
  local ok, res = pcall(function()
    return vim.system({ M.binary(), 'status', '--json' }, { cwd = root, text = true }):wait()
  end)
  if not ok then
    return nil, 'cannot run ' .. tostring(M.binary()) .. ': ' .. tostring(res)
  end
  -- exit 0: nothing found, 1: regions found, 2: error
  if res.code ~= 0 and res.code ~= 1 then
    return nil, vim.trim(res.stderr ~= '' and res.stderr or ('vouch status exited with ' .. res.code))
  end
  local okj, data = pcall(vim.json.decode, res.stdout ~= '' and res.stdout or '[]')
  if not okj or type(data) ~= 'table' then
    return nil, 'vouch status --json printed something that is not JSON'
  end
  local items = {}
  local function str(v)
    return type(v) == 'string' and v ~= '' and v or nil
  end
  for _, r in ipairs(data) do
    -- Every entry is what the gate would block (`blocked` is false only with --all).
    if r.blocked ~= false then
      local lines = (r.endLine or r.startLine) - r.startLine + 1
      local who = r.tool or 'AI'
      if str(r.model) then
        who = who .. ' (' .. r.model .. ')'
      end
      -- Named like the diagnostics: "Unreviewed AI code in def f · tool (model) · 1 line".
      local place = ''
      if str(r.unit) then
        place = ' in ' .. (str(r.unitKind) and (r.unitKind .. ' ') or '') .. r.unit
      end
      local head = r.reviewed and ('AI code' .. place .. ' not reviewed as required') or ('Unreviewed AI code' .. place)
      local text = ('%s · %s · %d line%s'):format(head, who, lines, lines == 1 and '' or 's')
      if r.reviewed and str(r.reason) then
        text = text .. ': ' .. (r.reason:match('%) (.*)$') or r.reason)
      end
      items[#items + 1] = {
        filename = root .. '/' .. r.path,
        lnum = r.startLine,
        end_lnum = r.endLine,
        col = 1,
        type = 'W',
        text = text,
      }
    end
  end
  return items
end

function M.run(open)
  local items, err = M.items()
  if not items then
    vim.notify('vouch: ' .. err, vim.log.levels.ERROR)
    return false
  end
  vim.fn.setqflist({}, ' ', { title = 'vouch status', items = items })
  if open ~= false then
    if #items > 0 then
      vim.cmd('botright copen')
    else
      vim.notify('vouch: no unreviewed AI code', vim.log.levels.INFO)
    end
  end
  return true
end

return M
