//! The protocol contract of docs/protocol.md, end to end: the server runs
//! in process over a pipe (the same main loop and transport as `vouch lsp`);
//! tests/lsp_durability.rs runs the binary where a process matters.
#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::lsp;

use std::time::Duration;

use lsp::{LspClient, range, uri_of};
use serde_json::{Value, json};
use support::TempRepo;

fn copilot() -> Value {
    json!({"tool": "copilot", "model": "gpt-4.1"})
}

/// A repository with `src/a.rs` holding `text`, a server initialised on it,
/// and the file opened at version 1.
fn setup(text: &str, utf8: bool) -> (TempRepo, LspClient, String) {
    let repo = TempRepo::new();
    repo.write("src/a.rs", text);
    let mut c = LspClient::in_process();
    c.initialize(repo.path(), utf8, json!({}));
    let uri = uri_of(&repo.path().join("src/a.rs"));
    c.open(&uri, 1, text);
    (repo, c, uri)
}

#[test]
fn initialize_advertises_the_contract() {
    let repo = TempRepo::new();
    let mut c = LspClient::in_process();
    let r = c.initialize(repo.path(), false, json!({}));
    let caps = &r["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert!(caps["textDocumentSync"]["save"].is_object());
    assert_eq!(
        caps["executeCommandProvider"]["commands"],
        json!([
            "vouch.review",
            "vouch.markAi",
            "vouch.forget",
            "vouch.approveRange"
        ])
    );
    assert!(caps["codeActionProvider"].is_object());
    assert_eq!(caps["hoverProvider"], true);
    c.shutdown();

    let mut c = LspClient::in_process();
    let r = c.initialize(repo.path(), true, json!({}));
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-8");
    c.shutdown();

    // `exit` without `shutdown` first ends the server with code 1.
    let mut c = LspClient::in_process();
    c.initialize(repo.path(), true, json!({}));
    assert_eq!(c.exit(), Some(1));

    // After `shutdown`, requests are refused (also the ones the read loop
    // answers itself), and `exit` then ends with code 0.
    let (_repo2, mut c, uri) = setup("x\n", false);
    c.call("shutdown", Value::Null);
    let err = c
        .request("vouch/regions", json!({"textDocument": {"uri": uri}}))
        .unwrap_err();
    assert_eq!(err["code"], -32600, "{err}");
    assert_eq!(c.exit(), Some(0));
}

#[test]
fn accepted_ai_text_is_listed_and_diagnosed() {
    let (_repo, mut c, uri) = setup("fn main() {\n}\n", false);
    c.change(
        &uri,
        2,
        range(1, 0, 1, 0),
        "    let x = 1;\n    let y = 2;\n",
    );
    c.accept_ai(&uri, 2, vec![range(1, 4, 2, 14)], copilot());
    let r = c.regions(&uri);
    assert_eq!(r["version"], 2);
    let regions = r["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 1, "{r}");
    let g = &regions[0];
    assert_eq!(g["range"], range(1, 4, 2, 14));
    assert_eq!(g["tool"], "copilot");
    assert_eq!(g["model"], "gpt-4.1");
    assert_eq!(g["kind"], "inline-completion");
    assert_eq!(g["reviewed"], false);
    assert_eq!(g["reviewedBy"], Value::Null);
    assert!(g["acceptedAt"].as_str().unwrap().ends_with('Z'));
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(5), |p| {
            p["version"] == 2 && !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .expect("diagnostics");
    let diag = &d["diagnostics"][0];
    assert_eq!(diag["source"], "vouch");
    assert_eq!(diag["code"], "unreviewed-ai");
    assert_eq!(diag["severity"], 2);
    assert_eq!(diag["range"], range(1, 4, 2, 14));
    assert_eq!(
        diag["message"],
        "Unreviewed AI code in fn main · copilot (gpt-4.1) · 2 lines"
    );
    c.shutdown();
}

#[test]
fn non_ascii_positions_in_utf16() {
    // 'é' is 1 UTF-16 unit / 2 bytes; '😀' is 2 units / 4 bytes.
    let (_repo, mut c, uri) = setup("é😀x\n", false);
    // Insert after "é😀" (UTF-16 column 3).
    c.change(&uri, 2, range(0, 3, 0, 3), "ñ😀ñ");
    c.accept_ai(&uri, 2, vec![range(0, 3, 0, 7)], copilot());
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(0, 3, 0, 7), "{r}");
    // A position inside the surrogate pair is refused, not applied.
    let err = c
        .command(
            "vouch.review",
            json!({"uri": uri, "range": range(0, 2, 0, 3)}),
        )
        .unwrap_err();
    assert_eq!(err["code"], -32602);
    c.shutdown();
}

#[test]
fn non_ascii_positions_in_utf8() {
    let (_repo, mut c, uri) = setup("é😀x\n", true);
    // After "é😀" is byte column 6.
    c.change(&uri, 2, range(0, 6, 0, 6), "ñ😀ñ");
    c.accept_ai(&uri, 2, vec![range(0, 6, 0, 14)], copilot());
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(0, 6, 0, 14), "{r}");
    // Inside a UTF-8 sequence.
    let err = c
        .command(
            "vouch.review",
            json!({"uri": uri, "range": range(0, 1, 0, 3)}),
        )
        .unwrap_err();
    assert_eq!(err["code"], -32602);
    c.shutdown();
}

#[test]
fn crlf_lines() {
    let (_repo, mut c, uri) = setup("a\r\nb\r\nc\r\n", false);
    c.change(&uri, 2, range(1, 1, 1, 1), "\r\nAI line");
    c.accept_ai(&uri, 2, vec![range(1, 1, 2, 7)], copilot());
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(1, 1, 2, 7), "{r}");
    // Next line's text is human: typing at the start of line 3 ("c").
    c.change(&uri, 3, range(3, 0, 3, 0), "h");
    let r = c.regions(&uri);
    assert_eq!(r["version"], 3);
    assert_eq!(r["regions"][0]["range"], range(1, 1, 2, 7), "{r}");
    c.shutdown();
}

#[test]
fn several_changes_in_one_notification() {
    let (_repo, mut c, uri) = setup("one\ntwo\n", false);
    c.changes(
        &uri,
        2,
        vec![
            json!({"range": range(0, 3, 0, 3), "text": " AI"}),
            json!({"range": range(1, 0, 1, 0), "text": "xx"}),
            json!({"range": range(0, 0, 0, 1), "text": ""}),
        ],
    );
    // Text is now "ne AI\nxxtwo\n".
    c.accept_ai(&uri, 2, vec![range(0, 2, 0, 5)], copilot());
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(0, 2, 0, 5), "{r}");
    assert_eq!(r["regions"].as_array().unwrap().len(), 1);
    c.shutdown();
}

#[test]
fn notices_ahead_behind_and_unknown_versions() {
    let (_repo, mut c, uri) = setup("abc\n", false);
    // Ahead: the notice for version 2 arrives before the change.
    c.accept_ai(&uri, 2, vec![range(0, 3, 0, 6)], copilot());
    c.change(&uri, 2, range(0, 3, 0, 3), "XYZ");
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(0, 3, 0, 6), "{r}");
    // Behind: text "QQQ" inserted at version 3, typing before it at version 4,
    // the notice for version 3 arrives last and is mapped forward.
    c.change(&uri, 3, range(0, 6, 0, 6), "QQQ");
    c.change(&uri, 4, range(0, 0, 0, 0), "hh");
    c.accept_ai(
        &uri,
        3,
        vec![range(0, 6, 0, 9)],
        json!({"tool": "cursor", "kind": "next-edit"}),
    );
    let r = c.regions(&uri);
    let regions = r["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 2, "{r}");
    assert_eq!(regions[0]["range"], range(0, 5, 0, 8));
    assert_eq!(regions[1]["range"], range(0, 8, 0, 11));
    assert_eq!(regions[1]["tool"], "cursor");
    assert_eq!(regions[1]["kind"], "next-edit");
    assert_eq!(regions[1]["model"], Value::Null);
    // Unknown version: ignored, nothing changes.
    c.accept_ai(&uri, 77_777, vec![range(0, 0, 0, 2)], copilot());
    c.accept_ai(&uri, -5, vec![range(0, 0, 0, 2)], copilot());
    c.change(&uri, 5, range(0, 0, 0, 0), "");
    // The held notice for 77777 stays held; version -5 is ignored.
    let r2 = c.regions(&uri);
    assert_eq!(r2["regions"], r["regions"]);
    c.shutdown();
}

#[test]
fn commands_review_mark_and_forget() {
    let (_repo, mut c, uri) = setup("aaaa\nbbbb\ncccc\n", false);
    c.command(
        "vouch.markAi",
        json!({"uri": uri, "range": range(0, 0, 2, 4), "tool": "chatgpt", "model": "gpt-5"}),
    )
    .unwrap();
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["range"], range(0, 0, 2, 4));
    assert_eq!(r["regions"][0]["kind"], "manual");
    assert_eq!(r["regions"][0]["tool"], "chatgpt");
    // Review exactly line 1.
    c.command(
        "vouch.review",
        json!({"uri": uri, "range": range(1, 0, 1, 4)}),
    )
    .unwrap();
    let r = c.regions(&uri);
    let g = r["regions"].as_array().unwrap();
    assert_eq!(g.len(), 3, "{r}");
    assert_eq!(g[1]["range"], range(1, 0, 1, 4));
    assert_eq!(g[1]["reviewed"], true);
    assert_eq!(g[1]["reviewedBy"], "Test User <test@example.com>");
    assert_eq!(g[0]["reviewed"], false);
    // Forget line 2, then review the whole file.
    c.command(
        "vouch.forget",
        json!({"uri": uri, "range": range(2, 0, 2, 4)}),
    )
    .unwrap();
    c.command("vouch.review", json!({"uri": uri})).unwrap();
    let r = c.regions(&uri);
    let g = r["regions"].as_array().unwrap();
    assert!(g.iter().all(|x| x["reviewed"] == true), "{r}");
    assert_eq!(
        g.last().unwrap()["range"]["end"],
        json!({"line": 2, "character": 0})
    );
    // No diagnostics remain.
    c.diagnostics_where(&uri, Duration::from_secs(5), |p| {
        p["diagnostics"].as_array().unwrap().is_empty()
    })
    .expect("cleared diagnostics");
    // Bad commands are errors.
    assert!(c.command("vouch.nope", json!({"uri": uri})).is_err());
    assert!(c.command("vouch.markAi", json!({"uri": uri})).is_err());
    assert!(c.command("vouch.review", json!({"uri": 42})).is_err());
    c.shutdown();
}

#[test]
fn code_actions_and_hover() {
    let (_repo, mut c, uri) = setup("fn a() {}\nfn b() {}\n", false);
    c.accept_ai(&uri, 1, vec![range(1, 0, 1, 9)], copilot());
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(5), |p| {
            !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .expect("diagnostics");
    let diag = d["diagnostics"][0].clone();
    assert_eq!(
        diag["message"],
        "Unreviewed AI code in fn b · copilot (gpt-4.1) · 1 line"
    );
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Mark as reviewed",
            "Mark all AI code in this file as reviewed",
            "Mark selection as AI-written",
            "Mark `b` as reviewed"
        ]
    );
    let selection = &actions[2];
    assert!(selection["kind"].as_str().unwrap().starts_with("refactor"));
    // Hover over the AI text.
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 3}}),
    );
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("copilot (gpt-4.1)"), "{text}");
    assert!(text.contains("inline-completion"), "{text}");
    assert!(text.contains("not reviewed"), "{text}");
    // Human text: no hover.
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}),
    );
    assert_eq!(h, Value::Null);
    // Run the "Mark as reviewed" action's command.
    let cmd = &actions[0]["command"];
    c.call(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    let r = c.regions(&uri);
    assert_eq!(r["regions"][0]["reviewed"], true);
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 3}}),
    );
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("reviewed by Test User")
    );
    c.shutdown();
}

#[test]
fn settings_from_initialization_and_configuration() {
    let repo = TempRepo::new();
    repo.write("a.rs", "x\n");
    let mut c = LspClient::in_process();
    c.initialize(
        repo.path(),
        false,
        json!({"vouch": {"severity": "hint", "reviewer": "Ada <ada@example.com>"}}),
    );
    let uri = uri_of(&repo.path().join("a.rs"));
    c.open(&uri, 1, "x\n");
    c.accept_ai(&uri, 1, vec![range(0, 0, 0, 1)], copilot());
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(5), |p| {
            !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .unwrap();
    assert_eq!(d["diagnostics"][0]["severity"], 4);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"severity": "error", "reviewer": "Bob <bob@example.com>"}}),
    );
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(5), |p| {
            p["diagnostics"][0]["severity"] == 1
        })
        .expect("republished with the new severity");
    assert_eq!(d["version"], 1);
    c.command("vouch.review", json!({"uri": uri})).unwrap();
    assert_eq!(
        c.regions(&uri)["regions"][0]["reviewedBy"],
        "Bob <bob@example.com>"
    );
    c.shutdown();
}

#[test]
fn bad_input_never_takes_the_server_down() {
    let (_repo, mut c, uri) = setup("keep\n", false);
    c.accept_ai(&uri, 1, vec![range(0, 0, 0, 4)], copilot());
    let before = c.regions(&uri);
    // Malformed JSON.
    c.send_raw(b"Content-Length: 8\r\n\r\n{\"bad\": ");
    let parse_error = c
        .wait_for(Duration::from_secs(5), |m| m["error"]["code"] == -32700)
        .expect("parse error response");
    assert_eq!(parse_error["id"], Value::Null);
    c.send_raw(b"Content-Length: 2\r\n\r\n{}");
    c.send_raw(b"garbage line\r\n\r\n");
    c.send_raw(b"Content-Length: 3\r\n\r\n\xff\xfe\xfd");
    // Unknown method.
    let err = c.request("vouch/nothing", json!({})).unwrap_err();
    assert_eq!(err["code"], -32601);
    // Wrong parameter types.
    assert!(
        c.request("vouch/regions", json!({"textDocument": 5}))
            .is_err()
    );
    assert!(
        c.request("textDocument/hover", json!({"textDocument": []}))
            .is_err()
    );
    c.notify(
        "vouch/didAcceptAi",
        json!({"textDocument": {"uri": uri}, "ranges": "x"}),
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": 1, "contentChanges": 2}),
    );
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": 5}}));
    c.wait_for(Duration::from_secs(5), |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.starts_with("didOpen ignored: bad parameters"))
    })
    .expect("a log line for a notification with wrong parameter types");
    c.notify("workspace/didChangeConfiguration", json!(5));
    c.wait_for(Duration::from_secs(5), |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"].as_str().is_some_and(|t| {
                t.starts_with("workspace/didChangeConfiguration ignored: bad parameters")
            })
    })
    .expect("a log line for a configuration change with wrong parameters");
    // Unknown documents.
    let err = c
        .request(
            "vouch/regions",
            json!({"textDocument": {"uri": "file:///nowhere.rs"}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], -32602);
    c.accept_ai("file:///nowhere.rs", 1, vec![range(0, 0, 0, 1)], copilot());
    c.change("file:///nowhere.rs", 2, range(0, 0, 0, 0), "x");
    // Positions past the end.
    c.change(&uri, 2, range(40, 0, 41, 0), "lost");
    c.accept_ai(&uri, 2, vec![range(9, 0, 9, 3)], copilot());
    assert!(
        c.command(
            "vouch.forget",
            json!({"uri": uri, "range": range(7, 0, 8, 0)})
        )
        .is_err()
    );
    // Stale version.
    c.accept_ai(&uri, -1, vec![range(0, 0, 0, 1)], json!({"tool": "x"}));
    // Notifications' problems reach the client as log lines.
    let log = c
        .wait_for(Duration::from_secs(5), |m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("version -1"))
        })
        .expect("a log line about the stale notice");
    assert_eq!(log["params"]["type"], 2, "a warning: {log}");
    let after = c.regions(&uri);
    assert_eq!(after["regions"], before["regions"]);
    assert!(c.alive());
    // A 5 MB document.
    let big: String = "0123456789abcdef\n".repeat(5 * 1024 * 1024 / 17);
    let big_uri = uri_of(std::path::Path::new("/tmp/vouch-not-in-workspace/big.txt"));
    c.open(&big_uri, 1, &big);
    let last = (big.len() / 17) as u32;
    c.change(&big_uri, 2, range(last, 0, last, 0), "AI tail\n");
    c.accept_ai(&big_uri, 2, vec![range(last, 0, last, 7)], copilot());
    let r = c.regions(&big_uri);
    assert_eq!(r["regions"][0]["range"], range(last, 0, last, 7));
    c.shutdown();
}

#[test]
fn in_memory_documents_are_never_stored() {
    let repo = TempRepo::new();
    let outside = tempfile::tempdir().unwrap();
    let mut c = LspClient::in_process();
    c.initialize(repo.path(), false, json!({}));
    let untitled = "untitled:Untitled-1";
    let other = uri_of(&outside.path().join("x.rs"));
    for uri in [untitled, other.as_str()] {
        c.open(uri, 1, "text\n");
        c.accept_ai(uri, 1, vec![range(0, 0, 0, 4)], copilot());
        assert_eq!(c.regions(uri)["regions"].as_array().unwrap().len(), 1);
    }
    c.shutdown();
    let status = repo.vouch(&["status", "--json"]);
    assert_eq!(status.json(), json!([]), "{}", status.stdout());
    assert!(!outside.path().join(".vouch").exists());
}

#[test]
fn closing_clears_diagnostics() {
    let (_repo, mut c, uri) = setup("x\n", false);
    c.accept_ai(&uri, 1, vec![range(0, 0, 0, 1)], copilot());
    c.diagnostics_where(&uri, Duration::from_secs(5), |p| {
        p["diagnostics"].as_array().unwrap().len() == 1
    })
    .expect("one diagnostic");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    c.diagnostics_where(&uri, Duration::from_secs(5), |p| {
        p["diagnostics"].as_array().unwrap().is_empty()
    })
    .expect("cleared on close");
    assert!(
        c.request("vouch/regions", json!({"textDocument": {"uri": uri}}))
            .is_err()
    );
    c.shutdown();
}

#[test]
fn workspace_folders_added_later_are_persisted() {
    let repo = TempRepo::new();
    repo.write("a.rs", "x\n");
    let mut c = LspClient::in_process();
    c.call(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    let uri = uri_of(&repo.path().join("a.rs"));
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri_of(repo.path()), "name": "ws"}], "removed": []}}),
    );
    c.open(&uri, 1, "x\n");
    c.accept_ai(&uri, 1, vec![range(0, 0, 0, 1)], copilot());
    c.regions(&uri);
    c.shutdown();
    let status = repo.vouch(&["status", "--json"]);
    assert_eq!(status.json()[0]["path"], "a.rs", "{}", status.stdout());
}
