//! The stdio transport: a tolerant `Content-Length` frame reader and the
//! frame writer. The reader runs on its own thread and feeds the main loop
//! (`main_loop`) one frame at a time.
//!
//! Bad input never stops reading: a malformed frame gets a JSON-RPC error
//! (`-32700`) from the main loop and reading goes on at the next frame.
//! Header lines are capped at [`MAX_HEADER_LINE`] bytes and a
//! `Content-Length` over [`MAX_BODY`] is refused unread.

use std::io::{BufRead, Read, Write};

/// A `Content-Length` over this is refused (the body is not read).
pub(crate) const MAX_BODY: usize = 512 * 1024 * 1024;

/// Longest header line accepted (bytes, line break included).
pub(crate) const MAX_HEADER_LINE: usize = 8 * 1024;

/// The header that starts every frame; after a broken frame, reading
/// resumes at its next occurrence.
const FRAME_START: &[u8] = b"content-length:";

/// Reads one header line into `line`, at most [`MAX_HEADER_LINE`] bytes.
/// Returns `Ok(false)` at end of input; a longer line is consumed without
/// being kept and reported as `Err` in the inner result.
fn read_header_line(
    r: &mut impl BufRead,
    line: &mut Vec<u8>,
) -> std::io::Result<Result<bool, String>> {
    line.clear();
    let n = (&mut *r)
        .take(MAX_HEADER_LINE as u64)
        .read_until(b'\n', line)?;
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
fn resync(r: &mut impl BufRead, prefix_read: &mut bool) -> std::io::Result<bool> {
    let mut matched = 0;
    loop {
        let buf = r.fill_buf()?;
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
pub(crate) fn read_frame(
    r: &mut impl BufRead,
    prefix_read: &mut bool,
) -> std::io::Result<Option<Result<Vec<u8>, String>>> {
    if !*prefix_read && let Some(body) = buffered_frame(r) {
        return Ok(Some(Ok(body)));
    }
    let mut len: Option<Result<usize, String>> = None;
    let mut line = Vec::new();
    let mut value_only = std::mem::take(prefix_read);
    loop {
        match read_header_line(r, &mut line)? {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                return match resync(r, prefix_read)? {
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
                    return match resync(r, prefix_read)? {
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
        return match resync(r, prefix_read)? {
            true => Ok(Some(Err(format!(
                "Content-Length {len} is over the {MAX_BODY}-byte limit; skipped to the next frame"
            )))),
            false => Ok(None),
        };
    }
    // Grown as bytes arrive, never allocated from the announced length.
    let mut body = Vec::with_capacity(len.min(1 << 20));
    (&mut *r).take(len as u64).read_to_end(&mut body)?;
    if body.len() < len {
        return Ok(None);
    }
    Ok(Some(Ok(body)))
}

/// The common case, taken straight from the read buffer: a whole frame
/// there, with the one header clients send (`Content-Length: N`, as
/// written here). `None` leaves the input untouched for [`read_frame`]'s
/// general reading.
fn buffered_frame(r: &mut impl BufRead) -> Option<Vec<u8>> {
    const HEAD: &[u8] = b"Content-Length: ";
    let buf = r.fill_buf().ok()?;
    let rest = buf.strip_prefix(HEAD)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.get(digits..digits + 4)? != b"\r\n\r\n" {
        return None;
    }
    let len: usize = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    if len > MAX_BODY {
        return None;
    }
    let start = HEAD.len() + digits + 4;
    let body = buf.get(start..start.checked_add(len)?)?.to_vec();
    r.consume(start + len);
    Some(body)
}

/// Writes one frame.
pub(crate) fn write_frame(w: &mut impl Write, body: &str) -> std::io::Result<()> {
    write!(w, "Content-Length: {}\r\n\r\n", body.len())?;
    w.write_all(body.as_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    /// Every frame `read_frame` returns from `input`, then whether input ended.
    fn frames(input: &[u8]) -> Vec<Result<Vec<u8>, String>> {
        // A small buffer, so headers split across reads are exercised.
        let mut r = std::io::BufReader::with_capacity(7, input);
        let mut prefix = false;
        let mut out = Vec::new();
        while let Ok(Some(f)) = read_frame(&mut r, &mut prefix) {
            out.push(f);
        }
        out
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

    /// With a buffer that holds whole frames (the fast path) the frames
    /// read are those read through a 7-byte buffer (the general reader):
    /// plain headers, other headers, other spellings, broken frames, a
    /// frame cut short at the end.
    #[test]
    fn frames_from_the_buffer_are_the_frames_read_line_by_line() {
        let mut input = Vec::new();
        for i in 0..50 {
            let body =
                format!(r#"{{"jsonrpc":"2.0","method":"m","params":{{"i":{i},"s":"é\n"}}}}"#);
            match i % 5 {
                0 | 1 => input.extend(frame(&body)),
                2 => input.extend(format!("content-length: {}\r\n\r\n{body}", body.len()).bytes()),
                3 => input.extend(
                    format!(
                        "Content-Length: {}\r\nContent-Type: x\r\n\r\n{body}",
                        body.len()
                    )
                    .bytes(),
                ),
                _ => {
                    input.extend(format!("junk\r\nContent-Length:{}\n\n{body}", body.len()).bytes())
                }
            }
        }
        input.extend(b"Content-Length: 99\r\n\r\n{\"cut\"");
        let whole = {
            let mut r = std::io::BufReader::with_capacity(64 * 1024, input.as_slice());
            let mut prefix = false;
            let mut out = Vec::new();
            while let Ok(Some(f)) = read_frame(&mut r, &mut prefix) {
                out.push(f);
            }
            out
        };
        let by_line = frames(&input);
        assert_eq!(whole, by_line);
        assert_eq!(whole.iter().filter(|f| f.is_ok()).count(), 50, "{whole:?}");
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
                    let _ = serde_json::from_str::<crate::lsp::rpc::Message>(text);
                }
            }
        }
    }
}
