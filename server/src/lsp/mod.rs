//! The language server edge (`vouch lsp`). The only module that knows LSP types.
//!
//! Ordering: tower-lsp-server runs handlers concurrently, so every handler
//! does all its work on the [`session::Session`] synchronously, under a
//! `std::sync::Mutex`, before its first `.await` (handlers never await at
//! all), and our own [`transport`] polls each handler once in the read loop
//! before reading the next message; the document notifications are applied
//! right in that loop ([`notifications`]). Messages to the client are sent by
//! background tasks ([`tasks`]). So state changes apply in wire order. See
//! docs/protocol.md for the contract.

mod code_action;
mod code_lens;
mod commands;
mod diagnostics;
mod documents;
mod history;
mod hover;
mod logging;
mod merge;
mod notifications;
mod position;
mod regions;
mod review;
mod session;
mod tasks;
mod transport;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedReceiver;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

pub(crate) use self::transport::Ending;

use self::position::Encoding;
use self::session::Session;

/// `vouch/regions` parameters.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionsParams {
    text_document: TextDocumentIdentifier,
}

struct Shared {
    session: Mutex<Session>,
    publish: Notify,
    flush: Notify,
    /// Re-verify the review range (settings changed, an approval was made).
    review: Notify,
    /// Counts state changes, so the publisher can wait for a quiet moment.
    changes: AtomicU64,
    /// Set once `initialize` succeeded; the fast path serves only then.
    ready: AtomicBool,
}

pub(crate) struct Backend {
    client: Client,
    shared: Arc<Shared>,
    logs: Mutex<Option<UnboundedReceiver<logging::LogLine>>>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, Session> {
    shared
        .session
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// Runs `f` on the session, synchronously; a panic becomes an internal error.
    fn with<T>(&self, what: &str, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut s = lock(self);
            f(&mut s)
        }));
        self.changes.fetch_add(1, Ordering::Relaxed);
        self.publish.notify_one();
        self.flush.notify_one();
        match result {
            Ok(r) => r,
            Err(_) => {
                tracing::error!("internal error while handling {what}");
                Err(Error::internal_error())
            }
        }
    }

    /// For a request that only reads (the state it follows was written by
    /// the fast path): run `f` without waking the publisher or the writer.
    fn read<T>(&self, what: &str, f: impl FnOnce(&Session) -> Result<T>) -> Result<T> {
        catch_unwind(AssertUnwindSafe(|| f(&lock(self)))).unwrap_or_else(|_| {
            tracing::error!("internal error while handling {what}");
            Err(Error::internal_error())
        })
    }

    /// For a notification: run `f`, log a failure.
    fn notify(&self, what: &str, f: impl FnOnce(&mut Session)) {
        let _ = self.with(what, |s| {
            f(s);
            Ok(())
        });
    }

    /// For a request: run `f`, then write unflushed changes before answering.
    fn request<T>(&self, what: &str, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        self.with(what, |s| {
            let r = f(s);
            s.flush_all();
            r
        })
    }
}

impl Backend {
    fn notify(&self, what: &str, f: impl FnOnce(&mut Session)) {
        self.shared.notify(what, f);
    }

    fn request<T>(&self, what: &str, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        self.shared.request(what, f)
    }

    fn with<T>(&self, what: &str, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        self.shared.with(what, f)
    }

    async fn did_accept_ai(&self, params: Value) {
        match serde_json::from_value(params) {
            Ok(p) => self.shared.accept_ai(p),
            Err(e) => tracing::warn!("vouch/didAcceptAi ignored: bad parameters: {e}"),
        }
    }

    async fn vouch_regions(&self, params: Value) -> Result<Value> {
        let params: RegionsParams = serde_json::from_value(params)
            .map_err(|e| Error::invalid_params(format!("bad parameters: {e}")))?;
        let result = self.request("vouch/regions", |s| s.regions(&params.text_document.uri))?;
        serde_json::to_value(result).map_err(|e| {
            tracing::error!("cannot encode vouch/regions: {e}");
            Error::internal_error()
        })
    }
}

fn folders_of(params: &InitializeParams) -> Vec<PathBuf> {
    let mut uris: Vec<Uri> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|f| f.uri.clone())
        .collect();
    #[allow(deprecated)]
    if uris.is_empty() {
        if let Some(u) = &params.root_uri {
            uris.push(u.clone());
        } else if let Some(p) = &params.root_path {
            return vec![PathBuf::from(p)];
        }
    }
    uris.iter()
        .filter(|u| u.scheme().as_str() == "file")
        .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
        .collect()
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|encs| encs.contains(&PositionEncodingKind::UTF8));
        let enc = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let folders = folders_of(&params);
        let code_lens_refresh = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        self.with("initialize", |s| {
            s.enc = enc;
            s.code_lens_refresh = code_lens_refresh;
            for f in &folders {
                s.add_folder(f);
            }
            if let Some(opts) = &params.initialization_options {
                s.settings.update(opts);
            }
            let dir = s
                .stores
                .first()
                .map(|w| w.workspace.root.clone())
                .or_else(|| folders.first().cloned());
            if let Some(id) = dir
                .as_deref()
                .and_then(|d| vouch_core::git::Git::new(d).identity())
            {
                s.default_reviewer = id;
            }
            Ok(())
        })?;
        self.spawn_tasks();
        self.shared.review.notify_one();
        self.shared.ready.store(true, Ordering::Release);
        tracing::info!("vouch lsp ready (positions in {})", enc.as_str());
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::from(enc.as_str())),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: commands::ALL
                        .iter()
                        .chain([&review::APPROVE_RANGE])
                        .map(|c| (*c).to_owned())
                        .collect(),
                    ..ExecuteCommandOptions::default()
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR,
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "vouch".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            ..InitializeResult::default()
        })
    }

    async fn shutdown(&self) -> Result<()> {
        // From here on every message goes through the regular dispatch,
        // which refuses requests after shutdown.
        self.shared.ready.store(false, Ordering::Release);
        self.request("shutdown", |_| Ok(()))
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        self.notify("didOpen", |s| s.open(d.uri, d.version, &d.text));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let d = params.text_document;
        self.notify("didChange", |s| {
            s.change(&d.uri, d.version, params.content_changes);
        });
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.notify("didSave", |s| s.save(&params.text_document.uri));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.notify("didClose", |s| s.close(&params.text_document.uri));
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.notify("didChangeConfiguration", |s| {
            s.settings.update(&params.settings);
            for d in s.docs.values_mut() {
                d.diag_due = true;
            }
        });
        self.shared.review.notify_one();
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let paths = |fs: &[WorkspaceFolder]| -> Vec<PathBuf> {
            fs.iter()
                .filter(|f| f.uri.scheme().as_str() == "file")
                .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
                .collect()
        };
        let added = paths(&params.event.added);
        let removed = paths(&params.event.removed);
        self.notify("didChangeWorkspaceFolders", |s| {
            s.folders.retain(|(f, _)| {
                !removed
                    .iter()
                    .any(|r| r == f || r.canonicalize().ok().as_ref() == Some(f))
            });
            for f in &added {
                s.add_folder(f);
            }
        });
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command == review::APPROVE_RANGE {
            // Signing runs ssh-keygen and git: off the runtime's threads.
            let job = self.request("executeCommand", |s| s.approve_job(&params.arguments))?;
            let result = tokio::task::spawn_blocking(move || {
                review::approve(&job.root, &job.spec, job.rel.as_deref(), job.lines)
            })
            .await
            .map_err(|e| Error::invalid_params(format!("approving failed: {e}")))?;
            self.shared.review.notify_one();
            return match result {
                Ok(signed) => Ok(Some(serde_json::json!({
                    "principal": signed.principal,
                    "key": signed.key,
                    "lines": signed.lines,
                    "files": signed.files,
                }))),
                Err(e) => Err(Error::invalid_params(e)),
            };
        }
        self.request("executeCommand", |s| {
            s.execute(&params.command, &params.arguments)?;
            Ok(None)
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.request("codeAction", |s| {
            s.refresh_syntax_of(&params.text_document.uri);
            s.code_actions(&params).map(Some)
        })
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.request("codeLens", |s| {
            s.refresh_syntax_of(&params.text_document.uri);
            s.code_lenses(&params.text_document.uri).map(Some)
        })
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        self.request("hover", |s| {
            s.refresh_syntax_of(&p.text_document.uri);
            s.hover(&p.text_document.uri, p.position)
        })
    }
}

/// Serves LSP on stdin/stdout until the client exits; tells how it ended.
pub(crate) fn run() -> anyhow::Result<transport::Ending> {
    let logs = logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let ending = runtime.block_on(async {
        let shared = Arc::new(Shared {
            session: Mutex::new(Session::default()),
            publish: Notify::new(),
            flush: Notify::new(),
            review: Notify::new(),
            changes: AtomicU64::new(0),
            ready: AtomicBool::new(false),
        });
        let for_exit = shared.clone();
        let fast = shared.clone();
        let (service, socket) = LspService::build(|client| Backend {
            client,
            shared,
            logs: Mutex::new(Some(logs)),
        })
        .custom_method("vouch/didAcceptAi", Backend::did_accept_ai)
        .custom_method("vouch/regions", Backend::vouch_regions)
        .finish();
        let ending = transport::serve(
            service,
            socket,
            tokio::io::stdin(),
            tokio::io::stdout(),
            move |method: &str, body: &str, is_request: bool| {
                fast.fast_path(method, body, is_request)
            },
        )
        .await;
        lock(&for_exit).flush_all();
        ending
    });
    // Background tasks may be parked on timers; do not wait for them.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(ending)
}
