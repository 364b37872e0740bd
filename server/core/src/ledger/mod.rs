//! The attribution ledger: one file's text and who wrote each character.
//!
//! Pure: no I/O, no protocol types. Offsets are UTF-8 byte offsets into the
//! current text; lines are 0-based here (the CLI and protocol edges convert).

mod align;
mod attribution;
mod history;
mod merge;
mod runs;
mod window;

use std::collections::HashMap;
use std::ops::Range;

use ropey::Rope;
use serde::{Deserialize, Serialize};

pub(crate) use align::{Bounds, Pair, Step, align_where, align_within, line_steps_with, pair_hunk};
pub use align::{Piece, align};
pub use attribution::{AiKind, AiSource, Attribution, Review, format_millis, now_millis};
pub use history::{Edit, History, KEPT_VERSIONS, edits_from_pieces, map_ranges};
pub use merge::merge;
use runs::{AttrId, Runs};

/// Why a ledger operation was refused. The ledger is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("range {start}..{end} is outside the text (length {len})")]
    OutOfBounds {
        start: usize,
        end: usize,
        len: usize,
    },
    #[error("byte offset {0} is not on a character boundary")]
    NotCharBoundary(usize),
    #[error("line {line} is past the end of the text ({lines} lines)")]
    LineOutOfBounds { line: usize, lines: usize },
    #[error(
        "stored attribution does not cover its text ({runs} bytes of runs, {text} bytes of text)"
    )]
    CorruptSnapshot { runs: usize, text: usize },
    #[error("stored attribution run refers to attribution {index} of {count}")]
    UnknownAttribution { index: usize, count: usize },
}

/// A maximal span of one AI attribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub range: Range<usize>,
    pub attribution: Attribution,
}

/// How a line's text came about, for status, blame and the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineOrigin {
    Ai,
    Mixed,
    Human,
}

/// A line holding AI text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineSummary {
    /// 0-based line number.
    pub(crate) line: usize,
    /// `Ai` or `Mixed` (human lines are not listed).
    pub(crate) origin: LineOrigin,
    /// The distinct AI attributions on the line, in order of appearance.
    pub(crate) attributions: Vec<Attribution>,
    /// True when some AI character on the line is unreviewed.
    pub(crate) unreviewed: bool,
    /// When every AI piece (maximal run of one attribution) with text on this
    /// line fits in one line (no line break inside its non-blank text): the
    /// length in characters of the longest; `None` when a piece spans lines.
    pub(crate) piece_chars: Option<usize>,
}

/// The serialised form: the text and its runs, each run `(byte length, attribution)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub text: String,
    pub runs: Vec<(usize, Attribution)>,
}

/// Interned attributions, so runs compare by a small integer.
#[derive(Clone, Debug, Default)]
struct Interner {
    values: Vec<Attribution>,
    ids: HashMap<Attribution, AttrId>,
}

const HUMAN: AttrId = 0;

impl Interner {
    fn new() -> Self {
        Interner {
            values: vec![Attribution::Human],
            ids: HashMap::from([(Attribution::Human, HUMAN)]),
        }
    }

    fn intern(&mut self, a: &Attribution) -> AttrId {
        // Every keystroke is human: skip the hash.
        if matches!(a, Attribution::Human) {
            return HUMAN;
        }
        if let Some(&id) = self.ids.get(a) {
            return id;
        }
        let id = AttrId::try_from(self.values.len()).expect("fewer than 4 billion attributions");
        self.values.push(a.clone());
        self.ids.insert(a.clone(), id);
        id
    }

    fn get(&self, id: AttrId) -> &Attribution {
        &self.values[id as usize]
    }
}

/// One file's text with a run-length attribution of every byte.
#[derive(Clone, Debug)]
pub struct Ledger {
    text: Rope,
    runs: Runs,
    attrs: Interner,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new("")
    }
}

impl Ledger {
    /// A ledger whose text is all human-written.
    pub fn new(text: &str) -> Self {
        Ledger {
            text: Rope::from_str(text),
            runs: Runs::new(text.len(), HUMAN),
            attrs: Interner::new(),
        }
    }

    pub fn from_snapshot(snapshot: Snapshot) -> Result<Self, LedgerError> {
        let total: usize = snapshot.runs.iter().map(|r| r.0).sum();
        if total != snapshot.text.len() {
            return Err(LedgerError::CorruptSnapshot {
                runs: total,
                text: snapshot.text.len(),
            });
        }
        let mut attrs = Interner::new();
        let mut at = 0;
        let mut runs = Vec::with_capacity(snapshot.runs.len());
        for (len, a) in &snapshot.runs {
            at += len;
            if !snapshot.text.is_char_boundary(at) {
                return Err(LedgerError::NotCharBoundary(at));
            }
            runs.push((*len, attrs.intern(a)));
        }
        Ok(Ledger {
            text: Rope::from_str(&snapshot.text),
            runs: Runs::from_runs(runs),
            attrs,
        })
    }

    /// A ledger of `text` from runs given as `(byte length, index into
    /// attrs)`, as the store keeps them: each attribution is interned once,
    /// not once per run.
    pub(crate) fn from_indexed(
        text: &str,
        attrs: &[Attribution],
        indexed: &[(usize, usize)],
    ) -> Result<Self, LedgerError> {
        let total = indexed.iter().fold(0usize, |t, r| t.saturating_add(r.0));
        if total != text.len() {
            return Err(LedgerError::CorruptSnapshot {
                runs: total,
                text: text.len(),
            });
        }
        let mut interned = Interner::new();
        let ids: Vec<AttrId> = attrs.iter().map(|a| interned.intern(a)).collect();
        let mut at = 0;
        let mut runs = Vec::with_capacity(indexed.len());
        for &(len, i) in indexed {
            at += len;
            if !text.is_char_boundary(at) {
                return Err(LedgerError::NotCharBoundary(at));
            }
            let id = *ids.get(i).ok_or(LedgerError::UnknownAttribution {
                index: i,
                count: attrs.len(),
            })?;
            runs.push((len, id));
        }
        Ok(Ledger {
            text: Rope::from_str(text),
            runs: Runs::from_runs(runs),
            attrs: interned,
        })
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            text: String::from(&self.text),
            runs: self
                .runs
                .iter()
                .into_iter()
                .map(|r| (r.len, self.attrs.get(r.attr).clone()))
                .collect(),
        }
    }

    /// The text's length in bytes, from the runs (which cover it exactly):
    /// the rope recounts a text held in one leaf (up to about 1 KB) on
    /// every call, and a `vouch status` of 200 small files asked it
    /// thousands of times.
    pub fn len(&self) -> usize {
        let len = self.runs.total_len();
        debug_assert_eq!(len, self.text.len_bytes(), "runs cover the text");
        len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text as a rope, for position conversion at the edges.
    pub fn rope(&self) -> &Rope {
        &self.text
    }

    /// The text of `range` (byte offsets on character boundaries, within
    /// the text): borrowed from the rope when one chunk holds it (a run, a
    /// line: the common case), else gathered. A rope slice first counts
    /// the characters and lines of the chunks it cuts (ropey's
    /// `TextInfo`), which line summaries paid for every run they read.
    pub fn text_in(&self, range: Range<usize>) -> std::borrow::Cow<'_, str> {
        let (chunk, chunk_start, _, _) = self.text.chunk_at_byte(range.start);
        match chunk.get(range.start - chunk_start..range.end - chunk_start) {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None => std::borrow::Cow::Owned(String::from(self.text.byte_slice(range))),
        }
    }

    /// The whole text when the rope holds it in one chunk (up to about
    /// 1 KB): ropey recounts such a chunk on every query (every
    /// [`Ledger::text_in`] scans it), so a caller taking many pieces of a
    /// small text takes them from here ([`Ledger::piece`]).
    fn single_chunk(&self) -> Option<&str> {
        let mut chunks = self.text.chunks();
        let first = chunks.next().unwrap_or("");
        chunks.next().is_none().then_some(first)
    }

    /// [`Ledger::text_in`], from `whole` ([`Ledger::single_chunk`]) when
    /// there is one.
    fn piece<'a>(
        &'a self,
        whole: Option<&'a str>,
        range: Range<usize>,
    ) -> std::borrow::Cow<'a, str> {
        match whole.and_then(|w| w.get(range.clone())) {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None => self.text_in(range),
        }
    }

    pub fn text(&self) -> String {
        String::from(&self.text)
    }

    /// The text's lines as git counts them (only LF ends a line), for
    /// every line number that leaves the process (notes, check, blame,
    /// status, export). Built in one pass; query it many times.
    pub fn git_lines(&self) -> GitLines {
        self.git_lines_from(ROPE_LINES_FROM)
    }

    /// [`Ledger::git_lines`], through the rope from texts of `rope_from` bytes.
    pub(crate) fn git_lines_from(&self, rope_from: usize) -> GitLines {
        // Without CR the rope's own line index (LF, CR and CRLF end a
        // line) counts as git does: no pass over a large text but the
        // search for a CR. Each query through it scans a chunk (ropey
        // keeps no counts in its leaves), so a smaller text, whose
        // callers may ask for every line, gets the table.
        if self.len() >= rope_from && !self.text.chunks().any(|c| c.as_bytes().contains(&b'\r')) {
            return GitLines {
                index: LineIndex::Rope(self.text.clone()),
                len: self.len(),
            };
        }
        let mut starts = vec![0];
        let mut at = 0;
        for chunk in self.text.chunks() {
            starts.extend(
                chunk
                    .bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| at + i + 1),
            );
            at += chunk.len();
        }
        GitLines {
            index: LineIndex::Starts(starts),
            len: at,
        }
    }

    /// Number of lines as the editor protocol counts them (LF, CR and CRLF
    /// end a line; a trailing line break starts an empty last line). Git's
    /// count is [`Ledger::git_lines`].
    pub fn line_count(&self) -> usize {
        self.text.len_lines()
    }

    /// The attribution of the byte at `offset`, human past the end.
    pub fn attribution_at(&self, offset: usize) -> &Attribution {
        if offset >= self.len() {
            return self.attrs.get(HUMAN);
        }
        self.runs
            .attr_at(offset)
            .map_or(self.attrs.get(HUMAN), |id| self.attrs.get(id))
    }

    /// Every run, human ones included, as `(byte range, attribution)` in order.
    pub fn spans(&self) -> Vec<(Range<usize>, &Attribution)> {
        self.runs
            .iter()
            .into_iter()
            .map(|r| (r.start..r.end(), self.attrs.get(r.attr)))
            .collect()
    }

    /// Replaces `range` with `text` written with attribution `attr`.
    /// Costs O(log n + runs touched), independent of the document size.
    pub fn apply_edit(
        &mut self,
        range: Range<usize>,
        text: &str,
        attr: &Attribution,
    ) -> Result<(), LedgerError> {
        self.check_bounds(&range)?;
        let start_char = self.char_index(range.start)?;
        if !range.is_empty() {
            let end_char = self.char_index(range.end)?;
            self.text.remove(start_char..end_char);
        }
        if !text.is_empty() {
            self.text.insert(start_char, text);
        }
        let id = self.attrs.intern(attr);
        self.runs.replace(range, &[(text.len(), id)]);
        Ok(())
    }

    /// Adopts `new_text`, whose origin is unknown (a reload from disk, a
    /// formatter, a checkout). Unchanged characters keep their attribution;
    /// new characters are human, except white space inserted inside AI text
    /// (re-indenting, spacing, re-wrapping), which stays AI.
    pub fn reconcile(&mut self, new_text: &str) {
        let old = String::from(&self.text);
        if old == new_text {
            return;
        }
        let pieces = align(&old, new_text);
        let mut out: Vec<(usize, AttrId)> =
            Vec::with_capacity(self.runs.run_count() + pieces.len());
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Same { old, .. } => {
                    out.extend(
                        self.runs
                            .runs_in(old.clone())
                            .into_iter()
                            .map(|r| (r.len, r.attr)),
                    );
                }
                Piece::Changed { new, .. } if !new.is_empty() => {
                    let left = out.last().map(|r| r.1);
                    let right = pieces.get(i + 1).and_then(|p| match p {
                        Piece::Same { old, .. } => self.runs.attr_at(old.start),
                        Piece::Changed { .. } => None,
                    });
                    let inserted = &new_text[new.clone()];
                    let at_line_start =
                        new.start == 0 || new_text[..new.start].ends_with(['\n', '\r']);
                    let id = self.inserted_attr(left, right, inserted, at_line_start);
                    out.push((new.len(), id));
                }
                Piece::Changed { .. } => {}
            }
        }
        self.text = Rope::from_str(new_text);
        self.runs = Runs::from_runs(out);
    }

    /// The attribution of text inserted by an unknown hand between two
    /// characters labelled `left` and `right`.
    fn inserted_attr(
        &self,
        left: Option<AttrId>,
        right: Option<AttrId>,
        text: &str,
        at_line_start: bool,
    ) -> AttrId {
        if !text.chars().all(char::is_whitespace) {
            return HUMAN;
        }
        let is_ai = |id: Option<AttrId>| id.is_some_and(|id| self.attrs.get(id).is_ai());
        match (left, right) {
            (l, r) if is_ai(l) && is_ai(r) => l.unwrap_or(HUMAN),
            (_, r) if at_line_start && is_ai(r) => r.unwrap_or(HUMAN),
            _ => HUMAN,
        }
    }

    /// Marks the AI text inside `range` reviewed by `review`. Reviews
    /// accumulate: text someone else reviewed keeps that review and gains this
    /// one (a policy may require a particular reviewer, and is satisfied when
    /// any of them qualifies); text the same person reviewed keeps their first
    /// review. Returns how many bytes changed state.
    pub fn mark_reviewed(
        &mut self,
        range: Range<usize>,
        review: &Review,
    ) -> Result<usize, LedgerError> {
        self.map_range(range, |a| a.with_review_added(review))
    }

    /// Declares the text inside `range` human-written.
    pub fn forget(&mut self, range: Range<usize>) -> Result<usize, LedgerError> {
        self.map_range(range, |a| a.is_ai().then_some(Attribution::Human))
    }

    /// Declares the text inside `range` written by AI (unreviewed).
    pub fn mark_ai(
        &mut self,
        range: Range<usize>,
        source: &AiSource,
    ) -> Result<usize, LedgerError> {
        let target = Attribution::ai(source.clone());
        self.map_range(range, |a| (*a != target).then(|| target.clone()))
    }

    /// Rewrites the attribution of each run inside `range` where `f` returns a
    /// new one, returning the number of bytes changed.
    fn map_range(
        &mut self,
        range: Range<usize>,
        mut f: impl FnMut(&Attribution) -> Option<Attribution>,
    ) -> Result<usize, LedgerError> {
        self.check_range(&range)?;
        let runs = self.runs.runs_in(range.clone());
        let mut changed = 0;
        let mut new = Vec::with_capacity(runs.len());
        for r in runs {
            let id = match f(self.attrs.get(r.attr)) {
                Some(a) => {
                    changed += r.len;
                    self.attrs.intern(&a)
                }
                None => r.attr,
            };
            new.push((r.len, id));
        }
        if changed > 0 {
            self.runs.replace(range, &new);
        }
        Ok(changed)
    }

    /// Byte range of 0-based lines `first..=last` as the editor protocol
    /// counts them, line terminators included.
    pub fn line_range(&self, first: usize, last: usize) -> Result<Range<usize>, LedgerError> {
        let lines = self.line_count();
        for line in [first, last] {
            if line >= lines {
                return Err(LedgerError::LineOutOfBounds { line, lines });
            }
        }
        let start = self.text.line_to_byte(first.min(last));
        let end = self.text.line_to_byte(last.max(first) + 1);
        Ok(start..end)
    }

    /// Number of lines as people (and git) count them: the empty line after
    /// a final line break is not a line (a 25-line file ending in `\n` has
    /// 25); only LF ends a line.
    #[cfg(test)]
    pub(crate) fn text_line_count(&self) -> usize {
        self.git_lines().text_count()
    }

    /// `range` widened to whole lines (as git counts them): from the start
    /// of its first line to the end of its last line, line break included.
    pub fn whole_lines(&self, range: Range<usize>) -> Range<usize> {
        let lines = self.git_lines();
        let first = lines.line_of(range.start);
        let last = lines.line_of(range.end.saturating_sub(1).max(range.start));
        let start = lines.range(first, first).map_or(range.start, |r| r.start);
        let end = lines
            .range(last, last)
            .map_or(self.len(), |r| r.end)
            .max(range.end);
        start.min(range.start)..end
    }

    /// 0-based line holding byte `offset`, as the editor protocol counts lines.
    pub fn line_of(&self, offset: usize) -> usize {
        self.text.byte_to_line(offset.min(self.len()))
    }

    /// Every AI-written span, adjacent spans with identical attributes merged,
    /// in document order.
    pub fn regions(&self) -> Vec<Region> {
        self.regions_where(|a| a.is_ai())
    }

    /// The AI-written spans nobody has reviewed.
    pub fn unreviewed_regions(&self) -> Vec<Region> {
        self.regions_where(Attribution::is_unreviewed_ai)
    }

    fn regions_where(&self, keep: impl Fn(&Attribution) -> bool) -> Vec<Region> {
        self.runs
            .iter()
            .into_iter()
            .filter(|r| keep(self.attrs.get(r.attr)))
            .map(|r| Region {
                range: r.start..r.end(),
                attribution: self.attrs.get(r.attr).clone(),
            })
            .collect()
    }

    /// The lines (as git counts them: only LF ends a line) that hold AI text
    /// (white space and line breaks do not count), in order. A line is
    /// `Mixed` when it also holds human non-blank text.
    pub(crate) fn line_summary(&self) -> Vec<LineSummary> {
        self.line_summary_in(self.single_chunk())
    }

    /// [`Ledger::line_summary`], its pieces taken from `whole` when given
    /// (the text in one chunk), else through the rope.
    fn line_summary_in(&self, whole: Option<&str>) -> Vec<LineSummary> {
        let mut out: Vec<LineSummary> = Vec::new();
        let lines = self.git_lines();
        for run in self.runs.iter() {
            if run.attr == HUMAN {
                continue;
            }
            let first = lines.line_of(run.start);
            let last = lines.line_of(run.end().saturating_sub(1));
            // The lines holding the run's non-blank text, and whether that
            // text fits in one line.
            let text = self.piece(whole, run.start..run.end());
            let lead = text.len() - text.trim_start().len();
            let trimmed = text.trim();
            let piece = (!trimmed.contains('\n')).then(|| trimmed.chars().count());
            let nonblank = (!trimmed.is_empty()).then(|| {
                let from = lines.line_of(run.start + lead);
                let to = lines.line_of(run.start + lead + trimmed.len() - 1);
                from..=to
            });
            for line in first..=last {
                if out.last().is_none_or(|s| s.line < line)
                    && let Some(summary) = self.summarise_line(&lines, whole, line)
                {
                    out.push(summary);
                }
                if let Some(s) = out.last_mut()
                    && s.line == line
                    && nonblank.as_ref().is_some_and(|r| r.contains(&line))
                {
                    s.piece_chars = match (s.piece_chars, piece) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
            }
        }
        out
    }

    fn summarise_line(
        &self,
        lines: &GitLines,
        whole: Option<&str>,
        line: usize,
    ) -> Option<LineSummary> {
        let range = lines.range(line, line).ok()?;
        let mut attributions: Vec<Attribution> = Vec::new();
        let (mut any_ai, mut any_human, mut unreviewed) = (false, false, false);
        for run in self.runs.runs_in(range) {
            let blank = self
                .piece(whole, run.start..run.end())
                .chars()
                .all(char::is_whitespace);
            if blank {
                continue;
            }
            let a = self.attrs.get(run.attr);
            if a.is_ai() {
                any_ai = true;
                unreviewed |= a.is_unreviewed_ai();
                if !attributions.contains(a) {
                    attributions.push(a.clone());
                }
            } else {
                any_human = true;
            }
        }
        any_ai.then_some(LineSummary {
            line,
            origin: if any_human {
                LineOrigin::Mixed
            } else {
                LineOrigin::Ai
            },
            attributions,
            unreviewed,
            // Filled in by `line_summary` from the pieces on the line.
            piece_chars: Some(0),
        })
    }

    /// `range` runs forwards, within the text.
    fn check_bounds(&self, range: &Range<usize>) -> Result<(), LedgerError> {
        let len = self.len();
        if range.start > range.end || range.end > len {
            return Err(LedgerError::OutOfBounds {
                start: range.start,
                end: range.end,
                len,
            });
        }
        Ok(())
    }

    fn check_range(&self, range: &Range<usize>) -> Result<(), LedgerError> {
        self.check_bounds(range)?;
        let ends: &[usize] = if range.is_empty() {
            &[range.start]
        } else {
            &[range.start, range.end]
        };
        for &at in ends {
            if !self.is_char_boundary(at) {
                return Err(LedgerError::NotCharBoundary(at));
            }
        }
        Ok(())
    }

    /// The character index of byte `offset` (at most the length), which
    /// must fall between two characters: one descent of the rope tells both.
    fn char_index(&self, offset: usize) -> Result<usize, LedgerError> {
        if offset >= self.len() {
            return Ok(self.text.len_chars());
        }
        let (chunk, chunk_start, chunk_char, _) = self.text.chunk_at_byte(offset);
        let head = chunk
            .get(..offset - chunk_start)
            .ok_or(LedgerError::NotCharBoundary(offset))?;
        Ok(chunk_char + head.chars().count())
    }

    /// True when `offset` falls between two characters (or at either end).
    pub fn is_char_boundary(&self, offset: usize) -> bool {
        if offset > self.len() {
            return false;
        }
        if offset == self.len() {
            return true;
        }
        // One descent of the rope: the chunk holding `offset` knows.
        let (chunk, chunk_start, _, _) = self.text.chunk_at_byte(offset);
        chunk.is_char_boundary(offset - chunk_start)
    }
}

/// Texts of at least this many bytes and no CR answer git line queries
/// through their rope ([`Ledger::git_lines`]).
const ROPE_LINES_FROM: usize = 256 << 10;

/// Line starts of a text as git counts lines: only LF ends a line (a lone CR
/// is part of its line), a trailing LF starts an empty last line.
#[derive(Clone, Debug)]
pub struct GitLines {
    index: LineIndex,
    len: usize,
}

#[derive(Clone, Debug)]
enum LineIndex {
    /// A text without CR, whose rope counts lines as git does (a clone
    /// shares the rope's nodes).
    Rope(Rope),
    /// The start of every line.
    Starts(Vec<usize>),
}

impl GitLines {
    pub(crate) fn new(text: &str) -> GitLines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        GitLines {
            index: LineIndex::Starts(starts),
            len: text.len(),
        }
    }

    /// Number of lines (a trailing LF starts an empty last line).
    pub(crate) fn count(&self) -> usize {
        match &self.index {
            LineIndex::Rope(r) => r.len_lines(),
            LineIndex::Starts(s) => s.len(),
        }
    }

    /// The start of line `line` (`len` past the last).
    fn start(&self, line: usize) -> usize {
        match &self.index {
            LineIndex::Rope(r) => r.try_line_to_byte(line).unwrap_or(self.len),
            LineIndex::Starts(s) => s.get(line).copied().unwrap_or(self.len),
        }
    }

    /// Number of lines as people count them: without the empty line after
    /// a final LF (so an empty text has none).
    pub fn text_count(&self) -> usize {
        let n = self.count();
        match self.range(n - 1, n - 1) {
            Ok(r) if r.is_empty() => n - 1,
            _ => n,
        }
    }

    /// 0-based line holding byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        match &self.index {
            LineIndex::Rope(r) => r.byte_to_line(offset),
            LineIndex::Starts(s) => s.partition_point(|&x| x <= offset).saturating_sub(1),
        }
    }

    /// Byte range of 0-based lines `first..=last`, line terminators included.
    pub fn range(&self, first: usize, last: usize) -> Result<Range<usize>, LedgerError> {
        let lines = self.count();
        for line in [first, last] {
            if line >= lines {
                return Err(LedgerError::LineOutOfBounds { line, lines });
            }
        }
        Ok(self.start(first.min(last))..self.start(last.max(first) + 1))
    }
}

#[cfg(test)]
mod tests;
