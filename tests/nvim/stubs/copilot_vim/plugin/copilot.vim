" Stand-in for github/copilot.vim's plugin/copilot.vim mappings (same lhs, flags and rhs).
if exists('g:loaded_copilot')
  finish
endif
let g:loaded_copilot = 1

function! s:MapTab() abort
  let tab_map = maparg('<Tab>', 'i', 0, 1)
  if !has_key(tab_map, 'rhs')
    imap <script><silent><nowait><expr> <Tab> copilot#Accept()
  endif
endfunction

call s:MapTab()
imap <script><silent><nowait><expr> <Plug>(copilot-accept-word) copilot#AcceptWord()
imap <script><silent><nowait><expr> <Plug>(copilot-accept-line) copilot#AcceptLine()
imap <M-Right> <Plug>(copilot-accept-word)
imap <M-C-Right> <Plug>(copilot-accept-line)
