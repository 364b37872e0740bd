//! `workspace/executeCommand`: `vouch.review`, `vouch.markAi`, `vouch.forget`.

use serde::Deserialize;
use serde_json::Value;
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::{Range as LspRange, Uri};

use super::position::to_range;
use super::session::Session;
use vouch_core::ledger::{AiKind, AiSource, Review, now_millis};

pub(crate) const REVIEW: &str = "vouch.review";
pub(crate) const MARK_AI: &str = "vouch.markAi";
pub(crate) const FORGET: &str = "vouch.forget";
pub(crate) const ALL: [&str; 3] = [REVIEW, MARK_AI, FORGET];

/// The one argument of every command.
#[derive(Debug, Deserialize)]
pub(crate) struct Target {
    pub(crate) uri: Uri,
    #[serde(default)]
    pub(crate) range: Option<LspRange>,
    #[serde(default)]
    pub(crate) tool: Option<String>,
    #[serde(default)]
    pub(crate) model: Option<String>,
}

fn target(args: &[Value]) -> Result<Target, Error> {
    let first = args
        .first()
        .ok_or_else(|| Error::invalid_params("expected one argument {\"uri\", \"range\"?}"))?;
    serde_json::from_value(first.clone())
        .map_err(|e| Error::invalid_params(format!("bad command argument: {e}")))
}

impl Session {
    /// Runs a command; returns how many bytes changed state.
    pub(crate) fn execute(&mut self, command: &str, args: &[Value]) -> Result<usize, Error> {
        if !ALL.contains(&command) {
            return Err(Error::invalid_params(format!("unknown command {command}")));
        }
        let t = target(args)?;
        let reviewer = self.reviewer();
        let enc = self.enc;
        let doc = self.doc_mut(&t.uri)?;
        let range = match (t.range, command) {
            (Some(r), _) => to_range(doc.ledger.rope(), r, enc)
                .map_err(|e| Error::invalid_params(e.to_string()))?,
            (None, MARK_AI) => return Err(Error::invalid_params("vouch.markAi needs a range")),
            (None, _) => 0..doc.ledger.len(),
        };
        let result = match command {
            REVIEW => doc.ledger.mark_reviewed(
                range,
                &Review {
                    by: reviewer,
                    at: now_millis(),
                },
            ),
            MARK_AI => doc.ledger.mark_ai(
                range,
                &AiSource {
                    tool: t.tool.unwrap_or_else(|| "unknown".to_owned()),
                    model: t.model,
                    kind: AiKind::Manual,
                    session: None,
                    accepted_at: now_millis(),
                },
            ),
            _ => doc.ledger.forget(range),
        };
        let changed = result.map_err(|e| Error::invalid_params(e.to_string()))?;
        if changed > 0 {
            doc.dirty = true;
            doc.diag_due = true;
        }
        tracing::info!("{command} {}: {changed} bytes changed", t.uri.as_str());
        Ok(changed)
    }
}
