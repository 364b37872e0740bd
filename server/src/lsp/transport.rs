//! The stdio transport. It replaces tower-lsp-server's `Server` for two
//! reasons:
//!
//! - Bad input: that `Server` stops reading after the first message it cannot
//!   decode (its framed reader ends the stream on a decode error). Here a
//!   malformed frame or body gets a JSON-RPC error (`-32700` parse error,
//!   `-32600` invalid request) and reading goes on.
//! - Ordering: each message's handler is polled once, right here in the read
//!   loop, before the next message is read. Handlers do all their work before
//!   their first `.await`, so state changes apply in wire order by
//!   construction. A handler that is still pending after that poll finishes
//!   on the runtime.

use std::task::{Context, Poll, Waker};

use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tower_lsp_server::ClientSocket;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_service::Service;

/// Bodies larger than this are read and dropped.
const MAX_BODY: usize = 512 * 1024 * 1024;

/// What the read loop needs to know before decoding a message fully.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    method: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
}

enum Incoming {
    Response(Response),
    Request(Request),
    /// Handled by the fast path.
    Done,
    /// Answered by the fast path: this response body goes out as is.
    Answered(String),
}

/// What the fast path did with a message.
pub enum Fast {
    /// Not handled: decode it and hand it to the service.
    Pass,
    /// A notification, applied in place.
    Handled,
    /// A request, answered in place with this response body.
    Reply(String),
}

/// Decodes a message: a request or notification when it names a method,
/// else a response.
fn decode(
    text: &str,
    fast: &impl Fn(&str, &str, bool) -> Fast,
) -> Result<Incoming, serde_json::Error> {
    let head: Head = serde_json::from_str(text)?;
    if let Some(method) = &head.method {
        match fast(method, text, head.id.is_some()) {
            Fast::Handled => return Ok(Incoming::Done),
            Fast::Reply(body) => return Ok(Incoming::Answered(body)),
            Fast::Pass => {}
        }
        serde_json::from_str::<Request>(text).map(Incoming::Request)
    } else {
        match serde_json::from_str::<Response>(text) {
            Ok(r) => Ok(Incoming::Response(r)),
            Err(e) if head.id.is_some() => Err(e),
            // No method, no id: let the server answer (it ignores it).
            Err(_) => serde_json::from_str::<Request>(text).map(Incoming::Request),
        }
    }
}

/// A JSON-RPC error response with a null id.
fn error_body(code: i64, message: &str, id: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}

/// Reads one frame: `Ok(Some(body))`, `Ok(None)` at end of input, or
/// `Err(reason)` for a broken header (the frame is skipped).
async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
) -> std::io::Result<Option<Result<Vec<u8>, String>>> {
    let mut len: Option<Result<usize, String>> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if len.is_none() {
                // Blank lines between messages are harmless.
                continue;
            }
            break;
        }
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            len = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|e| format!("bad Content-Length `{}`: {e}", value.trim())),
            );
        } else if len.is_none() && !text.contains(':') {
            len = Some(Err(format!("expected a header, got `{text}`")));
        }
    }
    let len = match len {
        Some(Ok(n)) => n,
        Some(Err(e)) => return Ok(Some(Err(e))),
        None => return Ok(Some(Err("missing Content-Length".to_owned()))),
    };
    if len > MAX_BODY {
        let mut sink = tokio::io::sink();
        tokio::io::copy(&mut (&mut *r).take(len as u64), &mut sink).await?;
        return Ok(Some(Err(format!("message of {len} bytes is too large"))));
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).await?;
    Ok(Some(Ok(body)))
}

async fn write_all<W: AsyncWrite + Unpin>(w: &mut W, body: &str) -> std::io::Result<()> {
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    w.write_all(header.as_bytes()).await?;
    w.write_all(body.as_bytes()).await?;
    Ok(())
}

/// How a session over stdio ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after a `shutdown` request: the orderly way (exit code 0).
    Exit,
    /// `exit` with no `shutdown` before it: the protocol asks for exit code 1.
    ExitWithoutShutdown,
    /// The client closed stdin (or it could not be read).
    EndOfInput,
}

/// Serves `service` over `input`/`output` until `exit` or end of input.
///
/// `fast` sees every message that names a method first (method, raw body,
/// whether it is a request): it may apply a notification or answer a request
/// in place, or prepare for a request and leave the message to `service`.
pub async fn serve<S, I, O>(
    mut service: S,
    socket: ClientSocket,
    input: I,
    mut output: O,
    fast: impl Fn(&str, &str, bool) -> Fast,
) -> Ending
where
    S: Service<Request, Response = Option<Response>>,
    S::Error: std::fmt::Display,
    S::Future: Send + 'static,
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (out_tx, mut out_rx) = unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(body) = out_rx.recv().await {
            if write_all(&mut output, &body).await.is_err() {
                break;
            }
            // Flush when nothing else is queued, so bursts go out together.
            if out_rx.is_empty() && output.flush().await.is_err() {
                break;
            }
        }
        let _ = output.flush().await;
    });
    let (mut client_requests, mut client_responses) = socket.split();
    let forward_tx = out_tx.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(req) = client_requests.next().await {
            match serde_json::to_string(&req) {
                Ok(s) => {
                    if forward_tx.send(s).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::error!("cannot encode a message to the client: {e}"),
            }
        }
    });

    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut shutdown_seen = false;
    let mut ending = Ending::EndOfInput;
    loop {
        let body = match read_frame(&mut input).await {
            Ok(Some(Ok(body))) => body,
            Ok(Some(Err(reason))) => {
                tracing::error!("bad message frame: {reason}");
                send(&out_tx, error_body(-32700, "Parse error", Value::Null));
                continue;
            }
            Ok(None) => break,
            Err(e) => {
                tracing::error!("cannot read stdin: {e}");
                break;
            }
        };
        let message = match std::str::from_utf8(&body) {
            Ok(text) => decode(text, &fast).map_err(|e| (text, e)),
            Err(_) => {
                tracing::error!("message body is not UTF-8");
                send(&out_tx, error_body(-32700, "Parse error", Value::Null));
                continue;
            }
        };
        match message {
            Ok(Incoming::Done) => {}
            Ok(Incoming::Answered(body)) => send(&out_tx, body),
            Ok(Incoming::Request(req)) => {
                let will_exit = req.method() == "exit";
                shutdown_seen |= req.method() == "shutdown";
                if let Err(e) = std::future::poll_fn(|cx| service.poll_ready(cx)).await {
                    tracing::info!("server stopped: {e}");
                    break;
                }
                let fut = service.call(req);
                dispatch(fut, &out_tx);
                if will_exit {
                    ending = if shutdown_seen {
                        Ending::Exit
                    } else {
                        Ending::ExitWithoutShutdown
                    };
                    break;
                }
            }
            Ok(Incoming::Response(res)) => {
                if let Err(e) = client_responses.send(res).await {
                    tracing::warn!("response from the client dropped: {e}");
                }
            }
            Err((text, e)) => {
                let (code, msg) = if e.is_syntax() || e.is_eof() {
                    (-32700, "Parse error")
                } else {
                    (-32600, "Invalid request")
                };
                tracing::error!("cannot decode message: {e}");
                let id = serde_json::from_str::<Value>(text)
                    .ok()
                    .and_then(|v| v.get("id").cloned())
                    .filter(|id| id.is_i64() || id.is_string())
                    .unwrap_or(Value::Null);
                send(&out_tx, error_body(code, msg, id));
            }
        }
    }
    forwarder.abort();
    drop(out_tx);
    // Let queued responses go out.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
    ending
}

fn send(tx: &UnboundedSender<String>, body: String) {
    let _ = tx.send(body);
}

/// Polls the handler once now (its synchronous part runs in wire order);
/// finishes it on the runtime if it is still pending.
fn dispatch<F, E>(fut: F, out: &UnboundedSender<String>)
where
    F: Future<Output = Result<Option<Response>, E>> + Send + 'static,
    E: std::fmt::Display,
{
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let deliver = |out: &UnboundedSender<String>, r: Result<Option<Response>, E>| match r {
        Ok(Some(res)) => match serde_json::to_string(&res) {
            Ok(s) => send(out, s),
            Err(e) => tracing::error!("cannot encode a response: {e}"),
        },
        Ok(None) => {}
        Err(e) => tracing::info!("{e}"),
    };
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(r) => deliver(out, r),
        Poll::Pending => {
            let out = out.clone();
            tokio::spawn(async move {
                let r = fut.await;
                deliver(&out, r);
            });
        }
    }
}
