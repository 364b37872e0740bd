//! Which characters an agent changed: `ledger::align` (lines first; inside
//! a changed hunk only a new line recognisably the same as an old one keeps
//! character precision, so a line the agent wrote from scratch is the
//! agent's as a whole), bounded in time and size because the agent waits.

use std::ops::Range;
use std::time::Duration;

use crate::ledger::{Bounds, Piece, align_within};

/// The agent's bounds: 300 ms for the line diff of a whole file, 20 ms for
/// each character diff, hunks over 16 KiB (either side) taken whole.
const BOUNDS: Bounds = Bounds {
    line_timeout: Some(Duration::from_millis(300)),
    char_timeout: Some(Duration::from_millis(20)),
    max_char_hunk: 16 * 1024,
};

/// A replacement of `old` (bytes of the text before) by `new` (bytes of the
/// text after). Returned in order, not overlapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) old: Range<usize>,
    pub(crate) new: Range<usize>,
}

/// The changes that turn `before` into `after`.
pub(crate) fn changes(before: &str, after: &str) -> Vec<Change> {
    align_within(before, after, BOUNDS)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Changed { old, new } => Some(Change { old, new }),
            Piece::Same { .. } => None,
        })
        .collect()
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

    /// Lines that were only re-wrapped keep their characters: the agent
    /// wrote the white space, not the `b)` that was there (the same
    /// alignment as the ledger's, within bounds).
    #[test]
    fn a_rewrapped_line_keeps_its_characters() {
        let (before, after) = ("x = f(a, b)\n", "x = f(a,\n      b)\n");
        let got = new_text(before, after);
        assert!(!got.is_empty());
        assert!(got.iter().all(|t| t.trim().is_empty()), "{got:?}");
        let unbounded: Vec<Change> = crate::ledger::align(before, after)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Changed { old, new } => Some(Change { old, new }),
                Piece::Same { .. } => None,
            })
            .collect();
        assert_eq!(changes(before, after), unbounded);
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
