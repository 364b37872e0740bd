//! `vouch/regions`: every AI-written span of a document, for plugins and tools.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Id};
use tower_lsp_server::ls_types::{Range, Uri};

use super::position::PositionCursor;
use super::session::Session;
use super::transport::Fast;
use super::{RegionsParams, Shared};
use vouch_core::ledger::{Attribution, format_millis};

/// The JSON form of one region's attribution (without its range):
/// `{"tool", "model", "kind", "reviewed", "reviewedBy", "reviews", "acceptedAt"}`;
/// `reviewedBy` is the latest reviewer, `reviews` every one (`[{"by", "at"}]`,
/// oldest first).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttributionJson {
    pub(crate) tool: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) kind: Option<&'static str>,
    pub(crate) reviewed: bool,
    pub(crate) reviewed_by: Option<String>,
    pub(crate) reviews: Vec<ReviewJson>,
    pub(crate) accepted_at: Option<String>,
}

/// One review: who and when (RFC 3339).
#[derive(Debug, Serialize)]
pub(crate) struct ReviewJson {
    pub(crate) by: String,
    pub(crate) at: String,
}

impl From<&Attribution> for AttributionJson {
    fn from(a: &Attribution) -> Self {
        let source = a.source();
        AttributionJson {
            tool: source.map(|s| s.tool.clone()),
            model: source.and_then(|s| s.model.clone()),
            kind: source.map(|s| s.kind.as_str()),
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

/// The `vouch/regions` result, serialised straight from these types (no
/// intermediate JSON tree: a large answer is one pass of serde).
#[derive(Debug, Serialize)]
pub(crate) struct RegionsResult {
    pub(crate) version: i32,
    pub(crate) regions: Vec<RegionJson>,
}

/// One AI-written span.
#[derive(Debug, Serialize)]
pub(crate) struct RegionJson {
    pub(crate) range: Range,
    #[serde(flatten)]
    pub(crate) attribution: AttributionJson,
}

impl Session {
    /// `{"version", "regions": [{"range", "tool", "model", "kind", "reviewed", "reviewedBy", "acceptedAt"}]}`.
    pub(crate) fn regions(&self, uri: &Uri) -> Result<RegionsResult, Error> {
        let doc = self.doc(uri)?;
        let mut positions = PositionCursor::new(doc.ledger.rope(), self.enc);
        let regions = doc
            .ledger
            .regions()
            .into_iter()
            .map(|r| RegionJson {
                range: positions.range(&r.range),
                attribution: AttributionJson::from(&r.attribution),
            })
            .collect();
        Ok(RegionsResult {
            version: doc.version,
            regions,
        })
    }
}

impl Shared {
    /// Answers a `vouch/regions` request in the read loop, serialising the
    /// result straight into the response body. Parameters it cannot read
    /// are left to the regular dispatch, which answers with the error.
    pub(super) fn answer_regions(&self, body: &str) -> Fast {
        #[derive(Deserialize)]
        struct Call {
            id: Id,
            params: RegionsParams,
        }
        #[derive(Serialize)]
        struct Answer<'a, T> {
            jsonrpc: &'static str,
            id: &'a Id,
            #[serde(flatten)]
            outcome: T,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "lowercase")]
        enum Outcome {
            Result(RegionsResult),
            Error(Error),
        }
        let Ok(call) = serde_json::from_str::<Call>(body) else {
            return Fast::Pass;
        };
        // The read loop wrote pending state to the store before calling this.
        let outcome = match self.read("vouch/regions", |s| {
            s.regions(&call.params.text_document.uri)
        }) {
            Ok(r) => Outcome::Result(r),
            Err(e) => Outcome::Error(e),
        };
        let answer = Answer {
            jsonrpc: "2.0",
            id: &call.id,
            outcome,
        };
        match serde_json::to_string(&answer) {
            Ok(s) => Fast::Reply(s),
            Err(e) => {
                tracing::error!("cannot encode vouch/regions: {e}");
                Fast::Pass
            }
        }
    }
}
