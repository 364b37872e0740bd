//! The operations the CLI, the hooks and the language server share: a
//! workspace with its store, and each file's attribution brought up to date
//! with the text on disk.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::convert::Infallible;
use std::path::Path;
use std::rc::Rc;

use crate::ledger::Ledger;
use crate::store::{Store, StoreError, StoredFile};
use crate::workspace::{Workspace, WorkspaceError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not UTF-8 text")]
    NotText { path: String },
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    #[error("{path}: {source}")]
    Ledger {
        path: String,
        source: crate::ledger::LedgerError,
    },
}

/// A workspace and its open store.
pub struct Service {
    pub workspace: Workspace,
    pub store: Store,
    /// Other paths' stored attribution a file's text may have come from
    /// ([`Sources`]): built once per process (a command or a hook, which
    /// neither creates nor deletes workspace files), when a text its own
    /// record does not explain is met; built again when a caller names
    /// more paths ([`Service::search_also`]).
    sources: RefCell<Option<Sources>>,
    /// Paths a caller named to search besides those git reports changed
    /// (the paths of the commit being described).
    also: RefCell<BTreeSet<String>>,
    /// [`Service::origins`]' answers in this process: the post-commit hook
    /// asks for each file twice (describing the commit, then teaching the
    /// store), and the search reads and diffs many states.
    origins_seen: RefCell<Vec<SeenOrigins>>,
    /// The `git diff-index` [`Service::source_paths`] runs, started early
    /// on another thread ([`Service::prefetch_changed`]); taken by the
    /// next call.
    changed_ahead: RefCell<Option<ChangedAhead>>,
    /// [`Service::renames`]' answer and the store generation it was worked
    /// out at: `status` asks it for each file the store does not track.
    renames_seen: RefCell<Option<(i64, Renames)>>,
}

/// Staged renames `(from, to)` ([`Service::renames`]).
type Renames = Vec<(String, String)>;

/// `git diff-index`'s answer (`None`: no `HEAD` yet), being worked out.
type ChangedAhead = std::thread::JoinHandle<Result<Option<Vec<u8>>, crate::git::GitError>>;

/// Files [`Service::update_each`] writes in one store transaction.
const UPDATE_CHUNK: usize = 64;

/// Files per thread below which [`Service::read_texts`] reads on one.
const READ_SHARE: usize = 32;

/// The files changed since `HEAD`, as [`Service::source_paths`] asks git.
const DIFF_INDEX: &[&str] = &[
    "diff-index",
    "--name-only",
    "-z",
    "--no-renames",
    "--ignore-submodules",
    "HEAD",
    "--",
];

/// What [`Service::update`] found before its write transaction.
struct PreparedUpdate {
    /// The generation of the record looked up (`None`: not tracked).
    generation: Option<i64>,
    /// The file's text on disk.
    disk: Option<String>,
    /// An earlier state holding exactly that text.
    earlier: Option<Ledger>,
    /// Another path's state the text came from ([`Service::origins`]).
    start: Option<Ledger>,
    /// States that may give back lines new to the stored text.
    history: Vec<Ledger>,
    /// For a file not tracked yet: the attribution of the file it was renamed from.
    moved: Option<Ledger>,
    /// The file is on disk, and its record (if any) holds another text.
    stale: bool,
}

impl PreparedUpdate {
    /// The ledger to hand to the change: the stored one reconciled with
    /// the file on disk.
    fn apply<E>(self, rel: &str, stored: Option<StoredFile>) -> Result<Ledger, E>
    where
        E: From<ServiceError>,
    {
        Ok(match (stored, self.disk) {
            (Some(s), Some(text)) => {
                let (earlier, history) = (self.earlier, self.history);
                let Ok(l) = at_text_recovering(
                    self.start.unwrap_or(s.ledger),
                    &text,
                    || Ok::<_, Infallible>(earlier),
                    || Ok(history),
                );
                l
            }
            (Some(s), None) => s.ledger,
            (None, Some(text)) => self.moved.unwrap_or_else(|| Ledger::new(&text)),
            (None, None) => {
                return Err(E::from(ServiceError::Read {
                    path: rel.to_owned(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                }));
            }
        })
    }
}

/// One answer of [`Service::origins`], with what it was asked.
struct SeenOrigins {
    rel: String,
    text: String,
    own: Ledger,
    moved: Option<Ledger>,
    states: Vec<Ledger>,
}

/// Answers [`Service::origins`] keeps (a hook's files; past this many it
/// starts afresh).
const ORIGINS_SEEN: usize = 256;

impl Service {
    /// Finds the workspace holding `dir` and opens its store (creating it),
    /// for commands that record something.
    pub fn open(dir: &Path) -> Result<Service, ServiceError> {
        let workspace = Workspace::discover(dir)?;
        let store = Store::open_workspace(&workspace)?;
        Ok(Service::with(workspace, store))
    }

    fn with(workspace: Workspace, store: Store) -> Service {
        Service {
            workspace,
            store,
            sources: RefCell::new(None),
            also: RefCell::new(BTreeSet::new()),
            origins_seen: RefCell::new(Vec::new()),
            changed_ahead: RefCell::new(None),
            renames_seen: RefCell::new(None),
        }
    }

    /// Like [`Service::open`] for commands that only read (`status`,
    /// `check`, `blame`, `export`, `verify`): a workspace without a store
    /// gets an empty one in memory, and nothing is created.
    pub fn open_read_only(dir: &Path) -> Result<Service, ServiceError> {
        let service = Service::open_read_only_in_hook(dir)?;
        service.store.settle_wal();
        Ok(service)
    }

    /// [`Service::open_read_only`] for the pre-commit gate, which a commit
    /// waits on: the WAL is left to the writers' bound, as the agent hooks
    /// and the language server leave it. The gate runs right after the
    /// previous commit's post-commit wrote to the store, so settling the
    /// WAL there made every commit wait for a checkpoint (about 7 ms of a
    /// 100-file commit's gate); a writer checkpoints it once it passes the
    /// writers' bound instead. No store is created; one that exists can be
    /// written (the installed hook's gate teaches it the staged text:
    /// `commit::gate::staged_lines_for_commit`).
    pub fn open_read_only_in_hook(dir: &Path) -> Result<Service, ServiceError> {
        let workspace = Workspace::discover(dir)?;
        let store = Store::open_existing(&workspace.store_path())?;
        Ok(Service::with(workspace, store))
    }

    /// Reads a workspace file as text; `None` when it does not exist.
    pub fn read_text(&self, rel: &str) -> Result<Option<String>, ServiceError> {
        read_text(&self.workspace, rel)
    }

    /// [`Service::read_text`] of many files, in their order: read by as many
    /// threads as there are cores when there are enough of them to share
    /// (a `status` reads every tracked file).
    pub fn read_texts(&self, rels: &[&str]) -> Vec<Result<Option<String>, ServiceError>> {
        let threads = crate::parallel::cores().min(rels.len() / READ_SHARE);
        self.read_texts_on(rels, threads)
    }

    /// [`Service::read_texts`] on `threads` threads.
    fn read_texts_on(
        &self,
        rels: &[&str],
        threads: usize,
    ) -> Vec<Result<Option<String>, ServiceError>> {
        let workspace = &self.workspace;
        crate::parallel::map(rels, threads, |r| read_text(workspace, r))
    }

    /// The attribution of `rel` as it applies to the file on disk now: the
    /// stored ledger reconciled with the current text. `None` when the file is
    /// not tracked. A deleted file keeps its stored text.
    ///
    /// A file git has staged as renamed (`git mv`, or a rename git detects
    /// when staging) from a tracked path no longer on disk takes that path's
    /// attribution: it follows the file.
    pub fn current(&self, rel: &str) -> Result<Option<Ledger>, ServiceError> {
        self.current_at(rel, self.read_text(rel)?.as_deref())
    }

    /// [`Service::current`] for a caller that already read the file:
    /// `text` is its content (`None`: not on disk).
    ///
    /// A file the store does not track, and that git does not show renamed
    /// from a tracked one, takes the AI lines other paths' stored states
    /// hold of its text ([`Service::found_elsewhere`]: paths swapped before
    /// a commit).
    pub fn current_at(
        &self,
        rel: &str,
        text: Option<&str>,
    ) -> Result<Option<Ledger>, ServiceError> {
        let (key, stored) = match self.store.load(rel)? {
            Some(s) => (rel.to_owned(), s),
            None => {
                let renamed = match self.renamed_from(rel)? {
                    Some(from) => self.store.load(&from)?.map(|s| (from, s)),
                    None => None,
                };
                match (renamed, text) {
                    (Some(r), _) => r,
                    (None, Some(text)) => return self.found_elsewhere(rel, text),
                    (None, None) => return Ok(None),
                }
            }
        };
        let Some(text) = text else {
            return Ok(Some(stored.ledger));
        };
        if stored.ledger.rope() == text {
            return Ok(Some(stored.ledger));
        }
        if let Some(earlier) = self.store.recall(&key, text)? {
            return Ok(Some(earlier));
        }
        let (start, states) = self.origins(&key, text, &stored.ledger)?;
        Ok(Some(at_text_recovering(
            start.unwrap_or(stored.ledger),
            text,
            || Ok(None),
            || Ok::<_, ServiceError>(states),
        )?))
    }

    /// `stored`, the attribution the store holds under `key`, brought to
    /// `text`, the file's content on disk: [`at_text`] with the store's
    /// earlier states of `key`. The door for a caller that has the stored
    /// record at hand (the gate's `commit/blob.rs`); [`Service::current`]
    /// adds the lines [`recover`] finds, which the gate finds itself,
    /// directly on the staged text.
    pub(crate) fn on_disk(
        &self,
        key: &str,
        stored: Ledger,
        text: &str,
    ) -> Result<Ledger, ServiceError> {
        Ok(at_text(stored, text, || self.store.recall(key, text))?)
    }

    /// Staged renames `(from, to)` of tracked files no longer on disk to
    /// paths not tracked yet: those git detects, and a newly added file
    /// holding, whole, an AI line of a missing tracked file (`git mv`
    /// followed by edits git no longer sees as a rename). One
    /// `git diff --cached -M`, run only when some tracked file is missing
    /// from the disk.
    ///
    /// Worked out once per store generation: its other inputs, the files on
    /// disk and git's index, are not changed by a command or hook while it
    /// runs (another process changing them meanwhile is seen by the next
    /// command), so it is worked out again only after the store changed.
    pub fn renames(&self) -> Result<Vec<(String, String)>, ServiceError> {
        if self.workspace.git_dir.is_none() {
            return Ok(Vec::new());
        }
        let generation = self.store.generation()?;
        if let Some((at, renames)) = &*self.renames_seen.borrow()
            && *at == generation
        {
            return Ok(renames.clone());
        }
        let tracked = self.store.paths()?;
        let missing: HashSet<String> = tracked
            .iter()
            .filter(|p| !self.workspace.absolute(p).exists())
            .cloned()
            .collect();
        let renames = self.renames_of(&tracked, &missing)?;
        *self.renames_seen.borrow_mut() = Some((generation, renames.clone()));
        Ok(renames)
    }

    /// [`Service::renames`] for a caller that has looked at the tracked
    /// files (`tracked`, as [`crate::store::Store::paths`] lists them) and knows which
    /// are `missing` from the disk.
    pub fn renames_of(
        &self,
        tracked: &[String],
        missing: &HashSet<String>,
    ) -> Result<Vec<(String, String)>, ServiceError> {
        if self.workspace.git_dir.is_none() || missing.is_empty() {
            return Ok(Vec::new());
        }
        let git = crate::git::Git::new(&self.workspace.root);
        let changes = git.staged_changes()?;
        let mut out: Vec<(String, String)> = changes
            .iter()
            .filter_map(|c| Some((c.from.clone()?, c.path.clone())))
            .filter(|(from, to)| missing.contains(from) && !tracked.contains(to))
            .collect();
        // Files changed in the index or on disk, not tracked under their
        // name. On disk: `git diff-files` (plumbing: it never refreshes the
        // index, so it also lists files whose stat data alone changed;
        // those whose text is still the index's blob are left out).
        let mut candidates: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
        let on_disk = git.run(&[
            "diff-files",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--diff-filter=d",
        ])?;
        let mut indexed: HashMap<String, String> = HashMap::new();
        for c in crate::git::parse_raw(&on_disk) {
            if let Some(blob) = c.old {
                indexed.insert(c.path.clone(), blob);
            }
            candidates.push(c.path);
        }
        candidates.sort();
        candidates.dedup();
        let staged: HashSet<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        let missing: Vec<&String> = tracked.iter().filter(|p| missing.contains(*p)).collect();
        for path in candidates {
            if tracked.contains(&path) || out.iter().any(|(_, to)| *to == path) {
                continue;
            }
            let Some(text) = self.read_text(&path)? else {
                continue;
            };
            let unchanged = !staged.contains(path.as_str())
                && indexed
                    .get(&path)
                    .is_some_and(|blob| crate::git::listed_but_unchanged(&text, blob));
            if unchanged {
                continue;
            }
            if let Some(from) = self.moved_source_among(&text, &missing)?
                && !out.iter().any(|(f, _)| *f == from)
            {
                out.push((from, path));
            }
        }
        Ok(out)
    }

    /// A tracked file missing from the disk that `text` (a new file's) holds
    /// an AI line of, whole: where a moved and edited file came from.
    pub(crate) fn moved_source(&self, text: &str) -> Result<Option<String>, ServiceError> {
        let tracked = self.store.paths()?;
        let missing: Vec<&String> = tracked
            .iter()
            .filter(|p| !self.workspace.absolute(p).exists())
            .collect();
        self.moved_source_among(text, &missing)
    }

    /// [`Service::moved_source`] among the tracked files `missing` from the
    /// disk.
    fn moved_source_among(
        &self,
        text: &str,
        missing: &[&String],
    ) -> Result<Option<String>, ServiceError> {
        let new_lines: std::collections::HashSet<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        for path in missing {
            let path = (*path).clone();
            let Some(stored) = self.store.load(&path)? else {
                continue;
            };
            let old = stored.ledger.text();
            let lines = stored.ledger.git_lines();
            let shares = stored.ledger.line_summary().iter().any(|s| {
                lines
                    .range(s.line, s.line)
                    .is_ok_and(|r| new_lines.contains(old[r].trim()))
            });
            if shares {
                return Ok(Some(path));
            }
        }
        Ok(None)
    }

    /// Where `text`, a text of `rel` that neither `rel`'s record `own` nor
    /// any earlier state of `rel` holds exactly, came from.
    ///
    /// First, another path's stored state more like `text` than `own` is
    /// (it holds more of `text`'s distinct lines, or exactly `text`): a
    /// file moved onto a path whose record is from an earlier life (`git mv
    /// b.rs c.rs` where the store knew a `c.rs`), paths swapped before a
    /// commit. The text's attribution starts from that state; `own`, of
    /// another text, would match characters by chance.
    ///
    /// Then the states [`recover`] takes lines from (only lines new to the
    /// stored text, found whole): the earlier states of `rel`, and the
    /// other paths' states ([`Sources`]) more like `text` than `own` is — a
    /// stash that brings a rename back. Files merely alike (generated
    /// code, templates) share many lines with `text` but fewer than its own
    /// record does: they are not searched.
    pub(crate) fn origins(
        &self,
        rel: &str,
        text: &str,
        own: &Ledger,
    ) -> Result<(Option<Ledger>, Vec<Ledger>), ServiceError> {
        let same = |s: &SeenOrigins| {
            s.rel == rel
                && s.text == text
                && s.own.rope() == own.rope()
                && s.own.spans() == own.spans()
        };
        if let Some(s) = self.origins_seen.borrow().iter().find(|s| same(s)) {
            return Ok((s.moved.clone(), s.states.clone()));
        }
        let (moved, states) = self.search_origins(rel, text, own)?;
        let mut seen = self.origins_seen.borrow_mut();
        if seen.len() >= ORIGINS_SEEN {
            seen.clear();
        }
        seen.push(SeenOrigins {
            rel: rel.to_owned(),
            text: text.to_owned(),
            own: own.clone(),
            moved: moved.clone(),
            states: states.clone(),
        });
        Ok((moved, states))
    }

    /// [`Service::origins`], searched.
    fn search_origins(
        &self,
        rel: &str,
        text: &str,
        own: &Ledger,
    ) -> Result<(Option<Ledger>, Vec<Ledger>), ServiceError> {
        let elsewhere = self.alike_elsewhere(rel, text)?;
        let own_text = own.text();
        let own_lines: HashSet<&str> = own_text.split('\n').map(str::trim).collect();
        let own_shared = distinct_lines(text)
            .iter()
            .filter(|l| own_lines.contains(*l))
            .count();
        let moved = elsewhere
            .first()
            .filter(|s| s.state.rope() == text || s.shared > own_shared)
            .map(|s| Ledger::clone(&s.state));
        // The earlier states of `rel` that can give back a line: only
        // those holding, whole, a line new to the text the attribution
        // starts from (the record, or `moved`) are decoded. Those lines
        // (a diff) are worked out once a state is there to check.
        let new_lines = std::cell::OnceCell::new();
        let new_lines = || {
            new_lines.get_or_init(|| {
                let mut lines = crate::commit::lines::new_lines(&own_text, text);
                if let Some(m) = &moved {
                    lines.extend(crate::commit::lines::new_lines(&m.text(), text));
                }
                lines
            })
        };
        // An earlier state whose AI lines the record holds too, as many
        // times each and with the same attribution, adds nothing but diffs:
        // a file committed many times keeps up to 32 such states, each
        // diffed against the text by every hook. (A state holding an AI
        // line twice that the record holds once is searched: the second
        // copy may come back.) A state holding exactly the record's AI
        // lines, or none, is known by its summary without being decoded,
        // once a writer has kept it.
        let own_ai = ai_lines(own);
        let (own_summary, none) = (ai_summary(&own_ai), ai_summary(&[]));
        let mut states = self.store.history_unless(
            rel,
            |state| may_give_back(state, new_lines()),
            AI_SUMMARY,
            |state| ai_summary(&ai_lines(state)),
            |summary| *summary == own_summary || *summary == none,
        )?;
        states.retain(|s| !covered(&ai_lines(s), &own_ai));
        // Searched: a state more alike than the record, or one holding as
        // AI a line of `text` the record does not have at all (AI code
        // copied between alike files); a state whose AI lines of `text`
        // the record holds too adds nothing but diffs.
        states.extend(
            elsewhere
                .into_iter()
                .filter(|s| {
                    s.shared > own_shared
                        || s.ai_lines.iter().any(|l| !own_lines.contains(l.as_str()))
                })
                .map(|s| Ledger::clone(&s.state)),
        );
        Ok((moved, states))
    }

    /// For a file the store does not track: the attribution of `text` that
    /// other paths' stored states know. The state holding exactly `text`
    /// when there is one (its reviews and mixed lines included); else the
    /// AI lines they hold whole, found by content ([`recover`]); `None`
    /// when they hold no line of it as AI.
    pub(crate) fn found_elsewhere(
        &self,
        rel: &str,
        text: &str,
    ) -> Result<Option<Ledger>, ServiceError> {
        let states = self.elsewhere(rel, text)?;
        if let Some((_, exact)) = states.iter().find(|(_, l)| l.rope() == text) {
            return Ok(Some(exact.clone()));
        }
        let states: Vec<Ledger> = states.into_iter().map(|(_, l)| l).collect();
        let mut ledger = Ledger::new(text);
        recover(&Ledger::new(""), &mut ledger, &states);
        Ok((!ledger.regions().is_empty()).then_some(ledger))
    }

    /// Names paths whose stored states [`Service::elsewhere`] searches too,
    /// besides tracked files missing from the disk and those git reports
    /// changed since `HEAD`: the post-commit hook names the paths of the
    /// commit it describes (after the commit they no longer differ from
    /// `HEAD`).
    pub(crate) fn search_also<'p>(&self, paths: impl IntoIterator<Item = &'p str>) {
        let mut also = self.also.borrow_mut();
        let before = also.len();
        also.extend(paths.into_iter().map(str::to_owned));
        if also.len() != before {
            *self.sources.borrow_mut() = None;
        }
    }

    /// Other paths' stored states (current record or earlier state, `path`
    /// and ledger) that `text` came from ([`Sources::sharing`]: they hold
    /// one of its lines as AI and at least half of its lines), the most
    /// alike first, at most [`MAX_SHARING`]. Searched: tracked
    /// files missing from the disk (moved away), and tracked files git
    /// reports changed since `HEAD` or a caller named (paths swapped, or a
    /// file's text moved to another path while its own path got another
    /// text). Asked only for a text its own record does not explain.
    pub(crate) fn elsewhere(
        &self,
        rel: &str,
        text: &str,
    ) -> Result<Vec<(String, Ledger)>, ServiceError> {
        Ok(self
            .alike_elsewhere(rel, text)?
            .into_iter()
            .map(|s| (s.path, Ledger::clone(&s.state)))
            .collect())
    }

    /// [`Service::elsewhere`] with how many of `text`'s distinct lines
    /// each state holds.
    fn alike_elsewhere(&self, rel: &str, text: &str) -> Result<Vec<Shared>, ServiceError> {
        if self.sources.borrow().is_none() {
            let built = Sources::build(self, &self.source_paths()?)?;
            *self.sources.borrow_mut() = Some(built);
        }
        let sources = self.sources.borrow();
        Ok(sources
            .as_ref()
            .map(|s| s.sharing(rel, text))
            .unwrap_or_default())
    }

    /// Starts the `git diff-index` that building [`Sources`] will ask for,
    /// on another thread, so it runs while the caller reads files from git
    /// (the gate and post-commit, which know early that they will search).
    /// Nothing happens when the index is built or the answer already on
    /// its way.
    pub(crate) fn prefetch_changed(&self) {
        if self.workspace.git_dir.is_none()
            || self.sources.borrow().is_some()
            || self.changed_ahead.borrow().is_some()
        {
            return;
        }
        let git = crate::git::Git::new(&self.workspace.root);
        let started = std::thread::Builder::new()
            .name("vouch-changed".into())
            .spawn(move || git.try_run(DIFF_INDEX));
        // A thread that cannot start: the diff runs when needed.
        *self.changed_ahead.borrow_mut() = started.ok();
    }

    /// The paths [`Service::elsewhere`] searches, at most
    /// [`MAX_SOURCE_PATHS`]: tracked files missing from the disk first,
    /// then tracked files changed since `HEAD` (one `git diff-index`) or
    /// named by [`Service::search_also`].
    fn source_paths(&self) -> Result<Vec<String>, ServiceError> {
        let tracked = self.store.paths()?;
        let mut out: Vec<String> = tracked
            .iter()
            .filter(|p| !self.workspace.absolute(p).exists())
            .cloned()
            .collect();
        let mut named: BTreeSet<String> = self.also.borrow().clone();
        if self.workspace.git_dir.is_some() {
            let ahead = self.changed_ahead.borrow_mut().take();
            let changed = match ahead.map(std::thread::JoinHandle::join) {
                Some(Ok(answer)) => answer?,
                // Not started early (or its thread failed): asked now.
                _ => crate::git::Git::new(&self.workspace.root).try_run(DIFF_INDEX)?,
            };
            // No `HEAD` yet: nothing changed since.
            if let Some(changed) = changed {
                named.extend(crate::git::split_z(&changed));
            }
        }
        let tracked: HashSet<&String> = tracked.iter().collect();
        let missing: HashSet<String> = out.iter().cloned().collect();
        for path in named {
            if tracked.contains(&path) && !missing.contains(&path) {
                out.push(path);
            }
        }
        out.truncate(MAX_SOURCE_PATHS);
        Ok(out)
    }

    /// The tracked path `rel` was renamed from (see [`Service::renames`]).
    fn renamed_from(&self, rel: &str) -> Result<Option<String>, ServiceError> {
        Ok(self
            .renames()?
            .into_iter()
            .find(|(_, to)| to == rel)
            .map(|(from, _)| from))
    }

    /// Changes the attribution of `rel` in one store transaction: the stored
    /// ledger (or an all-human one) is first reconciled with the file on disk,
    /// then handed to `change`. When `change` returns `Some`, the result is
    /// written; `None` leaves the store untouched. Returns what `change` returned.
    pub fn update<T, E>(
        &mut self,
        rel: &str,
        change: impl FnOnce(&mut Ledger) -> Result<Option<T>, E>,
    ) -> Result<Option<T>, E>
    where
        E: From<ServiceError> + From<StoreError>,
    {
        let prepared = self.prepare_update(rel)?;
        let mut result = None;
        self.store.update(rel, |stored| {
            let mut ledger = prepared.apply::<E>(rel, stored)?;
            result = change(&mut ledger)?;
            Ok::<_, E>(result.is_some().then_some(ledger))
        })?;
        // The write may have remembered a state of `rel`: searched afresh.
        self.origins_seen.borrow_mut().retain(|s| s.rel != rel);
        Ok(result)
    }

    /// [`Service::update`] of each of `rels`, [`UPDATE_CHUNK`] files to a
    /// store transaction (each file's look-up is held until its chunk is
    /// written); `change(rel, ledger, stale)` says whether to write the
    /// file, `stale` telling that its record held another text than the
    /// file on disk (or none), which `ledger` is now brought to. A file
    /// another process wrote since it was looked up is looked up and
    /// written again (twice at most; then it is left as that process wrote
    /// it).
    pub(crate) fn update_each<E>(
        &mut self,
        rels: &[String],
        mut change: impl FnMut(&str, &mut Ledger, bool) -> Result<bool, E>,
    ) -> Result<(), E>
    where
        E: From<ServiceError> + From<StoreError>,
    {
        for chunk in rels.chunks(UPDATE_CHUNK) {
            // Files another process wrote meanwhile are looked up again,
            // twice at most.
            let mut todo = chunk.to_vec();
            for _ in 0..3 {
                if todo.is_empty() {
                    break;
                }
                let prepared = todo
                    .iter()
                    .map(|rel| self.prepare_update(rel))
                    .collect::<Result<Vec<_>, _>>()?;
                todo = self.write_prepared(&todo, prepared, &mut change)?;
            }
        }
        Ok(())
    }

    /// One transaction of [`Service::update_each`]: each of `rels` as
    /// `prepared` found it. Returns the files another process wrote since
    /// their look-up (left as written).
    fn write_prepared<E>(
        &mut self,
        rels: &[String],
        prepared: Vec<PreparedUpdate>,
        change: &mut impl FnMut(&str, &mut Ledger, bool) -> Result<bool, E>,
    ) -> Result<Vec<String>, E>
    where
        E: From<ServiceError> + From<StoreError>,
    {
        let mut again = Vec::new();
        // `Store::update_each` hands the paths on in order.
        let mut prepared = prepared.into_iter();
        self.store.update_each(rels, |rel, stored| {
            let Some(prepared) = prepared.next() else {
                return Ok::<_, E>(None);
            };
            if stored.as_ref().map(|s| s.generation) != prepared.generation {
                again.push(rel.to_owned());
                return Ok(None);
            }
            let stale = prepared.stale;
            let mut ledger = prepared.apply::<E>(rel, stored)?;
            Ok(change(rel, &mut ledger, stale)?.then_some(ledger))
        })?;
        self.origins_seen
            .borrow_mut()
            .retain(|s| !rels.contains(&s.rel));
        Ok(again)
    }

    /// What [`Service::update`] looks up before its write transaction.
    fn prepare_update(&self, rel: &str) -> Result<PreparedUpdate, ServiceError> {
        let disk = read_text(&self.workspace, rel)?;
        let before = self.store.load(rel)?;
        // When the stored text is not the text on disk, looked up outside
        // the write transaction: an earlier state with exactly that text;
        // else another path's state it came from ([`Service::origins`]),
        // and earlier states and other paths' states for lines new to the
        // stored text.
        let (earlier, start, history) = match (&disk, &before) {
            (Some(text), Some(s)) if s.ledger.rope() != text.as_str() => {
                match self.store.recall(rel, text)? {
                    Some(e) => (Some(e), None, Vec::new()),
                    None => {
                        let (start, states) = self.origins(rel, text, &s.ledger)?;
                        (None, start, states)
                    }
                }
            }
            _ => (None, None, Vec::new()),
        };
        // Not tracked yet: a file renamed from a tracked one starts from its
        // attribution.
        let moved = match &disk {
            Some(_) if before.is_none() => self.current(rel)?,
            _ => None,
        };
        let stale = disk
            .as_deref()
            .is_some_and(|text| before.as_ref().is_none_or(|s| s.ledger.rope() != text));
        Ok(PreparedUpdate {
            generation: before.as_ref().map(|s| s.generation),
            stale,
            disk,
            earlier,
            start,
            history,
            moved,
        })
    }
}

/// A stored ledger brought to `text`, the file's current content: as it is
/// when the texts are equal; else the earlier state remembered with exactly
/// that text (the file came back, e.g. `git stash pop` after switching
/// branches and back), asked of `earlier` only then; else reconciled by diff.
pub fn at_text<E>(
    stored: Ledger,
    text: &str,
    earlier: impl FnOnce() -> Result<Option<Ledger>, E>,
) -> Result<Ledger, E> {
    at_text_recovering(stored, text, earlier, || Ok(Vec::new()))
}

/// [`at_text`], and when the ledger is reconciled by diff, the lines
/// `history` (earlier states, asked only then) held as AI recovered
/// ([`recover`]).
fn at_text_recovering<E>(
    stored: Ledger,
    text: &str,
    earlier: impl FnOnce() -> Result<Option<Ledger>, E>,
    history: impl FnOnce() -> Result<Vec<Ledger>, E>,
) -> Result<Ledger, E> {
    if stored.rope() == text {
        return Ok(stored);
    }
    if let Some(back) = earlier()? {
        return Ok(back);
    }
    let history = history()?;
    if history.is_empty() {
        let mut ledger = stored;
        ledger.reconcile(text);
        return Ok(ledger);
    }
    let mut ledger = stored.clone();
    ledger.reconcile(text);
    recover(&stored, &mut ledger, &history);
    Ok(ledger)
}

/// Whether a state with text `state` can give back any of `new_lines` as
/// AI ([`recover`], and the gate's layer 5): a state's AI line is carried
/// only onto a new line that ends with it, line break included
/// (`lines::carry_onto`: a line that gained a prefix, re-indented or made
/// `pub`), or when its last line has no line break (then the diff
/// decides). A necessary condition, checked on the raw text before the
/// state is decoded.
fn may_give_back(state: &str, new_lines: &HashSet<&str>) -> bool {
    if !state.ends_with('\n') {
        return true;
    }
    let tails = crate::commit::lines::LineTails::new(state.split_inclusive('\n'));
    new_lines.iter().any(|n| tails.ends(n))
}

/// After `ledger` was reconciled from `stored` by diff: the lines new to the
/// stored text (not in it whole) that an earlier state of the file held as
/// AI, found whole by content, are AI again (text that came back in another
/// form than any remembered state, e.g. a stash popped onto another
/// branch). Lines the stored text holds keep what it says (a `forget`
/// stays forgotten).
pub(crate) fn recover(stored: &Ledger, ledger: &mut Ledger, history: &[Ledger]) {
    use crate::commit::lines;
    if history.is_empty() {
        return;
    }
    let text = ledger.text();
    let known: std::collections::HashSet<usize> = lines::map_lines(&stored.text(), &text)
        .into_iter()
        .flatten()
        .collect();
    let mut found = lines::FileLines::new();
    for state in history {
        let state_text = state.text();
        let wanted = |l: usize| !known.contains(&l) && !found.contains_key(&l);
        for (l, attr) in lines::carry_onto(&lines::from_ledger(state), &state_text, &text, wanted) {
            found.entry(l).or_insert(attr);
        }
    }
    if !found.is_empty() {
        lines::fill_ledger(ledger, &found);
    }
}

/// Paths whose stored states [`Service::elsewhere`] searches at most.
const MAX_SOURCE_PATHS: usize = 64;
/// Earlier states of each searched path that [`Sources`] index, newest
/// first: a text moved away recently is among them.
const STATES_SEARCHED: usize = 4;
/// States with more text than this (bytes) are not indexed by [`Sources`]
/// (nor read): a deleted 6 MB file would otherwise be read and hashed line
/// by line, its record and earlier states, by every later command and hook.
const MAX_SOURCE_BYTES: usize = 1 << 20;
/// Other paths' states [`Service::elsewhere`] hands back at most: a text
/// came from one or two (a move, a swap); more only cost diffs when many
/// files are alike (generated code, templates).
const MAX_SHARING: usize = 8;

/// Other paths' stored states, indexed by their AI lines' text, so a text
/// finds the states that hold one of its lines as AI in one pass over its
/// lines.
struct Sources {
    /// `(path, state)`: current records and earlier states holding AI text.
    states: Vec<(String, Rc<Ledger>)>,
    /// Each state's distinct lines (trimmed), hashed once and sorted, so
    /// how alike a text is to a state costs a binary search per line of
    /// the text (no hash table a crafted file's lines could crowd).
    line_sets: Vec<Vec<u64>>,
    /// An AI line's text (trimmed) to the states holding it.
    by_line: HashMap<String, Vec<usize>>,
}

impl Sources {
    /// The current record and earlier states of each of `paths`.
    fn build(service: &Service, paths: &[String]) -> Result<Sources, ServiceError> {
        let mut states = Vec::new();
        for path in paths {
            if service
                .store
                .text_len(path)?
                .is_some_and(|n| n <= MAX_SOURCE_BYTES)
                && let Some(stored) = service.store.load(path)?
                && !stored.ledger.regions().is_empty()
            {
                states.push((path.clone(), stored.ledger));
            }
            for state in service
                .store
                .newest_states(path, STATES_SEARCHED, MAX_SOURCE_BYTES)?
            {
                states.push((path.clone(), state));
            }
        }
        Ok(Sources::new(states))
    }

    /// `states` indexed by their distinctive AI lines.
    fn new(states: Vec<(String, Ledger)>) -> Sources {
        let mut by_line: HashMap<String, Vec<usize>> = HashMap::new();
        let mut line_sets = Vec::with_capacity(states.len());
        for (i, (_, state)) in states.iter().enumerate() {
            let text = state.text();
            let mut set: Vec<u64> = text.split('\n').map(|l| line_hash(l.trim())).collect();
            set.sort_unstable();
            set.dedup();
            line_sets.push(set);
            let lines = state.git_lines();
            let mut seen = HashSet::new();
            // The lines holding AI characters, from the attribution's runs.
            for (span, attr) in state.spans() {
                if !attr.is_ai() || span.is_empty() {
                    continue;
                }
                for l in lines.line_of(span.start)..=lines.line_of(span.end - 1) {
                    let Ok(r) = lines.range(l, l) else {
                        continue;
                    };
                    let line = text[r].trim();
                    if distinctive(line) && seen.insert(line) {
                        by_line.entry(line.to_owned()).or_default().push(i);
                    }
                }
            }
        }
        Sources {
            states: states.into_iter().map(|(p, l)| (p, Rc::new(l))).collect(),
            line_sets,
            by_line,
        }
    }

    /// The states of paths other than `rel` that `text` came from: each
    /// holds a distinctive AI line of `text` ([`distinctive`]; compared
    /// trimmed, [`recover`] then takes only whole lines), and at least half
    /// of `text`'s distinct non-blank lines are lines of it (the same file,
    /// moved; not a new file that merely shares a `}` line or a copied
    /// line). The most alike first, at most [`MAX_SHARING`].
    fn sharing(&self, rel: &str, text: &str) -> Vec<Shared> {
        let lines = distinct_lines(text);
        let ai_held: Vec<&str> = lines.iter().copied().filter(|l| distinctive(l)).collect();
        // Each candidate state, with how many of the distinctive lines of
        // `text` it holds as AI: counted by index into `states` (nothing a
        // file's content chooses), in the order first met.
        let mut counts = vec![0usize; self.states.len()];
        let mut met = Vec::new();
        for line in &ai_held {
            for &i in self.by_line.get(*line).into_iter().flatten() {
                if self.states[i].0 != rel {
                    if counts[i] == 0 {
                        met.push(i);
                    }
                    counts[i] += 1;
                }
            }
        }
        // The states sharing the most AI lines (bounded work per text):
        // the first of them picked out, then put in order.
        let mut order: Vec<(usize, usize)> = met.into_iter().map(|i| (i, counts[i])).collect();
        let most = |a: &(usize, usize), b: &(usize, usize)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        if order.len() > MAX_SHARING * 4 {
            order.select_nth_unstable_by(MAX_SHARING * 4, most);
            order.truncate(MAX_SHARING * 4);
        }
        order.sort_by(most);
        // How alike: the lines of `text` the state holds.
        let hashes: Vec<u64> = lines.iter().map(|l| line_hash(l)).collect();
        let mut alike: Vec<(usize, usize)> = order
            .into_iter()
            .filter_map(|(i, _)| {
                let held = &self.line_sets[i];
                let shared = hashes
                    .iter()
                    .filter(|h| held.binary_search(h).is_ok())
                    .count();
                (shared * 2 >= lines.len()).then_some((i, shared))
            })
            .collect();
        alike.sort_by(most);
        alike
            .into_iter()
            .take(MAX_SHARING)
            .map(|(i, shared)| {
                let (path, state) = self.states[i].clone();
                let ai_lines = ai_held
                    .iter()
                    .filter(|l| {
                        // Each list is in the order of `states`: sorted.
                        self.by_line
                            .get(**l)
                            .is_some_and(|v| v.binary_search(&i).is_ok())
                    })
                    .map(|l| (*l).to_owned())
                    .collect();
                Shared {
                    path,
                    state,
                    shared,
                    ai_lines,
                }
            })
            .collect()
    }
}

/// Another path's stored state that a text may have come from
/// ([`Sources::sharing`]).
struct Shared {
    path: String,
    /// Shared with the index: cloned only when a caller keeps it.
    state: Rc<Ledger>,
    /// How many of the text's distinct lines the state holds.
    shared: usize,
    /// The text's distinctive lines the state holds as AI (trimmed).
    ai_lines: Vec<String>,
}

/// The lines of `ledger` holding AI text, trimmed, with their attribution.
fn ai_lines(ledger: &Ledger) -> Vec<(String, crate::commit::lines::LineAttr)> {
    let lines = ledger.git_lines();
    crate::commit::lines::from_ledger(ledger)
        .into_iter()
        .filter_map(|(l, attr)| {
            let range = lines.range(l - 1, l - 1).ok()?;
            Some((ledger.text_in(range).trim().to_owned(), attr))
        })
        .collect()
}

/// The kind of [`ai_summary`] the store keeps: change it when what
/// [`ai_lines`] gives or [`LineAttr`](crate::commit::lines::LineAttr)'s
/// serialised form changes (the key also holds Vouch's version).
const AI_SUMMARY: &str = "ai lines 1";

/// A digest of `lines` ([`ai_lines`]) as a multiset: equal for two states
/// exactly when they hold the same AI lines as many times each, with the
/// same attribution ([`covered`] both ways). `Store::history_unless` keeps
/// it by each state's content, as [`AI_SUMMARY`].
fn ai_summary(lines: &[(String, crate::commit::lines::LineAttr)]) -> crate::store::Summary {
    use sha2::{Digest, Sha256};
    // Each line as JSON (text and attribution, which serialises every
    // field that `==` compares), sorted, each with its length first. A
    // line that cannot be serialised (never seen) makes the summary
    // unique, so it equals no other.
    let mut each: Vec<Vec<u8>> = lines
        .iter()
        .map(|line| {
            serde_json::to_vec(line).unwrap_or_else(|_| uuid::Uuid::new_v4().as_bytes().to_vec())
        })
        .collect();
    each.sort_unstable();
    let mut h = Sha256::new();
    for line in &each {
        h.update((line.len() as u64).to_le_bytes());
        h.update(line);
    }
    h.finalize().into()
}

/// Whether every AI line of `state` is in `record` at least as many times,
/// with the same attribution.
fn covered(
    state: &[(String, crate::commit::lines::LineAttr)],
    record: &[(String, crate::commit::lines::LineAttr)],
) -> bool {
    let mut by_text: HashMap<&str, Vec<&crate::commit::lines::LineAttr>> = HashMap::new();
    for (text, attr) in record {
        by_text.entry(text).or_default().push(attr);
    }
    for (text, attr) in state {
        let Some(attrs) = by_text.get_mut(text.as_str()) else {
            return false;
        };
        // Each line of the record covers one line of the state.
        match attrs.iter().position(|a| *a == attr) {
            Some(i) => {
                attrs.swap_remove(i);
            }
            None => return false,
        }
    }
    true
}

/// The distinct non-blank lines of `text`, trimmed.
fn distinct_lines(text: &str) -> HashSet<&str> {
    text.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// A trimmed line's hash, for [`Sources`]' line sets (in memory only).
fn line_hash(line: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(line.as_bytes());
    h.finish()
}

/// A line telling one text from another: at least three letters or digits
/// (not `}`, `});`, `*/`).
fn distinctive(line: &str) -> bool {
    line.chars()
        .filter(|c| c.is_alphanumeric())
        .nth(2)
        .is_some()
}

/// Workspace files larger than this are not read as text (64 MiB).
pub(crate) const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `rel` under `workspace` as UTF-8; `None` when missing. Only a
/// regular file inside the workspace is read, within [`MAX_TEXT_BYTES`].
pub(crate) fn read_text(workspace: &Workspace, rel: &str) -> Result<Option<String>, ServiceError> {
    let path = workspace.absolute(rel);
    let read = crate::files::read_regular(&path, &workspace.root, MAX_TEXT_BYTES);
    match read {
        Ok(crate::files::Regular::Bytes(bytes)) => {
            String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| ServiceError::NotText {
                    path: rel.to_owned(),
                })
        }
        Ok(crate::files::Regular::Missing) => Ok(None),
        Ok(other) => Err(ServiceError::Read {
            path: rel.to_owned(),
            source: std::io::Error::other(other.refusal().unwrap_or_default()),
        }),
        Err(source) => Err(ServiceError::Read {
            path: rel.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::AiSource;

    /// `text` with the lines holding `ai` (a substring) marked AI.
    fn state(text: &str, ai: &str) -> Ledger {
        let mut l = Ledger::new(text);
        let start = text.find(ai).unwrap();
        l.mark_ai(start..start + ai.len(), &AiSource::test_agent())
            .unwrap();
        l
    }

    /// An earlier state is left out of the search only when the record
    /// holds each of its AI lines, as often and attributed alike.
    #[test]
    fn earlier_states_the_record_covers_are_not_searched() {
        let record = state("fn a() {}\nlet x = 1;\nfn b() {}\n", "let x = 1;\n");
        let older = state("let x = 1;\nfn a() {}\n", "let x = 1;\n");
        assert!(covered(&ai_lines(&older), &ai_lines(&record)));
        // The same line twice, once in the record: the second may come back.
        let mut twice = Ledger::new("let x = 1;\nlet x = 1;\n");
        twice.mark_ai(0..22, &AiSource::test_agent()).unwrap();
        assert!(!covered(&ai_lines(&twice), &ai_lines(&record)));
        // Reviewed in the record, not in the state: attributed otherwise.
        let mut reviewed = record.clone();
        let review = crate::ledger::Review {
            by: "Ada <a@x>".into(),
            at: 1,
        };
        reviewed.mark_reviewed(0..reviewed.len(), &review).unwrap();
        assert!(!covered(&ai_lines(&older), &ai_lines(&reviewed)));
        // An AI line the record does not hold at all.
        let other = state("let y = 2;\n", "let y = 2;\n");
        assert!(!covered(&ai_lines(&other), &ai_lines(&record)));
    }

    /// A text of up to 8 lines drawn from a small pool (so texts share
    /// lines, move them, repeat them), some without a final line break.
    fn text_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let pool = prop::sample::select(vec![
            "a()",
            "b()",
            "}",
            "  ",
            "",
            "let x = 1;",
            "  c()",
            "c()",
            "pub b()",
        ]);
        (prop::collection::vec(pool, 0..8), any::<bool>()).prop_map(|(lines, last_break)| {
            let mut t = lines.join("\n");
            if last_break && !t.is_empty() {
                t.push('\n');
            }
            t
        })
    }

    /// `text` with the characters of `mask` (one bool per byte, repeated)
    /// marked AI, each run on character boundaries (the pool is ASCII).
    fn marked(text: &str, mask: &[bool]) -> Ledger {
        let mut l = Ledger::new(text);
        if mask.is_empty() {
            return l;
        }
        for i in 0..text.len() {
            if mask[i % mask.len()] {
                l.mark_ai(i..i + 1, &AiSource::test_agent()).unwrap();
            }
        }
        l
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(400))]

        /// The states `may_give_back` leaves out (not decoded) change
        /// nothing: `recover` from the kept ones finds exactly what it
        /// finds from all, and so does the gate's carry of each state's AI
        /// lines onto the lines new to the record.
        #[test]
        fn states_left_undecoded_could_give_nothing_back(
            own in text_strategy(),
            text in text_strategy(),
            states in proptest::collection::vec(
                (text_strategy(), proptest::collection::vec(proptest::prelude::any::<bool>(), 1..5)),
                0..5,
            ),
        ) {
            let own = Ledger::new(&own);
            let states: Vec<Ledger> = states.iter().map(|(t, m)| marked(t, m)).collect();
            let new_lines = crate::commit::lines::new_lines(&own.text(), &text);
            let kept: Vec<Ledger> = states
                .iter()
                .filter(|s| may_give_back(&s.text(), &new_lines))
                .cloned()
                .collect();
            let mut from_all = own.clone();
            from_all.reconcile(&text);
            let mut from_kept = from_all.clone();
            recover(&own, &mut from_all, &states);
            recover(&own, &mut from_kept, &kept);
            // (What recover fills in is stamped with the time it ran.)
            let ai_bytes = |l: &Ledger| -> Vec<(std::ops::Range<usize>, bool)> {
                l.spans().into_iter().map(|(r, a)| (r, a.is_ai())).collect()
            };
            proptest::prop_assert_eq!(ai_bytes(&from_all), ai_bytes(&from_kept));
            proptest::prop_assert_eq!(
                crate::commit::lines::from_ledger(&from_all),
                crate::commit::lines::from_ledger(&from_kept)
            );
            // The gate's layer 5: lines not mapped from the record.
            use crate::commit::lines;
            let mapped: HashSet<usize> = lines::map_lines(&own.text(), &text).into_iter().flatten().collect();
            let total = lines::count(&text);
            let carried = |s: &Ledger| {
                lines::carry_onto(&lines::from_ledger(s), &s.text(), &text, |l| l <= total && !mapped.contains(&l))
            };
            for s in &states {
                if !may_give_back(&s.text(), &new_lines) {
                    proptest::prop_assert!(carried(s).is_empty(), "{:?} gave back {:?}", s.text(), carried(s));
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(300))]

        /// Two states have the same summary exactly when each covers the
        /// other: the same AI lines, as many times each, attributed alike.
        #[test]
        fn summaries_agree_with_covering_both_ways(
            a in (text_strategy(), proptest::collection::vec(proptest::prelude::any::<bool>(), 1..5), proptest::prelude::any::<bool>()),
            b in (text_strategy(), proptest::collection::vec(proptest::prelude::any::<bool>(), 1..5), proptest::prelude::any::<bool>()),
        ) {
            let ledger = |(text, mask, reviewed): &(String, Vec<bool>, bool)| {
                let mut l = marked(text, mask);
                if *reviewed {
                    let review = crate::ledger::Review { by: "Ada <a@x>".into(), at: 1 };
                    l.mark_reviewed(0..l.len(), &review).unwrap();
                }
                ai_lines(&l)
            };
            let (a, b) = (ledger(&a), ledger(&b));
            proptest::prop_assert_eq!(
                ai_summary(&a) == ai_summary(&b),
                covered(&a, &b) && covered(&b, &a)
            );
        }
    }

    /// One AI line as [`ai_lines`] gives it, from a small pool of texts and
    /// attributions (so equal lines are common).
    fn ai_line_strategy()
    -> impl proptest::strategy::Strategy<Value = (String, crate::commit::lines::LineAttr)> {
        use crate::commit::lines::{LineAttr, Reviewer};
        use crate::ledger::LineOrigin;
        use proptest::prelude::*;
        (
            prop::sample::select(vec!["a()", "b()", "}", "let x = 1;"]),
            any::<bool>(),
            prop::sample::select(vec!["claude", "copilot"]),
            prop::option::of(prop::sample::select(vec!["m1", "m2"])),
            prop::option::of(prop::sample::select(vec!["agent", "inline-completion"])),
            prop::option::of(prop::sample::select(vec!["Ada <a@x>", "Bo <b@x>"])),
            prop::option::of(1usize..3),
        )
            .prop_map(|(text, mixed, tool, model, kind, review, chars)| {
                (
                    text.to_owned(),
                    LineAttr {
                        origin: if mixed {
                            LineOrigin::Mixed
                        } else {
                            LineOrigin::Ai
                        },
                        tool: tool.to_owned(),
                        model: model.map(str::to_owned),
                        kind: kind.map(str::to_owned),
                        reviews: review
                            .map(|by| Reviewer {
                                by: by.to_owned(),
                                at: Some(1),
                            })
                            .into_iter()
                            .collect(),
                        chars,
                    },
                )
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(500))]

        /// On lines drawn close together: a summary does not see order,
        /// sees every field and every repeat, and agrees with covering
        /// both ways.
        #[test]
        fn summaries_see_every_field_and_repeat_but_not_order(
            a in proptest::collection::vec(ai_line_strategy(), 0..5),
            b in proptest::collection::vec(ai_line_strategy(), 0..5),
            shift in 0usize..5,
        ) {
            let mut rotated = a.clone();
            if !rotated.is_empty() {
                let k = shift % rotated.len();
                rotated.rotate_left(k);
            }
            proptest::prop_assert_eq!(ai_summary(&a), ai_summary(&rotated));
            proptest::prop_assert_eq!(
                ai_summary(&a) == ai_summary(&b),
                covered(&a, &b) && covered(&b, &a)
            );
            if let Some(first) = a.first() {
                // One more copy of a line, or one field changed: another summary.
                let mut repeated = a.clone();
                repeated.push(first.clone());
                proptest::prop_assert_ne!(ai_summary(&a), ai_summary(&repeated));
                let mut changed = a.clone();
                let attr = &mut changed[0].1;
                match shift % 5 {
                    0 => attr.chars = Some(attr.chars.map_or(9, |c| c + 10)),
                    1 => attr.reviews.push(crate::commit::lines::Reviewer { by: "Cy <c@x>".into(), at: None }),
                    2 => attr.origin = match attr.origin {
                        crate::ledger::LineOrigin::Ai => crate::ledger::LineOrigin::Mixed,
                        _ => crate::ledger::LineOrigin::Ai,
                    },
                    3 => attr.model = Some(format!("{}-other", attr.model.clone().unwrap_or_default())),
                    _ => attr.kind = Some(format!("{}-other", attr.kind.clone().unwrap_or_default())),
                }
                proptest::prop_assert_ne!(ai_summary(&a), ai_summary(&changed));
            }
        }
    }

    /// With the earlier states' summaries kept (by a writer, for the next
    /// process), the search still finds the state holding an AI line the
    /// record lost, while the states the record covers are left undecoded.
    #[test]
    fn kept_summaries_leave_the_search_as_it_was() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        crate::git::Git::new(dir).run_as_tester(&["init", "-q"]);
        let rel = "a.rs";
        let lost = "fn lost() { 2 }\n";
        let mut service = Service::open(dir).expect("open");
        // Earlier states: one with both AI lines, then several holding only
        // the one the record still holds, which ends the lost line as
        // `}` does (so only their AI lines tell they give nothing back).
        service
            .store
            .save(
                rel,
                &state(
                    &format!("fn kept() {{\n}}\n{lost}"),
                    "fn kept() {\n}\nfn lost() { 2 }\n",
                ),
            )
            .expect("save");
        for i in 0..6 {
            let text = format!("fn kept() {{\n}}\nfn h{i}() {{}}\n");
            service
                .store
                .save(rel, &state(&text, "fn kept() {\n}\n"))
                .expect("save");
        }
        let own = service
            .store
            .load(rel)
            .expect("load")
            .expect("tracked")
            .ledger;
        // The text the commit holds: the lost line is back.
        let text = format!("{}{lost}", own.text());
        let searched = |service: &Service| -> Vec<String> {
            let (_, states) = service.search_origins(rel, &text, &own).expect("search");
            states.iter().map(Ledger::text).collect()
        };
        let cold = searched(&service);
        assert_eq!(cold, [format!("fn kept() {{\n}}\n{lost}")]);
        assert_eq!(service.store.summaries_kept(), 0, "a search writes nothing");
        // A write keeps the summaries; the next process finds the same.
        service
            .store
            .save("b.rs", &Ledger::new("b\n"))
            .expect("save");
        assert_eq!(service.store.summaries_kept(), 6);
        let next = Service::open(dir).expect("open");
        let (_, states) = next.search_origins(rel, &text, &own).expect("search");
        assert_eq!(states.iter().map(Ledger::text).collect::<Vec<_>>(), cold);
        let lines: Vec<String> = ai_lines(&states[0]).into_iter().map(|(l, _)| l).collect();
        assert_eq!(lines, ["fn kept() {", "}", "fn lost() { 2 }"]);
        // And the next process decoded only that state: every summary was
        // known, the five covered states were skipped by theirs.
        let own_ai = ai_lines(&own);
        let (own_summary, none) = (ai_summary(&own_ai), ai_summary(&[]));
        let summed = std::cell::Cell::new(0);
        let kept = next
            .store
            .history_unless(
                rel,
                |_| true,
                AI_SUMMARY,
                |state| {
                    summed.set(summed.get() + 1);
                    ai_summary(&ai_lines(state))
                },
                |s| *s == own_summary || *s == none,
            )
            .expect("states");
        assert_eq!(summed.get(), 0);
        assert_eq!(kept.iter().map(Ledger::text).collect::<Vec<_>>(), cold);
    }

    /// One transaction of `update_each`: a file written by another writer
    /// between its look-up and the transaction is left as written and
    /// named for a new look-up; the others are written. A new
    /// `update_each` then teaches it from its new record. (The loop that
    /// looks such a file up again within one `update_each` has no test:
    /// it needs a writer inside the transaction's window.)
    #[test]
    fn a_file_written_after_its_look_up_is_left_and_named_again() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        crate::git::Git::new(dir).run_as_tester(&["init", "-q"]);
        for name in ["a.rs", "b.rs"] {
            std::fs::write(dir.join(name), format!("fn {}() {{}}\n", &name[..1])).expect("write");
        }
        let mut service = Service::open(dir).expect("open");
        for name in ["a.rs", "b.rs"] {
            service
                .store
                .save(name, &Ledger::new(&format!("fn {}() {{}}\n", &name[..1])))
                .expect("save");
        }
        let rels = vec!["a.rs".to_owned(), "b.rs".to_owned()];
        let prepared: Vec<PreparedUpdate> = rels
            .iter()
            .map(|rel| service.prepare_update(rel).expect("look-up"))
            .collect();
        // Another writer marks a.rs AI after its look-up.
        let mut theirs = Ledger::new("fn a() {}\n");
        theirs.mark_ai(0..2, &AiSource::test_agent()).expect("mark");
        let mut other = Store::open(&service.workspace.store_path()).expect("open");
        other.save("a.rs", &theirs).expect("save");
        let mut mark = |rel: &str, l: &mut Ledger, _stale: bool| -> Result<bool, ServiceError> {
            l.mark_ai(3..4, &AiSource::test_agent())
                .map_err(|source| ServiceError::Ledger {
                    path: rel.to_owned(),
                    source,
                })?;
            Ok(true)
        };
        let again = service
            .write_prepared(&rels, prepared, &mut mark)
            .expect("write");
        assert_eq!(again, ["a.rs"]);
        let a = service.store.load("a.rs").expect("load").expect("a");
        assert_eq!(a.ledger.regions().len(), 1, "their write stands");
        assert_eq!(a.ledger.regions()[0].range, 0..2);
        let b = service.store.load("b.rs").expect("load").expect("b");
        assert_eq!(b.ledger.regions().len(), 1, "b.rs written");
        // update_each looks a.rs up again and teaches it on their record.
        service.update_each(&rels[..1], &mut mark).expect("update");
        let a = service.store.load("a.rs").expect("load").expect("a");
        let ranges: Vec<_> = a.ledger.regions().iter().map(|r| r.range.clone()).collect();
        assert_eq!(ranges, [0..2, 3..4]);
    }

    /// The list of changed files asked ahead on another thread is the one
    /// asked when needed.
    #[test]
    fn changed_files_asked_ahead_are_those_asked_when_needed() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let git = |args: &[&str]| crate::git::Git::new(dir).run_as_tester(args);
        git(&["init", "-q"]);
        for name in ["a.rs", "b.rs", "c.rs"] {
            std::fs::write(dir.join(name), format!("fn {name}() {{}}\n")).expect("write");
        }
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "first"]);
        let mut service = Service::open(dir).expect("open");
        for name in ["a.rs", "b.rs", "c.rs"] {
            service
                .update(name, |l| {
                    l.mark_ai(0..2, &AiSource::test_agent()).map_err(|source| {
                        ServiceError::Ledger {
                            path: name.to_owned(),
                            source,
                        }
                    })?;
                    Ok::<_, ServiceError>(Some(()))
                })
                .expect("tracked");
        }
        std::fs::write(dir.join("b.rs"), "fn changed() {}\n").expect("write");
        std::fs::remove_file(dir.join("c.rs")).expect("remove");
        let asked_now = Service::open(dir)
            .expect("open")
            .source_paths()
            .expect("paths");
        let ahead = Service::open(dir).expect("open");
        ahead.prefetch_changed();
        assert!(ahead.changed_ahead.borrow().is_some());
        let asked_ahead = ahead.source_paths().expect("paths");
        assert!(ahead.changed_ahead.borrow().is_none(), "taken");
        assert_eq!(asked_ahead, asked_now);
        assert_eq!(asked_now, ["c.rs", "b.rs"]);
    }

    /// Many files read at once come back as one at a time reads them, in
    /// order: text, missing, not text, a symlink out of the workspace.
    #[cfg(unix)]
    #[test]
    fn files_read_together_are_read_as_one_by_one() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        crate::git::Git::new(dir).run_as_tester(&["init", "-q"]);
        std::fs::create_dir(dir.join("src")).expect("mkdir");
        std::fs::write(outside.path().join("secret"), "x\n").expect("write");
        let mut rels = Vec::new();
        for i in 0..150 {
            let rel = format!("src/f{i}.rs");
            match i % 10 {
                3 => {} // missing
                5 => std::fs::write(dir.join(&rel), [0xff, 0xfe, 0]).expect("write"),
                7 => std::os::unix::fs::symlink(outside.path().join("secret"), dir.join(&rel))
                    .expect("symlink"),
                _ => std::fs::write(dir.join(&rel), format!("fn f{i}() {{}}\n")).expect("write"),
            }
            rels.push(rel);
        }
        let service = Service::open(dir).expect("open");
        let rels: Vec<&str> = rels.iter().map(String::as_str).collect();
        let one_by_one: Vec<Result<Option<String>, String>> = rels
            .iter()
            .map(|r| service.read_text(r).map_err(|e| e.to_string()))
            .collect();
        for threads in [3, 1] {
            let read: Vec<Result<Option<String>, String>> = service
                .read_texts_on(&rels, threads)
                .into_iter()
                .map(|r| r.map_err(|e| e.to_string()))
                .collect();
            assert_eq!(read, one_by_one, "{threads} threads");
        }
        let together = service.read_texts(&rels);
        let together: Vec<Result<Option<String>, String>> = together
            .into_iter()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect();
        assert_eq!(together, one_by_one);
        assert_eq!(together[0], Ok(Some("fn f0() {}\n".to_owned())));
        assert_eq!(together[3], Ok(None));
        assert!(together[5].is_err() && together[7].is_err(), "{together:?}");
        assert_eq!(together[149], Ok(Some("fn f149() {}\n".to_owned())));
    }

    fn sources(states: Vec<(&str, Ledger)>) -> Sources {
        Sources::new(states.into_iter().map(|(p, l)| (p.to_owned(), l)).collect())
    }

    #[test]
    fn sharing_finds_the_state_a_moved_text_came_from_only() {
        let moved = "fn h1() {}\nfn h2() {}\nfn ai() {\n    1\n}\n";
        let s = sources(vec![
            ("c.rs", state(moved, "fn ai() {\n    1\n}\n")),
            ("d.rs", state("fn d() {\n    2\n}\n", "}\n")),
        ]);
        // The text moved to a.rs, one line edited: c.rs's state.
        let edited = moved.replace("fn h2", "fn h22");
        let found = s.sharing("a.rs", &edited);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "c.rs");
        assert_eq!(found[0].ai_lines, ["fn ai() {"]);
        // Not for c.rs itself.
        assert!(s.sharing("c.rs", &edited).is_empty());
        // A new file sharing only a brace, or one AI line among many of its
        // own: no state.
        assert!(s.sharing("n.rs", "fn n() {\n}\n").is_empty());
        let copied = "fn n1() {}\nfn n2() {}\nfn n3() {}\nfn ai() {\n";
        assert!(s.sharing("n.rs", copied).is_empty());
        // Half its lines from c.rs: counted.
        let half = "fn n1() {}\nfn h1() {}\nfn ai() {\n";
        assert_eq!(s.sharing("n.rs", half).len(), 1);
    }
}
