//! Vouch: which characters did AI write, and has a person vouched for them?
//!
//! This crate is the edge (see ARCHITECTURE.md): [`cli`] and `lsp` parse
//! input, convert positions and call the core library `vouch_core` (ledger,
//! store, workspace, service, syntax, git, commit, agent), which speaks plain
//! Rust types and UTF-8 byte offsets. Its public items are [`cli::main`],
//! the binary's entry point, and [`lsp::serve`] / [`lsp::Ending`], with
//! which the protocol tests run the language server in process.

pub mod cli;
pub mod lsp;
