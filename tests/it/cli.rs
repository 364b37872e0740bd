//! End-to-end tests of the ledger commands (`status`, `review`, `mark`,
//! `forget`) running the real binary on real git repositories.

use crate::support;

use serde_json::json;
use support::TempRepo;

fn repo_with_file() -> TempRepo {
    let repo = TempRepo::new();
    repo.write("src/lib.rs", "fn a() {}\nfn b() {}\nfn c() {}\nfn d() {}\n");
    repo
}

#[test]
fn help_has_examples() {
    let repo = TempRepo::new();
    let top = repo.vouch(&["--help"]).expect_code(0);
    assert!(
        top.stdout().contains("Examples:\n  vouch init"),
        "{}",
        top.stdout()
    );
    for cmd in ["status", "review", "mark", "forget", "init", "record"] {
        let out = repo.vouch(&[cmd, "--help"]).expect_code(0);
        assert!(
            out.stdout().contains("vouch "),
            "{cmd} --help lacks an example"
        );
    }
}

#[test]
fn mark_status_review_cycle() {
    let repo = repo_with_file();
    repo.vouch(&["status", "--json"]).expect_code(0);
    assert_eq!(repo.vouch(&["status", "--json"]).json(), json!([]));

    repo.vouch(&[
        "mark",
        "src/lib.rs:2-3",
        "--tool",
        "chatgpt",
        "--model",
        "gpt-5",
    ])
    .expect_code(0);
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(
        status,
        json!([{"path": "src/lib.rs", "startLine": 2, "endLine": 3, "tool": "chatgpt",
                "model": "gpt-5", "kind": "manual", "reviewed": false, "reviewers": [],
                "unit": null, "unitKind": null, "blocked": true, "reason": "unreviewed AI code (chatgpt, gpt-5)"}])
    );
    let human = repo.vouch(&["status"]).expect_code(0).stdout();
    assert!(human.contains("src/lib.rs:2-3  chatgpt (gpt-5)"), "{human}");

    // Reviewing line 2 only leaves line 3 unreviewed.
    repo.vouch(&["review", "src/lib.rs:2", "--as", "Ada <ada@example.com>"])
        .expect_code(0);
    let status = repo.vouch(&["status", "--json"]).json();
    assert_eq!(status[0]["startLine"], 3);
    assert_eq!(status[0]["endLine"], 3);
    assert_eq!(status.as_array().map(Vec::len), Some(1));

    // Default identity comes from git config.
    let out = repo.vouch(&["review", "src/lib.rs"]).expect_code(0);
    assert!(
        out.stdout().contains("Test User <test@example.com>"),
        "{}",
        out.stdout()
    );
    assert_eq!(repo.vouch(&["status", "--json"]).json(), json!([]));
}

#[test]
fn attribution_follows_edits_made_while_nothing_ran() {
    let repo = repo_with_file();
    repo.vouch(&["mark", "src/lib.rs:3-3", "--tool", "copilot"])
        .expect_code(0);
    // Two lines inserted above, and the AI line re-indented: still AI, two lines lower.
    repo.write(
        "src/lib.rs",
        "// x\n// y\nfn a() {}\nfn b() {}\n    fn c() {}\nfn d() {}\n",
    );
    let status = repo.vouch(&["status", "--json"]).json();
    assert_eq!(status[0]["startLine"], 5);
    assert_eq!(status[0]["endLine"], 5);
    assert_eq!(status[0]["model"], serde_json::Value::Null);
}

#[test]
fn forget_drops_attribution() {
    let repo = repo_with_file();
    repo.vouch(&["mark", "src/lib.rs:1-4", "--tool", "copilot"])
        .expect_code(0);
    repo.vouch(&["forget", "src/lib.rs:2-3"]).expect_code(0);
    let status = repo.vouch(&["status", "--json"]).json();
    let lines: Vec<(i64, i64)> = status
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["startLine"].as_i64().unwrap(),
                e["endLine"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, vec![(1, 1), (4, 4)]);
    repo.vouch(&["forget", "src/lib.rs"]).expect_code(0);
    assert_eq!(repo.vouch(&["status", "--json"]).json(), json!([]));
}

#[test]
fn paths_are_relative_to_the_current_folder() {
    let repo = repo_with_file();
    repo.vouch_in("src", &["mark", "lib.rs:1-1", "--tool", "copilot"])
        .expect_code(0);
    let status = repo.vouch_in("src", &["status", "--json", "."]).json();
    assert_eq!(status[0]["path"], "src/lib.rs");
    // A folder that does not exist is an error (issue 16), not "nothing".
    repo.vouch(&["status", "--json", "docs"]).expect_code(2);
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let repo = repo_with_file();
    for args in [
        vec!["mark", "src/lib.rs:9-12", "--tool", "x"],
        vec!["mark", "src/lib.rs", "--tool", "x"],
        vec!["mark", "missing.rs:1-1", "--tool", "x"],
        vec!["review", "../outside.rs"],
        vec!["review", "src/lib.rs:0"],
        vec!["status", "--bogus"],
    ] {
        let out = repo.vouch(&args).expect_code(2);
        let err = out.stderr();
        assert!(!err.trim().is_empty(), "{args:?}: no message");
        if args[0] != "status" {
            assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        }
    }
    // Nothing was recorded by the failed commands.
    assert_eq!(repo.vouch(&["status", "--json"]).json(), json!([]));
}

#[test]
fn store_lives_in_the_git_dir_and_plain_folders_use_dot_vouch() {
    let repo = repo_with_file();
    repo.vouch(&["mark", "src/lib.rs:1-1", "--tool", "copilot"])
        .expect_code(0);
    assert!(repo.path().join(".git/vouch/store.db").is_file());
    assert!(!repo.path().join(".vouch").exists());

    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("a.py"), "print(1)\nprint(2)\n").unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(support::vouch_bin())
            .args(args)
            .current_dir(plain.path())
            .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
            .output()
            .unwrap();
        support::VouchOutput(out)
    };
    run(&["mark", "a.py:2-2", "--tool", "cursor"]).expect_code(0);
    assert!(plain.path().join(".vouch/store.db").is_file());
    assert_eq!(run(&["status", "--json"]).json()[0]["startLine"], 2);
}

#[test]
fn newer_store_is_refused_and_left_intact() {
    let repo = repo_with_file();
    repo.vouch(&["mark", "src/lib.rs:1-1", "--tool", "copilot"])
        .expect_code(0);
    let db = repo.path().join(".git/vouch/store.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let out = repo.vouch(&["status"]).expect_code(2);
    assert!(out.stderr().contains("newer Vouch"), "{}", out.stderr());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM files", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}
