//! Vouch: which characters did AI write, and has a person vouched for them?
//!
//! Layers (see ARCHITECTURE.md): the core — [`ledger`], [`store`],
//! [`workspace`], [`service`], [`syntax`], [`git`], [`commit`] and [`agent`] —
//! speaks plain Rust types and UTF-8 byte offsets. The edges — [`cli`] and
//! [`lsp`] — parse input, convert positions and call the core.

pub mod agent;
pub mod cli;
pub mod commit;
mod files;
#[cfg(test)]
mod fuzz;
pub mod git;
pub mod ledger;
pub mod lsp;
pub mod service;
pub mod store;
pub mod syntax;
pub mod untrusted;
pub mod workspace;
