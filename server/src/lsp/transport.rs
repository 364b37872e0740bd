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

/// A `Content-Length` over this is refused (the body is not read).
pub(crate) const MAX_BODY: usize = 512 * 1024 * 1024;

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
pub(crate) enum Fast {
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

/// Longest header line accepted (bytes, line break included).
pub(crate) const MAX_HEADER_LINE: usize = 8 * 1024;

/// The header that starts every frame; after a broken frame, reading
/// resumes at its next occurrence.
const FRAME_START: &[u8] = b"content-length:";

/// Reads one header line into `line`, at most [`MAX_HEADER_LINE`] bytes.
/// Returns `Ok(false)` at end of input; a longer line is consumed without
/// being kept and reported as `Err` in the inner result.
async fn read_header_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    line: &mut Vec<u8>,
) -> std::io::Result<Result<bool, String>> {
    line.clear();
    let n = (&mut *r)
        .take(MAX_HEADER_LINE as u64)
        .read_until(b'\n', line)
        .await?;
    if n == 0 {
        return Ok(Ok(false));
    }
    if line.ends_with(b"\n") || n < MAX_HEADER_LINE {
        return Ok(Ok(true));
    }
    Ok(Err(format!(
        "header line longer than {MAX_HEADER_LINE} bytes"
    )))
}

/// Skips input up to the next `Content-Length:` (any case), keeping
/// nothing: where reading resumes after a broken frame. Returns `Ok(false)`
/// at end of input. When the header was split across two reads its name is
/// already consumed: `*prefix_read` is then set, for [`read_frame`].
async fn resync<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    prefix_read: &mut bool,
) -> std::io::Result<bool> {
    let mut matched = 0;
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(false);
        }
        let mut used = 0;
        let mut found = false;
        for b in buf {
            used += 1;
            let b = b.to_ascii_lowercase();
            if b == FRAME_START[matched] {
                matched += 1;
                if matched == FRAME_START.len() {
                    found = true;
                    break;
                }
            } else {
                matched = usize::from(b == FRAME_START[0]);
            }
        }
        match found {
            // The header starts inside this buffer: leave it unread.
            true if used >= FRAME_START.len() => {
                r.consume(used - FRAME_START.len());
                return Ok(true);
            }
            // It started in an earlier buffer (split across reads): its
            // name is gone; the rest of the header line still parses.
            true => {
                r.consume(used);
                *prefix_read = true;
                return Ok(true);
            }
            false => r.consume(used),
        }
    }
}

/// `Name: value` with a token for a name (`Content-Type`, `Content-Length`).
fn is_header(line: &str) -> bool {
    line.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Reads one frame: `Ok(Some(body))`, `Ok(None)` at end of input, or
/// `Err(reason)` for a broken frame. A broken frame (header line over
/// [`MAX_HEADER_LINE`], `Content-Length` over [`MAX_BODY`] or unparsable)
/// costs no more memory than those limits, and reading resumes at the next
/// `Content-Length:` header, so later valid messages are still served.
/// `prefix_read` says the previous [`resync`] consumed the name of the
/// first header (`Content-Length:`); it is cleared here.
async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    prefix_read: &mut bool,
) -> std::io::Result<Option<Result<Vec<u8>, String>>> {
    let mut len: Option<Result<usize, String>> = None;
    let mut line = Vec::new();
    let mut value_only = std::mem::take(prefix_read);
    loop {
        match read_header_line(r, &mut line).await? {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                return match resync(r, prefix_read).await? {
                    true => Ok(Some(Err(e))),
                    false => Ok(None),
                };
            }
        }
        if std::mem::take(&mut value_only) {
            line.splice(0..0, FRAME_START.iter().copied());
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
        let mut header = text;
        if len.is_none() && !is_header(text) {
            // Not a frame start: garbage, or a body glued to the next frame.
            match text.to_ascii_lowercase().find("content-length:") {
                Some(at) => {
                    tracing::error!("bad message frame: {at} bytes of garbage skipped");
                    header = &text[at..];
                }
                None => {
                    let shown: String = text.chars().take(80).collect();
                    return match resync(r, prefix_read).await? {
                        true => Ok(Some(Err(format!("expected a header, got `{shown}`")))),
                        false => Ok(None),
                    };
                }
            }
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            len = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|e| format!("bad Content-Length `{}`: {e}", value.trim())),
            );
        }
    }
    let len = match len {
        Some(Ok(n)) => n,
        Some(Err(e)) => return Ok(Some(Err(e))),
        None => return Ok(Some(Err("missing Content-Length".to_owned()))),
    };
    if len > MAX_BODY {
        // Not consumed: a huge length would swallow every later message.
        return match resync(r, prefix_read).await? {
            true => Ok(Some(Err(format!(
                "Content-Length {len} is over the {MAX_BODY}-byte limit; skipped to the next frame"
            )))),
            false => Ok(None),
        };
    }
    // Grown as bytes arrive, never allocated from the announced length.
    let mut body = Vec::with_capacity(len.min(1 << 20));
    (&mut *r).take(len as u64).read_to_end(&mut body).await?;
    if body.len() < len {
        return Ok(None);
    }
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
pub(crate) enum Ending {
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
pub(crate) async fn serve<S, I, O>(
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
    let mut prefix_read = false;
    let mut shutdown_seen = false;
    let mut ending = Ending::EndOfInput;
    loop {
        let body = match read_frame(&mut input, &mut prefix_read).await {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    /// Every frame `read_frame` returns from `input`, then whether input ended.
    fn frames(input: &[u8]) -> Vec<Result<Vec<u8>, String>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            // A small buffer, so headers split across reads are exercised.
            let mut r = BufReader::with_capacity(7, input);
            let mut prefix = false;
            let mut out = Vec::new();
            while let Ok(Some(f)) = read_frame(&mut r, &mut prefix).await {
                out.push(f);
            }
            out
        })
    }

    const VALID: &str = r#"{"jsonrpc":"2.0","id":7,"method":"vouch/regions","params":{}}"#;

    #[test]
    fn frames_after_broken_ones_are_read() {
        let mut input = b"Content-Length: 18446744073709551615\r\n\r\n".to_vec();
        input.extend(b"junk line\r\n{\"glued\":1}");
        input.extend(frame(VALID));
        input.extend(vec![b'x'; MAX_HEADER_LINE * 3]);
        input.extend(b"\r\n");
        input.extend(frame(VALID));
        let got = frames(&input);
        let ok: Vec<&Vec<u8>> = got.iter().filter_map(|f| f.as_ref().ok()).collect();
        assert_eq!(ok, vec![&VALID.as_bytes().to_vec(); 2], "{got:?}");
        assert!(
            got.iter()
                .any(|f| f.as_ref().is_err_and(|e| e.contains("over the")))
        );
        assert!(
            got.iter()
                .any(|f| f.as_ref().is_err_and(|e| e.contains("longer than")))
        );
    }

    #[test]
    fn other_headers_are_allowed() {
        let body = VALID;
        let input = format!(
            "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(frames(input.as_bytes()), vec![Ok(body.as_bytes().to_vec())]);
    }

    fn fast(_: &str, _: &str, _: bool) -> Fast {
        Fast::Pass
    }

    proptest! {
        #![proptest_config(vouch_core::fuzz::config(64))]

        /// Garbage (anything without a `Content-Length` header in it)
        /// followed by a line break and a valid frame: the frame is read.
        #[test]
        fn fuzz_lsp_valid_frame_after_garbage_is_read(
            garbage in vouch_core::fuzz::bytes(vec![
                b"Content-Type: x\r\n".to_vec(),
                b"{\"jsonrpc\":\"2.0\"}".to_vec(),
                b"\r\n\r\n".to_vec(),
            ], 4096)
        ) {
            prop_assume!(!garbage.to_ascii_lowercase().windows(FRAME_START.len() - 1)
                .any(|w| w == &FRAME_START[..FRAME_START.len() - 1]));
            let mut input = garbage;
            input.extend(b"\r\n");
            input.extend(frame(VALID));
            let got = frames(&input);
            prop_assert_eq!(got.last(), Some(&Ok(VALID.as_bytes().to_vec())));
        }

        /// Arbitrary and mutated frames: no panic; every body returned is
        /// within the limit; decoding any body does not panic.
        #[test]
        fn fuzz_lsp_frames_and_messages(
            input in vouch_core::fuzz::bytes(vec![
                frame(VALID),
                frame(r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a","languageId":"rust","version":1,"text":"x"}}}"#),
                frame(r#"{"jsonrpc":"2.0","id":1,"result":null}"#),
                [frame(VALID), frame(VALID)].concat(),
            ], 2048)
        ) {
            for body in frames(&input).into_iter().flatten() {
                prop_assert!(body.len() <= MAX_BODY);
                if let Ok(text) = std::str::from_utf8(&body) {
                    let _ = decode(text, &fast);
                }
            }
        }
    }
}
