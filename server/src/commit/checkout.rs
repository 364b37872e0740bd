//! After `git checkout` / `git switch`: keep the attribution of the texts the
//! working tree just left, and bring back the attribution of texts it
//! returns to (the store remembers states by path and text).

use std::collections::HashSet;

use super::CommitError;
use crate::git::{Git, split_z};
use crate::service::Service;

/// Handles a checkout from `old` to `new`; returns the paths whose
/// attribution was brought back.
pub fn post_checkout(
    service: &mut Service,
    git: &Git,
    old: &str,
    new: &str,
) -> Result<Vec<String>, CommitError> {
    // A rebase checks out its base first: its post-rewrite hook does the work,
    // and the store must keep the tip's attribution for when the rebase ends.
    if super::record::in_rebase(git)? {
        return Ok(Vec::new());
    }
    let tracked: HashSet<String> = service.store.paths()?.into_iter().collect();
    if tracked.is_empty() {
        return Ok(Vec::new());
    }
    let same_commit = old.bytes().all(|b| b == b'0') || old == new;
    let changed = if same_commit {
        // A fresh clone or a checkout of the same commit: look at every tracked file.
        tracked.iter().cloned().collect()
    } else {
        split_z(&git.run(&["diff", "--name-only", "-z", "--no-renames", old, new])?)
    };
    let mut restored = Vec::new();
    for path in changed.into_iter().filter(|p| tracked.contains(p)) {
        let Some(stored) = service.store.load(&path)? else {
            continue;
        };
        let Some(text) = service.read_text(&path)? else {
            continue;
        };
        if stored.ledger.text() == text {
            continue;
        }
        service.store.remember(&path, &stored.ledger)?;
        match service.store.recall(&path, &text)? {
            Some(back) => {
                service.store.save(&path, &back)?;
                restored.push(path);
            }
            // Another commit's version: keep only the lines it shares with the old
            // one. (Without a commit switch the change is the user's own edit:
            // leave it to the usual reconcile.)
            None if !same_commit => {
                let moved = super::lines::transfer_by_lines(&stored.ledger, &text);
                service.store.save(&path, &moved)?;
            }
            None => {}
        }
    }
    Ok(restored)
}
