//! `vouch init`: git hooks for this repository, or (with `--agent`) a coding agent's hooks.

use anyhow::Context;

use super::Outcome;
use super::args::{InitArgs, TrailerStyle};
use vouch_core::commit::hooks::{self, Hook};
use vouch_core::commit::notes::Notes;
use vouch_core::commit::remote;
use vouch_core::git::Git;
use vouch_core::workspace::Workspace;

pub(crate) fn run(args: InitArgs) -> anyhow::Result<Outcome> {
    if let Some(agent) = args.agent {
        return super::init_agent::run(agent, args.global, args.uninstall);
    }
    let workspace = Workspace::discover(&super::current_dir()?)?;
    if workspace.git_dir.is_none() {
        anyhow::bail!(
            "{} is not inside a git repository: git hooks need one (run `git init` first)",
            workspace.root.display()
        );
    }
    let git = Git::new(&workspace.root);
    let dir = hooks::hooks_dir(&git)?;
    let notes = Notes::new(&git)?;
    let mut changes = Vec::new();
    if args.uninstall {
        for hook in Hook::ALL {
            changes.extend(hooks::uninstall(&dir, hook)?);
        }
        changes.extend(remote::unconfigure_all(&git)?);
        report(&changes, "vouch init --uninstall: nothing to remove");
        return Ok(Outcome::Clean);
    }
    if let Some(shared) = inside_work_tree(&dir, &workspace) {
        anyhow::bail!(
            "git runs hooks from {} (core.hooksPath), a folder inside the work tree that others share; \
             vouch does not change files there. Either unset it for this clone \
             (`git config --unset core.hooksPath`, then `vouch init` installs into the git directory), \
             or call `vouch check --staged` from your team's pre-commit hook (docs/commit-time.md)",
            shared.display()
        );
    }
    let exe = std::env::current_exe().context("cannot find the running vouch binary")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let mut wanted = vec![
        (Hook::PreCommit, "check --staged --for-commit".to_owned()),
        (Hook::PostCommit, "hook post-commit".to_owned()),
        (Hook::PostRewrite, "hook post-rewrite".to_owned()),
        (Hook::PrePush, "hook pre-push".to_owned()),
        (Hook::PostCheckout, "hook post-checkout".to_owned()),
        (Hook::PostMerge, "hook post-merge".to_owned()),
    ];
    let style = args.trailer.map(|t| match t {
        TrailerStyle::AssistedBy => "assisted-by",
        TrailerStyle::CoAuthoredBy => "co-authored-by",
    });
    if let Some(style) = style {
        wanted.push((
            Hook::PrepareCommitMsg,
            format!("hook prepare-commit-msg --style {style}"),
        ));
    }
    for (hook, vouch_args) in &wanted {
        let body = hooks::script(*hook, &exe, vouch_args);
        changes.extend(hooks::install(&dir, *hook, &body)?);
    }
    // Earlier versions' reference-transaction hook (git ran it on every ref
    // update): removed, a chained one put back; the hooks above merge
    // fetched notes instead.
    changes.extend(hooks::uninstall(&dir, Hook::ReferenceTransaction)?);
    changes.extend(remote::configure_all(&git)?);
    report(&changes, "vouch init: already set up, nothing changed");
    if git.config("remote.origin.url")?.is_none() {
        println!(
            "note: no remote `origin` yet; run `vouch init` again after adding it so push and fetch carry {} and {}",
            notes.ref_name,
            vouch_core::commit::notes::APPROVALS_REF
        );
    }
    Ok(Outcome::Clean)
}

/// `dir` (where git runs hooks) when it lies in the work tree rather than in
/// the git directory: a `core.hooksPath` pointing at a tracked folder.
fn inside_work_tree(dir: &std::path::Path, workspace: &Workspace) -> Option<std::path::PathBuf> {
    let real = dir.ancestors().find_map(|a| a.canonicalize().ok())?;
    let git_dir = workspace.git_dir.as_ref()?.canonicalize().ok()?;
    let common = Git::new(&workspace.root)
        .git_path("objects")
        .ok()
        .and_then(|o| o.parent().map(std::path::Path::to_path_buf))
        .and_then(|c| c.canonicalize().ok());
    let in_git = real.starts_with(&git_dir) || common.is_some_and(|c| real.starts_with(c));
    (real.starts_with(&workspace.root) && !in_git).then(|| dir.to_path_buf())
}

fn report(changes: &[String], nothing: &str) {
    if changes.is_empty() {
        println!("{nothing}");
    }
    for c in changes {
        println!("vouch init: {c}");
    }
}
