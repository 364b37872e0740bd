//! `workspace/executeCommand`: `vouch.review`, `vouch.markAi`, `vouch.forget`.

use super::rpc::Error;
use serde_json::Value;

use super::ext::{CommandTarget as Target, FORGET, MARK_AI, REVIEW};
use super::position::to_range;
use super::session::Session;
use vouch_core::ledger::{AiKind, AiSource, Review, now_millis};

/// The commands [`Session::execute`] runs.
const ALL: [&str; 3] = [REVIEW, MARK_AI, FORGET];

fn target(args: &[Value]) -> Result<Target, Error> {
    let first = args
        .first()
        .ok_or_else(|| Error::invalid_params("expected one argument {\"uri\", \"range\"?}"))?;
    serde_json::from_value(first.clone())
        .map_err(|e| Error::invalid_params(format!("bad command argument: {e}")))
}

/// Runs a command; returns how many bytes changed state.
pub(crate) fn execute(s: &mut Session, command: &str, args: &[Value]) -> Result<usize, Error> {
    if !ALL.contains(&command) {
        return Err(Error::invalid_params(format!("unknown command {command}")));
    }
    let t = target(args)?;
    let reviewer = s.reviewer();
    let enc = s.enc();
    let doc = s.doc_mut(&t.uri)?;
    let range = match (t.range, command) {
        (Some(r), _) => to_range(doc.ledger().rope(), r, enc)
            .map_err(|e| Error::invalid_params(e.to_string()))?,
        (None, MARK_AI) => return Err(Error::invalid_params("vouch.markAi needs a range")),
        (None, _) => 0..doc.ledger().len(),
    };
    let result = doc.edit_ledger(|ledger| match command {
        REVIEW => ledger.mark_reviewed(
            range,
            &Review {
                by: reviewer,
                at: now_millis(),
            },
        ),
        MARK_AI => ledger.mark_ai(
            range,
            &AiSource {
                tool: t.tool.unwrap_or_else(|| "unknown".to_owned()),
                model: t.model,
                kind: AiKind::Manual,
                session: None,
                accepted_at: now_millis(),
            },
        ),
        _ => ledger.forget(range),
    });
    let changed = result.map_err(|e| Error::invalid_params(e.to_string()))?;
    tracing::info!("{command} {}: {changed} bytes changed", t.uri.as_str());
    Ok(changed)
}
