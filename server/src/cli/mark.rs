//! `vouch mark`: declare lines AI-written.

use anyhow::bail;

use super::Outcome;
use super::args::MarkArgs;
use super::location::Location;
use crate::ledger::{AiKind, AiSource, now_millis};
use crate::service::Service;
use crate::untrusted::check_name;

pub fn run(args: MarkArgs) -> anyhow::Result<Outcome> {
    let mut service = Service::open(&super::current_dir()?)?;
    let location = Location::parse(&args.location, &service.workspace)?;
    if location.lines.is_none() {
        bail!(
            "{}: give the lines to mark, as PATH:START-END",
            args.location
        );
    }
    if let Err(e) = check_name(&args.tool) {
        bail!("--tool: {e}");
    }
    if let Some(m) = &args.model
        && let Err(e) = check_name(m)
    {
        bail!("--model: {e}");
    }
    let source = AiSource {
        tool: args.tool,
        model: args.model,
        kind: AiKind::Manual,
        session: None,
        accepted_at: now_millis(),
    };
    if service.read_text(&location.path)?.is_none() {
        bail!("{}: no such file", location.path);
    }
    let bytes = service
        .update(&location.path, |ledger| -> anyhow::Result<Option<usize>> {
            let range = location.byte_range(ledger)?;
            Ok(Some(ledger.mark_ai(range, &source)?))
        })?
        .unwrap_or(0);
    let (start, end) = location.lines.unwrap_or((1, 1));
    println!(
        "{}:{start}-{end}: marked as written by {} ({bytes} bytes changed)",
        crate::untrusted::escape(&location.path),
        source.tool
    );
    Ok(Outcome::Clean)
}
