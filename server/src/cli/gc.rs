//! `vouch gc`: drops the notes of commits no longer reachable (left behind
//! by amend, rebase or a deleted branch).

use anyhow::Context;

use super::Outcome;
use vouch_core::commit::gc;
use vouch_core::git::Git;
use vouch_core::workspace::Workspace;

pub(crate) fn run() -> anyhow::Result<Outcome> {
    // Only git is needed: the store is neither opened nor created.
    let workspace = Workspace::discover(&super::current_dir()?)?;
    if workspace.git_dir.is_none() {
        anyhow::bail!(
            "{} is not inside a git repository",
            workspace.root.display()
        );
    }
    let git = Git::new(&workspace.root);
    let removed = gc::gc(&git).context("removing notes of unreachable commits")?;
    println!(
        "vouch gc: removed the notes of {}",
        vouch_core::present::count(removed.len(), "unreachable commit", "unreachable commits")
    );
    Ok(Outcome::Clean)
}
