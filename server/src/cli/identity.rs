//! The reviewer identity: `--as`, else git's `user.name <user.email>`.

use std::process::Command;

use anyhow::bail;

use vouch_core::workspace::Workspace;

pub(crate) fn reviewer(explicit: Option<String>, workspace: &Workspace) -> anyhow::Result<String> {
    if let Some(id) = explicit {
        if id.trim().is_empty() {
            bail!("--as needs a non-empty identity");
        }
        return Ok(id);
    }
    if let Some(id) = git_identity(workspace) {
        return Ok(id);
    }
    bail!(
        "no reviewer identity: pass --as 'Name <email>' or set git config user.name and user.email"
    )
}

/// `user.name <user.email>` from git's configuration, if both are set.
pub(crate) fn git_identity(workspace: &Workspace) -> Option<String> {
    let get = |key: &str| -> Option<String> {
        let out = Command::new("git")
            .args(["config", "--get", key])
            .current_dir(&workspace.root)
            .env("LC_ALL", "C")
            .output()
            .ok()?;
        let v = String::from_utf8(out.stdout).ok()?.trim().to_owned();
        (out.status.success() && !v.is_empty()).then_some(v)
    };
    Some(format!("{} <{}>", get("user.name")?, get("user.email")?))
}
