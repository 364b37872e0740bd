//! `vouch review`: mark AI-written text on some lines reviewed.

use super::Outcome;
use super::args::ReviewArgs;
use super::edit::{Targets, for_each_target};
use crate::ledger::{Review, now_millis};
use crate::service::Service;
use crate::untrusted::escape;

pub fn run(args: ReviewArgs) -> anyhow::Result<Outcome> {
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
    let mut total = 0;
    for_each_target(
        &mut service,
        targets,
        |ledger, range| Ok(ledger.mark_reviewed(range, &review)?),
        |path, bytes| {
            if bytes > 0 {
                println!(
                    "{}: reviewed {bytes} bytes of AI-written code",
                    escape(path)
                );
            }
            total += bytes;
        },
    )?;
    if total == 0 {
        println!("Nothing to review: no unreviewed AI-written code there.");
    } else {
        println!("Reviewed as {}.", escape(&review.by));
    }
    Ok(Outcome::Clean)
}
