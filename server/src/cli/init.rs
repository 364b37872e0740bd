//! `vouch init`: git hooks for this repository, or (with `--agent`) a coding agent's hooks.

use super::Outcome;
use super::args::InitArgs;

pub fn run(args: InitArgs) -> anyhow::Result<Outcome> {
    if let Some(agent) = args.agent {
        return super::init_agent::run(agent, args.global, args.uninstall);
    }
    anyhow::bail!("git hook installation is not implemented yet")
}
