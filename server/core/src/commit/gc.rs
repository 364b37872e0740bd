//! Dropping the notes of commits that history rewrites left behind (amend,
//! rebase, a deleted branch): `vouch gc`, and cheaply from the post-rewrite
//! hook for the commits it just rewrote.
//!
//! A commit is reachable when some ref other than a notes ref (branches,
//! tags, remote-tracking branches, the stash), or the `HEAD` of any worktree,
//! leads to it; reflogs do not count. Only the local notes ref is changed:
//! fetched copies (`refs/notes/remotes/…`) are the remote's.

use std::collections::HashSet;

use super::CommitError;
use super::notes::Notes;
use crate::git::Git;

/// `rev-list` arguments naming every ref except notes refs, plus `HEAD`s.
const ALL_BUT_NOTES: [&str; 2] = ["--exclude=refs/notes/*", "--all"];

/// Removes the local notes of commits no reachable ref leads to. Returns the
/// commits whose notes were removed, sorted.
pub fn gc(git: &Git) -> Result<Vec<String>, CommitError> {
    let notes = Notes::new(git)?;
    let annotated = notes.local_annotated()?;
    if annotated.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = vec!["rev-list"];
    args.extend(ALL_BUT_NOTES);
    let reachable: HashSet<String> = git.text(&args)?.lines().map(str::to_owned).collect();
    let mut gone: Vec<String> = annotated
        .into_iter()
        .filter(|c| !reachable.contains(c))
        .collect();
    gone.sort();
    notes.remove(&gone)?;
    Ok(gone)
}

/// Among `commits` (e.g. the old side of a rewrite), removes the local notes
/// of those no longer reachable. Walks only from `commits` until history
/// that refs reach, and lists no notes (a repository may hold tens of
/// thousands): the unreachable ones are removed with `--ignore-missing`,
/// and git writes no notes commit when none of them had a note. Returns
/// how many of `commits` were unreachable.
pub fn drop_unreachable(git: &Git, commits: &[String]) -> Result<usize, CommitError> {
    // Object names only: nothing else reaches git's command line.
    let candidates: Vec<&str> = commits
        .iter()
        .map(String::as_str)
        .filter(|c| c.len() >= 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if candidates.is_empty() {
        return Ok(0);
    }
    let notes = Notes::new(git)?;
    let mut args = vec!["rev-list", "--ignore-missing"];
    args.extend(candidates.iter().copied());
    args.push("--not");
    args.extend(ALL_BUT_NOTES);
    let walked: HashSet<String> = git.text(&args)?.lines().map(str::to_owned).collect();
    let gone: Vec<String> = candidates
        .into_iter()
        .filter(|c| walked.contains(*c))
        .map(str::to_owned)
        .collect();
    notes.remove(&gone)?;
    Ok(gone.len())
}
