//! The reviewer's view (docs/sign-off.md): with a review range set
//! (`reviewRange`, e.g. `origin/main..HEAD`), the range's committed AI lines
//! that no counting approval covers are diagnostics with code
//! `unapproved-ai`, and a code action approves them through the same signed
//! path as `vouch approve` (`vouch.approveRange`).

use std::collections::HashMap;
use std::path::Path;

use super::rpc::Error;
use ls_types::{Diagnostic, NumberOrString};
use serde_json::{Value, json};

use super::diagnostics::SOURCE;
use super::documents::Doc;
use super::ext::ApproveTarget;
use super::position::PositionCursor;
use super::session::Session;
use vouch_core::commit::approve;
use vouch_core::commit::verify::{UnapprovedRange, verify_range};
use vouch_core::git::Git;

pub const CODE: &str = "unapproved-ai";

/// Unapproved ranges per repo-relative path.
pub type Findings = HashMap<String, Vec<UnapprovedRange>>;

/// What the last verification of the review range found, per store.
#[derive(Default)]
pub struct ReviewState {
    pub by_store: HashMap<usize, Findings>,
}

/// `vouch verify RANGE` for the workspace at `root`.
pub fn findings(root: &Path, spec: &str) -> Result<Findings, String> {
    let git = Git::new(root);
    let report = verify_range(&git, root, spec, None).map_err(|e| e.to_string())?;
    Ok(report
        .files
        .into_iter()
        .map(|f| (f.path, f.ranges))
        .collect())
}

/// A signed approval of the range's lines needing it: all of them, those of
/// `rel`, or those of `rel` within `lines` (1-based, inclusive).
pub fn approve(
    root: &Path,
    spec: &str,
    rel: Option<&str>,
    lines: Option<(usize, usize)>,
) -> Result<approve::Signed, String> {
    let git = Git::new(root);
    let prepared = approve::prepare(&git, spec, None).map_err(|e| e.to_string())?;
    let files: Vec<approve::NeededFile> = prepared
        .needed
        .iter()
        .filter(|f| rel.is_none_or(|r| r == f.path))
        .cloned()
        .map(|mut f| {
            if let Some((s, e)) = lines
                && !f.policy_file
            {
                f.lines.retain(|l| s <= l.line && l.line <= e);
            }
            f
        })
        .filter(|f| !f.lines.is_empty())
        .collect();
    if files.is_empty() {
        return Err(format!("nothing there needs an approval in {spec}"));
    }
    approve::sign(&git, &prepared, &files).map_err(|e| e.to_string())
}

/// What a `vouch.approveRange` call will do, worked out under the lock.
pub struct ApproveJob {
    pub root: std::path::PathBuf,
    pub spec: String,
    pub rel: Option<String>,
    pub lines: Option<(usize, usize)>,
}

/// `unapproved-ai` diagnostics of `doc` (lines of the range's tip).
pub(crate) fn review_diagnostics(s: &Session, doc: &Doc) -> Vec<Diagnostic> {
    let ranges = s.review_ranges(doc);
    if ranges.is_empty() {
        return Vec::new();
    }
    let spec = s.settings().review_range.clone().unwrap_or_default();
    let mut positions = PositionCursor::new(doc.ledger().rope(), s.enc());
    let count = doc.ledger().line_count();
    let mut out = Vec::new();
    for r in ranges {
        if r.start_line == 0 || r.start_line > count {
            continue;
        }
        let end = r.end_line.min(count);
        let Ok(mut bytes) = doc.ledger().line_range(r.start_line - 1, end - 1) else {
            continue;
        };
        // Up to the end of the last line, not into the next one.
        let rope = doc.ledger().rope();
        while bytes.end > bytes.start && matches!(rope.byte(bytes.end - 1), b'\n' | b'\r') {
            bytes.end -= 1;
        }
        let what = r.what();
        let unit = r
            .unit
            .as_deref()
            .map(|u| format!(" in {u}"))
            .unwrap_or_default();
        let lines = end - r.start_line + 1;
        let noun = vouch_core::present::plural(lines, "line", "lines");
        out.push(Diagnostic {
            range: positions.range(&bytes),
            severity: Some(s.settings().severity),
            code: Some(NumberOrString::String(CODE.to_owned())),
            source: Some(SOURCE.to_owned()),
            message: format!(
                "Unapproved AI code{unit} · {what} · {lines} {noun} in {spec}: {}",
                r.reason
            ),
            data: Some(json!({
                "reviewRange": spec,
                "startLine": r.start_line,
                "endLine": end,
                "approvers": r.approvers,
                "notApprovers": r.not_approvers,
            })),
            ..Diagnostic::default()
        });
    }
    out
}

/// Works out a `vouch.approveRange` call.
pub(crate) fn approve_job(s: &Session, args: &[Value]) -> Result<ApproveJob, Error> {
    let Some(spec) = s.settings().review_range.clone() else {
        return Err(Error::invalid_params(
            "no review range: set the `reviewRange` setting (e.g. origin/main..HEAD)",
        ));
    };
    let t: ApproveTarget = match args.first() {
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| Error::invalid_params(format!("bad command argument: {e}")))?,
        None => ApproveTarget::default(),
    };
    let (store, rel) = match &t.uri {
        Some(uri) => {
            let doc = s.doc(uri)?;
            let place = doc.place().ok_or_else(|| {
                Error::invalid_params("the document is not in a workspace folder")
            })?;
            (place.store, Some(place.rel.clone()))
        }
        None => match s.first_git_store() {
            Some(i) => (i, None),
            None => return Err(Error::invalid_params("no git workspace")),
        },
    };
    let root = s
        .store_root(store)
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| Error::invalid_params("no workspace"))?;
    let lines = match (t.start_line, t.end_line) {
        (Some(s), Some(e)) if s >= 1 && e >= s => Some((s, e)),
        (Some(s), None) if s >= 1 => Some((s, s)),
        (None, None) => None,
        _ => return Err(Error::invalid_params("bad startLine/endLine")),
    };
    Ok(ApproveJob {
        root,
        spec,
        rel,
        lines,
    })
}
