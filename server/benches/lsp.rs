//! `vouch lsp` end to end over real stdio: 5k single-character `didChange`
//! notifications on a 5k-line document holding 500 AI regions, next to a
//! do-nothing reader that frames and parses the same bytes; then
//! `vouch/regions` on that document. Figures go in docs/protocol.md.
//!
//! `cargo bench --bench lsp`
#![allow(clippy::unwrap_used)]

#[path = "../../tests/support/lsp.rs"]
mod lsp;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lsp::{LspClient, frame, range, uri_of};
use serde_json::{Value, json};

const LINES: u32 = 5_000;
const EDITS: usize = 5_000;

struct Server {
    _dir: tempfile::TempDir,
    client: LspClient,
    uri: String,
    version: i32,
}

/// A server with the 5k-line document open and 500 AI regions accepted.
fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    let text: String = (0..LINES)
        .map(|i| format!("    let value_{i} = compute({i}) + 1;\n"))
        .collect();
    std::fs::write(dir.path().join("big.rs"), &text).unwrap();
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), false, json!({}));
    let uri = uri_of(&dir.path().join("big.rs"));
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

/// Parses framed messages from `r` until `count` were read.
fn do_nothing_reader(mut r: impl Read, count: usize) {
    let mut buf = Vec::with_capacity(1 << 20);
    let mut chunk = vec![0u8; 1 << 16];
    let mut at = 0;
    let mut seen = 0;
    while seen < count {
        let n = r.read(&mut chunk).unwrap();
        assert!(n > 0, "pipe closed early");
        buf.extend_from_slice(&chunk[..n]);
        while let Some(end) = buf[at..].windows(4).position(|w| w == b"\r\n\r\n") {
            let header = std::str::from_utf8(&buf[at..at + end]).unwrap();
            let len: usize = header
                .trim_start_matches("Content-Length: ")
                .parse()
                .unwrap();
            let body = at + end + 4;
            if buf.len() < body + len {
                break;
            }
            let v: Value = serde_json::from_slice(&buf[body..body + len]).unwrap();
            std::hint::black_box(v);
            at = body + len;
            seen += 1;
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut s = server();
    let mut g = c.benchmark_group("lsp");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(EDITS as u64));
    g.bench_function("5k_did_change_then_regions", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let bytes = edits(&s.uri, s.version + 1);
                s.version += EDITS as i32;
                let start = Instant::now();
                s.client.send_raw(&bytes);
                let r = s.client.regions(&s.uri);
                total += start.elapsed();
                assert_eq!(r["version"], s.version);
            }
            total
        })
    });
    g.bench_function("do_nothing_reader_same_bytes", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let bytes = edits(&s.uri, 2);
                let (reader, mut writer) = std::io::pipe().unwrap();
                let start = Instant::now();
                let t = std::thread::spawn(move || do_nothing_reader(reader, EDITS));
                writer.write_all(&bytes).unwrap();
                t.join().unwrap();
                total += start.elapsed();
            }
            total
        })
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
