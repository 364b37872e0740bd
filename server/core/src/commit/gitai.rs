//! Reading git-ai's notes (`refs/notes/ai`, "Git AI Standard v3.0.0",
//! `schema_version: "authorship/3.0.0"`), never writing them. A log is an
//! attestation section (a file path at the start of a line, then lines
//! indented by two spaces: `<key> <ranges>` such as `d9978a8723e02b52
//! 1-4,9-10,12`), a line `---`, and a JSON object whose `prompts` (and, since
//! git-ai 1.4, `sessions`) map each key to `{agent_id: {tool, id, model}}`.
//! Keys starting `h_` are known humans. Each log becomes Agent Trace records
//! (one per tool, ranges kept as ranges) that the notes readers merge under
//! Vouch's own records. Prompts and messages are never kept.
//!
//! Untrusted input: logs over [`MAX_LOG_BYTES`] are skipped; at most
//! [`MAX_RANGES`] ranges and [`MAX_LINES`] lines in all are taken from one log.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::{Value, json};

/// The notes ref git-ai writes (Vouch only reads it).
pub(crate) const GITAI_REF: &str = "refs/notes/ai";

/// git-ai's notes ref, or a fetched copy of it (`refs/notes/remotes/*/ai`;
/// remote names may hold slashes).
pub(crate) fn is_gitai_ref(name: &str) -> bool {
    name == GITAI_REF || (name.starts_with("refs/notes/remotes/") && name.ends_with("/ai"))
}
pub(crate) const SCHEMA: &str = "authorship/3.0.0";

const MAX_LOG_BYTES: usize = 4 << 20;
const MAX_RANGES: usize = 100_000;
const MAX_LINES: usize = 1_000_000;

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    schema_version: String,
    #[serde(default)]
    prompts: HashMap<String, Record>,
    #[serde(default)]
    sessions: HashMap<String, Record>,
}

#[derive(Deserialize, Default)]
struct Record {
    #[serde(default)]
    agent_id: Option<Agent>,
}

#[derive(Deserialize, Default, Clone)]
struct Agent {
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    model: Option<String>,
}

/// `1-4,9-10,12` as inclusive ranges; `None` when malformed.
fn parse_ranges(spec: &str) -> Option<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        let (s, e) = match part.split_once('-') {
            Some((s, e)) => (s.parse::<u64>().ok()?, e.parse::<u64>().ok()?),
            None => {
                let n = part.parse::<u64>().ok()?;
                (n, n)
            }
        };
        if s == 0 || e < s {
            return None;
        }
        out.push((s, e));
    }
    Some(out)
}

/// A path line: bare, or wrapped in double quotes.
fn parse_path(line: &str) -> Option<String> {
    let line = line.trim_end_matches('\r');
    let path = match line.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => line,
    };
    (!path.is_empty() && !path.starts_with('/') && !path.split('/').any(|c| c == ".."))
        .then(|| path.to_owned())
}

/// The Agent Trace records (JSON text, one per line) for git-ai's log of
/// `commit`; empty when the text is not such a log.
pub(crate) fn to_trace(text: &str, commit: &str) -> String {
    if text.len() > MAX_LOG_BYTES {
        return String::new();
    }
    let Some((attest, meta)) = text
        .split_once("\n---\n")
        .or_else(|| text.strip_prefix("---\n").map(|m| ("", m)))
    else {
        return String::new();
    };
    let Ok(meta) = serde_json::from_str::<Metadata>(meta.trim()) else {
        return String::new();
    };
    if meta.schema_version != SCHEMA {
        return String::new();
    }
    let agent = |key: &str| -> Agent {
        let session = key.split_once("::").map_or(key, |(s, _)| s);
        meta.prompts
            .get(key)
            .or_else(|| meta.sessions.get(key))
            .or_else(|| meta.sessions.get(session))
            .and_then(|r| r.agent_id.clone())
            .unwrap_or_default()
    };
    // tool -> path -> model -> ranges
    type Ranges = Vec<(u64, u64)>;
    let mut by_tool: BTreeMap<String, BTreeMap<String, BTreeMap<Option<String>, Ranges>>> =
        BTreeMap::new();
    let (mut ranges_taken, mut lines_taken) = (0usize, 0usize);
    let mut path: Option<String> = None;
    for line in attest.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let Some(entry) = line.strip_prefix("  ") else {
            path = parse_path(line);
            continue;
        };
        let Some(p) = &path else { continue };
        let Some((key, spec)) = entry.trim_end_matches('\r').split_once(' ') else {
            continue;
        };
        if key.starts_with("h_") {
            continue; // a known human's lines
        }
        let Some(ranges) = parse_ranges(spec) else {
            continue;
        };
        let a = agent(key);
        let tool = a
            .tool
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "git-ai".to_owned());
        let target = by_tool
            .entry(tool)
            .or_default()
            .entry(p.clone())
            .or_default()
            .entry(a.model)
            .or_default();
        for (s, e) in ranges {
            let n = usize::try_from(e - s + 1).unwrap_or(usize::MAX);
            if ranges_taken >= MAX_RANGES || n > MAX_LINES - lines_taken {
                break;
            }
            ranges_taken += 1;
            lines_taken += n;
            target.push((s, e));
        }
    }
    let mut out = String::new();
    for (tool, files) in by_tool {
        let files: Vec<Value> = files
            .into_iter()
            .map(|(path, models)| {
                let conversations: Vec<Value> = models
                    .into_iter()
                    .map(|(model, ranges)| {
                        let mut contributor = json!({"type": "ai"});
                        if let Some(m) = model {
                            contributor["model_id"] = Value::String(m);
                        }
                        json!({
                            "contributor": contributor,
                            "ranges": ranges.iter().map(|(s, e)| json!({"start_line": s, "end_line": e})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({"path": path, "conversations": conversations})
            })
            .collect();
        let record = json!({
            "version": "0.1.0",
            "id": format!("git-ai:{commit}:{tool}"),
            "timestamp": "",
            "vcs": {"type": "git", "revision": commit},
            "tool": {"name": tool},
            "files": files,
            "metadata": {"dev.vouch.source": GITAI_REF},
        });
        out.push_str(&record.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One attestation entry: key (agent index, or a known human), ranges.
    fn entry() -> impl Strategy<Value = (Option<u8>, Vec<(u64, u64)>)> {
        (
            prop::option::weighted(0.8, 0u8..3),
            prop::collection::vec((1u64..400, 0u64..30), 1..4),
        )
    }

    proptest! {
        /// Against a model: every AI entry's ranges come out, in order, under
        /// its agent's tool and model, and nothing else does.
        #[test]
        fn logs_convert_like_the_model(
            files in prop::collection::vec(("[a-z]{1,6}(/[a-z]{1,6})?\\.rs", prop::collection::vec(entry(), 1..4)), 1..4)
        ) {
            let agents = [("cursor", "m1"), ("claude", "m2"), ("codex", "m3")];
            let mut log = String::new();
            // model: (tool, path, model) -> ranges
            let mut model: BTreeMap<(String, String, String), Vec<(u64, u64)>> = BTreeMap::new();
            let mut seen = std::collections::HashSet::new();
            for (path, entries) in &files {
                if !seen.insert(path.clone()) {
                    continue; // one section per path
                }
                log.push_str(path);
                log.push('\n');
                for (agent, ranges) in entries {
                    let spec: Vec<String> = ranges
                        .iter()
                        .map(|(s, len)| if *len == 0 { s.to_string() } else { format!("{s}-{}", s + len) })
                        .collect();
                    let key = match agent {
                        Some(a) => format!("{:016x}", u64::from(*a) + 0xabc0),
                        None => "h_0123456789abcd".to_owned(),
                    };
                    log.push_str(&format!("  {key} {}\n", spec.join(",")));
                    if let Some(a) = agent {
                        let (tool, m) = agents[usize::from(*a)];
                        model
                            .entry((tool.to_owned(), path.clone(), m.to_owned()))
                            .or_default()
                            .extend(ranges.iter().map(|(s, len)| (*s, s + len)));
                    }
                }
            }
            let prompts: serde_json::Map<String, Value> = agents
                .iter()
                .enumerate()
                .map(|(i, (t, m))| (format!("{:016x}", i as u64 + 0xabc0), json!({"agent_id": {"tool": t, "id": "x", "model": m}})))
                .collect();
            log.push_str("---\n");
            log.push_str(&json!({"schema_version": SCHEMA, "base_commit_sha": "abc", "prompts": prompts}).to_string());
            let mut got: BTreeMap<(String, String, String), Vec<(u64, u64)>> = BTreeMap::new();
            for line in to_trace(&log, "c").lines() {
                let r: Value = serde_json::from_str(line).expect("JSON line");
                let tool = r["tool"]["name"].as_str().unwrap_or("").to_owned();
                for f in r["files"].as_array().into_iter().flatten() {
                    for c in f["conversations"].as_array().into_iter().flatten() {
                        let key = (tool.clone(), f["path"].as_str().unwrap_or("").to_owned(), c["contributor"]["model_id"].as_str().unwrap_or("").to_owned());
                        for g in c["ranges"].as_array().into_iter().flatten() {
                            got.entry(key.clone()).or_default().push((g["start_line"].as_u64().unwrap_or(0), g["end_line"].as_u64().unwrap_or(0)));
                        }
                    }
                }
            }
            prop_assert_eq!(got, model);
        }

        /// Whatever the text, the output is bounded and valid JSON lines.
        #[test]
        fn any_text_gives_bounded_json(body in "([a-z/\" ]{0,8}\n|  [0-9a-f_h]{1,16} [0-9,\\-]{1,24}\n){0,40}") {
            let log = format!("{body}---\n{{\"schema_version\":\"{SCHEMA}\"}}");
            let mut lines = 0u64;
            let mut ranges = 0usize;
            for line in to_trace(&log, "c").lines() {
                let r: Value = serde_json::from_str(line).expect("JSON line");
                for f in r["files"].as_array().into_iter().flatten() {
                    for c in f["conversations"].as_array().into_iter().flatten() {
                        for g in c["ranges"].as_array().into_iter().flatten() {
                            let (s, e) = (g["start_line"].as_u64().unwrap_or(0), g["end_line"].as_u64().unwrap_or(0));
                            prop_assert!(s >= 1 && e >= s);
                            lines += e - s + 1;
                            ranges += 1;
                        }
                    }
                }
            }
            prop_assert!(ranges <= MAX_RANGES);
            prop_assert!(lines <= MAX_LINES as u64);
        }
    }

    const LOG: &str = "src/main.rs\n  abcd1234abcd1234 1-3,7\n  h_0123456789abcd 4\n\"src/my file.rs\"\n  s_0123456789abcd::t_fedcba98765432 2-2\n---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"7734793b\",\"prompts\":{\"abcd1234abcd1234\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"x\",\"model\":\"claude-4.5-opus\"},\"messages\":[{\"type\":\"user\",\"text\":\"secret prompt\"}]}},\"sessions\":{\"s_0123456789abcd\":{\"agent_id\":{\"tool\":\"claude\",\"id\":\"y\",\"model\":\"opus\"}}}}\n";

    #[test]
    fn a_log_becomes_one_record_per_tool_without_prompts() {
        let out = to_trace(LOG, "c0ffee");
        assert!(!out.contains("secret prompt"));
        let records: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["tool"]["name"], "claude");
        assert_eq!(records[0]["files"][0]["path"], "src/my file.rs");
        assert_eq!(records[1]["tool"]["name"], "cursor");
        let c = &records[1]["files"][0]["conversations"][0];
        assert_eq!(c["contributor"]["model_id"], "claude-4.5-opus");
        assert_eq!(
            c["ranges"],
            json!([{"start_line": 1, "end_line": 3}, {"start_line": 7, "end_line": 7}])
        );
    }

    #[test]
    fn junk_and_hostile_logs_give_nothing_or_bounded_ranges() {
        assert_eq!(to_trace("not a log", "c"), "");
        assert_eq!(
            to_trace("a.rs\n  k 1\n---\n{\"schema_version\":\"x\"}", "c"),
            ""
        );
        assert_eq!(to_trace("a.rs\n  k 1\n---\n{broken", "c"), "");
        let huge = "a.rs\n  k 1-18446744073709551615,0,5-3,2\n---\n{\"schema_version\":\"authorship/3.0.0\"}";
        // A malformed range list is skipped whole; absurd ranges never expand.
        assert_eq!(to_trace(huge, "c"), "");
        let big = "a.rs\n  k 1-999999999\n  k 5\n---\n{\"schema_version\":\"authorship/3.0.0\"}";
        let out: Value = serde_json::from_str(to_trace(big, "c").trim()).expect("JSON");
        assert_eq!(out["tool"]["name"], "git-ai");
        assert_eq!(
            out["files"][0]["conversations"][0]["ranges"],
            json!([{"start_line": 5, "end_line": 5}])
        );
        assert_eq!(
            to_trace(
                "../x\n  k 1\n---\n{\"schema_version\":\"authorship/3.0.0\"}",
                "c"
            ),
            ""
        );
    }
}
