-- Stand-in for blink.cmp's entry module.
return { setup = function() end }
