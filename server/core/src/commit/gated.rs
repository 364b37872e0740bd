//! What the pre-commit gate decided, kept for the post-commit hook of the
//! commit it lets through. Both attribute the same staged files against the
//! same base; post-commit used to do it all again (about half of a
//! commit's hook time when files were edited outside an editor). The gate
//! (`vouch check --staged --for-commit`, what the installed hook runs)
//! keeps its answer in `<git dir>/vouch/gated.json`; the next post-commit
//! takes it (removing the file whatever it finds) and uses it only when
//! nothing it was worked out from has changed:
//!
//! - the commit's first parent is the commit the gate compared with, and
//!   the commit is no merge;
//! - the commit changes exactly the files the gate saw (path, rename
//!   source, blob);
//! - the store is at the generation the gate read (no write since);
//! - every notes ref points where it pointed.
//!
//! Otherwise post-commit attributes the commit itself, as before. The
//! note written is the gate's answer either way: what the gate let through
//! is what the note records.

use std::collections::HashSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::CommitError;
use super::blob::Attributed;
use super::lines::CommitLines;
use crate::git::{Change, Git};
use crate::service::Service;

/// Bumped when the file's meaning changes: another version is ignored.
const VERSION: u32 = 1;
/// A kept answer larger than this is not read.
const MAX_BYTES: u64 = 64 * 1024 * 1024;
const FILE: &str = "gated.json";

#[derive(Serialize, Deserialize)]
struct Kept {
    version: u32,
    base: String,
    generation: i64,
    notes: String,
    /// `(path, rename source, new blob)` of every changed file.
    changes: Vec<(String, Option<String>, String)>,
    lines: CommitLines,
    settled: Vec<String>,
}

fn place(service: &Service) -> Option<PathBuf> {
    service
        .workspace
        .git_dir
        .as_ref()
        .map(|_| service.workspace.state_dir().join(FILE))
}

/// Where every notes ref points (one `git for-each-ref`).
fn notes_refs(git: &Git) -> Result<String, CommitError> {
    Ok(git.text(&[
        "for-each-ref",
        "--format=%(objectname) %(refname)",
        "refs/notes/",
    ])?)
}

fn listed(changes: &[Change]) -> Vec<(String, Option<String>, String)> {
    let mut out: Vec<_> = changes
        .iter()
        .map(|c| (c.path.clone(), c.from.clone(), c.new.clone()))
        .collect();
    out.sort();
    out
}

/// Keeps `found`, the gate's attribution of `changes` against the commit
/// `base`, for the next post-commit. Only beside a store that exists (its
/// generation stamps the answer); written whole, then renamed into place.
pub(crate) fn keep(
    service: &Service,
    git: &Git,
    base: &str,
    changes: &[Change],
    found: &Attributed,
) -> Result<(), CommitError> {
    let Some(path) = place(service) else {
        return Ok(());
    };
    // No store yet: nothing to stamp it with (and the gate creates none).
    if !service.store.is_on_disk() {
        return Ok(());
    }
    let generation = service.store.generation()?;
    let mut settled: Vec<String> = found.settled.iter().cloned().collect();
    settled.sort();
    let kept = Kept {
        version: VERSION,
        base: base.to_owned(),
        generation,
        notes: notes_refs(git)?,
        changes: listed(changes),
        lines: found.lines.clone(),
        settled,
    };
    let bytes = serde_json::to_vec(&kept).map_err(|e| CommitError::Other(e.to_string()))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// Takes what the gate kept (the file is removed whatever it holds) and
/// returns it when it answers for this commit: `base` its first parent,
/// `changes` what it changed, `merge` whether it has other parents.
pub(crate) fn take(
    service: &Service,
    git: &Git,
    base: Option<&str>,
    changes: &[Change],
    merge: bool,
) -> Option<Attributed> {
    let path = place(service)?;
    let state = service.workspace.state_dir();
    let read = crate::files::read_regular(&path, &state, MAX_BYTES);
    let _ = std::fs::remove_file(&path);
    let crate::files::Regular::Bytes(bytes) = read.ok()? else {
        return None;
    };
    let kept: Kept = serde_json::from_slice(&bytes).ok()?;
    let fits = kept.version == VERSION
        && !merge
        && base == Some(kept.base.as_str())
        && kept.changes == listed(changes)
        && service.store.generation().ok() == Some(kept.generation)
        && notes_refs(git).ok().as_deref() == Some(kept.notes.as_str());
    if !fits {
        return None;
    }
    // Only files the commit changed; a kept line set of another file
    // would be an error in the file, not an answer.
    let paths: HashSet<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    if !kept.lines.keys().all(|p| paths.contains(p.as_str()))
        || !kept.settled.iter().all(|p| paths.contains(p.as_str()))
    {
        return None;
    }
    Some(Attributed {
        lines: kept.lines,
        settled: kept.settled.into_iter().collect(),
    })
}
