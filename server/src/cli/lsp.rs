//! `vouch lsp`: serve the Language Server Protocol on stdin/stdout.

use super::Outcome;
use super::args::LspArgs;

pub fn run(args: LspArgs) -> anyhow::Result<Outcome> {
    let _ = args.stdio; // Accepted for vscode-languageclient; stdio is the only transport.
    crate::lsp::run()?;
    Ok(Outcome::Clean)
}
