-- Stand-in for zbirenbaum/copilot.lua's `copilot.suggestion`, same public API and insertion mechanics:
-- the suggestion's range runs from column 0 of the cursor line to the cursor and its text repeats the
-- typed prefix; accept() replaces that range with the (possibly partial) text with
-- vim.lsp.util.apply_text_edits in a vim.schedule_wrap callback, after an undo break.
-- Test hook: M._set(continuation) shows a suggestion at the cursor.
local M = {}
local state = {}

function M._set(continuation)
  local cursor = vim.api.nvim_win_get_cursor(0)
  local line = vim.api.nvim_get_current_line()
  local prefix = line:sub(1, cursor[2])
  state.suggestion = {
    text = prefix .. continuation,
    displayText = prefix .. continuation,
    range = {
      start = { line = cursor[1] - 1, character = 0 },
      ['end'] = { line = cursor[1] - 1, character = cursor[2] },
    },
    uuid = 'stub-uuid',
  }
end

function M.is_visible()
  return state.suggestion ~= nil
end

function M.dismiss()
  state.suggestion = nil
end

local function next_word(s, prefix_len)
  local rest = s:sub(prefix_len + 1)
  local word = rest:match('^%s*[^%s]+') or rest
  return s:sub(1, prefix_len) .. word
end

function M.accept(modifier)
  local suggestion = state.suggestion
  if not suggestion then
    return
  end
  if modifier then
    suggestion = modifier(vim.deepcopy(suggestion)) or suggestion
  end
  local text = suggestion.partial_text or suggestion.text
  if suggestion.partial_text then
    -- the rest stays visible
    local cursor_prefix = state.suggestion.range['end'].character
    state.suggestion.text = suggestion.text
    state.suggestion._accepted = #text
    _ = cursor_prefix
  else
    state.suggestion = nil
  end
  local bufnr = vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0) -- in insert mode it does not move before the callback
  vim.schedule_wrap(function()
    vim.cmd('let &undolevels = &undolevels')
    local range = {
      start = { line = suggestion.range.start.line, character = 0 },
      ['end'] = { line = cursor[1] - 1, character = cursor[2] },
    }
    vim.lsp.util.apply_text_edits({ { range = range, newText = text } }, bufnr, 'utf-8')
    local lines = vim.split(text, '\n', { plain = true })
    vim.api.nvim_win_set_cursor(0, { range.start.line + #lines, #lines[#lines] })
  end)()
end

function M.accept_word()
  local s = state.suggestion
  if not s then
    return
  end
  local cursor = vim.api.nvim_win_get_cursor(0)
  M.accept(function(suggestion)
    suggestion.partial_text = next_word(suggestion.text, cursor[2])
    return suggestion
  end)
end

function M.accept_line()
  local s = state.suggestion
  if not s then
    return
  end
  M.accept(function(suggestion)
    suggestion.partial_text = suggestion.text:match('^[^\n]*\n?') or suggestion.text
    return suggestion
  end)
end

return M
