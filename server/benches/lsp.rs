//! `vouch lsp` end to end over real stdio: 5k single-character `didChange`
//! notifications on a 5k-line document holding 500 AI regions, next to a
//! do-nothing server; then `vouch/regions` on that document. Figures go in
//! docs/protocol.md and the README (`scripts/bench-lsp`).
//!
//! The do-nothing server is this bench binary run as a process: it reads
//! the same frames from its stdin (Content-Length framing, 64 KiB buffer)
//! and deserialises each message with serde_json into typed parameters —
//! the head (`id`, `method`) with the parameters as raw JSON, then the
//! parameters into `ls_types::DidChangeTextDocumentParams` or
//! `RegionsParams` — and answers each request with `null`. It keeps no
//! state: whatever `vouch lsp` takes beyond it is the cost of tracking.
//!
//! Both servers are driven by the same client ([`Wire`]): it writes the
//! frames to the server's stdin and reads frames from its stdout until the
//! answer to its request, checking only each frame's head (`id`, `method`);
//! so a timing is the server's work plus the pipes, never the client's
//! parse of an answer into a JSON tree.
//!
//! `cargo bench --bench lsp`
#![allow(clippy::unwrap_used)]

// The end-to-end tests' framing helpers.
#[allow(dead_code)]
#[path = "../../tests/it/support/lsp.rs"]
mod lsp;

use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use lsp::{frame, range, read_frame, uri_of};
use serde_json::{Value, json};

const LINES: u32 = 5_000;
const EDITS: usize = 5_000;
/// Quiet time before each burst (not measured), after the previous burst's
/// diagnostics are out ([`Wire::await_diagnostics`]), so a sample times one
/// burst from an idle server: its reparse, diagnostics and writes are done.
/// (A fixed 150 ms alone was not enough on `.rs`: the reparse after 5k
/// scattered edits that leave the text full of syntax errors takes about
/// 110 ms, and ran into the next burst.)
const SETTLE: Duration = Duration::from_millis(50);

/// A server process spoken to in raw frames.
struct Wire {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

/// What the client reads of every frame: its head.
#[derive(serde::Deserialize)]
struct ReplyHead {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    method: Option<serde::de::IgnoredAny>,
}

impl Wire {
    fn spawn(mut cmd: Command) -> Wire {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::with_capacity(64 * 1024, child.stdout.take().unwrap());
        Wire {
            child,
            stdin,
            stdout,
            next_id: 0,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&frame(
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        ));
    }

    /// A framed request, and its id.
    fn request_frame(&mut self, method: &str, params: Value) -> (Vec<u8>, i64) {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        (frame(&msg), id)
    }

    /// Reads frames until the answer to `id`; returns its body. Messages
    /// from the server (diagnostics, log lines, its requests) are skipped.
    fn answer(&mut self, id: i64) -> Vec<u8> {
        loop {
            let body = read_frame(&mut self.stdout).expect("the server answers");
            let head: ReplyHead = serde_json::from_slice(&body).unwrap();
            if head.method.is_none() && head.id.as_ref().and_then(Value::as_i64) == Some(id) {
                return body;
            }
        }
    }

    /// Reads frames until `textDocument/publishDiagnostics` for `uri` at
    /// `version` (not timed).
    fn await_diagnostics(&mut self, uri: &str, version: i32) {
        loop {
            let body = read_frame(&mut self.stdout).expect("the server publishes diagnostics");
            let msg: Value = serde_json::from_slice(&body).unwrap();
            if msg["method"] == "textDocument/publishDiagnostics"
                && msg["params"]["uri"] == uri
                && msg["params"]["version"] == version
            {
                return;
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let (bytes, id) = self.request_frame(method, params);
        self.send(&bytes);
        let body = self.answer(id);
        let mut reply: Value = serde_json::from_slice(&body).unwrap();
        assert!(reply.get("error").is_none(), "{method}: {reply}");
        reply["result"].take()
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Server {
    _dir: tempfile::TempDir,
    wire: Wire,
    uri: String,
    version: i32,
}

/// `vouch lsp` with a 5k-line document `big.<ext>` open and 500 AI regions
/// accepted (`rs` has a grammar, so edits also update a syntax tree).
fn server(ext: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    let text: String = (0..LINES)
        .map(|i| format!("    let value_{i} = compute({i}) + 1;\n"))
        .collect();
    let name = format!("big.{ext}");
    std::fs::write(dir.path().join(&name), &text).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vouch"));
    cmd.args(["lsp", "--stdio"]).current_dir(dir.path());
    let mut wire = Wire::spawn(cmd);
    let root = uri_of(dir.path());
    wire.call(
        "initialize",
        json!({
            "processId": null,
            "rootUri": root,
            "workspaceFolders": [{"uri": root, "name": "ws"}],
            "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
        }),
    );
    wire.notify("initialized", json!({}));
    let uri = uri_of(&dir.path().join(&name));
    wire.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": ext, "version": 1, "text": text}}),
    );
    let ranges: Vec<Value> = (0..500).map(|k| range(k * 10, 4, k * 10, 20)).collect();
    wire.notify(
        "vouch/didAcceptAi",
        json!({
            "textDocument": {"uri": uri, "version": 1},
            "ranges": ranges,
            "source": {"tool": "copilot", "model": "gpt-4.1"},
        }),
    );
    let r = wire.call("vouch/regions", json!({"textDocument": {"uri": uri}}));
    assert_eq!(r["regions"].as_array().unwrap().len(), 500);
    Server {
        _dir: dir,
        wire,
        uri,
        version: 1,
    }
}

/// 5k framed single-character insertions, spread over the document.
fn edits(uri: &str, first_version: i32) -> Vec<u8> {
    let mut out = Vec::new();
    for k in 0..EDITS {
        let line = ((k * 7919) % LINES as usize) as u32;
        let msg = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": first_version + k as i32},
                "contentChanges": [{"range": range(line, 2, line, 2), "text": "x"}],
            },
        });
        out.extend(frame(&msg));
    }
    out
}

/// A message's head, its parameters left raw for their typed read.
#[derive(serde::Deserialize)]
struct Head<'a> {
    #[serde(default)]
    id: Option<Value>,
    #[serde(borrow)]
    method: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    params: &'a serde_json::value::RawValue,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct RegionsParams {
    text_document: ls_types::TextDocumentIdentifier,
}

/// The do-nothing server (this bench binary with `VOUCH_BENCH_DO_NOTHING`):
/// reads every frame from stdin, deserialises each into its typed
/// parameters, answers requests with null.
fn do_nothing_server() {
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(64 * 1024, stdin.lock());
    let mut out = std::io::stdout().lock();
    while let Some(body) = read_frame(&mut input) {
        let head: Head = serde_json::from_slice(&body).unwrap();
        match head.method.as_ref() {
            "textDocument/didChange" => {
                let p: ls_types::DidChangeTextDocumentParams =
                    serde_json::from_str(head.params.get()).unwrap();
                std::hint::black_box(p);
            }
            "vouch/regions" => {
                let p: RegionsParams = serde_json::from_str(head.params.get()).unwrap();
                std::hint::black_box(p);
            }
            other => panic!("the do-nothing server does not expect {other}"),
        }
        if let Some(id) = head.id {
            let reply = json!({"jsonrpc": "2.0", "id": id, "result": null});
            out.write_all(&frame(&reply)).unwrap();
            out.flush().unwrap();
        }
    }
}

/// One burst: [`edits`] then a `vouch/regions` request, written at once;
/// the time from the first byte sent to the answer's last byte read.
fn burst(wire: &mut Wire, uri: &str, first_version: i32) -> Duration {
    let mut bytes = edits(uri, first_version);
    let (request, id) = wire.request_frame("vouch/regions", json!({"textDocument": {"uri": uri}}));
    bytes.extend(request);
    let start = Instant::now();
    wire.send(&bytes);
    let answer = wire.answer(id);
    let took = start.elapsed();
    assert!(!answer.is_empty());
    took
}

/// `iters` bursts, each from an idle server.
fn bursts(s: &mut Server, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        std::thread::sleep(SETTLE);
        total += burst(&mut s.wire, &s.uri, s.version + 1);
        s.version += EDITS as i32;
        s.wire.await_diagnostics(&s.uri, s.version);
    }
    // The answer came after every edit was applied.
    let r = s
        .wire
        .call("vouch/regions", json!({"textDocument": {"uri": s.uri}}));
    assert_eq!(r["version"], s.version);
    total
}

fn bench(c: &mut Criterion) {
    let mut plain = server("txt");
    let mut s = server("rs");
    let mut g = c.benchmark_group("lsp");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(EDITS as u64));
    g.bench_function("5k_did_change_then_regions_rs", |b| {
        b.iter_custom(|iters| bursts(&mut s, iters))
    });
    g.bench_function("5k_did_change_then_regions_txt", |b| {
        b.iter_custom(|iters| bursts(&mut plain, iters))
    });
    g.bench_function("do_nothing_server_same_bytes", |b| {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.env("VOUCH_BENCH_DO_NOTHING", "1");
        let mut wire = Wire::spawn(cmd);
        b.iter_custom(|iters| (0..iters).map(|_| burst(&mut wire, &s.uri, 2)).sum())
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("regions_500", |b| {
        let params = json!({"textDocument": {"uri": s.uri}});
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (bytes, id) = s.wire.request_frame("vouch/regions", params.clone());
                let start = Instant::now();
                s.wire.send(&bytes);
                let answer = s.wire.answer(id);
                total += start.elapsed();
                assert!(answer.len() > 500 * 100, "500 regions in the answer");
            }
            total
        })
    });
    g.finish();
    let r = s
        .wire
        .call("vouch/regions", json!({"textDocument": {"uri": s.uri}}));
    assert_eq!(r["regions"].as_array().unwrap().len(), 500);
    drop(plain);
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("VOUCH_BENCH_DO_NOTHING").is_some() {
        do_nothing_server();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
