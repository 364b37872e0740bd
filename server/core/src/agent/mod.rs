//! Coding agents' edits: reading their hook payloads, snapshotting files
//! before a tool call, and attributing exactly the characters the call
//! changed to the agent.
//!
//! The text before an edit comes from, in order of preference: the pre-tool
//! snapshot; the payload's own `old → new` replacements undone on the current
//! text; the store's last known text; the index; `HEAD`; nothing (a new file).

mod attribute;
mod diff;
pub mod install;
mod payload;
mod snapshot;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) use attribute::{attribute, attribute_since_stored};
#[cfg(test)]
pub(crate) use payload::parse;
pub(crate) use payload::{Action, HookEvent, Phase, TextEdit};

use crate::git::{Git, GitError};
use crate::ledger::{AiSource, now_millis};
use crate::store::{Store, StoreError};
use crate::workspace::{Workspace, WorkspaceError};
use snapshot::{Entry, Snapshot};

/// The coding agents whose hooks Vouch understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Agent {
    ClaudeCode,
    Cursor,
    Codex,
    Gemini,
    Copilot,
}

impl Agent {
    /// The name recorded as the tool, and used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Cursor => "cursor",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Copilot => "copilot",
        }
    }

    /// What the agent expects on standard output from a hook that has
    /// nothing to say (Cursor and Gemini parse stdout as JSON).
    pub fn hook_reply(self) -> &'static str {
        match self {
            Agent::Cursor | Agent::Gemini => "{}\n",
            Agent::ClaudeCode | Agent::Codex | Agent::Copilot => "",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("malformed hook payload: {0}")]
    Payload(String),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{path}: {message}")]
    Ledger { path: String, message: String },
    #[error("{0}")]
    Internal(String),
}

/// What `record` did.
#[derive(Debug, Default)]
pub struct Report {
    /// Files whose agent attribution was written, `(workspace root, path, bytes)`.
    pub recorded: Vec<(PathBuf, String, usize)>,
    /// Files snapshotted before the tool ran.
    pub(crate) snapshotted: usize,
    /// Problems that did not stop the rest (one line each).
    pub warnings: Vec<String>,
}

/// FNV-1a over the parts (separated by a 0xff byte), for stable file
/// names: the same value in every build, unlike std's hasher.
pub(crate) fn fnv(parts: &[&[u8]]) -> u64 {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.write_u8(0xff);
        }
        h.write(part);
    }
    h.finish()
}

/// Records one hook payload of `agent`. `cwd` resolves relative paths when the
/// payload names no working directory.
pub fn record(agent: Agent, input: &[u8], cwd: &Path) -> Result<Report, AgentError> {
    let event = payload::parse(agent, input)?;
    let base = match &event.cwd {
        Some(c) if c.is_absolute() => c.clone(),
        Some(c) => cwd.join(c),
        None => cwd.to_path_buf(),
    };
    let mut report = Report::default();
    match (&event.action, event.phase) {
        (Action::Ignore, _) => {}
        (Action::Files { paths, .. }, phase) => {
            for (ws, rels) in group_by_workspace(&base, paths, &mut report)? {
                let loc = snapshot::location(
                    &ws,
                    agent.name(),
                    event.session.as_deref(),
                    &event.call_key,
                );
                match phase {
                    Phase::Pre => {
                        pre_files(&ws, &rels, &loc)?;
                        report.snapshotted += rels.len();
                        snapshot::sweep(&ws);
                    }
                    Phase::Post => post_files(agent, &event, &ws, &rels, &loc, &mut report)?,
                }
            }
        }
        (Action::Shell, phase) => {
            let Some(ws) = find_workspace(&base)? else {
                return Ok(report);
            };
            if ws.git_dir.is_none() {
                return Ok(report); // shell tracking needs git status
            }
            let loc =
                snapshot::location(&ws, agent.name(), event.session.as_deref(), &event.call_key);
            match phase {
                Phase::Pre => {
                    report.snapshotted += pre_shell(&ws, &loc)?;
                    snapshot::sweep(&ws);
                }
                Phase::Post => post_shell(agent, &event, &ws, &loc, &mut report)?,
            }
        }
    }
    Ok(report)
}

fn source(agent: Agent, event: &HookEvent) -> AiSource {
    AiSource {
        tool: agent.name().to_owned(),
        model: event.model.clone(),
        kind: event.kind,
        session: event.session.clone(),
        accepted_at: now_millis(),
    }
}

/// The workspace holding `path` (an existing folder or file, or a path whose
/// nearest existing ancestor lies in one). `None` outside any git repository
/// and any folder that already has a `.vouch/` store: nothing is written there.
pub(crate) fn find_workspace(path: &Path) -> Result<Option<Workspace>, AgentError> {
    for dir in path.ancestors() {
        let git = dir.join(".git");
        if git.is_dir() {
            // The common case, without spawning git.
            let (Ok(root), Ok(git_dir)) = (dir.canonicalize(), git.canonicalize()) else {
                return Ok(None);
            };
            return Ok(Some(Workspace {
                root,
                git_dir: Some(git_dir),
            }));
        }
        if git.is_file() || (dir.join(".vouch").is_dir() && crate::workspace::may_hold_store(dir)) {
            let ws = Workspace::discover(dir)?;
            let tracked = ws.git_dir.is_some() || ws.root.join(".vouch").is_dir();
            return Ok(tracked.then_some(ws));
        }
    }
    Ok(None)
}

/// Resolves payload paths and groups them by workspace; paths outside any
/// workspace (or inside its state folder) are left out.
fn group_by_workspace(
    base: &Path,
    paths: &[String],
    _report: &mut Report,
) -> Result<Vec<(Workspace, Vec<String>)>, AgentError> {
    let mut groups: Vec<(Workspace, Vec<String>)> = Vec::new();
    for p in paths {
        let abs = absolutise(base, Path::new(p));
        if let Some((ws, rels)) = groups.iter_mut().find(|(ws, _)| abs.starts_with(&ws.root))
            && let Some(rel) = ws.relative(&abs)
        {
            if !rels.contains(&rel) {
                rels.push(rel);
            }
            continue;
        }
        let Some(ws) = find_workspace(abs.parent().unwrap_or(&abs))? else {
            continue;
        };
        let Some(rel) = ws.relative(&abs) else {
            continue;
        };
        match groups.iter_mut().find(|(w, _)| *w == ws) {
            Some((_, rels)) => {
                if !rels.contains(&rel) {
                    rels.push(rel);
                }
            }
            None => groups.push((ws, vec![rel])),
        }
    }
    Ok(groups)
}

fn absolutise(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

fn pre_files(ws: &Workspace, rels: &[String], loc: &Path) -> Result<(), AgentError> {
    let mut budget = snapshot::MAX_TOTAL_BYTES;
    let files: BTreeMap<String, Entry> = rels
        .iter()
        .map(|rel| {
            (
                rel.clone(),
                snapshot::capture(&ws.absolute(rel), &ws.root, &mut budget),
            )
        })
        .collect();
    snapshot::save(
        loc,
        &Snapshot {
            shell: false,
            head: None,
            files,
        },
    )
}

/// Reads a workspace file as text now: `Ok(None)` when missing or not text.
fn read_after(ws: &Workspace, rel: &str) -> Result<Option<String>, AgentError> {
    let path = ws.absolute(rel);
    // Only regular files inside the workspace, never blocking (a FIFO, a
    // symlink to a device or out of the repository is skipped).
    match crate::files::read_regular(&path, &ws.root, snapshot::MAX_FILE_BYTES) {
        Ok(crate::files::Regular::Bytes(bytes)) => Ok(String::from_utf8(bytes).ok()),
        Ok(_) => Ok(None),
        Err(source) => Err(AgentError::Io { path, source }),
    }
}

fn post_files(
    agent: Agent,
    event: &HookEvent,
    ws: &Workspace,
    rels: &[String],
    loc: &Path,
    report: &mut Report,
) -> Result<(), AgentError> {
    let mut snap = snapshot::take(loc)?;
    let edits = match &event.action {
        Action::Files { edits, .. } if rels.len() == 1 => edits.as_slice(),
        _ => &[],
    };
    let mut recorder = Recorder::new(agent, event, ws);
    for rel in rels {
        let before = match snap.as_mut().and_then(|s| s.files.remove(rel)) {
            Some(entry) => Before::of_entry(entry, ws, rel),
            None => Before::Unknown,
        };
        recorder.record(rel, before, edits, report)?;
    }
    Ok(())
}

/// The text of a file before the tool call, as far as it is known.
enum Before {
    /// This text (empty: the file did not exist).
    Text(String),
    /// Unknown: the payload's replacements undone, else the store's, the
    /// index's or `HEAD`'s text stands in.
    Unknown,
    /// Not recorded: the file is unchanged.
    Skip,
}

impl Before {
    /// What the pre-tool snapshot says of `rel`.
    fn of_entry(entry: Entry, ws: &Workspace, rel: &str) -> Before {
        match entry {
            Entry::Text { text } => Before::Text(text),
            Entry::Missing => Before::Text(String::new()),
            // None of a binary file's bytes survive as text: whatever text
            // the tool left is all the agent's.
            Entry::Binary => Before::Text(String::new()),
            Entry::NotCopied { len, modified_ms } => {
                if snapshot::meta(&ws.absolute(rel)) == Some((len, modified_ms)) {
                    Before::Skip // unchanged
                } else {
                    Before::Unknown
                }
            }
        }
    }

    /// A file's content in git (`None`: git has no such file).
    fn of_blob(blob: Option<Vec<u8>>) -> Before {
        match blob.map(String::from_utf8) {
            None => Before::Text(String::new()),
            Some(Ok(text)) => Before::Text(text),
            Some(Err(_)) => Before::Text(String::new()), // was binary
        }
    }
}

/// The one path by which a tool call's files are recorded, whatever the
/// tool (a file tool or a shell command). The store is opened at the first
/// file that changed.
struct Recorder<'a> {
    ws: &'a Workspace,
    source: AiSource,
    store: Option<Store>,
}

impl<'a> Recorder<'a> {
    fn new(agent: Agent, event: &HookEvent, ws: &'a Workspace) -> Recorder<'a> {
        Recorder {
            ws,
            source: source(agent, event),
            store: None,
        }
    }

    /// Attributes to the agent what changed in `rel` since `before` (with
    /// `before` unknown, `edits` undone on the current text tell it). A file
    /// that is not text now, or that is gone, is not recorded; one that was
    /// binary before is all the agent's. A problem with one file is a warning in `report`.
    fn record(
        &mut self,
        rel: &str,
        before: Before,
        edits: &[TextEdit],
        report: &mut Report,
    ) -> Result<(), AgentError> {
        let before = match before {
            Before::Skip => return Ok(()),
            Before::Text(text) => Some(text),
            Before::Unknown => None,
        };
        let Some(after) = read_after(self.ws, rel)? else {
            return Ok(()); // deleted, or not text
        };
        if before.as_deref() == Some(after.as_str()) {
            return Ok(());
        }
        let before = before.or_else(|| undo_edits(&after, edits));
        let store = match &mut self.store {
            Some(s) => s,
            None => self.store.insert(Store::open_workspace(self.ws)?),
        };
        let result = match before {
            Some(b) => attribute(store, rel, &b, &after, &self.source),
            None => record_without_before(self.ws, store, rel, &after, &self.source),
        };
        match result {
            Ok(bytes) => {
                if bytes > 0 {
                    report
                        .recorded
                        .push((self.ws.root.clone(), rel.to_owned(), bytes));
                }
            }
            Err(e) => report.warnings.push(format!("{rel}: {e}")),
        }
        Ok(())
    }
}

/// Rebuilds the text before the payload's replacements by undoing them on
/// `after`, last first. `None` when an edit cannot be located unambiguously.
pub(crate) fn undo_edits(after: &str, edits: &[TextEdit]) -> Option<String> {
    if edits.is_empty() {
        return None;
    }
    let mut text = after.to_owned();
    for e in edits.iter().rev() {
        if e.new.is_empty() || e.new == e.old {
            return None;
        }
        if e.replace_all {
            if !text.contains(&e.new) {
                return None;
            }
            text = text.replace(&e.new, &e.old);
            continue;
        }
        let mut found = text.match_indices(&e.new);
        let (at, _) = found.next()?;
        if found.next().is_some() {
            return None; // ambiguous
        }
        text.replace_range(at..at + e.new.len(), &e.old);
    }
    Some(text)
}

/// Records an edit whose text before is unknown: diffed against the store's
/// last known text, else the index, else `HEAD`, else nothing (a new file).
/// A file git holds as binary counts as empty: its text is all the agent's.
fn record_without_before(
    ws: &Workspace,
    store: &mut Store,
    rel: &str,
    after: &str,
    source: &AiSource,
) -> Result<usize, AgentError> {
    if let Some(bytes) = attribute_since_stored(store, rel, after, source)? {
        return Ok(bytes);
    }
    let blob = match ws.git_dir {
        Some(_) => {
            let specs = [format!(":{rel}"), format!("HEAD:{rel}")];
            let blobs = Git::new(&ws.root).read_objects(&specs)?;
            blobs.into_iter().flatten().next()
        }
        None => None,
    };
    match Before::of_blob(blob) {
        Before::Text(before) => attribute(store, rel, &before, after, source),
        Before::Unknown | Before::Skip => Ok(0),
    }
}

fn pre_shell(ws: &Workspace, loc: &Path) -> Result<usize, AgentError> {
    let status = Git::new(&ws.root).status()?;
    let mut budget = snapshot::MAX_TOTAL_BYTES;
    let files: BTreeMap<String, Entry> = status
        .changed
        .iter()
        .enumerate()
        .map(|(i, rel)| {
            if i == snapshot::MAX_FILES {
                budget = 0; // past this many files, keep only size and time
            }
            (
                rel.clone(),
                snapshot::capture(&ws.absolute(rel), &ws.root, &mut budget),
            )
        })
        .collect();
    let n = files.len();
    snapshot::save(
        loc,
        &Snapshot {
            shell: true,
            head: status.head,
            files,
        },
    )?;
    Ok(n)
}

/// Attributes to the agent the files a shell command changed: those changed
/// or untracked now whose text differs from the pre-tool snapshot (files
/// that were clean before are compared with their committed text). Files
/// clean afterwards came from git (checkout, reset, stash) and are left alone.
fn post_shell(
    agent: Agent,
    event: &HookEvent,
    ws: &Workspace,
    loc: &Path,
    report: &mut Report,
) -> Result<(), AgentError> {
    let Some(mut snap) = snapshot::take(loc)? else {
        return Ok(()); // no pre-tool snapshot: nothing to compare with
    };
    let git = Git::new(&ws.root);
    let now = git.status()?;
    // Files clean before the command: their text then was the committed one.
    let clean_before: Vec<&String> = now
        .changed
        .iter()
        .filter(|rel| !snap.files.contains_key(*rel))
        .collect();
    let specs: Vec<String> = clean_before
        .iter()
        .map(|rel| match &snap.head {
            Some(head) => format!("{head}:{rel}"),
            None => format!(":{rel}"),
        })
        .collect();
    let mut committed: BTreeMap<&String, Option<Vec<u8>>> = clean_before
        .into_iter()
        .zip(git.read_objects(&specs)?)
        .collect();
    let mut recorder = Recorder::new(agent, event, ws);
    for rel in &now.changed {
        let before = match snap.files.remove(rel) {
            Some(entry) => Before::of_entry(entry, ws, rel),
            None => Before::of_blob(committed.remove(rel).flatten()),
        };
        recorder.record(rel, before, &[], report)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(old: &str, new: &str) -> TextEdit {
        TextEdit {
            old: old.into(),
            new: new.into(),
            replace_all: false,
        }
    }

    #[test]
    fn undo_single_and_multi_edits() {
        assert_eq!(
            undo_edits("fn b() {}\n", &[edit("a", "b")]).as_deref(),
            Some("fn a() {}\n")
        );
        // Applied in order a→bb then bb→ccc; undone last first.
        assert_eq!(
            undo_edits("x ccc y", &[edit("a", "bb"), edit("bb", "ccc")]).as_deref(),
            Some("x a y")
        );
        // Ambiguous or missing: no answer.
        assert_eq!(undo_edits("b b", &[edit("a", "b")]), None);
        assert_eq!(undo_edits("zzz", &[edit("a", "b")]), None);
        assert_eq!(undo_edits("zzz", &[edit("a", "")]), None);
        let all = TextEdit {
            old: "x".into(),
            new: "y".into(),
            replace_all: true,
        };
        assert_eq!(undo_edits("y y", &[all]).as_deref(), Some("x x"));
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv(&[b"ab", b""]), fnv(&[b"a", b"b"]));
    }
}
