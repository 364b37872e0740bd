//! Writing notes: after a commit (from the working-tree attribution), and
//! after history rewrites (carrying the old commits' notes to the new ones
//! through the diff between the old and the new version of each file).

use std::collections::{HashMap, HashSet};

use super::CommitError;
use super::blob;
use super::lines::{self, CommitLines};
use super::note;
use super::notes::Notes;
use crate::git::{Git, TreeChanges, read_git_file};
use crate::service::Service;

/// What the post-commit hook did.
#[derive(Debug, PartialEq, Eq)]
pub enum PostCommit {
    /// A note was written for this commit, listing this many AI lines.
    Written { commit: String, ai_lines: usize },
    /// A rebase is running: its post-rewrite hook carries the notes.
    InRebase,
    /// No commit (unborn branch).
    NoCommit,
}

/// Whether a rebase is in progress (its commits get notes from post-rewrite).
pub(crate) fn in_rebase(service: &Service, git: &Git) -> Result<bool, CommitError> {
    Ok(
        worktree_files(service, git, &["rebase-merge", "rebase-apply"])?
            .iter()
            .any(|p| p.is_dir()),
    )
}

/// Where the working tree's own git files (`rebase-merge`,
/// `CHERRY_PICK_HEAD`, `MERGE_HEAD`: all kept per worktree) are: in the
/// git directory found when the workspace was opened (`git rev-parse
/// --absolute-git-dir`, the worktree's own), else as `git rev-parse
/// --git-path` says.
pub(crate) fn worktree_files(
    service: &Service,
    git: &Git,
    names: &[&str],
) -> Result<Vec<std::path::PathBuf>, CommitError> {
    match &service.workspace.git_dir {
        Some(dir) => Ok(names.iter().map(|n| dir.join(n)).collect()),
        None => Ok(git.git_paths(names)?),
    }
}

/// The note for `HEAD`: the working-tree attribution of the files it changed,
/// mapped onto their committed versions; after a cherry-pick, plus the picked
/// commit's note carried over.
pub fn post_commit(service: &mut Service, git: &Git) -> Result<PostCommit, CommitError> {
    let paths = worktree_files(
        service,
        git,
        &["rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD"],
    )?;
    if paths[..2].iter().any(|p| p.is_dir()) {
        return Ok(PostCommit::InRebase);
    }
    let Some(head) = git.commit_id("HEAD")? else {
        return Ok(PostCommit::NoCommit);
    };
    // The commit's changes, the notes ref and the commit object (parents
    // and message, one read): three git processes, run side by side.
    let (changes, (object, notes)) = crate::git::side_by_side(
        || git.commit_changes(&head),
        || crate::git::side_by_side(|| commit_object(git, &head), || Notes::new(git)),
    );
    let (changes, notes) = (changes?, notes?);
    let (parents, message) = object?;
    let parent = parents.first().cloned();
    // A merge commit: the commits its other parents bring in.
    let mut brought = Vec::new();
    if let Some(first) = &parent {
        for other in parents.iter().skip(1) {
            brought.extend(blob::brought_by(git, first, other)?);
        }
    }
    let blob::Attributed {
        mut lines,
        mut settled,
    } = blob::attribute(service, git, parent.as_deref(), &changes, &brought)?;
    let mut sources: Vec<String> = Vec::new();
    if let Some(source) = read_git_file(&paths[2])
        && source != head
    {
        sources.push(source);
    }
    // `git merge --squash` then `git commit` (its default message lists the
    // squashed commits, newest first): carry their notes like a cherry-pick's.
    if sources.is_empty() {
        sources.extend(squashed_commits(&message));
    }
    if !sources.is_empty() {
        // Lines carried from the sources may be new to the store.
        settled.clear();
        let old_notes = notes.read_index(&sources)?;
        let pairs: Vec<(String, String)> = sources.into_iter().map(|s| (s, head.clone())).collect();
        for (_, from_source) in carry_many(git, &old_notes, &pairs)?.0 {
            if let Some(from_source) = from_source {
                lines::fill(&mut lines, from_source);
            }
        }
    }
    notes.write(&head, &note::record(&head, &lines))?;
    teach_store(service, &changes, &lines, &settled)?;
    Ok(PostCommit::Written {
        commit: head,
        ai_lines: lines.values().map(|f| f.len()).sum(),
    })
}

/// A commit's parents (in order) and message, read from the commit object.
fn commit_object(git: &Git, commit: &str) -> Result<(Vec<String>, String), CommitError> {
    let raw = git.run(&["cat-file", "commit", commit])?;
    let raw = String::from_utf8_lossy(&raw);
    let (headers, message) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let parents = headers
        .lines()
        .filter_map(|l| l.strip_prefix("parent "))
        .map(|p| p.trim().to_owned())
        .collect();
    Ok((parents, message.to_owned()))
}

/// The commits a `git merge --squash` message lists (`Squashed commit of the
/// following:` then `commit <sha>` lines), newest first; none otherwise.
pub(crate) fn squashed_commits(message: &str) -> Vec<String> {
    if !message.contains("Squashed commit of the following:") {
        return Vec::new();
    }
    message
        .lines()
        .filter_map(|l| l.strip_prefix("commit "))
        .map(str::trim)
        .filter(|s| s.len() >= 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .collect()
}

/// After `git merge` made a merge commit (git runs post-merge, not
/// post-commit): its note, as post-commit writes one, listing the lines the
/// merge brought into the first parent's files (carried AI lines, and
/// conflict resolutions). A fast-forward, or a merge commit that already
/// has a note, is left alone. Returns whether a note was written.
pub fn post_merge(service: &mut Service, git: &Git) -> Result<bool, CommitError> {
    let Some(head) = git.commit_id("HEAD")? else {
        return Ok(false);
    };
    let orig = git.commit_id("ORIG_HEAD")?;
    let first_parent = git.commit_id(&format!("{head}^1"))?;
    let is_merge = git.commit_id(&format!("{head}^2"))?.is_some();
    if !is_merge || orig.is_none() || orig != first_parent {
        return Ok(false);
    }
    let notes = Notes::new(git)?;
    if notes.read(std::slice::from_ref(&head))?.contains_key(&head) {
        return Ok(false);
    }
    Ok(matches!(
        post_commit(service, git)?,
        PostCommit::Written { .. }
    ))
}

/// After git put another commit's text into the index and the working tree
/// without committing (`git merge --squash`, `git checkout REV -- FILE`):
/// the staged text's attribution, as the gate decides it, is taught to the
/// store for each file whose working-tree text is the staged text, so
/// `status`, `check` and `blame` agree with the gate before the commit.
pub fn teach_from_index(service: &mut Service, git: &Git) -> Result<(), CommitError> {
    if git.commit_id("HEAD")?.is_none() {
        return Ok(());
    }
    let changes = git.staged_changes()?;
    if changes.is_empty() {
        return Ok(());
    }
    let found = blob::attribute(service, git, Some("HEAD"), &changes, &[])?;
    teach_store(service, &changes, &found.lines, &found.settled)
}

/// After a commit whose note knows AI lines the store did not (text taken
/// from another commit's version: a squash merge, a checkout or restore of
/// a file from another revision, a patch), the store learns them for each
/// file whose working-tree text is the committed text, so `status`,
/// `check` and `blame` agree with the note. A record holding an older text
/// (the file was edited by hand since a vouch command last wrote it) is
/// brought to the committed text too: a branch switch remembers the
/// record as the state it leaves, and must find it again on coming back.
/// Files in `settled` (committed as the very text of their record, whose
/// AI lines the note took from it) are skipped: nothing would change.
/// Files are taught 64 to a store transaction, each looked up (its
/// sources searched) just before its chunk is written: a file that cannot
/// be read fails the lesson from its chunk on; one another process wrote
/// meanwhile is looked up again.
pub(crate) fn teach_store(
    service: &mut Service,
    changes: &[crate::git::Change],
    lines: &CommitLines,
    settled: &HashSet<String>,
) -> Result<(), CommitError> {
    // The committed text of each file to teach (its blob name).
    let committed: HashMap<&str, &str> = lines
        .keys()
        .filter(|p| !settled.contains(*p))
        .filter_map(|p| {
            let change = changes.iter().find(|c| &c.path == p)?;
            Some((p.as_str(), change.new.as_str()))
        })
        .collect();
    let taught: Vec<String> = lines
        .keys()
        .filter(|p| committed.contains_key(p.as_str()))
        .cloned()
        .collect();
    service.update_each(&taught, |path, ledger, stale| {
        // Looked up just before its chunk is written: a file whose disk no
        // longer holds the committed text (edited since) is left to the
        // usual reconcile (the note's line numbers are the committed
        // text's).
        if committed.get(path).copied()
            != Some(crate::git::sha1_blob_id(ledger.text().as_bytes()).as_str())
        {
            return Ok(false);
        }
        let marked = lines
            .get(path)
            .map_or(0, |file| lines::fill_ledger(ledger, file));
        Ok::<_, CommitError>(marked > 0 || stale)
    })
}

/// Parses post-rewrite's stdin: `old new [extra]` per line.
pub fn parse_rewrites(input: &str) -> Vec<(String, String)> {
    input
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect()
}

/// What [`carry_many`] gives: for each pair `(old, new)`, the old commit's
/// note lines carried onto `new` (`None` when `old` has no note); and the
/// line count of each version read (`REV:PATH` → lines).
type Carried = (Vec<(String, Option<CommitLines>)>, HashMap<String, usize>);

/// Carries the notes of the pairs' old commits onto their new ones.
/// `old_notes` are the old commits' notes parsed, not yet bounded: each
/// file's lines are bounded below by the old version read here anyway (no
/// line count asked of git apart).
fn carry_many(
    git: &Git,
    old_notes: &HashMap<String, note::ParsedNote>,
    pairs: &[(String, String)],
) -> Result<Carried, CommitError> {
    // Which objects to read, from one `diff-tree` over the pairs: a
    // rebase's picked commits mostly differ from their originals only in
    // files they did not change, so a file the new commit holds as the old
    // one did is read once, and a changed one is named by object.
    // (Resolving `REV:PATH` reads the revision's folders: 100 KB for a
    // folder of 3,000 files. The old versions of unchanged files are read
    // so, one pass over each old revision's folders: naming them by a
    // diff against each old commit's parent would read twice as many.)
    let noted: Vec<(String, String)> = pairs
        .iter()
        .filter(|(old, _)| old_notes.contains_key(old))
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let changes = git.changes_between(&noted)?.unwrap_or_default();
    let moved: HashMap<(&str, &str), &TreeChanges> = noted
        .iter()
        .map(|(o, n)| (o.as_str(), n.as_str()))
        .zip(&changes)
        .collect();
    // `(rev:path, what to read)`: an object name, the `REV:PATH` name where
    // no diff names the object, `None` where a diff says there is no file.
    let mut asks: Vec<(String, Option<String>)> = Vec::new();
    for (old, new) in pairs {
        let Some(n) = old_notes.get(old) else {
            continue;
        };
        let between = moved.get(&(old.as_str(), new.as_str()));
        for path in n.paths() {
            let old_spec = format!("{old}:{path}");
            let in_old = match between.and_then(|c| c.get(path)) {
                Some((before, _)) => before.clone(),
                None => Some(old_spec.clone()),
            };
            let in_new = match between {
                Some(c) => c
                    .get(path)
                    .map_or_else(|| in_old.clone(), |(_, after)| after.clone()),
                None => Some(format!("{new}:{path}")),
            };
            asks.push((format!("{new}:{path}"), in_new));
            asks.push((old_spec, in_old));
        }
    }
    let mut names: Vec<String> = asks.iter().filter_map(|(_, n)| n.clone()).collect();
    names.sort_unstable();
    names.dedup();
    let read: HashMap<&String, Option<String>> = names
        .iter()
        .zip(git.read_objects(&names)?)
        .map(|(name, blob)| (name, blob.and_then(|b| String::from_utf8(b).ok())))
        .collect();
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    for (spec, name) in asks {
        let text = name.and_then(|n| read.get(&n).cloned().flatten());
        texts.insert(spec, text);
    }
    // A file missing from the new commit may have been renamed there.
    let mut renamed: HashMap<(String, String), String> = HashMap::new();
    let mut more = Vec::new();
    for (old, new) in pairs {
        let Some(n) = old_notes.get(old) else {
            continue;
        };
        // Only files the old commit holds count (as a bounded note's would).
        let held = |p: &str| {
            texts
                .get(format!("{old}:{p}").as_str())
                .is_some_and(Option::is_some)
        };
        let missing = n.paths().filter(|p| held(p)).any(|p| {
            texts
                .get(format!("{new}:{p}").as_str())
                .is_none_or(Option::is_none)
        });
        if !missing {
            continue;
        }
        for (from, to) in git.renames_between(old, new)? {
            if held(&from) && n.paths().any(|p| p == from) {
                more.push(format!("{new}:{to}"));
                renamed.insert((new.clone(), from), to);
            }
        }
    }
    for (spec, blob) in more.iter().zip(git.read_objects(&more)?) {
        texts.insert(spec.clone(), blob.and_then(|b| String::from_utf8(b).ok()));
    }
    let mut out = Vec::new();
    for (old, new) in pairs {
        let Some(n) = old_notes.get(old) else {
            out.push((new.clone(), None));
            continue;
        };
        let mut carried = CommitLines::new();
        for path in n.paths() {
            let path = path.to_owned();
            let old_text = texts
                .get(format!("{old}:{path}").as_str())
                .cloned()
                .flatten();
            let new_path = renamed.get(&(new.clone(), path.clone())).unwrap_or(&path);
            let new_text = texts
                .get(format!("{new}:{new_path}").as_str())
                .cloned()
                .flatten();
            // A file deleted on either side: nothing to carry.
            if let (Some(o), Some(t)) = (old_text, new_text) {
                // The note's lines within the old version's real length.
                let file = n.file_lines(&path, lines::count(&o));
                if file.is_empty() {
                    continue;
                }
                let moved = lines::carry_edited(&file, &o, &t);
                if !moved.is_empty() {
                    carried.insert(new_path.clone(), moved);
                }
            }
        }
        out.push((new.clone(), Some(carried)));
    }
    let counts = texts
        .into_iter()
        .filter_map(|(spec, text)| Some((spec, lines::count(&text?))))
        .collect();
    Ok((out, counts))
}

/// Carries notes after `git commit --amend` or `git rebase`. A new commit
/// that already has a note (written by post-commit from the working tree)
/// keeps what it says; the old commits' lines fill in the rest, later old
/// commits (squashed on top) first. Returns how many notes were written.
pub fn post_rewrite(git: &Git, pairs: &[(String, String)]) -> Result<usize, CommitError> {
    // A rebase's `squash` or `fixup`: git amends the commit folded into and
    // runs this hook for that amend, naming that commit alone. A note
    // carried from it alone would then be kept over what the folded
    // commits' notes know (a new commit's note wins below); the rebase's
    // own post-rewrite, at its end, carries all of them, the latest first.
    // Inside a rebase (an `exec` step amending a picked commit), the picked
    // commit has no note yet: its original is in the rebase's rewritten list.
    // The rebase's state and the notes ref: two git processes, side by side.
    let (state, notes) = crate::git::side_by_side(|| rebase_state(git), || Notes::new(git));
    let (folding, originals) = state?;
    if folding {
        return Ok(0);
    }
    let notes = notes?;
    let mut expanded = Vec::new();
    for (old, new) in pairs.iter().filter(|(o, n)| o != n) {
        for orig in originals.get(old).into_iter().flatten() {
            expanded.push((orig.clone(), new.clone()));
        }
        expanded.push((old.clone(), new.clone()));
    }
    let pairs = expanded;
    // The old commits' notes and any the new ones have, in one read.
    let mut wanted: Vec<String> = Vec::new();
    let mut listed = HashSet::new();
    for commit in pairs.iter().flat_map(|(old, new)| [old, new]) {
        if listed.insert(commit) {
            wanted.push(commit.clone());
        }
    }
    let texts = notes.read_texts(&wanted)?;
    let old_notes: HashMap<String, note::ParsedNote> = pairs
        .iter()
        .filter_map(|(old, _)| Some((old.clone(), note::parse(texts.get(old)?))))
        .collect();
    let (carried, counts) = carry_many(git, &old_notes, &pairs)?;
    let mut order: Vec<String> = Vec::new();
    let mut by_new: HashMap<String, Vec<Option<CommitLines>>> = HashMap::new();
    for (new, lines) in carried {
        if !by_new.contains_key(&new) {
            order.push(new.clone());
        }
        by_new.entry(new).or_default().push(lines);
    }
    // Bounded by the versions read above where they were (a rebase done
    // again within the second makes the same commits, noted already).
    let existing: HashMap<String, note::Note> = notes
        .bound_known(
            &mut notes.line_counter(),
            order
                .iter()
                .filter_map(|new| Some((new.clone(), note::parse(texts.get(new)?))))
                .collect(),
            &counts,
        )?
        .into_iter()
        .collect();
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    for new in order {
        if !seen.insert(new.clone()) {
            continue;
        }
        let sources = by_new.remove(&new).unwrap_or_default();
        let had_note = existing.contains_key(&new);
        if !had_note && sources.iter().all(Option::is_none) {
            continue; // nothing known about the new commit
        }
        let mut result = existing
            .get(&new)
            .map(|n| n.lines.clone())
            .unwrap_or_default();
        for lines in sources.into_iter().rev().flatten() {
            lines::fill(&mut result, lines);
        }
        let record = note::record(&new, &result);
        records.push((new, record));
    }
    // One notes commit for all (a rebase rewrites many commits at once).
    notes.write_many(&records)?;
    Ok(records.len())
}

/// What post-rewrite needs of a running rebase, from one `git rev-parse`:
/// whether it is folding commits (`squash`, `fixup`) into one — git lists
/// the chain's steps in `rebase-merge/current-fixups` until its last commit
/// is made — and `new -> [old]` from its `rewritten-list`.
fn rebase_state(git: &Git) -> Result<(bool, HashMap<String, Vec<String>>), CommitError> {
    let paths = git.git_paths(&[
        "rebase-merge/current-fixups",
        "rebase-merge/rewritten-list",
        "rebase-apply/rewritten-list",
    ])?;
    let folding = paths.first().is_some_and(|p| p.is_file());
    let mut originals: HashMap<String, Vec<String>> = HashMap::new();
    for path in paths.iter().skip(1) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for (old, new) in parse_rewrites(&text) {
            originals.entry(new).or_default().push(old);
        }
    }
    Ok((folding, originals))
}
