-- The seeded random session of test_random_model.lua in a CRLF file (line breaks sent as \r\n).
_G.VOUCH_TEST_CRLF = true
dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/test_random_model.lua')
