//! `vouch export [--format agent-trace|sarif|json] [REV-RANGE]`.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::Outcome;
use vouch_core::commit::export::{self, each_note, each_trace_note, walk};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportFormat {
    /// Agent Trace 0.1.0 records, one JSON line per annotated commit
    AgentTrace,
    /// SARIF 2.1.0 (code scanning): what the policy blocks as `fail` results at its severity; what it accepts as `pass` (level none), suppressed
    Sarif,
    /// A JSON array of commits with their AI line ranges
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "agent-trace")]
    pub(crate) format: ExportFormat,
    /// Commits to export, as for `git log` (default: HEAD and its history)
    pub(crate) range: Option<String>,
}

pub(crate) fn run(args: ExportArgs) -> anyhow::Result<Outcome> {
    // Works in a bare repository too; opens no store, creates nothing.
    let repo = super::repo::ReadRepo::open()?;
    let git = repo.git.clone();
    let walked = walk(&git, args.range.as_deref())?;
    let policy = match args.format {
        ExportFormat::Sarif => Some(repo.policy()?),
        _ => None,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Written commit by commit as the notes are read (a batch at a time), so
    // memory does not grow with the number of notes. The JSON forms are
    // byte for byte what serde_json's pretty printer makes of the whole.
    match (args.format, &policy) {
        // A note of one record is written as it is: its lines are not read.
        (ExportFormat::AgentTrace, _) => each_trace_note(&walked, |c, note| {
            if let Some(n) = note {
                writeln!(out, "{}", export::agent_trace_line(c, n))?;
            }
            Ok(())
        })?,
        (ExportFormat::Json, _) => {
            let mut array = PrettyArray::new("");
            each_note(&walked, |c, note| {
                if let Some(n) = note {
                    array.item(&mut out, &export::json_item(c, &n))?;
                }
                Ok(())
            })?;
            array.end(&mut out)?;
            writeln!(out)?;
        }
        (ExportFormat::Sarif, Some(policy)) => {
            let log = serde_json::to_string_pretty(&export::sarif_log())?;
            let marker = "\"results\": []";
            let at = log
                .find(marker)
                .ok_or_else(|| anyhow::anyhow!("SARIF skeleton without results"))?;
            let split = at + marker.len() - 2;
            let line_start = log[..at].rfind('\n').map_or(0, |i| i + 1);
            out.write_all(&log.as_bytes()[..split])?;
            let mut array = PrettyArray::new(&log[line_start..at]);
            each_note(&walked, |c, note| {
                if let Some(n) = note {
                    for r in export::sarif_results(c, &n, policy) {
                        array.item(&mut out, &r)?;
                    }
                }
                Ok(())
            })?;
            array.end(&mut out)?;
            out.write_all(&log.as_bytes()[split + 2..])?;
            writeln!(out)?;
        }
        (ExportFormat::Sarif, None) => unreachable!("the policy is loaded for SARIF"),
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// A JSON array written element by element exactly as
/// `serde_json::to_writer_pretty` writes the whole array whose `[` is on a
/// line indented by `indent`.
struct PrettyArray {
    indent: String,
    items: usize,
}

impl PrettyArray {
    fn new(indent: &str) -> PrettyArray {
        PrettyArray {
            indent: indent.to_owned(),
            items: 0,
        }
    }

    fn item(
        &mut self,
        out: &mut impl Write,
        value: &serde_json::Value,
    ) -> Result<(), vouch_core::commit::CommitError> {
        out.write_all(if self.items == 0 { b"[\n" } else { b",\n" })?;
        self.items += 1;
        let text = serde_json::to_string_pretty(value)?;
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            write!(out, "{}  {line}", self.indent)?;
        }
        Ok(())
    }

    fn end(self, out: &mut impl Write) -> std::io::Result<()> {
        if self.items == 0 {
            out.write_all(b"[]")
        } else {
            write!(out, "\n{}]", self.indent)
        }
    }
}
