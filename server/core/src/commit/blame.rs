//! Per-line provenance of a working-tree file: `git blame` finds the commit
//! that last changed each line, that commit's note says who wrote it; the
//! working-tree attribution (fresher: reviews made since, uncommitted lines)
//! takes precedence where it knows the line holds AI text.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use serde::Serialize;

use super::CommitError;
use super::lines::{self, FileLines, LineAttr};
use super::notes::Notes;
use crate::git::{BlameLine, Git, GitError, NULL_SHA};
use crate::ledger::{GitLines, LineOrigin, format_millis};
use crate::service::Service;
use crate::store::{Named, UnitName, text_key};
use crate::syntax::{Language, SyntaxTree};

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

/// Blames the working-tree file `rel`. The units of the lines the store
/// knows as AI are looked up in the store's unit-name cache, and what it
/// does not hold is parsed while git blames; names found by parsing are
/// cached (see [`Units`]).
pub fn blame(service: &mut Service, git: &Git, rel: &str) -> Result<Vec<BlameEntry>, CommitError> {
    let Some(text) = service.read_text(rel)? else {
        return Err(CommitError::Other(format!("{rel}: no such file")));
    };
    // git blames in its own process while the store is read (and, when
    // needed, the text parsed) here: on a large file each costs about as
    // much as the other.
    let (blamed, store, units) = std::thread::scope(|s| {
        let blaming = s.spawn(|| blame_lines(git, rel, &text));
        let store = working_tree(service, rel, &text);
        let mut units = Units::new(service, rel, &text);
        if let Ok((working, exact, _)) = &store {
            let likely_ai: Vec<usize> = working.keys().chain(exact.keys()).copied().collect();
            if units.needs_parse(&likely_ai) {
                units.tree = SyntaxTree::for_path(rel, &text);
            }
        }
        let blamed = blaming
            .join()
            .unwrap_or_else(|_| Err(CommitError::Other("git blame failed".into())));
        (blamed, store, units)
    });
    let (blamed, (working, exact, seen), mut units) = (blamed?, store?, units);
    let commits: Vec<String> = blamed
        .iter()
        .filter(|b| b.commit != NULL_SHA)
        .map(|b| b.commit.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let notes = Notes::new(git)?.read_index(&commits)?;
    let mut entries: Vec<BlameEntry> = blamed
        .iter()
        .enumerate()
        .map(|(i, bl)| {
            let line = i + 1;
            let from_note;
            let attr = if bl.commit == NULL_SHA {
                // Uncommitted: only the working-tree attribution knows.
                working.get(&line)
            } else if seen.get(line).copied().unwrap_or(false) {
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
    units.name(&mut entries);
    // A cache: failing to fill it changes nothing the user sees.
    let _ = service.store.cache_unit_names(&units.found);
    Ok(entries)
}

/// The working-tree attribution of `rel` (as `status` sees it: an exact
/// earlier state, else by diff), the stored attribution carried to `text`,
/// and the lines of `text` the store has seen exactly (1-based).
type WorkingTree = (FileLines, FileLines, Vec<bool>);

fn working_tree(service: &Service, rel: &str, text: &str) -> Result<WorkingTree, CommitError> {
    // As `status` sees it: an exact earlier state, else by diff, plus what
    // notes know of text the store never saw.
    let current = super::working::Working::for_file(service, rel)?.ledger(rel, text)?;
    let Some(stored) = service.store.load(rel)?.map(|s| s.ledger) else {
        // Not tracked under this name: a renamed file follows its old path.
        let working = current.map(|c| lines::from_ledger(&c)).unwrap_or_default();
        return Ok((working, FileLines::new(), Vec::new()));
    };
    let current = current.unwrap_or_else(|| stored.clone());
    let stored_text = stored.text();
    let mut seen = Vec::new();
    for line in lines::map_lines(&stored_text, text).into_iter().flatten() {
        if seen.len() <= line {
            seen.resize(line + 1, false);
        }
        seen[line] = true;
    }
    let exact = lines::carry(&lines::from_ledger(&stored), &stored_text, text);
    Ok((lines::from_ledger(&current), exact, seen))
}

/// `git blame` of the working-tree file, or every line uncommitted when
/// `HEAD` does not hold it.
fn blame_lines(git: &Git, rel: &str, text: &str) -> Result<Vec<BlameLine>, CommitError> {
    match git.blame(rel) {
        Ok(b) => Ok(b),
        Err(GitError::Failed { .. }) if !in_head(git, rel)? => Ok(uncommitted(text)),
        Err(e) => Err(e.into()),
    }
}

/// Naming the unit of each line holding AI text, from the working-tree text
/// (human lines keep `null`: naming every line of a large file costs far
/// more than blaming it). A line's unit comes from the store's unit-name
/// cache (keyed by the text's content hash and the line's byte range, shared
/// with `vouch status`), else from one parse of the text. No AI line, no
/// parse.
struct Units<'t> {
    rel: &'t str,
    text: &'t str,
    lines: GitLines,
    /// The cache key, `None` for a language without grammar.
    key: Option<String>,
    cached: HashMap<Range<usize>, Option<UnitName>>,
    tree: Option<SyntaxTree>,
    /// Names found by parsing, to cache.
    found: Vec<(String, Named)>,
}

impl<'t> Units<'t> {
    fn new(service: &Service, rel: &'t str, text: &'t str) -> Units<'t> {
        let key = Language::from_path(rel)
            .filter(|l| l.has_grammar())
            .map(|l| text_key(l.id(), text));
        let cached = key
            .as_ref()
            .and_then(|k| service.store.unit_names(k).ok())
            .map(|rows| rows.into_iter().collect())
            .unwrap_or_default();
        Units {
            rel,
            text,
            lines: GitLines::new(text),
            key,
            cached,
            tree: None,
            found: Vec::new(),
        }
    }

    /// The byte range of 1-based `line`.
    fn range(&self, line: usize) -> Option<Range<usize>> {
        self.lines.range(line.checked_sub(1)?, line - 1).ok()
    }

    /// Whether naming `lines` needs a parse (some is not in the cache).
    fn needs_parse(&self, lines: &[usize]) -> bool {
        self.key.is_some()
            && lines
                .iter()
                .filter_map(|&l| self.range(l))
                .any(|r| !self.cached.contains_key(&r))
    }

    /// Fills `unit` on each line holding AI text.
    fn name(&mut self, entries: &mut [BlameEntry]) {
        let Some(key) = self.key.clone() else {
            return;
        };
        for e in entries.iter_mut().filter(|e| e.origin != LineOrigin::Human) {
            let Some(range) = self.range(e.line) else {
                continue;
            };
            if let Some(unit) = self.cached.get(&range) {
                e.unit = unit.as_ref().map(|u| u.name.clone());
                continue;
            }
            if self.tree.is_none() {
                self.tree = SyntaxTree::for_path(self.rel, self.text);
            }
            let Some(tree) = &self.tree else {
                return;
            };
            let unit = tree.unit_for(range.clone()).map(|u| UnitName {
                name: u.name,
                qualified: u.qualified_name,
                keyword: u.keyword.to_owned(),
            });
            e.unit = unit.as_ref().map(|u| u.name.clone());
            self.found.push((key.clone(), (range, unit)));
        }
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
