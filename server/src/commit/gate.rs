//! The pre-commit gate: the working-tree attribution mapped onto the staged
//! content (the index git is about to commit, `GIT_INDEX_FILE` honoured).

use std::collections::HashSet;

use super::CommitError;
use super::lines::{self, CommitLines, LineAttr};
use super::policy::Policy;
use crate::git::Git;
use crate::ledger::Ledger;
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

/// The working-tree ledgers of `paths` that hold AI text, tracked files only.
pub fn ai_ledgers(
    service: &Service,
    paths: &[String],
) -> Result<Vec<(String, Ledger)>, CommitError> {
    let tracked: HashSet<String> = service.store.paths()?.into_iter().collect();
    let mut out = Vec::new();
    for path in paths.iter().filter(|p| tracked.contains(*p)) {
        let Some(ledger) = service.current(path)? else {
            continue;
        };
        if ledger.regions().is_empty() {
            continue;
        }
        out.push((path.clone(), ledger));
    }
    Ok(out)
}

/// Maps each ledger onto the version of its file named `<rev>:<path>` (`rev`
/// empty for the index) and returns the AI lines of those versions.
pub fn lines_at(
    git: &Git,
    rev: &str,
    ledgers: Vec<(String, Ledger)>,
) -> Result<CommitLines, CommitError> {
    let specs: Vec<String> = ledgers.iter().map(|(p, _)| format!("{rev}:{p}")).collect();
    let blobs = git.read_objects(&specs)?;
    let mut out = CommitLines::new();
    for ((path, mut ledger), blob) in ledgers.into_iter().zip(blobs) {
        let Some(text) = blob.and_then(|b| String::from_utf8(b).ok()) else {
            continue;
        };
        ledger.reconcile(&text);
        let file = lines::from_ledger(&ledger);
        if !file.is_empty() {
            out.insert(path, file);
        }
    }
    Ok(out)
}

/// The AI lines of the staged content.
pub fn staged_lines(service: &Service, git: &Git) -> Result<CommitLines, CommitError> {
    let staged = git.staged_paths()?;
    let ledgers = ai_ledgers(service, &staged)?;
    lines_at(git, "", ledgers)
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
