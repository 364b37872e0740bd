//! `vouch ci post-merge`: forges squash-merge and rebase-merge on their
//! servers, where no hooks run, so the commits that land on the target branch
//! have no notes. This maps the pull request's notes onto them by content
//! (each file's lines carried through the diff, as after a local rebase) and
//! pushes the notes. Approvals need no copying: they are bound to the lines'
//! text, not to commits (docs/sign-off.md).

use super::CommitError;
use super::notes::Notes;
use super::record::post_rewrite;
use super::remote;
use crate::git::Git;

/// How the pull request landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
    /// Its commits themselves are on the target (a merge commit or a
    /// fast-forward): their notes apply as they are.
    Merged,
    /// One new commit holds all of it.
    Squashed,
    /// New commits, one per pull-request commit.
    Rebased,
    /// New commits that do not pair one to one with the pull request's.
    Rewritten,
    /// Nothing landed between B and M.
    Nothing,
}

impl Landing {
    pub fn as_str(self) -> &'static str {
        match self {
            Landing::Merged => "merge",
            Landing::Squashed => "squash merge",
            Landing::Rebased => "rebase merge",
            Landing::Rewritten => "rewritten merge",
            Landing::Nothing => "nothing landed",
        }
    }
}

/// What `post_merge` did.
#[derive(Clone, Debug)]
pub struct PostMerge {
    pub landing: Landing,
    /// Landed commits (first-parent, oldest first) that got a note.
    pub written: Vec<String>,
    /// The pull request's commits the notes came from.
    pub sources: usize,
}

fn commit(git: &Git, what: &str, rev: &str) -> Result<String, CommitError> {
    git.commit_id(rev)?
        .ok_or_else(|| CommitError::Other(format!("{what} {rev}: no such commit")))
}

/// `git rev-list` of `args`, oldest first.
fn rev_list(git: &Git, args: &[&str]) -> Result<Vec<String>, CommitError> {
    let mut all = vec!["rev-list", "--reverse"];
    all.extend_from_slice(args);
    Ok(git
        .text(&all)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Writes notes for the commits that landed on the target branch between
/// `base` (before the merge) and `merged` (after it), from the pull request
/// whose head was `head`. Does not push.
pub fn post_merge(
    git: &Git,
    base: &str,
    head: &str,
    merged: &str,
) -> Result<PostMerge, CommitError> {
    let base = commit(git, "--base", base)?;
    let head = commit(git, "--head", head)?;
    let merged = commit(git, "--merged", merged)?;
    let landed = rev_list(
        git,
        &[
            "--first-parent",
            "--no-merges",
            &merged,
            &format!("^{base}"),
            "--",
        ],
    )?;
    let is_ancestor = git
        .output(&["merge-base", "--is-ancestor", &head, &merged])?
        .status
        .success();
    if is_ancestor {
        return Ok(PostMerge {
            landing: Landing::Merged,
            written: Vec::new(),
            sources: 0,
        });
    }
    if landed.is_empty() {
        return Ok(PostMerge {
            landing: Landing::Nothing,
            written: Vec::new(),
            sources: 0,
        });
    }
    // The pull request's own commits: from where it forked off the target.
    let fork = git
        .try_run(&["merge-base", &base, &head])?
        .map(|o| String::from_utf8_lossy(&o).trim().to_owned())
        .filter(|s| !s.is_empty());
    let mut args = vec!["--no-merges", head.as_str()];
    let not = fork.as_ref().map(|f| format!("^{f}"));
    if let Some(n) = &not {
        args.push(n);
    }
    args.push("--");
    let sources = rev_list(git, &args)?;
    let notes = Notes::new(git)?;
    let existing = notes.read(&landed)?;
    let (landing, pairs): (Landing, Vec<(String, String)>) = if landed.len() == 1 {
        (
            Landing::Squashed,
            sources
                .iter()
                .map(|s| (s.clone(), landed[0].clone()))
                .collect(),
        )
    } else if landed.len() == sources.len() {
        (
            Landing::Rebased,
            sources
                .iter()
                .cloned()
                .zip(landed.iter().cloned())
                .collect(),
        )
    } else {
        // Every source onto every landed commit; each keeps only the lines
        // that are unchanged between the two versions of a file.
        (
            Landing::Rewritten,
            landed
                .iter()
                .flat_map(|l| sources.iter().map(move |s| (s.clone(), l.clone())))
                .collect(),
        )
    };
    // A landed commit that already has a note (a local merge through the
    // hooks) is left alone.
    let pairs: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(_, new)| !existing.contains_key(new))
        .collect();
    post_rewrite(git, &pairs)?;
    let after = notes.read(&landed)?;
    let written = landed
        .iter()
        .filter(|c| !existing.contains_key(*c) && after.contains_key(*c))
        .cloned()
        .collect();
    Ok(PostMerge {
        landing,
        written,
        sources: sources.len(),
    })
}

/// Pushes the provenance notes to `remote` (fetch, merge as a set, retry).
pub fn push_notes(git: &Git, remote_name: &str) -> Result<(), CommitError> {
    let notes = Notes::new(git)?;
    match remote::push_ref(git, &notes, remote_name)? {
        None => Ok(()),
        Some(problem) => Err(CommitError::Other(problem)),
    }
}
