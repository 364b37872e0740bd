//! `vouch init --agent NAME`: writes the agent's hook configuration.

use super::Outcome;
use super::args::AgentName;

pub fn run(_agent: AgentName, _global: bool, _uninstall: bool) -> anyhow::Result<Outcome> {
    anyhow::bail!("agent hook installation is not implemented yet")
}
