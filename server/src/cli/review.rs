//! `vouch review`: mark AI-written text on some lines reviewed. Reviews
//! accumulate: an earlier reviewer's review stays.

use std::cell::RefCell;

use super::Outcome;
use super::args::ReviewArgs;
use super::edit::{Targets, for_each_target};
use vouch_core::commit::lines;
use vouch_core::commit::policy::Policy;
use vouch_core::ledger::{Review, now_millis};
use vouch_core::service::Service;
use vouch_core::untrusted::escape;

pub(crate) fn run(args: ReviewArgs) -> anyhow::Result<Outcome> {
    let mut service = Service::open(&super::current_dir()?)?;
    let review = Review {
        by: super::identity::reviewer(args.identity, &service.workspace)?,
        at: now_millis(),
    };
    let targets = if args.all {
        Targets::AllTracked
    } else {
        Targets::Locations(&args.locations)
    };
    // `--all` reviews what the policy does not accept yet (what `vouch status`
    // lists), unless --include-accepted.
    let only_blocked = args.all && !args.include_accepted;
    let policy = if only_blocked {
        Some(Policy::load(&service.workspace.root)?)
    } else {
        None
    };
    let author = policy
        .as_ref()
        .and_then(|p| super::check::working_author(&service, p));
    let shown = super::paths::Shown::new(&service.workspace)?;
    let mut total = 0;
    // Where the text was reviewed, for the report printed once the write
    // committed: a location with lines or a unit shows its lines (so a
    // reviewed unit shows where it was found), a whole file its path.
    let places: RefCell<Vec<String>> = RefCell::new(Vec::new());
    for_each_target(
        &mut service,
        targets,
        |path, ledger, range| {
            let whole = range.start == 0 && range.end == ledger.len();
            let ranges = match &policy {
                Some(policy) => {
                    let file = lines::from_ledger(ledger);
                    let text = ledger.text();
                    policy
                        .what_blocks(path, &file, Some(&text), author.as_deref())
                        .into_iter()
                        .filter(|j| j.verdict.blocks())
                        .filter_map(|j| ledger.line_range(j.start_line - 1, j.end_line - 1).ok())
                        .collect()
                }
                None => vec![range.clone()],
            };
            let mut bytes = 0;
            for range in ranges {
                bytes += ledger.mark_reviewed(range, &review)?;
            }
            if bytes > 0 && !whole && policy.is_none() {
                let first = ledger.line_of(range.start) + 1;
                let last = ledger.line_of(range.end.saturating_sub(1).max(range.start)) + 1;
                places
                    .borrow_mut()
                    .push(format!("{}:{first}-{last}", shown.path(path)));
            }
            Ok(bytes)
        },
        |path, bytes| {
            let mut at = places.borrow_mut();
            if bytes > 0 {
                let place = if at.is_empty() {
                    shown.path(path)
                } else {
                    at.join(", ")
                };
                println!(
                    "{place}: reviewed {} of AI-written code",
                    vouch_core::present::count(bytes, "byte", "bytes")
                );
            }
            at.clear();
            total += bytes;
        },
    )?;
    if total == 0 {
        if only_blocked {
            println!(
                "Nothing to review: the policy accepts all AI-written code (see `vouch status --all`)."
            );
        } else {
            println!(
                "Nothing to review: no AI-written code there that {} has not reviewed.",
                escape(&review.by)
            );
        }
    } else {
        println!("Reviewed as {}.", escape(&review.by));
    }
    Ok(Outcome::Clean)
}
