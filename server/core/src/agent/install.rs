//! Writing (and removing) Vouch's hooks in a coding agent's configuration.
//!
//! The configuration file is merged, not replaced: keys keep their order,
//! the file keeps its indentation, other hooks and settings are untouched.
//! Vouch's own hooks are recognised by their command (`vouch record --agent`),
//! so installing twice changes nothing and uninstalling removes only them.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

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

/// One hook entry running `command`.
fn hook_entry(agent: Agent, command: &str) -> Node {
    let s = |v: &str| Node::Leaf(Value::String(v.to_owned()));
    let n = |v: u64| Node::Leaf(Value::from(v));
    let pairs: Vec<(&str, Node)> = match agent {
        Agent::ClaudeCode => vec![
            ("type", s("command")),
            ("command", s(command)),
            ("timeout", n(10)),
        ],
        Agent::Codex => vec![("type", s("command")), ("command", s(command))],
        Agent::Gemini => vec![
            ("name", s("vouch")),
            ("type", s("command")),
            ("command", s(command)),
            ("timeout", n(10_000)),
        ],
        Agent::Cursor => vec![("command", s(command))],
        Agent::Copilot => vec![
            ("type", s("command")),
            ("bash", s(command)),
            ("timeoutSec", n(10)),
        ],
    };
    Node::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
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

fn command_of(hook: &Node, agent: Agent) -> Option<&str> {
    let key = if agent == Agent::Copilot {
        "bash"
    } else {
        "command"
    };
    match hook.get(key) {
        Some(Node::Leaf(Value::String(s))) => Some(s),
        _ => None,
    }
}

/// Adds Vouch's hooks (running `command`) to the file at `path`.
/// Gemini CLI's setting (under `tools`) that makes it run hooks at all.
const ENABLE_HOOKS: &str = "enableHooks";

pub fn install(agent: Agent, path: &Path, command: &str) -> Result<Change, InstallError> {
    let existing = read(path)?;
    let created = existing.is_none();
    let (mut root, indent) = existing.unwrap_or_else(|| (Node::Object(Vec::new()), "  ".into()));
    if matches!(agent, Agent::Cursor | Agent::Copilot) && root.get("version").is_none() {
        root.insert_front("version", Node::Leaf(Value::from(1)));
    }
    let unmergeable = |reason: &str| InstallError::Unmergeable {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    let hooks = root
        .entry_object("hooks")
        .ok_or_else(|| unmergeable("`hooks` is not an object"))?;
    let mut changed = Vec::new();
    for event in events(agent) {
        let list = hooks
            .entry_array(event)
            .ok_or_else(|| unmergeable(&format!("`hooks.{event}` is not a list")))?;
        if merge_event(agent, list, command) {
            changed.push((*event).to_owned());
        }
    }
    // Gemini CLI runs hooks only when they are enabled: turn that on unless
    // the user has decided either way.
    if agent == Agent::Gemini {
        let tools = root
            .entry_object("tools")
            .ok_or_else(|| unmergeable("`tools` is not an object"))?;
        if !tools.iter().any(|(k, _)| k == ENABLE_HOOKS) {
            tools.push((ENABLE_HOOKS.to_owned(), Node::Leaf(Value::Bool(true))));
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
fn merge_event(agent: Agent, list: &mut Vec<Node>, command: &str) -> bool {
    let mut found = false;
    let mut changed = false;
    let key = if agent == Agent::Copilot {
        "bash"
    } else {
        "command"
    };
    let mut visit = |hooks: &mut Vec<Node>| {
        hooks.retain_mut(|h| {
            if !command_of(h, agent).is_some_and(|c| is_ours(c, agent)) {
                return true;
            }
            if found {
                changed = true;
                return false; // a duplicate
            }
            found = true;
            if command_of(h, agent) != Some(command) {
                h.set(key, Node::Leaf(Value::String(command.to_owned())));
                changed = true;
            }
            true
        });
    };
    if grouped(agent) {
        // Drop only the groups this emptied (a duplicate of ours was all they held).
        list.retain_mut(|group| match group.get_mut("hooks") {
            Some(Node::Array(hooks)) if !hooks.is_empty() => {
                visit(hooks);
                !hooks.is_empty()
            }
            _ => true,
        });
        if !found {
            let mut group = Vec::new();
            if let Some(m) = matcher(agent) {
                group.push(("matcher".to_owned(), Node::Leaf(Value::String(m.into()))));
            }
            group.push((
                "hooks".to_owned(),
                Node::Array(vec![hook_entry(agent, command)]),
            ));
            list.push(Node::Object(group));
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
    if let Some(Node::Object(hooks)) = root.get_mut("hooks") {
        for (event, list) in hooks.iter_mut() {
            let Node::Array(list) = list else { continue };
            let before = count_nodes(list);
            let ours = |h: &Node| command_of(h, agent).is_some_and(|c| is_ours(c, agent));
            if grouped(agent) {
                // Drop only the groups that held nothing but our hooks.
                list.retain_mut(|group| match group.get_mut("hooks") {
                    Some(Node::Array(hooks)) if !hooks.is_empty() => {
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
        hooks
            .retain(|(e, l)| !(removed.contains(e) && matches!(l, Node::Array(a) if a.is_empty())));
    }
    if removed.is_empty() {
        return Ok(Change::Unchanged);
    }
    if matches!(root.get("hooks"), Some(Node::Object(h)) if h.is_empty()) {
        root.remove("hooks");
        // No hooks left: the switch install turned on has nothing to run.
        if agent == Agent::Gemini
            && let Some(Node::Object(tools)) = root.get_mut("tools")
        {
            tools.retain(|(k, v)| !(k == ENABLE_HOOKS && *v == Node::Leaf(Value::Bool(true))));
            if tools.is_empty() {
                root.remove("tools");
            }
        }
    }
    let only_version = match &root {
        Node::Object(pairs) => pairs.iter().all(|(k, _)| k == "version"),
        _ => false,
    };
    if only_version {
        std::fs::remove_file(path).map_err(|source| InstallError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        return Ok(Change::Deleted(removed));
    }
    write(path, &root, &indent)?;
    Ok(Change::Removed(removed))
}

fn count_nodes(list: &[Node]) -> usize {
    list.iter()
        .map(|n| match n.get("hooks") {
            Some(Node::Array(h)) => 1 + h.len(),
            _ => 1,
        })
        .sum()
}

/// Reads the file as an ordered JSON object and its indentation; `None` when absent.
fn read(path: &Path) -> Result<Option<(Node, String)>, InstallError> {
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
        return Ok(Some((Node::Object(Vec::new()), "  ".into())));
    }
    let node: Node = serde_json::from_str(&text).map_err(|e| InstallError::Unmergeable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if !matches!(node, Node::Object(_)) {
        return Err(InstallError::Unmergeable {
            path: path.to_path_buf(),
            reason: "not a JSON object".into(),
        });
    }
    Ok(Some((node, detect_indent(&text))))
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

fn write(path: &Path, root: &Node, indent: &str) -> Result<(), InstallError> {
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

/// A JSON value whose objects keep their key order.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Leaf(Value),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(p) => p.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Object(p) => p.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn set(&mut self, key: &str, value: Node) {
        if let Node::Object(p) = self {
            match p.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => p.push((key.to_owned(), value)),
            }
        }
    }

    fn insert_front(&mut self, key: &str, value: Node) {
        if let Node::Object(p) = self {
            p.insert(0, (key.to_owned(), value));
        }
    }

    fn remove(&mut self, key: &str) {
        if let Node::Object(p) = self {
            p.retain(|(k, _)| k != key);
        }
    }

    /// The object under `key`, created when absent; `None` when it is not an object.
    fn entry_object(&mut self, key: &str) -> Option<&mut Vec<(String, Node)>> {
        if self.get(key).is_none() {
            self.set(key, Node::Object(Vec::new()));
        }
        match self.get_mut(key) {
            Some(Node::Object(p)) => Some(p),
            _ => None,
        }
    }
}

trait EntryArray {
    fn entry_array(&mut self, key: &str) -> Option<&mut Vec<Node>>;
}

impl EntryArray for Vec<(String, Node)> {
    fn entry_array(&mut self, key: &str) -> Option<&mut Vec<Node>> {
        let i = match self.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.push((key.to_owned(), Node::Array(Vec::new())));
                self.len() - 1
            }
        };
        match &mut self[i].1 {
            Node::Array(a) => Some(a),
            _ => None,
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Object(pairs) => {
                let mut m = s.serialize_map(Some(pairs.len()))?;
                for (k, v) in pairs {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Node::Array(items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    q.serialize_element(i)?;
                }
                q.end()
            }
            Node::Leaf(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Node>()? {
                    pairs.push((k, v));
                }
                Ok(Node::Object(pairs))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = a.next_element::<Node>()? {
                    items.push(v);
                }
                Ok(Node::Array(items))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Leaf(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Leaf(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Leaf(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Leaf(Value::from(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Leaf(Value::String(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Leaf(Value::String(v)))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Leaf(Value::Null))
            }
        }
        d.deserialize_any(V)
    }
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
