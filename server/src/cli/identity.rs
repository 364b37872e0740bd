//! The reviewer identity: `--as`, else git's `user.name <user.email>`.

use anyhow::bail;

use vouch_core::git::Git;
use vouch_core::workspace::Workspace;

pub(crate) fn reviewer(explicit: Option<String>, workspace: &Workspace) -> anyhow::Result<String> {
    if let Some(id) = explicit {
        if id.trim().is_empty() {
            bail!("--as needs a non-empty identity");
        }
        return Ok(id);
    }
    if let Some(id) = Git::new(&workspace.root).identity() {
        return Ok(id);
    }
    bail!(
        "no reviewer identity: pass --as 'Name <email>' or set git config user.name and user.email"
    )
}
