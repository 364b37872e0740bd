//! End-to-end: syntax-aware provenance in `vouch lsp` — diagnostics, hover,
//! code lenses and code actions name the unit (function, method, class...)
//! the AI code belongs to, for every language's fixture; the tree follows
//! keystrokes incrementally.
#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::lsp;
use crate::support::syntax;

use std::time::Duration;

use lsp::{LspClient, range, uri_of};
use serde_json::{Value, json};
use support::TempRepo;

fn copilot() -> Value {
    json!({"tool": "copilot", "model": "gpt-4.1"})
}

fn wait_diagnostics(c: &mut LspClient, uri: &str) -> Value {
    c.diagnostics_where(uri, Duration::from_secs(10), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    })
    .unwrap_or_else(|| panic!("no diagnostics for {uri}"))
}

fn lenses(c: &mut LspClient, uri: &str) -> Vec<Value> {
    c.call(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    )
    .as_array()
    .cloned()
    .unwrap_or_default()
}

/// For each fixture region: the diagnostic names the unit, one code lens sits
/// on the unit's first line with the count of lines, and running the lens's
/// command reviews that AI code.
#[test]
fn diagnostics_and_code_lenses_name_the_unit_of_every_fixture_region() {
    for fixture in syntax::fixtures() {
        let repo = TempRepo::new();
        let mut c = LspClient::in_process();
        c.initialize(repo.path(), true, json!({}));
        for (n, e) in fixture.expectations.iter().enumerate() {
            let file = fixture.numbered(n);
            repo.write(&file, &fixture.text);
            let uri = uri_of(&repo.path().join(&file));
            c.open(&uri, 1, &fixture.text);
            let first = u32::try_from(e.first - 1).unwrap();
            let last = u32::try_from(e.last).unwrap();
            c.accept_ai(&uri, 1, vec![range(first, 0, last, 0)], copilot());
            let where_ = format!("{file}:{}-{}", e.first, e.last);
            let d = wait_diagnostics(&mut c, &uri);
            let diags = d["diagnostics"].as_array().unwrap();
            assert_eq!(diags.len(), 1, "{where_}: {d}");
            let lines = e.last - e.first + 1;
            let noun = if lines == 1 { "line" } else { "lines" };
            let place = e
                .label
                .as_ref()
                .map(|l| format!(" in {l}"))
                .unwrap_or_default();
            assert_eq!(
                diags[0]["message"],
                format!("Unreviewed AI code{place} · copilot (gpt-4.1) · {lines} {noun}"),
                "{where_}"
            );
            let want = e.name().map_or(Value::Null, Value::from);
            assert_eq!(diags[0]["data"]["unit"], want, "{where_}");

            let found = lenses(&mut c, &uri);
            assert_eq!(found.len(), 1, "{where_}: {found:?}");
            let lens = &found[0];
            assert_eq!(
                lens["command"]["title"],
                format!("AI: {lines} {noun} unreviewed · Review"),
                "{where_}"
            );
            assert_eq!(lens["data"]["unit"], want, "{where_}");
            if e.label.is_some() {
                // Above the unit: on or before the first AI line.
                let at = lens["range"]["start"]["line"].as_u64().unwrap();
                assert!(at <= u64::from(first) + 1, "{where_}: lens at {at}");
            } else {
                assert_eq!(lens["range"]["start"]["line"], first, "{where_}");
            }
            let cmd = &lens["command"];
            assert_eq!(cmd["command"], "vouch.review");
            c.call(
                "workspace/executeCommand",
                json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
            );
            let r = c.regions(&uri);
            assert!(
                r["regions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|g| g["reviewed"] == true),
                "{where_}: the lens reviews the unit's AI code: {r}"
            );
            assert!(lenses(&mut c, &uri).is_empty(), "{where_}");
        }
        c.shutdown();
    }
}

const CART: &str = "pub struct Cart {\n    n: u32,\n}\n\nimpl Cart {\n    pub fn total(&self) -> u32 {\n        self.n\n    }\n}\n";

fn open_cart(name: &str) -> (TempRepo, LspClient, String) {
    let repo = TempRepo::new();
    repo.write(name, CART);
    let mut c = LspClient::in_process();
    c.initialize(repo.path(), true, json!({}));
    let uri = uri_of(&repo.path().join(name));
    c.open(&uri, 1, CART);
    (repo, c, uri)
}

/// A method typed one keystroke at a time, then accepted from AI: the
/// incrementally updated tree names it.
#[test]
fn units_follow_keystrokes() {
    let (_repo, mut c, uri) = open_cart("src/cart.rs");
    // Insert after line 7 ("    }" closing total), char by char.
    let typed = "\n    pub fn clear(&mut self) {\n        self.n = 0;\n    }";
    let (mut line, mut col) = (7u32, 5u32);
    let mut version = 1;
    for ch in typed.chars() {
        version += 1;
        c.change(&uri, version, range(line, col, line, col), &ch.to_string());
        if ch == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
    }
    // The body line of `clear` came from AI.
    c.accept_ai(&uri, version, vec![range(9, 0, 10, 0)], copilot());
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(10), |p| {
            p["version"] == version && !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .expect("diagnostics");
    assert_eq!(
        d["diagnostics"][0]["message"],
        "Unreviewed AI code in fn clear · copilot (gpt-4.1) · 1 line"
    );
    // Hover names it too.
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 9, "character": 10}}),
    );
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("in `fn clear`"), "{text}");
    // Rename `clear` to `reset` with one change: the name follows.
    c.change(&uri, version + 1, range(8, 11, 8, 16), "reset");
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(10), |p| {
            p["version"] == version + 1 && !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .expect("diagnostics");
    assert_eq!(
        d["diagnostics"][0]["message"],
        "Unreviewed AI code in fn reset · copilot (gpt-4.1) · 1 line"
    );
    // A full-document replacement keeps the tree right as well.
    let replaced = CART.replace("total", "sum");
    c.changes(&uri, version + 2, vec![json!({"text": replaced})]);
    c.accept_ai(&uri, version + 2, vec![range(6, 0, 7, 0)], copilot());
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(10), |p| {
            p["version"] == version + 2 && !p["diagnostics"].as_array().unwrap().is_empty()
        })
        .expect("diagnostics");
    assert_eq!(
        d["diagnostics"][0]["message"],
        "Unreviewed AI code in fn sum · copilot (gpt-4.1) · 1 line"
    );
    c.shutdown();
}

#[test]
fn code_action_marks_the_unit_reviewed() {
    let (repo, mut c, uri) = open_cart("cart.rs");
    // AI wrote `total` (lines 6-8) and the struct's field (line 2).
    c.accept_ai(
        &uri,
        1,
        vec![range(5, 0, 8, 0), range(1, 0, 2, 0)],
        copilot(),
    );
    let d = wait_diagnostics(&mut c, &uri);
    let diag = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["message"].as_str().unwrap().contains("fn total"))
        .cloned()
        .expect("total diagnostic");
    assert_eq!(
        diag["message"],
        "Unreviewed AI code in fn total · copilot (gpt-4.1) · 3 lines"
    );
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}}),
    );
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Mark `total` as reviewed")
        .cloned()
        .unwrap_or_else(|| panic!("{actions}"));
    assert_eq!(action["kind"], "quickfix");
    let cmd = &action["command"];
    c.call(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    // `total` is reviewed, the struct field is not.
    let found = lenses(&mut c, &uri);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["data"]["unit"], "Cart");
    assert_eq!(
        found[0]["command"]["title"],
        "AI: 1 line unreviewed · Review"
    );
    assert_eq!(found[0]["range"]["start"]["line"], 0);
    c.shutdown();
    // The store agrees, for the CLI.
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    let units: Vec<&Value> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["unit"])
        .collect();
    assert_eq!(units, [&json!("Cart")]);
}

#[test]
fn files_without_grammar_fall_back_to_line_ranges() {
    let (_repo, mut c, uri) = open_cart("notes.txt");
    c.accept_ai(&uri, 1, vec![range(5, 0, 8, 0)], copilot());
    let d = wait_diagnostics(&mut c, &uri);
    assert_eq!(
        d["diagnostics"][0]["message"],
        "Unreviewed AI code · copilot (gpt-4.1) · 3 lines"
    );
    let found = lenses(&mut c, &uri);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["range"]["start"]["line"], 5);
    assert_eq!(found[0]["data"]["unit"], Value::Null);
    assert_eq!(
        found[0]["command"]["title"],
        "AI: 3 lines unreviewed · Review"
    );
    c.shutdown();
}

#[test]
fn code_lens_capability_is_advertised() {
    let repo = TempRepo::new();
    let mut c = LspClient::in_process();
    let r = c.initialize(repo.path(), false, json!({}));
    assert_eq!(
        r["capabilities"]["codeLensProvider"],
        json!({"resolveProvider": false})
    );
    c.shutdown();
}

/// A lens counts what its Review marks: the AI lines of the unit, nested
/// units' included.
#[test]
fn a_class_lens_counts_and_reviews_its_methods_too() {
    let repo = TempRepo::new();
    let text =
        "class Cart:\n    size = 3\n\n    def total(self):\n        a = 1\n        return a\n";
    repo.write("cart.py", text);
    let mut c = LspClient::in_process();
    c.initialize(repo.path(), true, json!({}));
    let uri = uri_of(&repo.path().join("cart.py"));
    c.open(&uri, 1, text);
    // A class attribute (named by the class) and a method written whole.
    c.accept_ai(&uri, 1, vec![range(1, 0, 2, 0)], copilot());
    c.accept_ai(&uri, 1, vec![range(3, 0, 6, 0)], json!({"tool": "claude"}));
    let d = c
        .diagnostics_where(&uri, Duration::from_secs(10), |p| {
            p["diagnostics"].as_array().unwrap().len() == 2
        })
        .expect("two diagnostics");
    let messages: Vec<&str> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Unreviewed AI code in class Cart · copilot (gpt-4.1) · 1 line",
            "Unreviewed AI code in def total · claude · 3 lines"
        ]
    );
    let found = lenses(&mut c, &uri);
    let titles: Vec<(&Value, &Value)> = found
        .iter()
        .map(|l| (&l["data"]["unit"], &l["command"]["title"]))
        .collect();
    assert_eq!(
        titles,
        [
            (&json!("Cart"), &json!("AI: 4 lines unreviewed · Review")),
            (&json!("total"), &json!("AI: 3 lines unreviewed · Review"))
        ]
    );
    assert_eq!(found[1]["range"]["start"]["line"], 3);
    let cmd = &found[0]["command"];
    c.call(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    let left = lenses(&mut c, &uri);
    assert!(left.is_empty(), "{left:?}");
    c.shutdown();
}

/// Clients that support it are asked to re-request code lenses when the
/// diagnostics (and so the lens counts) change; others are not.
#[test]
fn code_lens_refresh_follows_attribution_changes() {
    for supported in [true, false] {
        let repo = TempRepo::new();
        repo.write("cart.rs", CART);
        let mut c = LspClient::in_process();
        let root = uri_of(repo.path());
        c.call(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root,
                "workspaceFolders": [{"uri": root, "name": "ws"}],
                "capabilities": {"workspace": {"codeLens": {"refreshSupport": supported}}},
            }),
        );
        c.notify("initialized", json!({}));
        let uri = uri_of(&repo.path().join("cart.rs"));
        c.open(&uri, 1, CART);
        c.accept_ai(&uri, 1, vec![range(5, 0, 8, 0)], copilot());
        wait_diagnostics(&mut c, &uri);
        let refresh = c.wait_for(
            Duration::from_millis(if supported { 5000 } else { 500 }),
            |m| m["method"] == "workspace/codeLens/refresh",
        );
        assert_eq!(refresh.is_some(), supported, "refreshSupport {supported}");
        c.shutdown();
    }
}
