//! The attribution of a version of a file about to be committed (the
//! index) or just committed: one decision, shared by the pre-commit gate,
//! `vouch check --staged`, trailers and the post-commit note.
//!
//! Never call AI text human where something knows the truth. Each line of
//! the version is decided by the first source that knows it:
//!
//! 1. the store has seen exactly this text (its current record, or an
//!    earlier state in `history`): its attribution, with later reviews and
//!    forgets of lines the current record shares whole;
//! 2. lines the store's current record shares whole with the version;
//! 3. lines unchanged since the base commit: the base's note, when the base
//!    changed the file (a note describes only the files its commit
//!    changed);
//! 4. AI text of the file on disk (`Service::on_disk`), mapped onto the
//!    version by diff (a line edited after staging stays AI);
//! 5. lines that the notes of commits outside the base's history (other
//!    branches, remote-tracking branches, tags, the stash) record as AI,
//!    mapped by content (whole lines, through a diff of that commit's
//!    version): text taken from another commit by a squash merge,
//!    `checkout REV -- FILE`, `restore --source`, `cherry-pick -n`, a patch
//!    or a stash;
//! 6. anything else is new text by an unknown hand: human.
//!
//! A file git finds renamed takes its attribution from its old path. Lines
//! still unknown after 4 are looked for, whole, in the store's earlier
//! states of the file and in other paths' stored states the text came from
//! (`Service::origins`: other paths' states more like the text than the
//! file's own record, or holding as AI a line of it the record lacks; for
//! a file the store does not track,
//! `Service::found_elsewhere`): a file moved back onto a path the store
//! knew, paths swapped before a commit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use super::CommitError;
use super::lines::{self, CommitLines, FileLines, LineAttr};
use super::note::ParsedNote;
use super::notes::Notes;
use crate::git::{Change, Git};
use crate::service::Service;

/// Annotated commits read at most when searching notes by content.
const MAX_NOTES: usize = 2000;
/// Versions of one path compared at most when searching notes by content.
const MAX_VERSIONS: usize = 64;

/// What one line is known to be: `Some(attr)` AI, `None` human.
type Known = BTreeMap<usize, Option<LineAttr>>;

/// The AI lines of each changed file's new version (`changes` from
/// `git diff --raw` against `base`, a revision whose note describes the old
/// content; `None` for a root commit). `brought` names commits whose
/// content a merge brings in: their notes' AI lines, found whole by content
/// among the lines new since the base, are AI whatever else says (the
/// store's view of a merged file is a reconcile, not knowledge).
pub(crate) fn lines_at(
    service: &Service,
    git: &Git,
    base: Option<&str>,
    changes: &[Change],
    brought: &[String],
) -> Result<CommitLines, CommitError> {
    Ok(attribute(service, git, base, changes, brought)?.lines)
}

/// What [`attribute`] found.
pub(crate) struct Attributed {
    /// The AI lines of each changed file's new version.
    pub(crate) lines: CommitLines,
    /// Paths whose version is the very text of their store record (its AI
    /// lines are the record's): when the disk holds it too, teaching the
    /// store these lines would change nothing.
    pub(crate) settled: HashSet<String>,
}

/// [`lines_at`], also saying which files the store already knows whole.
pub(crate) fn attribute(
    service: &Service,
    git: &Git,
    base: Option<&str>,
    changes: &[Change],
    brought: &[String],
) -> Result<Attributed, CommitError> {
    let mut settled = HashSet::new();
    let tracked: HashSet<String> = service.store.paths()?.into_iter().collect();
    // Text a file holds may be stored under another path these changes
    // touch (paths swapped before a commit): searched when needed.
    service.search_also(
        changes
            .iter()
            .flat_map(|c| std::iter::once(c.path.as_str()).chain(c.from.as_deref())),
    );
    // Whether any tracked file is missing from the disk (a move git does
    // not call a rename is possible only then); asked once.
    let mut any_missing: Option<bool> = None;
    let mut out = CommitLines::new();
    let mut merged = if brought.is_empty() {
        None
    } else {
        Some(ContentIndex::load(git, brought)?)
    };
    let mut rest = Vec::new();
    for change in changes {
        // The store path holding this file's attribution: its own, or the
        // path it was renamed from.
        let key = if tracked.contains(&change.path) {
            Some(change.path.clone())
        } else {
            change.from.clone().filter(|f| tracked.contains(f))
        };
        // A new file moved from a tracked one git no longer calls a rename.
        let key = match key {
            None if *any_missing.get_or_insert_with(|| {
                tracked
                    .iter()
                    .any(|p| !service.workspace.absolute(p).exists())
            }) =>
            {
                match service.read_text(&change.path)? {
                    Some(text) => service.moved_source(&text)?,
                    None => None,
                }
            }
            k => k,
        };
        let stored = match &key {
            Some(k) => service.store.load(k)?.map(|s| s.ledger),
            None => None,
        };
        // The common case: the committed text is the text the store holds
        // (same blob name): its lines are the store's, nothing to read.
        if let Some(st) = &stored
            && merged.is_none()
            && change.new.len() == 40
            && change.new == crate::git::sha1_blob_id(st.text().as_bytes())
        {
            let l = lines::from_ledger(st);
            if !l.is_empty() {
                out.insert(change.path.clone(), l);
            }
            // The disk, when it holds this version, is this very record.
            if key.as_deref() == Some(change.path.as_str()) {
                settled.insert(change.path.clone());
            }
            continue;
        }
        rest.push((change, key, stored));
    }
    if rest.is_empty() {
        return Ok(Attributed {
            lines: out,
            settled,
        });
    }
    // A record older than its committed text sends the search for moved
    // text to other paths' states: git's list of changed files, which that
    // needs, is asked while the versions are read.
    if rest
        .iter()
        .any(|(_, key, stored)| key.is_some() && stored.is_some())
    {
        service.prefetch_changed();
    }
    // The base's note (layer 3) and the other branches' commits (layer 6)
    // are asked of git on other threads while the versions are read and
    // the files attributed: four git processes that ran one after another.
    let mut ahead = AskedAhead::start(git, base);
    let mut blobs = versions(service, git, &rest)?.into_iter();
    let mut base_note: Option<Option<ParsedNote>> = None;
    let mut base_changed: Option<HashSet<String>> = None;
    // Layers 1 to 5 file by file; the notes searched by content (layer 6)
    // then for all the files that still have undecided lines at once.
    let mut pending: Vec<Pending<'_>> = Vec::with_capacity(rest.len());
    for (change, key, mut stored) in rest {
        let (target, base_blob) = (blobs.next().flatten(), blobs.next().flatten());
        let Some(Ok(target)) = target.map(String::from_utf8) else {
            continue;
        };
        // A text its record does not hold: an earlier state holding exactly
        // it (layer 1), else where it came from — another path's state more
        // like it than the record of its path (from an earlier life), which
        // decides instead, and the states layer 5 searches.
        let mut recalled = None;
        let mut origins = None;
        if let Some(k) = &key
            && stored
                .as_ref()
                .is_none_or(|st| st.rope() != target.as_str())
        {
            recalled = service.store.recall(k, &target)?;
            if recalled.is_none()
                && let Some(st) = &stored
            {
                let (moved, states) = service.origins(k, &target, st)?;
                if moved.is_some() {
                    stored = moved;
                }
                origins = Some(states);
            }
        }
        let base_text = base_blob.and_then(|b| String::from_utf8(b).ok());
        let old_path = change.from.as_deref().unwrap_or(&change.path);
        // Where each line of the base version is in this one (asked once).
        let base_map = base_text.as_deref().map(|b| lines::map_lines(b, &target));
        let mut known = Known::new();
        // 1. An exact earlier state.
        let exact = match &stored {
            Some(st) if st.rope() == target.as_str() => Some(st.clone()),
            _ => recalled,
        };
        if let Some(e) = &exact {
            set_all(&mut known, &target, &lines::from_ledger(e));
        }
        // 2. Lines the current record shares whole (it knows later reviews).
        if let Some(st) = &stored {
            let st_text = st.text();
            let st_lines = lines::from_ledger(st);
            for (old, new) in lines::map_lines(&st_text, &target)
                .iter()
                .enumerate()
                .filter_map(|(o, n)| n.map(|n| (o, n)))
            {
                known.insert(new, st_lines.get(&old).cloned());
            }
        }
        let total = lines::count(&target);
        if exact.is_none() {
            // 3. Old content: the base's note.
            if let (Some(base_text), Some(base_map)) = (&base_text, &base_map) {
                let unchanged: Vec<usize> = base_map
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|l| !known.contains_key(l))
                    .collect();
                if !unchanged.is_empty() {
                    if base_note.is_none() {
                        base_note = Some(ahead.base_note(git, base)?);
                    }
                    if let Some(note) = base_note.as_ref().and_then(|n| n.as_ref()) {
                        // A note lists the AI lines of the files its commit
                        // changed: a file it does not name is all human
                        // only if that commit changed it; otherwise the
                        // note knows nothing of it (its lines are left to
                        // the layers below).
                        // Bounded by the base version's real length (the
                        // text in hand: no line count asked of git).
                        let f = note.file_lines(old_path, lines::count(base_text));
                        let of_file = match (!f.is_empty()).then_some(f) {
                            Some(f) => Some(f),
                            None => {
                                if base_changed.is_none() {
                                    base_changed = Some(changed_by(git, base)?);
                                }
                                base_changed
                                    .as_ref()
                                    .is_some_and(|c| c.contains(old_path))
                                    .then(FileLines::new)
                            }
                        };
                        if let Some(of_file) = of_file {
                            let carried = lines::carry_by(&of_file, base_map);
                            for l in unchanged {
                                known.insert(l, carried.get(&l).cloned());
                            }
                        }
                    }
                }
            }
            // 4. AI text on disk, mapped onto this version.
            if let Some(st) = stored.clone() {
                // The file at its path, else (moved away) at its record's.
                let text = match (service.read_text(&change.path)?, key.as_deref()) {
                    (Some(text), _) => Some(text),
                    (None, Some(k)) if k != change.path => service.read_text(k)?,
                    (None, _) => None,
                };
                if let Some(text) = text {
                    let k = key.as_deref().unwrap_or(&change.path);
                    // The file on disk as every command sees it, then
                    // carried to the staged version by diff.
                    let mut current = service.on_disk(k, st, &text)?;
                    current.reconcile(&target);
                    for (l, attr) in lines::from_ledger(&current) {
                        known.entry(l).or_insert(Some(attr));
                    }
                }
            }
            // 5. Earlier states the store remembers (a stash popped with
            // conflicts, a partly restored version) and other paths' stored
            // states (a file moved back onto a path the store knew, paths
            // swapped before a commit), by content.
            if (1..=total).any(|l| !known.contains_key(&l)) {
                let states = match (&key, origins) {
                    (_, Some(states)) => states,
                    // No record to compare with: every state alike.
                    (Some(k), None) => {
                        service
                            .origins(k, &target, &crate::ledger::Ledger::new(""))?
                            .1
                    }
                    (None, None) => service
                        .found_elsewhere(&change.path, &target)?
                        .into_iter()
                        .collect(),
                };
                for state in states {
                    let text = state.text();
                    let from = lines::from_ledger(&state);
                    let carried = lines::carry_onto(&from, &text, &target, |l| {
                        l <= total && !known.contains_key(&l)
                    });
                    for (l, attr) in carried {
                        known.entry(l).or_insert(Some(attr));
                    }
                }
            }
        }
        pending.push(Pending {
            change,
            old_path,
            target,
            base_map,
            known,
            total,
            search: exact.is_none(),
        });
    }
    // 6. Other commits' notes, by content: their versions of every path
    // still needing them read through one `git cat-file --batch`.
    let undecided = |p: &Pending<'_>| p.search && (1..=p.total).any(|l| !p.known.contains_key(&l));
    if pending.iter().any(undecided) {
        let mut index = ContentIndex::load(git, &ahead.elsewhere(git, base)?)?;
        let wanted: Vec<&str> = pending
            .iter()
            .filter(|p| undecided(p))
            .flat_map(|p| [p.change.path.as_str(), p.old_path])
            .collect();
        index.prefetch(git, &wanted)?;
        for p in pending.iter_mut().filter(|p| undecided(p)) {
            let (known, total) = (&p.known, p.total);
            let found = index.lines_for(git, &[&p.change.path, p.old_path], &p.target, |l| {
                l <= total && !known.contains_key(&l)
            })?;
            for (l, attr) in found {
                p.known.entry(l).or_insert(Some(attr));
            }
        }
    }
    for mut p in pending {
        let total = p.total;
        // A merge's incoming commits: their AI lines, new since the base.
        if let Some(index) = merged.as_mut() {
            let new_lines: HashSet<usize> = match &p.base_map {
                Some(map) => {
                    let old: HashSet<usize> = map.iter().flatten().copied().collect();
                    (1..=total).filter(|l| !old.contains(l)).collect()
                }
                None => (1..=total).collect(),
            };
            let found = index.lines_for(git, &[&p.change.path, p.old_path], &p.target, |l| {
                new_lines.contains(&l)
            })?;
            for (l, attr) in found {
                if p.known.get(&l).is_none_or(Option::is_none) {
                    p.known.insert(l, Some(attr));
                }
            }
        }
        // 7. Everything else is human.
        let file: FileLines = p
            .known
            .into_iter()
            .filter(|(l, _)| *l <= total)
            .filter_map(|(l, a)| a.map(|a| (l, a)))
            .collect();
        if !file.is_empty() {
            out.insert(p.change.path.clone(), file);
        }
    }
    Ok(Attributed {
        lines: out,
        settled,
    })
}

/// The new and the old version of each of `changes` (`None`: missing),
/// in that order. A version the file on disk or the store's record holds
/// exactly (its blob name says so: the file as staged, the record as
/// last committed) is taken from there; only the others are read from
/// git, in one batch. Reading a hundred versions from git costs several
/// milliseconds of a commit (`cat-file` reads a loose object three times,
/// a packed one through its deltas).
fn versions(
    service: &Service,
    git: &Git,
    changes: &[(&Change, Option<String>, Option<crate::ledger::Ledger>)],
) -> Result<Vec<Option<Vec<u8>>>, CommitError> {
    let holds = |text: &str, name: &str| crate::git::sha1_blob_id(text.as_bytes()) == name;
    let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity(changes.len() * 2);
    // Versions git is asked for, and where each goes in `out`.
    let (mut specs, mut at) = (Vec::new(), Vec::new());
    for (c, _, stored) in changes {
        // A file that cannot be read is git's to give, as any other.
        let on_disk = service
            .read_text(&c.path)
            .ok()
            .flatten()
            .filter(|t| holds(t, &c.new));
        let in_record = match (&c.old, stored) {
            (Some(old), Some(st)) => Some(st.text()).filter(|t| holds(t, old)),
            _ => None,
        };
        for (known, name) in [(on_disk, Some(&c.new)), (in_record, c.old.as_ref())] {
            match (known, name) {
                (Some(text), _) => out.push(Some(text.into_bytes())),
                (None, Some(name)) => {
                    at.push(out.len());
                    specs.push(name.clone());
                    out.push(None);
                }
                (None, None) => out.push(None),
            }
        }
    }
    for (i, blob) in at.into_iter().zip(git.read_objects(&specs)?) {
        out[i] = blob;
    }
    Ok(out)
}

/// A file between layers 5 and 6 of [`attribute`].
struct Pending<'c> {
    change: &'c Change,
    old_path: &'c str,
    target: String,
    /// Where each line of the base version is in `target`.
    base_map: Option<Vec<Option<usize>>>,
    known: Known,
    total: usize,
    /// Whether other commits' notes are searched (no exact state known).
    search: bool,
}

/// The commits a merge brings in: `git rev-list BASE..INCOMING`, at most
/// [`MAX_NOTES`].
pub(crate) fn brought_by(
    git: &Git,
    base: &str,
    incoming: &str,
) -> Result<Vec<String>, CommitError> {
    let range = format!("{base}..{incoming}");
    let max = format!("--max-count={MAX_NOTES}");
    let out = git
        .try_run(&["rev-list", &max, &range, "--"])?
        .unwrap_or_default();
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_owned)
        .filter(|l| l.len() >= 40)
        .collect())
}

/// Where text taken without a commit comes from: the commits a branch, tag,
/// remote-tracking branch or stash reaches that neither `base` nor `HEAD`
/// does (in post-commit `HEAD` is the commit being described), newest
/// first, at most [`MAX_NOTES`]. Text of `base`'s own history that is still
/// there is the base's; one `git rev-list`, which walks only the commits
/// outside `base`.
pub(crate) fn elsewhere(git: &Git, base: Option<&str>) -> Result<Vec<String>, CommitError> {
    let max = format!("--max-count={MAX_NOTES}");
    let mut args = vec!["rev-list", &max, "--exclude=refs/notes/*", "--all", "--not"];
    args.extend(base);
    // On an unborn branch this fails: nothing else to search then.
    args.push("HEAD");
    args.push("--");
    let out = git.try_run(&args)?.unwrap_or_default();
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_owned)
        .filter(|l| l.len() >= 40)
        .collect())
}

/// Answers [`attribute`] asks of git on other threads, started before it
/// reads the committed versions; each is taken when first needed (and
/// asked then if its thread could not start or panicked). One not needed
/// is left to finish on its own: both only read (a `git` still running
/// when the process ends stops at its first write to the closed pipe).
/// Reading the base's note may warn on stderr of a note over the size
/// limit even where the attribution then never needs that note.
struct AskedAhead {
    base_note: Option<std::thread::JoinHandle<Result<Option<ParsedNote>, CommitError>>>,
    elsewhere: Option<std::thread::JoinHandle<Result<Vec<String>, CommitError>>>,
}

impl AskedAhead {
    fn start(git: &Git, base: Option<&str>) -> AskedAhead {
        let spawn = |name: &str| std::thread::Builder::new().name(name.to_owned());
        let (g, b) = (git.clone(), base.map(str::to_owned));
        let base_note = spawn("vouch-base-note")
            .spawn(move || read_base_note(&g, b.as_deref()))
            .ok();
        let (g, b) = (git.clone(), base.map(str::to_owned));
        let elsewhere = spawn("vouch-elsewhere")
            .spawn(move || elsewhere(&g, b.as_deref()))
            .ok();
        AskedAhead {
            base_note,
            elsewhere,
        }
    }

    /// [`read_base_note`]'s answer.
    fn base_note(
        &mut self,
        git: &Git,
        base: Option<&str>,
    ) -> Result<Option<ParsedNote>, CommitError> {
        match self.base_note.take().map(std::thread::JoinHandle::join) {
            Some(Ok(answer)) => answer,
            _ => read_base_note(git, base),
        }
    }

    /// [`elsewhere`]'s answer.
    fn elsewhere(&mut self, git: &Git, base: Option<&str>) -> Result<Vec<String>, CommitError> {
        match self.elsewhere.take().map(std::thread::JoinHandle::join) {
            Some(Ok(answer)) => answer,
            _ => elsewhere(git, base),
        }
    }
}

/// The lines of a version, counted as a note's lines are bounded
/// ([`crate::git::LineCounter::counts`]): an empty text has none.
fn line_count(text: &str) -> usize {
    text.split_inclusive('\n').count()
}

/// Every line of `text` known: AI where `ai` says so, human otherwise.
fn set_all(known: &mut Known, text: &str, ai: &FileLines) {
    for l in 1..=lines::count(text) {
        known.insert(l, ai.get(&l).cloned());
    }
}

/// The files `base` changed (relative to its first parent; every file of a
/// root commit): those its note describes, AI lines or not.
fn changed_by(git: &Git, base: Option<&str>) -> Result<HashSet<String>, CommitError> {
    let Some(base) = base else {
        return Ok(HashSet::new());
    };
    Ok(git
        .commit_changes(base)?
        .into_iter()
        .map(|c| c.path)
        .collect())
}

/// The base commit's note, parsed but not bounded: each file's lines are
/// bounded by the base version the caller holds ([`ParsedNote::file_lines`]).
fn read_base_note(git: &Git, base: Option<&str>) -> Result<Option<ParsedNote>, CommitError> {
    let full = |b: &str| b.len() == 40 && b.bytes().all(|c| c.is_ascii_hexdigit());
    let id = match base {
        Some(b) if full(b) => Some(b.to_owned()),
        Some(b) => git.commit_id(b)?,
        None => None,
    };
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(Notes::new(git)?
        .read_index(std::slice::from_ref(&id))?
        .remove(&id))
}

/// The commits whose notes describe a path, each with its note.
type Described = Vec<(String, Rc<ParsedNote>)>;

/// The notes of annotated commits, for finding AI lines by content.
pub(crate) struct ContentIndex {
    /// Per path: the commits whose notes describe it, newest first, each
    /// with its note (bounded by the version's real length only when the
    /// version is read: bounding every file a note names first read every
    /// one of them, most never looked at).
    by_path: HashMap<String, Described>,
    /// Per path: versions read so far (text, AI lines), deduplicated.
    versions: HashMap<String, Vec<(String, FileLines)>>,
}

impl ContentIndex {
    /// The notes of `commits` (those that have one), at most [`MAX_NOTES`].
    pub(crate) fn load(git: &Git, commits: &[String]) -> Result<ContentIndex, CommitError> {
        if commits.is_empty() {
            return Ok(ContentIndex {
                by_path: HashMap::new(),
                versions: HashMap::new(),
            });
        }
        let notes = Notes::new(git)?;
        let commits = &commits[..commits.len().min(MAX_NOTES)];
        let mut parsed = notes.read_index(commits)?;
        let mut by_path: HashMap<String, Described> = HashMap::new();
        for commit in commits {
            let Some(note) = parsed.remove(commit) else {
                continue;
            };
            let note = Rc::new(note);
            for path in note.paths() {
                by_path
                    .entry(path.to_owned())
                    .or_default()
                    .push((commit.clone(), note.clone()));
            }
        }
        Ok(ContentIndex {
            by_path,
            versions: HashMap::new(),
        })
    }

    /// The paths whose AI lines some note records.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &String> {
        self.by_path.keys()
    }

    /// Whether the notes describe a version of `path`.
    pub(crate) fn names(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// Reads the versions of `paths` the notes describe, all in one `git
    /// cat-file --batch` (paths read before are skipped).
    pub(crate) fn prefetch(&mut self, git: &Git, paths: &[&str]) -> Result<(), CommitError> {
        let mut todo: Vec<(&str, Described)> = Vec::new();
        for path in paths {
            if self.versions.contains_key(*path) || todo.iter().any(|(p, _)| p == path) {
                continue;
            }
            let mut list = self.by_path.get(*path).cloned().unwrap_or_default();
            list.truncate(MAX_VERSIONS);
            todo.push((path, list));
        }
        let specs: Vec<String> = todo
            .iter()
            .flat_map(|(path, list)| list.iter().map(move |(c, _)| format!("{c}:{path}")))
            .collect();
        let mut blobs = git.read_objects(&specs)?.into_iter();
        for (path, list) in todo {
            let mut versions: Vec<(String, FileLines)> = Vec::new();
            for (_, note) in list {
                let Some(Ok(text)) = blobs.next().flatten().map(String::from_utf8) else {
                    continue;
                };
                // The note's lines within this version's real length.
                let file = note.file_lines(path, line_count(&text));
                if file.is_empty() {
                    continue;
                }
                if !versions.iter().any(|(t, f)| *t == text && *f == file) {
                    versions.push((text, file));
                }
            }
            self.versions.insert(path.to_owned(), versions);
        }
        Ok(())
    }

    /// AI lines of `target` that `wanted` accepts, found whole, in context,
    /// in a version of one of `paths` that a note describes.
    pub(crate) fn lines_for(
        &mut self,
        git: &Git,
        paths: &[&str],
        target: &str,
        wanted: impl Fn(usize) -> bool,
    ) -> Result<FileLines, CommitError> {
        self.prefetch(git, paths)?;
        let mut out = FileLines::new();
        for path in paths {
            for (text, file) in self.versions.get(*path).into_iter().flatten() {
                let carried =
                    lines::carry_onto(file, text, target, |l| wanted(l) && !out.contains_key(&l));
                for (l, attr) in carried {
                    out.entry(l).or_insert(attr);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A changed file's versions come from the disk (the staged one) and
    /// the store's record (the committed one) exactly when their blob
    /// names are git's; the others from git.
    #[test]
    fn versions_come_from_disk_and_store_only_when_they_are_the_blobs() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let git = Git::new(dir);
        git.run_as_tester(&["init", "-q", "-b", "main"]);
        let write = |p: &str, t: &str| std::fs::write(dir.join(p), t).expect("write");
        write("a.rs", "fn a() {}\n");
        write("b.rs", "fn b() {}\n");
        git.run_as_tester(&["add", "."]);
        git.run_as_tester(&["commit", "-q", "-m", "one"]);
        let service = Service::open(dir).expect("open");
        // a.rs: staged as on disk, its record the committed text.
        // b.rs: edited after staging, its record another text.
        write("a.rs", "fn a() {}\nfn a2() {}\n");
        write("b.rs", "fn b() {}\nfn b2() {}\n");
        git.run_as_tester(&["add", "."]);
        write("b.rs", "fn b() {}\nfn b2() {}\nfn b3() {}\n");
        let ledger = |t: &str| Some(crate::ledger::Ledger::new(t));
        let changes = git.staged_changes().expect("diff");
        let rest: Vec<(&Change, Option<String>, Option<crate::ledger::Ledger>)> = changes
            .iter()
            .map(|c| {
                let record = if c.path == "a.rs" {
                    "fn a() {}\n"
                } else {
                    "fn x() {}\n"
                };
                (c, Some(c.path.clone()), ledger(record))
            })
            .collect();
        let got = versions(&service, &git, &rest).expect("versions");
        let text = |b: &Option<Vec<u8>>| {
            b.as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let want = [
            ("a.rs", "fn a() {}\nfn a2() {}\n", "fn a() {}\n"),
            ("b.rs", "fn b() {}\nfn b2() {}\n", "fn b() {}\n"),
        ];
        assert_eq!(got.len(), 4);
        for (i, (path, new, old)) in want.iter().enumerate() {
            assert_eq!(changes[i].path, *path);
            assert_eq!(
                text(&got[2 * i]).as_deref(),
                Some(*new),
                "{path}: the staged version"
            );
            assert_eq!(
                text(&got[2 * i + 1]).as_deref(),
                Some(*old),
                "{path}: the committed one"
            );
        }
        // a.rs's versions are not asked of git at all: gone from git's
        // objects, they still come back (b.rs's, read from git, do not).
        let a = &changes[0];
        for name in [&a.new, a.old.as_ref().expect("modified")] {
            let loose = dir.join(".git/objects").join(&name[..2]).join(&name[2..]);
            std::fs::remove_file(loose).expect("a loose object");
        }
        let b = &changes[1];
        std::fs::remove_file(dir.join(".git/objects").join(&b.new[..2]).join(&b.new[2..]))
            .expect("a loose object");
        let got = versions(&service, &git, &rest).expect("versions");
        assert_eq!(text(&got[0]).as_deref(), Some(want[0].1));
        assert_eq!(text(&got[1]).as_deref(), Some(want[0].2));
        assert_eq!(got[2], None, "b.rs's staged version was git's to give");
        // An added file has no old version; a record of another path's text
        // is not taken for it.
        write("c.rs", "fn c() {}\n");
        git.run_as_tester(&["add", "c.rs"]);
        let changes = git.staged_changes().expect("diff");
        let c = changes
            .iter()
            .find(|c| c.path == "c.rs")
            .expect("c.rs staged");
        let got = versions(&service, &git, &[(c, None, ledger("fn c() {}\n"))]).expect("versions");
        assert_eq!(text(&got[0]).as_deref(), Some("fn c() {}\n"));
        assert_eq!(got[1], None);
    }

    /// What is asked of git on other threads is what is asked in line: the
    /// base's note, and the commits of other branches.
    #[test]
    fn answers_asked_ahead_are_those_asked_in_line() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let git = Git::new(dir);
        git.run_as_tester(&["init", "-q", "-b", "main"]);
        std::fs::write(dir.join("a.rs"), "fn a() {}\n").expect("write");
        git.run_as_tester(&["add", "."]);
        git.run_as_tester(&["commit", "-q", "-m", "one"]);
        git.run_as_tester(&["checkout", "-q", "-b", "other"]);
        std::fs::write(dir.join("b.rs"), "fn b() {}\n").expect("write");
        git.run_as_tester(&["add", "."]);
        git.run_as_tester(&["commit", "-q", "-m", "two"]);
        git.run_as_tester(&["checkout", "-q", "main"]);
        let head = git.commit_id("HEAD").expect("rev-parse").expect("HEAD");
        let mut lines = CommitLines::new();
        let mut file = FileLines::new();
        file.insert(
            1,
            lines::LineAttr {
                origin: crate::ledger::LineOrigin::Ai,
                tool: "claude".into(),
                model: None,
                kind: Some("agent".into()),
                reviews: Vec::new(),
                chars: None,
            },
        );
        lines.insert("a.rs".to_owned(), file);
        Notes::new(&git)
            .expect("notes")
            .write(&head, &crate::commit::note::record(&head, &lines))
            .expect("note");
        let note = |n: Option<ParsedNote>| n.map(|n| n.file_lines("a.rs", 1));
        for base in [Some("HEAD"), Some(head.as_str()), None] {
            let expected = note(read_base_note(&git, base).expect("note"));
            // The threads' own answers.
            let mut ahead = AskedAhead::start(&git, base);
            let (Some(base_note), Some(others)) = (ahead.base_note.take(), ahead.elsewhere.take())
            else {
                panic!("both threads start");
            };
            let from_thread = base_note.join().expect("no panic").expect("note");
            assert_eq!(note(from_thread), expected);
            assert_eq!(
                others.join().expect("no panic").expect("rev-list"),
                elsewhere(&git, base).expect("rev-list")
            );
            // Taken through the methods, once; asked in line after that.
            let mut ahead = AskedAhead::start(&git, base);
            assert_eq!(note(ahead.base_note(&git, base).expect("note")), expected);
            assert!(ahead.base_note.is_none());
            assert_eq!(note(ahead.base_note(&git, base).expect("note")), expected);
        }
        let mut ahead = AskedAhead::start(&git, Some("HEAD"));
        assert_eq!(
            ahead.elsewhere(&git, Some("HEAD")).expect("rev-list").len(),
            1
        );
        assert!(ahead.base_note(&git, Some("HEAD")).expect("note").is_some());
    }
}
