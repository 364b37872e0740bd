//! `vouch record --agent NAME`: attributes an agent's edit from its hook payload.

use super::Outcome;
use super::args::RecordArgs;

pub fn run(_args: RecordArgs) -> anyhow::Result<Outcome> {
    eprintln!("vouch: recording agent edits is not implemented yet");
    Ok(Outcome::Clean)
}
