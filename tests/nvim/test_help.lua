-- :help vouch works with the plugin added to 'runtimepath' by hand (run.sh does exactly that):
-- the plugin ships doc/tags, and the shipped file is what :helptags makes of doc/vouch.txt.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

H.run(function()
  local ok, err = pcall(vim.cmd, 'help vouch')
  H.check(ok, ':help vouch failed: ' .. tostring(err))
  H.eq(vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ':t'), 'vouch.txt', 'buffer :help vouch opened')
  H.eq(vim.bo.filetype, 'help', 'filetype of the help buffer')
  vim.cmd('helpclose')
  ok, err = pcall(vim.cmd, 'help :VouchStatus')
  H.check(ok, ':help :VouchStatus failed: ' .. tostring(err))
  H.check(vim.api.nvim_get_current_line():find('*:VouchStatus*', 1, true), 'cursor on the :VouchStatus tag')
  vim.cmd('helpclose')

  -- The shipped tags file is up to date with the help text.
  local doc = H.repo_root .. '/editors/nvim/doc'
  local tmp = vim.fn.tempname()
  vim.fn.mkdir(tmp, 'p')
  vim.fn.writefile(vim.fn.readfile(doc .. '/vouch.txt'), tmp .. '/vouch.txt')
  vim.cmd('helptags ' .. vim.fn.fnameescape(tmp))
  H.eq(vim.fn.readfile(doc .. '/tags'), vim.fn.readfile(tmp .. '/tags'), 'editors/nvim/doc/tags is current')
  H.stop_all()
end)
