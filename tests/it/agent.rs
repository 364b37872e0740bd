//! End-to-end tests of `vouch record --agent NAME`: documented hook payloads
//! of each agent fed to the real binary against real files in temporary git
//! repositories, attribution checked character by character through the
//! library.

use crate::support;
use crate::support::agent;

use agent::{
    LIB, LIB_AFTER, ai_mask, ai_text, assert_source, fixture, ledger, record, repo_with_lib,
    snapshots, stored_text,
};
use support::TempRepo;
use vouch_core::ledger::AiKind;

/// What an edit of `a + b` into `a.checked_add(b).unwrap_or(0)` leaves to
/// the agent: the line it rewrote (the few characters that happen to match,
/// `a`, `b`, the indentation, do not make a rewritten line human).
const EDIT_AI: &str = "    a.checked_add(b).unwrap_or(0)\n";

#[test]
fn claude_code_pre_and_post_edit() {
    let repo = repo_with_lib();
    let out = record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/pre-edit.json"),
    )
    .expect_code(0);
    assert_eq!(out.stdout(), "");
    assert_eq!(out.stderr(), "");
    assert_eq!(snapshots(&repo).len(), 1, "pre-tool snapshot written");
    repo.write("src/lib.rs", LIB_AFTER); // the agent's Edit tool
    let out = record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-edit.json"),
    )
    .expect_code(0);
    assert_eq!(out.stdout(), "");
    assert_eq!(out.stderr(), "");
    assert!(snapshots(&repo).is_empty(), "snapshot cleaned up");

    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    assert_eq!(ai_text(&l), EDIT_AI);
    assert_eq!(
        ai_mask(&l),
        "···································\n    a.checked_add(b).unwrap_or(0)\n·\n"
    );
    assert_source(&l, "claude-code", AiKind::Agent, None, Some("abc123"));
    // The store holds the full current text (an editor can adopt it).
    assert_eq!(stored_text(&repo, "src/lib.rs").as_deref(), Some(LIB_AFTER));
    // Status lists it like any AI text.
    let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
    assert_eq!(status[0]["path"], "src/lib.rs");
    assert_eq!(status[0]["tool"], "claude-code");
    assert_eq!(status[0]["kind"], "agent");
    assert_eq!(status[0]["startLine"], 2);
}

#[test]
fn snapshot_keeps_human_edits_made_before_the_tool_call_human() {
    let repo = repo_with_lib();
    // A person adds a line (no editor integration saw it) before the agent runs.
    let human = format!("{LIB}// by hand\n");
    repo.write("src/lib.rs", &human);
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/pre-edit.json"),
    )
    .expect_code(0);
    repo.write(
        "src/lib.rs",
        &human.replace("a + b", "a.checked_add(b).unwrap_or(0)"),
    );
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-edit.json"),
    )
    .expect_code(0);
    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    assert_eq!(ai_text(&l), EDIT_AI);
}

#[test]
fn post_only_edit_is_located_from_the_payload() {
    let repo = repo_with_lib();
    // Uncommitted human work elsewhere in the file, unknown to the store.
    let human = format!("// header by hand\n{LIB}");
    let after = human.replace("a + b", "a.checked_add(b).unwrap_or(0)");
    repo.write("src/lib.rs", &after);
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-edit.json"),
    )
    .expect_code(0);
    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    assert_eq!(ai_text(&l), EDIT_AI, "the header stays human");
}

#[test]
fn post_only_write_of_a_new_file_is_all_agent() {
    let repo = repo_with_lib();
    let text = "pub fn new() -> u32 {\n    7\n}\n";
    repo.write("src/new.rs", text);
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-write.json"),
    )
    .expect_code(0);
    let l = ledger(&repo, "src/new.rs").expect("tracked");
    assert_eq!(ai_text(&l), text);
    assert_source(&l, "claude-code", AiKind::Agent, None, Some("abc123"));
}

#[test]
fn post_only_write_diffs_against_the_index_then_the_store() {
    let repo = repo_with_lib();
    repo.write("src/new.rs", "fn one() {}\n");
    repo.git(&["add", "src/new.rs"]);
    // The agent rewrites the staged file: only the new line is its.
    repo.write("src/new.rs", "fn one() {}\nfn two() {}\n");
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-write.json"),
    )
    .expect_code(0);
    let l = ledger(&repo, "src/new.rs").expect("tracked");
    assert_eq!(ai_text(&l), "fn two() {}\n");
    // Now the store knows the file: a second rewrite diffs against the store.
    repo.write("src/new.rs", "fn one() {}\nfn two() {}\nfn three() {}\n");
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-write.json"),
    )
    .expect_code(0);
    let l = ledger(&repo, "src/new.rs").expect("tracked");
    // Two separate recordings (different times): two regions.
    assert_eq!(ai_text(&l), "fn two() {}\n|fn three() {}\n");
}

#[test]
fn cursor_after_file_edit_and_tab() {
    let repo = repo_with_lib();
    repo.write("src/lib.rs", LIB_AFTER);
    let out = record(
        &repo,
        "cursor",
        &fixture(&repo, "cursor/after-file-edit.json"),
    )
    .expect_code(0);
    assert_eq!(out.stdout().trim(), "{}", "Cursor reads JSON from hooks");
    assert_eq!(out.stderr(), "");
    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    assert_eq!(ai_text(&l), EDIT_AI);
    assert_source(
        &l,
        "cursor",
        AiKind::Agent,
        Some("claude-4.5-sonnet"),
        Some("conv-42"),
    );

    // A Tab completion inserts a comment line.
    let tabbed = LIB_AFTER.replace("{\n", "{\n    // overflow-safe\n");
    repo.write("src/lib.rs", &tabbed);
    record(
        &repo,
        "cursor",
        &fixture(&repo, "cursor/after-tab-file-edit.json"),
    )
    .expect_code(0);
    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    let tab: Vec<_> = l
        .regions()
        .into_iter()
        .filter(|r| r.attribution.source().map(|s| s.kind) == Some(AiKind::InlineCompletion))
        .collect();
    assert_eq!(tab.len(), 1);
    assert_eq!(&l.text()[tab[0].range.clone()], "    // overflow-safe\n");
    assert_eq!(
        ai_text(&l).matches(".checked_add(").count(),
        1,
        "agent text kept"
    );
}

#[test]
fn codex_apply_patch_pre_and_post() {
    let repo = repo_with_lib();
    let out = record(
        &repo,
        "codex",
        &fixture(&repo, "codex/pre-apply-patch.json"),
    )
    .expect_code(0);
    assert_eq!(out.stdout(), "");
    repo.write("src/lib.rs", LIB_AFTER);
    let out = record(
        &repo,
        "codex",
        &fixture(&repo, "codex/post-apply-patch.json"),
    )
    .expect_code(0);
    assert_eq!(out.stderr(), "");
    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    assert_eq!(ai_text(&l), EDIT_AI);
    assert_source(
        &l,
        "codex",
        AiKind::Agent,
        Some("gpt-5-codex"),
        Some("0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
    );
    assert!(snapshots(&repo).is_empty());
}

#[test]
fn gemini_before_and_after_tool() {
    let repo = repo_with_lib();
    let out = record(
        &repo,
        "gemini",
        &fixture(&repo, "gemini/before-replace.json"),
    )
    .expect_code(0);
    assert_eq!(out.stdout().trim(), "{}", "Gemini parses stdout as JSON");
    assert_eq!(snapshots(&repo).len(), 1);
    repo.write("src/lib.rs", LIB_AFTER);
    let out = record(
        &repo,
        "gemini",
        &fixture(&repo, "gemini/after-replace.json"),
    )
    .expect_code(0);
    assert_eq!(out.stdout().trim(), "{}");
    assert_eq!(out.stderr(), "");
    assert!(
        snapshots(&repo).is_empty(),
        "pre and post paired without an id"
    );
    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    assert_eq!(ai_text(&l), EDIT_AI);
    assert_source(&l, "gemini", AiKind::Agent, None, Some("gem-session-9"));
}

#[test]
fn copilot_pre_and_post_tool_use() {
    let repo = repo_with_lib();
    record(&repo, "copilot", &fixture(&repo, "copilot/pre-edit.json")).expect_code(0);
    assert_eq!(snapshots(&repo).len(), 1);
    repo.write("src/lib.rs", LIB_AFTER);
    let out = record(&repo, "copilot", &fixture(&repo, "copilot/post-edit.json")).expect_code(0);
    assert_eq!(out.stdout(), "");
    assert_eq!(out.stderr(), "");
    assert!(snapshots(&repo).is_empty());
    let l = ledger(&repo, "src/lib.rs").expect("tracked");
    assert_eq!(ai_text(&l), EDIT_AI);
    assert_source(&l, "copilot", AiKind::Agent, None, None);
}

#[test]
fn shell_tool_changes_are_the_agents() {
    let repo = repo_with_lib();
    repo.write("notes.md", "todo\n");
    repo.git(&["add", "notes.md"]);
    repo.git(&["commit", "-qm", "notes"]);
    // Dirty before the command, by a person: must stay human.
    repo.write("notes.md", "todo\nby hand\n");
    repo.write("untracked.txt", "scratch\n");
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/pre-bash.json"),
    )
    .expect_code(0);

    // What the command does: edits a clean file, appends to a dirty one,
    // creates a new file; leaves untracked.txt alone.
    repo.write("src/lib.rs", LIB_AFTER);
    repo.write("notes.md", "todo\nby hand\ngenerated\n");
    repo.write("gen/out.rs", "pub const X: u8 = 1;\n");
    let out = record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-bash.json"),
    )
    .expect_code(0);
    assert_eq!(out.stderr(), "");
    assert!(snapshots(&repo).is_empty());

    assert_eq!(ai_text(&ledger(&repo, "src/lib.rs").unwrap()), EDIT_AI);
    assert_eq!(ai_text(&ledger(&repo, "notes.md").unwrap()), "generated\n");
    assert_eq!(
        ai_text(&ledger(&repo, "gen/out.rs").unwrap()),
        "pub const X: u8 = 1;\n"
    );
    assert!(
        ledger(&repo, "untracked.txt").is_none(),
        "untouched file not recorded"
    );
}

/// A file that was not text before the tool call is never recorded,
/// whichever way the tool reached it: one record path for file tools (with
/// a pre-tool snapshot, or diffed against git) and shell commands.
#[test]
fn a_binary_file_turned_into_text_is_all_the_agents() {
    const BINARY: &[u8] = b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01";
    const TEXT: &str = "pub fn now_text() -> u8 {\n    1\n}\n";
    // (file, committed as binary, pre-tool payload, post-tool payload)
    let cases = [
        // A file tool with a snapshot of the binary file.
        (
            "src/lib.rs",
            false,
            Some("claude-code/pre-edit.json"),
            "claude-code/post-edit.json",
        ),
        // A file tool without a snapshot: the index and HEAD hold binary.
        ("src/new.rs", true, None, "claude-code/post-write.json"),
        // A shell command, the file binary and dirty before it.
        (
            "src/lib.rs",
            false,
            Some("claude-code/pre-bash.json"),
            "claude-code/post-bash.json",
        ),
        // A shell command, the file committed binary and clean before it.
        (
            "src/new.rs",
            true,
            Some("claude-code/pre-bash.json"),
            "claude-code/post-bash.json",
        ),
    ];
    for (rel, committed, pre, post) in cases {
        let repo = repo_with_lib();
        let path = repo.path().join(rel);
        std::fs::write(&path, BINARY).unwrap();
        if committed {
            repo.git(&["add", rel]);
            repo.git(&["commit", "-qm", "binary"]);
        }
        if let Some(pre) = pre {
            record(&repo, "claude-code", &fixture(&repo, pre)).expect_code(0);
        }
        repo.write(rel, TEXT); // the tool turns it into text
        let out = record(&repo, "claude-code", &fixture(&repo, post)).expect_code(0);
        assert_eq!(out.stderr(), "", "{rel} {pre:?}");
        let ledger = ledger(&repo, rel)
            .unwrap_or_else(|| panic!("{rel} after {pre:?} / {post}: not recorded"));
        assert_eq!(ledger.text(), TEXT, "{rel} {pre:?}");
        assert_eq!(
            ai_mask(&ledger),
            TEXT,
            "{rel} after {pre:?} / {post}: text that replaced a binary is not all AI"
        );
    }
}

#[test]
fn a_file_the_agent_makes_binary_is_not_recorded() {
    const BINARY: &[u8] = b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01";
    let repo = repo_with_lib();
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/pre-bash.json"),
    )
    .expect_code(0);
    std::fs::write(repo.path().join("src/lib.rs"), BINARY).unwrap();
    let out = record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-bash.json"),
    )
    .expect_code(0);
    assert_eq!(out.stderr(), "");
    assert!(stored_text(&repo, "src/lib.rs").is_none());
}

#[test]
fn shell_checkout_is_not_the_agents() {
    let repo = repo_with_lib();
    repo.write("src/lib.rs", LIB_AFTER); // dirty, by a person
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/pre-bash.json"),
    )
    .expect_code(0);
    repo.git(&["checkout", "--", "src/lib.rs"]); // the agent ran `git checkout`
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-bash.json"),
    )
    .expect_code(0);
    assert!(ledger(&repo, "src/lib.rs").is_none());
}

#[test]
fn malformed_payloads_exit_zero_with_one_warning_and_keep_the_store() {
    let repo = repo_with_lib();
    repo.write("src/lib.rs", LIB_AFTER);
    record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-edit.json"),
    )
    .expect_code(0);
    let before = ai_mask(&ledger(&repo, "src/lib.rs").unwrap());

    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("claude-code", b"".to_vec()),
        ("claude-code", b"{not json".to_vec()),
        ("claude-code", b"[1, 2]".to_vec()),
        ("cursor", vec![0xff, 0xfe, 0x00]),
        ("gemini", b"\"just a string\"".to_vec()),
        (
            "copilot",
            br#"{"toolName":"edit","toolArgs":"{broken","toolResult":{}}"#.to_vec(),
        ),
        ("codex", b"null".to_vec()),
        ("copilot", b"{}".to_vec()),
        // Well-formed JSON, but not a payload Vouch can use.
        (
            "claude-code",
            br#"{"hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{"content":"x"}}"#
                .to_vec(),
        ),
        (
            "claude-code",
            br#"{"tool_name":"Edit","tool_input":{"file_path":"src/lib.rs"}}"#.to_vec(),
        ),
        ("cursor", br#"{"hook_event_name":"afterFileEdit"}"#.to_vec()),
        // An agent Vouch does not know, or none at all: still exit 0.
        ("windsurf", b"{}".to_vec()),
        ("", b"{}".to_vec()),
    ];
    for (agent_name, payload) in bad {
        let out = agent::record_bytes(repo.path(), agent_name, &payload).expect_code(0);
        let err = out.stderr();
        assert_eq!(
            err.lines().count(),
            1,
            "{agent_name}: one warning line, got {err:?}"
        );
        assert!(err.starts_with("vouch: warning:"), "{err}");
        if agent_name == "cursor" || agent_name == "gemini" {
            assert_eq!(out.stdout().trim(), "{}");
        }
    }
    assert_eq!(ai_mask(&ledger(&repo, "src/lib.rs").unwrap()), before);
}

#[test]
fn unrelated_events_and_outside_files_are_ignored_quietly() {
    let repo = repo_with_lib();
    let outside = tempfile::tempdir().unwrap();
    let p = outside.path().join("x.txt");
    std::fs::write(&p, "x\n").unwrap();
    let payload = serde_json::json!({
        "session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Write",
        "tool_input": {"file_path": p, "content": "x\n"}, "tool_use_id": "t"
    })
    .to_string();
    let out = record(&repo, "claude-code", &payload).expect_code(0);
    assert_eq!(out.stderr(), "");
    assert!(
        !outside.path().join(".vouch").exists(),
        "nothing written outside"
    );
    let stop = r#"{"session_id":"s","hook_event_name":"Stop","stop_hook_active":false}"#;
    let out = record(&repo, "claude-code", stop).expect_code(0);
    assert_eq!(out.stderr(), "");
    assert!(!repo.path().join(".git/vouch/agent-snapshots").exists());
}

#[test]
fn internal_error_is_one_warning_line() {
    let repo = repo_with_lib();
    std::fs::create_dir_all(repo.path().join(".git/vouch")).unwrap();
    std::fs::write(
        repo.path().join(".git/vouch/store.db"),
        b"this is not sqlite",
    )
    .unwrap();
    repo.write("src/lib.rs", LIB_AFTER);
    let out = record(
        &repo,
        "claude-code",
        &fixture(&repo, "claude-code/post-edit.json"),
    )
    .expect_code(0);
    assert_eq!(out.stderr().lines().count(), 1, "{}", out.stderr());
    assert!(out.stderr().starts_with("vouch: warning:"));
}

#[test]
fn two_agents_write_different_files_at_once() {
    let repo = TempRepo::new();
    let n = 6;
    for i in 0..n {
        repo.write(&format!("a{i}.rs"), "fn a() {}\n");
        repo.write(&format!("b{i}.rs"), "fn b() {}\n");
    }
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "init"]);
    let root = agent::root(&repo);
    let mut children = Vec::new();
    for i in 0..n {
        repo.write(&format!("a{i}.rs"), "fn a() {}\nfn claude() {}\n");
        repo.write(&format!("b{i}.rs"), "fn b() {}\nfn codex() {}\n");
        let claude = serde_json::json!({
            "session_id": "c", "hook_event_name": "PostToolUse", "tool_name": "Write",
            "tool_input": {"file_path": format!("{root}/a{i}.rs"), "content": ""},
            "tool_use_id": format!("t{i}"), "cwd": root
        });
        let codex = serde_json::json!({
            "session_id": "x", "hook_event_name": "PostToolUse", "tool_name": "apply_patch",
            "model": "gpt-5-codex", "cwd": root, "tool_use_id": format!("p{i}"),
            "tool_input": {"command": format!("*** Begin Patch\n*** Update File: b{i}.rs\n@@\n+fn codex() {{}}\n*** End Patch\n")}
        });
        children.push(agent::spawn_record(
            repo.path(),
            "claude-code",
            claude.to_string().as_bytes(),
        ));
        children.push(agent::spawn_record(
            repo.path(),
            "codex",
            codex.to_string().as_bytes(),
        ));
    }
    for c in children {
        let out = support::VouchOutput(c.wait_with_output().unwrap()).expect_code(0);
        assert_eq!(out.stderr(), "");
    }
    for i in 0..n {
        let a = ledger(&repo, &format!("a{i}.rs")).expect("a recorded");
        assert_eq!(ai_text(&a), "fn claude() {}\n");
        assert_source(&a, "claude-code", AiKind::Agent, None, Some("c"));
        let b = ledger(&repo, &format!("b{i}.rs")).expect("b recorded");
        assert_eq!(ai_text(&b), "fn codex() {}\n");
        assert_source(&b, "codex", AiKind::Agent, Some("gpt-5-codex"), Some("x"));
    }
}

#[test]
fn agents_creating_the_store_at_once_all_record() {
    // The first hooks in a fresh repository create the store together
    // (switching it to WAL, running the migrations): none may lose its edit.
    for trial in 0..20 {
        let repo = TempRepo::new();
        let root = agent::root(&repo);
        for i in 0..8 {
            repo.write(&format!("f{i}.rs"), "");
        }
        repo.git(&["add", "."]);
        repo.git(&["commit", "-qm", "init"]);
        let children: Vec<_> = (0..8)
            .map(|i| {
                repo.write(&format!("f{i}.rs"), "fn agent() {}\n");
                let payload = serde_json::json!({
                    "session_id": "c", "hook_event_name": "PostToolUse", "tool_name": "Write",
                    "tool_input": {"file_path": format!("{root}/f{i}.rs"), "content": "fn agent() {}\n"},
                    "tool_use_id": format!("t{i}"), "cwd": root
                });
                agent::spawn_record(repo.path(), "claude-code", payload.to_string().as_bytes())
            })
            .collect();
        for c in children {
            let out = support::VouchOutput(c.wait_with_output().unwrap()).expect_code(0);
            assert_eq!(out.stderr(), "", "trial {trial}");
        }
        for i in 0..8 {
            let l = ledger(&repo, &format!("f{i}.rs")).expect("recorded");
            assert_eq!(ai_text(&l), "fn agent() {}\n", "trial {trial}");
        }
    }
}

#[test]
fn hundred_thousand_line_file_is_recorded() {
    let repo = TempRepo::new();
    let big: String = (0..100_000).map(|i| format!("let v{i} = {i};\n")).collect();
    repo.write("big.rs", &big);
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "big"]);
    let pre = serde_json::json!({
        "session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Edit",
        "tool_input": {"file_path": format!("{}/big.rs", agent::root(&repo)),
                       "old_string": "let v50000 = 50000;", "new_string": "let v50000 = 5;"},
        "tool_use_id": "big"
    });
    record(&repo, "claude-code", &pre.to_string()).expect_code(0);
    let after = big.replace("let v50000 = 50000;", "let v50000 = 5;\n// agent");
    repo.write("big.rs", &after);
    let post = pre.to_string().replace("PreToolUse", "PostToolUse");
    let out = record(&repo, "claude-code", &post).expect_code(0);
    assert_eq!(out.stderr(), "");
    let l = ledger(&repo, "big.rs").expect("big file recorded");
    assert_eq!(l.text(), after);
    assert_eq!(ai_text(&l), "// agent\n");
}

#[test]
fn a_large_file_rewritten_whole_is_all_the_agents() {
    let repo = TempRepo::new();
    let old: String = (0..30_000).map(|i| format!("let a{i} = {i};\n")).collect();
    repo.write("gen.rs", &old);
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "gen"]);
    let new: String = (0..30_000)
        .map(|i| format!("fn b{i}() -> u32 {{ {} }}\n", i * 7))
        .collect();
    repo.write("gen.rs", &new);
    let post = serde_json::json!({
        "session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Write",
        "tool_input": {"file_path": format!("{}/gen.rs", agent::root(&repo)), "content": ""},
        "tool_use_id": "w"
    });
    let out = record(&repo, "claude-code", &post.to_string()).expect_code(0);
    assert_eq!(out.stderr(), "");
    let l = ledger(&repo, "gen.rs").expect("recorded");
    assert_eq!(ai_text(&l), new, "every character is the agent's");
}
