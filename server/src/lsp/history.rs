//! A bounded history of a document's recent versions: the text of each (a
//! cheap rope clone) and the edits that led from one to the next, so a
//! `vouch/didAcceptAi` naming an older version can be mapped forward.

use std::collections::VecDeque;
use std::ops::Range;

use ropey::Rope;

use crate::ledger::Piece;

/// How many versions are kept.
pub const KEPT_VERSIONS: usize = 64;

/// One replacement in byte offsets of the text just before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub new_len: usize,
}

#[derive(Clone, Debug)]
struct Entry {
    version: i32,
    text: Rope,
    /// Edits that turned the previous entry's text into this one.
    edits: Vec<Edit>,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    entries: VecDeque<Entry>,
}

impl History {
    pub fn new(version: i32, text: Rope) -> Self {
        let mut entries = VecDeque::with_capacity(KEPT_VERSIONS + 1);
        entries.push_back(Entry {
            version,
            text,
            edits: Vec::new(),
        });
        History { entries }
    }

    /// Records that `edits` produced version `version` with text `text`.
    pub fn push(&mut self, version: i32, text: Rope, edits: Vec<Edit>) {
        if let Some(last) = self.entries.back_mut()
            && last.version == version
        {
            // Same version again (a client that does not bump versions):
            // fold the edits into the latest entry.
            last.edits.extend(edits);
            last.text = text;
            return;
        }
        self.entries.push_back(Entry {
            version,
            text,
            edits,
        });
        while self.entries.len() > KEPT_VERSIONS {
            self.entries.pop_front();
        }
    }

    /// The text of `version` and the edits made since, if it is still kept.
    pub fn since(&self, version: i32) -> Option<(&Rope, Vec<Edit>)> {
        let i = self.entries.iter().rposition(|e| e.version == version)?;
        let edits = self
            .entries
            .iter()
            .skip(i + 1)
            .flat_map(|e| e.edits.iter().copied())
            .collect();
        Some((&self.entries[i].text, edits))
    }
}

/// The edits, in order, that turn the old text of `pieces` into the new one.
pub fn edits_from_pieces(pieces: &[Piece]) -> Vec<Edit> {
    let mut shift: isize = 0;
    let mut out = Vec::new();
    for p in pieces {
        if let Piece::Changed { old, new } = p {
            let start = old.start.saturating_add_signed(shift);
            out.push(Edit {
                start,
                end: start + old.len(),
                new_len: new.len(),
            });
            shift += new.len() as isize - old.len() as isize;
        }
    }
    out
}

/// Maps `range` through `edit`: text the edit replaced drops out, so the
/// result is zero, one or two ranges (split around text inserted inside it).
pub fn map_range(range: Range<usize>, edit: Edit, out: &mut Vec<Range<usize>>) {
    let grow = |p: usize| p - (edit.end - edit.start) + edit.new_len;
    if range.start < edit.start {
        let end = range.end.min(edit.start);
        if range.start < end {
            out.push(range.start..end);
        }
    }
    if range.end > edit.end {
        let start = range.start.max(edit.end);
        if start < range.end {
            out.push(grow(start)..grow(range.end));
        }
    }
}

/// Maps every range through every edit in order.
pub fn map_ranges(ranges: Vec<Range<usize>>, edits: &[Edit]) -> Vec<Range<usize>> {
    let mut ranges = ranges;
    for &edit in edits {
        let mut next = Vec::with_capacity(ranges.len() + 1);
        for r in ranges {
            map_range(r, edit, &mut next);
        }
        ranges = next;
    }
    ranges
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    #[test]
    fn mapping_splits_and_shifts() {
        let insert_inside = Edit {
            start: 5,
            end: 5,
            new_len: 3,
        };
        assert_eq!(map_ranges(vec![2..8], &[insert_inside]), vec![2..5, 8..11]);
        let insert_before = Edit {
            start: 2,
            end: 2,
            new_len: 1,
        };
        assert_eq!(map_ranges(vec![2..8], &[insert_before]), vec![3..9]);
        let insert_after = Edit {
            start: 8,
            end: 8,
            new_len: 1,
        };
        assert_eq!(map_ranges(vec![2..8], &[insert_after]), vec![2..8]);
        let delete_overlap = Edit {
            start: 6,
            end: 10,
            new_len: 0,
        };
        assert_eq!(map_ranges(vec![2..8], &[delete_overlap]), vec![2..6]);
        let replace_all = Edit {
            start: 0,
            end: 10,
            new_len: 4,
        };
        assert!(map_ranges(vec![2..8], &[replace_all]).is_empty());
    }

    #[test]
    fn history_is_bounded() {
        let mut h = History::new(0, Rope::from_str(""));
        for v in 1..=100 {
            h.push(v, Rope::from_str(""), vec![]);
        }
        assert!(h.since(0).is_none());
        assert!(h.since(100 - KEPT_VERSIONS as i32 + 1).is_some());
    }
}
