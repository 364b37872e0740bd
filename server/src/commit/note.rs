//! The per-commit note: one Agent Trace 0.1.0 record, on one line of JSON.
//!
//! The standard part lists, per file, the AI and mixed lines of the commit's
//! version of the file grouped by contributor; Vouch's own facts (tool, kind,
//! review attestations) sit under `metadata.vouch`. A note may hold several
//! records, one per line (two clones' notes for one commit merged with
//! `cat_sort_uniq`); readers merge them, the newest record first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::lines::{CommitLines, FileLines, LineAttr};
use crate::ledger::{LineOrigin, format_millis, now_millis};

pub const TRACE_VERSION: &str = "0.1.0";

/// A parsed note.
#[derive(Clone, Debug, Default)]
pub struct Note {
    pub lines: CommitLines,
    /// The records as found, newest first.
    pub records: Vec<Value>,
}

/// One run of equal consecutive lines, as stored under `metadata.vouch.lines`.
#[derive(Serialize, Deserialize, Debug)]
struct LineRun {
    path: String,
    start_line: usize,
    end_line: usize,
    #[serde(flatten)]
    attr: RunAttr,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
struct RunAttr {
    origin: LineOrigin,
    tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    reviewed: bool,
}

/// Consecutive-line ranges `(start, end)` of `lines` grouped by `key`.
fn runs<K: Clone + PartialEq>(
    lines: &FileLines,
    key: impl Fn(&LineAttr) -> Option<K>,
) -> Vec<(K, usize, usize)> {
    let mut out: Vec<(K, usize, usize)> = Vec::new();
    for (&line, attr) in lines {
        let Some(k) = key(attr) else { continue };
        match out.last_mut() {
            Some((lk, _, end)) if *lk == k && *end + 1 == line => *end = line,
            _ => out.push((k, line, line)),
        }
    }
    out
}

fn uuid_v4() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_i64(now_millis());
        h.write_u32(std::process::id());
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The Agent Trace record for `commit` holding `lines`.
pub fn record(commit: &str, lines: &CommitLines) -> Value {
    let mut files = Vec::new();
    let mut vouch_lines = Vec::new();
    let mut attestations = Vec::new();
    for (path, file) in lines {
        if file.is_empty() {
            continue;
        }
        // Standard part: one conversation per (contributor type, model).
        let mut conversations: BTreeMap<(String, Option<String>), Vec<Value>> = BTreeMap::new();
        for ((origin, model), start, end) in runs(file, |a| Some((a.origin, a.model.clone()))) {
            let kind = match origin {
                LineOrigin::Mixed => "mixed",
                _ => "ai",
            };
            conversations
                .entry((kind.to_owned(), model))
                .or_default()
                .push(json!({"start_line": start, "end_line": end}));
        }
        let conversations: Vec<Value> = conversations
            .into_iter()
            .map(|((kind, model), ranges)| {
                let mut contributor = json!({"type": kind});
                if let Some(m) = model {
                    contributor["model_id"] = Value::String(m);
                }
                json!({"contributor": contributor, "ranges": ranges})
            })
            .collect();
        files.push(json!({"path": path, "conversations": conversations}));
        // Vouch's part: tool, kind and review state per run of lines.
        for (attr, start, end) in runs(file, |a| {
            Some(RunAttr {
                origin: a.origin,
                tool: a.tool.clone(),
                model: a.model.clone(),
                kind: a.kind.clone(),
                reviewed: a.reviewed(),
            })
        }) {
            vouch_lines.push(LineRun {
                path: path.clone(),
                start_line: start,
                end_line: end,
                attr,
            });
        }
        let mut by_review: BTreeMap<(String, i64), Vec<Value>> = BTreeMap::new();
        for ((by, at), start, end) in runs(file, |a| {
            a.reviewer
                .clone()
                .map(|by| (by, a.reviewed_at.unwrap_or(0)))
        }) {
            by_review
                .entry((by, at))
                .or_default()
                .push(json!({"start_line": start, "end_line": end}));
        }
        for ((by, at), ranges) in by_review {
            attestations.push(json!({
                "path": path, "ranges": ranges, "reviewer": by, "time": format_millis(at),
            }));
        }
    }
    json!({
        "version": TRACE_VERSION,
        "id": uuid_v4(),
        "timestamp": format_millis(now_millis()),
        "vcs": {"type": "git", "revision": commit},
        "tool": {"name": "vouch", "version": env!("CARGO_PKG_VERSION")},
        "files": files,
        "metadata": {"vouch": {
            "lines": vouch_lines,
            "attestations": attestations,
        }},
    })
}

/// Parses a note's text: one or more JSON records (one per line, or
/// concatenated). Unparseable parts are skipped.
pub fn parse(text: &str) -> Note {
    let mut records: Vec<Value> = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .map_while(Result::ok)
        .filter(Value::is_object)
        .collect();
    if records.is_empty() {
        // Tolerate junk between records: try line by line.
        records = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
            .filter(Value::is_object)
            .collect();
    }
    records.sort_by(|a, b| {
        let t = |v: &Value| v["timestamp"].as_str().unwrap_or("").to_owned();
        t(b).cmp(&t(a))
    });
    let mut lines = CommitLines::new();
    for r in &records {
        super::lines::fill(&mut lines, lines_of(r));
    }
    Note { lines, records }
}

/// The lines one record describes: Vouch's metadata when present, else the
/// standard `files` part (any Agent Trace producer).
fn lines_of(record: &Value) -> CommitLines {
    let mut out = CommitLines::new();
    let vouch = &record["metadata"]["vouch"];
    if let Some(runs) = vouch["lines"].as_array() {
        for run in runs {
            let Ok(run) = serde_json::from_value::<LineRun>(run.clone()) else {
                continue;
            };
            let file = out.entry(run.path.clone()).or_default();
            for line in run.start_line.max(1)..=run.end_line {
                file.insert(
                    line,
                    LineAttr {
                        origin: run.attr.origin,
                        tool: run.attr.tool.clone(),
                        model: run.attr.model.clone(),
                        kind: run.attr.kind.clone(),
                        reviewer: run.attr.reviewed.then(String::new),
                        reviewed_at: None,
                    },
                );
            }
        }
        for a in vouch["attestations"].as_array().into_iter().flatten() {
            let (Some(path), Some(by)) = (a["path"].as_str(), a["reviewer"].as_str()) else {
                continue;
            };
            let at = a["time"].as_str().and_then(parse_time);
            let Some(file) = out.get_mut(path) else {
                continue;
            };
            for (start, end) in ranges(&a["ranges"]) {
                for line in start..=end {
                    if let Some(attr) = file.get_mut(&line) {
                        attr.reviewer = Some(by.to_owned());
                        attr.reviewed_at = at;
                    }
                }
            }
        }
        // A line marked reviewed without an attestation keeps an unnamed reviewer.
        for file in out.values_mut() {
            for attr in file.values_mut() {
                if attr.reviewer.as_deref() == Some("") {
                    attr.reviewer = Some("unknown".into());
                }
            }
        }
        return out;
    }
    for f in record["files"].as_array().into_iter().flatten() {
        let Some(path) = f["path"].as_str() else {
            continue;
        };
        for c in f["conversations"].as_array().into_iter().flatten() {
            let kind = c["contributor"]["type"].as_str().unwrap_or("unknown");
            let origin = match kind {
                "ai" => LineOrigin::Ai,
                "mixed" => LineOrigin::Mixed,
                _ => continue,
            };
            let model = c["contributor"]["model_id"].as_str().map(str::to_owned);
            let file = out.entry(path.to_owned()).or_default();
            for (start, end) in ranges(&c["ranges"]) {
                for line in start..=end {
                    file.insert(
                        line,
                        LineAttr {
                            origin,
                            tool: "unknown".into(),
                            model: model.clone(),
                            kind: None,
                            reviewer: None,
                            reviewed_at: None,
                        },
                    );
                }
            }
        }
    }
    out
}

fn ranges(v: &Value) -> Vec<(usize, usize)> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let s = usize::try_from(r["start_line"].as_u64()?).ok()?;
            let e = usize::try_from(r["end_line"].as_u64()?).ok()?;
            // Bound absurd ranges so a hostile note cannot exhaust memory.
            (s >= 1 && e >= s && e - s < 10_000_000).then_some((s, e))
        })
        .collect()
}

fn parse_time(s: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339_weak(s).ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_millis()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(model: Option<&str>, reviewer: Option<&str>) -> LineAttr {
        LineAttr {
            origin: LineOrigin::Ai,
            tool: "copilot".into(),
            model: model.map(Into::into),
            kind: Some("manual".into()),
            reviewer: reviewer.map(Into::into),
            reviewed_at: reviewer.map(|_| 1_700_000_000_000),
        }
    }

    #[test]
    fn record_round_trips() {
        let mut lines = CommitLines::new();
        let f = lines.entry("src/a.rs".into()).or_default();
        f.insert(2, attr(Some("gpt-5"), None));
        f.insert(3, attr(Some("gpt-5"), None));
        f.insert(7, attr(None, Some("Ada <ada@example.com>")));
        let r = record(&"a".repeat(40), &lines);
        assert_eq!(r["version"], "0.1.0");
        assert_eq!(r["vcs"]["type"], "git");
        let convs = &r["files"][0]["conversations"];
        assert_eq!(convs.as_array().map(Vec::len), Some(2));
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains('\n'));
        let back = parse(&text);
        assert_eq!(back.lines, lines);
    }

    #[test]
    fn foreign_records_and_merges() {
        let foreign = r#"{"version":"0.1","id":"x","timestamp":"2026-01-01T00:00:00Z","files":[{"path":"a","conversations":[{"contributor":{"type":"ai","model_id":"m"},"ranges":[{"start_line":1,"end_line":2}]},{"contributor":{"type":"human"},"ranges":[{"start_line":3,"end_line":3}]}]}]}"#;
        let mut lines = CommitLines::new();
        lines
            .entry("a".into())
            .or_default()
            .insert(2, attr(None, Some("R <r@x>")));
        let ours = serde_json::to_string(&record("c", &lines)).unwrap();
        let note = parse(&format!("{foreign}\n{ours}\n"));
        let a = &note.lines["a"];
        assert_eq!(a.len(), 2);
        assert_eq!(a[&1].model.as_deref(), Some("m"));
        // The newer record (ours) wins on line 2.
        assert_eq!(a[&2].reviewer.as_deref(), Some("R <r@x>"));
    }
}
