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
}

impl Service {
    /// Finds the workspace holding `dir` and opens its store (creating it),
    /// for commands that record something.
    pub fn open(dir: &Path) -> Result<Service, ServiceError> {
        let workspace = Workspace::discover(dir)?;
        let store = Store::open_workspace(&workspace)?;
        Ok(Service { workspace, store })
    }

    /// Like [`Service::open`] for commands that only read (`status`,
    /// `check`, `blame`, `export`, `verify`): a workspace without a store
    /// gets an empty one in memory, and nothing is created.
    pub fn open_read_only(dir: &Path) -> Result<Service, ServiceError> {
        let workspace = Workspace::discover(dir)?;
        let store = Store::open_existing(&workspace.store_path())?;
        Ok(Service { workspace, store })
    }

    /// Reads a workspace file as text; `None` when it does not exist.
    pub fn read_text(&self, rel: &str) -> Result<Option<String>, ServiceError> {
        read_text(&self.workspace, rel)
    }

    /// The attribution of `rel` as it applies to the file on disk now: the
    /// stored ledger reconciled with the current text. `None` when the file is
    /// not tracked. A deleted file keeps its stored text.
    pub fn current(&self, rel: &str) -> Result<Option<Ledger>, ServiceError> {
        let Some(stored) = self.store.load(rel)? else {
            return Ok(None);
        };
        Ok(Some(match self.read_text(rel)? {
            Some(text) => at_text(stored.ledger, &text, || self.store.recall(rel, &text))?,
            None => stored.ledger,
        }))
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
        let mut result = None;
        self.store.update(rel, |stored| {
            let mut ledger = match (stored, &disk) {
                (Some(s), Some(text)) => {
                    let Ok(l) = at_text(s.ledger, text, || Ok::<_, Infallible>(earlier));
                    l
                }
                (Some(s), None) => s.ledger,
                (None, Some(text)) => Ledger::new(text),
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
    if stored.rope() == text {
        return Ok(stored);
    }
    if let Some(back) = earlier()? {
        return Ok(back);
    }
    let mut ledger = stored;
    ledger.reconcile(text);
    Ok(ledger)
}

/// Workspace files larger than this are not read as text (64 MiB).
pub const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `rel` under `workspace` as UTF-8; `None` when missing. Only a
/// regular file inside the workspace is read, within [`MAX_TEXT_BYTES`].
pub fn read_text(workspace: &Workspace, rel: &str) -> Result<Option<String>, ServiceError> {
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
