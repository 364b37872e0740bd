//! Pre-tool snapshots: the files a tool call may change, as they were before
//! it ran. Kept under `<state dir>/agent-snapshots/`, one file per tool call,
//! removed by the post-tool event (or after a day, if it never comes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::AgentError;
use crate::files::Regular;
use crate::workspace::Workspace;

/// Files larger than this are not copied (their size and time are kept).
pub(crate) const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// A shell snapshot copies the contents of at most this many files.
pub(crate) const MAX_FILES: usize = 5_000;
/// A shell snapshot copies at most this many bytes in all.
pub(crate) const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
/// Snapshots older than this are stale leftovers of calls that never finished.
const STALE: Duration = Duration::from_secs(24 * 3600);

/// One file as it was before the tool call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
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

#[derive(Clone, Debug, Default)]
pub(crate) struct Snapshot {
    /// For shell snapshots: the commit HEAD named, and `shell = true`.
    pub(crate) shell: bool,
    pub(crate) head: Option<String>,
    pub(crate) files: BTreeMap<String, Entry>,
}

/// Size and modification time of a file in milliseconds.
pub(crate) fn meta(path: &Path) -> Option<(u64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    let ms = m
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_millis();
    Some((m.len(), i64::try_from(ms).unwrap_or(i64::MAX)))
}

/// Reads a workspace file under `root` for a snapshot, within `budget`
/// bytes; only regular files inside `root` are read (see [`crate::files`]).
pub(crate) fn capture(path: &Path, root: &Path, budget: &mut u64) -> Entry {
    let Some((len, modified_ms)) = meta(path) else {
        return Entry::Missing;
    };
    if len > MAX_FILE_BYTES || len > *budget {
        return Entry::NotCopied { len, modified_ms };
    }
    match crate::files::read_regular(path, root, MAX_FILE_BYTES.min(*budget)) {
        Ok(Regular::Bytes(bytes)) => {
            *budget = budget.saturating_sub(bytes.len() as u64);
            match String::from_utf8(bytes) {
                Ok(text) => Entry::Text { text },
                Err(_) => Entry::Binary,
            }
        }
        Ok(Regular::Missing) => Entry::Missing,
        Ok(_) | Err(_) => Entry::NotCopied { len, modified_ms },
    }
}

fn dir(ws: &Workspace) -> PathBuf {
    ws.state_dir().join("agent-snapshots")
}

/// Where the snapshot of one tool call lives.
pub(crate) fn location(ws: &Workspace, agent: &str, session: Option<&str>, call: &str) -> PathBuf {
    let h = super::fnv(&[session.unwrap_or("").as_bytes(), call.as_bytes()]);
    dir(ws).join(format!("{agent}-{h:016x}.json"))
}

const MAGIC: &[u8] = b"vouch-snapshot 1\n";

/// The header of a snapshot file; text contents follow it raw, in order.
#[derive(Serialize, Deserialize)]
struct Header {
    shell: bool,
    head: Option<String>,
    files: Vec<(String, HeaderEntry)>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
enum HeaderEntry {
    Text { len: usize },
    Missing,
    Binary,
    NotCopied { len: u64, modified_ms: i64 },
}

/// Writes a snapshot (atomically: a reader never sees half of it). The
/// texts are written raw after a small JSON header, so large files cost a
/// copy, not an encoding.
pub(crate) fn save(path: &Path, snap: &Snapshot) -> Result<(), AgentError> {
    let io = |e: std::io::Error| AgentError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let header = Header {
        shell: snap.shell,
        head: snap.head.clone(),
        files: snap
            .files
            .iter()
            .map(|(p, e)| {
                let h = match e {
                    Entry::Text { text } => HeaderEntry::Text { len: text.len() },
                    Entry::Missing => HeaderEntry::Missing,
                    Entry::Binary => HeaderEntry::Binary,
                    Entry::NotCopied { len, modified_ms } => HeaderEntry::NotCopied {
                        len: *len,
                        modified_ms: *modified_ms,
                    },
                };
                (p.clone(), h)
            })
            .collect(),
    };
    let mut bytes = MAGIC.to_vec();
    serde_json::to_writer(&mut bytes, &header).map_err(|e| AgentError::Internal(e.to_string()))?;
    bytes.push(b'\n');
    let total: usize = snap
        .files
        .values()
        .map(|e| match e {
            Entry::Text { text } => text.len(),
            _ => 0,
        })
        .sum();
    bytes.reserve(total);
    for e in snap.files.values() {
        if let Entry::Text { text } = e {
            bytes.extend_from_slice(text.as_bytes());
        }
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn decode(bytes: &[u8]) -> Option<Snapshot> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let nl = rest.iter().position(|b| *b == b'\n')?;
    let header: Header = serde_json::from_slice(&rest[..nl]).ok()?;
    let mut body = &rest[nl + 1..];
    let mut files = BTreeMap::new();
    for (path, h) in header.files {
        let entry = match h {
            HeaderEntry::Text { len } => {
                if body.len() < len {
                    return None;
                }
                let (text, tail) = body.split_at(len);
                body = tail;
                Entry::Text {
                    text: std::str::from_utf8(text).ok()?.to_owned(),
                }
            }
            HeaderEntry::Missing => Entry::Missing,
            HeaderEntry::Binary => Entry::Binary,
            HeaderEntry::NotCopied { len, modified_ms } => Entry::NotCopied { len, modified_ms },
        };
        files.insert(path, entry);
    }
    Some(Snapshot {
        shell: header.shell,
        head: header.head,
        files,
    })
}

/// Reads and removes the snapshot at `path`; `None` when there is none.
pub(crate) fn take(path: &Path) -> Result<Option<Snapshot>, AgentError> {
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
    Ok(decode(&bytes))
}

/// Removes snapshots of tool calls that never reported back. Runs at most
/// once an hour (a marker file's time says when it last ran).
pub(crate) fn sweep(ws: &Workspace) {
    let dir = dir(ws);
    let marker = dir.join(".swept");
    let now = SystemTime::now();
    let recent = std::fs::metadata(&marker)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| now.duration_since(t).ok())
        .is_some_and(|age| age < Duration::from_secs(3600));
    if recent {
        return;
    }
    let _ = std::fs::write(&marker, b"");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        let mut files = BTreeMap::new();
        files.insert(
            "a".into(),
            Entry::Text {
                text: "é\n{}".into(),
            },
        );
        files.insert("b".into(), Entry::Missing);
        files.insert(
            "c".into(),
            Entry::Text {
                text: String::new(),
            },
        );
        files.insert(
            "d".into(),
            Entry::NotCopied {
                len: 5,
                modified_ms: 9,
            },
        );
        let snap = Snapshot {
            shell: true,
            head: Some("abc".into()),
            files,
        };
        save(&p, &snap).unwrap();
        let back = take(&p).unwrap().unwrap();
        assert_eq!(back.files, snap.files);
        assert_eq!(back.head.as_deref(), Some("abc"));
        assert!(take(&p).unwrap().is_none(), "taken once");
        std::fs::write(&p, b"garbage").unwrap();
        assert!(take(&p).unwrap().is_none());
    }
}
