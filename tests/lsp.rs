//! End-to-end tests of `vouch lsp` over the real binary's stdio: the
//! protocol contract of docs/protocol.md.

#[path = "support/lsp.rs"]
mod lsp;
mod support;

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
    let mut c = LspClient::start(repo.path());
    c.initialize(repo.path(), utf8, json!({}));
    let uri = uri_of(&repo.path().join("src/a.rs"));
    c.open(&uri, 1, text);
    (repo, c, uri)
}

#[test]
fn initialize_advertises_the_contract() {
    let repo = TempRepo::new();
    let mut c = LspClient::start(repo.path());
    let r = c.initialize(repo.path(), false, json!({}));
    let caps = &r["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert!(caps["textDocumentSync"]["save"].is_object());
    assert_eq!(
        caps["executeCommandProvider"]["commands"],
        json!(["vouch.review", "vouch.markAi", "vouch.forget"])
    );
    assert!(caps["codeActionProvider"].is_object());
    assert_eq!(caps["hoverProvider"], true);
    c.shutdown();

    let mut c = LspClient::start(repo.path());
    let r = c.initialize(repo.path(), true, json!({}));
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-8");
    c.shutdown();
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
        "Unreviewed AI code · copilot (gpt-4.1) · 2 lines"
    );
    c.shutdown();
}
