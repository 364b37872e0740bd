//! Which characters an agent changed: lines first, then characters inside
//! changed lines, bounded in time and tuned for attribution.
//!
//! Unlike `ledger::align` (used to carry attribution through unknown
//! edits), a rewritten stretch is the agent's as a whole: characters that
//! happen to match inside a hunk the agent mostly rewrote (a space, a `;`)
//! are not left to the previous author. A hunk keeps character precision
//! when at least half of its new text is unchanged (a renamed variable, a
//! changed number); otherwise all of its new text is the agent's.

use std::ops::Range;
use std::time::Duration;

use similar::{DiffTag, TextDiff};

/// Time allowed to the line diff of a whole file before it approximates.
const LINE_TIMEOUT: Duration = Duration::from_millis(300);
/// Time allowed to each hunk's character diff.
const CHAR_TIMEOUT: Duration = Duration::from_millis(20);
/// Hunks larger than this (either side) are taken whole, without a character diff.
const MAX_CHAR_HUNK: usize = 16 * 1024;

/// A replacement of `old` (bytes of the text before) by `new` (bytes of the
/// text after). Returned in order, not overlapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub old: Range<usize>,
    pub new: Range<usize>,
}

/// The changes that turn `before` into `after`.
pub fn changes(before: &str, after: &str) -> Vec<Change> {
    let lines = TextDiff::configure()
        .timeout(LINE_TIMEOUT)
        .diff_lines(before, after);
    let old_starts = starts(lines.iter_old_slices());
    let new_starts = starts(lines.iter_new_slices());
    let mut out = Vec::new();
    let mut hunk: Option<Change> = None;
    for op in lines.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        let ob = old_starts[o.start]..old_starts[o.end];
        let nb = new_starts[n.start]..new_starts[n.end];
        if tag == DiffTag::Equal {
            if let Some(h) = hunk.take() {
                refine(before, after, h, &mut out);
            }
        } else {
            hunk = Some(match hunk {
                Some(h) => Change {
                    old: h.old.start..ob.end,
                    new: h.new.start..nb.end,
                },
                None => Change { old: ob, new: nb },
            });
        }
    }
    if let Some(h) = hunk {
        refine(before, after, h, &mut out);
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

/// Splits a changed hunk into character changes when it was edited rather
/// than rewritten.
fn refine(before: &str, after: &str, h: Change, out: &mut Vec<Change>) {
    if h.old.is_empty()
        || h.new.is_empty()
        || h.old.len() > MAX_CHAR_HUNK
        || h.new.len() > MAX_CHAR_HUNK
    {
        out.push(h);
        return;
    }
    let (os, ns) = (&before[h.old.clone()], &after[h.new.clone()]);
    let chars = TextDiff::configure()
        .timeout(CHAR_TIMEOUT)
        .diff_chars(os, ns);
    let oc = starts(chars.iter_old_slices());
    let nc = starts(chars.iter_new_slices());
    let mut pieces = Vec::new();
    let mut same = 0;
    for op in chars.ops() {
        let (tag, a, b) = op.as_tag_tuple();
        let old = h.old.start + oc[a.start]..h.old.start + oc[a.end];
        let new = h.new.start + nc[b.start]..h.new.start + nc[b.end];
        if tag == DiffTag::Equal {
            same += new.len();
        } else {
            match pieces.last_mut() {
                Some(Change { old: po, new: pn }) if po.end == old.start && pn.end == new.start => {
                    po.end = old.end;
                    pn.end = new.end;
                }
                _ => pieces.push(Change { old, new }),
            }
        }
    }
    if same * 2 >= h.new.len() {
        out.extend(pieces);
    } else {
        out.push(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_text(before: &str, after: &str) -> Vec<String> {
        changes(before, after)
            .into_iter()
            .map(|c| after[c.new].to_owned())
            .collect()
    }

    #[test]
    fn small_edits_keep_character_precision() {
        assert_eq!(
            new_text("let x = 1;\nlet y = 2;\n", "let x = 42;\nlet y = 2;\n"),
            ["42"]
        );
        assert_eq!(new_text("a\nb\n", "a\nnew line\nb\n"), ["new line\n"]);
    }

    #[test]
    fn rewrites_are_whole() {
        assert_eq!(
            new_text("    a + b\n", "    a.checked_add(b).unwrap_or(0)\n"),
            ["    a.checked_add(b).unwrap_or(0)\n"]
        );
        let c = changes("one\n", "");
        assert_eq!(
            c,
            [Change {
                old: 0..4,
                new: 0..0
            }]
        );
    }

    #[test]
    fn a_total_rewrite_of_a_large_file_is_fast_and_whole() {
        let a: String = (0..50_000).map(|i| format!("let a{i} = {i};\n")).collect();
        let b: String = (0..50_000)
            .map(|i| format!("fn b{i}() {{ {} }}\n", i * 7))
            .collect();
        let c = changes(&a, &b);
        let covered: usize = c.iter().map(|c| c.new.len()).sum();
        assert_eq!(covered, b.len());
    }
}
