//! `vouch mark`.

use super::Outcome;
use super::args::MarkArgs;

pub fn run(_args: MarkArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("not implemented yet")
}
