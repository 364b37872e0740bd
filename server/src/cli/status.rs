//! `vouch status`.

use super::Outcome;
use super::args::StatusArgs;

pub fn run(_args: StatusArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("not implemented yet")
}
