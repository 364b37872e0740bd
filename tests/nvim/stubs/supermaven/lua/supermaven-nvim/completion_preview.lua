-- Stand-in for supermaven-nvim's completion_preview: same public functions and the same accept
-- mechanics (feed <Space><Left><Del>, replace cursor-prior_delete .. end of line with apply_text_edits,
-- move the cursor). Test hook: CompletionPreview._set(text, prior_delete).
local CompletionPreview = { inlay_instance = nil }

function CompletionPreview._set(completion_text, prior_delete)
  CompletionPreview.inlay_instance = {
    completion_text = completion_text,
    prior_delete = prior_delete or 0,
    is_active = true,
    buffer = vim.api.nvim_get_current_buf(),
  }
end

function CompletionPreview:accept_completion_text(is_partial)
  local current = CompletionPreview.inlay_instance
  if current == nil then
    return nil
  end
  CompletionPreview.inlay_instance = nil
  local text = current.completion_text
  if is_partial then
    text = text:match('^%s*[^%s]+') or text
  end
  return { completion_text = text, prior_delete = current.prior_delete, is_active = current.is_active }
end

function CompletionPreview.on_accept_suggestion(is_partial)
  local accept_completion = CompletionPreview:accept_completion_text(is_partial)
  if accept_completion ~= nil and accept_completion.is_active then
    local completion_text = accept_completion.completion_text
    local prior_delete = accept_completion.prior_delete
    local cursor = vim.api.nvim_win_get_cursor(0)
    local range = {
      start = { line = cursor[1] - 1, character = math.max(cursor[2] - prior_delete, 0) },
      ['end'] = { line = cursor[1] - 1, character = vim.fn.col('$') },
    }
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<Space><Left><Del>', true, false, true), 'n', false)
    vim.lsp.util.apply_text_edits(
      { { range = range, newText = completion_text } },
      vim.api.nvim_get_current_buf(),
      'utf-8'
    )
    local lines = vim.split(completion_text, '\n', { plain = true })
    local last_line = lines[#lines]
    local new_cursor_pos = { cursor[1] + #lines - 1, (#lines == 1 and cursor[2] or 0) + #last_line + 1 }
    pcall(vim.api.nvim_win_set_cursor, 0, new_cursor_pos)
  else
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<Tab>', true, false, true), 'n', true)
  end
end

function CompletionPreview.on_accept_suggestion_word()
  CompletionPreview.on_accept_suggestion(true)
end

function CompletionPreview.on_dispose_inlay()
  CompletionPreview.inlay_instance = nil
end

function CompletionPreview.has_suggestion()
  local i = CompletionPreview.inlay_instance
  return i ~= nil and i.is_active and i.completion_text ~= nil and i.completion_text ~= ''
end

return CompletionPreview
