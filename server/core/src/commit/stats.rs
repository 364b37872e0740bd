//! `vouch stats [RANGE]`: who and what wrote the lines a range introduces
//! (default: every line of `HEAD`), by tool, model, kind, author and month.
//! Uses the same replay of the notes as `vouch verify RANGE`
//! ([`super::range::changes`]): each line is credited to the last commit
//! that wrote it.

use std::collections::{BTreeMap, HashMap};

use super::CommitError;
use super::range::{self, RangeChanges};
use crate::git::Git;

/// Line counts for one label.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Lines the notes say AI wrote (or co-wrote: mixed).
    pub ai: usize,
    /// Lines of recorded commits the notes do not call AI.
    pub human: usize,
    /// Lines of commits without provenance (nothing knows).
    pub unknown: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.ai + self.human + self.unknown
    }
}

/// The shares of a range's lines.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub range: String,
    pub commits: usize,
    pub total: Counts,
    /// AI lines per tool / model / kind (`unspecified` when the note does not say).
    pub tools: BTreeMap<String, usize>,
    pub models: BTreeMap<String, usize>,
    pub kinds: BTreeMap<String, usize>,
    /// All lines per commit author (`Name <email>`) and per month (`YYYY-MM`, commit time, UTC).
    pub authors: BTreeMap<String, Counts>,
    pub months: BTreeMap<String, Counts>,
}

/// Commit time (Unix seconds) of each commit of `changes`.
fn times(git: &Git, changes: &RangeChanges) -> Result<HashMap<String, i64>, CommitError> {
    let mut args = vec![
        "log",
        "--format=%H %ct",
        "--end-of-options",
        &changes.range.tip,
    ];
    let not = changes.range.target.as_ref().map(|t| format!("^{t}"));
    if let Some(n) = &not {
        args.push(n);
    }
    args.push("--");
    Ok(git
        .text(&args)?
        .lines()
        .filter_map(|l| {
            let (sha, t) = l.split_once(' ')?;
            Some((sha.to_owned(), t.trim().parse().ok()?))
        })
        .collect())
}

/// `YYYY-MM` of a Unix time (UTC).
pub(crate) fn month(secs: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()[..7].to_owned()
}

pub fn stats(git: &Git, spec: &str) -> Result<Stats, CommitError> {
    let changes = range::changes(git, range::resolve(git, spec)?)?;
    let when = times(git, &changes)?;
    let mut s = Stats {
        range: spec.to_owned(),
        commits: changes.commits.len(),
        ..Stats::default()
    };
    for f in &changes.files {
        for l in &f.new_lines {
            let commit = l.writers.last().and_then(|&w| changes.commits.get(w));
            let author = commit.map_or_else(|| "unknown".to_owned(), |c| c.author.clone());
            let month = commit
                .and_then(|c| when.get(&c.sha))
                .map_or_else(|| "unknown".to_owned(), |t| month(*t));
            let bump = |c: &mut Counts| match (&l.attr, l.unrecorded) {
                (Some(_), _) => c.ai += 1,
                (None, true) => c.unknown += 1,
                (None, false) => c.human += 1,
            };
            bump(&mut s.total);
            bump(s.authors.entry(author).or_default());
            bump(s.months.entry(month).or_default());
            if let Some(a) = &l.attr {
                *s.tools.entry(a.tool.clone()).or_default() += 1;
                let model = a.model.clone().unwrap_or_else(|| "unspecified".to_owned());
                *s.models.entry(model).or_default() += 1;
                let kind = a.kind.clone().unwrap_or_else(|| "unspecified".to_owned());
                *s.kinds.entry(kind).or_default() += 1;
            }
        }
    }
    Ok(s)
}
