//! Helpers for the agent-hook tests: fixtures, feeding payloads to
//! `vouch record`, and reading attribution back through the library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use vouch_core::ledger::{AiKind, Attribution, Ledger};
use vouch_core::service::Service;

use crate::support::{TempRepo, VouchOutput, vouch_bin};

/// A payload fixture with `@ROOT@` replaced by the repository's path.
pub fn fixture(repo: &TempRepo, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/agents")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    text.replace("@ROOT@", &root(repo))
}

/// The repository path as the agent would report it (canonical).
pub fn root(repo: &TempRepo) -> String {
    repo.path()
        .canonicalize()
        .expect("canonical repo path")
        .to_str()
        .expect("UTF-8 temp path")
        .to_owned()
}

/// Starts `vouch record --agent NAME` in `dir` with `payload` on stdin.
pub fn spawn_record(dir: &Path, agent: &str, payload: &[u8]) -> Child {
    let mut child = Command::new(vouch_bin())
        .args(["record", "--agent", agent])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vouch record");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(payload).expect("write payload");
    drop(stdin);
    child
}

/// Runs `vouch record --agent NAME` with `payload` on stdin and waits.
pub fn record(repo: &TempRepo, agent: &str, payload: &str) -> VouchOutput {
    record_bytes(repo.path(), agent, payload.as_bytes())
}

pub fn record_bytes(dir: &Path, agent: &str, payload: &[u8]) -> VouchOutput {
    let child = spawn_record(dir, agent, payload);
    VouchOutput(child.wait_with_output().expect("wait for vouch"))
}

/// The stored attribution of `rel`, reconciled with the file on disk.
pub fn ledger(repo: &TempRepo, rel: &str) -> Option<Ledger> {
    let service = Service::open(repo.path()).expect("open service");
    service.current(rel).expect("read store")
}

/// The stored text of `rel` exactly as the store holds it (no reconciling).
pub fn stored_text(repo: &TempRepo, rel: &str) -> Option<String> {
    let service = Service::open(repo.path()).expect("open service");
    service
        .store
        .load(rel)
        .expect("read store")
        .map(|f| f.ledger.text())
}

/// The file's text with every AI-written character kept and every human one
/// replaced by `·` (line breaks of human text kept, for readable diffs).
pub fn ai_mask(ledger: &Ledger) -> String {
    let text = ledger.text();
    let mut out = String::new();
    for (range, attr) in ledger.spans() {
        let piece = &text[range];
        if attr.is_ai() {
            out.push_str(piece);
        } else {
            out.extend(piece.chars().map(|c| if c == '\n' { '\n' } else { '·' }));
        }
    }
    out
}

/// The AI-written text of `ledger` with `|` between separate regions.
pub fn ai_text(ledger: &Ledger) -> String {
    let text = ledger.text();
    ledger
        .regions()
        .iter()
        .map(|r| &text[r.range.clone()])
        .collect::<Vec<_>>()
        .join("|")
}

/// Asserts that every AI region of `ledger` has this tool, kind, model and session.
pub fn assert_source(
    ledger: &Ledger,
    tool: &str,
    kind: AiKind,
    model: Option<&str>,
    session: Option<&str>,
) {
    let regions = ledger.regions();
    assert!(!regions.is_empty(), "no AI regions");
    for r in regions {
        let Attribution::Ai { source, reviews } = &r.attribution else {
            unreachable!()
        };
        assert_eq!(source.tool, tool);
        assert_eq!(source.kind, kind);
        assert_eq!(source.model.as_deref(), model);
        assert_eq!(source.session.as_deref(), session);
        assert!(reviews.is_empty());
    }
}

/// Snapshot files left in the snapshot folder (its `.swept` marker aside).
pub fn snapshots(repo: &TempRepo) -> Vec<PathBuf> {
    let dir = repo.path().join(".git/vouch/agent-snapshots");
    match std::fs::read_dir(dir) {
        Ok(d) => d
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A repository with `src/lib.rs` committed.
pub fn repo_with_lib() -> TempRepo {
    let repo = TempRepo::new();
    repo.write("src/lib.rs", LIB);
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "init"]);
    repo
}

pub const LIB: &str = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n";
pub const LIB_AFTER: &str =
    "pub fn add(a: u32, b: u32) -> u32 {\n    a.checked_add(b).unwrap_or(0)\n}\n";

/// Runs `vouch` in `dir` with extra environment variables.
pub fn vouch_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> VouchOutput {
    let mut cmd = Command::new(vouch_bin());
    cmd.args(args).current_dir(dir).env("LC_ALL", "C");
    for (k, v) in env {
        cmd.env(k, v);
    }
    VouchOutput(cmd.output().expect("run vouch"))
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}
