//! The pre-commit gate: the attribution of the staged content (the index
//! git is about to commit, `GIT_INDEX_FILE` honoured), decided by
//! [`super::blob`], checked against the policy.

use std::collections::HashMap;

use super::CommitError;
use super::lines::CommitLines;
use super::policy::{Policy, Verdict};
use crate::git::Git;
use crate::service::Service;

/// A range of staged AI lines that does not count as reviewed.
#[derive(Clone, Debug)]
pub struct Finding {
    pub path: String,
    /// 1-based lines of the staged version, inclusive.
    pub start_line: usize,
    pub end_line: usize,
    pub reason: String,
}

/// The staged text of each of `paths` (`None` where it is not UTF-8 or not staged).
pub fn staged_texts(git: &Git, paths: &[&str]) -> Result<HashMap<String, String>, CommitError> {
    let specs: Vec<String> = paths.iter().map(|p| format!(":{p}")).collect();
    let blobs = git.read_objects(&specs)?;
    Ok(paths
        .iter()
        .zip(blobs)
        .filter_map(|(p, b)| Some(((*p).to_owned(), String::from_utf8(b?).ok()?)))
        .collect())
}

/// The AI lines of the staged content.
pub fn staged_lines(service: &Service, git: &Git) -> Result<CommitLines, CommitError> {
    let (changes, brought) = staged_changes(service, git)?;
    super::blob::lines_at(service, git, Some("HEAD"), &changes, &brought)
}

/// [`staged_lines`] as the installed pre-commit hook asks it: the answer
/// is also taught to the store (as post-commit would teach it right after,
/// while the search for moved text the gate just did is still in this
/// process) and kept for the post-commit hook of the commit the gate lets
/// through ([`super::gated`]), which then does neither again. Failing to
/// teach or keep it changes nothing but how long post-commit takes; a merge
/// being concluded is left to post-commit.
pub fn staged_lines_for_commit(
    service: &mut Service,
    git: &Git,
) -> Result<CommitLines, CommitError> {
    let (changes, brought) = staged_changes(service, git)?;
    let mut found = super::blob::attribute(service, git, Some("HEAD"), &changes, &brought)?;
    if brought.is_empty()
        && let Ok(Some(base)) = git.commit_id("HEAD")
        && let Err(e) = keep_for_commit(service, git, &base, &changes, &mut found)
    {
        eprintln!(
            "vouch: warning: cannot keep the gate's answer for post-commit: {}",
            crate::untrusted::escape(&e.to_string())
        );
    }
    Ok(found.lines)
}

/// Teaches the store `found` (a store on disk only: the gate creates
/// none) and keeps it for post-commit, the files taught counted settled:
/// teaching them again would change nothing.
fn keep_for_commit(
    service: &mut Service,
    git: &Git,
    base: &str,
    changes: &[crate::git::Change],
    found: &mut super::blob::Attributed,
) -> Result<(), CommitError> {
    if service.store.is_on_disk() {
        let taught = super::record::teach_store(service, changes, &found.lines, &found.settled)?;
        found.settled.extend(taught);
    }
    super::gated::keep(service, git, base, changes, found)
}

/// The staged changes, and the commits a merge being concluded brings in.
fn staged_changes(
    service: &Service,
    git: &Git,
) -> Result<(Vec<crate::git::Change>, Vec<String>), CommitError> {
    let changes = git.staged_changes()?;
    // Concluding a merge: the commits it brings in (git asked only when
    // the worktree's `MERGE_HEAD` file is there).
    let merging = super::record::worktree_files(service, git, &["MERGE_HEAD"])?
        .iter()
        .any(|p| p.exists());
    let brought = match merging
        .then(|| git.commit_id("MERGE_HEAD"))
        .transpose()?
        .flatten()
    {
        Some(incoming) if git.commit_id("HEAD")?.is_some() => {
            super::blob::brought_by(git, "HEAD", &incoming)?
        }
        _ => Vec::new(),
    };
    Ok((changes, brought))
}

/// The ranges of `lines` that break `policy`, as [`Policy::what_blocks`]
/// says (exempt paths, `require = false` and ignored noise never block).
/// `text_of(path)` gives the text the lines describe, when known, so a range
/// runs across blank lines.
pub fn findings(
    lines: &CommitLines,
    policy: &Policy,
    author: Option<&str>,
    text_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, file) in lines {
        let text = if file.len() > 1 { text_of(path) } else { None };
        for j in policy.what_blocks(path, file, text.as_deref(), author) {
            if let Verdict::Blocked { reason, .. } = j.verdict {
                out.push(Finding {
                    path: path.clone(),
                    start_line: j.start_line,
                    end_line: j.end_line,
                    reason,
                });
            }
        }
    }
    out
}

/// The identity git will record as the author (`Name <email>`), if known.
pub fn author_ident(git: &Git) -> Option<String> {
    let out = git.try_run(&["var", "GIT_AUTHOR_IDENT"]).ok()??;
    let s = String::from_utf8_lossy(&out);
    let s = s.trim();
    // `Name <email> 1700000000 +0000`: drop the time and zone.
    let end = s.rfind('>')?;
    Some(s[..=end].to_owned())
}
