//! Sharing notes through `origin`.
//!
//! Both refs are shared the same way: the provenance notes (`refs/notes/vouch`)
//! and the signed approvals (`refs/notes/vouch-approvals`).
//!
//! - `git fetch` brings the remote's notes into a remote-tracking ref
//!   (`+refs/notes/vouch:refs/notes/remotes/origin/vouch`), never over the
//!   local notes; readers see both at once.
//! - Before `git push`, the pre-push hook fetches the remote's notes, merges
//!   them into the local ref (`git notes merge -s cat_sort_uniq`: concurrent
//!   records for the same commit are both kept) and pushes the result
//!   without force. `remote.origin.push` is left alone on purpose: setting it
//!   would change what a plain `git push` pushes.

use super::CommitError;
use super::notes::Notes;
use crate::git::Git;

pub const REMOTE: &str = "origin";

/// The fetch refspec for `remote`'s notes. The approvals ref's is a pattern
/// (`+refs/notes/vouch-approvals*:…`), so that `git fetch` does not fail
/// while the remote has no approvals yet.
pub(crate) fn fetch_refspec(notes: &Notes<'_>, remote: &str) -> String {
    if notes.ref_name == super::notes::APPROVALS_REF {
        return format!("+{}*:{}*", notes.ref_name, notes.tracking_ref(remote));
    }
    format!("+{}:{}", notes.ref_name, notes.tracking_ref(remote))
}

/// Configures `origin` for every shared ref (see [`Notes::all`]).
pub fn configure_all(git: &Git) -> Result<Vec<String>, CommitError> {
    let mut changes = Vec::new();
    for notes in Notes::all(git)? {
        changes.extend(configure(git, &notes)?);
    }
    Ok(changes)
}

/// Undoes [`configure_all`].
pub fn unconfigure_all(git: &Git) -> Result<Vec<String>, CommitError> {
    let mut changes = Vec::new();
    for notes in Notes::all(git)? {
        changes.extend(unconfigure(git, &notes)?);
    }
    Ok(changes)
}

/// Configures `origin` (when it exists); returns the changes made.
pub(crate) fn configure(git: &Git, notes: &Notes<'_>) -> Result<Vec<String>, CommitError> {
    let mut changes = Vec::new();
    let strategy_key = format!("notes.{}.mergeStrategy", notes.short());
    if git.config(&strategy_key)?.is_none() {
        git.run(&["config", &strategy_key, "cat_sort_uniq"])?;
        changes.push(format!("set {strategy_key} = cat_sort_uniq"));
    }
    if git.config(&format!("remote.{REMOTE}.url"))?.is_none() {
        return Ok(changes);
    }
    let key = format!("remote.{REMOTE}.fetch");
    let spec = fetch_refspec(notes, REMOTE);
    if !git.config_all(&key)?.contains(&spec) {
        git.run(&["config", "--add", &key, &spec])?;
        changes.push(format!("added {key} = {spec}"));
    }
    Ok(changes)
}

/// Undoes [`configure`].
pub(crate) fn unconfigure(git: &Git, notes: &Notes<'_>) -> Result<Vec<String>, CommitError> {
    let mut changes = Vec::new();
    let key = format!("remote.{REMOTE}.fetch");
    let spec = fetch_refspec(notes, REMOTE);
    if git.config_all(&key)?.contains(&spec) {
        git.run(&["config", "--fixed-value", "--unset-all", &key, &spec])?;
        changes.push(format!("removed {key} = {spec}"));
    }
    let strategy_key = format!("notes.{}.mergeStrategy", notes.short());
    if git.config(&strategy_key)?.as_deref() == Some("cat_sort_uniq") {
        git.run(&["config", "--unset", &strategy_key])?;
        changes.push(format!("removed {strategy_key}"));
    }
    Ok(changes)
}

/// Whether `remote` is set up to carry notes (its fetch refspec is configured).
pub(crate) fn carries_notes(
    git: &Git,
    notes: &Notes<'_>,
    remote: &str,
) -> Result<bool, CommitError> {
    Ok(git
        .config_all(&format!("remote.{remote}.fetch"))?
        .contains(&fetch_refspec(notes, remote)))
}

/// Fetches `remote`'s notes, merges them into ours, and pushes ours without
/// force, retrying when someone pushed in between. Returns a message for
/// the user when something could not be done (pushing notes never fails the
/// user's push).
/// `pushing` names the remote refs the user's own push updates (pre-push's
/// input): a notes ref among them is left to that push.
pub fn sync(git: &Git, remote: &str, pushing: &[String]) -> Result<Option<String>, CommitError> {
    let mut problems = Vec::new();
    for notes in Notes::all(git)? {
        if pushing.contains(&notes.ref_name) {
            continue;
        }
        if let Some(p) = sync_ref(git, &notes, remote)? {
            problems.push(p);
        }
    }
    Ok((!problems.is_empty()).then(|| problems.join("; ")))
}

/// [`sync`] for one notes ref.
fn sync_ref(git: &Git, notes: &Notes<'_>, remote: &str) -> Result<Option<String>, CommitError> {
    if !carries_notes(git, notes, remote)? {
        return Ok(None);
    }
    push_ref(git, notes, remote)
}

/// How many times a rejected notes push is retried (fetch, merge, push).
pub(crate) const PUSH_ATTEMPTS: u32 = 8;

/// Pushes `notes` to `remote` without force. A push rejected because someone
/// else pushed in between is retried: fetch theirs into the remote-tracking
/// ref, merge (`cat_sort_uniq`: records merge as a set), push again, at most
/// [`PUSH_ATTEMPTS`] times with a growing pause. Returns a message when it
/// could not push.
pub(crate) fn push_ref(
    git: &Git,
    notes: &Notes<'_>,
    remote: &str,
) -> Result<Option<String>, CommitError> {
    if git.commit_id(&notes.ref_name)?.is_none() {
        return Ok(None); // nothing of ours to push
    }
    let tracking = notes.tracking_ref(remote);
    let fetch_spec = fetch_refspec(notes, remote);
    let push_spec = format!("{0}:{0}", notes.ref_name);
    let mut last = String::new();
    for attempt in 0..PUSH_ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(backoff(attempt));
        }
        let fetched = git.output(&["fetch", "--no-write-fetch-head", "-q", remote, &fetch_spec])?;
        if !fetched.status.success() {
            let msg = String::from_utf8_lossy(&fetched.stderr);
            // A remote without notes yet is fine; anything else is reported.
            if !msg.contains("couldn't find remote ref") {
                return Ok(Some(format!(
                    "could not fetch notes from {remote}: {}",
                    msg.trim()
                )));
            }
        } else {
            notes.merge_from(&tracking)?;
        }
        let pushed = git.output(&["push", "--no-verify", "-q", remote, &push_spec])?;
        if pushed.status.success() {
            return Ok(None);
        }
        last = String::from_utf8_lossy(&pushed.stderr).trim().to_owned();
    }
    Ok(Some(format!(
        "could not push notes to {remote}: {}",
        last.replace('\n', " ")
    )))
}

/// A pause before retry `attempt` (1-based): 50 ms doubling, plus up to as
/// much again drawn from the clock and the process id, so two clones that
/// collided do not collide again in step.
fn backoff(attempt: u32) -> std::time::Duration {
    let base = 50u64 << attempt.min(5);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64)
        ^ u64::from(std::process::id()).wrapping_mul(0x9e37_79b9);
    std::time::Duration::from_millis(base + seed % base)
}

/// Merges every remote-tracking notes ref (`refs/notes/remotes/*/vouch`,
/// `…/vouch-approvals*`) that moved since it was last merged into the local
/// ref: what `git fetch` brought, merged by the next hook that runs (`git
/// pull`'s post-merge or post-rewrite, a branch switch's post-checkout,
/// pre-push). One `git for-each-ref` when nothing moved: the tips merged are
/// remembered in `<git dir>/vouch/notes-merged`. Returns the refs merged.
pub fn merge_all_fetched(git: &Git, git_dir: &std::path::Path) -> Result<Vec<String>, CommitError> {
    let tips = git.text(&[
        "for-each-ref",
        "--format=%(objectname) %(refname)",
        "refs/notes/remotes/",
    ])?;
    let memo = git_dir.join("vouch").join("notes-merged");
    let known = std::fs::read_to_string(&memo).unwrap_or_default();
    let moved: String = tips
        .lines()
        .filter(|l| !known.lines().any(|k| k == *l))
        .map(|l| format!("0 {l}\n"))
        .collect();
    if moved.is_empty() {
        return Ok(Vec::new());
    }
    let merged = merge_fetched(git, &moved)?;
    if memo.parent().is_some_and(std::path::Path::is_dir) {
        // Only a cache: failing to write it means merging again next time.
        let _ = std::fs::write(&memo, &tips);
    }
    Ok(merged)
}

/// After `git fetch` stored a remote's notes in its remote-tracking ref
/// (reference-transaction hook input: `old new ref` lines), merges them into
/// the local notes ref. Returns the refs merged.
pub fn merge_fetched(git: &Git, input: &str) -> Result<Vec<String>, CommitError> {
    let mut merged = Vec::new();
    for notes in Notes::all(git)? {
        let suffix = format!("/{}", notes.short());
        for line in input.lines() {
            let mut parts = line.split_whitespace();
            let (Some(_old), Some(new), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if !name.starts_with("refs/notes/remotes/")
                || !name.ends_with(&suffix)
                || new.bytes().all(|b| b == b'0')
            {
                continue;
            }
            if notes.merge_from(name)? {
                merged.push(name.to_owned());
            }
        }
    }
    Ok(merged)
}
