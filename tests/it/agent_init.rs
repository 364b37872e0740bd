//! End-to-end tests of `vouch init --agent NAME [--global] [--uninstall]`:
//! merging Vouch's hooks into each agent's configuration file.

use crate::support;
use crate::support::agent;

use std::path::Path;

use agent::{read_json, vouch_env};
use serde_json::json;
use support::{TempRepo, vouch_bin};

fn bin() -> String {
    vouch_bin()
        .canonicalize()
        .expect("binary path")
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

/// A HOME of our own, so `--global` never touches the real one.
fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn init(repo: &TempRepo, home: &Path, args: &[&str]) -> support::VouchOutput {
    let mut all = vec!["init"];
    all.extend_from_slice(args);
    vouch_env(repo.path(), &all, &[("HOME", home)])
}

#[test]
fn claude_code_project_settings_are_created_and_idempotent() {
    let repo = TempRepo::new();
    std::fs::create_dir_all(repo.path().join("sub")).unwrap();
    let h = home();
    // Run from a sub-folder: the file goes to the repository root.
    let out = vouch_env(
        &repo.path().join("sub"),
        &["init", "--agent", "claude-code"],
        &[("HOME", h.path())],
    )
    .expect_code(0);
    let path = repo.path().join(".claude/settings.json");
    assert!(
        out.stdout().contains(".claude/settings.json"),
        "{}",
        out.stdout()
    );
    assert!(out.stdout().contains("PreToolUse"), "{}", out.stdout());
    let command = format!("{} record --agent claude-code", bin());
    let hook = json!({"type": "command", "command": command, "timeout": 10});
    let matcher = "Edit|Write|MultiEdit|NotebookEdit|Bash";
    assert_eq!(
        read_json(&path),
        json!({"hooks": {
            "PreToolUse": [{"matcher": matcher, "hooks": [hook]}],
            "PostToolUse": [{"matcher": matcher, "hooks": [hook]}]
        }})
    );
    let first = std::fs::read(&path).unwrap();
    let out = init(&repo, h.path(), &["--agent", "claude-code"]).expect_code(0);
    assert!(out.stdout().contains("nothing changed"), "{}", out.stdout());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        first,
        "second run changes nothing"
    );
    assert!(
        !h.path().join(".claude").exists(),
        "project install leaves HOME alone"
    );
}

const USER_SETTINGS: &str = r#"{
    "permissions": {
        "allow": [
            "Bash(npm run lint)"
        ]
    },
    "hooks": {
        "PostToolUse": [
            {
                "matcher": "Write",
                "hooks": [
                    {
                        "type": "command",
                        "command": "prettier --write"
                    }
                ]
            }
        ]
    },
    "model": "opus"
}
"#;

#[test]
fn merge_keeps_user_settings_and_uninstall_restores_them() {
    let repo = TempRepo::new();
    let h = home();
    repo.write(".claude/settings.json", USER_SETTINGS);
    let out = init(&repo, h.path(), &["--agent", "claude-code"]).expect_code(0);
    assert!(out.stdout().contains("added"), "{}", out.stdout());
    let path = repo.path().join(".claude/settings.json");
    let text = std::fs::read_to_string(&path).unwrap();
    // Key order and four-space indentation kept.
    assert!(text.starts_with("{\n    \"permissions\": {"), "{text}");
    assert!(text.find("\"model\"") > text.find("\"hooks\""));
    let v = read_json(&path);
    assert_eq!(v["model"], "opus");
    assert_eq!(v["permissions"]["allow"][0], "Bash(npm run lint)");
    let post = v["hooks"]["PostToolUse"].as_array().unwrap();
    assert_eq!(post.len(), 2, "user's hook kept, ours added");
    assert_eq!(post[0]["hooks"][0]["command"], "prettier --write");
    assert!(
        post[1]["hooks"][0]["command"]
            .as_str()
            .unwrap()
            .ends_with("record --agent claude-code")
    );

    let out = init(&repo, h.path(), &["--agent", "claude-code", "--uninstall"]).expect_code(0);
    assert!(out.stdout().contains("removed"), "{}", out.stdout());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), USER_SETTINGS);
    let out = init(&repo, h.path(), &["--agent", "claude-code", "--uninstall"]).expect_code(0);
    assert!(out.stdout().contains("no Vouch hooks"), "{}", out.stdout());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), USER_SETTINGS);
}

#[test]
fn a_moved_binary_is_updated_not_duplicated() {
    let repo = TempRepo::new();
    let h = home();
    repo.write(
        ".claude/settings.json",
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
            {"type": "command", "command": "/old/place/vouch record --agent claude-code"}]}]}}"#,
    );
    init(&repo, h.path(), &["--agent", "claude-code"]).expect_code(0);
    let v = read_json(&repo.path().join(".claude/settings.json"));
    let pre = v["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 1);
    assert_eq!(
        pre[0]["hooks"][0]["command"],
        format!("{} record --agent claude-code", bin())
    );
    assert_eq!(v["hooks"]["PostToolUse"].as_array().unwrap().len(), 1);
}

#[test]
fn global_install_writes_under_home_only() {
    let repo = TempRepo::new();
    let h = home();
    let out = init(&repo, h.path(), &["--agent", "cursor", "--global"]).expect_code(0);
    let path = h.path().join(".cursor/hooks.json");
    assert!(out.stdout().contains("created"), "{}", out.stdout());
    let v = read_json(&path);
    assert_eq!(v["version"], 1);
    let command = format!("{} record --agent cursor", bin());
    for event in [
        "preToolUse",
        "postToolUse",
        "afterFileEdit",
        "afterTabFileEdit",
    ] {
        assert_eq!(v["hooks"][event], json!([{"command": command}]), "{event}");
    }
    assert!(!repo.path().join(".cursor").exists());
    let out = init(
        &repo,
        h.path(),
        &["--agent", "cursor", "--global", "--uninstall"],
    )
    .expect_code(0);
    assert!(out.stdout().contains("deleted"), "{}", out.stdout());
    assert!(!path.exists(), "the file held only our hooks");
}

#[test]
fn each_agent_gets_its_documented_file() {
    let repo = TempRepo::new();
    let h = home();
    for name in ["codex", "gemini", "copilot"] {
        init(&repo, h.path(), &["--agent", name]).expect_code(0);
    }
    let codex = read_json(&repo.path().join(".codex/hooks.json"));
    let cmd = |a: &str| format!("{} record --agent {a}", bin());
    assert_eq!(
        codex["hooks"]["PreToolUse"][0]["hooks"][0],
        json!({"type": "command", "command": cmd("codex")})
    );
    assert!(
        codex["hooks"]["PostToolUse"][0]["matcher"]
            .as_str()
            .unwrap()
            .contains("apply_patch")
    );
    let gemini = read_json(&repo.path().join(".gemini/settings.json"));
    for event in ["BeforeTool", "AfterTool"] {
        let g = &gemini["hooks"][event][0];
        assert_eq!(g["matcher"], "write_file|replace|edit|run_shell_command");
        assert_eq!(
            g["hooks"][0],
            json!({"name": "vouch", "type": "command", "command": cmd("gemini"), "timeout": 10000})
        );
    }
    // Gemini runs hooks only with this switch on.
    assert_eq!(gemini["tools"]["enableHooks"], true);
    let copilot = read_json(&repo.path().join(".github/hooks/vouch.json"));
    assert_eq!(copilot["version"], 1);
    for event in ["preToolUse", "postToolUse"] {
        assert_eq!(
            copilot["hooks"][event],
            json!([{"type": "command", "bash": cmd("copilot"), "timeoutSec": 10}])
        );
    }
    // Uninstalling one agent leaves the others alone.
    init(&repo, h.path(), &["--agent", "gemini", "--uninstall"]).expect_code(0);
    assert!(!repo.path().join(".gemini/settings.json").exists());
    assert!(repo.path().join(".codex/hooks.json").exists());
    assert!(repo.path().join(".github/hooks/vouch.json").exists());
}

#[test]
fn the_installed_hook_command_records_an_edit() {
    let repo = TempRepo::new();
    let h = home();
    repo.write("a.rs", "fn a() {}\n");
    repo.git(&["add", "."]);
    repo.git(&["commit", "-qm", "a"]);
    init(&repo, h.path(), &["--agent", "claude-code"]).expect_code(0);
    let v = read_json(&repo.path().join(".claude/settings.json"));
    let command = v["hooks"]["PostToolUse"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .to_owned();
    repo.write("a.rs", "fn a() {}\nfn b() {}\n");
    let root = agent::root(&repo);
    let payload = json!({"session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Write",
        "tool_input": {"file_path": format!("{root}/a.rs"), "content": ""}, "tool_use_id": "t", "cwd": root});
    let mut child = std::process::Command::new("sh")
        .args(["-c", &command])
        .current_dir(repo.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        payload.to_string().as_bytes(),
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    let l = agent::ledger(&repo, "a.rs").expect("recorded");
    assert_eq!(agent::ai_text(&l), "fn b() {}\n");
}

#[test]
fn an_unreadable_config_is_left_alone() {
    let repo = TempRepo::new();
    let h = home();
    repo.write(".claude/settings.json", "{ \"hooks\": [ oops");
    let out = init(&repo, h.path(), &["--agent", "claude-code"]).expect_code(2);
    assert_eq!(out.stderr().lines().count(), 1, "{}", out.stderr());
    assert_eq!(repo.read(".claude/settings.json"), "{ \"hooks\": [ oops");
    repo.write(".claude/settings.json", "{\"hooks\": []}");
    init(&repo, h.path(), &["--agent", "claude-code"]).expect_code(2);
    assert_eq!(repo.read(".claude/settings.json"), "{\"hooks\": []}");
}

#[test]
fn vouch_on_path_is_written_as_plain_vouch() {
    let repo = TempRepo::new();
    let h = home();
    let bin_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(vouch_bin(), bin_dir.path().join("vouch")).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let out = std::process::Command::new(bin_dir.path().join("vouch"))
        .args(["init", "--agent", "gemini"])
        .current_dir(repo.path())
        .env("HOME", h.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v = read_json(&repo.path().join(".gemini/settings.json"));
    assert_eq!(
        v["hooks"]["AfterTool"][0]["hooks"][0]["command"], "vouch record --agent gemini",
        "a portable command when the vouch on PATH is this one"
    );
}

#[test]
fn gemini_hooks_switch_is_turned_on_but_a_users_choice_is_kept() {
    let repo = TempRepo::new();
    let h = home();
    let settings = repo.path().join(".gemini/settings.json");
    // The user turned hooks off on purpose: installing does not override it.
    repo.write(
        ".gemini/settings.json",
        "{\n  \"theme\": \"dark\",\n  \"tools\": {\"enableHooks\": false}\n}\n",
    );
    init(&repo, h.path(), &["--agent", "gemini"]).expect_code(0);
    let v = read_json(&settings);
    assert_eq!(v["tools"]["enableHooks"], false);
    assert!(v["hooks"]["AfterTool"].is_array());
    init(&repo, h.path(), &["--agent", "gemini", "--uninstall"]).expect_code(0);
    let v = read_json(&settings);
    assert_eq!(
        v,
        serde_json::json!({"theme": "dark", "tools": {"enableHooks": false}})
    );

    // Without a choice, installing turns hooks on, and says so.
    repo.write(".gemini/settings.json", "{\"theme\": \"dark\"}\n");
    let out = init(&repo, h.path(), &["--agent", "gemini"]).expect_code(0);
    assert!(
        out.stdout().contains("tools.enableHooks"),
        "{}",
        out.stdout()
    );
    assert_eq!(read_json(&settings)["tools"]["enableHooks"], true);
    // Installing again changes nothing; uninstalling restores the file.
    let out = init(&repo, h.path(), &["--agent", "gemini"]).expect_code(0);
    assert!(out.stdout().contains("nothing changed"), "{}", out.stdout());
    init(&repo, h.path(), &["--agent", "gemini", "--uninstall"]).expect_code(0);
    assert_eq!(read_json(&settings), serde_json::json!({"theme": "dark"}));
}

#[test]
fn uninstall_removes_the_folders_it_left_empty() {
    let repo = TempRepo::new();
    let h = home();
    // A folder of the user's stays: .github holds a workflow.
    repo.write(".github/workflows/ci.yml", "on: push\n");
    for name in ["copilot", "codex"] {
        init(&repo, h.path(), &["--agent", name]).expect_code(0);
    }
    let out = init(&repo, h.path(), &["--agent", "copilot", "--uninstall"])
        .expect_code(0)
        .stdout();
    assert!(!repo.path().join(".github/hooks").exists(), "{out}");
    assert!(repo.path().join(".github/workflows/ci.yml").exists());
    assert!(out.contains("removed the empty folder"), "{out}");
    init(&repo, h.path(), &["--agent", "codex", "--uninstall"]).expect_code(0);
    assert!(!repo.path().join(".codex").exists());
    // --global: the folder under HOME goes too, HOME itself stays.
    init(&repo, h.path(), &["--agent", "claude-code", "--global"]).expect_code(0);
    assert!(h.path().join(".claude/settings.json").exists());
    init(
        &repo,
        h.path(),
        &["--agent", "claude-code", "--global", "--uninstall"],
    )
    .expect_code(0);
    assert!(!h.path().join(".claude").exists());
    assert!(h.path().exists());
}
