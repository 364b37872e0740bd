-- The seeded random session of test_random_model.lua with positions in UTF-16 (emoji are surrogate pairs).
_G.VOUCH_TEST_ENCODING = 'utf-16'
dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/test_random_model.lua')
