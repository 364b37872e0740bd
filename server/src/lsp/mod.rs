//! The language server edge (`vouch lsp`). The only module that knows LSP types.
//!
//! Shape (as ruff's `ruff_server` and rust-analyzer's `main_loop.rs`): a
//! reader thread frames stdin ([`transport`]) into a channel; the main loop
//! ([`main_loop`]) owns the [`session::Session`] and handles one message at
//! a time through one dispatch table ([`handlers`]), so changes apply in
//! wire order by construction, with no lock. Store writes, syntax parses and
//! review-range checks run off the loop and report back as events. Vouch's
//! protocol extensions are in [`ext`]. See docs/protocol.md for the contract.

mod code_action;
mod code_lens;
mod commands;
mod diagnostics;
mod documents;
mod ext;
mod handlers;
mod hover;
mod logging;
mod main_loop;
mod position;
mod regions;
mod review;
mod rpc;
mod session;
mod transport;

use std::io::{Read, Write};
use std::path::PathBuf;

use ls_types::{InitializeParams, Uri};

pub use self::transport::Ending;

fn folders_of(params: &InitializeParams) -> Vec<PathBuf> {
    let mut uris: Vec<Uri> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|f| f.uri.clone())
        .collect();
    #[allow(deprecated)]
    if uris.is_empty() {
        if let Some(u) = &params.root_uri {
            uris.push(u.clone());
        } else if let Some(p) = &params.root_path {
            return vec![PathBuf::from(p)];
        }
    }
    uris.iter()
        .filter(|u| u.scheme().as_str() == "file")
        .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
        .collect()
}

/// Serves LSP on stdin/stdout until the client exits; tells how it ended.
pub(crate) fn run() -> anyhow::Result<Ending> {
    let logs = logging::init();
    Ok(main_loop::serve(
        std::io::stdin(),
        std::io::stdout(),
        Some(logs),
    ))
}

/// Serves LSP over any byte streams (the protocol tests run the server in
/// process over a pipe): the same loop as [`run`]; the loop thread's log
/// lines go to the client only.
pub fn serve(input: impl Read + Send + 'static, output: impl Write + Send + 'static) -> Ending {
    let (logs, _guard) = logging::scoped();
    main_loop::serve(input, output, Some(logs))
}
