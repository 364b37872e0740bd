//! `vouch mark`: declare lines AI-written.

use anyhow::bail;

use super::Outcome;
use super::args::MarkArgs;
use super::location::Location;
use vouch_core::ledger::{AiKind, AiSource, now_millis};
use vouch_core::service::Service;
use vouch_core::untrusted::check_name;

pub(crate) fn run(args: MarkArgs) -> anyhow::Result<Outcome> {
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
    // Text already marked as this tool's (same model, unreviewed) is left
    // as it is: marking it again changes nothing.
    let same = |a: &vouch_core::ledger::Attribution| {
        a.is_unreviewed_ai()
            && a.source().is_some_and(|s| {
                s.tool == source.tool && s.model == source.model && s.kind == source.kind
            })
    };
    let bytes = service
        .update(&location.path, |ledger| -> anyhow::Result<Option<usize>> {
            let range = location.byte_range(ledger)?;
            let differ: usize = ledger
                .spans()
                .into_iter()
                .filter(|(r, a)| r.end > range.start && r.start < range.end && !same(a))
                .map(|(r, _)| r.end.min(range.end) - r.start.max(range.start))
                .sum();
            if differ == 0 {
                return Ok(None);
            }
            ledger.mark_ai(range, &source)?;
            Ok(Some(differ))
        })?
        .unwrap_or(0);
    let (start, end) = location.lines.unwrap_or((1, 1));
    let lines = vouch_core::present::lines_label(start, end);
    let shown = super::paths::Shown::new(&service.workspace)?.path(&location.path);
    let tool = vouch_core::untrusted::escape(&source.tool);
    if bytes == 0 {
        println!("{shown}:{lines}: already marked as written by {tool}, nothing changed");
    } else {
        println!(
            "{shown}:{lines}: marked as written by {tool} ({} changed)",
            vouch_core::present::count(bytes, "byte", "bytes")
        );
    }
    Ok(Outcome::Clean)
}
