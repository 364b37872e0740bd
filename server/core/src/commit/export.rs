//! Reading notes back for a range of commits: Agent Trace records, SARIF
//! 2.1.0 for code-scanning uploads, or plain JSON.

use serde_json::{Value, json};

use super::CommitError;
use super::lines::{FileLines, LineAttr};
use super::note::{self, Note};
use super::notes::Notes;
use super::policy::{Policy, Verdict};
use crate::git::Git;
use crate::ledger::{LineOrigin, format_millis};

/// A commit of the range, oldest first.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub sha: String,
    /// `Name <email>`.
    pub(crate) author: String,
    pub(crate) message: String,
}

impl CommitInfo {
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }

    pub(crate) fn short(&self) -> &str {
        &self.sha[..self.sha.len().min(12)]
    }
}

/// The commits of `range` (default `HEAD`), oldest first; none on an unborn branch.
pub fn commits(git: &Git, range: Option<&str>) -> Result<Vec<CommitInfo>, CommitError> {
    let range = range.unwrap_or("HEAD");
    if range.starts_with('-') {
        return Err(CommitError::Other(format!(
            "`{range}` is not a revision range"
        )));
    }
    if range == "HEAD" && git.commit_id("HEAD")?.is_none() {
        return Ok(Vec::new());
    }
    let out = git.run(&[
        "log",
        // User configuration must not change what is parsed: no signatures
        // (log.showSignature), no notes, no decorations, UTF-8 messages.
        "--no-show-signature",
        "--no-notes",
        "--no-decorate",
        "--encoding=UTF-8",
        "--no-color",
        "--reverse",
        "--format=%H%x1f%an <%ae>%x1f%B%x1e",
        "--end-of-options",
        range,
        "--",
    ])?;
    let text = String::from_utf8_lossy(&out);
    Ok(text
        .split('\x1e')
        .filter_map(|rec| {
            let mut parts = rec.trim_start_matches('\n').splitn(3, '\x1f');
            let sha = parts.next()?.trim().to_owned();
            if sha.len() < 40 {
                return None;
            }
            Some(CommitInfo {
                sha,
                author: parts.next()?.to_owned(),
                message: parts.next().unwrap_or("").to_owned(),
            })
        })
        .collect())
}

/// Commits whose notes are read and held at once by [`each_note`].
const NOTE_BATCH: usize = 256;

/// Calls `f` with each commit of `commits`, in order, and its note (if it
/// has one). Notes are read a batch at a time and dropped after use, so
/// memory stays flat however many notes the range holds.
pub fn each_note(
    git: &Git,
    commits: &[CommitInfo],
    mut f: impl FnMut(&CommitInfo, Option<Note>) -> Result<(), CommitError>,
) -> Result<(), CommitError> {
    let notes = Notes::new(git)?;
    let batches = notes.batches()?;
    for chunk in commits.chunks(NOTE_BATCH) {
        let shas: Vec<String> = chunk.iter().map(|c| c.sha.clone()).collect();
        let mut read = batches.read(&shas)?;
        for c in chunk {
            f(c, read.remove(&c.sha))?;
        }
    }
    Ok(())
}

/// Runs of consecutive equal lines: `(start, end, attr)`.
/// (`chars`, the length of one-line pieces, may differ inside a run).
pub(crate) fn ranges(file: &FileLines) -> Vec<(usize, usize, &LineAttr)> {
    let mut out: Vec<(usize, usize, &LineAttr)> = Vec::new();
    let same = |a: &LineAttr, b: &LineAttr| {
        a.origin == b.origin
            && a.tool == b.tool
            && a.model == b.model
            && a.kind == b.kind
            && a.reviews == b.reviews
    };
    for (&line, attr) in file {
        match out.last_mut() {
            Some((_, end, a)) if *end + 1 == line && same(a, attr) => *end = line,
            _ => out.push((line, line, attr)),
        }
    }
    out
}

/// One commit's Agent Trace record, on one line (without the line break):
/// a single record as written (re-serialised compactly), several merged.
pub fn agent_trace_line(c: &CommitInfo, n: &Note) -> String {
    match n.records.as_slice() {
        [one] => serde_json::from_str::<Value>(one)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| one.replace('\n', " ")),
        _ => note::record(&c.sha, &n.lines).to_string(),
    }
}

/// One element of the plain JSON export: a commit with its AI line ranges.
pub fn json_item(c: &CommitInfo, n: &Note) -> Value {
    let files: Vec<Value> = n
        .lines
        .iter()
        .map(|(path, file)| {
            let ranges: Vec<Value> = ranges(file)
                .into_iter()
                .map(|(s, e, a)| {
                    json!({
                        "start_line": s, "end_line": e, "origin": a.origin,
                        "tool": a.tool, "model": a.model, "kind": a.kind,
                        "reviewed": a.reviewed(), "reviewer": a.reviewer(),
                        "reviewers": reviewers_json(a),
                        "reviewed_at": a.reviewed_at().map(format_millis),
                    })
                })
                .collect();
            json!({"path": path, "ranges": ranges})
        })
        .collect();
    json!({
        "commit": c.sha, "author": c.author, "subject": c.subject(), "files": files,
    })
}

/// `[{"by", "at"}]`: every reviewer of a range, `at` an RFC 3339 time or `null`.
fn reviewers_json(a: &LineAttr) -> Value {
    a.reviews
        .iter()
        .map(|r| json!({"by": r.by, "at": r.at.map(format_millis)}))
        .collect()
}

/// The SARIF 2.1.0 results of one commit's note: every AI range outside
/// `exempt` paths. What the policy blocks ([`Policy::what_blocks`]) is
/// `kind: fail` with the policy's severity as `level`; what it accepts
/// (reviewed as required, or needing no review) is `kind: pass`, `level:
/// none` (SARIF 2.1.0 §3.27.10: `level` is `none` whenever `kind` is not
/// `fail`) with an accepted external suppression saying why.
pub fn sarif_results(c: &CommitInfo, n: &Note, policy: &Policy) -> Vec<Value> {
    let level = policy.severity.as_str();
    let mut results = Vec::new();
    for (path, file) in &n.lines {
        if policy.is_exempt(path) {
            continue;
        }
        for j in policy.what_blocks(path, file, None, Some(&c.author)) {
            let (s, e, a) = (j.start_line, j.end_line, &j.attr);
            let what = match a.origin {
                LineOrigin::Mixed => "AI-written code edited by a person",
                _ => "AI-written code",
            };
            let text = match &j.verdict {
                Verdict::Blocked { reason, .. } => {
                    format!("{what} in commit {}: {reason}", c.short())
                }
                _ => format!("{what} ({}) in commit {}", a.label(), c.short()),
            };
            let mut r = json!({
                "ruleId": "vouch/ai-unreviewed",
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": path},
                    "region": {"startLine": s, "endLine": e},
                }}],
                "partialFingerprints": {"vouch/v1": format!("{}:{path}:{s}-{e}", c.sha)},
                "properties": {"commit": c.sha, "tool": a.tool, "model": a.model, "origin": a.origin},
            });
            let justification = match &j.verdict {
                Verdict::Blocked { .. } => None,
                Verdict::Reviewed => {
                    let by: Vec<String> = a
                        .reviews
                        .iter()
                        .map(|r| match r.at {
                            Some(at) => format!("{} {}", r.by, format_millis(at)),
                            None => r.by.clone(),
                        })
                        .collect();
                    Some(format!("reviewed by {}", by.join(", ")))
                }
                Verdict::NotRequired { why } => Some(why.clone()),
            };
            match justification {
                None => {
                    r["kind"] = json!("fail");
                    r["level"] = json!(level);
                }
                Some(justification) => {
                    r["kind"] = json!("pass");
                    r["level"] = json!("none");
                    r["suppressions"] = json!([{
                        "kind": "external",
                        "status": "accepted",
                        "justification": justification,
                    }]);
                }
            }
            results.push(r);
        }
    }
    results
}

/// The SARIF log around the results (`runs[0].results` empty).
pub fn sarif_log() -> Value {
    json!({
        "version": "2.1.0",
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "vouch",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": "vouch/ai-unreviewed",
                    "name": "UnreviewedAiCode",
                    "shortDescription": {"text": "AI-written code that no person has reviewed"},
                    "help": {"text": "Review the lines (`vouch review PATH:START-END` or the editor action)."},
                }],
            }},
            "results": [],
        }],
    })
}
