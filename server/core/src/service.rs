//! The operations the CLI, the hooks and the language server share: a
//! workspace with its store, and each file's attribution brought up to date
//! with the text on disk.

use std::convert::Infallible;
use std::path::Path;

use crate::ledger::Ledger;
use crate::store::{Store, StoreError};
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
    /// Tracked files missing from the disk that hold AI text, with their
    /// stored attribution: found once per process (a command or a hook,
    /// which neither creates nor deletes workspace files).
    moved: std::cell::OnceCell<Vec<(String, Ledger)>>,
}

impl Service {
    /// Finds the workspace holding `dir` and opens its store (creating it),
    /// for commands that record something.
    pub fn open(dir: &Path) -> Result<Service, ServiceError> {
        let workspace = Workspace::discover(dir)?;
        let store = Store::open_workspace(&workspace)?;
        Ok(Service {
            workspace,
            store,
            moved: std::cell::OnceCell::new(),
        })
    }

    /// Like [`Service::open`] for commands that only read (`status`,
    /// `check`, `blame`, `export`, `verify`): a workspace without a store
    /// gets an empty one in memory, and nothing is created.
    pub fn open_read_only(dir: &Path) -> Result<Service, ServiceError> {
        let workspace = Workspace::discover(dir)?;
        let store = Store::open_existing(&workspace.store_path())?;
        Ok(Service {
            workspace,
            store,
            moved: std::cell::OnceCell::new(),
        })
    }

    /// Reads a workspace file as text; `None` when it does not exist.
    pub fn read_text(&self, rel: &str) -> Result<Option<String>, ServiceError> {
        read_text(&self.workspace, rel)
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
    pub fn current_at(
        &self,
        rel: &str,
        text: Option<&str>,
    ) -> Result<Option<Ledger>, ServiceError> {
        let (key, stored) = match self.store.load(rel)? {
            Some(s) => (rel.to_owned(), s),
            None => {
                let Some(from) = self.renamed_from(rel)? else {
                    return Ok(None);
                };
                let Some(s) = self.store.load(&from)? else {
                    return Ok(None);
                };
                (from, s)
            }
        };
        Ok(Some(match text {
            Some(text) => at_text_recovering(
                stored.ledger,
                text,
                || self.store.recall(&key, text).map_err(ServiceError::from),
                || self.earlier_and_moved(&key),
            )?,
            None => stored.ledger,
        }))
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
    pub fn renames(&self) -> Result<Vec<(String, String)>, ServiceError> {
        let Some(_) = &self.workspace.git_dir else {
            return Ok(Vec::new());
        };
        let tracked = self.store.paths()?;
        let missing: std::collections::HashSet<&String> = tracked
            .iter()
            .filter(|p| !self.workspace.absolute(p).exists())
            .collect();
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        let git = crate::git::Git::new(&self.workspace.root);
        let changes = git.staged_changes()?;
        let mut out: Vec<(String, String)> = changes
            .iter()
            .filter_map(|c| Some((c.from.clone()?, c.path.clone())))
            .filter(|(from, to)| missing.contains(from) && !tracked.contains(to))
            .collect();
        // Files changed in the index or on disk, not tracked under their name.
        let mut candidates: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
        candidates.extend(crate::git::split_z(&git.run(&[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-color",
            "--no-ext-diff",
            "--diff-filter=d",
        ])?));
        candidates.sort();
        candidates.dedup();
        for path in candidates {
            if tracked.contains(&path) || out.iter().any(|(_, to)| *to == path) {
                continue;
            }
            let Some(text) = self.read_text(&path)? else {
                continue;
            };
            if let Some(from) = self.moved_source(&text)?
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
        let new_lines: std::collections::HashSet<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        for path in self.store.paths()? {
            if self.workspace.absolute(&path).exists() {
                continue;
            }
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

    /// What a text of `rel` the store has not seen may have come from: the
    /// earlier states of `rel` (its `history`), then the stored attribution
    /// of every tracked file missing from the disk (a file moved onto `rel`:
    /// `git mv c.rs a.rs` back onto a path the store still knows from an
    /// earlier life, or a stash that brings a rename back). [`recover`]
    /// takes from them only lines new to the stored text, found whole.
    pub fn earlier_and_moved(&self, rel: &str) -> Result<Vec<Ledger>, ServiceError> {
        let mut out = self.store.history(rel)?;
        out.extend(self.moved_away(rel)?);
        Ok(out)
    }

    /// The stored attribution of each tracked file (other than `rel`) that
    /// is missing from the disk and holds AI text.
    pub fn moved_away(&self, rel: &str) -> Result<Vec<Ledger>, ServiceError> {
        if self.moved.get().is_none() {
            let mut found = Vec::new();
            for path in self.store.paths()? {
                if self.workspace.absolute(&path).exists() {
                    continue;
                }
                if let Some(stored) = self.store.load(&path)?
                    && stored.ledger.spans().iter().any(|(_, a)| a.is_ai())
                {
                    found.push((path, stored.ledger));
                }
            }
            let _ = self.moved.set(found);
        }
        Ok(self
            .moved
            .get()
            .into_iter()
            .flatten()
            .filter(|(path, _)| path != rel)
            .map(|(_, ledger)| ledger.clone())
            .collect())
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
        let disk = read_text(&self.workspace, rel)?;
        // An earlier state with exactly the text on disk, looked up outside
        // the write transaction (it is used only if the stored text differs).
        let earlier = match &disk {
            Some(text) => self.store.recall(rel, text)?,
            None => None,
        };
        // Earlier states and files moved away, for lines new to the stored
        // text (read only when no exact state is known).
        let history = match (&disk, &earlier) {
            (Some(_), None) => self.earlier_and_moved(rel)?,
            _ => Vec::new(),
        };
        // Not tracked yet: a file renamed from a tracked one starts from its
        // attribution.
        let moved = match &disk {
            Some(_) if self.store.load(rel)?.is_none() => self.current(rel)?,
            _ => None,
        };
        let mut result = None;
        self.store.update(rel, |stored| {
            let mut ledger = match (stored, &disk) {
                (Some(s), Some(text)) => {
                    let Ok(l) = at_text_recovering(
                        s.ledger,
                        text,
                        || Ok::<_, Infallible>(earlier),
                        || Ok(history),
                    );
                    l
                }
                (Some(s), None) => s.ledger,
                (None, Some(text)) => moved.unwrap_or_else(|| Ledger::new(text)),
                (None, None) => {
                    return Err(E::from(ServiceError::Read {
                        path: rel.to_owned(),
                        source: std::io::Error::from(std::io::ErrorKind::NotFound),
                    }));
                }
            };
            result = change(&mut ledger)?;
            Ok(result.is_some().then_some(ledger))
        })?;
        Ok(result)
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
        for (l, attr) in lines::carry(&lines::from_ledger(state), &state_text, &text) {
            if !known.contains(&l) {
                found.entry(l).or_insert(attr);
            }
        }
    }
    if !found.is_empty() {
        lines::fill_ledger(ledger, &found);
    }
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
