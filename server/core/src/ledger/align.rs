//! Aligning an old text with a new one: line-level diff first; inside a
//! changed hunk, each new line is paired with an old line only when the two
//! are recognisably the same line (similar enough, see [`SIMILAR`]), and
//! characters are aligned only within such a pair. A wholly new line is
//! wholly changed: no stray letters of an unrelated old line survive in it.

use std::ops::Range;
use std::time::Duration;

use similar::{DiffTag, TextDiff};

/// Two lines are "the same line, edited" when at least this share of their
/// characters match (`similar`'s ratio: 2 × matching / total characters).
pub(crate) const SIMILAR: f32 = 0.7;

/// A stretch of lines that pair with nothing is still one text re-wrapped
/// when its characters other than white space match this closely.
const REWRAP_SIMILAR: f32 = 0.9;

/// How many old lines ahead of the last pair a new line looks for its pair.
const PAIR_WINDOW: usize = 16;

/// Lines longer than this (bytes) are paired only when equal after trimming:
/// their character diff would cost too much for a guess. No time limit is
/// used anywhere here, so the same texts always align the same way.
const MAX_PAIR_LINE: usize = 1024;

/// Stretches longer than this (bytes, white space removed) are not compared
/// as a re-wrap.
const MAX_REWRAP: usize = 2048;

/// One piece of an alignment, in UTF-8 byte offsets of each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// `old[old]` equals `new[new]`.
    Same {
        old: Range<usize>,
        new: Range<usize>,
    },
    /// `old[old]` was replaced by `new[new]` (either side may be empty).
    Changed {
        old: Range<usize>,
        new: Range<usize>,
    },
}

/// A changed stretch of whole lines: byte ranges of each side.
pub(crate) struct Hunk {
    pub(crate) old: Range<usize>,
    pub(crate) new: Range<usize>,
}

/// Limits on the work of one alignment. [`Bounds::NONE`] (the ledger's
/// reconcile, the editors, commit time) always aligns the same texts the
/// same way; coding agents' edits, recorded while the agent waits, are
/// bounded in time and size instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Time allowed to the line diff of the whole texts before it approximates.
    pub(crate) line_timeout: Option<Duration>,
    /// Time allowed to each character diff.
    pub(crate) char_timeout: Option<Duration>,
    /// A changed hunk larger than this (bytes, either side) is changed as a
    /// whole, without a character diff.
    pub(crate) max_char_hunk: usize,
}

impl Bounds {
    /// No limits: deterministic.
    pub(crate) const NONE: Bounds = Bounds {
        line_timeout: None,
        char_timeout: None,
        max_char_hunk: usize::MAX,
    };
}

/// Aligns `old` with `new`. The pieces cover both texts in order, without gaps.
pub fn align(old: &str, new: &str) -> Vec<Piece> {
    align_within(old, new, Bounds::NONE)
}

/// [`align`] within `bounds`.
pub(crate) fn align_within(old: &str, new: &str, bounds: Bounds) -> Vec<Piece> {
    align_hunks(old, new, bounds, |_| true)
}

/// [`align`], aligning characters only in the changed hunks whose old side
/// (a byte range of `old`) `wanted` accepts; any other hunk is one
/// `Changed` piece. Where a caller only follows some old lines, this skips
/// the character work nobody reads.
pub(crate) fn align_where(
    old: &str,
    new: &str,
    wanted: impl Fn(&Range<usize>) -> bool,
) -> Vec<Piece> {
    align_hunks(old, new, Bounds::NONE, wanted)
}

fn align_hunks(
    old: &str,
    new: &str,
    bounds: Bounds,
    wanted: impl Fn(&Range<usize>) -> bool,
) -> Vec<Piece> {
    let mut out = Vec::new();
    let chars = |o: Range<usize>, n: Range<usize>, out: &mut Vec<Piece>| {
        align_chars(old, new, o, n, bounds.char_timeout, out);
    };
    for step in line_steps_with(old, new, bounds.line_timeout) {
        match step {
            Step::Same { old: o, new: n } => push(&mut out, Piece::Same { old: o, new: n }),
            Step::Hunk(h)
                if h.old.len() > bounds.max_char_hunk
                    || h.new.len() > bounds.max_char_hunk
                    || !wanted(&h.old) =>
            {
                push(
                    &mut out,
                    Piece::Changed {
                        old: h.old,
                        new: h.new,
                    },
                );
            }
            // Only white space changed (re-indented, re-wrapped): the same
            // characters, aligned as they are.
            Step::Hunk(h) if same_but_space(&old[h.old.clone()], &new[h.new.clone()]) => {
                chars(h.old, h.new, &mut out);
            }
            Step::Hunk(h) => {
                for part in pair_hunk(old, new, &h) {
                    match part {
                        Pair::Unpaired { old: o, new: n }
                            if same_but_space(&old[o.clone()], &new[n.clone()]) =>
                        {
                            chars(o, n, &mut out);
                        }
                        Pair::Unpaired { old: o, new: n } => {
                            push(&mut out, Piece::Changed { old: o, new: n });
                        }
                        Pair::Line { old: o, new: n } => chars(o, n, &mut out),
                    }
                }
            }
        }
    }
    out
}

/// The line-level diff: runs of equal lines and changed hunks, in order.
pub(crate) enum Step {
    Same {
        old: Range<usize>,
        new: Range<usize>,
    },
    Hunk(Hunk),
}

/// Runs of equal lines and the changed hunks between them, with an
/// optional time limit for the line diff.
pub(crate) fn line_steps_with(old: &str, new: &str, timeout: Option<Duration>) -> Vec<Step> {
    let mut config = TextDiff::configure();
    if let Some(t) = timeout {
        config.timeout(t);
    }
    let lines = config.diff_lines(old, new);
    let old_starts = starts(lines.iter_old_slices());
    let new_starts = starts(lines.iter_new_slices());
    let mut out = Vec::new();
    // A changed hunk accumulates until the next equal run of lines.
    let mut hunk: Option<Hunk> = None;
    for op in lines.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        let ob = old_starts[o.start]..old_starts[o.end];
        let nb = new_starts[n.start]..new_starts[n.end];
        if tag == DiffTag::Equal {
            if let Some(h) = hunk.take() {
                out.push(Step::Hunk(h));
            }
            out.push(Step::Same { old: ob, new: nb });
        } else {
            hunk = Some(match hunk {
                Some(h) => Hunk {
                    old: h.old.start..ob.end,
                    new: h.new.start..nb.end,
                },
                None => Hunk { old: ob, new: nb },
            });
        }
    }
    if let Some(h) = hunk {
        out.push(Step::Hunk(h));
    }
    out
}

/// A hunk cut into paired lines and the unpaired stretches between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pair {
    /// Old and new lines with no counterpart (either side may be empty).
    Unpaired {
        old: Range<usize>,
        new: Range<usize>,
    },
    /// One old line and the new line it became (line breaks included).
    Line {
        old: Range<usize>,
        new: Range<usize>,
    },
}

/// Byte ranges of the lines (LF-terminated, the last maybe not) of `text[range]`.
fn lines_in(text: &str, range: &Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let end = text[at..range.end]
            .find('\n')
            .map_or(range.end, |i| at + i + 1);
        out.push(at..end);
        at = end;
    }
    out
}

/// Whether `a` and `b` are the same text re-wrapped or re-indented: their
/// characters apart from white space are equal, or nearly so (at least
/// [`REWRAP_SIMILAR`], e.g. a comma added when a call is split over lines).
pub(crate) fn same_but_space(a: &str, b: &str) -> bool {
    if a.trim().is_empty() || b.trim().is_empty() {
        return false;
    }
    let squeeze = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let (sa, sb) = (squeeze(a), squeeze(b));
    if sa == sb {
        return true;
    }
    if sa.len() > MAX_REWRAP || sb.len() > MAX_REWRAP {
        return false;
    }
    TextDiff::from_chars(&sa, &sb).ratio() >= REWRAP_SIMILAR
}

/// Whether two lines are recognisably the same line.
pub(crate) fn similar_lines(a: &str, b: &str) -> bool {
    let (ta, tb) = (a.trim(), b.trim());
    if ta == tb {
        return true;
    }
    if ta.is_empty() || tb.is_empty() || a.len() > MAX_PAIR_LINE || b.len() > MAX_PAIR_LINE {
        return false;
    }
    TextDiff::from_chars(ta, tb).ratio() >= SIMILAR
}

/// Pairs the lines of a changed hunk: each new line, in order, with the
/// first similar old line after the previous pair (within a window), so
/// pairs never cross.
pub(crate) fn pair_hunk(old: &str, new: &str, h: &Hunk) -> Vec<Pair> {
    let ol = lines_in(old, &h.old);
    let nl = lines_in(new, &h.new);
    let mut out = Vec::new();
    let mut oi = 0usize;
    let (mut o_at, mut n_at) = (h.old.start, h.new.start);
    for nr in &nl {
        let window = ol.len().min(oi + PAIR_WINDOW);
        let found = (oi..window).find(|&i| similar_lines(&old[ol[i].clone()], &new[nr.clone()]));
        let Some(i) = found else { continue };
        let (o_start, n_start) = (ol[i].start, nr.start);
        if o_at < o_start || n_at < n_start {
            out.push(Pair::Unpaired {
                old: o_at..o_start,
                new: n_at..n_start,
            });
        }
        out.push(Pair::Line {
            old: ol[i].clone(),
            new: nr.clone(),
        });
        oi = i + 1;
        o_at = ol[i].end;
        n_at = nr.end;
    }
    if o_at < h.old.end || n_at < h.new.end {
        out.push(Pair::Unpaired {
            old: o_at..h.old.end,
            new: n_at..h.new.end,
        });
    }
    out
}

fn starts<'a>(slices: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut v = vec![0];
    let mut at = 0;
    for s in slices {
        at += s.len();
        v.push(at);
    }
    v
}

fn align_chars(
    old: &str,
    new: &str,
    o: Range<usize>,
    n: Range<usize>,
    timeout: Option<Duration>,
    out: &mut Vec<Piece>,
) {
    if o.is_empty() || n.is_empty() {
        push(out, Piece::Changed { old: o, new: n });
        return;
    }
    let (os, ns) = (&old[o.clone()], &new[n.clone()]);
    let mut config = TextDiff::configure();
    if let Some(t) = timeout {
        config.timeout(t);
    }
    let chars = config.diff_chars(os, ns);
    let oc = starts(chars.iter_old_slices());
    let nc = starts(chars.iter_new_slices());
    for op in chars.ops() {
        let (tag, a, b) = op.as_tag_tuple();
        let ob = o.start + oc[a.start]..o.start + oc[a.end];
        let nb = n.start + nc[b.start]..n.start + nc[b.end];
        let piece = if tag == DiffTag::Equal {
            Piece::Same { old: ob, new: nb }
        } else {
            Piece::Changed { old: ob, new: nb }
        };
        push(out, piece);
    }
}

/// Appends, merging with the previous piece of the same kind.
fn push(out: &mut Vec<Piece>, piece: Piece) {
    match (out.last_mut(), &piece) {
        (Some(Piece::Same { old, new }), Piece::Same { old: o, new: n })
        | (Some(Piece::Changed { old, new }), Piece::Changed { old: o, new: n }) => {
            old.end = o.end;
            new.end = n.end;
        }
        _ => {
            let empty = match &piece {
                Piece::Same { old, new } | Piece::Changed { old, new } => {
                    old.is_empty() && new.is_empty()
                }
            };
            if !empty {
                out.push(piece);
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn check_cover(old: &str, new: &str) {
        let pieces = align(old, new);
        let (mut o, mut n) = (0, 0);
        for p in &pieces {
            match p {
                Piece::Same { old: a, new: b } => {
                    assert_eq!(old[a.clone()], new[b.clone()]);
                    assert_eq!((a.start, b.start), (o, n));
                    (o, n) = (a.end, b.end);
                }
                Piece::Changed { old: a, new: b } => {
                    assert_eq!((a.start, b.start), (o, n));
                    (o, n) = (a.end, b.end);
                }
            }
        }
        assert_eq!((o, n), (old.len(), new.len()));
    }

    #[test]
    fn pieces_cover_both_texts() {
        check_cover("a\nb\nc\n", "a\nB\nc\n");
        check_cover("", "x");
        check_cover("x", "");
        check_cover("héllo 🌍\r\nwörld\r\n", "hello 🌍🌍\r\nwörld\r\nnew\r\n");
        check_cover("漢字かな\n", "漢字カナ\n");
    }

    #[test]
    fn only_changed_characters_are_changed() {
        let p = align("let x=1;\nok\n", "let x = 1;\nok\n");
        let changed: Vec<_> = p
            .iter()
            .filter_map(|p| match p {
                Piece::Changed { old, new } => Some((old.clone(), new.clone())),
                Piece::Same { .. } => None,
            })
            .collect();
        assert_eq!(changed, vec![(5..5, 5..6), (6..6, 7..8)]);
    }

    /// The new bytes that a `Same` piece keeps from the old text.
    /// The stretches of `new` (byte ranges) in changed hunks that are the
    /// same text as the old side re-wrapped: a whole hunk, or the unpaired
    /// lines between paired ones.
    fn rewrapped(old: &str, new: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for step in line_steps_with(old, new, None) {
            let Step::Hunk(h) = step else { continue };
            if same_but_space(&old[h.old.clone()], &new[h.new.clone()]) {
                out.push(h.new.clone());
                continue;
            }
            for part in pair_hunk(old, new, &h) {
                if let Pair::Unpaired { old: o, new: n } = part
                    && same_but_space(&old[o], &new[n.clone()])
                {
                    out.push(n);
                }
            }
        }
        out
    }

    fn kept(old: &str, new: &str) -> Vec<bool> {
        let mut out = vec![false; new.len()];
        for p in align(old, new) {
            if let Piece::Same { new: n, .. } = p {
                out[n].iter_mut().for_each(|b| *b = true);
            }
        }
        out
    }

    #[test]
    fn a_wholly_new_line_keeps_nothing_of_its_neighbours() {
        // An edited line next to two replaced ones, as an agent writes them.
        let old = "    let total = a + b;\n    println!(\"{total}\");\n    return total;\n";
        let new = "    let total = a + b + c;\n    emit_metric(\"sum\", total)?;\n    Ok(total)\n";
        let keep = kept(old, new);
        let line2 = new.find("    emit").unwrap()..new.find("    Ok").unwrap();
        assert!(keep[line2].iter().all(|k| !k), "{:?}", align(old, new));
        // The edited line keeps its characters.
        assert!(keep[..new.find(" + c").unwrap()].iter().all(|k| *k));
    }

    #[test]
    fn reindented_and_rewrapped_text_is_aligned_whole() {
        let old = "call(alpha, beta)\n";
        let new = "call(\n    alpha,\n    beta,\n)\n";
        let keep = kept(old, new);
        let kept_text: String = new
            .char_indices()
            .filter(|(i, _)| keep[*i])
            .map(|(_, c)| c)
            .collect();
        assert_eq!(
            kept_text.replace(char::is_whitespace, ""),
            "call(alpha,beta)"
        );
    }

    fn line_pieces() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(
            prop::sample::select(vec![
                "fn a() {}\n",
                "let x = 1;\n",
                "let y = 2;\n",
                "et\n",
                "_pr\n",
                "}\n",
                "\n",
                "    return total;\n",
                "    return totals;\n",
                "e\r\n",
                "漢字\n",
                "🌍 x\n",
            ]),
            0..8,
        )
        .prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]
        /// Pieces cover both texts, and a new line that is not similar to any
        /// old line keeps none of the old text's characters — unless it lies
        /// in a stretch that is the same text re-wrapped (equal or nearly so
        /// apart from white space), which is aligned character by character
        /// by design.
        #[test]
        fn new_lines_unlike_any_old_line_are_wholly_changed(old in line_pieces(), new in line_pieces()) {
            check_cover(&old, &new);
            let keep = kept(&old, &new);
            let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
            let rewrapped = rewrapped(&old, &new);
            let mut at = 0;
            for line in new.split_inclusive('\n') {
                let like_some = old_lines.iter().any(|o| similar_lines(o, line));
                let in_rewrap = rewrapped.iter().any(|r| r.start < at + line.len() && at < r.end);
                if !like_some && !in_rewrap {
                    proptest::prop_assert!(keep[at..at + line.len()].iter().all(|k| !k),
                        "line {:?} kept characters: {:?}", line, align(&old, &new));
                }
                at += line.len();
            }
        }
    }
}
