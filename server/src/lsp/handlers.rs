//! The dispatch table ([`dispatch`]): every method the server serves, each
//! mapped to one handler: `fn(&mut Session, Params) -> Result<R>` for a
//! request, `fn(&mut Session, &Params)` for a notification (a hot one's
//! parameters stay in the message, freed by the reader thread). Parameters are
//! deserialised once: a hot notification's by the reader thread, the rest
//! straight from the message's raw JSON into the method's type.

use ls_types::notification::{
    DidChangeConfiguration, DidChangeTextDocument, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, Initialized, Notification,
};
use ls_types::request::{
    CodeActionRequest, CodeLensRequest, ExecuteCommand, HoverRequest, Initialize, Request, Shutdown,
};
use ls_types::*;
use std::any::Any;

use serde::Deserialize;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, Error as _};
use serde_json::Value;
use serde_json::value::RawValue;

use super::ext::{self, DidAcceptAi, Regions};
use super::main_loop::MainLoop;
use super::position::Encoding;
use super::rpc::{self, Error, Result};
use super::session::Session;

/// THE table: method → handler.
pub(crate) fn dispatch(d: &mut Dispatch<'_, '_>) {
    d.request::<Initialize>(initialize)
        .request::<Shutdown>(shutdown)
        .request::<Regions>(regions)
        .request::<ExecuteCommand>(execute_command)
        .request::<CodeActionRequest>(code_action)
        .request::<CodeLensRequest>(code_lens)
        .request::<HoverRequest>(hover)
        .notification::<DidOpenTextDocument>(did_open)
        .notification::<DidChange>(did_change)
        .notification::<DidAcceptAi>(did_accept_ai)
        .notification::<DidSaveTextDocument>(did_save)
        .notification::<DidCloseTextDocument>(did_close)
        .notification::<DidChangeConfiguration>(did_change_configuration)
        .notification::<DidChangeWorkspaceFolders>(did_change_workspace_folders)
        .notification::<Initialized>(|_, _| {})
        .finish();
}

/// The hot notifications' methods: their parameters are read into their
/// type by the reader thread as it decodes the message
/// ([`super::rpc::decode`]), so the loop only applies them; every other
/// method's parameters are read by the table.
pub(crate) fn hot(method: &str) -> Option<&'static str> {
    [DidChange::METHOD].into_iter().find(|m| *m == method)
}

/// `textDocument/didChange` as the server reads it.
pub(crate) enum DidChange {}

impl Notification for DidChange {
    type Params = DidChangeParams;
    const METHOD: &'static str = DidChangeTextDocument::METHOD;
}

/// [`DidChangeTextDocumentParams`] with the document's URI kept as sent:
/// documents are found by that text, and reading it as a URI cost the
/// reader thread a tenth of its time in a burst of keystrokes. (A URI
/// that is no open document's is ignored either way.)
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DidChangeParams {
    pub(crate) text_document: ChangedDocument,
    pub(crate) content_changes: Vec<TextDocumentContentChangeEvent>,
}

/// The changed document and its version after the change.
#[derive(Debug, Deserialize, serde::Serialize)]
pub(crate) struct ChangedDocument {
    pub(crate) uri: String,
    pub(crate) version: i32,
}

/// Reads a hot notification's parameters (its method from [`hot`]) into
/// their type.
pub(crate) struct HotParams(pub(crate) &'static str);

impl<'de> DeserializeSeed<'de> for HotParams {
    type Value = Box<dyn Any + Send>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        match self.0 {
            DidChange::METHOD => {
                DidChangeParams::deserialize(d).map(|p| Box::new(p) as Box<dyn Any + Send>)
            }
            other => Err(D::Error::custom(format_args!("{other} is not read ahead"))),
        }
    }
}

/// Logs a notification dropped for bad parameters: the document
/// notifications by their short names (`didOpen`, `didChange`...), as
/// docs/protocol.md quotes them.
fn ignored<N: Notification>(e: &serde_json::Error) {
    let name = N::METHOD.strip_prefix("textDocument/").unwrap_or(N::METHOD);
    tracing::warn!("{name} ignored: bad parameters: {e}");
}

/// Requests that change state (the others only read it).
const CHANGING: [&str; 2] = [Initialize::METHOD, ExecuteCommand::METHOD];

/// One message on its way through the table.
pub(crate) struct Dispatch<'l, 'm> {
    lp: &'l mut MainLoop,
    msg: &'m mut rpc::Incoming,
    method: &'m str,
    done: bool,
}

impl<'l, 'm> Dispatch<'l, 'm> {
    pub(crate) fn new(lp: &'l mut MainLoop, msg: &'m mut rpc::Incoming, method: &'m str) -> Self {
        Dispatch {
            lp,
            msg,
            method,
            done: false,
        }
    }

    /// The parameters in the handler's type, read from the raw JSON (a
    /// notification decoded ahead is borrowed instead, see
    /// [`Dispatch::notification`]).
    fn params<P: DeserializeOwned>(&self) -> serde_json::Result<P> {
        serde_json::from_str(self.msg.params.as_deref().map_or("null", RawValue::get))
    }

    fn request<R: Request>(
        &mut self,
        handler: fn(&mut Session, R::Params) -> Result<R::Result>,
    ) -> &mut Self {
        if self.done || self.method != R::METHOD {
            return self;
        }
        let Some(id) = self.msg.id.clone() else {
            return self;
        };
        self.done = true;
        let outcome = match self.params::<R::Params>() {
            Ok(p) => self.lp.run_handler(R::METHOD, |s| handler(s, p)),
            Err(e) => Err(Error::invalid_params(format!("bad parameters: {e}"))),
        };
        if CHANGING.contains(&R::METHOD) {
            self.lp.changed();
        }
        // A signed approval runs off the loop and is answered when done.
        if outcome.is_ok()
            && let Some(job) = self.lp.session.take_approval()
        {
            self.lp.approve_later(id, job);
            return self;
        }
        let body = rpc::response(&id, outcome);
        self.lp.answer(body);
        self
    }

    /// A notification. Its handler borrows the parameters. Those the
    /// reader thread decoded ahead (`didChange`) stay in the message, which
    /// goes back to that thread to be freed where it was allocated (see
    /// [`super::main_loop`]), so a burst of keystrokes costs the loop no
    /// deallocations; the others are read here, and freed here.
    fn notification<N: Notification>(
        &mut self,
        handler: fn(&mut Session, &N::Params),
    ) -> &mut Self {
        if self.done || self.method != N::METHOD || self.msg.id.is_some() {
            return self;
        }
        self.done = true;
        let read_now;
        let params = match self
            .msg
            .decoded
            .as_ref()
            .and_then(|d| d.downcast_ref::<N::Params>())
        {
            Some(p) => p,
            None => match self.params::<N::Params>() {
                Ok(p) => {
                    read_now = p;
                    &read_now
                }
                Err(e) => {
                    ignored::<N>(&e);
                    return self;
                }
            },
        };
        let _ = self.lp.run_handler(N::METHOD, |s| {
            handler(s, params);
            Ok(())
        });
        self.lp.changed();
        self
    }

    /// Unknown requests get `-32601`; unknown notifications are ignored.
    fn finish(&mut self) {
        if self.done {
            return;
        }
        if let Some(id) = &self.msg.id {
            let body = rpc::error_body(rpc::METHOD_NOT_FOUND, "Method not found", id);
            self.lp.answer(body);
        }
    }
}

fn initialize(s: &mut Session, params: InitializeParams) -> Result<InitializeResult> {
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
    let folders = super::folders_of(&params);
    let code_lens_refresh = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.code_lens.as_ref())
        .and_then(|c| c.refresh_support)
        .unwrap_or(false);
    s.initialize(
        enc,
        code_lens_refresh,
        &folders,
        params.initialization_options.as_ref(),
    );
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
                commands: ext::COMMANDS.iter().map(|c| (*c).to_owned()).collect(),
                ..ExecuteCommandOptions::default()
            }),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::REFACTOR]),
                ..CodeActionOptions::default()
            })),
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

/// `shutdown`: answered once everything pending is written (as every request).
fn shutdown(_: &mut Session, _: ()) -> Result<()> {
    Ok(())
}

fn regions(s: &mut Session, params: ext::RegionsParams) -> Result<ext::RegionsResult> {
    super::regions::regions(s, &params.text_document.uri)
}

fn execute_command(s: &mut Session, params: ExecuteCommandParams) -> Result<Option<Value>> {
    if params.command == ext::APPROVE_RANGE {
        // Signing runs ssh-keygen and git: off the loop (`MainLoop::approve_later`).
        s.prepare_approval(&params.arguments)?;
        return Ok(None);
    }
    super::commands::execute(s, &params.command, &params.arguments)?;
    Ok(None)
}

fn code_action(s: &mut Session, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
    s.refresh_syntax_of(&params.text_document.uri);
    super::code_action::code_actions(s, &params).map(Some)
}

fn code_lens(s: &mut Session, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    s.refresh_syntax_of(&params.text_document.uri);
    super::code_lens::code_lenses(s, &params.text_document.uri).map(Some)
}

fn hover(s: &mut Session, params: HoverParams) -> Result<Option<Hover>> {
    let p = params.text_document_position_params;
    s.refresh_syntax_of(&p.text_document.uri);
    super::hover::hover(s, &p.text_document.uri, p.position)
}

fn did_open(s: &mut Session, params: &DidOpenTextDocumentParams) {
    let d = &params.text_document;
    s.open(d.uri.clone(), d.version, &d.text);
}

fn did_change(s: &mut Session, params: &DidChangeParams) {
    let d = &params.text_document;
    s.change(&d.uri, d.version, &params.content_changes);
}

fn did_accept_ai(s: &mut Session, params: &ext::DidAcceptAiParams) {
    s.accept_ai(params.clone());
}

fn did_save(s: &mut Session, params: &DidSaveTextDocumentParams) {
    s.save(&params.text_document.uri);
}

fn did_close(s: &mut Session, params: &DidCloseTextDocumentParams) {
    s.close(&params.text_document.uri);
}

fn did_change_configuration(s: &mut Session, params: &DidChangeConfigurationParams) {
    s.configure(&params.settings);
}

fn did_change_workspace_folders(s: &mut Session, params: &DidChangeWorkspaceFoldersParams) {
    let paths = |fs: &[WorkspaceFolder]| -> Vec<std::path::PathBuf> {
        fs.iter()
            .filter(|f| f.uri.scheme().as_str() == "file")
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect()
    };
    let added = paths(&params.event.added);
    let removed = paths(&params.event.removed);
    s.change_folders(&added, &removed);
}
