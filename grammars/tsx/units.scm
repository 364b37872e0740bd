; inherits: typescript
; Units of TSX code: the TSX grammar is TypeScript's plus JSX, and JSX
; elements hold no units of their own, so TypeScript's query says it all
; (grammars/typescript/units.scm, put before this file by server/core/build.rs).
