//! The document notifications, decoded straight into their types and applied
//! in the read loop (see `transport`), and `vouch/didAcceptAi`.

use std::sync::atomic::Ordering;

use serde::Deserialize;
use tower_lsp_server::ls_types::{
    DidChangeConfigurationParams, DidChangeTextDocumentParams, DidChangeWorkspaceFoldersParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, Range,
    VersionedTextDocumentIdentifier,
};

use super::transport::Fast;
use super::{Shared, lock};
use vouch_core::ledger::{AiKind, AiSource, now_millis};

/// A notification's body, decoded only as far as its parameters.
#[derive(Deserialize)]
struct Notification<P> {
    params: P,
}

/// `vouch/didAcceptAi` parameters.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AcceptAiParams {
    text_document: VersionedTextDocumentIdentifier,
    ranges: Vec<Range>,
    source: SourceParam,
}

#[derive(Debug, Deserialize)]
struct SourceParam {
    tool: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    kind: Option<AiKind>,
    #[serde(default)]
    session: Option<String>,
}

impl Shared {
    pub(super) fn accept_ai(&self, params: AcceptAiParams) {
        self.notify("vouch/didAcceptAi", |s| {
            let uri = params.text_document.uri;
            let Some(doc) = s.docs.get_mut(uri.as_str()) else {
                tracing::warn!(
                    "vouch/didAcceptAi for unknown document {}; ignored",
                    uri.as_str()
                );
                return;
            };
            let valid = |n: &str| vouch_core::untrusted::check_name(n).is_ok();
            if !valid(&params.source.tool) || !params.source.model.as_deref().is_none_or(valid) {
                tracing::warn!(
                    "vouch/didAcceptAi: an invalid tool or model name was replaced (one line of at most {} bytes, no control characters)",
                    vouch_core::untrusted::MAX_NAME_BYTES
                );
            }
            let source = AiSource {
                tool: vouch_core::untrusted::tool_or_unknown(params.source.tool),
                model: vouch_core::untrusted::model_or_none(params.source.model),
                kind: params.source.kind.unwrap_or(AiKind::InlineCompletion),
                session: params.source.session,
                accepted_at: now_millis(),
            };
            doc.accept_ai(params.text_document.version, params.ranges, source);
        });
    }

    /// The hot notifications, parsed straight into their types in the read
    /// loop (one pass, no intermediate JSON tree), and `vouch/regions`
    /// answered there. `Fast::Pass` lets the regular dispatch handle the
    /// message.
    pub(super) fn fast_path(&self, method: &str, body: &str, is_request: bool) -> Fast {
        if !self.ready.load(Ordering::Acquire) {
            return Fast::Pass;
        }
        if is_request {
            // Durability: whatever the request (even one answered with an
            // error without reaching a handler), the state it follows is
            // written before the answer.
            lock(self).flush_all();
            if method == "vouch/regions" {
                return self.answer_regions(body);
            }
            return Fast::Pass;
        }
        match method {
            "textDocument/didChange" => {
                match serde_json::from_str::<Notification<DidChangeTextDocumentParams>>(body) {
                    Ok(n) => {
                        let d = n.params.text_document;
                        self.notify("didChange", |s| {
                            s.change(&d.uri, d.version, n.params.content_changes);
                        });
                    }
                    Err(e) => tracing::warn!("didChange ignored: bad parameters: {e}"),
                }
                Fast::Handled
            }
            "textDocument/didOpen" => {
                match serde_json::from_str::<Notification<DidOpenTextDocumentParams>>(body) {
                    Ok(n) => {
                        let d = n.params.text_document;
                        self.notify("didOpen", |s| s.open(d.uri, d.version, &d.text));
                    }
                    Err(e) => tracing::warn!("didOpen ignored: bad parameters: {e}"),
                }
                Fast::Handled
            }
            "textDocument/didSave" => {
                match serde_json::from_str::<Notification<DidSaveTextDocumentParams>>(body) {
                    Ok(n) => self.notify("didSave", |s| s.save(&n.params.text_document.uri)),
                    Err(e) => tracing::warn!("didSave ignored: bad parameters: {e}"),
                }
                Fast::Handled
            }
            "textDocument/didClose" => {
                match serde_json::from_str::<Notification<DidCloseTextDocumentParams>>(body) {
                    Ok(n) => self.notify("didClose", |s| s.close(&n.params.text_document.uri)),
                    Err(e) => tracing::warn!("didClose ignored: bad parameters: {e}"),
                }
                Fast::Handled
            }
            "vouch/didAcceptAi" => {
                match serde_json::from_str::<Notification<AcceptAiParams>>(body) {
                    Ok(n) => self.accept_ai(n.params),
                    Err(e) => tracing::warn!("vouch/didAcceptAi ignored: bad parameters: {e}"),
                }
                Fast::Handled
            }
            // Handled by the regular dispatch, which drops a notification
            // with bad parameters silently: say so in the log.
            "workspace/didChangeConfiguration" => {
                checked::<DidChangeConfigurationParams>(method, body)
            }
            "workspace/didChangeWorkspaceFolders" => {
                checked::<DidChangeWorkspaceFoldersParams>(method, body)
            }
            _ => Fast::Pass,
        }
    }
}

/// `Fast::Pass` when the notification's parameters have type `P`; else a log
/// line and `Fast::Handled` (the notification is ignored).
fn checked<P: serde::de::DeserializeOwned>(method: &str, body: &str) -> Fast {
    match serde_json::from_str::<Notification<P>>(body).map(|n| n.params) {
        Ok(_) => Fast::Pass,
        Err(e) => {
            tracing::warn!("{method} ignored: bad parameters: {e}");
            Fast::Handled
        }
    }
}
