//! `vouch status`: unreviewed AI regions of the working tree, as stored.

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::Outcome;
use super::args::StatusArgs;
use super::scope::Scope;
use crate::git::sha1_blob_id;
use crate::ledger::{GitLines, Ledger, Region};
use crate::service::Service;
use crate::store::UnitName;
use crate::syntax::{Language, SyntaxTree};
use crate::untrusted::escape;

/// One unreviewed region, as printed by `--json`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct StatusEntry {
    pub path: String,
    pub start_line: usize,
    pub end_line: usize,
    pub tool: String,
    pub model: Option<String>,
    pub kind: String,
    pub reviewed: bool,
    /// The function, method, class... the region belongs to (its bare name:
    /// `total`); `null` for code outside any unit or a file without grammar.
    pub unit: Option<String>,
    /// The language's word for the unit's kind (`fn`, `def`, `class`).
    #[serde(skip)]
    pub unit_kind: Option<String>,
    /// Outer names included (`Cart::total`, `Cart.total`).
    #[serde(skip)]
    pub unit_qualified_name: Option<String>,
}

impl StatusEntry {
    fn new(
        path: &str,
        lines: &GitLines,
        region: &Region,
        unit: Option<UnitName>,
    ) -> Option<StatusEntry> {
        let source = region.attribution.source()?;
        Some(StatusEntry {
            path: path.to_owned(),
            start_line: lines.line_of(region.range.start) + 1,
            end_line: lines.line_of(region.range.end.saturating_sub(1)) + 1,
            tool: source.tool.clone(),
            model: source.model.clone(),
            kind: source.kind.to_string(),
            reviewed: region.attribution.review().is_some(),
            unit: unit.as_ref().map(|u| u.name.clone()),
            unit_kind: unit.as_ref().map(|u| u.keyword.clone()),
            unit_qualified_name: unit.map(|u| u.qualified),
        })
    }
}

pub fn run(args: StatusArgs) -> anyhow::Result<Outcome> {
    // Read-only for attribution: only the unit-name cache may be written,
    // and only into a store that already exists.
    let mut service = Service::open_read_only(&super::current_dir()?)?;
    let scope = Scope::parse(&args.paths, &service.workspace)?;
    // The store is one connection: bring each file's attribution to its text
    // here, then name the regions' units (a parse per file) in parallel.
    let mut files = Vec::new();
    for path in scope.tracked(&service)? {
        let Some(text) = service.read_text(&path)? else {
            continue; // deleted from the working tree
        };
        // Follows renames and recalls earlier states (`Service::current`).
        let Some(ledger) = service.current_at(&path, Some(text))? else {
            continue;
        };
        let regions = ledger.unreviewed_regions();
        if !regions.is_empty() {
            files.push((path, ledger, regions));
        }
    }
    let units = unit_names(&mut service, &files);
    let entries: Vec<StatusEntry> = files
        .iter()
        .zip(units)
        .flat_map(|((path, ledger, regions), units)| {
            // Line numbers as git counts them (LF only).
            let lines = ledger.git_lines();
            regions
                .iter()
                .zip(units)
                .filter_map(|(r, u)| StatusEntry::new(path, &lines, r, u))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
    } else {
        print_human(&mut out, &entries)?;
    }
    Ok(Outcome::Clean)
}

type File = (String, Ledger, Vec<Region>);

/// The unit naming each region of each file (in order). A text whose
/// regions were named before (same content hash, same byte ranges) is not
/// parsed: the names come from the store's cache. The others are parsed,
/// each once, on as many threads as the machine has cores, and their names
/// cached (skipped without waiting when another process is writing).
fn unit_names(service: &mut Service, files: &[File]) -> Vec<Vec<Option<UnitName>>> {
    let mut out: Vec<Vec<Option<UnitName>>> = files.iter().map(|f| vec![None; f.2.len()]).collect();
    let mut misses: Vec<(usize, String)> = Vec::new();
    for (i, (path, ledger, regions)) in files.iter().enumerate() {
        let Some(lang) = Language::from_path(path).filter(|l| l.has_grammar()) else {
            continue; // no grammar: no unit
        };
        // The language and Vouch's version are part of the key: a new
        // release may name units differently.
        let key = format!(
            "{}:{}:{}",
            lang.id(),
            env!("CARGO_PKG_VERSION"),
            sha1_blob_id(ledger.text().as_bytes())
        );
        let cached: HashMap<Range<usize>, Option<UnitName>> = service
            .store
            .unit_names(&key)
            .map(|rows| rows.into_iter().collect())
            .unwrap_or_default();
        if regions.iter().all(|r| cached.contains_key(&r.range)) {
            out[i] = regions.iter().map(|r| cached[&r.range].clone()).collect();
        } else {
            misses.push((i, key));
        }
    }
    let parsed = parallel(&misses, |(i, _)| {
        let (path, ledger, regions) = &files[*i];
        let tree = Language::from_path(path).and_then(|l| SyntaxTree::parse_rope(l, ledger.rope()));
        regions
            .iter()
            .map(|r| {
                tree.as_ref()?.unit_for(r.range.clone()).map(|u| UnitName {
                    name: u.name,
                    qualified: u.qualified_name,
                    keyword: u.keyword.to_owned(),
                })
            })
            .collect::<Vec<_>>()
    });
    let mut rows = Vec::new();
    for ((i, key), units) in misses.into_iter().zip(parsed) {
        for (r, u) in files[i].2.iter().zip(&units) {
            rows.push((key.clone(), (r.range.clone(), u.clone())));
        }
        out[i] = units;
    }
    // A cache: failing to fill it changes nothing the user sees.
    let _ = service.store.cache_unit_names(&rows);
    out
}

/// `f` of each item, in order, computed on up to as many threads as cores.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

fn print_human(out: &mut impl Write, entries: &[StatusEntry]) -> std::io::Result<()> {
    if entries.is_empty() {
        return writeln!(out, "No unreviewed AI-written code.");
    }
    let files = entries.chunk_by(|a, b| a.path == b.path).count();
    writeln!(
        out,
        "{} unreviewed AI-written region{} in {} file{}:",
        entries.len(),
        plural(entries.len()),
        files,
        plural(files)
    )?;
    for group in entries.chunk_by(|a, b| a.path == b.path) {
        writeln!(out)?;
        writeln!(out, "{}", escape(&group[0].path))?;
        for (unit, members) in by_unit(group) {
            let indent = match unit {
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
                let model = e
                    .model
                    .as_deref()
                    .map(|m| format!(" ({})", escape(m)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{indent}{}:{}-{}  {}{}",
                    escape(&e.path),
                    e.start_line,
                    e.end_line,
                    escape(&e.tool),
                    model
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

/// One file's entries grouped by unit, in order of first appearance; entries
/// outside any unit stay on their own.
fn by_unit(entries: &[StatusEntry]) -> Vec<(Option<&StatusEntry>, Vec<&StatusEntry>)> {
    let mut groups: Vec<(Option<&StatusEntry>, Vec<&StatusEntry>)> = Vec::new();
    for e in entries {
        let key = e.unit_qualified_name.as_ref().zip(e.unit_kind.as_ref());
        let existing = key.and_then(|k| {
            groups.iter_mut().find(|(u, _)| {
                u.and_then(|u| u.unit_qualified_name.as_ref().zip(u.unit_kind.as_ref())) == Some(k)
            })
        });
        match existing {
            Some((_, members)) => members.push(e),
            None => groups.push((key.map(|_| e), vec![e])),
        }
    }
    groups
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
