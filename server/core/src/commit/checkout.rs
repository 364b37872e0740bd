//! After `git checkout` / `git switch`: keep the attribution of the texts the
//! working tree just left, and bring back the attribution of texts it
//! returns to (the store remembers states by path and text).

use std::collections::HashSet;

use super::CommitError;
use super::lines::{FileLines, LineAttr};
use crate::git::{Git, split_z};
use crate::ledger::LineOrigin;
use crate::service::Service;
use crate::store::{Move, StoredFile};

/// After a rebase has finished: the working tree now holds the rebased
/// versions, while the store still holds the pre-rebase texts (post-checkout
/// does nothing during a rebase). Each tracked file whose text on disk
/// differs is brought to it (an exact earlier state, else by diff, which
/// keeps AI lines the upstream changes only moved), plus the AI lines the
/// notes of the commits that last changed each line record (as `vouch
/// blame` reads them: committed AI text the store no longer held is not
/// made human), and written, so a later branch switch remembers the rebased
/// state rather than the stale one. Returns how many files were updated.
pub fn after_rebase(service: &mut Service, git: &Git) -> Result<usize, CommitError> {
    let mut updated = 0;
    for path in service.store.paths()? {
        let Ok(Some(text)) = service.read_text(&path) else {
            continue;
        };
        // Most files are as stored: told without decoding their records.
        let differs = match service.store.load_raw(&path)? {
            Some(raw) => raw.text != text,
            None => service
                .store
                .load(&path)?
                .is_some_and(|stored| stored.ledger.rope() != text.as_str()),
        };
        if !differs {
            continue;
        }
        let now = crate::ledger::now_millis();
        let from_notes: FileLines = super::blame::blame(service, git, &path)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.commit.is_some() && e.origin != LineOrigin::Human)
            .filter_map(|e| {
                Some((
                    e.line,
                    LineAttr {
                        origin: e.origin,
                        tool: e.tool?,
                        model: e.model,
                        kind: e.kind,
                        reviews: e
                            .reviewer
                            .map(|by| vec![super::lines::Reviewer { by, at: Some(now) }])
                            .unwrap_or_default(),
                        chars: None,
                    },
                ))
            })
            .collect();
        let changed = service.update(&path, |ledger| {
            super::lines::fill_ledger(ledger, &from_notes);
            Ok::<_, CommitError>(Some(()))
        })?;
        updated += usize::from(changed.is_some());
    }
    Ok(updated)
}

/// Handles a checkout from `old` to `new`; returns the paths whose
/// attribution was brought back.
pub fn post_checkout(
    service: &mut Service,
    git: &Git,
    old: &str,
    new: &str,
) -> Result<Vec<String>, CommitError> {
    // Nothing to keep or bring back when the store holds no AI text, in a
    // file's record or an earlier state: decided by one query, before any
    // git process starts.
    if !service.store.holds_ai()? {
        return Ok(Vec::new());
    }
    // A rebase checks out its base first: its post-rewrite hook does the work,
    // and the store must keep the tip's attribution for when the rebase ends.
    if super::record::in_rebase(service, git)? {
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
    // Written in one transaction at the end: each save also remembers the
    // state it replaces; `earlier` are states remembered without a save.
    let mut saves: Vec<(String, crate::ledger::Ledger, Option<StoredFile>)> = Vec::new();
    let mut earlier: Vec<(String, crate::ledger::Ledger)> = Vec::new();
    // Switching back and forth, most files come back to a state they had:
    // their records move between the file's row and its history as
    // stored, not decoded.
    let mut moves: Vec<Move> = Vec::new();
    for path in changed.into_iter().filter(|p| tracked.contains(p)) {
        let Some(text) = service.read_text(&path)? else {
            continue;
        };
        // A record read as stored has no log; when its history has no
        // state of this text either, it is decoded here rather than read
        // again.
        let (stored, back) = match service.store.load_raw(&path)? {
            Some(from) if from.text == text => continue,
            Some(from) => match service.store.recall_raw(&path, &text)? {
                Some(runs) => {
                    restored.push(path.clone());
                    moves.push(Move {
                        path,
                        from,
                        text,
                        runs,
                    });
                    continue;
                }
                None => (from.decode(&path)?, None),
            },
            None => {
                let Some(stored) = service.store.load(&path)? else {
                    continue;
                };
                if *stored.ledger.rope() == text.as_str() {
                    continue;
                }
                let back = service.store.recall(&path, &text)?;
                (stored, back)
            }
        };
        match back {
            Some(back) => {
                saves.push((path.clone(), back, Some(stored)));
                restored.push(path);
            }
            // Another commit's version: keep only the lines it shares with the old
            // one. (Without a commit switch the change is the user's own edit:
            // leave it to the usual reconcile.)
            None if !same_commit => {
                let moved = super::lines::transfer_by_lines(&stored.ledger, &text);
                saves.push((path, moved, Some(stored)));
            }
            None => earlier.push((path, stored.ledger)),
        }
    }
    service.store.save_all(&saves, &moves, &earlier)?;
    Ok(restored)
}
