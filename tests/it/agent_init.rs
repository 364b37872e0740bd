//! End-to-end tests of `vouch init --agent NAME [--global] [--uninstall]`:
//! merging Vouch's hooks into each agent's configuration file.

use crate::support;
use crate::support::agent;

use std::path::Path;

use agent::{read_json, vouch_env};
use serde_json::{Value, json};
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

/// Where `vouch init --agent NAME` writes and what it writes there.
struct Agent {
    name: &'static str,
    /// The configuration file, relative to the repository root.
    project: &'static str,
    /// The configuration file with `--global`, relative to `$HOME`.
    global: &'static str,
    /// The events Vouch hooks, as `init` names them.
    events: &'static [&'static str],
    /// The whole file `init` creates, given the hook command.
    config: fn(&str) -> Value,
}

/// Each agent's documented file (docs/agents.md), created from nothing.
const AGENTS: &[Agent] = &[
    Agent {
        name: "claude-code",
        project: ".claude/settings.json",
        global: ".claude/settings.json",
        events: &["PreToolUse", "PostToolUse"],
        config: |cmd| {
            let hook = json!({"type": "command", "command": cmd, "timeout": 10});
            let matcher = "Edit|Write|MultiEdit|NotebookEdit|Bash";
            json!({"hooks": {
                "PreToolUse": [{"matcher": matcher, "hooks": [hook]}],
                "PostToolUse": [{"matcher": matcher, "hooks": [hook]}]
            }})
        },
    },
    Agent {
        name: "cursor",
        project: ".cursor/hooks.json",
        global: ".cursor/hooks.json",
        events: &[
            "preToolUse",
            "postToolUse",
            "afterFileEdit",
            "afterTabFileEdit",
        ],
        config: |cmd| {
            let hook = json!([{"command": cmd}]);
            json!({"version": 1, "hooks": {
                "preToolUse": hook, "postToolUse": hook,
                "afterFileEdit": hook, "afterTabFileEdit": hook
            }})
        },
    },
    Agent {
        name: "codex",
        project: ".codex/hooks.json",
        global: ".codex/hooks.json",
        events: &["PreToolUse", "PostToolUse"],
        config: |cmd| {
            let hook = json!({"type": "command", "command": cmd});
            let matcher = "apply_patch|Edit|Write|Bash|shell|exec_command|local_shell|unified_exec";
            json!({"hooks": {
                "PreToolUse": [{"matcher": matcher, "hooks": [hook]}],
                "PostToolUse": [{"matcher": matcher, "hooks": [hook]}]
            }})
        },
    },
    Agent {
        name: "gemini",
        project: ".gemini/settings.json",
        global: ".gemini/settings.json",
        events: &["BeforeTool", "AfterTool", "tools.enableHooks"],
        config: |cmd| {
            let hook =
                json!({"name": "vouch", "type": "command", "command": cmd, "timeout": 10000});
            let matcher = "write_file|replace|edit|run_shell_command";
            json!({
                "hooks": {
                    "BeforeTool": [{"matcher": matcher, "hooks": [hook]}],
                    "AfterTool": [{"matcher": matcher, "hooks": [hook]}]
                },
                // Gemini runs hooks only with this switch on.
                "tools": {"enableHooks": true}
            })
        },
    },
    Agent {
        name: "copilot",
        project: ".github/hooks/vouch.json",
        global: ".copilot/hooks/vouch.json",
        events: &["preToolUse", "postToolUse"],
        config: |cmd| {
            let hook = json!([{"type": "command", "bash": cmd, "timeoutSec": 10}]);
            json!({"version": 1, "hooks": {"preToolUse": hook, "postToolUse": hook}})
        },
    },
];

/// Installs `agent`'s hooks (project or `--global`) from a sub-folder of a
/// repository, with a HOME of its own: the documented file is created, whole,
/// at the documented place and nowhere else; a second run changes nothing;
/// uninstalling deletes the file and the folders it left empty, and keeps
/// the repository and HOME.
fn install_round_trip(agent_name: &str, global: bool) {
    let agent = AGENTS
        .iter()
        .find(|a| a.name == agent_name)
        .unwrap_or_else(|| panic!("no row for {agent_name}"));
    let repo = TempRepo::new();
    std::fs::create_dir_all(repo.path().join("sub")).expect("create sub-folder");
    let h = home();
    let (base, rel, other, other_rel) = if global {
        (h.path(), agent.global, repo.path(), agent.project)
    } else {
        (repo.path(), agent.project, h.path(), agent.global)
    };
    let mut args = vec!["init", "--agent", agent.name];
    if global {
        args.push("--global");
    }
    let run = |args: &[&str]| vouch_env(&repo.path().join("sub"), args, &[("HOME", h.path())]);
    let top = |rel: &str| rel.split('/').next().unwrap_or(rel).to_owned();
    let path = base.join(rel);

    let out = run(&args).expect_code(0).stdout();
    assert!(out.contains(rel) && out.contains("created"), "{out}");
    for event in agent.events {
        assert!(out.contains(event), "{event} named: {out}");
    }
    let command = format!("{} record --agent {}", bin(), agent.name);
    assert_eq!(read_json(&path), (agent.config)(&command));
    assert!(
        !other.join(top(other_rel)).exists(),
        "the other place is left alone"
    );

    let first = std::fs::read(&path).expect("read config");
    let out = run(&args).expect_code(0).stdout();
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(
        std::fs::read(&path).expect("read config"),
        first,
        "second run changes nothing"
    );

    args.push("--uninstall");
    let out = run(&args).expect_code(0).stdout();
    assert!(out.contains("deleted"), "{out}");
    assert!(!path.exists(), "the file held only our hooks");
    assert!(
        !base.join(top(rel)).exists(),
        "empty folders removed: {out}"
    );
    assert!(repo.path().join("sub").exists() && h.path().exists());
}

/// One `#[test]` per agent and place: `name: (agent, global)`.
macro_rules! install_round_trips {
    ($($name:ident: ($agent:literal, $global:literal);)*) => {
        $(
            #[test]
            fn $name() {
                install_round_trip($agent, $global);
            }
        )*
    };
}

install_round_trips! {
    claude_code_project_settings_are_created_and_idempotent: ("claude-code", false);
    claude_code_global_settings_are_created_and_idempotent: ("claude-code", true);
    cursor_project_hooks_are_created_and_idempotent: ("cursor", false);
    global_install_writes_under_home_only: ("cursor", true);
    codex_project_hooks_are_created_and_idempotent: ("codex", false);
    codex_global_hooks_are_created_and_idempotent: ("codex", true);
    gemini_project_settings_are_created_and_idempotent: ("gemini", false);
    gemini_global_settings_are_created_and_idempotent: ("gemini", true);
    copilot_project_hooks_are_created_and_idempotent: ("copilot", false);
    copilot_global_hooks_are_created_and_idempotent: ("copilot", true);
}

#[test]
fn uninstalling_one_agent_leaves_the_others_alone() {
    let repo = TempRepo::new();
    let h = home();
    for name in ["codex", "gemini", "copilot"] {
        init(&repo, h.path(), &["--agent", name]).expect_code(0);
    }
    init(&repo, h.path(), &["--agent", "gemini", "--uninstall"]).expect_code(0);
    assert!(!repo.path().join(".gemini/settings.json").exists());
    assert!(repo.path().join(".codex/hooks.json").exists());
    assert!(repo.path().join(".github/hooks/vouch.json").exists());
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
