//! A bounded history of a document's recent versions: the edits that led
//! from one to the next, with the text each removed, so ranges named in an
//! older version (the language server's late `vouch/didAcceptAi`) can be
//! mapped forward, and that version's text rebuilt on demand.

use std::collections::VecDeque;
use std::ops::Range;

use ropey::Rope;

use crate::ledger::Piece;

/// How many versions are kept.
pub const KEPT_VERSIONS: usize = 64;

/// One replacement in byte offsets of the text just before it, with the
/// text it removed (so older versions can be rebuilt on demand).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub new_len: usize,
    pub removed: Box<str>,
}

#[derive(Clone, Debug)]
struct Entry {
    version: i32,
    /// Edits that turned the previous entry's text into this one.
    edits: Vec<Edit>,
}

/// The last versions' edits. The per-keystroke cost is one small push; the
/// text of an older version is rebuilt only when a late notice needs it.
#[derive(Clone, Debug, Default)]
pub struct History {
    entries: VecDeque<Entry>,
}

impl History {
    pub fn new(version: i32) -> Self {
        let mut entries = VecDeque::with_capacity(KEPT_VERSIONS + 1);
        entries.push_back(Entry {
            version,
            edits: Vec::new(),
        });
        History { entries }
    }

    /// Records that `edits` produced version `version`.
    pub fn push(&mut self, version: i32, edits: Vec<Edit>) {
        if let Some(last) = self.entries.back_mut()
            && last.version == version
        {
            // Same version again (a client that does not bump versions):
            // fold the edits into the latest entry.
            last.edits.extend(edits);
            return;
        }
        self.entries.push_back(Entry { version, edits });
        while self.entries.len() > KEPT_VERSIONS {
            self.entries.pop_front();
        }
    }

    /// The text of `version` (rebuilt from `current` by undoing the edits
    /// since) and those edits, if the version is still kept.
    pub fn since(&self, version: i32, current: &Rope) -> Option<(Rope, Vec<Edit>)> {
        let i = self.entries.iter().rposition(|e| e.version == version)?;
        let edits: Vec<Edit> = self
            .entries
            .iter()
            .skip(i + 1)
            .flat_map(|e| e.edits.iter().cloned())
            .collect();
        let mut text = current.clone();
        for e in edits.iter().rev() {
            let end = e.start + e.new_len;
            if end > text.len_bytes() {
                return None;
            }
            let (s, t) = (text.byte_to_char(e.start), text.byte_to_char(end));
            text.remove(s..t);
            text.insert(s, &e.removed);
        }
        Some((text, edits))
    }
}

/// The edits, in order, that turn `old` (aligned by `pieces`) into the new text.
pub fn edits_from_pieces(pieces: &[Piece], old: &str) -> Vec<Edit> {
    let mut shift: isize = 0;
    let mut out = Vec::new();
    for p in pieces {
        if let Piece::Changed { old: o, new } = p {
            let start = o.start.saturating_add_signed(shift);
            out.push(Edit {
                start,
                end: start + o.len(),
                new_len: new.len(),
                removed: old.get(o.clone()).unwrap_or_default().into(),
            });
            shift += new.len() as isize - o.len() as isize;
        }
    }
    out
}

/// Maps `range` through `edit`: text the edit replaced drops out, so the
/// result is zero, one or two ranges (split around text inserted inside it).
pub(crate) fn map_range(range: Range<usize>, edit: &Edit, out: &mut Vec<Range<usize>>) {
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
    for edit in edits {
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

    fn ed(start: usize, end: usize, new_len: usize) -> Edit {
        Edit {
            start,
            end,
            new_len,
            removed: "".into(),
        }
    }

    #[test]
    fn older_versions_are_rebuilt() {
        let mut rope = Rope::from_str("hello world");
        let mut h = History::new(1);
        // v2: "hello" -> "HELLO there"
        rope.remove(0..5);
        rope.insert(0, "HELLO there");
        h.push(
            2,
            vec![Edit {
                start: 0,
                end: 5,
                new_len: 11,
                removed: "hello".into(),
            }],
        );
        let (old, edits) = h.since(1, &rope).unwrap();
        assert_eq!(old.to_string(), "hello world");
        assert_eq!(edits.len(), 1);
        assert_eq!(
            h.since(2, &rope).unwrap().0.to_string(),
            "HELLO there world"
        );
        assert!(h.since(7, &rope).is_none());
    }

    #[test]
    fn mapping_splits_and_shifts() {
        let insert_inside = ed(5, 5, 3);
        assert_eq!(map_ranges(vec![2..8], &[insert_inside]), vec![2..5, 8..11]);
        let insert_before = ed(2, 2, 1);
        assert_eq!(map_ranges(vec![2..8], &[insert_before]), vec![3..9]);
        let insert_after = ed(8, 8, 1);
        assert_eq!(map_ranges(vec![2..8], &[insert_after]), vec![2..8]);
        let delete_overlap = ed(6, 10, 0);
        assert_eq!(map_ranges(vec![2..8], &[delete_overlap]), vec![2..6]);
        let replace_all = ed(0, 10, 4);
        assert!(map_ranges(vec![2..8], &[replace_all]).is_empty());
    }

    #[test]
    fn history_is_bounded() {
        let mut h = History::new(0);
        let rope = Rope::from_str("");
        for v in 1..=100 {
            h.push(v, vec![]);
        }
        assert!(h.since(0, &rope).is_none());
        assert!(h.since(100 - KEPT_VERSIONS as i32 + 1, &rope).is_some());
    }
}
