//! `vouch status`: unreviewed AI regions of the working tree, as stored.

use std::io::Write;

use serde::Serialize;

use super::Outcome;
use super::args::StatusArgs;
use super::scope::Scope;
use crate::ledger::{GitLines, Region};
use crate::service::Service;
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
        tree: Option<&SyntaxTree>,
    ) -> Option<StatusEntry> {
        let source = region.attribution.source()?;
        let unit = tree.and_then(|t| t.unit_for(region.range.clone()));
        Some(StatusEntry {
            path: path.to_owned(),
            start_line: lines.line_of(region.range.start) + 1,
            end_line: lines.line_of(region.range.end.saturating_sub(1)) + 1,
            tool: source.tool.clone(),
            model: source.model.clone(),
            kind: source.kind.to_string(),
            reviewed: region.attribution.review().is_some(),
            unit: unit.as_ref().map(|u| u.name.clone()),
            unit_kind: unit.as_ref().map(|u| u.keyword.to_owned()),
            unit_qualified_name: unit.map(|u| u.qualified_name),
        })
    }
}

pub fn run(args: StatusArgs) -> anyhow::Result<Outcome> {
    let service = Service::open_read_only(&super::current_dir()?)?;
    let scope = Scope::parse(&args.paths, &service.workspace)?;
    let mut entries = Vec::new();
    for path in scope.tracked(&service)? {
        if service.read_text(&path)?.is_none() {
            continue; // deleted from the working tree
        }
        let Some(ledger) = service.current(&path)? else {
            continue;
        };
        let regions = ledger.unreviewed_regions();
        let tree = match Language::from_path(&path) {
            Some(lang) if !regions.is_empty() => SyntaxTree::parse_rope(lang, ledger.rope()),
            _ => None,
        };
        let lines = ledger.git_lines();
        entries.extend(
            regions
                .iter()
                .filter_map(|r| StatusEntry::new(&path, &lines, r, tree.as_ref())),
        );
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
    } else {
        print_human(&mut out, &entries)?;
    }
    Ok(Outcome::Clean)
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
