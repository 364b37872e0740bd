//! `vouch/regions`: every AI-written span of a document, for plugins and tools.

use std::collections::HashMap;

use ls_types::Uri;
use serde_json::Value;

use super::ext::{AttributionJson, Region, RegionsResult, ReviewJson};
use super::position::PositionCursor;
use super::rpc::Error;
use super::session::Session;
use vouch_core::ledger::{Attribution, format_millis};

impl From<&Attribution> for AttributionJson {
    fn from(a: &Attribution) -> Self {
        let source = a.source();
        AttributionJson {
            tool: source.map(|s| s.tool.clone()),
            model: source.and_then(|s| s.model.clone()),
            kind: source.map(|s| s.kind.as_str().to_owned()),
            reviewed: a.review().is_some(),
            reviewed_by: a.review().map(|r| r.by.clone()),
            reviews: a
                .reviews()
                .iter()
                .map(|r| ReviewJson {
                    by: r.by.clone(),
                    at: format_millis(r.at),
                })
                .collect(),
            accepted_at: source.map(|s| format_millis(s.accepted_at)),
        }
    }
}

/// [`AttributionJson`] as a JSON tree, to extend (diagnostics' `data`).
pub(crate) fn attribution_json(a: &Attribution) -> Value {
    serde_json::to_value(AttributionJson::from(a)).unwrap_or_default()
}

/// `{"version", "regions": [{"range", "tool", "model", "kind", "reviewed", "reviewedBy", "reviews", "acceptedAt"}]}`.
pub(crate) fn regions(s: &Session, uri: &Uri) -> Result<RegionsResult, Error> {
    let doc = s.doc(uri)?;
    let ledger = doc.ledger();
    let mut positions = PositionCursor::new(ledger.rope(), s.enc());
    // A document holds few distinct attributions and many regions: each is
    // converted once.
    let mut converted: HashMap<*const Attribution, AttributionJson> = HashMap::new();
    let regions = ledger
        .spans()
        .into_iter()
        .filter(|(_, a)| a.is_ai())
        .map(|(range, a)| {
            let attribution = converted
                .entry(std::ptr::from_ref(a))
                .or_insert_with(|| AttributionJson::from(a))
                .clone();
            Region {
                range: positions.range(&range),
                attribution,
            }
        })
        .collect();
    Ok(RegionsResult {
        version: doc.version(),
        regions,
    })
}
