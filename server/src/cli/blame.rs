//! `vouch blame PATH [--json]`: who wrote each line, whether it was reviewed, and in which commit.

use std::io::Write;

use anyhow::Context;
use clap::Args;

use super::Outcome;
use crate::commit::blame::{BlameEntry, blame};
use crate::service::Service;
use crate::untrusted::{escape, escape_text};

#[derive(Args, Debug)]
pub struct BlameArgs {
    /// The file, relative to the current directory
    pub path: String,
    /// Print a JSON array of {line, origin, tool, model, kind, reviewed, reviewer, reviewed_at, commit, unit}
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: BlameArgs) -> anyhow::Result<Outcome> {
    let cwd = super::current_dir()?;
    let service = Service::open_read_only(&cwd)?;
    let rel = service
        .workspace
        .relative(&cwd.join(&args.path))
        .with_context(|| format!("{} is outside the workspace", args.path))?;
    let git = super::hook::git_of(&service)?;
    let entries = blame(&service, &git, &rel)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
    } else {
        for e in &entries {
            writeln!(out, "{}", human(e))?;
        }
    }
    Ok(Outcome::Clean)
}

fn human(e: &BlameEntry) -> String {
    let origin = match e.origin {
        crate::ledger::LineOrigin::Ai => "ai",
        crate::ledger::LineOrigin::Mixed => "mixed",
        crate::ledger::LineOrigin::Human => "human",
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
        .map_or("uncommitted", |c| &c[..c.len().min(8)]);
    format!(
        "{:>5} {:<5} {:<11} {:<24} {:<28} | {}",
        e.line,
        origin,
        escape(commit),
        who,
        review,
        escape_text(&e.text)
    )
}
