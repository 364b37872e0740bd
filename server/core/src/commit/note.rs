//! The per-commit note: one Agent Trace 0.1.0 record, on one line of JSON.
//!
//! The standard part lists, per file, the AI and mixed lines of the commit's
//! version of the file grouped by contributor; Vouch's own facts (tool, kind,
//! review attestations) sit under `metadata.vouch`. A note may hold several
//! records, one per line (two clones' notes for one commit merged with
//! `cat_sort_uniq`); readers merge them, the newest record first.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::compact;
use super::lines::{CommitLines, FileLines, LineAttr, Reviewer, UNKNOWN_REVIEWER};
use super::ranges::RangeMap;
use crate::ledger::{LineOrigin, format_millis, now_millis};
use crate::untrusted::{check_name, model_or_none, tool_or_unknown};

pub(crate) const TRACE_VERSION: &str = "0.1.0";

/// A parsed note.
#[derive(Clone, Debug, Default)]
pub struct Note {
    pub(crate) lines: CommitLines,
    /// The records as found (raw JSON text), newest first.
    pub(crate) records: Vec<String>,
    /// For a note of one record: whether that record is already in
    /// serde_json's compact form, when the reader checked (off the thread
    /// that writes it out).
    pub(crate) compact: Option<bool>,
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
    /// See `LineAttr::chars` (absent in notes written before `ignore_below`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chars: Option<usize>,
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

/// The Agent Trace record for `commit` holding `lines`.
pub(crate) fn record(commit: &str, lines: &CommitLines) -> Value {
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
                chars: a.chars,
            })
        }) {
            vouch_lines.push(LineRun {
                path: path.clone(),
                start_line: start,
                end_line: end,
                attr,
            });
        }
        // One attestation per reviewer (and time): every reviewer of a line
        // is kept, so a line reviewed by two people has two attestations.
        let mut by_review: BTreeMap<(String, i64), Vec<Value>> = BTreeMap::new();
        let mut reviewers: Vec<(String, i64)> = file
            .values()
            .flat_map(|a| a.reviews.iter().map(|r| (r.by.clone(), r.at.unwrap_or(0))))
            .collect();
        reviewers.sort();
        reviewers.dedup();
        for who in reviewers {
            for ((), start, end) in runs(file, |a| {
                a.reviews
                    .iter()
                    .any(|r| r.by == who.0 && r.at.unwrap_or(0) == who.1)
                    .then_some(())
            }) {
                by_review
                    .entry(who.clone())
                    .or_default()
                    .push(json!({"start_line": start, "end_line": end}));
            }
        }
        for ((by, at), ranges) in by_review {
            attestations.push(json!({
                "path": path, "ranges": ranges, "reviewer": by, "time": format_millis(at),
            }));
        }
    }
    json!({
        "version": TRACE_VERSION,
        "id": uuid::Uuid::new_v4().to_string(),
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

/// A note as read: each file's lines as ranges (the newest record first
/// describes a line), not yet bounded by the files themselves.
#[derive(Clone, Debug, Default)]
pub(crate) struct ParsedNote {
    files: BTreeMap<String, RangeMap<LineAttr>>,
    /// The records as found (raw JSON text), newest first.
    pub(crate) records: Vec<String>,
    /// See [`Note::compact`].
    pub(crate) compact: Option<bool>,
}

impl ParsedNote {
    /// What the note says about 1-based `line` of `path`, looked up in its
    /// ranges (no per-line expansion: for a few lines of many notes).
    pub(crate) fn get(&self, path: &str, line: usize) -> Option<LineAttr> {
        self.files.get(path)?.get(line).cloned()
    }

    /// The paths the note describes.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The note's records alone, its lines left out (for a reader of the
    /// records only, which need not bound them).
    pub(crate) fn without_lines(self) -> Note {
        Note {
            lines: CommitLines::new(),
            records: self.records,
            compact: self.compact,
        }
    }

    /// The note's lines within each file's real line count in the commit:
    /// `counts` has the count of each of its files, in the order of
    /// [`ParsedNote::paths`], `None` where the commit has no such file (its
    /// lines are dropped). Lines beyond the count are dropped, so the work
    /// is bounded by the files, not by the numbers.
    pub(crate) fn bounded_by(self, counts: Vec<Option<usize>>) -> Note {
        debug_assert_eq!(counts.len(), self.files.len(), "a count per file");
        let mut lines = CommitLines::new();
        for ((path, ranges), count) in self.files.into_iter().zip(counts) {
            let Some(count) = count else {
                continue;
            };
            let file = expand(ranges, count);
            if !file.is_empty() {
                lines.insert(path, file);
            }
        }
        Note {
            lines,
            records: self.records,
            compact: self.compact,
        }
    }

    /// The note's lines of one file, whose version in the commit has
    /// `count` lines (see [`ParsedNote::bounded_by`]).
    pub(crate) fn file_lines(&self, path: &str, count: usize) -> FileLines {
        self.files
            .get(path)
            .map(|ranges| expand(ranges.clone(), count))
            .unwrap_or_default()
    }
}

/// `ranges` within `count` lines, one entry per line.
fn expand(mut ranges: RangeMap<LineAttr>, count: usize) -> FileLines {
    ranges.truncate(count);
    ranges
        .iter()
        .flat_map(|(s, e, attr)| (s..=e).map(move |l| (l, attr.clone())))
        .collect()
}

/// Parses a note's text: one or more JSON records (one per line, or
/// concatenated). Unparseable records are skipped.
pub(crate) fn parse(text: &str) -> ParsedNote {
    parse_where(text, |_| true)
}

/// [`parse`], reading the lines only when `lines(records)` says so (the
/// records are read and checked either way): an export that writes a
/// record as it is needs no ranges built.
pub(crate) fn parse_where(text: &str, lines: impl Fn(&[String]) -> bool) -> ParsedNote {
    let (records, parsed, compact) = match records_compact(text, &lines) {
        // What Vouch writes, whose lines are not wanted: only checked.
        Some(Compact::Checked(raw)) => {
            return ParsedNote {
                files: BTreeMap::new(),
                records: vec![raw],
                compact: Some(true),
            };
        }
        Some(Compact::Read(raw, record)) => (vec![raw], vec![record], Some(true)),
        None => {
            let mut parsed: Vec<(String, RecordIn)> = match records_at_once(text) {
                Some(records) => records
                    .into_iter()
                    .map(|(raw, r)| (raw.to_owned(), r))
                    .collect(),
                None => records_carefully(text)
                    .into_iter()
                    .map(|(raw, r)| (raw.to_owned(), r))
                    .collect(),
            };
            parsed.sort_by(|a, b| b.1.timestamp.cmp(&a.1.timestamp));
            let (records, parsed): (Vec<String>, Vec<RecordIn>) = parsed.into_iter().unzip();
            (records, parsed, None)
        }
    };
    if !lines(&records) {
        // Written back as it is when it is one record in compact form:
        // known here, off the thread that writes it.
        let compact = match records.as_slice() {
            [one] => compact.or_else(|| Some(compact::is_canonical(one))),
            _ => compact,
        };
        return ParsedNote {
            files: BTreeMap::new(),
            records,
            compact,
        };
    }
    let mut files: BTreeMap<String, RangeMap<LineAttr>> = BTreeMap::new();
    for r in &parsed {
        for (path, ranges) in ranges_of(r) {
            let into = files.entry(path).or_default();
            for (s, e, attr) in ranges.iter() {
                into.fill(s, e, attr);
            }
        }
    }
    files.retain(|_, r| !r.is_empty());
    ParsedNote {
        files,
        records,
        compact,
    }
}

/// Each record of `text` with its text, read in one pass, when `text` is
/// nothing but records (what Vouch writes); `None` at the first value that
/// is not one, or junk: then [`record_texts`] finds the values and each is
/// parsed on its own, which gives the same records here.
fn records_at_once(text: &str) -> Option<Vec<(&str, RecordIn<'_>)>> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<RecordIn>();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(record) = stream.next() {
        let record = record.ok()?;
        let end = stream.byte_offset();
        out.push((text.get(from..end)?.trim(), record));
        from = end;
    }
    Some(out)
}

/// The one record `text` holds (its text, and the record unless only
/// checked) when that record is in serde_json's compact form, as Vouch
/// writes it, read by [`compact::from_compact`] in one pass; `None` for
/// any other note, which [`records_at_once`] or [`records_carefully`]
/// reads. Where it answers, they give the same record (a property test
/// holds it to them). `lines(&[text])` says whether the record's lines
/// are wanted; a record that needs none is only checked, nothing built.
fn records_compact<'t>(text: &'t str, lines: impl Fn(&[String]) -> bool) -> Option<Compact<'t>> {
    let raw = json_trim(text);
    // Cheap refusals first: what is not one object, and several records.
    if !raw.starts_with('{') || !raw.ends_with('}') {
        return None;
    }
    let mut one = vec![raw.to_owned()];
    if !lines(&one) {
        compact::from_compact::<RecordIn<'_, false>>(raw)?;
        return Some(Compact::Checked(one.pop()?));
    }
    Some(Compact::Read(one.pop()?, compact::from_compact(raw)?))
}

/// See [`records_compact`]: the record's text, and the record unless only
/// checked.
enum Compact<'t> {
    Checked(String),
    Read(String, RecordIn<'t>),
}

/// `text` without JSON's white space around it.
fn json_trim(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// Each JSON value of `text` ([`record_texts`]) that is a record, with its
/// text.
fn records_carefully(text: &str) -> Vec<(&str, RecordIn<'_>)> {
    record_texts(text)
        .into_iter()
        .filter_map(|raw| Some((raw, serde_json::from_str::<RecordIn>(raw).ok()?)))
        .collect()
}

/// The text of each JSON value in `text`, found cheaply (no tree built); on
/// junk, skips to the next line.
fn record_texts(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    'outer: while start < text.len() {
        let rest = &text[start..];
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<IgnoredAny>();
        let mut from = 0;
        loop {
            match stream.next() {
                Some(Ok(_)) => {
                    let end = stream.byte_offset();
                    out.push(rest[from..end].trim());
                    from = end;
                }
                Some(Err(_)) => match rest[from..].find('\n') {
                    Some(nl) => {
                        start += from + nl + 1;
                        continue 'outer;
                    }
                    None => break 'outer,
                },
                None => break 'outer,
            }
        }
    }
    out
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct RecordIn<'a, const KEEP: bool = true> {
    #[serde(default, borrow)]
    timestamp: Text<'a>,
    /// The producing tool (another tool's record names itself here).
    #[serde(default, borrow)]
    tool: Option<ToolIn<'a>>,
    #[serde(default, borrow)]
    files: List<FileIn<'a, KEEP>, KEEP>,
    #[serde(default, borrow)]
    metadata: Option<MetaIn<'a, KEEP>>,
}

/// A string of a note, borrowed from the note's text unless it holds an
/// escape: most of a note is short strings, and copying each one was
/// most of the time spent reading notes.
#[derive(Default, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(test, derive(Debug))]
struct Text<'a>(std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visit)
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A list of a note's record: its items kept (`KEEP`), or only read and
/// checked, as for a record written back as it is, which needs nothing
/// built.
#[cfg_attr(test, derive(Debug, PartialEq))]
struct List<T, const KEEP: bool>(Vec<T>);

impl<T, const KEEP: bool> Default for List<T, KEEP> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const KEEP: bool> Deserialize<'de> for List<T, KEEP> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T, const KEEP: bool>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const KEEP: bool> serde::de::Visitor<'de> for Visit<T, KEEP> {
            type Value = List<T, KEEP>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<T>()? {
                    if KEEP {
                        items.push(item);
                    }
                }
                Ok(List(items))
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

impl<'l, T, const KEEP: bool> IntoIterator for &'l List<T, KEEP> {
    type Item = &'l T;
    type IntoIter = std::slice::Iter<'l, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct ToolIn<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct FileIn<'a, const KEEP: bool = true> {
    #[serde(default, borrow)]
    path: Text<'a>,
    #[serde(default, borrow)]
    conversations: List<ConversationIn<'a, KEEP>, KEEP>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct ConversationIn<'a, const KEEP: bool = true> {
    #[serde(default, borrow)]
    contributor: Option<ContributorIn<'a>>,
    #[serde(default)]
    ranges: List<RangeIn, KEEP>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct ContributorIn<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Text<'a>,
    #[serde(default, borrow)]
    model_id: Option<Text<'a>>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct RangeIn {
    #[serde(default)]
    start_line: u64,
    #[serde(default)]
    end_line: u64,
}

impl RangeIn {
    /// The range as line numbers, `None` when it is not one. Never expanded:
    /// see [`RangeMap`].
    fn lines(self) -> Option<(usize, usize)> {
        let s = usize::try_from(self.start_line).ok()?;
        let e = usize::try_from(self.end_line).ok()?;
        (s >= 1 && e >= s).then_some((s, e))
    }
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct MetaIn<'a, const KEEP: bool = true> {
    #[serde(default, borrow)]
    vouch: Option<VouchIn<'a, KEEP>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct VouchIn<'a, const KEEP: bool = true> {
    #[serde(default, borrow)]
    lines: List<LineRunIn<'a>, KEEP>,
    #[serde(default, borrow)]
    attestations: List<AttestationIn<'a, KEEP>, KEEP>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct LineRunIn<'a> {
    #[serde(borrow)]
    path: Text<'a>,
    // Fields of their own, not a flattened struct: for a flattened struct
    // serde first copies the whole map of every run into a temporary tree.
    start_line: u64,
    end_line: u64,
    origin: LineOrigin,
    #[serde(borrow)]
    tool: Text<'a>,
    #[serde(default, borrow)]
    model: Option<Text<'a>>,
    #[serde(default, borrow)]
    kind: Option<Text<'a>>,
    #[serde(default)]
    reviewed: bool,
    #[serde(default)]
    chars: Option<usize>,
}

/// A line a note says is reviewed, before an attestation names who.
fn unknown_review(reviewed: bool) -> Vec<Reviewer> {
    if reviewed {
        vec![Reviewer {
            by: UNKNOWN_REVIEWER.to_owned(),
            at: None,
        }]
    } else {
        Vec::new()
    }
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct AttestationIn<'a, const KEEP: bool = true> {
    #[serde(borrow)]
    path: Text<'a>,
    #[serde(default)]
    ranges: List<RangeIn, KEEP>,
    #[serde(borrow)]
    reviewer: Text<'a>,
    #[serde(default, borrow)]
    time: Option<Text<'a>>,
}

/// The lines one record describes, as ranges: Vouch's metadata when
/// present, else the standard `files` part (any Agent Trace producer).
fn ranges_of(record: &RecordIn) -> BTreeMap<String, RangeMap<LineAttr>> {
    let mut out: BTreeMap<String, RangeMap<LineAttr>> = BTreeMap::new();
    if let Some(vouch) = record.metadata.as_ref().and_then(|m| m.vouch.as_ref()) {
        for run in &vouch.lines {
            let range = RangeIn {
                start_line: run.start_line,
                end_line: run.end_line,
            };
            let Some((s, e)) = range.lines() else {
                continue;
            };
            let attr = LineAttr {
                origin: run.origin,
                tool: tool_or_unknown(run.tool.to_string()),
                model: model_or_none(run.model.as_deref().map(str::to_owned)),
                kind: run
                    .kind
                    .as_deref()
                    .filter(|k| check_name(k).is_ok())
                    .map(str::to_owned),
                // Named by an attestation below; "unknown" if none names it.
                reviews: unknown_review(run.reviewed),
                chars: run.chars,
            };
            out.entry(run.path.to_string()).or_default().set(s, e, attr);
        }
        for a in &vouch.attestations {
            let at = a.time.as_deref().and_then(parse_time);
            let Some(file) = out.get_mut(&*a.path) else {
                continue;
            };
            for r in &a.ranges {
                if let Some((s, e)) = r.lines() {
                    file.update(s, e, |attr| attr.add_review(&a.reviewer, at));
                }
            }
        }
        return out;
    }
    for f in &record.files {
        for c in &f.conversations {
            let Some(contributor) = &c.contributor else {
                continue;
            };
            let origin = match &*contributor.kind {
                "ai" => LineOrigin::Ai,
                "mixed" => LineOrigin::Mixed,
                _ => continue,
            };
            let tool = record
                .tool
                .as_ref()
                .and_then(|t| t.name.as_deref())
                .filter(|n| !n.trim().is_empty() && *n != "vouch")
                .unwrap_or("unknown");
            let attr = LineAttr {
                origin,
                tool: tool_or_unknown(tool.to_owned()),
                model: model_or_none(contributor.model_id.as_deref().map(str::to_owned)),
                kind: None,
                reviews: Vec::new(),
                chars: None,
            };
            let file = out.entry(f.path.to_string()).or_default();
            for r in &c.ranges {
                if let Some((s, e)) = r.lines() {
                    file.set(s, e, attr.clone());
                }
            }
        }
    }
    out
}

fn parse_time(s: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339_weak(s).ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_millis()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `note` as bounded by files of `lines` lines each.
    fn within(note: ParsedNote, lines: usize) -> Note {
        let files = note.paths().count();
        note.bounded_by(vec![Some(lines); files])
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(400))]

        /// Notes read in one pass give exactly the records the careful
        /// reading gives, whenever the one pass gives any answer; and it
        /// answers for every note made only of records.
        #[test]
        fn records_read_at_once_are_those_read_carefully(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                r#"{"version":"0.1.0","timestamp":"2026-01-02T00:00:00Z","files":[]}"#,
                r#"{"timestamp":"2026-01-01T00:00:00Z","tool":{"name":"x"}}"#,
                r#"{"timestamp":5}"#,
                r#"{"timestamp":"a","timestamp":"b"}"#,
                "123",
                "[1,2]",
                "junk here",
                "{\"unclosed\": ",
                "\n",
                "  ",
            ]), 0..6),
        ) {
            let text = pieces.join("\n");
            let careful: Vec<&str> = records_carefully(&text).into_iter().map(|(raw, _)| raw).collect();
            if let Some(at_once) = records_at_once(&text) {
                let at_once: Vec<&str> = at_once.into_iter().map(|(raw, _)| raw).collect();
                proptest::prop_assert_eq!(at_once, careful);
            }
            let only_records = pieces.iter().all(|p| p.starts_with("{\"version") || p.starts_with("{\"timestamp\":\"2") || p.trim().is_empty());
            if only_records {
                proptest::prop_assert!(records_at_once(&text).is_some(), "{:?}", text);
            }
        }
    }

    /// Replaces the `at`-th node of `v` (in preorder) with `with`; `false`
    /// when `v` has fewer nodes.
    fn replace_node(v: &mut Value, at: &mut usize, with: &Value) -> bool {
        if *at == 0 {
            *v = with.clone();
            return true;
        }
        *at -= 1;
        match v {
            Value::Array(items) => items.iter_mut().any(|x| replace_node(x, at, with)),
            Value::Object(map) => map.values_mut().any(|x| replace_node(x, at, with)),
            _ => false,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(600))]

        /// Against the model (serde_json, as notes were read before the
        /// one-pass reader): a record Vouch writes, with one part of it
        /// replaced by a value of another type or content, an unknown field
        /// added, white space around it or a second record after it, is
        /// read in one pass exactly as serde_json reads it whenever the one
        /// pass answers, and gives the same records either way; it answers
        /// for every such record in compact form that serde_json reads and
        /// that holds no escape.
        #[test]
        fn records_read_in_one_pass_are_serde_jsons(
            runs in proptest::collection::vec(
                (0usize..3, 1usize..6, 0usize..3, proptest::option::of("[a-z\\\" ]{1,5}"), proptest::bool::ANY),
                0..6,
            ),
            at in proptest::option::of(0usize..200),
            unknown in proptest::bool::ANY,
            around in 0usize..3,
            with in proptest::sample::select(vec![
                json!(null), json!(true), json!(0), json!(-1), json!(7), json!(18446744073709551615u64),
                json!(""), json!("ai"), json!("mixed"), json!("human"), json!("a\"b"), json!("x\ny"),
                json!([]), json!([1, 2]), json!({}), json!({"name": "n"}), json!({"start_line": 3}),
                json!([{"path": "p", "start_line": 1, "end_line": 2, "origin": "ai", "tool": "t"}]),
            ]),
        ) {
            let mut lines = CommitLines::new();
            for (file, line, origin, model, reviewed) in runs {
                let mut a = attr(model.as_deref(), reviewed.then_some("R <r@x>"));
                a.origin = [LineOrigin::Ai, LineOrigin::Mixed, LineOrigin::Ai][origin];
                lines.entry(format!("src/{file}.rs")).or_default().insert(line, a);
            }
            let mut v = record("0", &lines);
            if let Some(mut at) = at {
                replace_node(&mut v, &mut at, &with);
            }
            if unknown && let Some(map) = v.as_object_mut() {
                map.insert("x".into(), json!(["p", {"q": [1]}]));
            }
            let one = v.to_string();
            let t = match around {
                0 => one.clone(),
                1 => format!(" \n{one}\t\n"),
                // Two records: never the one-pass reader's.
                _ => format!("{one}\n{}", record("1", &CommitLines::new())),
            };
            let fast = records_compact(&t, |_| true);
            proptest::prop_assert_eq!(read_as_the_model(&t), Ok(()));
            // It answers for every such record (escapes and the second
            // record aside) that is an object, as Vouch writes them:
            // serde_json also reads a record from an array of its fields
            // (`[]` when every field has a default), a form left to it.
            let plain = around < 2
                && one.starts_with('{')
                && serde_json::from_str::<RecordIn>(&one).is_ok()
                && !one.contains('\\')
                && compact::is_canonical(&one);
            if plain {
                proptest::prop_assert!(fast.is_some(), "{}", t);
            }
        }
    }

    /// Checks `text` is read as the model reads it (serde_json, as notes
    /// were read before the one-pass reader): whichever way a note is
    /// read, its records are the model's; where the one-pass reader
    /// answers (reading or only checking), the model finds that one record
    /// and the same values, and it is in compact form; a note said to be
    /// in compact form is.
    fn read_as_the_model(text: &str) -> Result<(), String> {
        let mut model: Vec<(&str, RecordIn)> =
            records_at_once(text).unwrap_or_else(|| records_carefully(text));
        model.sort_by(|a, b| b.1.timestamp.cmp(&a.1.timestamp));
        let fail = |what: &str| Err(format!("{what}: {text:?}"));
        let fast = records_compact(text, |_| true);
        if let Some(Compact::Read(raw, record)) = &fast {
            if !compact::is_canonical(raw) || model.len() != 1 {
                return fail("read in one pass, not one compact record");
            }
            if model[0].0 != raw.as_str() || model[0].1 != *record {
                return fail("read in one pass otherwise");
            }
        }
        if records_compact(text, |_| false).is_some() != fast.is_some() {
            return fail("checked and read differ");
        }
        let model: Vec<&str> = model.iter().map(|(raw, _)| *raw).collect();
        for note in [parse_where(text, |_| false), parse(text)] {
            if note.records != model {
                return fail("other records");
            }
            if note.compact == Some(true) && !compact::is_canonical(&note.records[0]) {
                return fail("said to be compact");
            }
        }
        Ok(())
    }

    fn attr(model: Option<&str>, reviewer: Option<&str>) -> LineAttr {
        LineAttr {
            origin: LineOrigin::Ai,
            tool: "copilot".into(),
            model: model.map(Into::into),
            kind: Some("manual".into()),
            reviews: reviewer
                .map(|by| Reviewer {
                    by: by.into(),
                    at: Some(1_700_000_000_000),
                })
                .into_iter()
                .collect(),
            chars: None,
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
        let back = within(parse(&text), 100);
        assert_eq!(back.lines, lines);
    }

    /// Every reviewer of a line is written (one attestation each) and read
    /// back, by `bounded` and by `get` alike.
    #[test]
    fn every_reviewer_round_trips() {
        let mut two = attr(Some("m"), Some("Grace <g@x>"));
        two.add_review("Ada <a@x>", Some(1_700_000_000_500));
        let mut lines = CommitLines::new();
        let f = lines.entry("k.rs".into()).or_default();
        f.insert(1, two.clone());
        f.insert(2, two.clone());
        f.insert(3, attr(Some("m"), Some("Ada <a@x>")));
        let text = serde_json::to_string(&record("c", &lines)).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["metadata"]["vouch"]["attestations"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        let back = within(parse(&text), 100);
        assert_eq!(back.lines, lines);
        let idx = parse(&text);
        for line in 1..=3 {
            assert_eq!(
                idx.get("k.rs", line),
                lines["k.rs"].get(&line).cloned(),
                "line {line}"
            );
        }
        // A note from before reviews accumulated: one attestation per line.
        let old = r#"{"version":"0.1.0","timestamp":"2026-01-01T00:00:00Z","files":[],"metadata":{"vouch":{"lines":[{"path":"k.rs","start_line":1,"end_line":1,"origin":"ai","tool":"t","reviewed":true}],"attestations":[{"path":"k.rs","ranges":[{"start_line":1,"end_line":1}],"reviewer":"Grace <g@x>","time":"2026-01-01T00:00:00Z"}]}}}"#;
        let back = within(parse(old), 100);
        let who: Vec<&str> = back.lines["k.rs"][&1]
            .reviews
            .iter()
            .map(|r| r.by.as_str())
            .collect();
        assert_eq!(who, ["Grace <g@x>"]);
    }

    #[test]
    fn lookups_match_bounded_lines() {
        let mut lines = CommitLines::new();
        let f = lines.entry("a".into()).or_default();
        f.insert(2, attr(Some("m"), None));
        f.insert(3, attr(Some("m"), Some("R <r@x>")));
        f.insert(9, attr(None, None));
        let text = serde_json::to_string(&record("c", &lines)).unwrap();
        let idx = parse(&text);
        for line in 0..12 {
            assert_eq!(
                idx.get("a", line),
                lines["a"].get(&line).cloned(),
                "line {line}"
            );
        }
        assert_eq!(idx.get("b", 2), None);
    }

    #[test]
    fn junk_between_records_is_skipped() {
        let mut lines = CommitLines::new();
        lines
            .entry("a".into())
            .or_default()
            .insert(3, attr(Some("m"), None));
        let ours = serde_json::to_string(&record("c", &lines)).unwrap();
        let note = within(parse(&format!("not json\n{ours}\n{{\"broken\": \n")), 100);
        assert_eq!(note.records.len(), 1);
        assert_eq!(note.lines, lines);
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
        let note = within(parse(&format!("{foreign}\n{ours}\n")), 100);
        let a = &note.lines["a"];
        assert_eq!(a.len(), 2);
        assert_eq!(a[&1].model.as_deref(), Some("m"));
        // The newer record (ours) wins on line 2.
        assert_eq!(a[&2].reviewer(), Some("R <r@x>"));
    }

    proptest::proptest! {
        #![proptest_config(crate::fuzz::config(128))]

        /// Arbitrary and mutated notes (of two records, and of the one
        /// record Vouch writes, read in one pass): parsing and indexing
        /// never panic, the lines kept are within the files' line counts
        /// whatever the numbers say, and every way of reading a note gives
        /// the model's records (`read_as_the_model`).
        #[test]
        fn fuzz_note_parsing_is_bounded(
            bytes in crate::fuzz::bytes(vec![seed_note().into_bytes(), seed_record().into_bytes()], 4096)
        ) {
            let text = String::from_utf8_lossy(&bytes);
            proptest::prop_assert_eq!(read_as_the_model(&text), Ok(()));
            let parsed = parse(&text);
            let _ = parsed.get("a", usize::MAX);
            let note = within(parsed, 40);
            for file in note.lines.values() {
                proptest::prop_assert!(file.keys().all(|&l| (1..=40).contains(&l)));
            }
        }
    }

    fn seed_record() -> String {
        let mut lines = CommitLines::new();
        let f = lines.entry("a\"b".into()).or_default();
        f.insert(2, attr(Some("m"), None));
        f.insert(4, attr(None, Some("R <r@x>")));
        serde_json::to_string(&record("c", &lines)).unwrap_or_default()
    }

    fn seed_note() -> String {
        let mut lines = CommitLines::new();
        let f = lines.entry("a".into()).or_default();
        f.insert(2, attr(Some("m"), None));
        f.insert(3, attr(Some("m"), Some("R <r@x>")));
        let ours = serde_json::to_string(&record("c", &lines)).unwrap_or_default();
        let foreign = r#"{"version":"0.1","timestamp":"2026-01-01T00:00:00Z","files":[{"path":"a","conversations":[{"contributor":{"type":"ai","model_id":"m"},"ranges":[{"start_line":1,"end_line":18446744073709551615}]}]}]}"#;
        format!("{ours}\n{foreign}\n")
    }
}
