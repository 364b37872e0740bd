//! `vouch hook NAME …`: what the installed git hooks run (hidden from help).
//! Hooks that run after the fact never fail the git operation: problems are
//! reported on stderr and the exit status is 0.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::Outcome;
use vouch_core::commit::{checkout, gate, gc, record, remote, trailers};
use vouch_core::git::Git;
use vouch_core::service::Service;

#[derive(Args, Debug)]
pub(crate) struct HookArgs {
    #[command(subcommand)]
    pub(crate) hook: HookCommand,
}

#[derive(Subcommand, Debug)]
pub(crate) enum HookCommand {
    /// Write the provenance note of the new HEAD
    PostCommit,
    /// Carry notes to rewritten commits (`old new` pairs on stdin)
    PostRewrite {
        /// `amend` or `rebase`
        kind: Option<String>,
    },
    /// Merge the remote's notes into ours and push them (without force)
    PrePush {
        remote: Option<String>,
        url: Option<String>,
    },
    /// Keep and restore attribution across branch switches
    PostCheckout {
        old: Option<String>,
        new: Option<String>,
        /// 1 for a branch checkout, 0 for a file checkout
        flag: Option<String>,
    },
    /// Write the provenance note of the merge commit `git merge` just made
    PostMerge {
        /// 1 for a squash merge (no commit), 0 otherwise
        squash: Option<String>,
    },
    /// Merge notes that `git fetch` just stored into the local notes ref
    /// (the hook earlier versions installed; kept for those still in place)
    ReferenceTransaction {
        /// `prepared`, `committed` or `aborted`
        state: Option<String>,
    },
    /// Append AI trailers to the commit message
    PrepareCommitMsg {
        #[arg(long)]
        style: String,
        file: PathBuf,
        source: Option<String>,
        sha: Option<String>,
    },
}

/// Merges the notes `git fetch` brought since the last merge (a problem is
/// a warning: the hook's own work goes on).
fn merge_fetched_notes(service: &Service, git: &Git) {
    merge_fetched_into(git, service.workspace.git_dir.as_deref());
}

/// [`merge_fetched_notes`] of the repository whose git directory is `git_dir`.
fn merge_fetched_into(git: &Git, git_dir: Option<&std::path::Path>) {
    let Some(git_dir) = git_dir else {
        return;
    };
    if let Err(e) = remote::merge_all_fetched(git, git_dir) {
        eprintln!(
            "vouch: warning: merging fetched notes: {}",
            vouch_core::untrusted::escape(&e.to_string())
        );
    }
}

/// The git repository of `service`'s workspace.
pub(crate) fn git_of(service: &Service) -> anyhow::Result<Git> {
    if service.workspace.git_dir.is_none() {
        anyhow::bail!(
            "{} is not inside a git repository",
            service.workspace.root.display()
        );
    }
    Ok(Git::new(&service.workspace.root))
}

pub(crate) fn run(args: HookArgs) -> anyhow::Result<Outcome> {
    let name = match &args.hook {
        HookCommand::PostCommit => "post-commit",
        HookCommand::PostRewrite { .. } => "post-rewrite",
        HookCommand::PrePush { .. } => "pre-push",
        HookCommand::PrepareCommitMsg { .. } => "prepare-commit-msg",
        HookCommand::ReferenceTransaction { .. } => "reference-transaction",
        HookCommand::PostCheckout { .. } => "post-checkout",
        HookCommand::PostMerge { .. } => "post-merge",
    };
    if let Err(e) = run_hook(args) {
        let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
        eprintln!(
            "vouch: warning: the {name} hook failed: {}",
            vouch_core::untrusted::escape(&chain.join(": "))
        );
    }
    Ok(Outcome::Clean)
}

fn run_hook(args: HookArgs) -> anyhow::Result<()> {
    let service = Service::open(&super::current_dir()?)?;
    let git = git_of(&service)?;
    match args.hook {
        HookCommand::PostCommit => {
            let mut service = service;
            record::post_commit(&mut service, &git).context("writing the provenance note")?;
        }
        HookCommand::PostRewrite { kind } => {
            merge_fetched_notes(&service, &git);
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input)?;
            let pairs = record::parse_rewrites(&input);
            record::post_rewrite(&git, &pairs).context("carrying provenance notes")?;
            if kind.as_deref() == Some("rebase") {
                let mut service = service;
                checkout::after_rebase(&mut service, &git)
                    .context("bringing the store to the rebased files")?;
            }
            // The replaced commits' notes were carried: drop those now unreachable.
            let olds: Vec<String> = pairs.into_iter().map(|(old, _)| old).collect();
            gc::drop_unreachable(&git, &olds).context("dropping notes of replaced commits")?;
        }
        HookCommand::PrePush { remote, .. } => {
            // git's input: `<local ref> <local sha> <remote ref> <remote sha>` per ref pushed.
            let mut input = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut input);
            let pushing: Vec<String> = String::from_utf8_lossy(&input)
                .lines()
                .filter_map(|l| l.split_whitespace().nth(2).map(str::to_owned))
                .collect();
            let remote = remote.unwrap_or_else(|| remote::REMOTE.to_owned());
            if let Some(msg) = remote::sync(&git, &remote, &pushing)? {
                eprintln!("vouch: warning: {}", vouch_core::untrusted::escape(&msg));
            }
        }
        HookCommand::PostCheckout { old, new, flag } => {
            // Fetched notes are merged meanwhile: bringing the store to the
            // checked-out files reads no notes.
            let git_dir = service.workspace.git_dir.clone();
            let mut service = service;
            std::thread::scope(|scope| -> anyhow::Result<()> {
                scope.spawn(|| merge_fetched_into(&git, git_dir.as_deref()));
                if let (Some(old), Some(new)) = (old, new) {
                    checkout::post_checkout(&mut service, &git, &old, &new)?;
                }
                Ok(())
            })?;
            // A file checkout (`git checkout REV -- FILE`): the store learns
            // what the gate knows of the staged text.
            if flag.as_deref() == Some("0") {
                record::teach_from_index(&mut service, &git)
                    .context("attributing the checked-out files")?;
            }
        }
        HookCommand::PostMerge { squash } => {
            merge_fetched_notes(&service, &git);
            let mut service = service;
            if squash.as_deref() == Some("1") {
                // Nothing committed: the store learns what the gate knows.
                record::teach_from_index(&mut service, &git)
                    .context("attributing the squashed files")?;
            } else {
                record::post_merge(&mut service, &git).context("writing the merge's note")?;
            }
        }
        HookCommand::ReferenceTransaction { state } => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input)?;
            if state.as_deref() == Some("committed") {
                remote::merge_fetched(&git, &input)?;
            }
        }
        HookCommand::PrepareCommitMsg {
            style,
            file,
            source,
            ..
        } => {
            if matches!(source.as_deref(), Some("merge")) {
                return Ok(());
            }
            let style = trailers::Style::parse(&style)
                .with_context(|| format!("unknown trailer style `{style}`"))?;
            let lines = gate::staged_lines(&service, &git)?;
            let found = trailers::trailers(style, &lines);
            trailers::append(&git, &file, &found)?;
        }
    }
    Ok(())
}
