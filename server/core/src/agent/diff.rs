//! Which characters an agent changed: lines first, then characters inside
//! changed lines, bounded in time and tuned for attribution.
//!
//! Like `ledger::align`, lines come first: inside a changed hunk only a new
//! line recognisably the same as an old one (a renamed variable, a changed
//! number) keeps character precision; a line the agent wrote from scratch
//! is the agent's as a whole, so characters that happen to match an old
//! line (a space, a `;`, `et`) are not left to the previous author.

use std::ops::Range;
use std::time::Duration;

use similar::{DiffTag, TextDiff};

use crate::ledger::{Hunk, Pair, Step, line_steps_with, pair_hunk, same_but_space};

/// Time allowed to the line diff of a whole file before it approximates.
const LINE_TIMEOUT: Duration = Duration::from_millis(300);
/// Time allowed to each hunk's character diff.
const CHAR_TIMEOUT: Duration = Duration::from_millis(20);
/// Hunks larger than this (either side) are taken whole, without a character diff.
const MAX_CHAR_HUNK: usize = 16 * 1024;

/// A replacement of `old` (bytes of the text before) by `new` (bytes of the
/// text after). Returned in order, not overlapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) old: Range<usize>,
    pub(crate) new: Range<usize>,
}

/// The changes that turn `before` into `after`.
pub(crate) fn changes(before: &str, after: &str) -> Vec<Change> {
    let mut out = Vec::new();
    for step in line_steps_with(before, after, Some(LINE_TIMEOUT)) {
        if let Step::Hunk(h) = step {
            refine(before, after, h, &mut out);
        }
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

/// Splits a changed hunk: a line recognisably the same as an old one (see
/// `ledger::align`) keeps character precision; every other new line is the
/// agent's as a whole, so a line it wrote from scratch credits no stray
/// letters (`et`, `_pr`) to the previous author.
fn refine(before: &str, after: &str, h: Hunk, out: &mut Vec<Change>) {
    if h.old.is_empty()
        || h.new.is_empty()
        || h.old.len() > MAX_CHAR_HUNK
        || h.new.len() > MAX_CHAR_HUNK
    {
        out.push(Change {
            old: h.old,
            new: h.new,
        });
        return;
    }
    for part in pair_hunk(before, after, &h) {
        match part {
            Pair::Line { old, new } => chars(before, after, old, new, out),
            // Re-indented or re-wrapped lines: only what really changed.
            Pair::Unpaired { old, new }
                if same_but_space(&before[old.clone()], &after[new.clone()]) =>
            {
                chars(before, after, old, new, out);
            }
            Pair::Unpaired { old, new } => add(out, Change { old, new }),
        }
    }
}

/// The character changes between `before[o]` and `after[n]`.
fn chars(before: &str, after: &str, o: Range<usize>, n: Range<usize>, out: &mut Vec<Change>) {
    let (os, ns) = (&before[o.clone()], &after[n.clone()]);
    let diff = TextDiff::configure()
        .timeout(CHAR_TIMEOUT)
        .diff_chars(os, ns);
    let oc = starts(diff.iter_old_slices());
    let nc = starts(diff.iter_new_slices());
    for op in diff.ops() {
        let (tag, a, b) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            continue;
        }
        add(
            out,
            Change {
                old: o.start + oc[a.start]..o.start + oc[a.end],
                new: n.start + nc[b.start]..n.start + nc[b.end],
            },
        );
    }
}

/// Appends, joining a change that starts where the previous one ended.
fn add(out: &mut Vec<Change>, c: Change) {
    if c.old.is_empty() && c.new.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(p) if p.old.end == c.old.start && p.new.end == c.new.start => {
            p.old.end = c.old.end;
            p.new.end = c.new.end;
        }
        _ => out.push(c),
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
    fn new_lines_in_a_mixed_hunk_are_wholly_the_agents() {
        // One edited line, two lines replaced by unrelated new ones.
        let before = "fn f() {\n    let total = a + b;\n    print(total);\n    return total;\n}\n";
        let after = "fn f() {\n    let total = a + b + c;\n    emit_metric(\"sum\", total)?;\n    Ok(total)\n}\n";
        let changed: Vec<bool> = {
            let mut v = vec![false; after.len()];
            for c in changes(before, after) {
                v[c.new].iter_mut().for_each(|b| *b = true);
            }
            v
        };
        for line in ["    emit_metric(\"sum\", total)?;\n", "    Ok(total)\n"] {
            let at = after.find(line).unwrap();
            assert!(changed[at..at + line.len()].iter().all(|c| *c), "{line:?}");
        }
        assert_eq!(
            new_text("    let total = a + b;\n", "    let total = a + b + c;\n"),
            [" + c"]
        );
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
