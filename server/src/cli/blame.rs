//! `vouch blame PATH [--json]`: who wrote each line, whether it was reviewed, and in which commit.

use std::io::Write;

use anyhow::Context;
use clap::Args;

use super::Outcome;
use vouch_core::commit::blame::{BlameEntry, blame};
use vouch_core::service::Service;
use vouch_core::untrusted::{escape, escape_text};

#[derive(Args, Debug)]
pub(crate) struct BlameArgs {
    /// The file, relative to the current directory
    pub(crate) path: String,
    /// Print a JSON array of {line, origin, tool, model, kind, reviewed, reviewer, reviewed_at, commit, unit}
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn run(args: BlameArgs) -> anyhow::Result<Outcome> {
    let cwd = super::current_dir()?;
    let mut service = Service::open_read_only(&cwd)?;
    let rel = service
        .workspace
        .relative(&cwd.join(&args.path))
        .with_context(|| format!("{} is outside the workspace", args.path))?;
    if service.workspace.absolute(&rel).is_dir() {
        anyhow::bail!("{}: is a directory; blame takes a file", args.path);
    }
    let git = super::hook::git_of(&service)?;
    let entries = blame(&mut service, &git, &rel)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
    } else {
        let rows: Vec<Row> = entries.iter().map(row).collect();
        // Columns as wide as their widest cell, so long reviewer names and
        // `uncommitted` keep the text column aligned.
        let width = |f: fn(&Row) -> &str| rows.iter().map(|r| f(r).chars().count()).max();
        let w_who = width(|r| &r.who).unwrap_or(0);
        let w_review = width(|r| &r.review).unwrap_or(0);
        let w_commit = width(|r| &r.commit).unwrap_or(0);
        let w_line = entries.last().map_or(1, |e| e.line.to_string().len());
        for (e, r) in entries.iter().zip(&rows) {
            writeln!(
                out,
                "{:>w_line$} {:<5} {:<w_commit$} {:<w_who$} {:<w_review$} | {}",
                e.line,
                r.origin,
                r.commit,
                r.who,
                r.review,
                escape_text(&e.text)
            )?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// One line's columns, before padding.
struct Row {
    origin: &'static str,
    commit: String,
    who: String,
    review: String,
}

fn row(e: &BlameEntry) -> Row {
    let origin = match e.origin {
        vouch_core::ledger::LineOrigin::Ai => "ai",
        vouch_core::ledger::LineOrigin::Mixed => "mixed",
        vouch_core::ledger::LineOrigin::Human => "human",
    };
    let who = match (&e.tool, &e.model) {
        (Some(t), Some(m)) => format!("{} ({})", escape(t), escape(m)),
        (Some(t), None) => escape(t).into_owned(),
        _ => String::new(),
    };
    let review = match (e.reviewed, &e.reviewer) {
        (Some(true), Some(r)) => format!("reviewed by {}", escape(r)),
        (Some(true), None) => "reviewed".to_owned(),
        (Some(false), _) => "unreviewed".to_owned(),
        _ => String::new(),
    };
    let commit = e
        .commit
        .as_deref()
        .map_or("uncommitted", |c| &c[..c.len().min(8)])
        .to_owned();
    Row {
        origin,
        commit,
        who,
        review,
    }
}
