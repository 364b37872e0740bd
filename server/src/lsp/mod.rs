//! The language server edge (`vouch lsp`). The only module that knows LSP types.
