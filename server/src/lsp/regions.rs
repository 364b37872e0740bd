//! `vouch/regions`: every AI-written span of a document, for plugins and tools.

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::Uri;

use super::position::to_lsp_range;
use super::session::Session;
use crate::ledger::{Attribution, format_millis};

/// The JSON form of one region's attribution (without its range).
pub fn attribution_json(a: &Attribution) -> Value {
    let (tool, model, kind, accepted) = match a.source() {
        Some(s) => (
            Value::from(s.tool.clone()),
            s.model.clone().map_or(Value::Null, Value::from),
            Value::from(s.kind.as_str()),
            Value::from(format_millis(s.accepted_at)),
        ),
        None => (Value::Null, Value::Null, Value::Null, Value::Null),
    };
    json!({
        "tool": tool,
        "model": model,
        "kind": kind,
        "reviewed": a.review().is_some(),
        "reviewedBy": a.review().map_or(Value::Null, |r| Value::from(r.by.clone())),
        "acceptedAt": accepted,
    })
}

impl Session {
    /// `{"version", "regions": [{"range", "tool", "model", "kind", "reviewed", "reviewedBy", "acceptedAt"}]}`.
    pub fn regions(&self, uri: &Uri) -> Result<Value, Error> {
        let doc = self.doc(uri)?;
        let rope = doc.ledger.rope();
        let regions: Vec<Value> = doc
            .ledger
            .regions()
            .into_iter()
            .map(|r| {
                let mut v = attribution_json(&r.attribution);
                v["range"] = json!(to_lsp_range(rope, &r.range, self.enc));
                v
            })
            .collect();
        Ok(json!({"version": doc.version, "regions": regions}))
    }
}
