//! Speed of `vouch record`: an agent's edit to a 10k-line and a 100k-line
//! file, from payload to durable store write, in process; and the whole
//! `vouch record` process (start-up included) for the 10k-line file.
//!
//! `cargo bench --bench record`

use std::path::Path;
use std::process::Command;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vouch_core::agent::{self, Agent};

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

/// A repository (and its canonical root) with `big.rs` of `lines` lines committed.
fn repo_with_big_file(lines: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    git(&root, &["init", "-q"]);
    std::fs::write(root.join("big.rs"), text(lines, 0)).expect("write");
    git(&root, &["add", "."]);
    git(
        &root,
        &[
            "-c",
            "user.name=b",
            "-c",
            "user.email=b@b",
            "commit",
            "-qm",
            "init",
        ],
    );
    (dir, root)
}

/// The file's text in version `v`: line `lines/2` differs per version.
fn text(lines: usize, v: usize) -> String {
    (0..lines)
        .map(|i| {
            if i == lines / 2 {
                format!("    let middle = compute({v}) * 2; // v{v}\n")
            } else {
                format!("    let value_{i} = compute({i}) + 1;\n")
            }
        })
        .collect()
}

fn payload(root: &Path, event: &str, call: usize) -> Vec<u8> {
    serde_json::json!({
        "session_id": "bench", "hook_event_name": event, "tool_name": "Edit",
        "cwd": root, "tool_use_id": format!("call-{call}"),
        "tool_input": {"file_path": root.join("big.rs"), "old_string": "x", "new_string": "y"}
    })
    .to_string()
    .into_bytes()
}

/// The untimed part of a post-tool sample: the pre-tool snapshot of call
/// `v + 1`, then the agent's edit. Returns the call number.
fn snapshot_then_edit(root: &Path, lines: usize, v: &mut usize) -> usize {
    *v += 1;
    agent::record(Agent::ClaudeCode, &payload(root, "PreToolUse", *v), root).expect("pre");
    std::fs::write(root.join("big.rs"), text(lines, *v)).expect("agent edit");
    *v
}

fn bench_size(c: &mut Criterion, lines: usize) {
    let (_dir, root) = repo_with_big_file(lines);
    let mut v = 0;

    // Pre-tool: snapshot the file.
    c.bench_function(&format!("record: pre-tool snapshot, {lines} lines"), |b| {
        b.iter(|| {
            v += 1;
            agent::record(Agent::ClaudeCode, &payload(&root, "PreToolUse", v), &root).expect("pre")
        });
    });

    // Post-tool: diff against the snapshot, attribute, write the store.
    c.bench_function(
        &format!("record: post-tool attribute + durable write, {lines} lines"),
        |b| {
            b.iter_batched(
                || snapshot_then_edit(&root, lines, &mut v),
                |call| {
                    let r = agent::record(
                        Agent::ClaudeCode,
                        &payload(&root, "PostToolUse", call),
                        &root,
                    )
                    .expect("post");
                    assert_eq!(r.recorded.len(), 1);
                },
                BatchSize::PerIteration,
            );
        },
    );
}

/// The real binary, payload on stdin, as an agent runs it.
fn run_binary(root: &Path, payload: &[u8]) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(["record", "--agent", "claude-code"])
        .current_dir(root)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("vouch runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(payload)
        .expect("payload written");
    assert!(child.wait().expect("vouch exits").success());
}

fn bench_process(c: &mut Criterion, lines: usize) {
    let (_dir, root) = repo_with_big_file(lines);
    let mut v = 0;
    c.bench_function(
        &format!("vouch record process: pre-tool, {lines} lines"),
        |b| {
            b.iter(|| {
                v += 1;
                run_binary(&root, &payload(&root, "PreToolUse", v));
            });
        },
    );
    c.bench_function(
        &format!("vouch record process: post-tool, {lines} lines"),
        |b| {
            b.iter_batched(
                || snapshot_then_edit(&root, lines, &mut v),
                |call| run_binary(&root, &payload(&root, "PostToolUse", call)),
                BatchSize::PerIteration,
            );
        },
    );
}

fn record(c: &mut Criterion) {
    bench_size(c, 10_000);
    bench_size(c, 100_000);
    bench_process(c, 10_000);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = record
}
criterion_main!(benches);
