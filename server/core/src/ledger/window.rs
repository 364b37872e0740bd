//! One file's change as a window: the bytes (and their attribution) that
//! differ between two ledgers, so the store can log a small edit to a large
//! file instead of writing the whole text again.

use std::ops::Range;

use ropey::Rope;

use super::runs::Run;
use super::{Ledger, LedgerError, Snapshot};

/// Where two ledgers differ: `old` in the older one is replaced by `new` in
/// the newer one; everything before and after is the same text with the
/// same attribution. Both ends fall on character boundaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) old: Range<usize>,
    pub(crate) new: Range<usize>,
}

impl Ledger {
    /// The smallest window outside which `self` and `newer` hold the same
    /// text with the same attribution. Costs a comparison of both texts
    /// (chunk by chunk, no copy) and of both run lists.
    pub(crate) fn changed_window(&self, newer: &Ledger) -> Window {
        let (old_len, new_len) = (self.len(), newer.len());
        // Each run list collected once, for both ends.
        let (mine, theirs) = (self.runs.iter(), newer.runs.iter());
        let same_before = common_prefix(&self.text, &newer.text)
            .min(self.same_attribution_before(newer, &mine, &theirs));
        let same_after = common_suffix(&self.text, &newer.text)
            .min(self.same_attribution_after(newer, &mine, &theirs))
            .min(old_len.min(new_len) - same_before);
        // The texts agree up to `same_before`, so a boundary in one is one
        // in the other; run ends are always boundaries.
        let mut start = same_before;
        while !self.is_char_boundary(start) {
            start -= 1;
        }
        let mut after = same_after;
        while !self.is_char_boundary(old_len - after) {
            after -= 1;
        }
        Window {
            old: start..old_len - after,
            new: start..new_len - after,
        }
    }

    /// Bytes from the start over which both ledgers attribute alike (`a`
    /// and `b` their runs).
    fn same_attribution_before(&self, other: &Ledger, a: &[Run], b: &[Run]) -> usize {
        let (mut i, mut j, mut at) = (0, 0, 0);
        while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
            if self.attrs.get(x.attr) != other.attrs.get(y.attr) {
                return at;
            }
            at = x.end().min(y.end());
            i += usize::from(x.end() == at);
            j += usize::from(y.end() == at);
        }
        at
    }

    /// Bytes from the end over which both ledgers attribute alike (`a` and
    /// `b` their runs).
    fn same_attribution_after(&self, other: &Ledger, a: &[Run], b: &[Run]) -> usize {
        let (la, lb) = (self.len(), other.len());
        let (mut i, mut j, mut back) = (a.len(), b.len(), 0);
        while i > 0 && j > 0 {
            let (x, y) = (a[i - 1], b[j - 1]);
            if self.attrs.get(x.attr) != other.attrs.get(y.attr) {
                return back;
            }
            back = (la - x.start).min(lb - y.start);
            i -= usize::from(la - x.start == back);
            j -= usize::from(lb - y.start == back);
        }
        back
    }

    /// The text and attribution of `range`.
    pub(crate) fn slice(&self, range: Range<usize>) -> Result<Snapshot, LedgerError> {
        self.check_range(&range)?;
        Ok(Snapshot {
            text: String::from(self.text.byte_slice(range.clone())),
            runs: self
                .runs
                .runs_in(range)
                .into_iter()
                .map(|r| (r.len, self.attrs.get(r.attr).clone()))
                .collect(),
        })
    }

    /// Replaces `range` with `piece`'s text and attribution (what
    /// [`Ledger::slice`] took of a newer ledger over its window). Costs
    /// O(log n + the piece), independent of the document size.
    pub(crate) fn splice(
        &mut self,
        range: Range<usize>,
        piece: &Snapshot,
    ) -> Result<(), LedgerError> {
        self.check_range(&range)?;
        let mut runs = Vec::with_capacity(piece.runs.len());
        let mut at = 0;
        for (len, a) in &piece.runs {
            at += len;
            if !piece.text.is_char_boundary(at) {
                return Err(LedgerError::NotCharBoundary(at));
            }
            runs.push((*len, self.attrs.intern(a)));
        }
        if at != piece.text.len() {
            return Err(LedgerError::CorruptSnapshot {
                runs: at,
                text: piece.text.len(),
            });
        }
        let start_char = self.text.byte_to_char(range.start);
        if !range.is_empty() {
            let end_char = self.text.byte_to_char(range.end);
            self.text.remove(start_char..end_char);
        }
        if !piece.text.is_empty() {
            self.text.insert(start_char, &piece.text);
        }
        self.runs.replace(range, &runs);
        Ok(())
    }
}

/// Bytes the two texts share from the start.
fn common_prefix(a: &Rope, b: &Rope) -> usize {
    let (mut ca, mut cb) = (a.chunks(), b.chunks());
    common_run(
        || ca.next().map(str::as_bytes),
        || cb.next().map(str::as_bytes),
        false,
    )
}

/// Bytes the two texts share at the end.
fn common_suffix(a: &Rope, b: &Rope) -> usize {
    let (mut ca, mut cb) = (
        a.chunks_at_byte(a.len_bytes()).0,
        b.chunks_at_byte(b.len_bytes()).0,
    );
    common_run(
        || ca.prev().map(str::as_bytes),
        || cb.prev().map(str::as_bytes),
        true,
    )
}

/// How many bytes two texts given chunk by chunk agree on, compared from
/// the chunks' starts forwards, or (`backwards`) from their ends, the
/// chunks then coming last first.
fn common_run<'a>(
    mut next_a: impl FnMut() -> Option<&'a [u8]>,
    mut next_b: impl FnMut() -> Option<&'a [u8]>,
    backwards: bool,
) -> usize {
    let (mut x, mut y): (&[u8], &[u8]) = (&[], &[]);
    let mut same = 0;
    loop {
        if x.is_empty() {
            match next_a() {
                Some(c) => x = c,
                None => return same,
            }
            continue;
        }
        if y.is_empty() {
            match next_b() {
                Some(c) => y = c,
                None => return same,
            }
            continue;
        }
        let n = x.len().min(y.len());
        let (tx, ty) = if backwards {
            (&x[x.len() - n..], &y[y.len() - n..])
        } else {
            (&x[..n], &y[..n])
        };
        // Whole slices compare with memcmp; the byte loop runs once.
        let equal = if tx == ty {
            n
        } else if backwards {
            tx.iter()
                .rev()
                .zip(ty.iter().rev())
                .position(|(p, q)| p != q)
                .unwrap_or(n)
        } else {
            tx.iter().zip(ty).position(|(p, q)| p != q).unwrap_or(n)
        };
        same += equal;
        if equal < n {
            return same;
        }
        (x, y) = if backwards {
            (&x[..x.len() - n], &y[..y.len() - n])
        } else {
            (&x[n..], &y[n..])
        };
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ledger::{AiSource, Attribution, Review};

    fn ai(tool: &str) -> AiSource {
        AiSource {
            tool: tool.into(),
            ..AiSource::test_agent()
        }
    }

    /// Applies steps to `l`: each replaces a range with text (human or
    /// AI, by `kind`) or marks it reviewed.
    fn apply(l: &mut Ledger, steps: &[(usize, usize, String, u8)]) {
        for (at, cut, insert, kind) in steps {
            let len = l.len();
            let mut start = at % (len + 1);
            while !l.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + cut).min(len);
            while !l.is_char_boundary(end) {
                end += 1;
            }
            if kind % 5 == 4 {
                let review = Review {
                    by: "Ada <a@x>".into(),
                    at: 1,
                };
                l.mark_reviewed(start..end, &review).unwrap();
                continue;
            }
            let attr = match kind % 3 {
                0 => Attribution::Human,
                1 => Attribution::ai(ai("copilot")),
                _ => Attribution::ai(ai("claude")),
            };
            l.apply_edit(start..end, insert, &attr).unwrap();
        }
    }

    fn steps() -> impl Strategy<Value = Vec<(usize, usize, String, u8)>> {
        prop::collection::vec((0usize..20_000, 0usize..8, "[ab\né\n]{0,6}", 0u8..10), 0..6)
    }

    proptest! {
        /// Splicing the newer ledger's window into the older one gives the
        /// newer ledger; equal ledgers have an empty window.
        #[test]
        fn splicing_the_window_gives_the_newer_ledger(
            text in "[ab\né]{0,200}",
            copies in 1usize..80,
            first in steps(),
            then in steps(),
        ) {
            // Many copies make a rope of many chunks.
            let mut old = Ledger::new(&text.repeat(copies));
            apply(&mut old, &first);
            let mut new = old.clone();
            apply(&mut new, &then);
            let w = old.changed_window(&new);
            prop_assert_eq!(w.old.start, w.new.start);
            prop_assert_eq!(old.len() - w.old.end, new.len() - w.new.end);
            let piece = new.slice(w.new.clone()).unwrap();
            let mut spliced = old.clone();
            spliced.splice(w.old.clone(), &piece).unwrap();
            prop_assert_eq!(spliced.snapshot(), new.snapshot());
            if old.snapshot() == new.snapshot() {
                prop_assert!(w.old.is_empty() && w.new.is_empty());
            }
        }
    }

    #[test]
    fn a_keystroke_in_a_large_text_is_a_small_window() {
        let text = "fn f() {}\n".repeat(10_000);
        let mut old = Ledger::new(&text);
        old.mark_ai(50..70, &ai("copilot")).unwrap();
        let mut new = old.clone();
        new.apply_edit(5_000..5_000, "x", &Attribution::Human)
            .unwrap();
        let w = old.changed_window(&new);
        assert_eq!(
            w,
            Window {
                old: 5_000..5_000,
                new: 5_000..5_001
            }
        );
        // Only attribution changed: the window is the marked range.
        let mut marked = old.clone();
        marked.mark_ai(90_000..90_010, &ai("claude")).unwrap();
        assert_eq!(old.changed_window(&marked).old, 90_000..90_010);
    }
}
