//! Per-line provenance of a working-tree file: `git blame` finds the commit
//! that last changed each line, that commit's note says who wrote it; the
//! working-tree attribution (fresher: reviews made since, uncommitted lines)
//! takes precedence where it knows the line holds AI text.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use super::CommitError;
use super::lines::{self, LineAttr};
use super::notes::Notes;
use crate::git::{BlameLine, Git, GitError, NULL_SHA};
use crate::ledger::{LineOrigin, format_millis};
use crate::service::Service;

/// One line of `vouch blame`.
#[derive(Clone, Debug, Serialize)]
pub struct BlameEntry {
    /// 1-based line of the working-tree file.
    pub line: usize,
    pub origin: LineOrigin,
    pub tool: Option<String>,
    pub model: Option<String>,
    pub(crate) kind: Option<String>,
    /// `null` for human lines.
    pub reviewed: Option<bool>,
    pub reviewer: Option<String>,
    pub(crate) reviewed_at: Option<String>,
    /// The commit that last changed the line; `null` when uncommitted.
    pub commit: Option<String>,
    /// The innermost function, method, class... holding the line (bare name),
    /// for lines holding AI text; `null` for human lines, outside any unit or
    /// for a file without grammar (see `crate::syntax`).
    pub(crate) unit: Option<String>,
    #[serde(skip)]
    pub text: String,
}

impl BlameEntry {
    fn new(line: usize, bl: &BlameLine, attr: Option<&LineAttr>) -> BlameEntry {
        let commit = (bl.commit != NULL_SHA).then(|| bl.commit.clone());
        match attr {
            None => BlameEntry {
                line,
                origin: LineOrigin::Human,
                tool: None,
                model: None,
                kind: None,
                reviewed: None,
                reviewer: None,
                reviewed_at: None,
                commit,
                unit: None,
                text: bl.text.clone(),
            },
            Some(a) => BlameEntry {
                line,
                origin: a.origin,
                tool: Some(a.tool.clone()),
                model: a.model.clone(),
                kind: a.kind.clone(),
                reviewed: Some(a.reviewed()),
                reviewer: a.reviewer().map(str::to_owned),
                reviewed_at: a.reviewed_at().map(format_millis),
                commit,
                unit: None,
                text: bl.text.clone(),
            },
        }
    }
}

/// Blames the working-tree file `rel`.
pub fn blame(service: &Service, git: &Git, rel: &str) -> Result<Vec<BlameEntry>, CommitError> {
    let Some(text) = service.read_text(rel)? else {
        return Err(CommitError::Other(format!("{rel}: no such file")));
    };
    let blamed = match git.blame(rel) {
        Ok(b) => b,
        Err(GitError::Failed { .. }) if !in_head(git, rel)? => uncommitted(&text),
        Err(e) => return Err(e.into()),
    };
    let commits: Vec<String> = blamed
        .iter()
        .filter(|b| b.commit != NULL_SHA)
        .map(|b| b.commit.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let notes = Notes::new(git)?.read_index(&commits)?;
    // The store as written, and brought up to date with the disk.
    let stored = service.store.load(rel)?.map(|s| s.ledger);
    // As `status` sees it: an exact earlier state, else by diff, plus what
    // notes know of text the store never saw (`working`).
    let current = super::working::Working::for_file(service, rel)?.ledger(rel, &text)?;
    let (working, exact, seen) = match &stored {
        Some(stored) => {
            let current = current.unwrap_or_else(|| stored.clone());
            let stored_text = stored.text();
            let seen: HashSet<usize> = lines::map_lines(&stored_text, &text)
                .into_iter()
                .flatten()
                .collect();
            let exact = lines::carry(&lines::from_ledger(stored), &stored_text, &text);
            (lines::from_ledger(&current), exact, seen)
        }
        // Not tracked under this name: a renamed file follows its old path.
        None => (
            current.map(|c| lines::from_ledger(&c)).unwrap_or_default(),
            Default::default(),
            Default::default(),
        ),
    };
    let mut entries: Vec<BlameEntry> = blamed
        .iter()
        .enumerate()
        .map(|(i, bl)| {
            let line = i + 1;
            let from_note;
            let attr = if bl.commit == NULL_SHA {
                // Uncommitted: only the working-tree attribution knows.
                working.get(&line)
            } else if seen.contains(&line) {
                // The store has seen this very line: it knows later reviews.
                exact.get(&line)
            } else {
                from_note = notes
                    .get(&bl.commit)
                    .and_then(|n| n.get(&bl.orig_path, bl.orig_line));
                from_note.as_ref()
            };
            BlameEntry::new(line, bl, attr)
        })
        .collect();
    name_units(rel, &text, &mut entries);
    Ok(entries)
}

/// Fills `unit` on each line holding AI text from a syntax tree of the
/// working-tree text (human lines keep `null`: naming every line of a large
/// file costs far more than blaming it). No AI line, no parse.
fn name_units(rel: &str, text: &str, entries: &mut [BlameEntry]) {
    if entries.iter().all(|e| e.origin == LineOrigin::Human) {
        return;
    }
    let Some(tree) = crate::syntax::SyntaxTree::for_path(rel, text) else {
        return;
    };
    let lines = crate::ledger::GitLines::new(text);
    for e in entries.iter_mut().filter(|e| e.origin != LineOrigin::Human) {
        let Ok(range) = lines.range(e.line - 1, e.line - 1) else {
            continue;
        };
        e.unit = tree.unit_for(range).map(|u| u.name);
    }
}

fn in_head(git: &Git, rel: &str) -> Result<bool, CommitError> {
    Ok(git
        .read_objects(&[format!("HEAD:{rel}")])?
        .into_iter()
        .next()
        .flatten()
        .is_some())
}

fn uncommitted(text: &str) -> Vec<BlameLine> {
    text.lines()
        .enumerate()
        .map(|(i, l)| BlameLine {
            commit: NULL_SHA.to_owned(),
            orig_line: i + 1,
            orig_path: String::new(),
            text: l.trim_end_matches('\r').to_owned(),
        })
        .collect()
}
