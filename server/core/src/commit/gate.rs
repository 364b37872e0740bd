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
    let staged = staged_changes(service, git)?;
    super::blob::lines_at(service, git, Some("HEAD"), &staged.changes, &staged.brought)
}

/// [`staged_lines`] as the installed pre-commit hook asks it: the store is
/// also taught the staged text of each file whose working tree holds it,
/// with the attribution just worked out (what post-commit would teach it
/// right after, while this process still has the search for moved text in
/// hand). Post-commit then finds those files committed as the very text of
/// their record and takes their lines from it, as for any file an editor
/// kept recorded; it never takes an answer from the gate. Nothing is taught
/// into a store that does not exist yet (the gate creates none), while a
/// merge is being concluded or a rebase runs (post-commit writes no note
/// then: post-rewrite carries the notes), or when the commit adds, changes,
/// moves or deletes other tools' trace file, which post-commit reads at the
/// new commit. Failing to teach (or to tell whether a rebase runs) only
/// costs post-commit the search again.
pub fn staged_lines_for_commit(
    service: &mut Service,
    git: &Git,
) -> Result<CommitLines, CommitError> {
    let staged = staged_changes(service, git)?;
    let changes = &staged.changes;
    let found = super::blob::attribute(service, git, Some("HEAD"), changes, &staged.brought)?;
    let teach = service.store.is_on_disk()
        && !staged.merging
        && !changes.iter().any(|c| {
            c.path == super::notes::TRACE_FILE
                || c.from.as_deref() == Some(super::notes::TRACE_FILE)
        })
        && !staged.deleted.iter().any(|p| p == super::notes::TRACE_FILE)
        && !super::record::in_rebase(service, git).unwrap_or(true);
    if teach
        && let Err(e) = super::record::teach_store(service, changes, &found.lines, &found.settled)
    {
        eprintln!(
            "vouch: warning: the gate could not teach the store the staged text: {}",
            crate::untrusted::escape(&e.to_string())
        );
    }
    Ok(found.lines)
}

/// What the gate attributes: the staged changes, and whether a merge is
/// being concluded with the commits it brings in.
struct Staged {
    changes: Vec<crate::git::Change>,
    /// Paths the index deletes.
    deleted: Vec<String>,
    merging: bool,
    brought: Vec<String>,
}

fn staged_changes(service: &Service, git: &Git) -> Result<Staged, CommitError> {
    let (changes, deleted) = git.staged_changes_and_deletions()?;
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
    Ok(Staged {
        changes,
        deleted,
        merging,
        brought,
    })
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
