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
//! `cargo bench --bench lsp`
#![allow(clippy::unwrap_used)]

// The end-to-end tests' LSP client; the bench uses only part of it.
#[allow(dead_code)]
#[path = "../../tests/it/support/lsp.rs"]
mod lsp;

use std::io::Write;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use lsp::{LspClient, frame, range, read_frame, uri_of};
use serde_json::{Value, json};

const LINES: u32 = 5_000;
const EDITS: usize = 5_000;
/// Quiet time before each burst (not measured), so a sample times one burst
/// from an idle server: the previous burst's diagnostics and writes are done.
const SETTLE: Duration = Duration::from_millis(150);

struct Server {
    _dir: tempfile::TempDir,
    client: LspClient,
    uri: String,
    version: i32,
}

/// A server with a 5k-line document `big.<ext>` open and 500 AI regions
/// accepted (`rs` has a grammar, so edits also update a syntax tree).
fn server(ext: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    let text: String = (0..LINES)
        .map(|i| format!("    let value_{i} = compute({i}) + 1;\n"))
        .collect();
    let name = format!("big.{ext}");
    std::fs::write(dir.path().join(&name), &text).unwrap();
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), false, json!({}));
    let uri = uri_of(&dir.path().join(&name));
    client.open(&uri, 1, &text);
    let ranges: Vec<Value> = (0..500).map(|k| range(k * 10, 4, k * 10, 20)).collect();
    client.accept_ai(
        &uri,
        1,
        ranges,
        json!({"tool": "copilot", "model": "gpt-4.1"}),
    );
    let r = client.regions(&uri);
    assert_eq!(r["regions"].as_array().unwrap().len(), 500);
    Server {
        _dir: dir,
        client,
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

/// `iters` bursts of [`edits`], each from an idle server, then
/// `vouch/regions`: the time from the first byte sent to the answer.
fn bursts(s: &mut Server, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let bytes = edits(&s.uri, s.version + 1);
        s.version += EDITS as i32;
        std::thread::sleep(SETTLE);
        let start = Instant::now();
        s.client.send_raw(&bytes);
        let r = s.client.regions(&s.uri);
        total += start.elapsed();
        assert_eq!(r["version"], s.version);
    }
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
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env("VOUCH_BENCH_DO_NOTHING", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut id = 0;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut bytes = edits(&s.uri, 2);
                id += 1;
                bytes.extend(frame(&json!({
                    "jsonrpc": "2.0", "id": id, "method": "vouch/regions",
                    "params": {"textDocument": {"uri": s.uri}},
                })));
                let start = Instant::now();
                stdin.write_all(&bytes).unwrap();
                stdin.flush().unwrap();
                let reply = read_frame(&mut stdout).unwrap();
                total += start.elapsed();
                assert!(!reply.is_empty());
            }
            total
        });
        drop(stdin);
        let _ = child.wait();
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("regions_500", |b| {
        b.iter(|| {
            let r = s.client.regions(&s.uri);
            assert_eq!(r["regions"].as_array().unwrap().len(), 500);
        })
    });
    g.finish();
    drop(s.client);
    drop(plain.client);
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
