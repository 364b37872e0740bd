//! `vouch lsp` and the store: kill -9 and restart, files changed between
//! sessions, reviews from the terminal while the server runs, and agent
//! edits to open files (issue 8).
#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::agent;
use crate::support::lsp;

use std::time::{Duration, Instant};

use lsp::{LspClient, range, uri_of};
use serde_json::{Value, json};
use support::TempRepo;

const TEXT: &str = "fn main() {\n    hello();\n}\n";

fn start(repo: &TempRepo) -> LspClient {
    let mut c = LspClient::start(repo.path());
    c.initialize(repo.path(), false, json!({}));
    c
}

/// Opens `src/a.rs`, lets copilot write line 1, and makes a request (after
/// which the state must be durable). Returns the regions.
fn write_ai(repo: &TempRepo, c: &mut LspClient) -> (String, Value) {
    let uri = uri_of(&repo.path().join("src/a.rs"));
    c.open(&uri, 1, TEXT);
    c.change(&uri, 2, range(2, 0, 2, 0), "    world();\n");
    c.accept_ai(
        &uri,
        2,
        vec![range(2, 4, 2, 12)],
        json!({"tool": "copilot", "model": "gpt-4.1"}),
    );
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(2, 4, 2, 12));
    (uri, r)
}

/// A server on `src/a.rs` (as `TEXT`, also on disk), opened at version 1
/// with `ai` (a range of version 1) accepted from copilot.
fn open_with_copilot_text(repo: &TempRepo, ai: Value) -> (LspClient, String) {
    repo.write("src/a.rs", TEXT);
    let mut c = start(repo);
    let uri = uri_of(&repo.path().join("src/a.rs"));
    c.open(&uri, 1, TEXT);
    c.accept_ai(&uri, 1, vec![ai], json!({"tool": "copilot"}));
    (c, uri)
}

const AFTER: &str = "fn main() {\n    hello();\n    world();\n}\n";

#[test]
fn state_survives_kill_9_and_restores_exactly() {
    let repo = TempRepo::new();
    repo.write("src/a.rs", TEXT);
    let mut c = start(&repo);
    let (uri, before) = write_ai(&repo, &mut c);
    c.kill();
    let mut c = start(&repo);
    c.open(&uri, 1, AFTER);
    let after = c.regions(&uri);
    assert_eq!(after["regions"], before["regions"]);
    assert_eq!(after["version"], 1);
    c.shutdown();
}

#[test]
fn notifications_before_a_kill_survive_once_a_request_was_answered() {
    let repo = TempRepo::new();
    repo.write("src/a.rs", TEXT);
    let mut c = start(&repo);
    let uri = uri_of(&repo.path().join("src/a.rs"));
    c.open(&uri, 1, TEXT);
    c.change(&uri, 2, range(1, 0, 1, 0), "    ai();\n");
    c.accept_ai(&uri, 2, vec![range(1, 4, 1, 9)], json!({"tool": "codeium"}));
    // Any request: here a hover on human text.
    c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    c.kill();
    let mut c = start(&repo);
    c.open(&uri, 1, "fn main() {\n    ai();\n    hello();\n}\n");
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(1, 4, 1, 9));
    assert_eq!(r["regions"][0]["tool"], "codeium");
    c.shutdown();
}

#[test]
fn file_changed_on_disk_between_sessions_is_mapped() {
    let repo = TempRepo::new();
    repo.write("src/a.rs", TEXT);
    let mut c = start(&repo);
    let (uri, _) = write_ai(&repo, &mut c);
    c.shutdown();
    // Someone edits the file while no server runs: two lines on top.
    let changed = format!("// a\n// b\n{AFTER}");
    repo.write("src/a.rs", &changed);
    let mut c = start(&repo);
    c.open(&uri, 1, &changed);
    let r = c.regions(&uri);
    let g = r["regions"].as_array().unwrap();
    assert_eq!(g.len(), 1, "{r}");
    assert_eq!(g[0]["range"], range(4, 4, 4, 12));
    assert_eq!(g[0]["tool"], "copilot");
    c.shutdown();
    // The CLI sees the same.
    let status = repo.vouch(&["status", "--json"]).json();
    assert_eq!(status[0]["startLine"], 5, "{status}");
}

#[test]
fn review_from_the_terminal_shows_within_two_seconds() {
    let repo = TempRepo::new();
    repo.write("src/a.rs", TEXT);
    let mut c = start(&repo);
    let (uri, _) = write_ai(&repo, &mut c);
    c.diagnostics_where(&uri, Duration::from_secs(5), |p| {
        p["diagnostics"].as_array().unwrap().len() == 1
    })
    .expect("one diagnostic");
    // The editor saved the file.
    repo.write("src/a.rs", AFTER);
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    repo.vouch(&["review", "src/a.rs", "--as", "Terminal <t@example.com>"])
        .expect_code(0);
    let reviewed_at = Instant::now();
    c.diagnostics_where(&uri, Duration::from_secs(2), |p| {
        p["diagnostics"].as_array().unwrap().is_empty()
    })
    .expect("diagnostics cleared within 2 s of the terminal review");
    assert!(reviewed_at.elapsed() <= Duration::from_secs(2));
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["reviewed"], true);
    assert_eq!(r["regions"][0]["reviewedBy"], "Terminal <t@example.com>");
    // The server's later writes keep the review.
    c.change(&uri, 2 + 1, range(0, 0, 0, 0), "// top\n");
    let r = c.regions(&uri);
    c.shutdown();
    assert_eq!(r["regions"][0]["reviewed"], true);
    let status = repo.vouch(&["status", "--json"]).json();
    assert_eq!(status, json!([]), "nothing unreviewed: {status}");
}

#[test]
fn review_from_the_terminal_right_after_the_diagnostic_appears() {
    // No request, no save: the diagnostic alone tells the user there is AI
    // code, and a review from a terminal at once must find it in the store.
    let repo = TempRepo::new();
    let (mut c, uri) = open_with_copilot_text(&repo, range(1, 4, 1, 12));
    c.diagnostics_where(&uri, Duration::from_secs(5), |p| {
        p["diagnostics"].as_array().unwrap().len() == 1
    })
    .expect("one diagnostic");
    let out = repo
        .vouch(&["review", "src/a.rs", "--as", "Terminal <t@example.com>"])
        .expect_code(0);
    assert!(out.stdout().contains("reviewed"), "{}", out.stdout());
    c.diagnostics_where(&uri, Duration::from_secs(2), |p| {
        p["diagnostics"].as_array().unwrap().is_empty()
    })
    .expect("diagnostics cleared within 2 s of the terminal review");
    c.shutdown();
}

/// Claude Code's post-tool payload for an edit of `hello();` in `src/a.rs`.
fn claude_payload(repo: &TempRepo) -> String {
    let root = agent::root(repo);
    json!({
        "session_id": "s1",
        "transcript_path": "/dev/null",
        "cwd": root,
        "hook_event_name": "PostToolUse",
        "tool_name": "Edit",
        "tool_input": {
            "file_path": format!("{root}/src/a.rs"),
            "old_string": "hello();",
            "new_string": "hello_agent(1);",
            "replace_all": false
        },
        "tool_response": {"filePath": format!("{root}/src/a.rs"), "success": true},
        "tool_use_id": "t1"
    })
    .to_string()
}

/// How the editor reloads a file an agent changed on disk.
enum Reload {
    /// One full-document change.
    Full,
    /// A minimal edit, applied right away; within a poll interval the server
    /// recognises the recorded text.
    Incremental,
}

/// `src/a.rs` committed and open; Claude Code edits it on disk and its
/// post-tool hook records the edit; the editor reloads the file as `reload`
/// says. The server's regions must show the agent's text on line 1.
fn agent_edit_reloaded_stays_agent(reload: Reload) {
    let repo = TempRepo::new();
    repo.write("src/a.rs", TEXT);
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "init"]);
    let mut c = start(&repo);
    let uri = uri_of(&repo.path().join("src/a.rs"));
    c.open(&uri, 1, TEXT);
    c.regions(&uri);
    let agent_text = TEXT.replace("hello();", "hello_agent(1);");
    repo.write("src/a.rs", &agent_text);
    agent::record(&repo, "claude-code", &claude_payload(&repo)).expect_code(0);
    match reload {
        Reload::Full => c.changes(&uri, 2, vec![json!({"text": agent_text})]),
        Reload::Incremental => {
            c.change(&uri, 2, range(1, 4, 1, 12), "hello_agent(1);");
            std::thread::sleep(Duration::from_millis(1200));
        }
    }
    let r = c.regions(&uri);
    let g = r["regions"].as_array().unwrap();
    assert!(!g.is_empty(), "agent text lost: {r}");
    for x in g {
        assert_eq!(x["tool"], "claude-code", "{r}");
        assert_eq!(x["kind"], "agent", "{r}");
        assert_eq!(x["range"]["start"]["line"], 1, "{r}");
    }
    c.shutdown();
}

#[test]
fn agent_edit_reloaded_as_full_text_stays_agent() {
    agent_edit_reloaded_stays_agent(Reload::Full);
}

#[test]
fn agent_edit_reloaded_as_incremental_change_stays_agent() {
    agent_edit_reloaded_stays_agent(Reload::Incremental);
}

#[test]
fn even_a_failed_request_makes_earlier_changes_durable() {
    let repo = TempRepo::new();
    let (mut c, uri) = open_with_copilot_text(&repo, range(1, 4, 1, 11));
    // An unknown method: answered with an error by the framework itself.
    assert!(c.request("nobody/knows", json!({})).is_err());
    c.kill();
    let mut c = start(&repo);
    c.open(&uri, 1, TEXT);
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(1, 4, 1, 11), "{r}");
    c.shutdown();
}

/// Another process holds the store's write lock (an open SQLite write
/// transaction, 5 s): every keystroke meanwhile is still applied at once —
/// its diagnostics come within the publish delay, not after the lock — while
/// the answer to a request waits until the state it follows is written.
#[test]
fn a_store_write_held_by_another_process_delays_no_keystroke() {
    let repo = TempRepo::new();
    repo.write("src/a.rs", TEXT);
    let mut c = start(&repo);
    let (uri, _) = write_ai(&repo, &mut c);
    let store = repo.path().join(".git/vouch/store.db");
    let db = rusqlite::Connection::open(&store).unwrap();
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    let locked = Instant::now();
    c.change(&uri, 3, range(0, 0, 0, 0), "// a\n");
    let pending = c.send_request("vouch/regions", json!({"textDocument": {"uri": uri}}));
    let mut slowest = Duration::ZERO;
    for v in 4..=13 {
        let sent = Instant::now();
        c.change(&uri, v, range(0, 0, 0, 0), "x");
        c.diagnostics_where(&uri, Duration::from_secs(20), |p| p["version"] == v)
            .unwrap_or_else(|| panic!("no diagnostics for version {v}"));
        slowest = slowest.max(sent.elapsed());
    }
    // Diagnostics wait 40 ms for a quiet moment; the rest is the server's
    // processing. With the store write on the loop, a keystroke waited for
    // the lock (5 s).
    assert!(
        slowest < Duration::from_millis(500),
        "a keystroke waited {slowest:?} with the store locked"
    );
    assert!(locked.elapsed() < Duration::from_secs(5));
    // Durability: no answer before the state it follows is in the store.
    let early = c.wait_for(Duration::from_millis(50), |m| m["id"] == pending);
    assert!(early.is_none(), "answered before writing: {early:?}");
    std::thread::sleep(Duration::from_secs(5).saturating_sub(locked.elapsed()));
    db.execute_batch("ROLLBACK").unwrap();
    let answer = c.response(pending).unwrap();
    // Computed in wire order: the state when the request arrived.
    assert_eq!(answer["version"], 3, "{answer}");
    assert_eq!(
        answer["regions"][0]["range"],
        range(3, 4, 3, 12),
        "{answer}"
    );
    let r = c.regions(&uri);
    assert_eq!(r["version"], 13);
    let stored: String = db
        .query_row(
            "SELECT text FROM files WHERE path = 'src/a.rs'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(stored.starts_with("xxxxxxxxxx// a\nfn main"), "{stored}");
    c.shutdown();
}

/// A large document (its small changes logged as edits in the store, the
/// log folded as it grows): every change acknowledged before a `kill -9`
/// is there after it, for a new server and for the CLI alike.
#[test]
fn a_large_documents_logged_edits_survive_kill_9() {
    let repo = TempRepo::new();
    // About 120 KB: past the size from which changes are logged.
    let line = "    let value = compute(1) + compute(2) + compute(3) + 4;\n";
    let mut text: String = format!("fn main() {{\n{}}}\n", line.repeat(2_000));
    repo.write("src/big.rs", &text);
    let mut c = start(&repo);
    let uri = uri_of(&repo.path().join("src/big.rs"));
    c.open(&uri, 1, &text);
    let mut version = 1;
    // 30 keystrokes, each followed by a request (each written on its own:
    // past 24 the server folds the log), AI text accepted among them.
    for k in 0..30u32 {
        version += 1;
        let at = 1 + k * 50;
        c.change(&uri, version, range(at, 4, at, 4), "x");
        let offset = text.match_indices('\n').nth(at as usize - 1).unwrap().0 + 1 + 4;
        text.insert(offset, 'x');
        if k % 10 == 3 {
            c.accept_ai(
                &uri,
                version,
                vec![range(at, 8, at, 20)],
                json!({"tool": "copilot", "model": "gpt-4.1"}),
            );
        }
        c.regions(&uri);
    }
    let before = c.regions(&uri);
    assert_eq!(before["regions"].as_array().unwrap().len(), 3, "{before}");
    c.kill();
    // The server logged edits (and folded the log once past 24).
    let store = rusqlite::Connection::open(repo.path().join(".git/vouch/store.db")).unwrap();
    let logged: i64 = store
        .query_row(
            "SELECT COUNT(*) FROM edits WHERE path = 'src/big.rs'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!((1..24).contains(&logged), "{logged} edits logged");
    drop(store);
    // The editor's text reached the disk (saved before the crash).
    repo.write("src/big.rs", &text);
    let mut c = start(&repo);
    c.open(&uri, 1, &text);
    let after = c.regions(&uri);
    assert_eq!(after["regions"], before["regions"]);
    c.shutdown();
    let status = repo.vouch(&["status", "--json"]).json();
    let lines: Vec<u64> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["startLine"].as_u64().unwrap())
        .collect();
    // Lines 152, 652 and 1152 (1-based) of the edited text.
    assert_eq!(lines, [152, 652, 1152], "{status}");
}

/// A burst that replaces a small file's stored state whole: the state it
/// replaces is remembered, whichever way the server does it (ahead of the
/// write while the edits arrive, or by the write), and is known exactly
/// when a commit stages it — even once the burst deleted its AI line and
/// the server was killed. (It fails if remembering ahead marks the state
/// remembered without writing it; the store's own tests check the
/// ahead path itself.)
#[test]
fn a_version_staged_before_a_burst_keeps_its_ai_lines() {
    let repo = TempRepo::new();
    repo.write("src/a.rs", TEXT);
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "base"]);
    let mut c = start(&repo);
    let (uri, _) = write_ai(&repo, &mut c);
    repo.write("src/a.rs", AFTER);
    repo.git(&["add", "src/a.rs"]);
    // The AI line deleted, comments typed around: the store's record no
    // longer holds the staged text, nor its AI line.
    c.change(&uri, 3, range(2, 0, 3, 0), "");
    for (version, line) in (4..).zip([0, 2, 1, 3, 0]) {
        c.change(&uri, version, range(line, 0, line, 0), "// typed\n");
    }
    let r = c.regions(&uri);
    assert_eq!(r["regions"], json!([]), "{r}");
    c.kill();
    let out = repo.vouch(&["check", "--staged"]).expect_code(1);
    let text = out.stdout();
    assert!(
        text.contains("src/a.rs:3: unreviewed AI code (copilot, gpt-4.1)"),
        "{text}"
    );
}
