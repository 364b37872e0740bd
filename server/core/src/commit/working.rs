//! The working tree as the gate will see it at commit, for the commands that
//! read it (`status`, `check`, `blame`, `review`): the store's attribution
//! of each file (`Service::current_at`), plus what the notes know of text
//! the store has never seen.
//!
//! - Text taken from another commit while no hook ran (`git restore
//!   --source=REV`, `git cherry-pick -n`, `git diff A B | git apply`): lines
//!   the store does not know that the notes of commits outside `HEAD`'s
//!   history record as AI, found whole by content — the gate's layer 6
//!   (`blob::lines_at`), so `status`, `check` and `blame` agree with it
//!   before the commit.
//! - Committed code other tools recorded (git-ai's `refs/notes/ai`, records
//!   in `.agent-trace/traces.jsonl`): their AI lines, found the same way in
//!   the versions their records describe, as `blame`, `verify`, `report`
//!   and `stats` count them.
//!
//! Lines the store knows (its record holds them whole, or it has seen this
//! very text) keep what the store says: it knows reviews and `vouch forget`.
//! Nothing is written.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::CommitError;
use super::blob::{self, ContentIndex};
use super::lines::{self, FileLines};
use super::notes::Notes;
use crate::git::{Git, listed_but_unchanged};
use crate::ledger::Ledger;
use crate::service::Service;

pub struct Working<'a> {
    service: &'a Service,
    git: Option<Git>,
    /// What git is being asked meanwhile ([`Working::settle`]).
    asking: Option<std::thread::JoinHandle<Result<Asked, CommitError>>>,
    /// Files git lists as changed since `HEAD`, each with its blob at
    /// `HEAD` (`None`: added since). git compares stat data, not text: a
    /// file copied or touched is listed until something refreshes the
    /// index, which a command that writes nothing does not do, so one whose
    /// text is still `HEAD`'s blob counts as unchanged ([`Working::differs`]).
    changed: HashMap<String, Option<String>>,
    /// Files changed since `HEAD` and files other tools' records name, that
    /// the store does not track.
    extra: Vec<String>,
    /// The AI lines other tools recorded (git-ai, `.agent-trace/`).
    foreign: Option<ContentIndex>,
    /// The notes of commits outside `HEAD`'s history, read when a changed
    /// file holds a line nobody knows.
    elsewhere: Option<ContentIndex>,
}

/// Git's answers [`Working`] waits for only when it needs them.
struct Asked {
    /// `git diff-index`'s output; `None` without a `HEAD`.
    changed: Option<Vec<u8>>,
    /// The commits other tools' notes annotate.
    foreign: Vec<String>,
}

impl<'a> Working<'a> {
    /// One `git diff-index` (files changed since `HEAD`) and the listing of
    /// other tools' notes, asked on another thread: a file whose text the
    /// store holds needs neither, so the caller goes on with those while
    /// git works. Nothing is asked outside a repository.
    pub fn new(service: &'a Service) -> Result<Working<'a>, CommitError> {
        Working::open(service, None)
    }

    /// For one file's uncommitted lines (`blame`, which reads committed
    /// lines from the notes, other tools' included): asks git about that
    /// file only and reads no other tool's notes.
    pub fn for_file(service: &'a Service, rel: &str) -> Result<Working<'a>, CommitError> {
        Working::open(service, Some(rel))
    }

    fn open(service: &'a Service, only: Option<&str>) -> Result<Working<'a>, CommitError> {
        let mut working = Working {
            service,
            git: None,
            asking: None,
            changed: HashMap::new(),
            extra: Vec::new(),
            foreign: None,
            elsewhere: None,
        };
        if service.workspace.git_dir.is_none() {
            return Ok(working);
        }
        let git = Git::new(&service.workspace.root);
        let only = only.map(str::to_owned);
        let asker = git.clone();
        let git_dir = service.workspace.git_dir.clone();
        let asking = std::thread::Builder::new()
            .name("vouch-diff-index".into())
            .spawn(move || ask(&asker, git_dir.as_deref(), only.as_deref()))
            .map_err(|e| CommitError::Other(format!("cannot start a thread: {e}")))?;
        working.asking = Some(asking);
        working.git = Some(git);
        Ok(working)
    }

    /// Waits for git's answers (once) and takes them in.
    fn settle(&mut self) -> Result<(), CommitError> {
        let Some(asking) = self.asking.take() else {
            return Ok(());
        };
        let asked = asking
            .join()
            .unwrap_or_else(|_| Err(CommitError::Other("asking git failed".into())));
        let Some(git) = self.git.take() else {
            return Ok(());
        };
        let Asked { changed, foreign } = asked?;
        let Some(changed) = changed else {
            return Ok(()); // no HEAD yet: nothing to compare with
        };
        // (`parse_raw` leaves out symlinks and submodules: no text.)
        self.changed = crate::git::parse_raw(&changed)
            .into_iter()
            .map(|c| (c.path, c.old))
            .collect();
        let tracked: HashSet<String> = self.service.store.paths()?.into_iter().collect();
        let mut extra: BTreeSet<String> = self
            .changed
            .keys()
            .filter(|p| !tracked.contains(*p))
            .cloned()
            .collect();
        if !foreign.is_empty() {
            let index = ContentIndex::load(&git, &foreign)?;
            extra.extend(index.paths().filter(|p| !tracked.contains(*p)).cloned());
            self.foreign = Some(index);
        }
        self.extra = extra.into_iter().collect();
        self.git = Some(git);
        Ok(())
    }

    /// Files not tracked by the store whose attribution may still hold AI
    /// text (changed since `HEAD`, or named by other tools' records), sorted.
    pub fn extra_paths(&mut self) -> Result<&[String], CommitError> {
        self.settle()?;
        Ok(&self.extra)
    }

    /// The attribution of `rel` at `text` (its content on disk): the
    /// store's, plus AI lines the notes know of text the store has not seen.
    /// `None` when neither knows anything of the file.
    pub fn ledger(&mut self, rel: &str, text: &str) -> Result<Option<Ledger>, CommitError> {
        // One read of the store for the common case: it holds this very text.
        let stored = self.service.store.load(rel)?.map(|s| s.ledger);
        if stored.as_ref().is_some_and(|st| st.rope() == text) {
            return Ok(stored);
        }
        // A file the store does not track that git lists only for its stat
        // data (its text is `HEAD`'s) and no other tool's record names: as
        // after git refreshed the index, when it is not listed at all. (A
        // file git does not list for other reasons, one git does not track
        // or any before the first commit, is looked at as before.)
        if stored.is_none() {
            self.settle()?;
            let named = self.foreign.as_ref().is_some_and(|f| f.names(rel));
            if !named && self.listed_unchanged(rel, text) {
                return Ok(None);
            }
        }
        let current = self.service.current_at(rel, Some(text))?;
        self.settle()?;
        let changed = self.differs(rel, text);
        let Some(git) = &self.git else {
            return Ok(current);
        };
        if !changed && self.foreign.is_none() {
            return Ok(current);
        }
        if stored.is_some() && self.service.store.recall(rel, text)?.is_some() {
            return Ok(current); // the store has seen this very text
        }
        // Lines the store does not know: not held whole by its record, and
        // not AI in what it says now.
        let mut known: HashSet<usize> = match &stored {
            Some(st) => lines::map_lines(&st.text(), text)
                .into_iter()
                .flatten()
                .collect(),
            None => HashSet::new(),
        };
        if let Some(c) = &current {
            known.extend(lines::from_ledger(c).into_keys());
        }
        let total = lines::count(text);
        if (1..=total).all(|l| known.contains(&l)) {
            return Ok(current);
        }
        let mut found = FileLines::new();
        if let Some(index) = self.foreign.as_mut() {
            found.extend(index.lines_for(git, &[rel], text, |l| !known.contains(&l))?);
        }
        if changed {
            if self.elsewhere.is_none() {
                let commits = blob::elsewhere(git, Some("HEAD"))?;
                self.elsewhere = Some(ContentIndex::load(git, &commits)?);
            }
            if let Some(index) = self.elsewhere.as_mut() {
                for (l, attr) in index.lines_for(git, &[rel], text, |l| !known.contains(&l))? {
                    found.entry(l).or_insert(attr);
                }
            }
        }
        found.retain(|l, _| !known.contains(l));
        if found.is_empty() {
            return Ok(current);
        }
        let mut ledger = current.unwrap_or_else(|| Ledger::new(text));
        lines::fill_ledger(&mut ledger, &found);
        Ok(Some(ledger))
    }
}

/// The AI lines `Working` found for one file's text: what a command that
/// changes the store (`review`, `mark`, `forget`) teaches it first.
pub struct Taught(FileLines);

impl Taught {
    /// Marks these lines on `ledger` (the same text) where it holds no AI
    /// text; returns how many lines were marked.
    pub fn apply(&self, ledger: &mut Ledger) -> usize {
        lines::fill_ledger(ledger, &self.0)
    }
}

impl Working<'_> {
    /// Whether git lists `rel` as changed since `HEAD` though its text on
    /// disk, `text`, is its blob at `HEAD` (git compared stat data only). A
    /// text holding a carriage return counts as changed: git may convert
    /// its line ends when it stages it.
    fn listed_unchanged(&self, rel: &str, text: &str) -> bool {
        matches!(self.changed.get(rel), Some(Some(head)) if listed_but_unchanged(text, head))
    }

    /// Whether `rel`, whose text on disk is `text`, differs from `HEAD`:
    /// git lists it, and not only for its stat data.
    fn differs(&self, rel: &str, text: &str) -> bool {
        self.changed.contains_key(rel) && !self.listed_unchanged(rel, text)
    }
}

/// `git diff-index` of the working tree against `HEAD` (of `only`, or of
/// every file) and, for every file, the commits other tools' notes
/// annotate, listed while `git diff-index` runs.
fn ask(
    git: &Git,
    git_dir: Option<&std::path::Path>,
    only: Option<&str>,
) -> Result<Asked, CommitError> {
    let mut args = vec![
        "--literal-pathspecs",
        "diff-index",
        "--raw",
        "--no-abbrev",
        "-z",
        "--no-renames",
        "--ignore-submodules",
        "--diff-filter=d",
        "HEAD",
        "--",
    ];
    args.extend(only);
    std::thread::scope(|scope| {
        let foreign = only
            .is_none()
            .then(|| scope.spawn(|| Notes::foreign_annotated(git, git_dir)));
        let changed = git.try_run(&args);
        let foreign = foreign.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(CommitError::Other("listing notes failed".into())))
        });
        Ok(Asked {
            changed: changed?,
            foreign: foreign.transpose()?.unwrap_or_default(),
        })
    })
}

impl Working<'_> {
    /// [`Working::ledger`]'s AI lines of `rel` at `text`, to teach the store.
    pub fn taught(&mut self, rel: &str, text: &str) -> Result<Option<Taught>, CommitError> {
        Ok(self
            .ledger(rel, text)?
            .map(|l| Taught(lines::from_ledger(&l))))
    }
}
