-- Stand-in for windsurf.nvim / codeium.nvim `codeium.virtual_text`: accept(), accept_next_word(),
-- accept_next_line() return keys for an <expr> mapping, inserting with
-- <C-R><C-O>=...get_completion_text()<CR> as the real one does. Test hook: M._set(text).
local M = {}
local current
local queued

function M._set(text)
  current = text and { completion = { text = text } } or nil
end

function M.get_current_completion_item()
  return current
end

function M.get_completion_text()
  local t = queued or ''
  queued = nil
  return t
end

local function insert(text)
  queued = text
  return '<C-g>u<C-r><C-o>=v:lua.require("codeium.virtual_text").get_completion_text()<CR>'
end

function M.accept()
  if not current then
    return '\t'
  end
  local text = current.completion.text
  current = nil
  return insert(text)
end

function M.accept_next_word()
  if not current then
    return ''
  end
  local text = current.completion.text
  local word = text:match('^%s*[^%s]+') or text
  current.completion.text = text:sub(#word + 1)
  return insert(word)
end

function M.accept_next_line()
  if not current then
    return ''
  end
  local text = current.completion.text
  local line = text:match('^[^\n]*') or text
  current.completion.text = text:sub(#line + 2)
  return insert(line)
end

function M.clear()
  current = nil
end

return M
