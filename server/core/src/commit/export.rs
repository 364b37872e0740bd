//! Reading notes back for a range of commits: Agent Trace records, SARIF
//! 2.1.0 for code-scanning uploads, or plain JSON.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::CommitError;
use super::compact;
use super::lines::{FileLines, LineAttr};
use super::note::{self, Note, ParsedNote};
use super::notes::{Listing, Notes};
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
pub(crate) fn commits(git: &Git, range: Option<&str>) -> Result<Vec<CommitInfo>, CommitError> {
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
const NOTE_BATCH: usize = 16;

/// The commits of a range and the listing of their notes: what
/// [`each_note`] walks.
pub struct Walk<'g> {
    pub(crate) commits: Vec<CommitInfo>,
    notes: Notes<'g>,
    listing: Listing,
}

/// The commits of `range` ([`commits`]) and the listing of the notes refs
/// ([`Notes::listing`]), asked of git side by side: neither needs the
/// other.
pub fn walk<'g>(git: &'g Git, range: Option<&str>) -> Result<Walk<'g>, CommitError> {
    let (notes, commits) = crate::git::side_by_side(
        || {
            let notes = Notes::new(git)?;
            let listing = notes.listing()?;
            Ok::<_, CommitError>((notes, listing))
        },
        || commits(git, range),
    );
    let commits = commits?;
    let (notes, listing) = notes?;
    Ok(Walk {
        commits,
        notes,
        listing,
    })
}

/// Calls `f` with each commit of `walk`, in order, and its note (if it
/// has one), bounded by the commit's files. Notes are streamed through one
/// `git cat-file --batch` and dropped after use, so memory stays flat
/// however many notes the range holds.
pub fn each_note(
    walk: &Walk<'_>,
    f: impl FnMut(&CommitInfo, Option<Note>) -> Result<(), CommitError>,
) -> Result<(), CommitError> {
    each_note_where(walk, |_| true, f)
}

/// [`each_note`] for the Agent Trace export: a note of one record comes
/// with that record and no lines ([`agent_trace_line`] writes it as it is),
/// so nothing is read to bound it.
pub fn each_trace_note(
    walk: &Walk<'_>,
    f: impl FnMut(&CommitInfo, Option<Note>) -> Result<(), CommitError>,
) -> Result<(), CommitError> {
    each_note_where(walk, |records| records.len() != 1, f)
}

/// [`each_note`] for a caller that reads the lines of only some notes:
/// `lines(note)` says which; the others come with their records and no
/// lines, and nothing is read to bound them.
///
/// Notes are parsed on other threads ([`parsers`]) while this one reads
/// the next ones and hands the parsed ones, in order, to `f`: parsing is
/// most of the work. Each parser has at most [`PARSE_AHEAD`] notes
/// waiting, and a note parsed before those ahead of it waits for them, so
/// at most about `PARSE_AHEAD` notes per parser are held beside the
/// batches waiting for their line counts ([`NOTE_BATCH`]): memory does not
/// grow with the number of notes. A parser that panics ends the walk with
/// an error.
pub(crate) fn each_note_where(
    walk: &Walk<'_>,
    lines: impl Fn(&[String]) -> bool + Sync,
    mut f: impl FnMut(&CommitInfo, Option<Note>) -> Result<(), CommitError>,
) -> Result<(), CommitError> {
    use std::sync::mpsc;
    let (commits, notes, listing) = (&walk.commits, &walk.notes, &walk.listing);
    let shas: Vec<String> = commits.iter().map(|c| c.sha.clone()).collect();
    // Parsed notes waiting for their line counts: (index, note); notes that
    // need none wait only for those before them.
    let mut waiting: Vec<(usize, ParsedNote)> = Vec::new();
    let mut ready: HashMap<usize, Note> = HashMap::new();
    let mut done = 0;
    // One `git cat-file` counts the lines of every batch's files.
    let mut counter = notes.line_counter();
    let mut flush =
        |waiting: &mut Vec<(usize, ParsedNote)>, ready: &mut HashMap<usize, Note>, upto: usize| {
            let at: Vec<usize> = waiting.iter().map(|(i, _)| *i).collect();
            let bound = notes.bound(
                &mut counter,
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
    // The parsers' work for one note; a panic (a bug) is an error that
    // ends the walk, wherever the note is parsed.
    let parse = |text: &str| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            note::parse_where(text, &lines)
        }))
        .map_err(|_| parser_stopped())
    };
    let parse = &parse;
    std::thread::scope(|s| {
        let (parsed_out, parsed) = mpsc::channel::<Parsed>();
        // One queue per parser; note `seq` goes to parser `seq % queues.len()`.
        let mut queues = Vec::new();
        for k in 0..parsers() {
            let (to_parse, texts) = mpsc::sync_channel::<(usize, usize, String)>(PARSE_AHEAD);
            let parsed_out = parsed_out.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("vouch-notes-{k}"))
                .spawn_scoped(s, move || {
                    for (seq, at, text) in texts {
                        let note = parse(&text);
                        let stop = note.is_err();
                        // Sent even after a panic, so the reader does not
                        // wait for this note; then this parser stops.
                        if parsed_out.send(Parsed { seq, at, note }).is_err() || stop {
                            break;
                        }
                    }
                });
            if spawned.is_err() {
                break;
            }
            queues.push(to_parse);
        }
        drop(parsed_out);
        if queues.is_empty() {
            // No thread: parsed here, one at a time.
            return notes.each_text_listed(
                listing,
                &shas,
                |_| true,
                |i, text| take(i, parse(&text.unwrap_or_default())?),
            );
        }
        // Parsed notes come back out of order across parsers: held here
        // (at most what the queues hold) until those before them are in.
        let mut early: BTreeMap<usize, (usize, ParsedNote)> = BTreeMap::new();
        let mut next = 0;
        let mut arrived = |p: Parsed| {
            early.insert(p.seq, (p.at, p.note?));
            while let Some((i, n)) = early.remove(&next) {
                take(i, n)?;
                next += 1;
            }
            Ok::<_, CommitError>(())
        };
        let mut sent = 0;
        let read = notes.each_text_listed(
            listing,
            &shas,
            |_| true,
            |i, text| {
                while let Ok(p) = parsed.try_recv() {
                    arrived(p)?;
                }
                let queue = &queues[sent % queues.len()];
                let mut item = (sent, i, text.unwrap_or_default());
                sent += 1;
                // A full queue: take a parsed note (one is on its way), then try again.
                loop {
                    match queue.try_send(item) {
                        Ok(()) => return Ok(()),
                        Err(mpsc::TrySendError::Full(back)) => item = back,
                        // The parser stopped after a panic (it said so).
                        Err(mpsc::TrySendError::Disconnected(_)) => return Err(parser_stopped()),
                    }
                    arrived(parsed.recv().map_err(|_| parser_stopped())?)?;
                }
            },
        );
        drop(queues);
        // The notes still being parsed, after a read that went well (none
        // is left behind); after an error the parsers stop at once.
        match read {
            Ok(()) => parsed.into_iter().try_for_each(arrived),
            Err(e) => Err(e),
        }
    })?;
    flush(&mut waiting, &mut ready, commits.len())
}

/// Notes read ahead of the one being parsed ([`each_note_where`]), at most,
/// per parser.
const PARSE_AHEAD: usize = 64;

/// A note parsed aside ([`each_note_where`]).
struct Parsed {
    /// Its place in the order notes were read.
    seq: usize,
    /// Its commit's index.
    at: usize,
    note: Result<ParsedNote, CommitError>,
}

/// A parser panicked: the walk ends.
fn parser_stopped() -> CommitError {
    CommitError::Other("reading notes failed: a note parser panicked".into())
}

/// How many threads parse notes: one per core, at most four.
fn parsers() -> usize {
    crate::parallel::cores().min(4)
}

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
pub fn agent_trace_line(c: &CommitInfo, n: Note) -> String {
    let compact = n.compact;
    match <[String; 1]>::try_from(n.records) {
        // What Vouch writes is already in that form: no parse needed.
        Ok([one]) if compact.unwrap_or_else(|| compact::is_canonical(&one)) => one,
        Ok([one]) => serde_json::from_str::<Value>(&one)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| one.replace('\n', " ")),
        Err(_) => note::record(&c.sha, &n.lines).to_string(),
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
        let walked = walk(&git, None).expect("walk");
        let list = &walked.commits;
        assert_eq!(list.len(), n);
        for lines_wanted in [true, false] {
            let mut seen = Vec::new();
            each_note_where(
                &walked,
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
        let err = each_note(&walked, |_, _| {
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
        let walked = walk(&git, None).expect("walk");
        let list = &walked.commits;
        let mut seen = 0;
        each_trace_note(&walked, |c, note| {
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
        let err = each_trace_note(&walked, |_, _| {
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

    /// A parser that panics on one note ends the walk with an error,
    /// after the notes before it, and never hands on a note after it.
    #[test]
    fn a_parser_that_panics_ends_the_walk_with_an_error() {
        let n = PARSE_AHEAD * 2 + 7;
        let (_tmp, git) = noted_repo(n, 1);
        let walked = walk(&git, None).expect("walk");
        let bad = PARSE_AHEAD + 3;
        let mut seen = Vec::new();
        let err = each_note_where(
            &walked,
            |records| {
                let bad_tool = format!("\"tool{}\"", bad + 1);
                assert!(
                    !records.iter().any(|r| r.contains(&bad_tool)),
                    "a parser bug"
                );
                true
            },
            |c, _| {
                seen.push(c.sha.clone());
                Ok(())
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
        assert!(seen.len() <= bad, "{} notes handed on", seen.len());
        assert!(seen.iter().zip(&walked.commits).all(|(s, c)| *s == c.sha));
    }
}
