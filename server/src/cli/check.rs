//! `vouch check [--staged]`: the pre-commit gate (exit 1 when staged lines
//! hold AI code that does not count as reviewed).

use std::io::Write;

use clap::Args;

use super::Outcome;
use vouch_core::commit::gate;
use vouch_core::commit::lines::{self, CommitLines};
use vouch_core::commit::policy::Policy;
use vouch_core::commit::working::Working;
use vouch_core::present::{lines_label, plural};
use vouch_core::service::Service;
use vouch_core::untrusted::escape;

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// Check the content about to be committed (the index; honours GIT_INDEX_FILE)
    /// instead of the working tree
    #[arg(long)]
    pub(crate) staged: bool,
    /// As the installed pre-commit hook runs it (`--staged --for-commit`):
    /// also teach the store the staged text of each file whose working tree
    /// holds it, as post-commit would right after; only with --staged
    #[arg(long, requires = "staged", hide = true)]
    pub(crate) for_commit: bool,
}

pub(crate) fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    let dir = super::current_dir()?;
    // The gate a commit waits on creates no store and leaves the WAL to the
    // writers (its hook form may write into a store that exists).
    let mut service = if args.staged {
        Service::open_read_only_in_hook(&dir)?
    } else {
        Service::open_read_only(&dir)?
    };
    let policy = Policy::load(&service.workspace.root)?;
    if !policy.require {
        println!("vouch: review is not required here (vouch.toml: [review] require = false)");
        return Ok(Outcome::Clean);
    }
    let (lines, author) = if args.staged {
        let git = super::hook::git_of(&service)?;
        let lines = if args.for_commit {
            // The hook's form teaches the store (one that exists); the
            // command a person runs writes nothing.
            gate::staged_lines_for_commit(&mut service, &git)?
        } else {
            gate::staged_lines(&service, &git)?
        };
        let author = if policy.needs_author() && !lines.is_empty() {
            gate::author_ident(&git)
        } else {
            None
        };
        (lines, author)
    } else {
        let lines = working_lines(&service)?;
        (lines, working_author(&service, &policy))
    };
    // The texts the lines describe, so a range runs across blank lines: for
    // the files listing several ranges, the staged blobs read in one batch,
    // or the working tree.
    let texts = if args.staged {
        let first = gate::findings(&lines, &policy, author.as_deref(), &|_| None);
        let mut several: Vec<&str> = Vec::new();
        for w in first.windows(2) {
            if w[0].path == w[1].path && several.last() != Some(&w[0].path.as_str()) {
                several.push(&w[0].path);
            }
        }
        let git = super::hook::git_of(&service)?;
        gate::staged_texts(&git, &several)?
    } else {
        std::collections::HashMap::new()
    };
    let text_of = |path: &str| -> Option<String> {
        if args.staged {
            texts.get(path).cloned()
        } else {
            service.read_text(path).ok().flatten()
        }
    };
    let findings = gate::findings(&lines, &policy, author.as_deref(), &text_of);
    if findings.is_empty() {
        return Ok(Outcome::Clean);
    }
    let shown = super::paths::Shown::new(&service.workspace)?;
    let mut out = std::io::stdout().lock();
    for f in &findings {
        let lines = lines_label(f.start_line, f.end_line);
        writeln!(
            out,
            "{}:{lines}: {}",
            shown.path(&f.path),
            escape(&f.reason)
        )?;
    }
    // AI lines, not the blank lines a range runs across.
    let n: usize = findings
        .iter()
        .map(|f| {
            lines
                .get(&f.path)
                .map_or(0, |l| l.range(f.start_line..=f.end_line).count())
        })
        .sum();
    let place = if args.staged { "staged " } else { "" };
    writeln!(out)?;
    writeln!(
        out,
        "vouch: {n} {place}{} {} AI-written code that is not reviewed as required.",
        plural(n, "line", "lines"),
        plural(n, "holds", "hold")
    )?;
    writeln!(
        out,
        "Review: run `vouch review PATH:START-END` (or use your editor's \"Mark as reviewed\" action), then commit again."
    )?;
    if args.staged {
        writeln!(
            out,
            "Bypass: `git commit --no-verify` commits anyway; the code is then recorded as unreviewed in the commit's note."
        )?;
    }
    if policy.severity.blocks() {
        Ok(Outcome::Found)
    } else {
        Ok(Outcome::Clean)
    }
}

/// The author a commit made now would have, when the policy needs it
/// (`distinct_from_author`) and git knows it.
pub(crate) fn working_author(service: &Service, policy: &Policy) -> Option<String> {
    if !policy.needs_author() {
        return None;
    }
    let git = super::hook::git_of(service).ok()?;
    gate::author_ident(&git)
}

/// The AI lines of every working-tree file, as `vouch status` sees them.
fn working_lines(service: &Service) -> anyhow::Result<CommitLines> {
    let mut out = CommitLines::new();
    let mut working = Working::new(service)?;
    let scope = super::scope::Scope::parse(&[], &service.workspace)?;
    for (path, text) in scope.files(service, &mut working)? {
        if let Some(ledger) = working.ledger(&path, &text)? {
            let file = lines::from_ledger(&ledger);
            if !file.is_empty() {
                out.insert(path, file);
            }
        }
    }
    Ok(out)
}
