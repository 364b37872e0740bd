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
    super::blob::lines_at(service, git, Some("HEAD"), &changes, &brought)
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
