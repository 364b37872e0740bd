//! `vouch verify [REV-RANGE]`: for CI; exit 1 listing commits whose AI lines
//! are not reviewed as `vouch.toml` requires (or that have no note but AI trailers).

use clap::Args;

use super::Outcome;
use crate::commit::policy::Policy;
use crate::commit::verify::verify;
use crate::service::Service;
use crate::untrusted::escape;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Commits to check, as for `git log` (e.g. origin/main..HEAD; default: HEAD and its history)
    pub range: Option<String>,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<Outcome> {
    let service = Service::open_read_only(&super::current_dir()?)?;
    let git = super::hook::git_of(&service)?;
    let policy = Policy::load(&service.workspace.root)?;
    let (checked, offenders) = verify(&git, &policy, args.range.as_deref())?;
    if offenders.is_empty() {
        let s = if checked == 1 { "" } else { "s" };
        println!(
            "vouch verify: {checked} commit{s} checked; every AI line is reviewed as the policy requires."
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "vouch verify: {} of {checked} commits hold AI code not reviewed as the policy requires:",
        offenders.len()
    );
    for o in &offenders {
        println!();
        println!("{} {}", o.commit.sha, escape(o.commit.subject()));
        for p in &o.problems {
            println!("  {}", escape(p));
        }
    }
    Ok(if policy.severity.blocks() {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}
