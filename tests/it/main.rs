//! The end-to-end tests: one binary (as ruff and rust-analyzer do), one module
//! per area, all running the real `vouch` binary on real git repositories.
//! Run one area with `cargo test --test it git_workflows::`.

mod support;

mod agent;
mod agent_init;
mod agent_lsp;
mod ci;
mod cli;
mod git_commit;
mod git_provenance;
mod git_read;
mod git_rewrite;
mod git_workflows;
mod lsp;
mod lsp_durability;
mod lsp_flood;
mod one_truth;
mod protocol_ext;
mod sign_off;
mod store_processes;
mod syntax_cli;
mod syntax_lsp;
mod untrusted;
