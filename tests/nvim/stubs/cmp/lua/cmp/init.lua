-- Stand-in for nvim-cmp: `cmp.event:on('confirm_done', fn)` and a confirm that applies the entry's
-- textEdit (replacing the typed word) before emitting confirm_done { entry, commit_character }.
-- Test hook: cmp._confirm(source_name, newText, word_start_col).
local cmp = {}

local emitter = { listeners = {} }
function emitter:on(name, fn)
  self.listeners[name] = self.listeners[name] or {}
  table.insert(self.listeners[name], fn)
end
function emitter:emit(name, evt)
  for _, fn in ipairs(self.listeners[name] or {}) do
    fn(evt)
  end
end
cmp.event = emitter

function cmp.register_source(name, source)
  _ = name
  _ = source
end

function cmp._confirm(source_name, new_text, word_start)
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row = cursor[1] - 1
  local item = {
    label = new_text,
    textEdit = {
      newText = new_text,
      range = { start = { line = row, character = word_start }, ['end'] = { line = row, character = cursor[2] } },
    },
  }
  local entry = {
    source = { name = source_name },
    get_completion_item = function()
      return item
    end,
  }
  vim.lsp.util.apply_text_edits({ item.textEdit }, vim.api.nvim_get_current_buf(), 'utf-8')
  local lines = vim.split(new_text, '\n', { plain = true })
  vim.api.nvim_win_set_cursor(0, { row + #lines, (#lines == 1 and word_start or 0) + #lines[#lines] })
  cmp.event:emit('confirm_done', { entry = entry, commit_character = nil })
  return true
end

return cmp
