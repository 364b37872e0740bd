//! Reading a coding agent's hook payload: which phase of which tool call it
//! reports, which files it names, and who is writing (session, model).
//!
//! Only those facts are extracted; prompts, transcripts and tool output in the
//! payload are never kept.

use std::path::PathBuf;

use serde_json::Value;

use super::{Agent, AgentError};
use crate::ledger::AiKind;

/// Before or after the tool ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Pre,
    Post,
}

/// One `old → new` text replacement the payload describes (used to rebuild
/// the text before the edit when no pre-tool snapshot exists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TextEdit {
    pub(crate) old: String,
    pub(crate) new: String,
    pub(crate) replace_all: bool,
}

/// What the tool call may have changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// The files the tool names (as written in the payload: absolute or
    /// relative to the payload's working directory).
    Files {
        paths: Vec<String>,
        edits: Vec<TextEdit>,
    },
    /// A shell command: any file of the working tree may change.
    Shell,
    /// Nothing to record (a read-only tool, an unrelated event).
    Ignore,
}

/// A hook payload, reduced to what attribution needs.
#[derive(Clone, Debug)]
pub(crate) struct HookEvent {
    pub(crate) phase: Phase,
    pub(crate) action: Action,
    pub(crate) kind: AiKind,
    pub(crate) session: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) cwd: Option<PathBuf>,
    /// Identifies the tool call, so the post-tool event finds the pre-tool snapshot.
    pub(crate) call_key: String,
}

/// Parses `input` as `agent`'s hook payload.
pub(crate) fn parse(agent: Agent, input: &[u8]) -> Result<HookEvent, AgentError> {
    let text = std::str::from_utf8(input)
        .map_err(|_| AgentError::Payload("the payload is not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(AgentError::Payload("no payload on standard input".into()));
    }
    let v: Value = serde_json::from_str(text)
        .map_err(|e| AgentError::Payload(format!("the payload is not JSON ({e})")))?;
    if !v.is_object() {
        return Err(AgentError::Payload(
            "the payload is not a JSON object".into(),
        ));
    }
    if agent != Agent::Copilot && str_field(&v, &["hook_event_name"]).is_none() {
        return Err(AgentError::Payload("no hook_event_name".into()));
    }
    let event = match agent {
        Agent::ClaudeCode | Agent::Codex => claude_like(agent, &v),
        Agent::Gemini => gemini(&v),
        Agent::Cursor => cursor(&v),
        Agent::Copilot => copilot(&v)?,
    };
    if let Action::Files { paths, .. } = &event.action
        && paths.is_empty()
    {
        return Err(AgentError::Payload("the edit names no file".into()));
    }
    Ok(event)
}

fn str_field(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn base(v: &Value, phase: Phase, action: Action, call_key: String) -> HookEvent {
    HookEvent {
        phase,
        action,
        kind: AiKind::Agent,
        session: str_field(v, &["session_id", "sessionId", "conversation_id"]),
        // Ends up in commit trailers: one line, bounded, or nothing.
        model: crate::untrusted::model_or_none(str_field(v, &["model"])),
        cwd: str_field(v, &["cwd"]).map(PathBuf::from).or_else(|| {
            v.get("workspace_roots")
                .and_then(|r| r.get(0))
                .and_then(Value::as_str)
                .map(PathBuf::from)
        }),
        call_key,
    }
}

/// A key for a tool call: its id when the agent gives one, else a hash of
/// the tool name and input (identical in the pre and post payloads).
fn call_key(v: &Value, id_keys: &[&str], tool: &str, input: Option<&Value>) -> String {
    if let Some(id) = str_field(v, id_keys) {
        return id;
    }
    let input = input.map(Value::to_string).unwrap_or_default();
    format!("h{:016x}", super::fnv(&[tool.as_bytes(), input.as_bytes()]))
}

/// Claude Code, and Codex CLI (which uses Claude's vocabulary).
fn claude_like(agent: Agent, v: &Value) -> HookEvent {
    let event = str_field(v, &["hook_event_name"]).unwrap_or_default();
    let phase = match event.as_str() {
        "PreToolUse" => Phase::Pre,
        "PostToolUse" | "PostToolUseFailure" => Phase::Post,
        _ => return base(v, Phase::Post, Action::Ignore, String::new()),
    };
    let tool = str_field(v, &["tool_name"]).unwrap_or_default();
    let input = v.get("tool_input");
    let key = call_key(v, &["tool_use_id"], &tool, input);
    let action = classify(agent, &tool, input);
    base(v, phase, action, key)
}

fn gemini(v: &Value) -> HookEvent {
    let event = str_field(v, &["hook_event_name"]).unwrap_or_default();
    let phase = match event.as_str() {
        "BeforeTool" => Phase::Pre,
        "AfterTool" => Phase::Post,
        _ => return base(v, Phase::Post, Action::Ignore, String::new()),
    };
    let tool = str_field(v, &["tool_name"]).unwrap_or_default();
    let input = v.get("tool_input");
    let key = call_key(v, &["tool_use_id", "tool_call_id"], &tool, input);
    let mut event = base(v, phase, classify(Agent::Gemini, &tool, input), key);
    if event.session.is_none() {
        event.session = std::env::var("GEMINI_SESSION_ID")
            .ok()
            .filter(|s| !s.is_empty());
    }
    event
}

fn cursor(v: &Value) -> HookEvent {
    let event = str_field(v, &["hook_event_name"]).unwrap_or_default();
    match event.as_str() {
        "afterFileEdit" | "afterTabFileEdit" => {
            let paths = str_field(v, &["file_path"]).into_iter().collect();
            let edits = edits_of(v);
            let key = call_key(v, &["tool_use_id"], &event, v.get("file_path"));
            let mut e = base(v, Phase::Post, Action::Files { paths, edits }, key);
            if event == "afterTabFileEdit" {
                e.kind = AiKind::InlineCompletion;
            }
            e
        }
        "beforeShellExecution" | "afterShellExecution" => {
            let phase = if event.starts_with("before") {
                Phase::Pre
            } else {
                Phase::Post
            };
            let key = call_key(
                v,
                &["tool_use_id"],
                "shell",
                v.get("command").or(v.get("generation_id")),
            );
            base(v, phase, Action::Shell, key)
        }
        "preToolUse" | "postToolUse" | "postToolUseFailure" => {
            let phase = if event == "preToolUse" {
                Phase::Pre
            } else {
                Phase::Post
            };
            let tool = str_field(v, &["tool_name"]).unwrap_or_default();
            let input = v.get("tool_input");
            let key = call_key(v, &["tool_use_id"], &tool, input);
            base(v, phase, classify(Agent::Cursor, &tool, input), key)
        }
        _ => base(v, Phase::Post, Action::Ignore, String::new()),
    }
}

/// GitHub Copilot CLI: no event name in the payload; the post-tool payload
/// carries `toolResult`. `toolArgs` is a JSON string.
fn copilot(v: &Value) -> Result<HookEvent, AgentError> {
    let phase = match str_field(v, &["hookEventName", "hook_event_name"]).as_deref() {
        Some("preToolUse" | "PreToolUse") => Phase::Pre,
        Some("postToolUse" | "PostToolUse") => Phase::Post,
        Some(_) => return Ok(base(v, Phase::Post, Action::Ignore, String::new())),
        None if v.get("toolResult").is_some() => Phase::Post,
        None if v.get("toolName").is_some() => Phase::Pre,
        // Vouch installs only tool hooks, whose payloads name the tool.
        None => return Err(AgentError::Payload("no toolName".into())),
    };
    let tool = str_field(v, &["toolName"]).unwrap_or_default();
    let args = match v.get("toolArgs") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(
            serde_json::from_str::<Value>(s)
                .map_err(|e| AgentError::Payload(format!("toolArgs is not JSON ({e})")))?,
        ),
        Some(Value::String(_)) | None => None,
        Some(other) => Some(other.clone()),
    };
    let raw = v.get("toolArgs");
    let key = call_key(v, &["toolCallId", "tool_use_id"], &tool, raw);
    Ok(base(
        v,
        phase,
        classify(Agent::Copilot, &tool, args.as_ref()),
        key,
    ))
}

const SHELL_TOOLS: &[&str] = &[
    "Bash",
    "bash",
    "Shell",
    "shell",
    "powershell",
    "exec_command",
    "local_shell",
    "unified_exec",
    "container.exec",
    "run_shell_command",
    "run_terminal_cmd",
    "run_in_terminal",
];

/// Tools that always name the file they write.
const EDIT_TOOLS: &[&str] = &[
    "Edit",
    "Write",
    "MultiEdit",
    "NotebookEdit",
    "write_file",
    "replace",
    "edit",
    "create",
];

const READ_ONLY_TOOLS: &[&str] = &[
    "Read",
    "Grep",
    "Glob",
    "LS",
    "WebFetch",
    "WebSearch",
    "TodoWrite",
    "Task",
    "read_file",
    "read_many_files",
    "list_directory",
    "glob",
    "search_file_content",
    "google_web_search",
    "web_fetch",
    "save_memory",
    "view",
    "grep",
    "codebase_search",
    "file_search",
    "list_dir",
];

/// What a tool call may change, from its name and input.
fn classify(agent: Agent, tool: &str, input: Option<&Value>) -> Action {
    if READ_ONLY_TOOLS.contains(&tool) {
        return Action::Ignore;
    }
    if tool == "apply_patch" || tool == "applyPatch" {
        let mut paths = Vec::new();
        if let Some(input) = input {
            patch_paths(input, &mut paths);
        }
        return if paths.is_empty() {
            Action::Shell
        } else {
            Action::Files {
                paths,
                edits: Vec::new(),
            }
        };
    }
    if SHELL_TOOLS.contains(&tool) {
        return Action::Shell;
    }
    let empty = Value::Null;
    let input = input.unwrap_or(&empty);
    let paths = paths_of(input);
    if paths.is_empty() {
        // Codex names its shell tool variously; a `command` means a shell.
        if agent == Agent::Codex && input.get("command").is_some() {
            return Action::Shell;
        }
        if EDIT_TOOLS.contains(&tool) {
            // A file tool that names no file: malformed.
            return Action::Files {
                paths: Vec::new(),
                edits: Vec::new(),
            };
        }
        return Action::Ignore;
    }
    Action::Files {
        paths,
        edits: edits_of(input),
    }
}

const PATH_KEYS: &[&str] = &[
    "file_path",
    "filePath",
    "path",
    "notebook_path",
    "target_file",
    "absolute_path",
];

/// File paths named in a tool input.
fn paths_of(input: &Value) -> Vec<String> {
    let mut out: Vec<String> = PATH_KEYS
        .iter()
        .filter_map(|k| input.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    for key in ["files", "file_paths", "paths"] {
        if let Some(Value::Array(items)) = input.get(key) {
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => out.extend(
                        PATH_KEYS
                            .iter()
                            .filter_map(|k| other.get(*k).and_then(Value::as_str))
                            .map(str::to_owned),
                    ),
                }
            }
        }
    }
    out.retain(|p| !p.is_empty());
    out.dedup();
    out
}

/// The `old → new` replacements a tool input describes, in application order.
fn edits_of(input: &Value) -> Vec<TextEdit> {
    let one = |v: &Value| -> Option<TextEdit> {
        let old = str_any(v, &["old_string", "old_str", "oldString"])?;
        let new = str_any(v, &["new_string", "new_str", "newString"])?;
        let replace_all = ["replace_all", "replaceAll"]
            .iter()
            .any(|k| v.get(*k).and_then(Value::as_bool) == Some(true));
        Some(TextEdit {
            old,
            new,
            replace_all,
        })
    };
    let mut out: Vec<TextEdit> = one(input).into_iter().collect();
    if let Some(Value::Array(items)) = input.get("edits") {
        out.extend(items.iter().filter_map(one));
    }
    out
}

/// Like `str_field` but keeps empty strings (an empty `new_string` is a deletion).
fn str_any(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Paths named by an `apply_patch` patch anywhere in the tool input.
fn patch_paths(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            for line in s.lines() {
                for prefix in [
                    "*** Add File: ",
                    "*** Update File: ",
                    "*** Delete File: ",
                    "*** Move to: ",
                ] {
                    if let Some(p) = line.strip_prefix(prefix) {
                        let p = p.trim().to_owned();
                        if !p.is_empty() && !out.contains(&p) {
                            out.push(p);
                        }
                    }
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| patch_paths(i, out)),
        Value::Object(map) => map.values().for_each(|i| patch_paths(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_edit() {
        let e = parse(
            Agent::ClaudeCode,
            br#"{"session_id":"s1","hook_event_name":"PostToolUse","tool_name":"Edit",
                "tool_input":{"file_path":"/r/a.rs","old_string":"a","new_string":"b"},
                "tool_use_id":"t1","cwd":"/r","transcript_path":"/x.jsonl"}"#,
        )
        .unwrap();
        assert_eq!(e.phase, Phase::Post);
        assert_eq!(e.call_key, "t1");
        assert_eq!(e.session.as_deref(), Some("s1"));
        assert_eq!(
            e.action,
            Action::Files {
                paths: vec!["/r/a.rs".into()],
                edits: vec![TextEdit {
                    old: "a".into(),
                    new: "b".into(),
                    replace_all: false
                }]
            }
        );
    }

    #[test]
    fn shell_and_read_only() {
        let bash =
            br#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#;
        assert_eq!(
            parse(Agent::ClaudeCode, bash).unwrap().action,
            Action::Shell
        );
        let read = br#"{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/a"}}"#;
        assert_eq!(
            parse(Agent::ClaudeCode, read).unwrap().action,
            Action::Ignore
        );
    }

    #[test]
    fn codex_patch_paths() {
        let p = br#"{"hook_event_name":"PreToolUse","tool_name":"apply_patch","tool_use_id":"c",
            "tool_input":{"command":"*** Begin Patch\n*** Update File: src/a.rs\n@@\n-x\n+y\n*** Add File: b.rs\n+z\n*** End Patch\n"}}"#;
        let e = parse(Agent::Codex, p).unwrap();
        assert_eq!(
            e.action,
            Action::Files {
                paths: vec!["src/a.rs".into(), "b.rs".into()],
                edits: vec![]
            }
        );
    }

    #[test]
    fn copilot_double_json() {
        let p = br#"{"timestamp":1,"cwd":"/r","toolName":"edit","toolArgs":"{\"path\":\"a.rs\",\"old_str\":\"x\",\"new_str\":\"y\"}","toolResult":{"resultType":"success"}}"#;
        let e = parse(Agent::Copilot, p).unwrap();
        assert_eq!(e.phase, Phase::Post);
        assert!(matches!(e.action, Action::Files { ref paths, .. } if paths == &["a.rs"]));
        let pre = br#"{"timestamp":1,"cwd":"/r","toolName":"edit","toolArgs":"{\"path\":\"a.rs\",\"old_str\":\"x\",\"new_str\":\"y\"}"}"#;
        let p2 = parse(Agent::Copilot, pre).unwrap();
        assert_eq!(p2.phase, Phase::Pre);
        assert_eq!(p2.call_key, e.call_key);
        assert!(parse(Agent::Copilot, br#"{"toolName":"edit","toolArgs":"{oops"}"#).is_err());
    }

    #[test]
    fn a_file_tool_without_a_file_is_malformed() {
        let p = br#"{"hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{"content":"x"}}"#;
        assert!(parse(Agent::ClaudeCode, p).is_err());
        let p = br#"{"tool_name":"Write","tool_input":{"file_path":"/a"}}"#;
        assert!(parse(Agent::ClaudeCode, p).is_err(), "no event name");
        let p = br#"{"hook_event_name":"afterFileEdit","edits":[]}"#;
        assert!(parse(Agent::Cursor, p).is_err());
        let p = br#"{"hook_event_name":"PostToolUse","tool_name":"mcp__x","tool_input":{}}"#;
        assert_eq!(parse(Agent::ClaudeCode, p).unwrap().action, Action::Ignore);
    }

    #[test]
    fn malformed() {
        assert!(parse(Agent::ClaudeCode, b"").is_err());
        assert!(parse(Agent::ClaudeCode, b"[1]").is_err());
        assert!(parse(Agent::ClaudeCode, b"{nope").is_err());
        assert!(parse(Agent::ClaudeCode, &[0xff, 0xfe]).is_err());
    }
}
