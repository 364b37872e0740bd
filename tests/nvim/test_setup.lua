-- setup() checks its options (vim.validate): a wrong or unknown option is reported in one line and
-- left out, the others apply, and :checkhealth vouch repeats what was left out.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  local notes = {}
  vim.notify = function(msg, level)
    notes[#notes + 1] = { msg, level }
  end
  local config = require('vouch.config')
  H.setup({
    severity = 'loud',
    sync = 'neovim',
    sign_text = '*',
    adapters = { cmp = false },
    accept_timeout = -5,
    position_encodings = { 'latin1' },
    adapterz = true,
    debounce_text_changes = 10,
  })
  local function noted(text)
    for _, n in ipairs(notes) do
      if n[1]:find(text, 1, true) then
        H.check(not n[1]:find('\n', 1, true), 'one line: ' .. n[1])
        return n
      end
    end
    H.fail(('no notification %q in %s'):format(text, vim.inspect(notes)))
  end
  noted('vouch: setup(): severity must be one of "hint", "information", "warning", "error", not "loud" (ignored)')
  noted('accept_timeout must be a positive number of milliseconds, not -5 (ignored)')
  noted('position_encodings must be a non-empty list of "utf-8", "utf-16", "utf-32", not { "latin1" } (ignored)')
  noted('unknown option adapterz (ignored)')
  noted('option debounce_text_changes is ignored')
  H.eq(#notes, 5, 'one notification per problem')
  H.eq(config.options.severity, nil, 'bad severity left out')
  H.eq(config.options.accept_timeout, 1000, 'bad accept_timeout left out')
  H.eq(config.options.position_encodings, { 'utf-8', 'utf-16', 'utf-32' }, 'bad encodings left out')
  H.eq(config.options.sync, 'neovim', 'good option applied')
  H.eq(config.options.sign_text, '*', 'good option applied')
  H.eq(config.options.adapters.cmp, false, 'adapter turned off')
  H.eq(config.options.adapters.blink, true, 'other adapters kept')

  -- a string cmd is the binary; a good setup() reports nothing
  notes = {}
  H.setup({ cmd = H.vouch })
  H.eq(config.options.cmd, { H.vouch, 'lsp' }, 'string cmd')
  H.eq(notes, {}, 'notifications of a good setup()')
  H.eq(config.problems, {}, 'problems of a good setup()')

  -- :checkhealth repeats what the last setup() left out
  H.setup({ severity = 'loud' })
  vim.cmd('checkhealth vouch')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  H.check(text:find('severity must be one of', 1, true), 'checkhealth lacks the setup() problem:\n' .. text)
end)
