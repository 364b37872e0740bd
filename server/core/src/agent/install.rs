//! Writing (and removing) Vouch's hooks in a coding agent's configuration.
//!
//! The configuration file is merged, not replaced: keys keep their order,
//! the file keeps its indentation, other hooks and settings are untouched.
//! Vouch's own hooks are recognised by their command (`vouch record --agent`),
//! so installing twice changes nothing and uninstalling removes only them.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};

/// A JSON object, its keys in document order (serde_json's `preserve_order`).
type Object = Map<String, Value>;

use super::Agent;
use crate::untrusted::shell_quote;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a JSON object Vouch can merge into ({reason}); fix or move it first")]
    Unmergeable { path: PathBuf, reason: String },
    #[error(
        "{path} leads out of the repository ({target}); vouch does not follow it: replace the symlink with a file, or edit the configuration yourself"
    )]
    Outside { path: PathBuf, target: String },
}

/// The file to read and write for the configuration at `path`. Inside a
/// repository (`root`, canonical) a configuration is untrusted: when it or a
/// folder on its way is a symlink leading out of `root` (or nowhere), it is
/// refused, never followed. Without `root` (`--global`) a symlinked dotfile
/// is edited where it points, in place, instead of being replaced by a copy.
pub fn resolve_target(path: &Path, root: Option<&Path>) -> Result<PathBuf, InstallError> {
    let io = |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    };
    let outside = |target: String| InstallError::Outside {
        path: path.to_path_buf(),
        target,
    };
    let is_link = match std::fs::symlink_metadata(path) {
        Ok(m) => m.file_type().is_symlink(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(source) => return Err(io(source)),
    };
    let resolved = if is_link {
        match path.canonicalize() {
            Ok(real) => real,
            Err(_) if root.is_some() => {
                let target = std::fs::read_link(path).map_err(io)?;
                return Err(outside(format!(
                    "a symlink to the missing {}",
                    target.display()
                )));
            }
            Err(source) => return Err(io(source)),
        }
    } else {
        path.to_path_buf()
    };
    if let Some(root) = root {
        // The deepest existing folder on the way, resolved.
        let existing = resolved
            .ancestors()
            .find(|a| a.exists())
            .map(Path::canonicalize)
            .transpose()
            .map_err(io)?;
        if existing.is_some_and(|e| !e.starts_with(root)) {
            let shown = if is_link {
                format!("a symlink to {}", resolved.display())
            } else {
                "through a symlinked folder".to_owned()
            };
            return Err(outside(shown));
        }
    }
    Ok(resolved)
}

/// The configuration file holding `agent`'s hooks: the project's (under
/// `project`) or, with `global`, the user's (under `home`).
pub fn config_path(agent: Agent, global: bool, project: &Path, home: &Path) -> PathBuf {
    let (dir, file) = match agent {
        Agent::ClaudeCode => (".claude", "settings.json"),
        Agent::Cursor => (".cursor", "hooks.json"),
        Agent::Codex => (".codex", "hooks.json"),
        Agent::Gemini => (".gemini", "settings.json"),
        Agent::Copilot if global => (".copilot/hooks", "vouch.json"),
        Agent::Copilot => (".github/hooks", "vouch.json"),
    };
    let base = if global { home } else { project };
    dir.split('/')
        .fold(base.to_path_buf(), |p, s| p.join(s))
        .join(file)
}

/// After `uninstall` deleted the configuration file at `path` (as given by
/// [`config_path`] under `base`, the project or the home folder): removes the
/// folders between it and `base` that are left empty (`.github/hooks`,
/// `.claude`...), innermost first; a folder holding anything stays. Returns
/// the folders removed.
pub fn remove_empty_folders(path: &Path, base: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == base || !d.starts_with(base) || std::fs::remove_dir(d).is_err() {
            break;
        }
        removed.push(d.to_path_buf());
        dir = d.parent();
    }
    removed
}

/// What `install` or `uninstall` did to the file.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// The file was created holding the hooks of these events.
    Created(Vec<String>),
    /// Hooks were added or their command updated for these events.
    Updated(Vec<String>),
    /// Vouch's hooks of these events were removed.
    Removed(Vec<String>),
    /// The file held nothing but Vouch's hooks and was deleted.
    Deleted(Vec<String>),
    Unchanged,
}

/// The hook events Vouch listens to, for each agent.
pub(crate) fn events(agent: Agent) -> &'static [&'static str] {
    match agent {
        Agent::ClaudeCode | Agent::Codex => &["PreToolUse", "PostToolUse"],
        Agent::Gemini => &["BeforeTool", "AfterTool"],
        Agent::Cursor => &[
            "preToolUse",
            "postToolUse",
            "afterFileEdit",
            "afterTabFileEdit",
        ],
        Agent::Copilot => &["preToolUse", "postToolUse"],
    }
}

/// Agents whose events hold matcher groups (`{matcher, hooks: [...]}`)
/// rather than a flat list of hooks.
fn grouped(agent: Agent) -> bool {
    matches!(agent, Agent::ClaudeCode | Agent::Codex | Agent::Gemini)
}

fn matcher(agent: Agent) -> Option<&'static str> {
    match agent {
        Agent::ClaudeCode => Some("Edit|Write|MultiEdit|NotebookEdit|Bash"),
        Agent::Codex => {
            Some("apply_patch|Edit|Write|Bash|shell|exec_command|local_shell|unified_exec")
        }
        Agent::Gemini => Some("write_file|replace|edit|run_shell_command"),
        Agent::Cursor | Agent::Copilot => None,
    }
}

/// One hook entry running `command` (keys in the order written here).
fn hook_entry(agent: Agent, command: &str) -> Value {
    match agent {
        Agent::ClaudeCode => json!({"type": "command", "command": command, "timeout": 10}),
        Agent::Codex => json!({"type": "command", "command": command}),
        Agent::Gemini => json!({
            "name": "vouch", "type": "command", "command": command, "timeout": 10_000,
        }),
        Agent::Cursor => json!({"command": command}),
        Agent::Copilot => json!({"type": "command", "bash": command, "timeoutSec": 10}),
    }
}

/// The command a hook runs: `vouch` itself (quoted for a POSIX shell).
pub fn hook_command(vouch: &str, agent: Agent) -> String {
    format!("{} record --agent {}", shell_quote(vouch), agent.name())
}

/// True when `command` is a Vouch hook for `agent` (any path to `vouch`).
pub(crate) fn is_ours(command: &str, agent: Agent) -> bool {
    let rest = command.trim_start();
    let (program, args) = if let Some(q) = rest.strip_prefix('\'') {
        match q.find('\'') {
            Some(end) => (&q[..end], &q[end + 1..]),
            None => return false,
        }
    } else if let Some(q) = rest.strip_prefix('"') {
        match q.find('"') {
            Some(end) => (&q[..end], &q[end + 1..]),
            None => return false,
        }
    } else {
        rest.split_once(' ').unwrap_or((rest, ""))
    };
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let name = name.strip_suffix(".exe").unwrap_or(name);
    name == "vouch"
        && args
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(3)
            .any(|w| w == ["record", "--agent", agent.name()])
}

/// The key of a hook entry holding its command.
fn command_key(agent: Agent) -> &'static str {
    if agent == Agent::Copilot {
        "bash"
    } else {
        "command"
    }
}

fn command_of(hook: &Value, agent: Agent) -> Option<&str> {
    hook.get(command_key(agent))?.as_str()
}

/// Adds Vouch's hooks (running `command`) to the file at `path`.
/// Gemini CLI's setting (under `tools`) that makes it run hooks at all.
const ENABLE_HOOKS: &str = "enableHooks";

pub fn install(agent: Agent, path: &Path, command: &str) -> Result<Change, InstallError> {
    let existing = read(path)?;
    let created = existing.is_none();
    let (mut root, indent) = existing.unwrap_or_else(|| (Map::new(), "  ".into()));
    if matches!(agent, Agent::Cursor | Agent::Copilot) && !root.contains_key("version") {
        root.shift_insert(0, "version".to_owned(), Value::from(1));
    }
    let unmergeable = |reason: &str| InstallError::Unmergeable {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    let hooks =
        entry_object(&mut root, "hooks").ok_or_else(|| unmergeable("`hooks` is not an object"))?;
    let mut changed = Vec::new();
    for event in events(agent) {
        let list = hooks
            .entry(*event)
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| unmergeable(&format!("`hooks.{event}` is not a list")))?;
        if merge_event(agent, list, command) {
            changed.push((*event).to_owned());
        }
    }
    // Gemini CLI runs hooks only when they are enabled: turn that on unless
    // the user has decided either way.
    if agent == Agent::Gemini {
        let tools = entry_object(&mut root, "tools")
            .ok_or_else(|| unmergeable("`tools` is not an object"))?;
        if !tools.contains_key(ENABLE_HOOKS) {
            tools.insert(ENABLE_HOOKS.to_owned(), Value::Bool(true));
            changed.push(format!("tools.{ENABLE_HOOKS}"));
        }
    }
    if changed.is_empty() && !created {
        return Ok(Change::Unchanged);
    }
    write(path, &root, &indent)?;
    Ok(if created {
        Change::Created(changed)
    } else {
        Change::Updated(changed)
    })
}

/// Ensures exactly one Vouch hook running `command` in one event's list.
/// Returns whether the list changed.
fn merge_event(agent: Agent, list: &mut Vec<Value>, command: &str) -> bool {
    let mut found = false;
    let mut changed = false;
    let mut visit = |hooks: &mut Vec<Value>| {
        hooks.retain_mut(|h| {
            if !command_of(h, agent).is_some_and(|c| is_ours(c, agent)) {
                return true;
            }
            if found {
                changed = true;
                return false; // a duplicate
            }
            found = true;
            if command_of(h, agent) != Some(command)
                && let Some(h) = h.as_object_mut()
            {
                h.insert(command_key(agent).to_owned(), Value::from(command));
                changed = true;
            }
            true
        });
    };
    if grouped(agent) {
        // Drop only the groups this emptied (a duplicate of ours was all they held).
        list.retain_mut(|group| match group.get_mut("hooks") {
            Some(Value::Array(hooks)) if !hooks.is_empty() => {
                visit(hooks);
                !hooks.is_empty()
            }
            _ => true,
        });
        if !found {
            let mut group = Map::new();
            if let Some(m) = matcher(agent) {
                group.insert("matcher".to_owned(), Value::from(m));
            }
            group.insert(
                "hooks".to_owned(),
                Value::Array(vec![hook_entry(agent, command)]),
            );
            list.push(Value::Object(group));
            changed = true;
        }
    } else {
        visit(list);
        if !found {
            list.push(hook_entry(agent, command));
            changed = true;
        }
    }
    changed
}

/// Removes Vouch's hooks for `agent` from the file at `path`, and the file
/// itself when nothing else is left in it.
pub fn uninstall(agent: Agent, path: &Path) -> Result<Change, InstallError> {
    let Some((mut root, indent)) = read(path)? else {
        return Ok(Change::Unchanged);
    };
    let mut removed = Vec::new();
    if let Some(Value::Object(hooks)) = root.get_mut("hooks") {
        for (event, list) in hooks.iter_mut() {
            let Value::Array(list) = list else { continue };
            let before = count_nodes(list);
            let ours = |h: &Value| command_of(h, agent).is_some_and(|c| is_ours(c, agent));
            if grouped(agent) {
                // Drop only the groups that held nothing but our hooks.
                list.retain_mut(|group| match group.get_mut("hooks") {
                    Some(Value::Array(hooks)) if !hooks.is_empty() => {
                        hooks.retain(|h| !ours(h));
                        !hooks.is_empty()
                    }
                    _ => true,
                });
            } else {
                list.retain(|h| !ours(h));
            }
            if count_nodes(list) != before {
                removed.push(event.clone());
            }
        }
        hooks.retain(|e, l| !(removed.contains(e) && matches!(l, Value::Array(a) if a.is_empty())));
    }
    if removed.is_empty() {
        return Ok(Change::Unchanged);
    }
    if matches!(root.get("hooks"), Some(Value::Object(h)) if h.is_empty()) {
        root.shift_remove("hooks");
        // No hooks left: the switch install turned on has nothing to run.
        if agent == Agent::Gemini
            && let Some(Value::Object(tools)) = root.get_mut("tools")
        {
            tools.retain(|k, v| !(k == ENABLE_HOOKS && *v == Value::Bool(true)));
            if tools.is_empty() {
                root.shift_remove("tools");
            }
        }
    }
    if root.keys().all(|k| k == "version") {
        std::fs::remove_file(path).map_err(|source| InstallError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        return Ok(Change::Deleted(removed));
    }
    write(path, &root, &indent)?;
    Ok(Change::Removed(removed))
}

fn count_nodes(list: &[Value]) -> usize {
    list.iter()
        .map(|n| match n.get("hooks") {
            Some(Value::Array(h)) => 1 + h.len(),
            _ => 1,
        })
        .sum()
}

/// The object under `key` in `map`, created when absent; `None` when it is
/// not an object.
fn entry_object<'m>(map: &'m mut Object, key: &str) -> Option<&'m mut Object> {
    map.entry(key)
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

/// Reads the file as a JSON object (serde_json keeps its key order) and its
/// indentation; `None` when absent.
fn read(path: &Path) -> Result<Option<(Object, String)>, InstallError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(InstallError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if text.trim().is_empty() {
        return Ok(Some((Map::new(), "  ".into())));
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| InstallError::Unmergeable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let Value::Object(map) = value else {
        return Err(InstallError::Unmergeable {
            path: path.to_path_buf(),
            reason: "not a JSON object".into(),
        });
    };
    Ok(Some((map, detect_indent(&text))))
}

/// The indentation of the first indented line, else two spaces.
fn detect_indent(text: &str) -> String {
    text.lines()
        .skip(1)
        .map(|l| {
            let n = l.len() - l.trim_start_matches([' ', '\t']).len();
            &l[..n]
        })
        .find(|i| !i.is_empty())
        .unwrap_or("  ")
        .to_owned()
}

fn write(path: &Path, root: &Object, indent: &str) -> Result<(), InstallError> {
    let io = |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    root.serialize(&mut ser)
        .map_err(|e| io(std::io::Error::other(e)))?;
    buf.push(b'\n');
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension(format!("vouch-tmp{}", std::process::id()));
    std::fs::write(&tmp, &buf).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_our_commands() {
        let a = Agent::ClaudeCode;
        assert!(is_ours("vouch record --agent claude-code", a));
        assert!(is_ours(
            "/usr/local/bin/vouch record --agent claude-code",
            a
        ));
        assert!(is_ours("'/my dir/vouch' record --agent claude-code", a));
        assert!(!is_ours("vouch record --agent cursor", a));
        assert!(!is_ours("other-tool record --agent claude-code", a));
        assert!(!is_ours("echo vouch record --agent claude-code", a));
        assert_eq!(shell_quote("/a b/vouch"), "'/a b/vouch'");
        assert_eq!(
            hook_command("/bin/vouch", a),
            "/bin/vouch record --agent claude-code"
        );
    }

    #[test]
    fn other_empty_groups_are_not_ours_to_remove() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        let original = serde_json::json!({"hooks": {"PostToolUse": [
            {"matcher": "X", "hooks": []},
            {"matcher": "Y", "hooks": [{"type": "command", "command": "fmt"},
                                        {"type": "command", "command": "vouch record --agent claude-code"}]}
        ]}});
        std::fs::write(&p, original.to_string()).unwrap();
        install(Agent::ClaudeCode, &p, "vouch record --agent claude-code").unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(v["hooks"]["PostToolUse"], original["hooks"]["PostToolUse"]);
        uninstall(Agent::ClaudeCode, &p).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(
            v["hooks"]["PostToolUse"],
            serde_json::json!([{"matcher": "X", "hooks": []},
                               {"matcher": "Y", "hooks": [{"type": "command", "command": "fmt"}]}])
        );
        assert!(
            v["hooks"].get("PreToolUse").is_none(),
            "what install added is gone"
        );
    }

    #[test]
    fn keeps_key_order_and_indent() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, "{\n    \"z\": 1,\n    \"a\": [true, null, 2.5]\n}\n").unwrap();
        install(Agent::ClaudeCode, &p, "vouch record --agent claude-code").unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("{\n    \"z\": 1,\n    \"a\": ["), "{text}");
        assert_eq!(
            uninstall(Agent::ClaudeCode, &p).unwrap(),
            Change::Removed(vec!["PreToolUse".into(), "PostToolUse".into()])
        );
        let back: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(back, serde_json::json!({"z": 1, "a": [true, null, 2.5]}));
    }
}
