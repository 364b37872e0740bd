" Stand-in for github/copilot.vim's autoload functions, same names and insertion mechanics:
" copilot#Accept() returns keys that insert the text with <C-R><C-O>= after the mapping returns.
" Test hook: let g:stub_copilot_text = 'continuation' shows a suggestion; g:stub_copilot_delete is its
" deleteSize (characters after the cursor that the text repeats, deleted with <Del> first).

function! copilot#GetDisplayedSuggestion() abort
  let text = get(g:, 'stub_copilot_text', '')
  return {'uuid': 'stub', 'item': {}, 'text': text, 'outdentSize': 0, 'deleteSize': get(g:, 'stub_copilot_delete', 0)}
endfunction

function! copilot#TextQueuedForInsertion() abort
  try
    return remove(s:, 'suggestion_text')
  catch
    return ''
  endtry
endfunction

function! copilot#Accept(...) abort
  let s = copilot#GetDisplayedSuggestion()
  if !empty(s.text)
    let text = ''
    if a:0 > 1
      let text = substitute(matchstr(s.text, "\n*" . '\%(' . a:2 .'\)'), "\n*$", '', '')
    endif
    if empty(text)
      let text = s.text
    endif
    let g:stub_copilot_text = strpart(s.text, strlen(text))
    let g:stub_copilot_delete = 0
    let s:suggestion_text = text
    let recall = text =~# "\n" ? "\<C-R>\<C-O>=" : "\<C-R>\<C-R>="
    return repeat("\<Left>\<Del>", s.outdentSize) . repeat("\<Del>", s.deleteSize) .
            \ recall . "copilot#TextQueuedForInsertion()\<CR>" . (a:0 > 1 ? '' : "\<End>")
  endif
  let default = get(g:, 'copilot_tab_fallback', pumvisible() ? "\<C-N>" : "\t")
  if !a:0
    return default
  elseif type(a:1) == v:t_string
    return a:1
  else
    return default
  endif
endfunction

function! copilot#AcceptWord(...) abort
  return copilot#Accept(a:0 ? a:1 : '', '\%(\k\@!.\)*\k*')
endfunction

function! copilot#AcceptLine(...) abort
  return copilot#Accept(a:0 ? a:1 : "\r", "[^\n]\\+")
endfunction
