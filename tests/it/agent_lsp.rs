//! An agent's edit to a file open in a running `vouch lsp`, when the editor
//! reloads the file *before* the post-tool hook runs (the server first sees
//! the new text as an unknown edit): the hook's record, made from the
//! pre-tool snapshot, still wins, and `vouch/regions` shows agent text.
#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::agent;
use crate::support::lsp;

use std::time::{Duration, Instant};

use lsp::{LspClient, uri_of};
use serde_json::{Value, json};
use support::TempRepo;

const TEXT: &str = "fn main() {\n    hello();\n}\n";
const AGENT_TEXT: &str = "fn main() {\n    hello();\n    greet(\"agent\");\n}\n";

fn payload(repo: &TempRepo, event: &str) -> String {
    let root = agent::root(repo);
    json!({
        "session_id": "s-lsp", "cwd": root, "hook_event_name": event,
        "tool_name": "Write", "tool_use_id": "toolu_lsp",
        "tool_input": {"file_path": format!("{root}/src/main.rs"), "content": AGENT_TEXT}
    })
    .to_string()
}

fn agent_regions(r: &Value) -> Vec<Value> {
    r["regions"]
        .as_array()
        .map(|g| g.iter().filter(|x| x["kind"] == "agent").cloned().collect())
        .unwrap_or_default()
}

#[test]
fn reload_before_the_post_hook_still_ends_as_agent_text() {
    let repo = TempRepo::new();
    repo.write("src/main.rs", TEXT);
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "init"]);
    let mut c = LspClient::start(repo.path());
    c.initialize(repo.path(), false, json!({}));
    let uri = uri_of(&repo.path().join("src/main.rs"));
    c.open(&uri, 1, TEXT);
    c.regions(&uri);

    agent::record(&repo, "claude-code", &payload(&repo, "PreToolUse")).expect_code(0);
    repo.write("src/main.rs", AGENT_TEXT);
    // The editor reloads first: a full-document change the server cannot attribute.
    c.changes(&uri, 2, vec![json!({"text": AGENT_TEXT})]);
    c.regions(&uri);
    // Then the post-tool hook runs.
    let out = agent::record(&repo, "claude-code", &payload(&repo, "PostToolUse")).expect_code(0);
    assert_eq!(out.stderr(), "");

    let deadline = Instant::now() + Duration::from_secs(10);
    let found = loop {
        let r = c.regions(&uri);
        let g = agent_regions(&r);
        if !g.is_empty() || Instant::now() > deadline {
            break g;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(found.len(), 1, "agent text shown by the server");
    assert_eq!(found[0]["tool"], "claude-code");
    assert_eq!(found[0]["range"]["start"]["line"], 2);
    c.shutdown();

    // And the store agrees, character by character.
    let l = agent::ledger(&repo, "src/main.rs").unwrap();
    assert_eq!(agent::ai_text(&l), "    greet(\"agent\");\n");
}
