//! `vouch verify`: for CI, where hooks can be bypassed. A commit fails when
//! its note lists AI lines not reviewed as the policy requires, or when it
//! has no note but its message says AI helped (trailers).

use super::CommitError;
use super::export::{CommitInfo, commits, notes_of};
use super::policy::Policy;
use super::trailers::ai_trailers;
use crate::git::Git;

/// A commit that fails verification, with the reasons.
#[derive(Clone, Debug)]
pub struct Offender {
    pub commit: CommitInfo,
    pub problems: Vec<String>,
}

/// Checks every commit of `range`; returns how many were checked and the offenders.
pub fn verify(
    git: &Git,
    policy: &Policy,
    range: Option<&str>,
) -> Result<(usize, Vec<Offender>), CommitError> {
    let list = commits(git, range)?;
    if !policy.require {
        return Ok((list.len(), Vec::new()));
    }
    let notes = notes_of(git, &list)?;
    let mut offenders = Vec::new();
    for c in &list {
        let mut problems = Vec::new();
        match notes.get(&c.sha) {
            Some(n) => {
                for (path, file) in &n.lines {
                    if policy.is_exempt(path) {
                        continue;
                    }
                    // Group consecutive lines with the same problem.
                    let mut runs: Vec<(usize, usize, String)> = Vec::new();
                    for (&line, attr) in file {
                        let Some(why) = policy.unmet(path, attr, Some(&c.author)) else {
                            continue;
                        };
                        match runs.last_mut() {
                            Some((_, end, w)) if *end + 1 == line && *w == why => *end = line,
                            _ => runs.push((line, line, why)),
                        }
                    }
                    for (s, e, why) in runs {
                        let lines = if s == e {
                            format!("{s}")
                        } else {
                            format!("{s}-{e}")
                        };
                        problems.push(format!("{path}:{lines}: {why}"));
                    }
                }
            }
            None => {
                let found = ai_trailers(&c.message);
                if !found.is_empty() {
                    problems.push(format!(
                        "no provenance note, but the message says AI helped ({})",
                        found.join("; ")
                    ));
                }
            }
        }
        if !problems.is_empty() {
            offenders.push(Offender {
                commit: c.clone(),
                problems,
            });
        }
    }
    Ok((list.len(), offenders))
}
