//! End-to-end tests of `vouch record --agent NAME`: documented hook payloads
//! of each agent fed to the real binary against real files in temporary git
//! repositories, attribution checked character by character through the
//! library.
//!
//! Most cases are rows of one table (`scenarios!`): the steps a person, an
//! agent's tool and its hooks take in a repository holding `src/lib.rs`, and
//! what each file's attribution must then be. One driver (`run`) plays them;
//! each row is its own `#[test]`, so a failure names its case (and its step).

use crate::support;
use crate::support::agent;

use agent::{
    LIB_AFTER, ai_mask, ai_text, assert_source, fixture, ledger, record, repo_with_lib, snapshots,
    stored_text,
};
use support::TempRepo;
use vouch_core::ledger::{AiKind, Attribution};

/// What an edit of `a + b` into `a.checked_add(b).unwrap_or(0)` leaves to
/// the agent: the line it rewrote (the few characters that happen to match,
/// `a`, `b`, the indentation, do not make a rewritten line human).
const EDIT_AI: &str = "    a.checked_add(b).unwrap_or(0)\n";

/// `src/lib.rs` after that edit with only the agent's line unmasked (`ai_mask`).
const EDIT_MASK: &str =
    "···································\n    a.checked_add(b).unwrap_or(0)\n·\n";

/// A file that is not text (a PNG header, invalid UTF-8, a NUL byte).
const BINARY: &[u8] = b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01";

/// What an agent's tool turns `BINARY` into.
const NOW_TEXT: &str = "pub fn now_text() -> u8 {\n    1\n}\n";

/// Who wrote an AI region, as the store must hold it (no review yet).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Source<'a> {
    tool: &'a str,
    kind: AiKind,
    model: Option<&'a str>,
    session: Option<&'a str>,
}

/// The sources the fixtures in `tests/fixtures/agents/` describe.
const CLAUDE: Source<'static> = Source {
    tool: "claude-code",
    kind: AiKind::Agent,
    model: None,
    session: Some("abc123"),
};
const CODEX: Source<'static> = Source {
    tool: "codex",
    kind: AiKind::Agent,
    model: Some("gpt-5-codex"),
    session: Some("0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
};
const GEMINI: Source<'static> = Source {
    tool: "gemini",
    kind: AiKind::Agent,
    model: None,
    session: Some("gem-session-9"),
};
const COPILOT: Source<'static> = Source {
    tool: "copilot",
    kind: AiKind::Agent,
    model: None,
    session: None,
};
const CURSOR: Source<'static> = Source {
    tool: "cursor",
    kind: AiKind::Agent,
    model: Some("claude-4.5-sonnet"),
    session: Some("conv-42"),
};
const CURSOR_TAB: Source<'static> = Source {
    tool: "cursor",
    kind: AiKind::InlineCompletion,
    model: Some("cursor-tab"),
    session: Some("conv-42"),
};

/// One row of `vouch status --json`.
struct Row {
    path: &'static str,
    start_line: u64,
    tool: &'static str,
    kind: &'static str,
    model: Option<&'static str>,
}

/// One step of a scenario, played in order on a fresh `repo_with_lib()`.
enum Step {
    /// A file written on disk: by a person (no editor integration sees it),
    /// or by the agent's tool between its hooks.
    Write(&'static str, &'static str),
    /// The same with bytes that are not text.
    Bytes(&'static str, &'static [u8]),
    /// A git command, a person's or one the agent's shell ran.
    Git(&'static [&'static str]),
    /// `vouch record --agent AGENT` with a pre-tool payload fixture: exit 0,
    /// the agent's acknowledgement on stdout, nothing on stderr, one snapshot kept.
    Pre(&'static str, &'static str),
    /// The same with a post-tool payload fixture: no snapshot left behind.
    Post(&'static str, &'static str),
    /// The file's AI regions, in order, each with its source; the store holds
    /// the file's full current text (an editor can adopt it).
    Ai(&'static str, &'static [(&'static str, Source<'static>)]),
    /// The file's text, human characters masked (`ai_mask`).
    Mask(&'static str, &'static str),
    /// The store holds nothing for the file, under its name or a former one.
    Untracked(&'static str),
    /// `vouch status --json` lists exactly these rows: AI text is listed
    /// like any other.
    Status(&'static [Row]),
}

/// What an agent's hook prints on stdout: Cursor and Gemini parse it as JSON.
fn ack(agent_name: &str) -> &'static str {
    match agent_name {
        "cursor" | "gemini" => "{}",
        _ => "",
    }
}

/// Plays one scenario; every message names the failing step.
fn run(steps: &[Step]) {
    let repo = repo_with_lib();
    for (i, step) in steps.iter().enumerate() {
        let at = format!("step {}", i + 1);
        match step {
            Step::Write(path, text) => repo.write(path, text),
            Step::Bytes(path, bytes) => {
                std::fs::write(repo.path().join(path), bytes).expect("write bytes");
            }
            Step::Git(args) => {
                repo.git(args);
            }
            Step::Pre(agent_name, name) | Step::Post(agent_name, name) => {
                let out = record(&repo, agent_name, &fixture(&repo, name)).expect_code(0);
                let stdout = out.stdout();
                match ack(agent_name) {
                    "" => assert_eq!(stdout, "", "{at} {name}: stdout"),
                    json => assert_eq!(stdout.trim(), json, "{at} {name}: stdout"),
                }
                assert_eq!(out.stderr(), "", "{at} {name}: stderr");
                let left = snapshots(&repo).len();
                match step {
                    Step::Pre(..) => assert_eq!(left, 1, "{at} {name}: pre-tool snapshot"),
                    _ => assert_eq!(left, 0, "{at} {name}: snapshot paired and cleaned up"),
                }
            }
            Step::Ai(path, want) => {
                let l = ledger(&repo, path).unwrap_or_else(|| panic!("{at}: {path} not tracked"));
                let text = l.text();
                let regions = l.regions();
                let got: Vec<(&str, Source)> = regions
                    .iter()
                    .map(|r| {
                        let Attribution::Ai { source, reviews } = &r.attribution else {
                            panic!("{at}: {path}: a region that is not AI")
                        };
                        assert!(reviews.is_empty(), "{at}: {path}: reviewed {reviews:?}");
                        let s = Source {
                            tool: &source.tool,
                            kind: source.kind,
                            model: source.model.as_deref(),
                            session: source.session.as_deref(),
                        };
                        (&text[r.range.clone()], s)
                    })
                    .collect();
                assert_eq!(got, *want, "{at}: {path}: AI regions");
                assert_eq!(
                    stored_text(&repo, path).as_deref(),
                    Some(repo.read(path).as_str()),
                    "{at}: {path}: the store holds the file's current text"
                );
            }
            Step::Mask(path, want) => {
                let l = ledger(&repo, path).unwrap_or_else(|| panic!("{at}: {path} not tracked"));
                assert_eq!(ai_mask(&l), *want, "{at}: {path}: mask");
            }
            Step::Untracked(path) => {
                assert_eq!(stored_text(&repo, path), None, "{at}: {path} stored");
                // Nor under a name it had before (the library reads only text).
                if std::fs::read_to_string(repo.path().join(path)).is_ok() {
                    assert!(ledger(&repo, path).is_none(), "{at}: {path} recorded");
                }
            }
            Step::Status(rows) => {
                let status = repo.vouch(&["status", "--json"]).expect_code(0).json();
                let got = status.as_array().map_or(0, Vec::len);
                assert_eq!(got, rows.len(), "{at}: status rows: {status}");
                for (j, row) in rows.iter().enumerate() {
                    let s = &status[j];
                    assert_eq!(s["path"], row.path, "{at}: status row {j}");
                    assert_eq!(s["startLine"], row.start_line, "{at}: status row {j}");
                    assert_eq!(s["tool"], row.tool, "{at}: status row {j}");
                    assert_eq!(s["kind"], row.kind, "{at}: status row {j}");
                    assert_eq!(s["model"].as_str(), row.model, "{at}: status row {j}");
                }
            }
        }
    }
}

/// One `#[test]` per row: `name: [steps…];`.
macro_rules! scenarios {
    ($($(#[doc = $doc:literal])* $name:ident: [$($step:expr),* $(,)?];)*) => {
        $(
            $(#[doc = $doc])*
            #[test]
            fn $name() {
                use Step::*;
                run(&[$($step),*]);
            }
        )*
    };
}

scenarios! {
    /// Each agent's edit of `src/lib.rs` through its documented hooks.
    claude_code_pre_and_post_edit: [
        Pre("claude-code", "claude-code/pre-edit.json"),
        Write("src/lib.rs", LIB_AFTER), // the agent's Edit tool
        Post("claude-code", "claude-code/post-edit.json"),
        Ai("src/lib.rs", &[(EDIT_AI, CLAUDE)]),
        Mask("src/lib.rs", EDIT_MASK),
        Status(&[Row { path: "src/lib.rs", start_line: 2, tool: "claude-code", kind: "agent", model: None }]),
    ];
    codex_apply_patch_pre_and_post: [
        Pre("codex", "codex/pre-apply-patch.json"),
        Write("src/lib.rs", LIB_AFTER),
        Post("codex", "codex/post-apply-patch.json"),
        Ai("src/lib.rs", &[(EDIT_AI, CODEX)]),
        Mask("src/lib.rs", EDIT_MASK),
        Status(&[Row { path: "src/lib.rs", start_line: 2, tool: "codex", kind: "agent", model: Some("gpt-5-codex") }]),
    ];
    /// Gemini's hooks carry no tool-call id: pre and post are paired without one.
    gemini_before_and_after_tool: [
        Pre("gemini", "gemini/before-replace.json"),
        Write("src/lib.rs", LIB_AFTER),
        Post("gemini", "gemini/after-replace.json"),
        Ai("src/lib.rs", &[(EDIT_AI, GEMINI)]),
        Mask("src/lib.rs", EDIT_MASK),
        Status(&[Row { path: "src/lib.rs", start_line: 2, tool: "gemini", kind: "agent", model: None }]),
    ];
    copilot_pre_and_post_tool_use: [
        Pre("copilot", "copilot/pre-edit.json"),
        Write("src/lib.rs", LIB_AFTER),
        Post("copilot", "copilot/post-edit.json"),
        Ai("src/lib.rs", &[(EDIT_AI, COPILOT)]),
        Mask("src/lib.rs", EDIT_MASK),
        Status(&[Row { path: "src/lib.rs", start_line: 2, tool: "copilot", kind: "agent", model: None }]),
    ];
    /// Cursor reports edits after the fact; a Tab completion is an inline
    /// completion, and the agent's text stays the agent's.
    cursor_after_file_edit_and_tab: [
        Write("src/lib.rs", LIB_AFTER),
        Post("cursor", "cursor/after-file-edit.json"),
        Ai("src/lib.rs", &[(EDIT_AI, CURSOR)]),
        Mask("src/lib.rs", EDIT_MASK),
        Status(&[Row { path: "src/lib.rs", start_line: 2, tool: "cursor", kind: "agent", model: Some("claude-4.5-sonnet") }]),
        Write("src/lib.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    // overflow-safe\n    a.checked_add(b).unwrap_or(0)\n}\n"),
        Post("cursor", "cursor/after-tab-file-edit.json"),
        Ai("src/lib.rs", &[("    // overflow-safe\n", CURSOR_TAB), (EDIT_AI, CURSOR)]),
    ];
    /// A person adds a line (no editor integration saw it) before the agent runs.
    snapshot_keeps_human_edits_made_before_the_tool_call_human: [
        Write("src/lib.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n// by hand\n"),
        Pre("claude-code", "claude-code/pre-edit.json"),
        Write("src/lib.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    a.checked_add(b).unwrap_or(0)\n}\n// by hand\n"),
        Post("claude-code", "claude-code/post-edit.json"),
        Ai("src/lib.rs", &[(EDIT_AI, CLAUDE)]),
        Mask("src/lib.rs", "···································\n    a.checked_add(b).unwrap_or(0)\n·\n··········\n"),
    ];
    /// Uncommitted human work elsewhere in the file, unknown to the store,
    /// and no pre-tool snapshot: the header stays human.
    post_only_edit_is_located_from_the_payload: [
        Write("src/lib.rs", "// header by hand\npub fn add(a: u32, b: u32) -> u32 {\n    a.checked_add(b).unwrap_or(0)\n}\n"),
        Post("claude-code", "claude-code/post-edit.json"),
        Ai("src/lib.rs", &[(EDIT_AI, CLAUDE)]),
        Mask("src/lib.rs", "·················\n···································\n    a.checked_add(b).unwrap_or(0)\n·\n"),
        Status(&[Row { path: "src/lib.rs", start_line: 3, tool: "claude-code", kind: "agent", model: None }]),
    ];
    post_only_write_of_a_new_file_is_all_agent: [
        Write("src/new.rs", "pub fn new() -> u32 {\n    7\n}\n"),
        Post("claude-code", "claude-code/post-write.json"),
        Ai("src/new.rs", &[("pub fn new() -> u32 {\n    7\n}\n", CLAUDE)]),
    ];
    /// The agent rewrites a staged file: only the new line is its. Then the
    /// store knows the file, and a second rewrite diffs against the store:
    /// two recordings at different times, two regions.
    post_only_write_diffs_against_the_index_then_the_store: [
        Write("src/new.rs", "fn one() {}\n"),
        Git(&["add", "src/new.rs"]),
        Write("src/new.rs", "fn one() {}\nfn two() {}\n"),
        Post("claude-code", "claude-code/post-write.json"),
        Ai("src/new.rs", &[("fn two() {}\n", CLAUDE)]),
        Write("src/new.rs", "fn one() {}\nfn two() {}\nfn three() {}\n"),
        Post("claude-code", "claude-code/post-write.json"),
        Ai("src/new.rs", &[("fn two() {}\n", CLAUDE), ("fn three() {}\n", CLAUDE)]),
    ];
    /// A shell command edits a clean file, appends to a file a person had
    /// made dirty before it ran (that part stays human), creates a new file,
    /// and leaves an untracked file alone (not recorded).
    shell_tool_changes_are_the_agents: [
        Write("notes.md", "todo\n"),
        Git(&["add", "notes.md"]),
        Git(&["commit", "-qm", "notes"]),
        Write("notes.md", "todo\nby hand\n"),
        Write("untracked.txt", "scratch\n"),
        Pre("claude-code", "claude-code/pre-bash.json"),
        Write("src/lib.rs", LIB_AFTER),
        Write("notes.md", "todo\nby hand\ngenerated\n"),
        Write("gen/out.rs", "pub const X: u8 = 1;\n"),
        Post("claude-code", "claude-code/post-bash.json"),
        Ai("src/lib.rs", &[(EDIT_AI, CLAUDE)]),
        Ai("notes.md", &[("generated\n", CLAUDE)]),
        Ai("gen/out.rs", &[("pub const X: u8 = 1;\n", CLAUDE)]),
        Untracked("untracked.txt"),
    ];
    /// A file that was not text before the tool call: the text that replaced
    /// it is all the agent's, whichever way the tool reached it (one record
    /// path for file tools, with a pre-tool snapshot or diffed against git,
    /// and shell commands).
    a_binary_file_turned_into_text_is_all_the_agents_file_tool_snapshot: [
        Bytes("src/lib.rs", BINARY),
        Pre("claude-code", "claude-code/pre-edit.json"),
        Write("src/lib.rs", NOW_TEXT),
        Post("claude-code", "claude-code/post-edit.json"),
        Ai("src/lib.rs", &[(NOW_TEXT, CLAUDE)]),
        Mask("src/lib.rs", NOW_TEXT),
    ];
    /// No snapshot: the index and HEAD hold the binary file.
    a_binary_file_turned_into_text_is_all_the_agents_file_tool_committed: [
        Bytes("src/new.rs", BINARY),
        Git(&["add", "src/new.rs"]),
        Git(&["commit", "-qm", "binary"]),
        Write("src/new.rs", NOW_TEXT),
        Post("claude-code", "claude-code/post-write.json"),
        Ai("src/new.rs", &[(NOW_TEXT, CLAUDE)]),
        Mask("src/new.rs", NOW_TEXT),
    ];
    /// A shell command, the file binary and dirty before it.
    a_binary_file_turned_into_text_is_all_the_agents_shell_dirty: [
        Bytes("src/lib.rs", BINARY),
        Pre("claude-code", "claude-code/pre-bash.json"),
        Write("src/lib.rs", NOW_TEXT),
        Post("claude-code", "claude-code/post-bash.json"),
        Ai("src/lib.rs", &[(NOW_TEXT, CLAUDE)]),
        Mask("src/lib.rs", NOW_TEXT),
    ];
    /// A shell command, the file committed binary and clean before it.
    a_binary_file_turned_into_text_is_all_the_agents_shell_clean: [
        Bytes("src/new.rs", BINARY),
        Git(&["add", "src/new.rs"]),
        Git(&["commit", "-qm", "binary"]),
        Pre("claude-code", "claude-code/pre-bash.json"),
        Write("src/new.rs", NOW_TEXT),
        Post("claude-code", "claude-code/post-bash.json"),
        Ai("src/new.rs", &[(NOW_TEXT, CLAUDE)]),
        Mask("src/new.rs", NOW_TEXT),
    ];
    /// A text file a shell command turns into bytes is not recorded.
    a_file_the_agent_makes_binary_is_not_recorded: [
        Pre("claude-code", "claude-code/pre-bash.json"),
        Bytes("src/lib.rs", BINARY),
        Post("claude-code", "claude-code/post-bash.json"),
        Untracked("src/lib.rs"),
    ];
    /// A person's dirty file restored by the agent's `git checkout`: not the agent's.
    shell_checkout_is_not_the_agents: [
        Write("src/lib.rs", LIB_AFTER),
        Pre("claude-code", "claude-code/pre-bash.json"),
        Git(&["checkout", "--", "src/lib.rs"]),
        Post("claude-code", "claude-code/post-bash.json"),
        Untracked("src/lib.rs"),
    ];
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
