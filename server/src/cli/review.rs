//! `vouch review`.

use super::Outcome;
use super::args::ReviewArgs;

pub fn run(_args: ReviewArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("not implemented yet")
}
