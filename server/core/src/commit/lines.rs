//! Per-line attribution of one version of a file (as held in a commit's note,
//! or derived from the working-tree ledger), and carrying it to another
//! version of the file through a diff.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::ledger::{Ledger, LineOrigin, Piece, align, align_where};

/// What is known about one line that holds AI text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAttr {
    /// `Ai` or `Mixed`.
    pub(crate) origin: LineOrigin,
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Everyone who reviewed the line's AI text, oldest first; empty while
    /// any of it is unreviewed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<Reviewer>,
    /// When the line's AI text is one or more pieces that each fit in this
    /// line (none spans a line break), the length in characters of the
    /// longest; `None` when a piece spans lines or nothing is known. The
    /// policy's `ignore_below` rules read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) chars: Option<usize>,
}

/// One review of a line: who, and when (Unix milliseconds) when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
}

impl LineAttr {
    pub fn reviewed(&self) -> bool {
        !self.reviews.is_empty()
    }

    /// The latest reviewer.
    pub(crate) fn reviewer(&self) -> Option<&str> {
        self.reviews.last().map(|r| r.by.as_str())
    }

    /// When the latest review happened.
    pub(crate) fn reviewed_at(&self) -> Option<i64> {
        self.reviews.last().and_then(|r| r.at)
    }

    /// Adds a review unless that person's review is already there (a known
    /// time replaces an unknown one).
    pub(crate) fn add_review(&mut self, by: &str, at: Option<i64>) {
        match self.reviews.iter_mut().find(|r| r.by == by) {
            Some(r) => r.at = r.at.or(at),
            None => {
                // "unknown" only stands in while no reviewer is named.
                self.reviews.retain(|r| r.by != UNKNOWN_REVIEWER);
                self.reviews.push(Reviewer {
                    by: by.to_owned(),
                    at,
                });
                self.reviews.sort_by_key(|r| r.at.unwrap_or(i64::MAX));
            }
        }
    }

    /// `tool, model` or `tool`, for messages.
    pub(crate) fn label(&self) -> String {
        match &self.model {
            Some(m) => format!("{}, {m}", self.tool),
            None => self.tool.clone(),
        }
    }
}

/// The reviewer of a line a note says is reviewed without naming anyone.
pub(crate) const UNKNOWN_REVIEWER: &str = "unknown";

/// AI lines of one file version, keyed by 1-based line number.
pub(crate) type FileLines = BTreeMap<usize, LineAttr>;

/// AI lines of every file of one commit, keyed by path.
pub type CommitLines = BTreeMap<String, FileLines>;

/// The AI lines of a ledger, 1-based.
pub fn from_ledger(ledger: &Ledger) -> FileLines {
    let mut out = FileLines::new();
    for s in ledger.line_summary() {
        let Some(first) = s.attributions.first() else {
            continue;
        };
        let Some(source) = first.source() else {
            continue;
        };
        let reviews = if s.unreviewed {
            Vec::new()
        } else {
            line_reviews(&s.attributions)
        };
        out.insert(
            s.line + 1,
            LineAttr {
                origin: s.origin,
                tool: source.tool.clone(),
                model: source.model.clone(),
                kind: Some(source.kind.to_string()),
                reviews,
                chars: s.piece_chars,
            },
        );
    }
    out
}

/// The reviews of a line holding several reviewed AI attributions: the
/// people who reviewed all of them, else (no one did) the latest review.
fn line_reviews(attributions: &[crate::ledger::Attribution]) -> Vec<Reviewer> {
    let Some((first, rest)) = attributions.split_first() else {
        return Vec::new();
    };
    let all: Vec<Reviewer> = first
        .reviews()
        .iter()
        .filter(|r| {
            rest.iter()
                .all(|a| a.reviews().iter().any(|o| o.by == r.by))
        })
        .map(|r| Reviewer {
            by: r.by.clone(),
            at: Some(r.at),
        })
        .collect();
    if !all.is_empty() {
        return all;
    }
    attributions
        .iter()
        .filter_map(|a| a.review())
        .max_by_key(|r| r.at)
        .map(|r| Reviewer {
            by: r.by.clone(),
            at: Some(r.at),
        })
        .into_iter()
        .collect()
}

/// Where each line of `old` is in `new`: `Some(new line)` (both 1-based)
/// when the whole line, line break included, is unchanged; `None` when it
/// changed or went away. Index 0 of the result is unused.
pub(crate) fn map_lines(old: &str, new: &str) -> Vec<Option<usize>> {
    map_lines_where(old, new, None)
}

/// The lines of `new` (each with its line break) that no line of `old`
/// maps onto ([`map_lines`]), those holding only white space and a last
/// line without a line break left out: the lines a state of the file can
/// give back as AI (see `service::may_give_back`).
pub(crate) fn new_lines<'t>(old: &str, new: &'t str) -> HashSet<&'t str> {
    let mapped: HashSet<usize> = map_lines(old, new).into_iter().flatten().collect();
    new.split_inclusive('\n')
        .enumerate()
        .filter(|(i, line)| {
            !mapped.contains(&(i + 1)) && line.ends_with('\n') && !line.trim().is_empty()
        })
        .map(|(_, line)| line)
        .collect()
}

/// [`map_lines`]; with `wanted`, exact only for the old lines it accepts
/// (1-based): the others may map to `None` where the full alignment would
/// find them.
fn map_lines_where(
    old: &str,
    new: &str,
    wanted: Option<&dyn Fn(usize) -> bool>,
) -> Vec<Option<usize>> {
    let old_starts = line_starts(old);
    let new_starts = line_starts(new);
    let mut out = vec![None; old_starts.len() + 1];
    if old == new {
        for (i, slot) in out.iter_mut().enumerate().skip(1) {
            *slot = Some(i);
        }
        return out;
    }
    let pieces = match wanted {
        None => align(old, new),
        // A changed hunk gets the character alignment only when it holds
        // a wanted line (an AI line to carry): elsewhere only whole equal
        // lines count, which the line diff alone finds.
        Some(wanted) => align_where(old, new, |hunk| {
            let first = old_starts.partition_point(|&s| s < hunk.start);
            let last = old_starts.partition_point(|&s| s < hunk.end);
            (first + 1..=last).any(wanted)
        }),
    };
    let same: Vec<(std::ops::Range<usize>, usize)> = pieces
        .into_iter()
        .filter_map(|p| match p {
            Piece::Same { old, new } => Some((old, new.start)),
            Piece::Changed { .. } => None,
        })
        .collect();
    for (i, &start) in old_starts.iter().enumerate() {
        let end = old_starts.get(i + 1).copied().unwrap_or(old.len());
        if end <= start {
            continue;
        }
        let at = same.partition_point(|(r, _)| r.end <= start);
        let Some((range, new_start)) = same.get(at) else {
            continue;
        };
        if range.start <= start && end <= range.end {
            let new_offset = new_start + (start - range.start);
            let new_line = new_starts.partition_point(|&s| s <= new_offset);
            out[i + 1] = Some(new_line);
        }
    }
    out
}

/// How many lines `text` has as git counts them (a trailing LF starts no line).
pub(crate) fn count(text: &str) -> usize {
    line_starts(text).len()
}

/// Byte offsets where lines start (a trailing line break starts no line).
fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' && i + 1 < text.len() {
            v.push(i + 1);
        }
    }
    if text.is_empty() {
        v.clear();
    }
    v
}

/// Carries `lines` of the `old` text to the `new` text; lines that changed are dropped.
pub(crate) fn carry(lines: &FileLines, old: &str, new: &str) -> FileLines {
    let map = map_lines_where(old, new, Some(&|l| lines.contains_key(&l)));
    carry_by(lines, &map)
}

/// [`carry`] through a map [`map_lines`] made.
pub(crate) fn carry_by(lines: &FileLines, map: &[Option<usize>]) -> FileLines {
    lines
        .iter()
        .filter_map(|(&line, attr)| {
            map.get(line)
                .copied()
                .flatten()
                .map(|to| (to, attr.clone()))
        })
        .collect()
}

/// [`carry`] onto the lines of `new` that `wanted` accepts, without the diff
/// when none of them can receive a line. A line of `old` that ends with a
/// line break is carried only onto a line of `new` that ends with its whole
/// text (equal stretches are equal byte for byte, and hold that one line
/// break), so unless some wanted line ends with the text of one of `lines`
/// (or one of them is a last line without a line break, which may land
/// inside a longer line) nothing can be carried there. The texts are
/// compared by hash, once per distinct length: linear in the text.
pub(crate) fn carry_onto(
    lines: &FileLines,
    old: &str,
    new: &str,
    wanted: impl Fn(usize) -> bool,
) -> FileLines {
    if lines.is_empty() || !may_land(lines, old, new, &wanted) {
        return FileLines::new();
    }
    let mut out = carry(lines, old, new);
    out.retain(|l, _| wanted(*l));
    out
}

/// Whether [`carry`] of `lines` could put a line on a `wanted` line of `new`.
fn may_land(lines: &FileLines, old: &str, new: &str, wanted: &impl Fn(usize) -> bool) -> bool {
    let line = |starts: &[usize], text: &'_ str, l: usize| -> Option<(usize, usize)> {
        let start = *starts.get(l.checked_sub(1)?)?;
        Some((start, starts.get(l).copied().unwrap_or(text.len())))
    };
    let old_starts = line_starts(old);
    let mut carried = Vec::new();
    for &l in lines.keys() {
        // A line past the end is carried nowhere.
        let Some((start, end)) = line(&old_starts, old, l) else {
            continue;
        };
        let text = &old[start..end];
        if !text.ends_with('\n') {
            return true;
        }
        carried.push(text);
    }
    if carried.is_empty() {
        return false;
    }
    let tails = LineTails::new(carried);
    let new_starts = line_starts(new);
    (1..=new_starts.len())
        .filter(|&l| wanted(l))
        .any(|l| line(&new_starts, new, l).is_some_and(|(start, end)| tails.ends(&new[start..end])))
}

/// Lines (each with its line break) that [`carry_onto`] may carry onto a
/// new line ending with one of them, looked up by length, then by text.
pub(crate) struct LineTails<'a> {
    texts: std::collections::HashSet<&'a str>,
    lengths: std::collections::BTreeSet<usize>,
}

impl<'a> LineTails<'a> {
    pub(crate) fn new(lines: impl IntoIterator<Item = &'a str>) -> LineTails<'a> {
        let texts: std::collections::HashSet<&str> = lines.into_iter().collect();
        let lengths = texts.iter().map(|t| t.len()).collect();
        LineTails { texts, lengths }
    }

    /// Whether `line`, with its line break, ends with one of the lines.
    pub(crate) fn ends(&self, line: &str) -> bool {
        line.ends_with('\n')
            && self.lengths.range(..=line.len()).any(|&n| {
                line.get(line.len() - n..)
                    .is_some_and(|tail| self.texts.contains(tail))
            })
    }
}

/// Carries `lines` of the `old` text to the `new` text through a rewrite
/// (amend, rebase): unchanged lines keep their attribution; a line edited
/// into a recognisably same line (`ledger::align`'s line pairing: a
/// one-character fix at a rebase `edit` stop) stays AI, as `mixed`; lines
/// that went away or were replaced by unrelated ones are dropped.
pub(crate) fn carry_edited(lines: &FileLines, old: &str, new: &str) -> FileLines {
    use crate::ledger::{GitLines, Pair, Step, line_steps_with, pair_hunk};
    let (ol, nl) = (GitLines::new(old), GitLines::new(new));
    // old line -> (new line, edited)
    let mut map: std::collections::HashMap<usize, (usize, bool)> = Default::default();
    for step in line_steps_with(old, new, None) {
        match step {
            Step::Same { old: o, new: n } => {
                let (o0, n0) = (ol.line_of(o.start), nl.line_of(n.start));
                for i in 0..old[o].split_inclusive('\n').count() {
                    map.insert(o0 + i + 1, (n0 + i + 1, false));
                }
            }
            Step::Hunk(h) => {
                for p in pair_hunk(old, new, &h) {
                    if let Pair::Line { old: o, new: n } = p {
                        let edited = old[o.clone()].trim() != new[n.clone()].trim();
                        map.insert(ol.line_of(o.start) + 1, (nl.line_of(n.start) + 1, edited));
                    }
                }
            }
        }
    }
    lines
        .iter()
        .filter_map(|(&line, attr)| {
            let &(to, edited) = map.get(&line)?;
            let mut attr = attr.clone();
            if edited {
                attr.origin = LineOrigin::Mixed;
            }
            Some((to, attr))
        })
        .collect()
}

/// A ledger for `new_text` holding the attribution of `old` on exactly the
/// lines the two texts share (whole lines, line breaks included); every other
/// line is human. For texts of unrelated origin (another branch's version of
/// a file), where a character-level diff would match fragments by chance.
pub(crate) fn transfer_by_lines(old: &Ledger, new_text: &str) -> Ledger {
    let mut new = Ledger::new(new_text);
    let old_text = old.text();
    let map = map_lines(&old_text, new_text);
    let (old_lines, new_lines) = (old.git_lines(), new.git_lines());
    for region in old.regions() {
        let Some(source) = region.attribution.source() else {
            continue;
        };
        let mut pos = region.range.start;
        while pos < region.range.end {
            let line = old_lines.line_of(pos);
            let Ok(range) = old_lines.range(line, line) else {
                break;
            };
            let seg_end = region.range.end.min(range.end);
            if let Some(Some(to)) = map.get(line + 1)
                && let Ok(target) = new_lines.range(to - 1, to - 1)
            {
                let start = target.start + (pos - range.start);
                let span = start..start + (seg_end - pos);
                if new.mark_ai(span.clone(), source).is_ok() {
                    // Every reviewer comes along, oldest first.
                    for review in region.attribution.reviews() {
                        let _ = new.mark_reviewed(span.clone(), review);
                    }
                }
            }
            if seg_end <= pos {
                break;
            }
            pos = seg_end;
        }
    }
    new
}

/// Marks on `ledger` (whose text is the version `file` describes) the AI
/// lines of `file` that hold no AI text in the ledger: each such line's
/// text, from its first to its last non-blank character (a run of such
/// lines as one stretch), with the line's
/// tool, model, kind and review. Lines the ledger already attributes to AI
/// keep what it says. Returns how many lines were marked.
pub(crate) fn fill_ledger(ledger: &mut Ledger, file: &FileLines) -> usize {
    let text = ledger.text();
    let index = ledger.git_lines();
    let known: std::collections::HashSet<usize> =
        ledger.line_summary().iter().map(|s| s.line + 1).collect();
    let mut marked = 0;
    // One time for all, so lines of one source stay one region.
    let now = crate::ledger::now_millis();
    let to_mark = |l: usize| file.contains_key(&l) && !known.contains(&l);
    for (&line, attr) in file {
        if known.contains(&line) {
            continue;
        }
        let Ok(range) = index.range(line - 1, line - 1) else {
            continue;
        };
        let body = &text[range.clone()];
        let Some(first) = body.find(|c: char| !c.is_whitespace()) else {
            continue;
        };
        let last = body
            .char_indices()
            .rev()
            .find(|(_, c)| !c.is_whitespace())
            .map_or(first, |(i, c)| i + c.len_utf8());
        // Consecutive lines are marked as one stretch, line breaks and
        // indentation between them included.
        let start = if line > 1 && to_mark(line - 1) {
            range.start
        } else {
            range.start + first
        };
        let end = if to_mark(line + 1) {
            range.end
        } else {
            range.start + last
        };
        let span = start..end;
        let source = crate::ledger::AiSource {
            tool: attr.tool.clone(),
            model: attr.model.clone(),
            kind: attr
                .kind
                .as_deref()
                .and_then(|k| k.parse().ok())
                .unwrap_or(crate::ledger::AiKind::Manual),
            session: None,
            accepted_at: attr.reviewed_at().unwrap_or(now),
        };
        if ledger.mark_ai(span.clone(), &source).is_ok() {
            marked += 1;
            for r in &attr.reviews {
                let review = crate::ledger::Review {
                    by: r.by.clone(),
                    at: r.at.unwrap_or(now),
                };
                let _ = ledger.mark_reviewed(span.clone(), &review);
            }
        }
    }
    marked
}

/// Adds to `into` every line of `from` that `into` does not describe.
pub(crate) fn fill(into: &mut CommitLines, from: CommitLines) {
    for (path, lines) in from {
        let target = into.entry(path).or_default();
        for (line, attr) in lines {
            target.entry(line).or_insert(attr);
        }
    }
    into.retain(|_, l| !l.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(tool: &str) -> LineAttr {
        LineAttr {
            origin: LineOrigin::Ai,
            tool: tool.into(),
            model: None,
            kind: None,
            reviews: Vec::new(),
            chars: None,
        }
    }

    #[test]
    fn unchanged_lines_move_changed_lines_vanish() {
        let old = "a\nb\nc\nd\n";
        let new = "x\na\nb\nC\nd\n";
        let m = map_lines(old, new);
        assert_eq!(&m[1..], &[Some(2), Some(3), None, Some(5)]);
    }

    #[test]
    fn identical_texts_map_to_themselves() {
        let m = map_lines("a\nb", "a\nb");
        assert_eq!(&m[1..], &[Some(1), Some(2)]);
    }

    /// The shortcut never changes the result: `carry_onto` is `carry` kept
    /// to the wanted lines, on texts made of a few similar lines (so lines
    /// land inside longer ones, are re-indented, lose their last line
    /// break, hold multi-byte characters).
    #[test]
    fn carry_onto_is_carry_on_the_wanted_lines() {
        use proptest::prelude::*;
        let piece = prop::sample::select(vec![
            "a", "ab", "b", "fn x()", "  fn x()", "é", "aé", "", " ", "b\r",
        ]);
        let text = prop::collection::vec((piece, any::<bool>()), 0..8).prop_map(|ls| {
            let mut t = String::new();
            for (i, (l, join)) in ls.iter().enumerate() {
                t.push_str(l);
                // Sometimes two pieces share a line; the last may lack its break.
                if !join || i + 1 == ls.len() {
                    t.push('\n');
                }
            }
            t
        });
        let config = ProptestConfig {
            cases: 2000,
            ..ProptestConfig::default()
        };
        proptest!(config, |(old in text.clone(), new in text, trim in any::<bool>(),
                            ai in prop::collection::btree_set(1usize..10, 0..6),
                            wanted in prop::collection::btree_set(1usize..10, 0..8))| {
            let old = if trim { old.trim_end_matches('\n').to_owned() } else { old };
            let lines: FileLines = ai.iter().map(|&l| (l, attr("t"))).collect();
            let mut expected = carry(&lines, &old, &new);
            expected.retain(|l, _| wanted.contains(l));
            let got = carry_onto(&lines, &old, &new, |l| wanted.contains(&l));
            prop_assert_eq!(got, expected);
        });
    }

    #[test]
    fn carry_keeps_only_known_lines() {
        let mut lines = FileLines::new();
        lines.insert(2, attr("t"));
        lines.insert(3, attr("u"));
        let out = carry(&lines, "a\nb\nc\n", "b\nc2\n");
        assert_eq!(out.keys().copied().collect::<Vec<_>>(), vec![1]);
        assert_eq!(out[&1].tool, "t");
    }

    #[test]
    fn transfer_by_lines_keeps_shared_lines_only() {
        use crate::ledger::{AiKind, AiSource, Review};
        let mut old = Ledger::new("fn h1() {}\nfn ai8() { 8 }\nfn keep() {}\n");
        let src = AiSource {
            tool: "t".into(),
            model: None,
            kind: AiKind::Agent,
            session: None,
            accepted_at: 1,
        };
        let r = old.line_range(1, 2).unwrap();
        old.mark_ai(r.clone(), &src).unwrap();
        old.mark_reviewed(
            r.clone(),
            &Review {
                by: "A".into(),
                at: 2,
            },
        )
        .unwrap();
        old.mark_reviewed(
            r,
            &Review {
                by: "B".into(),
                at: 3,
            },
        )
        .unwrap();
        let new = transfer_by_lines(&old, "// top\nfn h1() {}\nfn h8() {}\nfn keep() {}\n");
        let lines = from_ledger(&new);
        assert_eq!(lines.keys().copied().collect::<Vec<_>>(), vec![4]);
        // Both reviewers come along (reviews accumulate).
        let who: Vec<&str> = lines[&4].reviews.iter().map(|r| r.by.as_str()).collect();
        assert_eq!(who, ["A", "B"]);
    }

    #[test]
    fn reordered_lines_follow() {
        let old = "fn a() {}\nfn b() {}\nfn c() {}\n";
        let new = "fn c() {}\nfn a() {}\nfn b() {}\n";
        let m = map_lines(old, new);
        assert_eq!(m[1], Some(2));
        assert_eq!(m[2], Some(3));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 400, ..Default::default() })]
        /// Carrying with the character alignment only where an AI line is
        /// gives what the full alignment gives, on texts whose calls are
        /// wrapped differently on each side (whole old lines then survive
        /// inside a changed hunk), with lines edited, kept and dropped.
        #[test]
        fn carry_matches_the_full_alignment(
            old in proptest::collection::vec((0usize..5, 0usize..3), 0..8),
            new in proptest::collection::vec((0usize..5, 0usize..3), 0..8),
            ai in proptest::collection::btree_set(1usize..20, 0..8),
            last_break in proptest::bool::ANY,
        ) {
            // One call in three wrappings, or a line edited in place.
            const UNITS: [[&str; 3]; 5] = [
                ["foo(\na,\nb)", "foo(a,\nb)", "foo(a, b)"],
                ["bar(\nx,\ny)", "bar(x,\ny)", "bar(x, y)"],
                ["    let x = 1;", "    let x = 2;", "    let x = 1; }"],
                ["}", "}", "};"],
                ["", "fn main() {}", "fn main() { }"],
            ];
            let text = |units: &[(usize, usize)]| {
                let mut t = units.iter().map(|&(u, f)| UNITS[u][f]).collect::<Vec<_>>().join("\n");
                if last_break && !t.is_empty() {
                    t.push('\n');
                }
                t
            };
            let (old, new) = (text(&old), text(&new));
            let lines: FileLines = ai.into_iter().map(|l| (l, attr("t"))).collect();
            let full = carry_by(&lines, &map_lines(&old, &new));
            proptest::prop_assert_eq!(carry(&lines, &old, &new), full);
        }
    }
}
