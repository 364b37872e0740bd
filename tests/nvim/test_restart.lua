-- Attribution survives quitting Neovim: session 1 accepts AI text and writes the file; session 2 sees
-- the same regions and diagnostics; the file then changes on disk while Neovim is closed and session 3
-- sees the attribution moved with the text. Each session is its own headless Neovim process.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')
local this = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')
local phase, dir = arg[2], arg[3]

local function session(p, d)
  local res = vim
    .system({
      vim.v.progpath,
      '--headless',
      '--clean',
      '--cmd',
      'set rtp^=' .. H.repo_root .. '/editors/nvim',
      '-l',
      this,
      H.vouch,
      p,
      d,
    }, { text = true })
    :wait(30000)
  H.check(
    res.code == 0 and res.stdout:find('PASS', 1, true),
    ('session %s failed (exit %s):\n%s%s'):format(p, tostring(res.code), res.stdout or '', res.stderr or '')
  )
end

H.run(function()
  if not phase then
    local repo = H.repo()
    H.write(repo .. '/src/app.rb', { 'def hello', '  ', 'end' })
    session('accept', repo)
    session('reopen', repo)
    -- while no editor runs, a line is added above the AI text
    local lines = vim.fn.readfile(repo .. '/src/app.rb')
    table.insert(lines, 1, '# frozen_string_literal: true')
    vim.fn.writefile(lines, repo .. '/src/app.rb')
    session('moved', repo)
    return
  end

  H.stub('copilot_lua')
  vim.o.virtualedit = 'onemore'
  require('copilot.suggestion')
  H.setup()
  local buf = H.open(dir .. '/src/app.rb')
  if phase == 'accept' then
    vim.api.nvim_win_set_cursor(0, { 2, 2 })
    require('copilot.suggestion')._set('puts "¡hola!"')
    require('copilot.suggestion').accept()
    H.wait(function()
      return #H.sent() == 1
    end, 'didAcceptAi')
    vim.cmd('write')
    H.expect_regions(buf, { { 1, 2, 1, 16, 'copilot', false } })
    H.out('PASS ' .. H.name)
    io.stdout:flush()
    vim.cmd('qall!') -- a plain quit: Neovim stops the server on its way out
  elseif phase == 'reopen' then
    H.expect_regions(buf, { { 1, 2, 1, 16, 'copilot', false } }, 'regions after restart')
    H.expect_diags(buf, { { 1, 2, 1, 16, 'vouch', 'unreviewed-ai' } }, 'diagnostics after restart')
    H.stop_all()
  elseif phase == 'moved' then
    H.expect_regions(buf, { { 2, 2, 2, 16, 'copilot', false } }, 'regions after the file changed on disk')
    H.expect_diags(buf, { { 2, 2, 2, 16, 'vouch', 'unreviewed-ai' } })
    H.stop_all()
  end
end)
