-- Sign-off in Neovim (docs/sign-off.md): setup({ review_range = ... }) shows the range's committed AI
-- lines without a signed approval as `unapproved-ai` diagnostics; :VouchApproveRange signs an approval
-- with the repository's SSH signing key (real ssh-keygen), after which `vouch verify RANGE` passes.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/helpers.lua')

local function sh(args, what)
  local res = vim.system(args, { text = true }):wait()
  if res.code ~= 0 then
    H.fail(what .. ': ' .. (res.stderr or '') .. (res.stdout or ''))
  end
  return res
end

local function unapproved(buf)
  local out = {}
  for _, d in ipairs(H.diags(buf)) do
    if d[6] == 'unapproved-ai' then
      out[#out + 1] = { d[1], d[3] }
    end
  end
  return out
end

H.run(function()
  local dir = H.repo()
  H.git(dir, { 'checkout', '-qb', 'main' })
  local key = dir .. '/.git/grace-key'
  sh({ 'ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'grace', '-f', key }, 'ssh-keygen')
  local public = vim.split(vim.fn.readfile(key .. '.pub')[1], ' ')
  H.write(dir .. '/vouch.toml', { '[review]', 'signed = true' })
  H.write(dir .. '/.vouch/allowed_signers', { 'grace@example.com ' .. public[1] .. ' ' .. public[2] })
  local file = dir .. '/src/lib.rs'
  H.write(file, { 'fn one() -> u32 {', '    1', '}' })
  H.git(dir, { 'add', '.' })
  H.git(dir, { 'commit', '-qm', 'base' })
  -- The author's AI code on a branch, committed with its note (vouch init's hooks).
  H.check(vim.system({ H.vouch, 'init' }, { cwd = dir }):wait().code == 0, 'vouch init')
  H.git(dir, { 'checkout', '-qb', 'feature' })
  H.write(file, { 'fn one() -> u32 {', '    1', '}', 'fn two() -> u32 {', '    2', '}' })
  local res = vim
    .system(vim.list_extend({ H.vouch }, { 'mark', 'src/lib.rs:4-6', '--tool', 'claude' }), { cwd = dir, text = true })
    :wait()
  H.check(res.code == 0, 'vouch mark: ' .. (res.stderr or ''))
  res = vim.system({ H.vouch, 'review', 'src/lib.rs' }, { cwd = dir, text = true }):wait()
  H.check(res.code == 0, 'vouch review: ' .. (res.stderr or ''))
  H.git(dir, { 'commit', '-qam', 'two' })
  -- The reviewer's signing configuration.
  H.git(dir, { 'config', 'gpg.format', 'ssh' })
  H.git(dir, { 'config', 'user.signingKey', key })

  H.setup({ review_range = 'main..HEAD' })
  local buf = H.open(file)
  H.wait(function()
    return vim.deep_equal(unapproved(buf), { { 3, 5 } })
  end, 'an unapproved-ai diagnostic on lines 4-6: ' .. vim.inspect(H.diags(buf)), 30000)
  local before = vim.system({ H.vouch, 'verify', 'main..HEAD' }, { cwd = dir, text = true }):wait()
  H.eq(before.code, 1, 'vouch verify before the approval')

  vim.cmd('VouchApproveRange')
  H.wait(function()
    return #unapproved(buf) == 0
  end, 'the unapproved-ai diagnostics to go: ' .. vim.inspect(H.diags(buf)), 30000)
  local after = vim.system({ H.vouch, 'verify', 'main..HEAD' }, { cwd = dir, text = true }):wait()
  H.eq(after.code, 0, 'vouch verify after :VouchApproveRange: ' .. (after.stdout or ''))
  H.check(
    (after.stdout or ''):find('3 of 3 lines', 1, true),
    'verify counts the signed lines: ' .. (after.stdout or '')
  )
  H.stop_all()
end)
