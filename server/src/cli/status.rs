//! `vouch status`: unreviewed AI regions of the working tree, as stored.

use std::io::Write;

use serde::Serialize;

use super::Outcome;
use super::args::StatusArgs;
use super::scope::Scope;
use crate::ledger::{Ledger, Region};
use crate::service::Service;

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
}

impl StatusEntry {
    fn new(path: &str, ledger: &Ledger, region: &Region) -> Option<StatusEntry> {
        let source = region.attribution.source()?;
        Some(StatusEntry {
            path: path.to_owned(),
            start_line: ledger.line_of(region.range.start) + 1,
            end_line: ledger.line_of(region.range.end.saturating_sub(1)) + 1,
            tool: source.tool.clone(),
            model: source.model.clone(),
            kind: source.kind.to_string(),
            reviewed: region.attribution.review().is_some(),
        })
    }
}

pub fn run(args: StatusArgs) -> anyhow::Result<Outcome> {
    let service = Service::open(&super::current_dir()?)?;
    let scope = Scope::parse(&args.paths, &service.workspace)?;
    let mut entries = Vec::new();
    for path in scope.tracked(&service)? {
        if service.read_text(&path)?.is_none() {
            continue; // deleted from the working tree
        }
        let Some(ledger) = service.current(&path)? else {
            continue;
        };
        entries.extend(
            ledger
                .unreviewed_regions()
                .iter()
                .filter_map(|r| StatusEntry::new(&path, &ledger, r)),
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
        writeln!(out, "{}", group[0].path)?;
        for e in group {
            let model = e
                .model
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {}:{}-{}  {}{}",
                e.path, e.start_line, e.end_line, e.tool, model
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Review with `vouch review PATH:START-END` (or your editor's \"Mark as reviewed\" action)."
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
