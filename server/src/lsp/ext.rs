//! Vouch's extensions to the protocol, all in one place: the
//! `vouch/didAcceptAi` notification, the `vouch/regions` request, the
//! commands of `workspace/executeCommand` and their argument and result
//! types. Contract: docs/protocol.md. Mirrored for the VS Code client in
//! `editors/vscode/src/protocol.ts`; the integration test `protocol_ext`
//! fails when this file, that one and the document drift apart.

use ls_types::notification::Notification;
use ls_types::request::Request;
use ls_types::{Range, TextDocumentIdentifier, Uri, VersionedTextDocumentIdentifier};
use serde::{Deserialize, Serialize};

use vouch_core::ledger::AiKind;

/// Notification `vouch/didAcceptAi` (client to server): in version
/// `version`, the text inside `ranges` was written by AI.
pub(crate) enum DidAcceptAi {}

impl Notification for DidAcceptAi {
    type Params = DidAcceptAiParams;
    const METHOD: &'static str = "vouch/didAcceptAi";
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DidAcceptAiParams {
    pub(crate) text_document: VersionedTextDocumentIdentifier,
    pub(crate) ranges: Vec<Range>,
    pub(crate) source: AiSource,
}

/// Who wrote the text: `tool` required; `kind` defaults to
/// `inline-completion`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AiSource {
    pub(crate) tool: String,
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default)]
    pub(crate) kind: Option<AiKind>,
    #[serde(default)]
    pub(crate) session: Option<String>,
}

/// Request `vouch/regions`: every AI-written span of a document.
pub(crate) enum Regions {}

impl Request for Regions {
    type Params = RegionsParams;
    type Result = RegionsResult;
    const METHOD: &'static str = "vouch/regions";
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegionsParams {
    pub(crate) text_document: TextDocumentIdentifier,
}

/// The `vouch/regions` result, serialised straight from these types (no
/// intermediate JSON tree: a large answer is one pass of serde).
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegionsResult {
    pub(crate) version: i32,
    pub(crate) regions: Vec<Region>,
}

/// One AI-written span.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Region {
    pub(crate) range: Range,
    #[serde(flatten)]
    pub(crate) attribution: AttributionJson,
}

/// The JSON form of one span's attribution (without its range), also the
/// start of a diagnostic's `data`. `reviewedBy` is the latest reviewer,
/// `reviews` every one, oldest first.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttributionJson {
    pub(crate) tool: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) reviewed: bool,
    pub(crate) reviewed_by: Option<String>,
    pub(crate) reviews: Vec<ReviewJson>,
    pub(crate) accepted_at: Option<String>,
}

/// One review: who and when (RFC 3339).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReviewJson {
    pub(crate) by: String,
    pub(crate) at: String,
}

/// `vouch.review {"uri", "range"?}`: marks the AI text in the range reviewed.
pub(crate) const REVIEW: &str = "vouch.review";
/// `vouch.markAi {"uri", "range", "tool"?, "model"?}`: declares the text AI-written.
pub(crate) const MARK_AI: &str = "vouch.markAi";
/// `vouch.forget {"uri", "range"?}`: declares the text human-written.
pub(crate) const FORGET: &str = "vouch.forget";
/// `vouch.approveRange {"uri"?, "startLine"?, "endLine"?}`: a signed approval.
pub(crate) const APPROVE_RANGE: &str = "vouch.approveRange";
/// The commands of `workspace/executeCommand`, as advertised.
pub(crate) const COMMANDS: [&str; 4] = [REVIEW, MARK_AI, FORGET, APPROVE_RANGE];

/// The one argument of `vouch.review`, `vouch.markAi` and `vouch.forget`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommandTarget {
    pub(crate) uri: Uri,
    #[serde(default)]
    pub(crate) range: Option<Range>,
    #[serde(default)]
    pub(crate) tool: Option<String>,
    #[serde(default)]
    pub(crate) model: Option<String>,
}

/// The argument of `vouch.approveRange` (all optional).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApproveTarget {
    #[serde(default)]
    pub(crate) uri: Option<Uri>,
    #[serde(default)]
    pub(crate) start_line: Option<usize>,
    #[serde(default)]
    pub(crate) end_line: Option<usize>,
}

/// The result of `vouch.approveRange`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApproveResult {
    pub(crate) principal: String,
    pub(crate) key: String,
    pub(crate) lines: usize,
    pub(crate) files: usize,
}
