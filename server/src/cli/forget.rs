//! `vouch forget`: drop the AI attribution of some lines.

use super::Outcome;
use super::args::ForgetArgs;
use super::edit::{Targets, for_each_target};
use crate::service::Service;

pub fn run(args: ForgetArgs) -> anyhow::Result<Outcome> {
    let mut service = Service::open(&super::current_dir()?)?;
    let mut total = 0;
    for_each_target(
        &mut service,
        Targets::Locations(&args.locations),
        |ledger, range| Ok(ledger.forget(range)?),
        |path, bytes| {
            if bytes > 0 {
                println!(
                    "{}: {bytes} bytes are now attributed to a person",
                    crate::untrusted::escape(path)
                );
            }
            total += bytes;
        },
    )?;
    if total == 0 {
        println!("Nothing to forget: no AI-written code there.");
    }
    Ok(Outcome::Clean)
}
