//! `vouch init --agent NAME`: writes the agent's hook configuration.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Outcome;
use super::args::AgentName;
use vouch_core::agent::install::{self, Change};
use vouch_core::workspace::Workspace;

pub(crate) fn run(name: AgentName, global: bool, uninstall: bool) -> anyhow::Result<Outcome> {
    let agent = super::record::agent_of(name);
    let cwd = super::current_dir()?;
    let home = home_dir();
    if global && home.is_none() {
        anyhow::bail!("--global needs the HOME environment variable");
    }
    let project = if global {
        cwd.clone()
    } else {
        Workspace::discover(&cwd)?.root
    };
    let path = install::config_path(agent, global, &project, home.as_deref().unwrap_or(&cwd));
    let path = install::resolve_target(&path, (!global).then_some(project.as_path()))?;
    let shown = path.display();
    let change = if uninstall {
        install::uninstall(agent, &path)?
    } else {
        let command = install::hook_command(&vouch_program()?, agent);
        install::install(agent, &path, &command)?
    };
    match change {
        Change::Created(events) => println!(
            "{shown}: created with Vouch hooks for {}",
            events.join(", ")
        ),
        Change::Updated(events) => println!(
            "{shown}: added or updated Vouch hooks for {}",
            events.join(", ")
        ),
        Change::Removed(events) => {
            println!("{shown}: removed Vouch hooks for {}", events.join(", "))
        }
        Change::Deleted(events) => {
            println!(
                "{shown}: removed Vouch hooks for {} and deleted the file (nothing else was in it)",
                events.join(", ")
            );
            let base = if global {
                home.as_deref().unwrap_or(&cwd)
            } else {
                project.as_path()
            };
            for dir in install::remove_empty_folders(&path, base) {
                println!("{}: removed the empty folder", dir.display());
            }
        }
        Change::Unchanged if uninstall => println!("{shown}: no Vouch hooks to remove"),
        Change::Unchanged => println!("{shown}: Vouch hooks already installed, nothing changed"),
    }
    if !uninstall && agent == vouch_core::agent::Agent::Gemini {
        println!(
            "note: Gemini CLI runs hooks only while `tools.enableHooks` is true in its settings"
        );
    }
    Ok(Outcome::Clean)
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// How hooks should run Vouch: plain `vouch` when that is this binary on
/// PATH (a config others share stays portable), else this binary's path.
fn vouch_program() -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find the vouch binary")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    if let Some(on_path) = find_on_path("vouch")
        && on_path.canonicalize().ok().as_deref() == Some(exe.as_path())
    {
        return Ok("vouch".into());
    }
    exe.to_str()
        .map(str::to_owned)
        .context("the vouch binary's path is not UTF-8")
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    p.is_file()
}
