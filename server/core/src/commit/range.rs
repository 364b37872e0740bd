//! What a revision range introduces (for `vouch approve` and `vouch verify
//! RANGE`): per file of the range's tip, the lines that are not in its base
//! (net: lines added and removed again inside the range do not count), with
//! what the notes say about them (AI or not, tool, model, unsigned review)
//! and which commits of the range wrote or changed them.
//!
//! The notes are replayed along the tip's first-parent chain: each commit's
//! version of a file takes the previous version's per-line facts through the
//! diff (unchanged lines keep theirs), then the commit's own note where it
//! describes a line. A line that a commit replaced is written by that commit
//! and by every commit that wrote the lines it replaced.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::mpsc;

use super::CommitError;
use super::lines::LineAttr;
use super::note;
use super::notes::Notes;
use crate::git::{Change, Git};

/// A resolved range: `target..tip` (the target branch, e.g. `origin/main`).
#[derive(Clone, Debug)]
pub struct RangeSpec {
    /// As given.
    pub spec: String,
    /// The excluded revision (the target branch), when the range has one.
    pub target: Option<String>,
    /// The merge base of target and tip (what the range is compared with).
    pub base: Option<String>,
    pub tip: String,
}

/// One commit of the range.
#[derive(Clone, Debug)]
pub(crate) struct RangeCommit {
    pub(crate) sha: String,
    pub(crate) parents: Vec<String>,
    /// `Name <email>`.
    pub(crate) author: String,
    /// `Name <email>`.
    pub(crate) committer: String,
    pub(crate) message: String,
}

impl RangeCommit {
    pub(crate) fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }
}

/// One line of the tip that the range introduced.
#[derive(Clone, Debug)]
pub(crate) struct NewLine {
    /// 1-based line of the tip's version.
    pub(crate) line: usize,
    /// The line's text without its line break.
    pub(crate) text: String,
    /// What the notes say: `Some` for an AI (or mixed) line.
    pub(crate) attr: Option<LineAttr>,
    /// Indices into [`RangeChanges::commits`] of the commits that wrote or changed it.
    pub(crate) writers: Vec<usize>,
    /// No note describes the commit that wrote it (provenance unknown).
    pub(crate) unrecorded: bool,
}

/// A file of the tip that differs from the base.
#[derive(Clone, Debug)]
pub struct FileChange {
    pub path: String,
    /// The tip's text.
    pub text: String,
    /// Every line of the tip's version (without line breaks).
    pub(crate) lines: Vec<String>,
    /// The lines the range introduced, in order.
    pub(crate) new_lines: Vec<NewLine>,
    /// Indices of the commits that changed the file.
    pub(crate) writers: Vec<usize>,
}

/// Everything a range introduces.
#[derive(Clone, Debug)]
pub struct RangeChanges {
    pub range: RangeSpec,
    /// Every commit of the range, oldest first.
    pub(crate) commits: Vec<RangeCommit>,
    /// Commits of the range that have a vouch note.
    pub(crate) recorded: HashSet<String>,
    pub files: Vec<FileChange>,
}

/// Resolves `spec` (`A..B`, `^A B`, `B`): exactly one tip.
pub(crate) fn resolve(git: &Git, spec: &str) -> Result<RangeSpec, CommitError> {
    if spec.starts_with('-') || spec.trim().is_empty() {
        return Err(CommitError::Other(format!(
            "`{spec}` is not a revision range"
        )));
    }
    let out = git
        .try_run(&["rev-parse", "--revs-only", spec])?
        .ok_or_else(|| CommitError::Other(format!("`{spec}` is not a revision range")))?;
    let text = String::from_utf8_lossy(&out);
    let mut tips = Vec::new();
    let mut negatives = Vec::new();
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match l.strip_prefix('^') {
            Some(n) => negatives.push(n.to_owned()),
            None => tips.push(l.to_owned()),
        }
    }
    let [tip] = tips.as_slice() else {
        return Err(CommitError::Other(format!(
            "`{spec}` must name one tip, like origin/main..feature"
        )));
    };
    let tip = git
        .commit_id(tip)?
        .ok_or_else(|| CommitError::Other(format!("`{spec}`: no such commit")))?;
    let target = match negatives.first() {
        Some(n) => Some(
            git.commit_id(n)?
                .ok_or_else(|| CommitError::Other(format!("`{spec}`: no such commit")))?,
        ),
        None => None,
    };
    let base = match &target {
        Some(t) => git
            .try_run(&["merge-base", t, &tip])?
            .map(|o| String::from_utf8_lossy(&o).trim().to_owned())
            .filter(|s| !s.is_empty()),
        None => None,
    };
    Ok(RangeSpec {
        spec: spec.to_owned(),
        target,
        base,
        tip,
    })
}

/// The commits of `range`, oldest first.
fn range_commits(git: &Git, range: &RangeSpec) -> Result<Vec<RangeCommit>, CommitError> {
    let not = range.target.as_ref().map(|t| format!("^{t}"));
    let mut args = vec![
        "log",
        "--reverse",
        "--topo-order",
        "--format=%H%x1f%P%x1f%an <%ae>%x1f%cn <%ce>%x1f%B%x1e",
        "--end-of-options",
        &range.tip,
    ];
    if let Some(n) = &not {
        args.push(n);
    }
    args.push("--");
    let out = git.run(&args)?;
    let text = String::from_utf8_lossy(&out);
    Ok(text
        .split('\x1e')
        .filter_map(|rec| {
            let mut p = rec.trim_start_matches('\n').splitn(5, '\x1f');
            let sha = p.next()?.trim().to_owned();
            if sha.len() < 40 {
                return None;
            }
            Some(RangeCommit {
                sha,
                parents: p.next()?.split_whitespace().map(str::to_owned).collect(),
                author: p.next()?.to_owned(),
                committer: p.next()?.to_owned(),
                message: p.next().unwrap_or("").to_owned(),
            })
        })
        .collect())
}

/// Where each line of `old` is in `new` (index 0 unused; both 1-based), by a
/// line diff as `git diff` shows it (a change is replaced lines, never a
/// character-level match that moves a line elsewhere).
pub(crate) fn line_map(old: &str, new: &str) -> Vec<Option<usize>> {
    let old_count = split_lines(old).len();
    let mut out = vec![None; old_count + 1];
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_lines(old, new);
    for op in diff.ops() {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = *op
        {
            for i in 0..len {
                if let Some(slot) = out.get_mut(old_index + i + 1) {
                    *slot = Some(new_index + i + 1);
                }
            }
        }
    }
    // Equal lines (a `}`) can often be matched in several places; like `git
    // diff`, prefer the earliest: an added block ends with its own `}` rather
    // than taking over the old one. Bounded look-back (linear time).
    const LOOK_BACK: usize = 64;
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let mut prev = 0;
    for (o, slot) in out.iter_mut().enumerate().skip(1) {
        let Some(n) = *slot else { continue };
        let from = (prev + 1).max(n.saturating_sub(LOOK_BACK));
        let open_old = o == old_lines.len() && !old.ends_with('\n');
        if let Some(earlier) = (from..n).find(|&c| {
            let open_new = c == new_lines.len() && !new.ends_with('\n');
            new_lines.get(c - 1) == old_lines.get(o - 1) && open_old == open_new
        }) {
            *slot = Some(earlier);
        }
        prev = slot.unwrap_or(prev);
    }
    out
}

/// The lines of `text` without their line breaks (a trailing line break
/// starts no line), as [`line_map`] and `lines::map_lines` count them.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n').collect()
}

#[derive(Clone, Debug, Default)]
struct LineFacts {
    /// Boxed: a replay holds every line of every file the range changed,
    /// most of them without a note's attribution.
    attr: Option<Box<LineAttr>>,
    writers: BTreeSet<usize>,
    unrecorded: bool,
}

/// Carries `prev` (facts per line of `old`) onto `new`; lines that changed get
/// `writer` plus the writers of the lines they replaced.
fn carry_facts(prev: &[LineFacts], old: &str, new: &str, writer: usize) -> Vec<LineFacts> {
    let map = line_map(old, new);
    let new_count = split_lines(new).len();
    let mut inverse: Vec<Option<usize>> = vec![None; new_count + 2];
    for (o, n) in map.iter().enumerate().skip(1) {
        if let Some(n) = n
            && *n < inverse.len()
        {
            inverse[*n] = Some(o);
        }
    }
    let old_count = prev.len();
    let mut out: Vec<LineFacts> = Vec::with_capacity(new_count);
    let mut n = 1;
    while n <= new_count {
        if let Some(o) = inverse[n] {
            out.push(prev.get(o - 1).cloned().unwrap_or_default());
            n += 1;
            continue;
        }
        // A block of changed lines [n, end]: between the old lines its
        // neighbours came from.
        let mut end = n;
        while end < new_count && inverse[end + 1].is_none() {
            end += 1;
        }
        let lo = (1..n).rev().find_map(|i| inverse[i]).unwrap_or(0);
        let hi = inverse
            .get(end + 1)
            .copied()
            .flatten()
            .unwrap_or(old_count + 1);
        let mut writers = BTreeSet::from([writer]);
        for o in lo + 1..hi {
            if map.get(o).copied().flatten().is_none()
                && let Some(f) = prev.get(o - 1)
            {
                writers.extend(f.writers.iter().copied());
            }
        }
        for _ in n..=end {
            out.push(LineFacts {
                attr: None,
                writers: writers.clone(),
                unrecorded: false,
            });
        }
        n = end + 1;
    }
    out
}

/// What `range` introduces, with the notes read from `notes`.
///
/// Streamed: the first-parent chain's diffs come from one `git diff-tree
/// --stdin` as git works them out, read on another thread at most
/// [`DIFFS_AHEAD`] commits ahead, and each commit is replayed as soon as
/// its diff is in. The notes (in the range's order, which keeps the
/// chain's) are read on a third thread, at most [`NOTES_AHEAD`] ahead, and
/// parsed here (glibc frees slowly what another thread allocated, and a
/// parsed note is many small allocations). Every blob comes through one
/// `git cat-file --batch`, asked [`REPLAY_BATCH`] commits at a time, and a
/// note is dropped once its commit is replayed, so memory holds the files'
/// current states, not the history.
pub(crate) fn changes(git: &Git, range: RangeSpec) -> Result<RangeChanges, CommitError> {
    let not = range.base.as_ref().map(|b| format!("^{b}"));
    let mut revs = vec![range.tip.as_str()];
    if let Some(n) = &not {
        revs.push(n);
    }
    let notes = Notes::new(git)?;
    // Four questions for git, none needing another's answer: asked side
    // by side.
    let ((commits, chain), (final_changes, listing)) = crate::git::side_by_side(
        || {
            crate::git::side_by_side(
                || range_commits(git, &range),
                || git.first_parent_chain(&revs),
            )
        },
        || {
            crate::git::side_by_side(
                || git.tree_changes(range.base.as_deref(), &range.tip),
                || notes.listing(),
            )
        },
    );
    let (commits, chain, final_changes, listing) = (commits?, chain?, final_changes?, listing?);
    let index: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.sha.as_str(), i))
        .collect();
    let wanted: HashSet<&str> = final_changes.iter().map(|c| c.path.as_str()).collect();
    // The chain's commits of the range, oldest first.
    let chain: Vec<crate::git::Link> = chain
        .into_iter()
        .filter(|(c, _)| index.contains_key(c.as_str()))
        .collect();
    let in_chain: HashSet<usize> = chain
        .iter()
        .filter_map(|(c, _)| index.get(c.as_str()).copied())
        .collect();
    let shas: Vec<String> = commits.iter().map(|c| c.sha.clone()).collect();
    let mut recorded: HashSet<String> = HashSet::new();
    // Replay: path -> (blob, facts per line).
    let mut replay = Replay::default();
    // Every blob through one `git cat-file --batch`, asked a batch at a time.
    let mut blobs = Blobs {
        objects: git.object_stream(usize::MAX)?,
    };
    std::thread::scope(|s| -> Result<(), CommitError> {
        let spawn_error =
            |e: std::io::Error| CommitError::Other(format!("cannot start a thread: {e}"));
        // The notes of the chain's commits, read on one thread.
        let (send, texts) = mpsc::sync_channel(NOTES_AHEAD);
        let (notes, listing, shas, in_chain) = (&notes, &listing, &shas, &in_chain);
        let notes_reader = std::thread::Builder::new()
            .name("vouch-range-notes".into())
            .spawn_scoped(s, move || {
                let read = |i: usize| in_chain.contains(&i);
                notes.each_text_listed(listing, shas, read, |i, text| {
                    // The replay stopped (with an error of its own): so does this.
                    send.send((i, text)).map_err(|_| notes_stopped())
                })
            })
            .map_err(spawn_error)?;
        // The chain's diffs, read on another as git works them out, so git
        // never waits for the replay.
        let diffs = git.first_parent_diffs(&chain)?;
        let (send, diffed) = mpsc::sync_channel(DIFFS_AHEAD);
        let diff_reader = std::thread::Builder::new()
            .name("vouch-range-diffs".into())
            .spawn_scoped(s, move || {
                for diff in diffs {
                    let failed = diff.is_err();
                    if send.send(diff).is_err() || failed {
                        break;
                    }
                }
            })
            .map_err(spawn_error)?;
        let mut texts = texts.into_iter().peekable();
        // The commits diffed so far (at most a batch) that changed a wanted
        // file, their blobs asked together; `None` once git is done.
        let next_batch = || -> Result<Option<Vec<Replayed>>, CommitError> {
            let Ok(first) = diffed.recv() else {
                return Ok(None);
            };
            let mut batch = Vec::new();
            let mut diff = Some(first);
            while let Some(d) = diff.take() {
                let (sha, ch) = d?;
                if let Some(&k) = index.get(sha.as_str()) {
                    let ch: Vec<Change> = ch
                        .into_iter()
                        .filter(|c| wanted.contains(c.path.as_str()))
                        .collect();
                    if !ch.is_empty() {
                        batch.push((k, ch));
                    }
                }
                if batch.len() < REPLAY_BATCH {
                    diff = diffed.try_recv().ok();
                }
            }
            Ok(Some(batch))
        };
        while let Some(batch) = next_batch()? {
            blobs.ask(batch.iter().flat_map(|(_, ch)| ch));
            for (k, ch) in &batch {
                // The notes up to this commit's: its own, if it has one.
                let mut note = None;
                while let Some((i, text)) = texts.next_if(|(i, _)| i <= k) {
                    recorded.insert(shas[i].clone());
                    if i == *k {
                        note = text.map(|t| note::parse(&t));
                    }
                }
                replay.commit(*k, ch, note.as_ref(), &mut blobs)?;
            }
        }
        // The notes of commits after the chain's last change.
        for (i, _) in texts {
            recorded.insert(shas[i].clone());
        }
        diff_reader.join().map_err(|_| thread_stopped())?;
        notes_reader.join().unwrap_or_else(|_| Err(notes_stopped()))
    })?;

    blobs.ask(&final_changes);
    let mut files = Vec::new();
    for c in &final_changes {
        let (Some(old), Some(new)) = blobs.change(c)? else {
            continue;
        };
        let lines: Vec<String> = split_lines(&new).into_iter().map(str::to_owned).collect();
        let facts = match replay.state.remove(&c.path) {
            Some((blob, facts)) if blob == c.new && facts.len() == lines.len() => facts,
            _ => vec![LineFacts::default(); lines.len()],
        };
        let map = line_map(&old, &new);
        let mut kept = vec![false; lines.len() + 1];
        for n in map.iter().skip(1).flatten() {
            if *n < kept.len() {
                kept[*n] = true;
            }
        }
        let new_lines = facts
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !kept[i + 1])
            .map(|(i, f)| NewLine {
                line: i + 1,
                text: lines[i].clone(),
                attr: f.attr.map(|a| *a),
                writers: f.writers.into_iter().collect(),
                unrecorded: f.unrecorded,
            })
            .collect();
        files.push(FileChange {
            path: c.path.clone(),
            text: new,
            lines,
            new_lines,
            writers: replay
                .file_writers
                .remove(&c.path)
                .map(|w| w.into_iter().collect())
                .unwrap_or_default(),
        });
    }
    Ok(RangeChanges {
        range,
        commits,
        recorded,
        files,
    })
}

/// A commit of the chain to replay: its index among the range's commits
/// and its changes to the files the range ends up changing.
type Replayed = (usize, Vec<Change>);

/// Notes read ahead of the replay, at most ([`changes`]).
const NOTES_AHEAD: usize = 64;

/// Commits whose blobs are asked of git together ([`changes`]), at most.
const REPLAY_BATCH: usize = 256;

/// Commits diffed ahead of the replay, at most ([`changes`]).
const DIFFS_AHEAD: usize = 1024;

/// A panic on a thread of [`changes`].
fn thread_stopped() -> CommitError {
    CommitError::Other("reading the range's diffs stopped".into())
}

/// The notes stopped being read: the replay ended first, or the thread
/// reading them panicked.
fn notes_stopped() -> CommitError {
    CommitError::Other("reading the range's notes stopped".into())
}

/// The blobs of [`changes`], read in the order they were asked for.
struct Blobs {
    objects: crate::git::Objects<crate::git::Capped>,
}

impl Blobs {
    /// Asks for the old (when there is one) and new blob of each of
    /// `changes`, in their order: what [`Blobs::change`] reads back.
    fn ask<'c>(&mut self, changes: impl IntoIterator<Item = &'c Change>) {
        let mut specs: Vec<String> = Vec::new();
        for c in changes {
            specs.extend(c.old.iter().cloned());
            specs.push(c.new.clone());
        }
        self.objects.ask(&specs);
    }

    /// The next blob as text: `None` when missing or not UTF-8.
    fn next(&mut self) -> Result<Option<String>, CommitError> {
        Ok(match self.objects.next().transpose()?.flatten() {
            Some(Ok(b)) => String::from_utf8(b).ok(),
            _ => None,
        })
    }

    /// The old and new text of `c` (the old one empty for an added file).
    fn change(&mut self, c: &Change) -> Result<(Option<String>, Option<String>), CommitError> {
        let old = match &c.old {
            Some(_) => self.next()?,
            None => Some(String::new()),
        };
        Ok((old, self.next()?))
    }
}

/// The state of the replay: each wanted file's blob and facts per
/// line, and the commits that changed each file.
#[derive(Default)]
struct Replay {
    state: HashMap<String, (String, Vec<LineFacts>)>,
    file_writers: HashMap<String, BTreeSet<usize>>,
}

impl Replay {
    /// Replays commit `k`'s changes `ch` with its note (`None`: it has none).
    fn commit(
        &mut self,
        k: usize,
        ch: &[Change],
        note: Option<&note::ParsedNote>,
        blobs: &mut Blobs,
    ) -> Result<(), CommitError> {
        for c in ch {
            let (Some(old), Some(new)) = blobs.change(c)? else {
                continue; // not UTF-8 text
            };
            self.file_writers
                .entry(c.path.clone())
                .or_default()
                .insert(k);
            let fresh;
            let prev: &[LineFacts] = match (self.state.get(&c.path), &c.old) {
                (Some((blob, facts)), Some(o)) if blob == o => facts,
                _ => {
                    fresh = vec![LineFacts::default(); split_lines(&old).len()];
                    &fresh
                }
            };
            let mut facts = carry_facts(prev, &old, &new, k);
            match note {
                Some(n) => {
                    for (line, attr) in n.file_lines(&c.path, facts.len()) {
                        if let Some(f) = facts.get_mut(line.wrapping_sub(1)) {
                            f.attr = Some(Box::new(attr));
                        }
                    }
                }
                None => {
                    for f in facts.iter_mut().filter(|f| f.writers.contains(&k)) {
                        f.unrecorded = true;
                    }
                }
            }
            self.state.insert(c.path.clone(), (c.new.clone(), facts));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_like_map_lines() {
        assert_eq!(split_lines(""), Vec::<&str>::new());
        assert_eq!(split_lines("a\n"), vec!["a"]);
        assert_eq!(split_lines("a\nb"), vec!["a", "b"]);
        assert_eq!(split_lines("a\n\n"), vec!["a", ""]);
    }

    #[test]
    fn line_map_keeps_the_first_equal_line_like_git_diff() {
        let base = "fn add() {\n    \n}\n";
        let tip = "fn add() {\n    a + b\n}\nfn sub() {\n    a - b\n}\n";
        let m = line_map(base, tip);
        assert_eq!(&m[1..], &[Some(1), None, Some(3)]);
        // Lines whose line break changed are changed lines.
        assert_eq!(&line_map("a\nb", "a\nb\nc\n")[1..], &[Some(1), None]);
    }

    proptest::proptest! {
        /// Against the model "a line map is a monotonic matching of equal
        /// lines": every mapped pair holds the same line (line break
        /// included), the new positions strictly increase, identical texts map
        /// to themselves, and carrying facts yields one entry per new line.
        #[test]
        fn line_map_is_a_monotonic_matching_of_equal_lines(
            old in proptest::collection::vec(0u8..4, 0..40),
            new in proptest::collection::vec(0u8..4, 0..40),
            old_open in proptest::bool::ANY,
            new_open in proptest::bool::ANY,
        ) {
            let text = |v: &[u8], open: bool| {
                let mut t: String = v.iter().map(|b| format!("l{b}\n")).collect();
                if open && !t.is_empty() {
                    t.pop();
                }
                t
            };
            let (old, new) = (text(&old, old_open), text(&new, new_open));
            let map = line_map(&old, &new);
            let ol = split_lines(&old);
            let nl = split_lines(&new);
            proptest::prop_assert_eq!(map.len(), ol.len() + 1);
            let mut last = 0;
            for (o, n) in map.iter().enumerate().skip(1) {
                if let Some(n) = *n {
                    proptest::prop_assert!(n > last, "not monotonic: {:?}", map);
                    last = n;
                    proptest::prop_assert_eq!(ol[o - 1], nl[n - 1]);
                    let open_o = o == ol.len() && !old.ends_with('\n');
                    let open_n = n == nl.len() && !new.ends_with('\n');
                    proptest::prop_assert_eq!(open_o, open_n);
                }
            }
            let same = line_map(&old, &old);
            for (o, n) in same.iter().enumerate().skip(1) {
                proptest::prop_assert_eq!(*n, Some(o));
            }
            let prev = vec![LineFacts::default(); ol.len()];
            proptest::prop_assert_eq!(carry_facts(&prev, &old, &new, 0).len(), nl.len());
        }
    }

    /// A range longer than a batch of the streamed replay ([`REPLAY_BATCH`]),
    /// some of its commits without a note: each line of the tip is
    /// attributed by its own commit's note (or known unrecorded), written
    /// by that commit alone.
    #[test]
    fn a_long_range_replays_every_commit_with_its_own_note() {
        use super::super::lines::{CommitLines, FileLines};
        let tmp = tempfile::tempdir().expect("temp dir");
        let git = Git::new(tmp.path());
        git.run_as_tester(&["init", "-q", "-b", "main"]);
        // Commit 0 (the base) holds one line; commit i adds line i + 1.
        let n = REPLAY_BATCH + 44;
        let mut stream = String::new();
        let mut text = String::from("base\n");
        for i in 0..=n {
            if i > 0 {
                text.push_str(&format!("line {i}\n"));
            }
            stream.push_str(&format!(
                "commit refs/heads/main\nmark :{}\ncommitter T <t@x> {} +0000\ndata 0\n",
                i + 1,
                1_700_000_000 + i
            ));
            if i > 0 {
                stream.push_str(&format!("from :{i}\n"));
            }
            stream.push_str(&format!(
                "M 100644 inline a.txt\ndata {}\n{text}\n",
                text.len()
            ));
        }
        git.run_input(&["fast-import", "--quiet"], stream.as_bytes())
            .expect("fast-import");
        let shas: Vec<String> = String::from_utf8_lossy(
            &git.run(&["rev-list", "--reverse", "main"])
                .expect("rev-list"),
        )
        .lines()
        .map(str::to_owned)
        .collect();
        assert_eq!(shas.len(), n + 1);
        // Every commit but each seventh has a note: its new line, AI, by
        // a model named after it.
        let noted = |i: usize| !i.is_multiple_of(7);
        let notes: Vec<(String, serde_json::Value)> = (1..=n)
            .filter(|&i| noted(i))
            .map(|i| {
                let attr = LineAttr {
                    origin: crate::ledger::LineOrigin::Ai,
                    tool: "t".into(),
                    model: Some(format!("m{i}")),
                    kind: None,
                    reviews: Vec::new(),
                    chars: None,
                };
                let lines: CommitLines =
                    [("a.txt".to_owned(), FileLines::from([(i + 1, attr)]))].into();
                (shas[i].clone(), note::record(&shas[i], &lines))
            })
            .collect();
        Notes::new(&git)
            .expect("notes")
            .write_many(&notes)
            .expect("write");

        let range = resolve(&git, &format!("{}..main", shas[0])).expect("range");
        let got = changes(&git, range).expect("replayed");
        assert_eq!(got.commits.len(), n);
        assert_eq!(got.recorded.len(), notes.len());
        let [file] = got.files.as_slice() else {
            panic!("one file: {:?}", got.files.len());
        };
        assert_eq!(file.new_lines.len(), n);
        for (k, line) in file.new_lines.iter().enumerate() {
            let i = k + 1;
            assert_eq!(line.line, i + 1);
            assert_eq!(line.text, format!("line {i}"));
            assert_eq!(line.writers, vec![k], "line {i}");
            let model = line.attr.as_ref().and_then(|a| a.model.clone());
            if noted(i) {
                assert_eq!(model, Some(format!("m{i}")), "line {i}");
                assert!(!line.unrecorded);
            } else {
                assert_eq!(model, None, "line {i}");
                assert!(line.unrecorded, "line {i}");
            }
        }
    }

    #[test]
    fn replaced_lines_keep_earlier_writers() {
        let old = "a\nb\nc\n";
        let prev = vec![
            LineFacts::default(),
            LineFacts {
                writers: BTreeSet::from([0]),
                ..Default::default()
            },
            LineFacts::default(),
        ];
        let out = carry_facts(&prev, old, "a\nB\nc\nd\n", 1);
        assert_eq!(out.len(), 4);
        assert!(out[0].writers.is_empty());
        assert_eq!(out[1].writers, BTreeSet::from([0, 1]));
        assert!(out[2].writers.is_empty());
        assert_eq!(out[3].writers, BTreeSet::from([1]));
    }
}
