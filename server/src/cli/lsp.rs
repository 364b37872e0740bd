//! `vouch lsp`: serve the Language Server Protocol on stdin/stdout.
//!
//! Exit status: 0 after `shutdown` then `exit`, or when the client closes
//! stdin; 1 when `exit` arrives without a `shutdown` first (as the protocol
//! asks).

use super::Outcome;
use super::args::LspArgs;
use crate::lsp::Ending;

pub(crate) fn run(args: LspArgs) -> anyhow::Result<Outcome> {
    let _ = args.stdio; // Accepted for vscode-languageclient; stdio is the only transport.
    match crate::lsp::run()? {
        Ending::Exit | Ending::EndOfInput => Ok(Outcome::Clean),
        Ending::ExitWithoutShutdown => Ok(Outcome::Found),
    }
}
