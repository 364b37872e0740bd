//! `vouch forget`: drop the AI attribution of some lines.

use super::Outcome;
use super::args::ForgetArgs;
use super::edit::{Targets, for_each_target};
use vouch_core::service::Service;

pub(crate) fn run(args: ForgetArgs) -> anyhow::Result<Outcome> {
    let mut service = Service::open(&super::current_dir()?)?;
    let shown = super::paths::Shown::new(&service.workspace)?;
    let mut total = 0;
    for_each_target(
        &mut service,
        Targets::Locations(&args.locations),
        |_, ledger, range| Ok(ledger.forget(range)?),
        |path, bytes| {
            if bytes > 0 {
                println!(
                    "{}: {} now attributed to a person",
                    shown.path(path),
                    vouch_core::present::count(bytes, "byte is", "bytes are")
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
