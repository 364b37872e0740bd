//! Pre-tool snapshots: the files a tool call may change, as they were before
//! it ran. Kept under `<state dir>/agent-snapshots/`, one file per tool call,
//! removed by the post-tool event (or after a day, if it never comes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::AgentError;
use crate::workspace::Workspace;

/// Files larger than this are not copied (their size and time are kept).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// A shell snapshot copies at most this many bytes in all.
pub const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
/// Snapshots older than this are stale leftovers of calls that never finished.
const STALE: Duration = Duration::from_secs(24 * 3600);

/// One file as it was before the tool call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Entry {
    Text {
        text: String,
    },
    Missing,
    Binary,
    /// Not copied (over the size bounds); compared by size and time.
    NotCopied {
        len: u64,
        modified_ms: i64,
    },
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// For shell snapshots: the commit HEAD named, and `shell = true`.
    #[serde(default)]
    pub shell: bool,
    #[serde(default)]
    pub head: Option<String>,
    pub files: BTreeMap<String, Entry>,
}

/// Size and modification time of a file in milliseconds.
pub fn meta(path: &Path) -> Option<(u64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    let ms = m
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_millis();
    Some((m.len(), i64::try_from(ms).unwrap_or(i64::MAX)))
}

/// Reads a workspace file for a snapshot, within `budget` bytes.
pub fn capture(path: &Path, budget: &mut u64) -> Entry {
    let Some((len, modified_ms)) = meta(path) else {
        return Entry::Missing;
    };
    if len > MAX_FILE_BYTES || len > *budget {
        return Entry::NotCopied { len, modified_ms };
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            *budget = budget.saturating_sub(bytes.len() as u64);
            match String::from_utf8(bytes) {
                Ok(text) => Entry::Text { text },
                Err(_) => Entry::Binary,
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Entry::Missing,
        Err(_) => Entry::NotCopied { len, modified_ms },
    }
}

fn dir(ws: &Workspace) -> PathBuf {
    ws.state_dir().join("agent-snapshots")
}

/// Where the snapshot of one tool call lives.
pub fn location(ws: &Workspace, agent: &str, session: Option<&str>, call: &str) -> PathBuf {
    let h = super::fnv(&[session.unwrap_or("").as_bytes(), call.as_bytes()]);
    dir(ws).join(format!("{agent}-{h:016x}.json"))
}

/// Writes a snapshot (atomically: a reader never sees half of it).
pub fn save(path: &Path, snap: &Snapshot) -> Result<(), AgentError> {
    let io = |e: std::io::Error| AgentError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let bytes = serde_json::to_vec(snap).map_err(|e| AgentError::Internal(e.to_string()))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads and removes the snapshot at `path`; `None` when there is none.
pub fn take(path: &Path) -> Result<Option<Snapshot>, AgentError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(AgentError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let _ = std::fs::remove_file(path);
    // A damaged snapshot is as good as none: fall back to the other sources.
    Ok(serde_json::from_slice(&bytes).ok())
}

/// Removes snapshots of tool calls that never reported back.
pub fn sweep(ws: &Workspace) {
    let Ok(entries) = std::fs::read_dir(dir(ws)) else {
        return;
    };
    let now = SystemTime::now();
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
