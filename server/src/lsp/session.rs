//! All server state, behind one `std::sync::Mutex` in the backend. Every
//! method here is synchronous: handlers call them before any `.await`, so
//! changes apply in the order they arrived.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::{DiagnosticSeverity, TextDocumentContentChangeEvent, Uri};

use super::documents::{Doc, Place, Replacement};
use super::merge::merge;
use super::position::Encoding;
use vouch_core::commit::policy::Policy;
use vouch_core::ledger::Ledger;
use vouch_core::service::at_text;
use vouch_core::store::{Store, StoredFile};
use vouch_core::workspace::Workspace;

/// User settings: `initializationOptions` and `workspace/didChangeConfiguration`.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) severity: DiagnosticSeverity,
    /// Explicit reviewer identity.
    pub(crate) reviewer: Option<String>,
    /// `reviewRange`: the range under review (`origin/main..HEAD`), whose
    /// unapproved AI lines are shown (docs/sign-off.md).
    pub(crate) review_range: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            severity: DiagnosticSeverity::WARNING,
            reviewer: None,
            review_range: None,
        }
    }
}

impl Settings {
    /// Reads settings at the top level of `v` or under its `vouch` key.
    pub(crate) fn update(&mut self, v: &Value) {
        let v = match v.get("vouch") {
            Some(inner) if inner.is_object() => inner,
            _ => v,
        };
        if let Some(s) = v.get("severity") {
            match parse_severity(s) {
                Some(sev) => self.severity = sev,
                None => tracing::warn!("unknown severity {s}; keeping the current one"),
            }
        }
        match v.get("reviewRange") {
            None => {}
            Some(Value::Null) => self.review_range = None,
            Some(Value::String(r)) if r.trim().is_empty() => self.review_range = None,
            Some(Value::String(r)) if !r.trim().starts_with('-') => {
                self.review_range = Some(r.trim().to_owned());
            }
            Some(other) => tracing::warn!("reviewRange must be a revision range; {other} ignored"),
        }
        if let Some(r) = v.get("reviewer") {
            match r.as_str().map(str::trim) {
                Some(r) if !r.is_empty() => self.reviewer = Some(r.to_owned()),
                _ if r.is_null() => self.reviewer = None,
                _ => tracing::warn!("reviewer must be a non-empty string; ignored"),
            }
        }
    }
}

fn parse_severity(v: &Value) -> Option<DiagnosticSeverity> {
    match v {
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "hint" => Some(DiagnosticSeverity::HINT),
            "information" | "info" => Some(DiagnosticSeverity::INFORMATION),
            "warning" | "warn" => Some(DiagnosticSeverity::WARNING),
            "error" => Some(DiagnosticSeverity::ERROR),
            _ => None,
        },
        Value::Number(n) => match n.as_u64()? {
            1 => Some(DiagnosticSeverity::ERROR),
            2 => Some(DiagnosticSeverity::WARNING),
            3 => Some(DiagnosticSeverity::INFORMATION),
            4 => Some(DiagnosticSeverity::HINT),
            _ => None,
        },
        _ => None,
    }
}

/// A workspace's store, as this server sees it.
pub(crate) struct WsStore {
    pub(crate) workspace: Workspace,
    pub(crate) store: Store,
    /// Store-wide generation last examined by the poller.
    pub(crate) seen_gen: i64,
    /// The workspace's `vouch.toml`, re-read when the file changes.
    pub(crate) policy: PolicyCache,
}

/// A workspace's policy and the size and time of the file it was read from.
#[derive(Default)]
pub(crate) struct PolicyCache {
    pub(crate) policy: Policy,
    stamp: Option<(u64, std::time::SystemTime)>,
    read_once: bool,
}

impl PolicyCache {
    /// Re-reads `vouch.toml` under `root` when it changed (one `stat`
    /// otherwise). An invalid file is logged and the defaults apply.
    pub(crate) fn refresh(&mut self, root: &Path) {
        let stamp = std::fs::metadata(root.join(vouch_core::commit::policy::FILE_NAME))
            .ok()
            .and_then(|m| Some((m.len(), m.modified().ok()?)));
        if self.read_once && stamp == self.stamp {
            return;
        }
        self.read_once = true;
        self.stamp = stamp;
        self.policy = match Policy::load(root) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("{e}; using the default policy");
                Policy::default()
            }
        };
    }
}

pub(crate) struct Session {
    pub(crate) enc: Encoding,
    pub(crate) settings: Settings,
    /// Reviewer when none is configured: git's identity, else "unknown".
    pub(crate) default_reviewer: String,
    /// Workspace folders (as given and canonical) and the store each maps to.
    pub(crate) folders: Vec<(PathBuf, usize)>,
    pub(crate) stores: Vec<WsStore>,
    pub(crate) docs: HashMap<String, Doc>,
    /// Closed documents whose diagnostics must be cleared.
    pub(crate) cleared: Vec<Uri>,
    /// The client accepts `workspace/codeLens/refresh` (sent after
    /// diagnostics change, so "AI: N lines unreviewed" lenses follow reviews).
    pub(crate) code_lens_refresh: bool,
    /// What the last verification of `settings.review_range` found.
    pub(crate) review: super::review::ReviewState,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            enc: Encoding::Utf16,
            settings: Settings::default(),
            default_reviewer: "unknown".to_owned(),
            folders: Vec::new(),
            stores: Vec::new(),
            docs: HashMap::new(),
            cleared: Vec::new(),
            code_lens_refresh: false,
            review: Default::default(),
        }
    }
}

/// An LSP error for an unknown document.
pub(crate) fn unknown_document(uri: &Uri) -> Error {
    Error::invalid_params(format!("unknown document {}", uri.as_str()))
}

impl Session {
    /// Adds a workspace folder: finds its workspace and opens the store.
    pub(crate) fn add_folder(&mut self, folder: &Path) {
        let ws = match Workspace::discover(folder) {
            Ok(ws) => ws,
            Err(e) => {
                tracing::warn!("workspace folder {} ignored: {e}", folder.display());
                return;
            }
        };
        let index = match self.stores.iter().position(|s| s.workspace == ws) {
            Some(i) => i,
            // An existing store, or one created by the first write: opening
            // a folder records nothing.
            None => match Store::open_existing(&ws.store_path()) {
                Ok(store) => {
                    let seen_gen = store.generation().unwrap_or(0);
                    tracing::info!("store {}", store.path().display());
                    let mut policy = PolicyCache::default();
                    policy.refresh(&ws.root);
                    self.stores.push(WsStore {
                        workspace: ws,
                        store,
                        seen_gen,
                        policy,
                    });
                    self.stores.len() - 1
                }
                Err(e) => {
                    tracing::warn!("cannot open the store of {}: {e}", folder.display());
                    return;
                }
            },
        };
        self.folders.push((folder.to_path_buf(), index));
        if let Ok(c) = folder.canonicalize()
            && c != folder
        {
            self.folders.push((c, index));
        }
    }

    /// A file inside a repository nested in a workspace folder (a submodule,
    /// or a repository checked out inside it) belongs to that repository's
    /// own store, as `vouch record` decides: its root is added as a folder
    /// (the longest folder wins in [`Session::place_of`]).
    fn adopt_nested(&mut self, uri: &Uri) {
        if uri.scheme().as_str() != "file" {
            return;
        }
        let Some(path) = uri.to_file_path() else {
            return;
        };
        let Some(folder) = self
            .folders
            .iter()
            .map(|(f, _)| f)
            .filter(|f| path.starts_with(f))
            .max_by_key(|f| f.as_os_str().len())
            .cloned()
        else {
            return;
        };
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !d.starts_with(&folder) || d == folder.as_path() {
                return;
            }
            if d.join(".git").exists() {
                let d = d.to_path_buf();
                if !self.folders.iter().any(|(f, _)| *f == d) {
                    self.add_folder(&d);
                }
                return;
            }
            dir = d.parent();
        }
    }

    /// Where `uri` is persisted, or `None` for in-memory documents.
    pub(crate) fn place_of(&self, uri: &Uri) -> Option<Place> {
        if uri.scheme().as_str() != "file" {
            return None;
        }
        let path = uri.to_file_path()?;
        let (_, store) = self
            .folders
            .iter()
            .filter(|(f, _)| path.starts_with(f))
            .max_by_key(|(f, _)| f.as_os_str().len())?;
        let rel = self.stores[*store].workspace.relative(&path)?;
        Some(Place { store: *store, rel })
    }

    fn load(&self, place: &Place) -> Option<StoredFile> {
        load_from(&self.stores, place)
    }

    pub(crate) fn reviewer(&self) -> String {
        self.settings
            .reviewer
            .clone()
            .unwrap_or_else(|| self.default_reviewer.clone())
    }

    pub(crate) fn doc(&self, uri: &Uri) -> Result<&Doc, Error> {
        self.docs
            .get(uri.as_str())
            .ok_or_else(|| unknown_document(uri))
    }

    pub(crate) fn doc_mut(&mut self, uri: &Uri) -> Result<&mut Doc, Error> {
        self.docs
            .get_mut(uri.as_str())
            .ok_or_else(|| unknown_document(uri))
    }

    /// `textDocument/didOpen`: restore the stored attribution when the text
    /// matches, map it across the difference when it does not.
    pub(crate) fn open(&mut self, uri: Uri, version: i32, text: &str) {
        self.adopt_nested(&uri);
        let place = self.place_of(&uri);
        let stored = place.as_ref().and_then(|p| self.load(p));
        let mut dirty = false;
        let (ledger, generation) = match stored {
            Some(s) if s.ledger.len() == text.len() && s.ledger.text() == text => {
                (s.ledger, s.generation)
            }
            Some(s) => {
                dirty = true;
                tracing::info!(
                    "{}: text differs from the stored record; attribution brought across \
                     (an earlier state with this text, else by diff)",
                    uri.as_str()
                );
                let recall = || {
                    let Some(p) = &place else { return Ok(None) };
                    Ok::<_, Infallible>(
                        self.stores[p.store]
                            .store
                            .recall(&p.rel, text)
                            .unwrap_or_else(|e| {
                                tracing::warn!("{}: cannot read the store: {e}", p.rel);
                                None
                            }),
                    )
                };
                let Ok(l) = at_text(s.ledger, text, recall);
                (l, s.generation)
            }
            None => (Ledger::new(text), 0),
        };
        let mut doc = Doc::new(uri, version, ledger, place, self.enc);
        doc.dirty = dirty;
        doc.last_gen = generation;
        self.docs.insert(doc.uri.as_str().to_owned(), doc);
    }

    /// `textDocument/didChange`. The per-keystroke path: no text copies, no
    /// store access (except for a full-document replacement).
    pub(crate) fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        let Session { docs, stores, .. } = self;
        let Some(doc) = docs.get_mut(uri.as_str()) else {
            tracing::warn!("didChange for unknown document {}; ignored", uri.as_str());
            return;
        };
        doc.apply_changes(version, changes, |place, text| {
            let Some(place) = place else {
                return Replacement::Reconcile;
            };
            match load_from(stores, place) {
                Some(s) if s.ledger.len() == text.len() && s.ledger.text() == text => {
                    Replacement::Adopt(s.ledger, s.generation)
                }
                _ => Replacement::Reconcile,
            }
        });
        if doc.foreign_len == Some(doc.ledger.len()) {
            adopt_if_equal(stores, doc);
        }
    }

    /// `textDocument/didSave`.
    pub(crate) fn save(&mut self, uri: &Uri) {
        let Some(mut doc) = self.docs.remove(uri.as_str()) else {
            tracing::warn!("didSave for unknown document {}; ignored", uri.as_str());
            return;
        };
        if doc.foreign_len.is_some() {
            adopt_if_equal(&self.stores, &mut doc);
        }
        self.flush_doc(&mut doc);
        self.docs.insert(uri.as_str().to_owned(), doc);
    }

    /// `textDocument/didClose`: write what is unsaved, forget the buffer.
    pub(crate) fn close(&mut self, uri: &Uri) {
        let Some(mut doc) = self.docs.remove(uri.as_str()) else {
            tracing::warn!("didClose for unknown document {}; ignored", uri.as_str());
            return;
        };
        self.flush_doc(&mut doc);
        self.cleared.push(doc.uri);
    }

    /// Reparses `uri` if it was edited since its tree was last used.
    pub(crate) fn refresh_syntax_of(&mut self, uri: &Uri) {
        if let Some(d) = self.docs.get_mut(uri.as_str()) {
            d.refresh_syntax();
        }
    }

    /// Writes every document with unflushed changes to its store.
    pub(crate) fn flush_all(&mut self) {
        if !self.docs.values().any(|d| d.dirty) {
            return;
        }
        let keys: Vec<String> = self
            .docs
            .iter()
            .filter(|(_, d)| d.dirty)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(mut doc) = self.docs.remove(&k) {
                self.flush_doc(&mut doc);
                self.docs.insert(k, doc);
            }
        }
    }

    /// Writes `doc` in one transaction, merging first when another process
    /// wrote the file since this server last read or wrote it.
    fn flush_doc(&mut self, doc: &mut Doc) {
        if !doc.dirty {
            return;
        }
        let Some(place) = doc.place.clone() else {
            doc.dirty = false;
            return;
        };
        let last_gen = doc.last_gen;
        let mut merged_from_other = false;
        let result = self.stores[place.store]
            .store
            .update(&place.rel, |stored| match stored {
                None if doc.ledger.regions().is_empty() => {
                    Ok::<_, vouch_core::store::StoreError>(None)
                }
                Some(s) if s.generation != last_gen => {
                    doc.ledger = merge(&doc.ledger, &s.ledger, true);
                    merged_from_other = true;
                    Ok(Some(doc.ledger.clone()))
                }
                _ => Ok(Some(doc.ledger.clone())),
            });
        match result {
            Ok((written, generation)) => {
                doc.dirty = false;
                if written.is_some() {
                    doc.last_gen = generation;
                }
                if merged_from_other {
                    doc.diag_due = true;
                }
            }
            Err(e) => tracing::error!("{}: cannot write the store: {e}", place.rel),
        }
    }

    /// Adopts other processes' writes to open documents. Returns whether
    /// anything changed.
    pub(crate) fn poll_stores(&mut self) -> bool {
        let mut changed = false;
        for si in 0..self.stores.len() {
            // Another process may have created the store since.
            if let Err(e) = self.stores[si].store.attach(false) {
                tracing::warn!("cannot open the store: {e}");
                continue;
            }
            let ws = &self.stores[si];
            let generation = match ws.store.generation() {
                Ok(g) => g,
                Err(e) => {
                    tracing::warn!("cannot read the store generation: {e}");
                    continue;
                }
            };
            if generation == ws.seen_gen {
                continue;
            }
            let written = match ws.store.generations_since(ws.seen_gen) {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!("cannot read the store: {e}");
                    continue;
                }
            };
            self.stores[si].seen_gen = generation;
            let keys: Vec<String> = self
                .docs
                .iter()
                .filter(|(_, d)| {
                    d.place.as_ref().is_some_and(|p| {
                        p.store == si && written.get(&p.rel).is_some_and(|g| *g != d.last_gen)
                    })
                })
                .map(|(k, _)| k.clone())
                .collect();
            for k in keys {
                let Some(doc) = self.docs.get_mut(&k) else {
                    continue;
                };
                let Some(place) = doc.place.clone() else {
                    continue;
                };
                let stored = match self.stores[si].store.load(&place.rel) {
                    Ok(Some(s)) => s,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!("{}: cannot read the store: {e}", place.rel);
                        continue;
                    }
                };
                doc.ledger = merge(&doc.ledger, &stored.ledger, doc.dirty);
                doc.last_gen = stored.generation;
                doc.foreign_len = (stored.ledger.len() != doc.ledger.len()
                    || stored.ledger.text() != doc.ledger.text())
                .then(|| stored.ledger.len());
                doc.diag_due = true;
                changed = true;
                tracing::info!("{}: attribution updated by another process", place.rel);
            }
        }
        changed
    }
}

fn load_from(stores: &[WsStore], place: &Place) -> Option<StoredFile> {
    match stores[place.store].store.load(&place.rel) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("{}: cannot read the store: {e}", place.rel);
            None
        }
    }
}

/// Adopts the stored record of `doc` when its text equals the buffer.
fn adopt_if_equal(stores: &[WsStore], doc: &mut Doc) {
    let Some(place) = &doc.place else { return };
    let Some(s) = load_from(stores, place) else {
        return;
    };
    if s.ledger.len() == doc.ledger.len() && s.ledger.text() == doc.ledger.text() {
        doc.ledger = merge(&doc.ledger, &s.ledger, doc.dirty);
        doc.last_gen = s.generation;
        doc.foreign_len = None;
        doc.diag_due = true;
        tracing::info!(
            "{}: buffer now matches the stored record; attribution adopted",
            doc.uri.as_str()
        );
    }
}
