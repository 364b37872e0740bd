//! `vouch status`: what the gate would block in the working tree (with
//! `--all`, every AI-written region), as [`Policy::what_blocks`] says.

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;

use serde::Serialize;

use super::Outcome;
use super::args::StatusArgs;
use super::scope::Scope;
use vouch_core::commit::lines::{self, Reviewer};
use vouch_core::commit::policy::{Judged, Policy, Verdict};
use vouch_core::commit::working::Working;
use vouch_core::ledger::{GitLines, Ledger};
use vouch_core::parallel;
use vouch_core::present::{count, group_by_key, tool_label};
use vouch_core::service::Service;
use vouch_core::store::{UnitName, text_key};
use vouch_core::syntax::{Language, SyntaxTree};
use vouch_core::untrusted::escape;

/// One range of AI lines, as printed by `--json`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusEntry {
    /// Repository-relative (the human output is relative to the current directory).
    pub(crate) path: String,
    pub(crate) start_line: usize,
    pub(crate) end_line: usize,
    pub(crate) tool: String,
    pub(crate) model: Option<String>,
    pub(crate) kind: String,
    pub(crate) reviewed: bool,
    /// Everyone who reviewed it: `[{"by", "at"}]`, `at` an RFC 3339 time.
    pub(crate) reviewers: Vec<ReviewerJson>,
    /// The function, method, class... the range belongs to (its bare name:
    /// `total`); `null` for code outside any unit or a file without grammar.
    pub(crate) unit: Option<String>,
    /// Whether the gate would block it (always true without `--all`).
    pub(crate) blocked: bool,
    /// Why it blocks, or (with `--all`) why the policy accepts it.
    pub(crate) reason: String,
    /// The reason comes from a `[[review.rule]]` (reviewed, but not by whom
    /// the rule requires).
    #[serde(skip)]
    pub(crate) by_rule: bool,
    /// The language's word for the unit's kind (`fn`, `def`, `class`);
    /// `null` with `unit`.
    pub(crate) unit_kind: Option<String>,
    /// Outer names included (`Cart::total`, `Cart.total`).
    #[serde(skip)]
    pub(crate) unit_qualified_name: Option<String>,
}

#[derive(Serialize, Debug)]
pub(crate) struct ReviewerJson {
    pub(crate) by: String,
    pub(crate) at: Option<String>,
}

impl StatusEntry {
    fn new(path: &str, j: Judged, unit: Option<UnitName>) -> StatusEntry {
        let (blocked, by_rule, reason) = match j.verdict {
            Verdict::Blocked { reason, by_rule } => (true, by_rule, reason),
            Verdict::Reviewed => (false, false, "reviewed as required".to_owned()),
            Verdict::NotRequired { why } => (false, false, why),
        };
        StatusEntry {
            path: path.to_owned(),
            start_line: j.start_line,
            end_line: j.end_line,
            tool: j.attr.tool.clone(),
            model: j.attr.model.clone(),
            kind: j.attr.kind.clone().unwrap_or_default(),
            reviewed: j.attr.reviewed(),
            reviewers: j.attr.reviews.iter().map(reviewer_json).collect(),
            unit: unit.as_ref().map(|u| u.name.clone()),
            blocked,
            reason,
            by_rule,
            unit_kind: unit.as_ref().map(|u| u.keyword.clone()),
            unit_qualified_name: unit.map(|u| u.qualified),
        }
    }
}

fn reviewer_json(r: &Reviewer) -> ReviewerJson {
    ReviewerJson {
        by: r.by.clone(),
        at: r.at.map(vouch_core::ledger::format_millis),
    }
}

/// The AI text inside 1-based lines `start..=end` (as git counts them,
/// `lines`), from its first to its last AI byte (what names the unit).
fn ai_extent(
    ledger: &Ledger,
    lines: &GitLines,
    start: usize,
    end: usize,
) -> Option<std::ops::Range<usize>> {
    let lines = lines.range(start - 1, end - 1).ok()?;
    let mut out: Option<std::ops::Range<usize>> = None;
    for (r, a) in ledger.spans() {
        if !a.is_ai() || r.end <= lines.start || r.start >= lines.end {
            continue;
        }
        let (s, e) = (r.start.max(lines.start), r.end.min(lines.end));
        out = Some(match out {
            Some(o) => o.start.min(s)..o.end.max(e),
            None => s..e,
        });
    }
    out.or(Some(lines))
}

pub(crate) fn run(args: StatusArgs) -> anyhow::Result<Outcome> {
    // Read-only for attribution: only the unit-name cache may be written,
    // and only into a store that already exists.
    let mut service = Service::open_read_only(&super::current_dir()?)?;
    let scope = Scope::parse(&args.paths, &service.workspace)?;
    let policy = Policy::load(&service.workspace.root)?;
    let author = super::check::working_author(&service, &policy);
    // The store is one connection: bring each file's attribution to its text
    // and judge it here, then name the ranges' units (a parse per file) in
    // parallel.
    let mut judged_files: Vec<(File, Vec<Judged>)> = Vec::new();
    let mut judge = |path: String, text: &str, ledger: Option<Ledger>| {
        let Some(ledger) = ledger else {
            return;
        };
        let file = lines::from_ledger(&ledger);
        let judged: Vec<Judged> = policy
            .what_blocks(&path, &file, Some(text), author.as_deref())
            .into_iter()
            .filter(|j| args.all || j.verdict.blocks())
            .collect();
        if !judged.is_empty() {
            let lines = ledger.git_lines();
            let ranges = judged
                .iter()
                .map(|j| ai_extent(&ledger, &lines, j.start_line, j.end_line).unwrap_or(0..0))
                .collect();
            // The unit-name cache is keyed by the text's content: the
            // file's text, at hand here (the ledger's is the same).
            let key = Language::from_path(&path)
                .filter(|l| l.has_grammar())
                .map(|l| {
                    if ledger.rope() == text {
                        text_key(l.id(), text)
                    } else {
                        text_key(l.id(), &ledger.text())
                    }
                });
            let file = File {
                path,
                ledger,
                ranges,
                key,
            };
            judged_files.push((file, judged));
        }
    };
    // One read transaction for all the files' records (not one per read).
    let reading = service.store.reading()?;
    // Git's diff runs meanwhile: the tracked files come first (a file whose
    // text the store holds needs nothing from it), then the files only git
    // names; the report is in path order.
    let mut working = Working::new(&service)?;
    let tracked = scope.tracked_files(&service)?;
    let names: Vec<String> = tracked.iter().map(|(p, _)| p.clone()).collect();
    for (path, text) in tracked {
        // Follows renames and recalls earlier states (`Service::current`),
        // plus what notes know of text the store never saw.
        let ledger = working.ledger(&path, &text)?;
        judge(path, &text, ledger);
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    for (path, text) in scope.extra_files(&service, &mut working, &names)? {
        let ledger = working.ledger(&path, &text)?;
        judge(path, &text, ledger);
    }
    judged_files.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let (files, judged_of): (Vec<File>, Vec<Vec<Judged>>) = judged_files.into_iter().unzip();
    drop(working);
    let cached = cached_unit_names(&service, &files);
    drop(reading);
    let units = unit_names(&mut service, &files, cached);
    let entries: Vec<StatusEntry> = files
        .iter()
        .zip(judged_of)
        .zip(units)
        .flat_map(|((file, judged), units)| {
            judged
                .into_iter()
                .zip(units)
                .map(|(j, u)| StatusEntry::new(&file.path, j, u))
                .collect::<Vec<_>>()
        })
        .collect();
    // Buffered: a line per region, written in one go (flushed below).
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
    } else {
        let shown = super::paths::Shown::new(&service.workspace)?;
        print_human(&mut out, &entries, args.all, &shown)?;
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// A file with regions to list: its attribution at its text, the byte
/// ranges to name (the AI text of each listed range), and the key of its
/// text in the unit-name cache (`None`: no grammar, so no unit).
struct File {
    path: String,
    ledger: Ledger,
    ranges: Vec<Range<usize>>,
    key: Option<String>,
}

/// Each file's unit names from the store's cache, when every one of its
/// ranges was named before (same content hash, same byte ranges): read in
/// the status's one read transaction.
fn cached_unit_names(service: &Service, files: &[File]) -> Vec<Option<Vec<Option<UnitName>>>> {
    files
        .iter()
        .map(|file| {
            let key = file.key.as_ref()?;
            let cached: HashMap<Range<usize>, Option<UnitName>> = service
                .store
                .unit_names(key)
                .map(|rows| rows.into_iter().collect())
                .unwrap_or_default();
            file.ranges.iter().map(|r| cached.get(r).cloned()).collect()
        })
        .collect()
}

/// The unit naming each region of each file (in order): from `cached`, or
/// else by parsing the text, each once, on as many threads as the machine
/// has cores, and caching the names (skipped without waiting when another
/// process is writing). A file without grammar has no unit.
fn unit_names(
    service: &mut Service,
    files: &[File],
    cached: Vec<Option<Vec<Option<UnitName>>>>,
) -> Vec<Vec<Option<UnitName>>> {
    let mut out: Vec<Vec<Option<UnitName>>> = Vec::with_capacity(files.len());
    let mut misses: Vec<(usize, &str)> = Vec::new();
    for (i, (file, cached)) in files.iter().zip(cached).enumerate() {
        match (&file.key, cached) {
            (Some(_), Some(names)) => out.push(names),
            (Some(key), None) => {
                misses.push((i, key));
                out.push(Vec::new());
            }
            (None, _) => out.push(vec![None; file.ranges.len()]),
        }
    }
    let parsed = parallel::map(&misses, parallel::cores(), |(i, _)| {
        let file = &files[*i];
        let tree = Language::from_path(&file.path)
            .and_then(|l| SyntaxTree::parse_rope(l, file.ledger.rope()));
        file.ranges
            .iter()
            .map(|r| {
                tree.as_ref()?.unit_for(r.clone()).map(|u| UnitName {
                    name: u.name,
                    qualified: u.qualified_name,
                    keyword: u.keyword.to_owned(),
                })
            })
            .collect::<Vec<_>>()
    });
    let mut rows = Vec::new();
    for ((i, key), units) in misses.into_iter().zip(parsed) {
        for (r, u) in files[i].ranges.iter().zip(&units) {
            rows.push((key.to_owned(), (r.clone(), u.clone())));
        }
        out[i] = units;
    }
    // A cache: failing to fill it changes nothing the user sees.
    let _ = service.store.cache_unit_names(&rows);
    out
}

fn print_human(
    out: &mut impl Write,
    entries: &[StatusEntry],
    all: bool,
    shown: &super::paths::Shown,
) -> std::io::Result<()> {
    if entries.is_empty() {
        let none = if all {
            "No AI-written code."
        } else {
            "No AI-written code waits for review."
        };
        return writeln!(out, "{none}");
    }
    let files = entries.chunk_by(|a, b| a.path == b.path).count();
    let blocked = entries.iter().filter(|e| e.blocked).count();
    let n = entries.len();
    let regions = count(n, "AI-written region", "AI-written regions");
    let in_files = count(files, "file", "files");
    if all {
        writeln!(
            out,
            "{regions} in {in_files} ({blocked} not reviewed as required):"
        )?;
    } else {
        writeln!(out, "{regions} not reviewed as required, in {in_files}:")?;
    }
    for group in entries.chunk_by(|a, b| a.path == b.path) {
        let path = shown.path(&group[0].path);
        writeln!(out)?;
        writeln!(out, "{path}")?;
        // One file's entries grouped by unit, in order of first appearance;
        // entries outside any unit stay on their own.
        let by_unit = group_by_key(group, |e| {
            e.unit_qualified_name.as_ref().zip(e.unit_kind.as_ref())
        });
        for (unit, members) in by_unit {
            let indent = match unit.and(members.first()) {
                Some(e) => {
                    let qualified = e.unit_qualified_name.as_deref().unwrap_or_default();
                    let name = e.unit.as_deref().unwrap_or_default();
                    let outer = if qualified == name {
                        String::new()
                    } else {
                        format!(" ({})", escape(qualified))
                    };
                    let kind = e.unit_kind.as_deref().unwrap_or_default();
                    writeln!(out, "  in {} {}{outer}:", escape(kind), escape(name))?;
                    "    "
                }
                None => "  ",
            };
            for e in members {
                // Policy-related reasons are spelled out; plain "unreviewed"
                // is what the list is about (with --all, it is said).
                let note = if e.by_rule {
                    let reason = e
                        .reason
                        .split_once(") ")
                        .map_or(e.reason.as_str(), |(_, r)| r);
                    format!("  {}", escape(reason))
                } else if all && e.blocked {
                    "  unreviewed".to_owned()
                } else if all {
                    format!("  {}", escape(&accepted_note(e)))
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "{indent}{path}:{}-{}  {}{note}",
                    e.start_line,
                    e.end_line,
                    escape(&tool_label(&e.tool, e.model.as_deref()))
                )?;
            }
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Review with `vouch review PATH:START-END` or `vouch review PATH::NAME` (or your editor's \"Mark as reviewed\" action)."
    )
}

/// Why `--all` lists a region the policy accepts.
fn accepted_note(e: &StatusEntry) -> String {
    if e.reviewed {
        let by: Vec<&str> = e.reviewers.iter().map(|r| r.by.as_str()).collect();
        format!("reviewed by {}", by.join(", "))
    } else {
        format!("needs no review: {}", e.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_core::ledger::{AiKind, AiSource};

    /// The judged lines count lines as git does (a lone CR ends none), and
    /// so does the AI text that names their unit.
    #[test]
    fn the_ai_extent_counts_lines_as_git_does() {
        let text = "x\ry\nfn a() {}\n";
        let mut ledger = Ledger::new(text);
        let source = AiSource {
            tool: "copilot".into(),
            model: None,
            kind: AiKind::InlineCompletion,
            session: None,
            accepted_at: 1,
        };
        let at = text.find("fn").expect("fn");
        ledger
            .mark_ai(at..at + "fn a() {}".len(), &source)
            .expect("mark");
        let judged = lines::from_ledger(&ledger);
        assert_eq!(judged.keys().copied().collect::<Vec<_>>(), [2]);
        let extent = ai_extent(&ledger, &ledger.git_lines(), 2, 2);
        assert_eq!(extent, Some(at..at + "fn a() {}".len()));
    }
}
