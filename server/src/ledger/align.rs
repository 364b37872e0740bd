//! Aligning an old text with a new one: line-level diff first, character-level
//! only inside the changed hunks (so unchanged lines cost one hash each).

use std::ops::Range;

use similar::{DiffTag, TextDiff};

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

/// Aligns `old` with `new`. The pieces cover both texts in order, without gaps.
pub fn align(old: &str, new: &str) -> Vec<Piece> {
    let lines = TextDiff::configure().diff_lines(old, new);
    let old_starts = starts(lines.iter_old_slices());
    let new_starts = starts(lines.iter_new_slices());
    let mut out = Vec::new();
    // A changed hunk accumulates until the next equal run of lines.
    let mut hunk: Option<(Range<usize>, Range<usize>)> = None;
    for op in lines.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        let ob = old_starts[o.start]..old_starts[o.end];
        let nb = new_starts[n.start]..new_starts[n.end];
        if tag == DiffTag::Equal {
            if let Some((ho, hn)) = hunk.take() {
                align_chars(old, new, ho, hn, &mut out);
            }
            push(&mut out, Piece::Same { old: ob, new: nb });
        } else {
            hunk = Some(match hunk {
                Some((ho, hn)) => (ho.start..ob.end, hn.start..nb.end),
                None => (ob, nb),
            });
        }
    }
    if let Some((ho, hn)) = hunk {
        align_chars(old, new, ho, hn, &mut out);
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

fn align_chars(old: &str, new: &str, o: Range<usize>, n: Range<usize>, out: &mut Vec<Piece>) {
    if o.is_empty() || n.is_empty() {
        push(out, Piece::Changed { old: o, new: n });
        return;
    }
    let (os, ns) = (&old[o.clone()], &new[n.clone()]);
    let chars = TextDiff::configure().diff_chars(os, ns);
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
}
