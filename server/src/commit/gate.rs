//! The pre-commit gate: the attribution of the staged content (the index
//! git is about to commit, `GIT_INDEX_FILE` honoured), decided by
//! [`super::blob`], checked against the policy.

use super::CommitError;
use super::lines::{CommitLines, LineAttr};
use super::policy::Policy;
use crate::git::Git;
use crate::service::Service;

/// A staged AI line that does not count as reviewed.
#[derive(Clone, Debug)]
pub struct Finding {
    pub path: String,
    /// 1-based line of the staged version.
    pub line: usize,
    pub attr: LineAttr,
    pub reason: String,
}

/// The AI lines of the staged content.
pub fn staged_lines(service: &Service, git: &Git) -> Result<CommitLines, CommitError> {
    let changes = git.staged_changes()?;
    // Concluding a merge: the commits it brings in.
    let brought = match git.commit_id("MERGE_HEAD")? {
        Some(incoming) if git.commit_id("HEAD")?.is_some() => {
            super::blob::brought_by(git, "HEAD", &incoming)?
        }
        _ => Vec::new(),
    };
    super::blob::lines_at(service, git, Some("HEAD"), &changes, &brought)
}

/// The staged lines that break `policy` (exempt paths skipped).
pub fn findings(lines: &CommitLines, policy: &Policy, author: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    if !policy.require {
        return out;
    }
    for (path, file) in lines {
        if policy.is_exempt(path) {
            continue;
        }
        for (&line, attr) in file {
            if let Some(reason) = policy.unmet(path, attr, author) {
                out.push(Finding {
                    path: path.clone(),
                    line,
                    attr: attr.clone(),
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
