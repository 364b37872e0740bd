//! `vouch export [--format agent-trace|sarif|json] [REV-RANGE]`.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::Outcome;
use crate::commit::export::{self, agent_trace, commits, notes_of};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Agent Trace 0.1.0 records, one JSON line per annotated commit
    AgentTrace,
    /// SARIF 2.1.0 (code scanning): AI ranges as `review` results, reviewed ones suppressed
    Sarif,
    /// A JSON array of commits with their AI line ranges
    Json,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "agent-trace")]
    pub format: ExportFormat,
    /// Commits to export, as for `git log` (default: HEAD and its history)
    pub range: Option<String>,
}

pub fn run(args: ExportArgs) -> anyhow::Result<Outcome> {
    // Works in a bare repository too; opens no store, creates nothing.
    let repo = super::repo::ReadRepo::open()?;
    let git = repo.git.clone();
    let list = commits(&git, args.range.as_deref())?;
    let notes = notes_of(&git, &list)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ExportFormat::AgentTrace => out.write_all(agent_trace(&list, &notes).as_bytes())?,
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &export::json(&list, &notes))?;
            writeln!(out)?;
        }
        ExportFormat::Sarif => {
            let policy = repo.policy()?;
            serde_json::to_writer_pretty(&mut out, &export::sarif(&list, &notes, &policy))?;
            writeln!(out)?;
        }
    }
    Ok(Outcome::Clean)
}
