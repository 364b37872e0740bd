-- Neovim 0.12's vim.lsp.inline_completion, stood in on 0.11 with the same get({ on_accept }) API and the
-- same default accept (nvim_buf_set_text over the item's range, scheduled). The item comes from a
-- language server named "copilot" (an in-process stand-in), which names the tool.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  local current -- the item shown
  vim.lsp.inline_completion = {
    enable = function() end,
    is_enabled = function()
      return true
    end,
    get = function(opts)
      opts = opts or {}
      local item = current
      if not item then
        return false
      end
      current = nil
      vim.schedule(function()
        if opts.on_accept then
          opts.on_accept(item)
          return
        end
        local r = item.range
        local lines = vim.split(item.insert_text, '\n', { plain = true })
        vim.api.nvim_buf_set_text(0, r.start.row, r.start.col, r.end_.row, r.end_.col, lines)
      end)
      return true
    end,
  }

  local dir = H.repo()
  local file = dir .. '/main.c'
  H.write(file, { 'int main(void) {', '  ', '}' })
  H.setup()
  local buf = H.open(file)
  H.check(require('vouch.adapters').active.inline_completion, 'inline_completion adapter not active')

  -- an in-process "copilot" language server offering inline completions
  local copilot_id = vim.lsp.start({
    name = 'copilot',
    cmd = function(dispatchers)
      local closing = false
      return {
        request = function(method, _, callback)
          if method == 'initialize' then
            callback(nil, { capabilities = { inlineCompletionProvider = true } })
          elseif method == 'shutdown' then
            callback(nil, nil)
          end
          return true, 1
        end,
        notify = function(method)
          if method == 'exit' then
            dispatchers.on_exit(0, 0)
          end
          return true
        end,
        is_closing = function()
          return closing
        end,
        terminate = function()
          closing = true
        end,
      }
    end,
    root_dir = dir,
  }, { bufnr = buf })
  H.wait(function()
    local c = vim.lsp.get_client_by_id(copilot_id)
    return c and c.initialized
  end, 'the copilot stand-in client')

  -- default accept: the item's range replaces the indentation with itself plus the text
  current = {
    client_id = copilot_id,
    insert_text = '  return printf("%s\\n", "ça va");',
    range = { start = { row = 1, col = 0 }, end_ = { row = 1, col = 2 } },
  }
  H.check(vim.lsp.inline_completion.get() == true, 'get() did not accept')
  H.wait(function()
    return #H.sent() == 1
  end, 'didAcceptAi after get()')
  H.eq(vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1], '  return printf("%s\\n", "ça va");', 'line')
  H.eq(H.sent()[1].source.tool, 'copilot', 'tool')
  H.eq(
    H.sent()[1].ranges,
    { { start = { line = 1, character = 2 }, ['end'] = { line = 1, character = 34 } } },
    'ranges'
  )
  H.expect_regions(buf, { { 1, 2, 1, 34, 'copilot', false } })
  H.expect_diags(buf, { { 1, 2, 1, 34, 'vouch', 'unreviewed-ai' } })

  -- get({ on_accept }) where the caller inserts the text
  current = { client_id = copilot_id, insert_text = '// end' }
  vim.lsp.inline_completion.get({
    on_accept = function(item)
      vim.api.nvim_buf_set_text(0, 2, 1, 2, 1, { ' ' .. item.insert_text })
    end,
  })
  H.wait(function()
    return #H.sent() == 2
  end, 'didAcceptAi after get({ on_accept })')
  H.eq(vim.api.nvim_buf_get_lines(buf, 2, 3, false)[1], '} // end', 'line after on_accept')
  H.expect_regions(buf, { { 1, 2, 1, 34, 'copilot', false }, { 2, 1, 2, 8, 'copilot', false } })

  -- nothing shown: get() returns false and nothing is reported, later typing stays human
  H.check(vim.lsp.inline_completion.get() == false, 'get() without an item')
  H.feed('ggA x<Esc>')
  vim.wait(150)
  H.eq(#H.sent(), 2, 'notifications after get() without an item')
  H.stop_all()
end)
