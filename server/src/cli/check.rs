//! `vouch check [--staged]`: the pre-commit gate (exit 1 when staged lines
//! hold AI code that does not count as reviewed).

use clap::Args;

use super::Outcome;
use crate::commit::gate;
use crate::commit::lines::{self, CommitLines};
use crate::commit::policy::Policy;
use crate::service::Service;
use crate::untrusted::escape;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Check the content about to be committed (the index; honours GIT_INDEX_FILE)
    /// instead of the working tree
    #[arg(long)]
    pub staged: bool,
}

pub fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    let service = Service::open_read_only(&super::current_dir()?)?;
    let policy = Policy::load(&service.workspace.root)?;
    if !policy.require {
        println!("vouch: review is not required here (vouch.toml: [review] require = false)");
        return Ok(Outcome::Clean);
    }
    let (lines, author) = if args.staged {
        let git = super::hook::git_of(&service)?;
        let lines = gate::staged_lines(&service, &git)?;
        let author = if policy.needs_author() && !lines.is_empty() {
            gate::author_ident(&git)
        } else {
            None
        };
        (lines, author)
    } else {
        (working_lines(&service)?, None)
    };
    let findings = gate::findings(&lines, &policy, author.as_deref());
    if findings.is_empty() {
        return Ok(Outcome::Clean);
    }
    for f in &findings {
        println!("{}:{}: {}", escape(&f.path), f.line, escape(&f.reason));
    }
    let n = findings.len();
    let s = if n == 1 { "" } else { "s" };
    let place = if args.staged { "staged " } else { "" };
    println!();
    let verb = if n == 1 { "holds" } else { "hold" };
    println!("vouch: {n} {place}line{s} {verb} AI-written code that is not reviewed as required.");
    println!(
        "Review: run `vouch review PATH:START-END` (or use your editor's \"Mark as reviewed\" action), then commit again."
    );
    if args.staged {
        println!(
            "Bypass: `git commit --no-verify` commits anyway; the code is then recorded as unreviewed in the commit's note."
        );
    }
    if policy.severity.blocks() {
        Ok(Outcome::Found)
    } else {
        Ok(Outcome::Clean)
    }
}

/// The AI lines of every tracked working-tree file.
fn working_lines(service: &Service) -> anyhow::Result<CommitLines> {
    let mut out = CommitLines::new();
    let mut paths = service.store.paths()?;
    paths.extend(service.renames()?.into_iter().map(|(_, to)| to));
    for path in paths {
        if service.read_text(&path)?.is_none() {
            continue;
        }
        if let Some(ledger) = service.current(&path)? {
            let file = lines::from_ledger(&ledger);
            if !file.is_empty() {
                out.insert(path, file);
            }
        }
    }
    Ok(out)
}
