//! Reading notes back for a range of commits: Agent Trace records, SARIF
//! 2.1.0 for code-scanning uploads, or plain JSON.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::CommitError;
use super::lines::{FileLines, LineAttr};
use super::note::{self, Note, ParsedNote};
use super::notes::Notes;
use super::policy::{Policy, Verdict};
use crate::git::Git;
use crate::ledger::{LineOrigin, format_millis};

/// A commit of the range, oldest first.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub sha: String,
    /// `Name <email>`.
    pub(crate) author: String,
    pub(crate) message: String,
}

impl CommitInfo {
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }

    pub(crate) fn short(&self) -> &str {
        &self.sha[..self.sha.len().min(12)]
    }
}

/// The commits of `range` (default `HEAD`), oldest first; none on an unborn branch.
pub fn commits(git: &Git, range: Option<&str>) -> Result<Vec<CommitInfo>, CommitError> {
    let range = range.unwrap_or("HEAD");
    if range.starts_with('-') {
        return Err(CommitError::Other(format!(
            "`{range}` is not a revision range"
        )));
    }
    if range == "HEAD" && git.commit_id("HEAD")?.is_none() {
        return Ok(Vec::new());
    }
    let out = git.run(&[
        "log",
        // User configuration must not change what is parsed: no signatures
        // (log.showSignature), no notes, no decorations, UTF-8 messages.
        "--no-show-signature",
        "--no-notes",
        "--no-decorate",
        "--encoding=UTF-8",
        "--no-color",
        "--reverse",
        "--format=%H%x1f%an <%ae>%x1f%B%x1e",
        "--end-of-options",
        range,
        "--",
    ])?;
    let text = String::from_utf8_lossy(&out);
    Ok(text
        .split('\x1e')
        .filter_map(|rec| {
            let mut parts = rec.trim_start_matches('\n').splitn(3, '\x1f');
            let sha = parts.next()?.trim().to_owned();
            if sha.len() < 40 {
                return None;
            }
            Some(CommitInfo {
                sha,
                author: parts.next()?.to_owned(),
                message: parts.next().unwrap_or("").to_owned(),
            })
        })
        .collect())
}

/// Notes parsed and held at once by [`each_note`] (their files' line counts
/// are read together).
const NOTE_BATCH: usize = 256;

/// Calls `f` with each commit of `commits`, in order, and its note (if it
/// has one), bounded by the commit's files. Notes are streamed through one
/// `git cat-file --batch` and dropped after use, so memory stays flat
/// however many notes the range holds.
pub fn each_note(
    git: &Git,
    commits: &[CommitInfo],
    f: impl FnMut(&CommitInfo, Option<Note>) -> Result<(), CommitError>,
) -> Result<(), CommitError> {
    each_note_where(git, commits, |_| true, f)
}

/// [`each_note`] for the Agent Trace export: a note of one record comes
/// with that record and no lines ([`agent_trace_line`] writes it as it is),
/// so nothing is read to bound it.
pub fn each_trace_note(
    git: &Git,
    commits: &[CommitInfo],
    f: impl FnMut(&CommitInfo, Option<Note>) -> Result<(), CommitError>,
) -> Result<(), CommitError> {
    each_note_where(git, commits, |records| records.len() != 1, f)
}

/// [`each_note`] for a caller that reads the lines of only some notes:
/// `lines(note)` says which; the others come with their records and no
/// lines, and nothing is read to bound them.
///
/// Notes are parsed on a second thread while this one reads the next
/// ones and hands the parsed ones, in order, to `f`: parsing is most of
/// the work. At most [`PARSE_AHEAD`] notes wait to be parsed, and this
/// thread takes every parsed note before it reads another, so memory
/// stays flat.
pub(crate) fn each_note_where(
    git: &Git,
    commits: &[CommitInfo],
    lines: impl Fn(&[String]) -> bool + Sync,
    mut f: impl FnMut(&CommitInfo, Option<Note>) -> Result<(), CommitError>,
) -> Result<(), CommitError> {
    use std::sync::mpsc;
    let notes = Notes::new(git)?;
    let shas: Vec<String> = commits.iter().map(|c| c.sha.clone()).collect();
    // Parsed notes waiting for their line counts: (index, note); notes that
    // need none wait only for those before them.
    let mut waiting: Vec<(usize, ParsedNote)> = Vec::new();
    let mut ready: HashMap<usize, Note> = HashMap::new();
    let mut done = 0;
    let mut flush =
        |waiting: &mut Vec<(usize, ParsedNote)>, ready: &mut HashMap<usize, Note>, upto: usize| {
            let at: Vec<usize> = waiting.iter().map(|(i, _)| *i).collect();
            let bound = notes.bound(
                waiting
                    .drain(..)
                    .map(|(i, n)| (commits[i].sha.clone(), n))
                    .collect(),
            )?;
            // `bound` keeps the order it was given.
            ready.extend(at.into_iter().zip(bound.into_iter().map(|(_, n)| n)));
            while done < upto {
                f(&commits[done], ready.remove(&done))?;
                done += 1;
            }
            Ok::<_, CommitError>(())
        };
    // A parsed note (of commit `i`), in order.
    let mut take = |i: usize, n: ParsedNote| {
        // A commit without a record (no note) has no lines to bound.
        if !n.records.is_empty() && lines(&n.records) {
            if waiting.len() == NOTE_BATCH {
                flush(&mut waiting, &mut ready, i)?;
            }
            waiting.push((i, n));
        } else {
            ready.insert(i, n.without_lines());
            if waiting.is_empty() {
                flush(&mut waiting, &mut ready, i + 1)?;
            } else if ready.len() >= NOTE_BATCH {
                // Behind a note waiting for its line counts, the ready ones
                // pile up: bound them all at a batch.
                flush(&mut waiting, &mut ready, i + 1)?;
            }
        }
        Ok::<_, CommitError>(())
    };
    std::thread::scope(|s| {
        let (to_parse, texts) = mpsc::sync_channel::<(usize, String)>(PARSE_AHEAD);
        let (parsed_out, parsed) = mpsc::channel::<(usize, ParsedNote)>();
        let lines = &lines;
        let parser = std::thread::Builder::new()
            .name("vouch-notes".into())
            .spawn_scoped(s, move || {
                for (i, text) in texts {
                    if parsed_out
                        .send((i, note::parse_where(&text, lines)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        let Ok(parser) = parser else {
            // No thread: parsed here, one at a time.
            return notes.each_text(
                &shas,
                |_| true,
                |i, text| take(i, note::parse_where(&text.unwrap_or_default(), lines)),
            );
        };
        let read = notes.each_text(
            &shas,
            |_| true,
            |i, text| {
                while let Ok((j, n)) = parsed.try_recv() {
                    take(j, n)?;
                }
                let mut item = (i, text.unwrap_or_default());
                // A full queue: take a parsed note (one is on its way), then try again.
                loop {
                    match to_parse.try_send(item) {
                        Ok(()) => return Ok(()),
                        Err(mpsc::TrySendError::Full(back)) => item = back,
                        // The parser stopped (it panicked: joined below).
                        Err(mpsc::TrySendError::Disconnected(_)) => {
                            return Err(CommitError::Other("the note parser stopped".into()));
                        }
                    }
                    if let Ok((j, n)) = parsed.recv() {
                        take(j, n)?;
                    }
                }
            },
        );
        drop(to_parse);
        // The notes still being parsed (none is left behind on an error).
        let rest = parsed.into_iter().try_for_each(|(j, n)| {
            if read.is_ok() {
                take(j, n)?;
            }
            Ok::<_, CommitError>(())
        });
        parser
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        read.and(rest)
    })?;
    flush(&mut waiting, &mut ready, commits.len())
}

/// Notes read ahead of the one being parsed ([`each_note_where`]), at most.
const PARSE_AHEAD: usize = 64;

/// Runs of consecutive equal lines: `(start, end, attr)`.
/// (`chars`, the length of one-line pieces, may differ inside a run).
pub(crate) fn ranges(file: &FileLines) -> Vec<(usize, usize, &LineAttr)> {
    let mut out: Vec<(usize, usize, &LineAttr)> = Vec::new();
    let same = |a: &LineAttr, b: &LineAttr| {
        a.origin == b.origin
            && a.tool == b.tool
            && a.model == b.model
            && a.kind == b.kind
            && a.reviews == b.reviews
    };
    for (&line, attr) in file {
        match out.last_mut() {
            Some((_, end, a)) if *end + 1 == line && same(a, attr) => *end = line,
            _ => out.push((line, line, attr)),
        }
    }
    out
}

/// One commit's Agent Trace record, on one line (without the line break):
/// a single record as written (re-serialised compactly), several merged.
pub fn agent_trace_line(c: &CommitInfo, n: &Note) -> String {
    match n.records.as_slice() {
        // What Vouch writes is already in that form: no parse needed.
        [one] if compact::is_canonical(one) => one.clone(),
        [one] => serde_json::from_str::<Value>(one)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| one.replace('\n', " ")),
        _ => note::record(&c.sha, &n.lines).to_string(),
    }
}

/// One element of the plain JSON export: a commit with its AI line ranges.
pub fn json_item(c: &CommitInfo, n: &Note) -> Value {
    let files: Vec<Value> = n
        .lines
        .iter()
        .map(|(path, file)| {
            let ranges: Vec<Value> = ranges(file)
                .into_iter()
                .map(|(s, e, a)| {
                    json!({
                        "start_line": s, "end_line": e, "origin": a.origin,
                        "tool": a.tool, "model": a.model, "kind": a.kind,
                        "reviewed": a.reviewed(), "reviewer": a.reviewer(),
                        "reviewers": reviewers_json(a),
                        "reviewed_at": a.reviewed_at().map(format_millis),
                    })
                })
                .collect();
            json!({"path": path, "ranges": ranges})
        })
        .collect();
    json!({
        "commit": c.sha, "author": c.author, "subject": c.subject(), "files": files,
    })
}

/// `[{"by", "at"}]`: every reviewer of a range, `at` an RFC 3339 time or `null`.
fn reviewers_json(a: &LineAttr) -> Value {
    a.reviews
        .iter()
        .map(|r| json!({"by": r.by, "at": r.at.map(format_millis)}))
        .collect()
}

/// The SARIF 2.1.0 results of one commit's note: every AI range outside
/// `exempt` paths. What the policy blocks ([`Policy::what_blocks`]) is
/// `kind: fail` with the policy's severity as `level`; what it accepts
/// (reviewed as required, or needing no review) is `kind: pass`, `level:
/// none` (SARIF 2.1.0 §3.27.10: `level` is `none` whenever `kind` is not
/// `fail`) with an accepted external suppression saying why.
pub fn sarif_results(c: &CommitInfo, n: &Note, policy: &Policy) -> Vec<Value> {
    let level = policy.severity.as_str();
    let mut results = Vec::new();
    for (path, file) in &n.lines {
        if policy.is_exempt(path) {
            continue;
        }
        for j in policy.what_blocks(path, file, None, Some(&c.author)) {
            let (s, e, a) = (j.start_line, j.end_line, &j.attr);
            let what = match a.origin {
                LineOrigin::Mixed => "AI-written code edited by a person",
                _ => "AI-written code",
            };
            let text = match &j.verdict {
                Verdict::Blocked { reason, .. } => {
                    format!("{what} in commit {}: {reason}", c.short())
                }
                _ => format!("{what} ({}) in commit {}", a.label(), c.short()),
            };
            let mut r = json!({
                "ruleId": "vouch/ai-unreviewed",
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": path},
                    "region": {"startLine": s, "endLine": e},
                }}],
                "partialFingerprints": {"vouch/v1": format!("{}:{path}:{s}-{e}", c.sha)},
                "properties": {"commit": c.sha, "tool": a.tool, "model": a.model, "origin": a.origin},
            });
            let justification = match &j.verdict {
                Verdict::Blocked { .. } => None,
                Verdict::Reviewed => {
                    let by: Vec<String> = a
                        .reviews
                        .iter()
                        .map(|r| match r.at {
                            Some(at) => format!("{} {}", r.by, format_millis(at)),
                            None => r.by.clone(),
                        })
                        .collect();
                    Some(format!("reviewed by {}", by.join(", ")))
                }
                Verdict::NotRequired { why } => Some(why.clone()),
            };
            match justification {
                None => {
                    r["kind"] = json!("fail");
                    r["level"] = json!(level);
                }
                Some(justification) => {
                    r["kind"] = json!("pass");
                    r["level"] = json!("none");
                    r["suppressions"] = json!([{
                        "kind": "external",
                        "status": "accepted",
                        "justification": justification,
                    }]);
                }
            }
            results.push(r);
        }
    }
    results
}

/// The SARIF log around the results (`runs[0].results` empty).
pub fn sarif_log() -> Value {
    json!({
        "version": "2.1.0",
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "vouch",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": "vouch/ai-unreviewed",
                    "name": "UnreviewedAiCode",
                    "shortDescription": {"text": "AI-written code that no person has reviewed"},
                    "help": {"text": "Review the lines (`vouch review PATH:START-END` or the editor action)."},
                }],
            }},
            "results": [],
        }],
    })
}

/// Recognising JSON text that serde_json's compact writer would write back
/// unchanged, so [`agent_trace_line`] can skip the parse and re-serialisation
/// (most of an export's time) for the notes Vouch wrote.
mod compact {
    use std::collections::HashSet;
    use std::sync::LazyLock;

    /// Deeper nesting is left to serde_json (whose own limit is 128).
    const MAX_DEPTH: usize = 100;

    /// Whether `serde_json::Value` keeps object keys in their order (its
    /// `preserve_order` feature) rather than sorting them.
    static PRESERVES_ORDER: LazyLock<bool> = LazyLock::new(|| {
        serde_json::from_str::<serde_json::Value>(r#"{"b":0,"a":0}"#)
            .and_then(|v| serde_json::to_string(&v))
            .is_ok_and(|text| text == r#"{"b":0,"a":0}"#)
    });

    /// Whether `text` is exactly `serde_json::Value`'s compact form of the
    /// value it holds: no white space outside strings, object keys without
    /// escapes, none repeated, in strictly ascending byte order unless
    /// serde_json keeps their order, strings escaped as serde_json escapes them, integers that
    /// fit in 18 digits. Conservative: `false` only costs the round trip.
    /// Linear in the length of `text`.
    pub fn is_canonical(text: &str) -> bool {
        let mut i = 0;
        value(text.as_bytes(), &mut i, 0) && i == text.len()
    }

    fn value(b: &[u8], i: &mut usize, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match b.get(*i) {
            Some(b'{') => object(b, i, depth),
            Some(b'[') => array(b, i, depth),
            Some(b'"') => string(b, i),
            Some(b't') => literal(b, i, b"true"),
            Some(b'f') => literal(b, i, b"false"),
            Some(b'n') => literal(b, i, b"null"),
            Some(b'-' | b'0'..=b'9') => integer(b, i),
            _ => false,
        }
    }

    fn object(b: &[u8], i: &mut usize, depth: usize) -> bool {
        *i += 1;
        if b.get(*i) == Some(&b'}') {
            *i += 1;
            return true;
        }
        let mut last: Option<&[u8]> = None;
        let mut seen = Keys::default();
        loop {
            let start = *i;
            if b.get(*i) != Some(&b'"') || !string(b, i) {
                return false;
            }
            let key = &b[start + 1..*i - 1];
            if key.contains(&b'\\') {
                return false;
            }
            // Keys are written back in order (serde_json's `preserve_order`)
            // or sorted: either way a repeated key is not written back.
            let fresh = if *PRESERVES_ORDER {
                seen.insert(key)
            } else {
                last.is_none_or(|l| l < key)
            };
            if !fresh {
                return false;
            }
            last = Some(key);
            if b.get(*i) != Some(&b':') {
                return false;
            }
            *i += 1;
            if !value(b, i, depth + 1) {
                return false;
            }
            match b.get(*i) {
                Some(b',') => *i += 1,
                Some(b'}') => {
                    *i += 1;
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// The keys an object has shown so far: a few compared in place (an
    /// object of a note has a handful; no allocation, no hashing), more in
    /// a set.
    #[derive(Default)]
    struct Keys<'a> {
        few: [&'a [u8]; 8],
        count: usize,
        many: Option<HashSet<&'a [u8]>>,
    }

    impl<'a> Keys<'a> {
        /// Adds `key`; `false` when it was there.
        fn insert(&mut self, key: &'a [u8]) -> bool {
            if let Some(set) = self.many.as_mut() {
                return set.insert(key);
            }
            if self.few[..self.count].contains(&key) {
                return false;
            }
            if self.count < self.few.len() {
                self.few[self.count] = key;
                self.count += 1;
            } else {
                let mut set: HashSet<&[u8]> = self.few.iter().copied().collect();
                set.insert(key);
                self.many = Some(set);
            }
            true
        }
    }

    fn array(b: &[u8], i: &mut usize, depth: usize) -> bool {
        *i += 1;
        if b.get(*i) == Some(&b']') {
            *i += 1;
            return true;
        }
        loop {
            if !value(b, i, depth + 1) {
                return false;
            }
            match b.get(*i) {
                Some(b',') => *i += 1,
                Some(b']') => {
                    *i += 1;
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// A string at `b[*i] == '"'`, with only the escapes serde_json writes
    /// for the characters they stand for (`\u` ones are left to it).
    fn string(b: &[u8], i: &mut usize) -> bool {
        *i += 1;
        loop {
            match b.get(*i) {
                None => return false,
                Some(b'"') => {
                    *i += 1;
                    return true;
                }
                Some(b'\\') => match b.get(*i + 1) {
                    Some(b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f') => *i += 2,
                    _ => return false,
                },
                Some(c) if *c < 0x20 => return false,
                Some(_) => *i += 1,
            }
        }
    }

    fn literal(b: &[u8], i: &mut usize, word: &[u8]) -> bool {
        let ok = b[*i..].starts_with(word);
        *i += word.len();
        ok
    }

    /// `-?(0|[1-9][0-9]*)` of at most 18 digits, not `-0`: written back
    /// as it is (no fraction or exponent, which serde_json may rewrite).
    fn integer(b: &[u8], i: &mut usize) -> bool {
        let negative = b[*i] == b'-';
        if negative {
            *i += 1;
        }
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        let digits = &b[start..*i];
        let well_formed = match digits {
            [] => false,
            [b'0'] => !negative,
            [b'0', ..] => false,
            _ => digits.len() <= 18,
        };
        well_formed && !matches!(b.get(*i), Some(b'.' | b'e' | b'E'))
    }

    #[cfg(test)]
    mod tests {
        use super::{PRESERVES_ORDER, is_canonical};
        use proptest::prelude::*;
        use serde_json::Value;

        fn round_trip(text: &str) -> Option<String> {
            serde_json::from_str::<Value>(text)
                .ok()
                .map(|v| v.to_string())
        }

        /// JSON values of the kinds notes hold, some with characters that
        /// need escaping, some with floats and large numbers.
        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                (-1e6f64..1e6).prop_map(Value::from),
                "[a-z\\\\\"\n\t\u{1}\u{7f}/é😀 ]{0,6}".prop_map(Value::from),
            ];
            leaf.prop_recursive(4, 32, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                    prop::collection::btree_map("[a-c ]{0,3}", inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// Text serde_json wrote, or changed: spaces, reordered keys,
        /// other escapes and number forms.
        fn text() -> impl Strategy<Value = String> {
            (json(), 0usize..6, any::<usize>()).prop_map(|(v, edit, at)| {
                let t = v.to_string();
                let at = (0..=t.len())
                    .filter(|&k| t.is_char_boundary(k))
                    .nth(at % (t.len() + 1))
                    .unwrap_or(0);
                match edit {
                    0 => t,
                    1 => format!("{} {}", &t[..at], &t[at..]),
                    2 => t.replacen(':', ": ", 1),
                    3 => t.replacen("\\n", "\\u000a", 1),
                    4 => t.replacen('1', "1.0", 1),
                    _ => serde_json::to_string_pretty(&v).unwrap_or(t),
                }
            })
        }

        proptest! {
            /// Against the model (serde_json's own round trip): whatever
            /// `is_canonical` accepts is written back unchanged.
            #[test]
            fn canonical_text_round_trips_unchanged(t in text()) {
                if is_canonical(&t) {
                    prop_assert_eq!(round_trip(&t), Some(t));
                }
            }

            /// The compact form of integers, strings without `\u` escapes,
            /// arrays and objects is recognised (the fast path is taken).
            #[test]
            fn serde_json_output_is_canonical(v in json()) {
                let t = v.to_string();
                let exponent = t.as_bytes().windows(3).any(|w| {
                    w[0].is_ascii_digit() && w[1] == b'e' && (w[2].is_ascii_digit() || w[2] == b'-')
                });
                let simple = !t.contains('.') && !exponent && !t.contains("\\u")
                    && t.split(|c: char| !c.is_ascii_digit()).all(|d| d.len() <= 18);
                if simple {
                    prop_assert!(is_canonical(&t), "{}", t);
                }
            }
        }

        #[test]
        fn what_vouch_writes_is_canonical() {
            let record = serde_json::json!({"version": "0.1.0", "files": [{"path": "a.rs",
                "conversations": [{"contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 2}]}]}],
                "metadata": {"vouch": {"lines": [], "attestations": []}}, "tool": {"name": "vouch"}});
            assert!(is_canonical(&record.to_string()));
            assert_eq!(is_canonical("{\"b\":1,\"a\":2}"), *PRESERVES_ORDER);
            // A repeated key is caught among a few keys and past the
            // eight compared in place.
            let keys = |n: usize, again: &str| {
                let mut t: Vec<String> = (0..n).map(|i| format!("\"k{i:02}\":{i}")).collect();
                t.push(format!("\"{again}\":0"));
                format!("{{{}}}", t.join(","))
            };
            assert!(!is_canonical(&keys(3, "k01")));
            assert!(!is_canonical(&keys(12, "k10")));
            assert!(!is_canonical(&keys(12, "k02")));
            assert!(is_canonical(&keys(12, "k99")));
            for not in [
                "{\"a\":1,\"a\":2}",
                "{\"a\": 1}",
                "[1.0]",
                "[-0]",
                "[01]",
                "[\"\\u0041\"]",
                "[\"\\/\"]",
                "[1e3]",
                "[1234567890123456789]",
                " [1]",
                "[1]x",
                "[tru]",
            ] {
                assert!(!is_canonical(not), "{not}");
            }
        }
    }
}

#[cfg(test)]
mod pipeline_tests {
    use super::*;
    use crate::commit::lines::{CommitLines, FileLines};

    /// A repository of `n` commits, every `step`-th with a note naming its
    /// file's first line AI: made with one `git fast-import`.
    fn noted_repo(n: usize, step: usize) -> (tempfile::TempDir, Git) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let git = Git::new(tmp.path());
        git.run_as_tester(&["init", "-q", "-b", "main"]);
        let mut stream = String::new();
        for c in 1..=n {
            let text = format!("fn f{c}() {{}}\n");
            stream.push_str(&format!(
                "commit refs/heads/main\nmark :{c}\ncommitter T <t@x> {} +0000\ndata 2\nc\n",
                1_000_000 + c
            ));
            if c > 1 {
                stream.push_str(&format!("from :{}\n", c - 1));
            }
            stream.push_str(&format!(
                "M 100644 inline a.rs\ndata {}\n{text}\n",
                text.len()
            ));
        }
        stream.push_str("commit refs/notes/vouch\ncommitter T <t@x> 2000000 +0000\ndata 2\nn\n");
        for c in (1..=n).step_by(step) {
            let mut lines = CommitLines::new();
            let mut file = FileLines::new();
            file.insert(
                1,
                LineAttr {
                    origin: crate::ledger::LineOrigin::Ai,
                    tool: format!("tool{c}"),
                    model: None,
                    kind: Some("agent".into()),
                    reviews: Vec::new(),
                    chars: None,
                },
            );
            lines.insert("a.rs".to_owned(), file);
            let note = format!("{}\n", super::note::record("0", &lines));
            stream.push_str(&format!("N inline :{c}\ndata {}\n{note}\n", note.len()));
        }
        git.run_input(&["fast-import", "--quiet"], stream.as_bytes())
            .expect("fast-import");
        (tmp, git)
    }

    /// Notes parsed on another thread reach `f` in commit order, each with
    /// its own commit's note, far past the queue's length; an error from
    /// `f` ends the walk with that error.
    #[test]
    fn notes_parsed_aside_come_in_order_and_errors_stop_the_walk() {
        let n = PARSE_AHEAD * 3 + 7;
        let (_tmp, git) = noted_repo(n, 3);
        let list = commits(&git, None).expect("commits");
        assert_eq!(list.len(), n);
        for lines_wanted in [true, false] {
            let mut seen = Vec::new();
            each_note_where(
                &git,
                &list,
                |_| lines_wanted,
                |c, note| {
                    let record = note.and_then(|n| n.records.first().cloned());
                    seen.push((c.sha.clone(), record));
                    Ok(())
                },
            )
            .expect("walk");
            // Commit i (1-based) has the note naming `tool{i}`.
            let expected: Vec<(String, Option<String>)> = list
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        c.sha.clone(),
                        (i % 3 == 0).then(|| format!("\"tool{}\"", i + 1)),
                    )
                })
                .collect();
            let seen: Vec<(String, Option<String>)> = seen
                .into_iter()
                .zip(&expected)
                .map(|((sha, record), (_, tool))| {
                    let found = match (record, tool) {
                        (Some(r), Some(t)) if r.contains(t.as_str()) => Some(t.clone()),
                        (Some(r), _) => Some(r),
                        (None, _) => None,
                    };
                    (sha, found)
                })
                .collect();
            assert_eq!(seen, expected, "lines wanted: {lines_wanted}");
        }
        let mut calls = 0;
        let err = each_note(&git, &list, |_, _| {
            calls += 1;
            if calls == PARSE_AHEAD + 5 {
                return Err(CommitError::Other("stop".into()));
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "stop");
        assert_eq!(calls, PARSE_AHEAD + 5);
    }

    /// Every commit noted, far more than the queue holds and more than a
    /// batch: notes that need no line counts reach `f` while the walk
    /// goes on (past full queues), in order, and an error from `f` there
    /// stops the walk with that error.
    #[test]
    fn a_long_walk_of_notes_keeps_order_and_stops_at_an_error() {
        let n = NOTE_BATCH + PARSE_AHEAD * 2 + 7;
        let (_tmp, git) = noted_repo(n, 1);
        let list = commits(&git, None).expect("commits");
        let mut seen = 0;
        each_trace_note(&git, &list, |c, note| {
            let record = note
                .and_then(|n| n.records.first().cloned())
                .unwrap_or_default();
            assert_eq!(c.sha, list[seen].sha);
            assert!(
                record.contains(&format!("\"tool{}\"", seen + 1)),
                "{seen}: {record}"
            );
            seen += 1;
            Ok(())
        })
        .expect("walk");
        assert_eq!(seen, n);
        let stop = PARSE_AHEAD + 5;
        let mut calls = 0;
        let err = each_trace_note(&git, &list, |_, _| {
            calls += 1;
            if calls == stop {
                return Err(CommitError::Other("stop".into()));
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "stop");
        assert_eq!(calls, stop);
    }
}
