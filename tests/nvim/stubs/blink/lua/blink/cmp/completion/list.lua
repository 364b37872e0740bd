-- Stand-in for blink.cmp's completion list: accept() applies the item's textEdit, then the accept
-- emitter runs its listeners and fires `User BlinkCmpAccept` with data { item, context, event }.
-- Test hook: list._accept(source_id, newText, word_start_col).
local list = { context = { id = 1 } }

local emitter = { listeners = {} }
function emitter:on(fn)
  table.insert(self.listeners, fn)
end
function emitter:emit(data)
  data.event = 'accept'
  for _, fn in ipairs(self.listeners) do
    fn(data)
  end
  vim.api.nvim_exec_autocmds('User', { pattern = 'BlinkCmpAccept', modeline = false, data = data })
end
list.accept_emitter = emitter

function list._accept(source_id, new_text, word_start)
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row = cursor[1] - 1
  local item = {
    label = new_text,
    source_id = source_id,
    source_name = source_id:sub(1, 1):upper() .. source_id:sub(2),
    textEdit = {
      newText = new_text,
      range = { start = { line = row, character = word_start }, ['end'] = { line = row, character = cursor[2] } },
    },
  }
  vim.lsp.util.apply_text_edits({ item.textEdit }, vim.api.nvim_get_current_buf(), 'utf-8')
  list.accept_emitter:emit({ item = item, context = list.context })
  return true
end

return list
