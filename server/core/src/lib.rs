//! Vouch's core: which characters did AI write, and has a person vouched for
//! them?
//!
//! Layers (see ARCHITECTURE.md): [`ledger`], [`store`], [`workspace`],
//! [`service`], [`syntax`], [`git`], [`commit`] and [`agent`] speak plain Rust
//! types and UTF-8 byte offsets; no clap, no LSP types, no async runtime. The
//! edges (`cli` and `lsp`, in the `vouch` crate) parse input, convert
//! positions and call this crate.

pub mod agent;
pub mod commit;
mod files;
#[cfg(any(test, feature = "fuzz"))]
pub mod fuzz;
pub mod git;
pub mod ledger;
pub mod parallel;
pub mod present;
pub mod service;
pub mod store;
pub mod syntax;
pub mod untrusted;
pub mod workspace;
