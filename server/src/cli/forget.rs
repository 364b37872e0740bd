//! `vouch forget`.

use super::Outcome;
use super::args::ForgetArgs;

pub fn run(_args: ForgetArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("not implemented yet")
}
