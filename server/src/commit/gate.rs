//! The pre-commit gate: the working-tree attribution mapped onto the staged
//! content (the index git is about to commit, `GIT_INDEX_FILE` honoured).

use std::collections::{HashMap, HashSet};

use super::CommitError;
use super::lines::{self, CommitLines, FileLines, LineAttr};
use super::notes::Notes;
use super::policy::{Policy, Verdict};
use crate::git::{Change, Git};
use crate::ledger::Ledger;
use crate::service::Service;

/// A range of staged AI lines that does not count as reviewed.
#[derive(Clone, Debug)]
pub struct Finding {
    pub path: String,
    /// 1-based lines of the staged version, inclusive.
    pub start_line: usize,
    pub end_line: usize,
    pub attr: LineAttr,
    pub reason: String,
}

/// A tracked file's attribution: as stored, and reconciled with the disk.
pub struct Tracked {
    pub path: String,
    /// The ledger as last written (its text is a version the store has seen).
    pub stored: Ledger,
    /// The ledger brought up to date with the file on disk.
    pub current: Ledger,
}

/// The tracked files among `paths` that hold AI text.
pub fn ai_ledgers(service: &Service, paths: &[String]) -> Result<Vec<Tracked>, CommitError> {
    let tracked: HashSet<String> = service.store.paths()?.into_iter().collect();
    let mut out = Vec::new();
    for path in paths.iter().filter(|p| tracked.contains(*p)) {
        let Some(stored) = service.store.load(path)? else {
            continue;
        };
        let stored = stored.ledger;
        if stored.regions().is_empty() {
            continue;
        }
        let mut current = stored.clone();
        if let Some(text) = service.read_text(path)? {
            current.reconcile(&text);
        }
        out.push(Tracked {
            path: path.clone(),
            stored,
            current,
        });
    }
    Ok(out)
}

/// The AI lines of a version `target` of a tracked file.
///
/// Lines the version shares with `base` (the parent commit's version, or
/// `HEAD`'s for the index) are old content: the store decides when it has
/// seen exactly that line (it knows later reviews and forgets), else the
/// base's note (asked for through `base_note` only when needed). Lines new
/// since the base take the working-tree attribution mapped onto them by diff.
pub fn attribute(
    file: &Tracked,
    target: &str,
    base_text: Option<&str>,
    base_note: &mut dyn FnMut() -> Result<Option<FileLines>, CommitError>,
) -> Result<FileLines, CommitError> {
    let mut mapped = file.current.clone();
    mapped.reconcile(target);
    let by_diff = lines::from_ledger(&mapped);
    let Some(base_text) = base_text else {
        return Ok(by_diff);
    };
    let stored_text = file.stored.text();
    let seen: HashSet<usize> = lines::map_lines(&stored_text, target)
        .into_iter()
        .flatten()
        .collect();
    let unchanged: HashSet<usize> = lines::map_lines(base_text, target)
        .into_iter()
        .flatten()
        .collect();
    let exact = lines::carry(&lines::from_ledger(&file.stored), &stored_text, target);
    let from_base = if unchanged.iter().any(|l| !seen.contains(l)) {
        base_note()?
            .map(|n| lines::carry(&n, base_text, target))
            .unwrap_or_default()
    } else {
        FileLines::new()
    };
    let mut out = FileLines::new();
    for line in 1..=target.lines().count() {
        let attr = if !unchanged.contains(&line) {
            by_diff.get(&line)
        } else if seen.contains(&line) {
            exact.get(&line)
        } else {
            from_base.get(&line)
        };
        if let Some(a) = attr {
            out.insert(line, a.clone());
        }
    }
    Ok(out)
}

/// Maps each tracked file onto its changed version (`changes` gives the
/// blob names of the new and the base version), with `base` (a revision
/// expression) the commit whose note describes the old content, and returns
/// the AI lines of those versions. The base's note is read only when some
/// file needs it.
pub fn lines_at(
    git: &Git,
    base: Option<&str>,
    changes: &[Change],
    files: Vec<Tracked>,
) -> Result<CommitLines, CommitError> {
    let by_path: HashMap<&str, &Change> = changes.iter().map(|c| (c.path.as_str(), c)).collect();
    let mut out = CommitLines::new();
    // The common case: the committed text is the text the store holds and the
    // disk shows (same blob name): its lines are the store's, nothing to read.
    let mut rest = Vec::with_capacity(files.len());
    for file in files {
        let stored_text = file.stored.text();
        let same = by_path.get(file.path.as_str()).is_some_and(|c| {
            c.new.len() == 40 && c.new == crate::git::sha1_blob_id(stored_text.as_bytes())
        }) && file.current.len() == stored_text.len()
            && file.current.text() == stored_text;
        if same {
            let lines = lines::from_ledger(&file.stored);
            if !lines.is_empty() {
                out.insert(file.path, lines);
            }
        } else {
            rest.push(file);
        }
    }
    let files = rest;
    let mut specs: Vec<String> = Vec::with_capacity(files.len() * 2);
    for f in &files {
        let c = by_path.get(f.path.as_str());
        specs.push(c.map_or_else(|| "\u{1}missing".to_owned(), |c| c.new.clone()));
        specs.push(
            c.and_then(|c| c.old.clone())
                .unwrap_or_else(|| "\u{1}missing".to_owned()),
        );
    }
    let mut blobs = git.read_objects(&specs)?.into_iter();
    // Read at most once, on first need.
    let mut base_note: Option<Option<CommitLines>> = None;
    for file in files {
        let (Some(target), base_blob) = (blobs.next().flatten(), blobs.next().flatten()) else {
            let _ = blobs.next();
            continue;
        };
        let Ok(text) = String::from_utf8(target) else {
            continue;
        };
        let base_text = base_blob.and_then(|b| String::from_utf8(b).ok());
        let path = file.path.clone();
        let mut note_of_file = || -> Result<Option<FileLines>, CommitError> {
            if base_note.is_none() {
                let loaded = match base.map(|b| git.commit_id(b)).transpose()?.flatten() {
                    Some(id) => Notes::new(git)?
                        .read(std::slice::from_ref(&id))?
                        .remove(&id)
                        .map(|n| n.lines),
                    None => None,
                };
                base_note = Some(loaded);
            }
            Ok(base_note
                .as_ref()
                .and_then(|n| n.as_ref())
                .map(|n| n.get(&path).cloned().unwrap_or_default()))
        };
        let lines = attribute(&file, &text, base_text.as_deref(), &mut note_of_file)?;
        if !lines.is_empty() {
            out.insert(file.path, lines);
        }
    }
    Ok(out)
}

/// The staged text of each of `paths` (`None` where it is not UTF-8 or not staged).
pub fn staged_texts(git: &Git, paths: &[&str]) -> Result<HashMap<String, String>, CommitError> {
    let specs: Vec<String> = paths.iter().map(|p| format!(":{p}")).collect();
    let blobs = git.read_objects(&specs)?;
    Ok(paths
        .iter()
        .zip(blobs)
        .filter_map(|(p, b)| Some(((*p).to_owned(), String::from_utf8(b?).ok()?)))
        .collect())
}

/// The AI lines of the staged content.
pub fn staged_lines(service: &Service, git: &Git) -> Result<CommitLines, CommitError> {
    let changes = git.staged_changes()?;
    let paths: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
    let files = ai_ledgers(service, &paths)?;
    if files.is_empty() {
        return Ok(CommitLines::new());
    }
    lines_at(git, Some("HEAD"), &changes, files)
}

/// The ranges of `lines` that break `policy`, as [`Policy::what_blocks`]
/// says (exempt paths, `require = false` and ignored noise never block).
/// `text_of(path)` gives the text the lines describe, when known, so a range
/// runs across blank lines.
pub fn findings(
    lines: &CommitLines,
    policy: &Policy,
    author: Option<&str>,
    text_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, file) in lines {
        let text = if file.len() > 1 { text_of(path) } else { None };
        for j in policy.what_blocks(path, file, text.as_deref(), author) {
            if let Verdict::Blocked { reason, .. } = j.verdict {
                out.push(Finding {
                    path: path.clone(),
                    start_line: j.start_line,
                    end_line: j.end_line,
                    attr: j.attr,
                    reason,
                });
            }
        }
    }
    out
}

/// The identity git will record as the author (`Name <email>`), if known.
pub fn author_ident(git: &Git) -> Option<String> {
    let out = git.try_run(&["var", "GIT_AUTHOR_IDENT"]).ok()??;
    let s = String::from_utf8_lossy(&out);
    let s = s.trim();
    // `Name <email> 1700000000 +0000`: drop the time and zone.
    let end = s.rfind('>')?;
    Some(s[..=end].to_owned())
}
