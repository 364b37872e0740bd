//! All server state, owned by the main loop (`main_loop`): handlers get
//! `&mut Session`, one message at a time, in wire order. Nothing here waits
//! on the store's write lock: writes leave as [`WriteJob`]s for the writer
//! thread and come back through [`Session::written`]; reads (WAL) never wait
//! on a writer.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};

use ls_types::{Diagnostic, DiagnosticSeverity, TextDocumentContentChangeEvent, Uri};
use serde_json::Value;

use super::documents::{Doc, FlushJob, Place, Replacement, Written};
use super::position::Encoding;
use super::review::Findings;
use super::rpc::Error;
use vouch_core::commit::policy::Policy;
use vouch_core::commit::verify::UnapprovedRange;
use vouch_core::ledger::{AiKind, AiSource, Ledger, now_millis};
use vouch_core::service::at_text;
use vouch_core::store::{Store, StoredFile};
use vouch_core::workspace::Workspace;

/// User settings: `initializationOptions` and `workspace/didChangeConfiguration`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub severity: DiagnosticSeverity,
    /// Explicit reviewer identity.
    pub reviewer: Option<String>,
    /// `reviewRange`: the range under review (`origin/main..HEAD`), whose
    /// unapproved AI lines are shown (docs/sign-off.md).
    pub review_range: Option<String>,
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
    pub fn update(&mut self, v: &Value) {
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
pub struct WsStore {
    pub workspace: Workspace,
    pub store: Store,
    /// Store-wide generation last examined by the poller.
    pub seen_gen: i64,
    /// The workspace's `vouch.toml`, re-read when the file changes.
    pub policy: PolicyCache,
}

/// A workspace's policy and the size and time of the file it was read from.
#[derive(Default)]
pub struct PolicyCache {
    pub policy: Policy,
    stamp: Option<(u64, std::time::SystemTime)>,
    read_once: bool,
}

impl PolicyCache {
    /// Re-reads `vouch.toml` under `root` when it changed (one `stat`
    /// otherwise). An invalid file is logged and the defaults apply.
    pub fn refresh(&mut self, root: &Path) {
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
    enc: Encoding,
    settings: Settings,
    /// Reviewer when none is configured: git's identity, else "unknown".
    default_reviewer: String,
    /// Workspace folders (as given and canonical) and the store each maps to.
    folders: Vec<(PathBuf, usize)>,
    stores: Vec<WsStore>,
    docs: HashMap<String, Doc>,
    /// Closed documents whose diagnostics must be cleared.
    cleared: Vec<Uri>,
    /// The client accepts `workspace/codeLens/refresh` (sent after
    /// diagnostics change, so "AI: N lines unreviewed" lenses follow reviews).
    code_lens_refresh: bool,
    /// What the last verification of `settings.review_range` found.
    review: super::review::ReviewState,
    /// Snapshots of closed documents still to write.
    closing: Vec<(String, FlushJob)>,
    /// `initialize` succeeded.
    initialized: bool,
    /// Set by a handler that needs the pending state written now (save,
    /// close), not at the next idle moment.
    flush_now: bool,
    /// Set when the review range must be verified again (settings changed,
    /// an approval was made).
    review_due: bool,
    /// A `vouch.approveRange` call to run off the loop; its request is
    /// answered when it is done.
    approval: Option<super::review::ApproveJob>,
    /// See [`Effects::remember_ahead`].
    remember_ahead: Vec<(PathBuf, String)>,
}

/// What handlers asked of the main loop.
pub(crate) struct Effects {
    /// Write pending state now (save, close).
    pub(crate) flush_now: bool,
    /// Verify the review range again.
    pub(crate) review_due: bool,
    /// Stored states to remember ahead of the writes that will replace
    /// them (store file, path).
    pub(crate) remember_ahead: Vec<(PathBuf, String)>,
}

/// A document snapshot on its way to the writer thread.
pub(crate) struct WriteJob {
    /// The document's key (its URI).
    pub(crate) key: String,
    /// The store file.
    pub(crate) store_path: PathBuf,
    pub(crate) job: FlushJob,
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
            closing: Vec::new(),
            initialized: false,
            flush_now: false,
            remember_ahead: Vec::new(),
            review_due: false,
            approval: None,
        }
    }
}

/// An LSP error for an unknown document.
pub fn unknown_document(uri: &Uri) -> Error {
    Error::invalid_params(format!("unknown document {}", uri.as_str()))
}

impl Session {
    pub(crate) fn enc(&self) -> Encoding {
        self.enc
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Git's identity of the first workspace, else "unknown".
    pub(crate) fn default_reviewer(&self) -> &str {
        &self.default_reviewer
    }

    /// The policy (`vouch.toml`) of store `store`.
    pub(crate) fn policy_of(&self, store: usize) -> &Policy {
        &self.stores[store].policy.policy
    }

    /// The root of store `store`'s workspace.
    pub(crate) fn store_root(&self, store: usize) -> Option<&Path> {
        self.stores.get(store).map(|s| s.workspace.root.as_path())
    }

    /// The first store in a git workspace.
    pub(crate) fn first_git_store(&self) -> Option<usize> {
        self.stores
            .iter()
            .position(|s| s.workspace.git_dir.is_some())
    }

    pub(crate) fn code_lens_refresh(&self) -> bool {
        self.code_lens_refresh
    }

    pub(crate) fn initialized(&self) -> bool {
        self.initialized
    }

    /// What handlers asked of the main loop since it last looked.
    pub(crate) fn take_effects(&mut self) -> Effects {
        Effects {
            flush_now: std::mem::take(&mut self.flush_now),
            review_due: std::mem::take(&mut self.review_due),
            remember_ahead: std::mem::take(&mut self.remember_ahead),
        }
    }

    /// A `vouch.approveRange` call a handler prepared, to run off the loop.
    pub(crate) fn take_approval(&mut self) -> Option<super::review::ApproveJob> {
        self.approval.take()
    }

    /// `initialize`: encoding, folders and settings; git's identity as the
    /// default reviewer.
    pub(crate) fn initialize(
        &mut self,
        enc: Encoding,
        code_lens_refresh: bool,
        folders: &[PathBuf],
        options: Option<&Value>,
    ) {
        self.enc = enc;
        self.code_lens_refresh = code_lens_refresh;
        for f in folders {
            self.add_folder(f);
        }
        if let Some(opts) = options {
            self.settings.update(opts);
        }
        let dir = self
            .stores
            .first()
            .map(|w| w.workspace.root.clone())
            .or_else(|| folders.first().cloned());
        if let Some(id) = dir
            .as_deref()
            .and_then(|d| vouch_core::git::Git::new(d).identity())
        {
            self.default_reviewer = id;
        }
        self.initialized = true;
        self.review_due = true;
    }

    /// `workspace/didChangeConfiguration`: diagnostics are republished and
    /// the review range verified again.
    pub(crate) fn configure(&mut self, settings: &Value) {
        self.settings.update(settings);
        for d in self.docs.values_mut() {
            d.mark_diagnostics_due();
        }
        self.review_due = true;
    }

    /// `workspace/didChangeWorkspaceFolders`.
    pub(crate) fn change_folders(&mut self, added: &[PathBuf], removed: &[PathBuf]) {
        self.folders.retain(|(f, _)| {
            !removed
                .iter()
                .any(|r| r == f || r.canonicalize().ok().as_ref() == Some(f))
        });
        for f in added {
            self.add_folder(f);
        }
    }

    /// `vouch.approveRange`: worked out now, run off the loop.
    pub(crate) fn prepare_approval(&mut self, args: &[Value]) -> Result<(), Error> {
        self.approval = Some(super::review::approve_job(self, args)?);
        Ok(())
    }

    /// The parses documents with due diagnostics need, lent out to run off
    /// the loop.
    pub(crate) fn syntax_jobs(&mut self) -> Vec<(String, super::documents::SyntaxJob)> {
        self.docs
            .iter_mut()
            .filter(|(_, d)| d.diagnostics_due())
            .filter_map(|(k, d)| d.lend_syntax().map(|j| (k.clone(), j)))
            .collect()
    }

    /// A parse done off the loop comes back.
    pub(crate) fn return_syntax(
        &mut self,
        key: &str,
        tree: Option<vouch_core::syntax::SyntaxTree>,
    ) {
        if let Some(d) = self.docs.get_mut(key) {
            d.return_syntax(tree);
        }
    }

    /// Every git workspace to verify, with the range; `None` without a range.
    pub(crate) fn review_targets(&self) -> Option<(String, Vec<(usize, std::path::PathBuf)>)> {
        let spec = self.settings.review_range.clone()?;
        let roots = self
            .stores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.workspace.git_dir.is_some())
            .map(|(i, s)| (i, s.workspace.root.clone()))
            .collect();
        Some((spec, roots))
    }

    /// Adopts new findings; documents whose diagnostics change are due.
    pub(crate) fn set_review(&mut self, by_store: HashMap<usize, Findings>) -> bool {
        let old = std::mem::take(&mut self.review.by_store);
        let mut changed = false;
        for d in self.docs.values_mut() {
            let Some(p) = &d.place() else { continue };
            let before = old.get(&p.store).and_then(|f| f.get(&p.rel));
            let after = by_store.get(&p.store).and_then(|f| f.get(&p.rel));
            if before != after {
                d.mark_diagnostics_due();
                changed = true;
            }
        }
        self.review.by_store = by_store;
        changed
    }

    /// The unapproved ranges of `doc`'s file.
    pub(crate) fn review_ranges(&self, doc: &Doc) -> &[UnapprovedRange] {
        doc.place()
            .as_ref()
            .and_then(|p| self.review.by_store.get(&p.store)?.get(&p.rel))
            .map_or(&[], Vec::as_slice)
    }

    /// Diagnostics of every document whose diagnostics are due, with its
    /// version, plus empty lists for closed documents.
    pub(crate) fn take_due_diagnostics(&mut self) -> Vec<(Uri, Vec<Diagnostic>, Option<i32>)> {
        if self.docs.values().any(Doc::diagnostics_due) {
            for s in &mut self.stores {
                s.policy.refresh(&s.workspace.root);
            }
        }
        let mut out: Vec<(Uri, Vec<Diagnostic>, Option<i32>)> = self
            .cleared
            .drain(..)
            .map(|uri| (uri, Vec::new(), None))
            .collect();
        let due: Vec<String> = self
            .docs
            .iter()
            .filter(|(_, d)| d.diagnostics_due())
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            if let Some(doc) = self.docs.get(&k) {
                out.push((
                    doc.uri().clone(),
                    super::diagnostics::diagnostics_of(self, doc),
                    Some(doc.version()),
                ));
            }
            if let Some(doc) = self.docs.get_mut(&k) {
                doc.take_diagnostics_due();
            }
        }
        out
    }

    /// Adds a workspace folder: finds its workspace and opens the store.
    pub fn add_folder(&mut self, folder: &Path) {
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
    pub fn place_of(&self, uri: &Uri) -> Option<Place> {
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

    fn load(&mut self, place: &Place) -> Option<StoredFile> {
        load_from(&mut self.stores, place)
    }

    pub fn reviewer(&self) -> String {
        self.settings
            .reviewer
            .clone()
            .unwrap_or_else(|| self.default_reviewer.clone())
    }

    pub fn doc(&self, uri: &Uri) -> Result<&Doc, Error> {
        self.docs
            .get(uri.as_str())
            .ok_or_else(|| unknown_document(uri))
    }

    pub fn doc_mut(&mut self, uri: &Uri) -> Result<&mut Doc, Error> {
        self.docs
            .get_mut(uri.as_str())
            .ok_or_else(|| unknown_document(uri))
    }

    /// `textDocument/didOpen`: restore the stored attribution when the text
    /// matches, map it across the difference when it does not.
    pub fn open(&mut self, uri: Uri, version: i32, text: &str) {
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
        doc.set_stored(generation, dirty);
        self.docs.insert(doc.uri().as_str().to_owned(), doc);
    }

    /// `textDocument/didChange`. The per-keystroke path: no text copies, no
    /// store access (except for a full-document replacement).
    pub fn change(&mut self, uri: &str, version: i32, changes: &[TextDocumentContentChangeEvent]) {
        let Session { docs, stores, .. } = self;
        let Some(doc) = docs.get_mut(uri) else {
            let uri = vouch_core::untrusted::escape(uri);
            tracing::warn!("didChange for unknown document {uri}; ignored");
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
        if doc.reached_foreign_len() {
            adopt_if_equal(stores, doc);
        }
        if let Some(place) = doc.take_ahead()
            && let Some(ws) = stores.get(place.store)
        {
            let job = (ws.store.path().to_path_buf(), place.rel.clone());
            self.remember_ahead.push(job);
        }
    }

    /// `vouch/didAcceptAi`: the text inside the ranges is AI-written.
    pub(crate) fn accept_ai(&mut self, params: super::ext::DidAcceptAiParams) {
        let uri = params.text_document.uri;
        let Some(doc) = self.docs.get_mut(uri.as_str()) else {
            tracing::warn!(
                "vouch/didAcceptAi for unknown document {}; ignored",
                uri.as_str()
            );
            return;
        };
        let valid = |n: &str| vouch_core::untrusted::check_name(n).is_ok();
        if !valid(&params.source.tool) || !params.source.model.as_deref().is_none_or(valid) {
            tracing::warn!(
                "vouch/didAcceptAi: an invalid tool or model name was replaced (one line of at most {} bytes, no control characters)",
                vouch_core::untrusted::MAX_NAME_BYTES
            );
        }
        let source = AiSource {
            tool: vouch_core::untrusted::tool_or_unknown(params.source.tool),
            model: vouch_core::untrusted::model_or_none(params.source.model),
            kind: params.source.kind.unwrap_or(AiKind::InlineCompletion),
            session: params.source.session,
            accepted_at: now_millis(),
        };
        doc.accept_ai(params.text_document.version, params.ranges, source);
    }

    /// `textDocument/didSave`: the document's state is written now.
    pub fn save(&mut self, uri: &Uri) {
        let Session { docs, stores, .. } = self;
        let Some(doc) = docs.get_mut(uri.as_str()) else {
            tracing::warn!("didSave for unknown document {}; ignored", uri.as_str());
            return;
        };
        if doc.has_foreign() {
            adopt_if_equal(stores, doc);
        }
        self.flush_now = true;
    }

    /// `textDocument/didClose`: write what is unsaved, forget the buffer.
    pub fn close(&mut self, uri: &Uri) {
        let Some(mut doc) = self.docs.remove(uri.as_str()) else {
            tracing::warn!("didClose for unknown document {}; ignored", uri.as_str());
            return;
        };
        if let Some(job) = doc.flush_job() {
            self.closing.push((uri.as_str().to_owned(), job));
            self.flush_now = true;
        }
        self.cleared.push(uri.clone());
    }

    /// Reparses `uri` if it was edited since its tree was last used.
    pub fn refresh_syntax_of(&mut self, uri: &Uri) {
        if let Some(d) = self.docs.get_mut(uri.as_str()) {
            d.refresh_syntax();
        }
    }

    /// Whether any document has changes not yet handed to the writer.
    pub(crate) fn has_unwritten(&self) -> bool {
        !self.closing.is_empty() || self.docs.values().any(Doc::is_dirty)
    }

    /// Snapshots of every document with unwritten changes (closed ones
    /// included), for the writer thread.
    pub(crate) fn write_jobs(&mut self) -> Vec<WriteJob> {
        self.flush_now = false;
        let mut jobs: Vec<(String, FlushJob)> = std::mem::take(&mut self.closing);
        for (k, d) in &mut self.docs {
            if let Some(job) = d.flush_job() {
                jobs.push((k.clone(), job));
            }
        }
        jobs.into_iter()
            .filter_map(|(key, job)| {
                let store_path = self.stores.get(job.place.store)?.store.path().to_path_buf();
                Some(WriteJob {
                    key,
                    store_path,
                    job,
                })
            })
            .collect()
    }

    /// The writer thread's outcome for document `key`'s snapshot `seq`.
    pub(crate) fn written(&mut self, key: &str, store: usize, seq: u64, w: Written) {
        // The first write may have created the store file: read from it too.
        if w.generation.is_some()
            && let Some(ws) = self.stores.get_mut(store)
            && let Err(e) = ws.store.attach(false)
        {
            tracing::warn!("cannot open the store: {e}");
        }
        if let Some(doc) = self.docs.get_mut(key)
            && doc.place().is_some_and(|p| p.store == store)
        {
            doc.written(seq, w);
        }
    }

    /// Adopts other processes' writes to open documents. Returns whether
    /// anything changed.
    pub fn poll_stores(&mut self) -> bool {
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
                    d.place().is_some_and(|p| {
                        p.store == si && written.get(&p.rel).is_some_and(|g| *g != d.last_gen())
                    })
                })
                .map(|(k, _)| k.clone())
                .collect();
            for k in keys {
                let Some(doc) = self.docs.get_mut(&k) else {
                    continue;
                };
                let Some(place) = doc.place().cloned() else {
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
                doc.adopt(&stored.ledger, stored.generation);
                changed = true;
                tracing::info!("{}: attribution updated by another process", place.rel);
            }
        }
        changed
    }
}

/// The stored record at `place`. A store another process created since
/// (an agent hook's first write) is read from its file.
fn load_from(stores: &mut [WsStore], place: &Place) -> Option<StoredFile> {
    let store = &mut stores[place.store].store;
    if let Err(e) = store.attach(false) {
        tracing::warn!("cannot open the store: {e}");
    }
    match store.load(&place.rel) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("{}: cannot read the store: {e}", place.rel);
            None
        }
    }
}

/// Adopts the stored record of `doc` when its text equals the buffer.
fn adopt_if_equal(stores: &mut [WsStore], doc: &mut Doc) {
    let Some(place) = doc.place() else { return };
    let Some(s) = load_from(stores, place) else {
        return;
    };
    if s.ledger.rope() == doc.ledger().rope() {
        doc.adopt(&s.ledger, s.generation);
        tracing::info!(
            "{}: buffer now matches the stored record; attribution adopted",
            doc.uri().as_str()
        );
    }
}
