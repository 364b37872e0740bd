//! `vouch ci …`: steps for CI jobs. `vouch ci post-merge` writes the notes of
//! commits a forge created when it squash- or rebase-merged a pull request,
//! and pushes them (docs/ci.md).

use clap::{Args, Subcommand};

use super::Outcome;
use super::verify::short;
use vouch_core::commit::ci::{Landing, post_merge, push_notes};
use vouch_core::present::count;
use vouch_core::service::Service;

#[derive(Args, Debug)]
pub(crate) struct CiArgs {
    #[command(subcommand)]
    pub(crate) command: CiCommand,
}

#[derive(Subcommand, Debug)]
pub(crate) enum CiCommand {
    /// After a forge merged a pull request: notes for the commits that landed, mapped from the pull request's by content, pushed
    #[command(
        long_about = "Forges squash-merge and rebase-merge on their servers, where no hooks run: the commits that land on the target branch have no notes. This writes them: B is the target branch before the merge, H the pull request's head, M the target branch after it. Each landed commit (first-parent, B..M) gets the notes of the pull request's commits (merge-base(B, H)..H) carried through each file's diff, so lines keep their AI attribution exactly where their text is unchanged. A squash merge maps all of them onto the one landed commit; a rebase merge pairs them in order. A true merge or fast-forward needs nothing. Approvals are bound to the lines' text and need no copying. Then pushes refs/notes/vouch to the remote (fetching, merging as a set and retrying when another push got there first). The pull request's commits and the notes must have been fetched. Exit 0; 2 on error (including a push that still fails after the retries).",
        after_help = "Examples:\n  git fetch origin '+refs/notes/vouch*:refs/notes/remotes/origin/vouch*' \"$HEAD_SHA\"\n  vouch ci post-merge --base \"$BEFORE_SHA\" --head \"$HEAD_SHA\" --merged \"$AFTER_SHA\"\n  vouch ci post-merge --base main@{1} --head feature --merged main --no-push"
    )]
    PostMerge(PostMergeArgs),
}

#[derive(Args, Debug)]
pub(crate) struct PostMergeArgs {
    /// The target branch before the merge
    #[arg(long, value_name = "B")]
    pub(crate) base: String,
    /// The pull request's head commit
    #[arg(long, value_name = "H")]
    pub(crate) head: String,
    /// The target branch after the merge
    #[arg(long, value_name = "M")]
    pub(crate) merged: String,
    /// The remote to push the notes to
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub(crate) remote: String,
    /// Write the notes locally only
    #[arg(long)]
    pub(crate) no_push: bool,
}

pub(crate) fn run(args: CiArgs) -> anyhow::Result<Outcome> {
    match args.command {
        CiCommand::PostMerge(a) => run_post_merge(a),
    }
}

fn run_post_merge(a: PostMergeArgs) -> anyhow::Result<Outcome> {
    let service = Service::open(&super::current_dir()?)?;
    let git = super::hook::git_of(&service)?;
    let done = post_merge(&git, &a.base, &a.head, &a.merged)?;
    let mut line = match done.landing {
        Landing::Merged => {
            "vouch ci post-merge: the pull request's commits landed as they are; their notes apply."
                .to_owned()
        }
        Landing::Nothing => "vouch ci post-merge: nothing landed.".to_owned(),
        l => format!(
            "vouch ci post-merge: {}: notes written for {} from {}{}.",
            l.as_str(),
            count(done.written.len(), "landed commit", "landed commits"),
            count(done.sources, "pull-request commit", "pull-request commits"),
            if done.written.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    done.written
                        .iter()
                        .map(|c| short(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
    };
    if !a.no_push && !done.written.is_empty() {
        push_notes(&git, &a.remote)?;
        line.push_str(&format!(
            " Pushed the notes to {}.",
            vouch_core::untrusted::escape(&a.remote)
        ));
    }
    println!("{line}");
    Ok(Outcome::Clean)
}
