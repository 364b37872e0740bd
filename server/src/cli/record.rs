//! `vouch record --agent NAME`: attributes an agent's edit from its hook payload.
//!
//! Never breaks the agent: it always exits 0. Malformed input or an internal
//! error is reported as exactly one warning line on stderr; stdout carries
//! only what the agent's hook protocol expects.

use std::io::{Read, Write};

use clap::ValueEnum;

use super::Outcome;
use super::args::{AgentName, RecordArgs};
use vouch_core::agent::{self, Agent};

/// The payload is read up to this size (a `Write` tool's payload holds the file).
const MAX_PAYLOAD: u64 = 512 * 1024 * 1024;

pub(crate) fn agent_of(name: AgentName) -> Agent {
    match name {
        AgentName::ClaudeCode => Agent::ClaudeCode,
        AgentName::Cursor => Agent::Cursor,
        AgentName::Codex => Agent::Codex,
        AgentName::Gemini => Agent::Gemini,
        AgentName::Copilot => Agent::Copilot,
    }
}

pub(crate) fn run(args: RecordArgs) -> anyhow::Result<Outcome> {
    let name = args.agent.unwrap_or_default();
    let Ok(agent) = AgentName::from_str(&name, true).map(agent_of) else {
        let what = if name.is_empty() {
            "no --agent given".to_owned()
        } else {
            format!("unknown agent `{name}`")
        };
        let _ = writeln!(
            std::io::stderr(),
            "vouch: warning: edit not recorded: {what} (--agent takes {})",
            AgentName::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value())
                .map(|v| v.get_name().to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        );
        // Take the agent's payload anyway (bounded), so an agent writing it
        // after this process decided never meets a closed pipe.
        let _ = std::io::copy(
            &mut std::io::Read::take(std::io::stdin().lock(), 64 << 20),
            &mut std::io::sink(),
        );
        return Ok(Outcome::Clean);
    };
    // A panic must not print a backtrace or exit non-zero: report one line.
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| record(agent));
    let warning = match result {
        Ok(Ok(warnings)) if warnings.is_empty() => None,
        Ok(Ok(warnings)) => Some(warnings.join("; ")),
        Ok(Err(e)) => Some(e),
        Err(panic) => Some(format!(
            "internal error: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into())
        )),
    };
    if let Some(w) = warning {
        let line = vouch_core::untrusted::escape(&w);
        let _ = writeln!(
            std::io::stderr(),
            "vouch: warning: {} edit not recorded: {line}",
            agent.name()
        );
    }
    let reply = agent.hook_reply();
    if !reply.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(reply.as_bytes());
        let _ = out.flush();
    }
    Ok(Outcome::Clean)
}

/// Records the payload on stdin; returns the per-file warnings, or the one
/// error that stopped it.
fn record(agent: Agent) -> Result<Vec<String>, String> {
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_PAYLOAD)
        .read_to_end(&mut input)
        .map_err(|e| format!("cannot read the payload: {e}"))?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let report = agent::record(agent, &input, &cwd).map_err(|e| e.to_string())?;
    Ok(report.warnings)
}
