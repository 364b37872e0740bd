//! Run-length attribution storage: an implicit treap of runs.
//!
//! Each node is one run (a byte length and an interned attribution id); a node's
//! position is the sum of the lengths before it, so an edit only touches the
//! O(log n) nodes on the path to it plus the runs it replaces. Adjacent runs
//! never share an attribution id (the coalescing invariant), and no run is empty.

use std::ops::Range;

pub(crate) type AttrId = u32;

const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Node {
    len: usize,
    sum: usize,
    attr: AttrId,
    prio: u32,
    left: u32,
    right: u32,
}

/// One run as seen from outside: absolute start, length and attribution id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) start: usize,
    pub(crate) len: usize,
    pub(crate) attr: AttrId,
}

impl Run {
    pub(crate) fn end(&self) -> usize {
        self.start + self.len
    }
}

/// The nodes on the way from the root down to one node.
struct Path {
    nodes: [u32; 128],
    len: usize,
}

impl Default for Path {
    fn default() -> Self {
        Path {
            nodes: [NIL; 128],
            len: 0,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Runs {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
    seed: u64,
}

impl Runs {
    /// Runs covering `len` bytes with a single attribution.
    pub(crate) fn new(len: usize, attr: AttrId) -> Self {
        Self::from_runs([(len, attr)])
    }

    /// Builds from `(len, attr)` pairs in order; empty runs are dropped and
    /// equal neighbours merged.
    pub(crate) fn from_runs(runs: impl IntoIterator<Item = (usize, AttrId)>) -> Self {
        let mut this = Runs {
            nodes: Vec::new(),
            free: Vec::new(),
            root: NIL,
            seed: 0x9E37_79B9_7F4A_7C15,
        };
        let merged = coalesce(runs);
        this.root = this.build(&merged);
        this
    }

    pub(crate) fn total_len(&self) -> usize {
        self.sum(self.root)
    }

    pub(crate) fn run_count(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    /// All runs in document order.
    pub(crate) fn iter(&self) -> Vec<Run> {
        let mut out = Vec::with_capacity(self.run_count());
        self.collect_in(self.root, 0, 0..usize::MAX, &mut out);
        out
    }

    /// Runs overlapping `range`, clipped to it, in order. O(log n + k).
    pub(crate) fn runs_in(&self, range: Range<usize>) -> Vec<Run> {
        let mut out = Vec::new();
        if range.start < range.end {
            self.collect_in(self.root, 0, range, &mut out);
        }
        out
    }

    /// The attribution of the byte at `pos` (or of the last byte when `pos` is the end).
    pub(crate) fn attr_at(&self, pos: usize) -> Option<AttrId> {
        let pos = pos.min(self.total_len().checked_sub(1)?);
        self.locate(pos).map(|(t, _)| self.nodes[t as usize].attr)
    }

    /// Replaces the bytes in `range` with `new` runs, keeping runs coalesced.
    /// The caller guarantees `range.end <= total_len()`.
    pub(crate) fn replace(&mut self, range: Range<usize>, new: &[(usize, AttrId)]) {
        debug_assert!(range.start <= range.end && range.end <= self.total_len());
        if self.replace_within_run(&range, new) {
            return;
        }
        let (left, rest) = self.split(self.root, range.start);
        let (middle, right) = self.split(rest, range.end - range.start);
        self.free_tree(middle);
        // Pull the neighbours in so equal attributions merge across the seam.
        let (left, before) = self.pop_last(left);
        let (after, right) = self.pop_first(right);
        let seam = before
            .into_iter()
            .chain(new.iter().copied())
            .chain(after)
            .collect::<Vec<_>>();
        let seam = coalesce(seam);
        let mid = self.build(&seam);
        let joined = self.merge(left, mid);
        self.root = self.merge(joined, right);
    }

    /// The common case of typing and deleting, without restructuring: when
    /// `range` lies inside one run and `new` is nothing or one run of that
    /// run's attribution (an insertion may also extend the run ending at
    /// it), and the run does not become empty, only lengths change — on the
    /// path to that run. Returns whether it applied.
    fn replace_within_run(&mut self, range: &Range<usize>, new: &[(usize, AttrId)]) -> bool {
        let (added, attr) = match *new {
            [] => (0, None),
            [(len, attr)] => (len, Some(attr)),
            _ => return false,
        };
        let removed = range.end - range.start;
        if removed == 0 && added == 0 {
            return true;
        }
        // `pos` is a byte of the run to resize: one descent finds it and
        // records the way down, whose sums then change by the same delta.
        let mut path = Path::default();
        let fits = |pos: usize, path: &mut Path| {
            let (t, start) = self.locate_recording(pos, path)?;
            let n = &self.nodes[t as usize];
            let inside = range.start >= start && range.end <= start + n.len;
            let same = attr.is_none_or(|a| a == n.attr);
            (inside && same && n.len - removed + added > 0).then_some(t)
        };
        let found = if removed > 0 {
            fits(range.start, &mut path)
        } else {
            range
                .start
                .checked_sub(1)
                .and_then(|p| fits(p, &mut path))
                .or_else(|| fits(range.start, &mut path))
        };
        let Some(t) = found else {
            return false;
        };
        // Lengths only grow or shrink by what the text did: no overflow.
        let delta = added.cast_signed() - removed.cast_signed();
        for &up in &path.nodes[..path.len] {
            let n = &mut self.nodes[up as usize];
            n.sum = n.sum.wrapping_add_signed(delta);
        }
        let n = &mut self.nodes[t as usize];
        n.len = n.len.wrapping_add_signed(delta);
        true
    }

    /// [`Runs::locate`], recording in `path` every node on the way down,
    /// the found one included. `None` also when the way is longer than a
    /// path holds (a treap that deep is all but impossible).
    fn locate_recording(&self, pos: usize, path: &mut Path) -> Option<(u32, usize)> {
        path.len = 0;
        self.descend(pos, |t| {
            *path.nodes.get_mut(path.len)? = t;
            path.len += 1;
            Some(())
        })
    }

    /// The node whose run holds byte `pos`, with the run's start.
    fn locate(&self, pos: usize) -> Option<(u32, usize)> {
        self.descend(pos, |_| Some(()))
    }

    /// The descent behind [`Runs::locate`]: `visit` sees every node on the
    /// way down, the found one included, and stops it with `None`.
    fn descend(
        &self,
        mut pos: usize,
        mut visit: impl FnMut(u32) -> Option<()>,
    ) -> Option<(u32, usize)> {
        let mut t = self.root;
        let mut base = 0;
        while t != NIL {
            visit(t)?;
            let n = &self.nodes[t as usize];
            let left = self.sum(n.left);
            if pos < left {
                t = n.left;
            } else if pos < left + n.len {
                return Some((t, base + left));
            } else {
                pos -= left + n.len;
                base += left + n.len;
                t = n.right;
            }
        }
        None
    }

    fn sum(&self, t: u32) -> usize {
        if t == NIL {
            0
        } else {
            self.nodes[t as usize].sum
        }
    }

    fn update(&mut self, t: u32) {
        let (l, r) = {
            let n = &self.nodes[t as usize];
            (n.left, n.right)
        };
        let s = self.sum(l) + self.sum(r) + self.nodes[t as usize].len;
        self.nodes[t as usize].sum = s;
    }

    fn next_prio(&mut self) -> u32 {
        // xorshift64*: deterministic, fast, good enough for treap balance.
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        (self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    fn alloc(&mut self, len: usize, attr: AttrId) -> u32 {
        let node = Node {
            len,
            sum: len,
            attr,
            prio: self.next_prio(),
            left: NIL,
            right: NIL,
        };
        if let Some(i) = self.free.pop() {
            self.nodes[i as usize] = node;
            i
        } else {
            self.nodes.push(node);
            u32::try_from(self.nodes.len() - 1).expect("fewer than 4 billion runs")
        }
    }

    fn free_tree(&mut self, t: u32) {
        let mut stack = vec![t];
        while let Some(t) = stack.pop() {
            if t == NIL {
                continue;
            }
            let n = &self.nodes[t as usize];
            stack.push(n.left);
            stack.push(n.right);
            self.free.push(t);
        }
    }

    /// Builds a treap from an already coalesced list in O(k log k).
    fn build(&mut self, runs: &[(usize, AttrId)]) -> u32 {
        let mut t = NIL;
        for &(len, attr) in runs {
            let n = self.alloc(len, attr);
            t = self.merge(t, n);
        }
        t
    }

    /// Splits `t` into the first `pos` bytes and the rest, cutting a run if needed.
    fn split(&mut self, t: u32, pos: usize) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let (l, r, len, attr) = {
            let n = &self.nodes[t as usize];
            (n.left, n.right, n.len, n.attr)
        };
        let lsum = self.sum(l);
        if pos <= lsum {
            let (a, b) = self.split(l, pos);
            self.nodes[t as usize].left = b;
            self.update(t);
            (a, t)
        } else if pos >= lsum + len {
            let (a, b) = self.split(r, pos - lsum - len);
            self.nodes[t as usize].right = a;
            self.update(t);
            (t, b)
        } else {
            // The cut falls inside this run: keep the head here, move the tail to a new node.
            let head = pos - lsum;
            let tail = self.alloc(len - head, attr);
            self.nodes[t as usize].len = head;
            self.nodes[t as usize].right = NIL;
            self.update(t);
            let right = self.merge(tail, r);
            (t, right)
        }
    }

    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].prio >= self.nodes[b as usize].prio {
            let ar = self.nodes[a as usize].right;
            let m = self.merge(ar, b);
            self.nodes[a as usize].right = m;
            self.update(a);
            a
        } else {
            let bl = self.nodes[b as usize].left;
            let m = self.merge(a, bl);
            self.nodes[b as usize].left = m;
            self.update(b);
            b
        }
    }

    /// Removes the last run of `t`, returning the remaining tree and that run.
    fn pop_last(&mut self, t: u32) -> (u32, Option<(usize, AttrId)>) {
        if t == NIL {
            return (NIL, None);
        }
        let n = self.nodes[t as usize].clone();
        if n.right == NIL {
            self.free.push(t);
            return (n.left, Some((n.len, n.attr)));
        }
        let (r, last) = self.pop_last(n.right);
        self.nodes[t as usize].right = r;
        self.update(t);
        (t, last)
    }

    /// Removes the first run of `t`, returning that run and the remaining tree.
    fn pop_first(&mut self, t: u32) -> (Option<(usize, AttrId)>, u32) {
        if t == NIL {
            return (None, NIL);
        }
        let n = self.nodes[t as usize].clone();
        if n.left == NIL {
            self.free.push(t);
            return (Some((n.len, n.attr)), n.right);
        }
        let (first, l) = self.pop_first(n.left);
        self.nodes[t as usize].left = l;
        self.update(t);
        (first, t)
    }

    fn collect_in(&self, t: u32, base: usize, range: Range<usize>, out: &mut Vec<Run>) {
        if t == NIL {
            return;
        }
        let n = &self.nodes[t as usize];
        let lsum = self.sum(n.left);
        let start = base + lsum;
        let end = start + n.len;
        if range.start < start {
            self.collect_in(n.left, base, range.clone(), out);
        }
        let (s, e) = (start.max(range.start), end.min(range.end));
        if s < e {
            out.push(Run {
                start: s,
                len: e - s,
                attr: n.attr,
            });
        }
        if range.end > end {
            self.collect_in(n.right, end, range, out);
        }
    }
}

/// Drops empty runs and merges neighbours with equal attribution.
pub(crate) fn coalesce(runs: impl IntoIterator<Item = (usize, AttrId)>) -> Vec<(usize, AttrId)> {
    let mut out: Vec<(usize, AttrId)> = Vec::new();
    for (len, attr) in runs {
        if len == 0 {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.1 == attr => last.0 += len,
            _ => out.push((len, attr)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(r: &Runs) -> Vec<(usize, AttrId)> {
        r.iter().into_iter().map(|r| (r.len, r.attr)).collect()
    }

    #[test]
    fn replace_splits_and_coalesces() {
        let mut r = Runs::new(10, 0);
        r.replace(3..5, &[(4, 1)]);
        assert_eq!(flat(&r), vec![(3, 0), (4, 1), (5, 0)]);
        r.replace(3..7, &[(2, 0)]);
        assert_eq!(flat(&r), vec![(10, 0)]);
        assert_eq!(r.run_count(), 1);
        r.replace(0..10, &[]);
        assert_eq!(r.total_len(), 0);
        assert!(flat(&r).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]
        /// Any sequence of replacements (typing and deleting inside one run
        /// take the in-place path, the rest restructure) matches a flat
        /// byte-by-byte model, and runs stay coalesced and non-empty.
        #[test]
        fn replace_matches_a_flat_model(
            ops in proptest::collection::vec(
                (0usize..64, 0usize..6, proptest::collection::vec((0usize..4, 0u32..3), 0..3)),
                1..60,
            )
        ) {
            let mut runs = Runs::from_runs([(20, 0), (5, 1), (10, 0)]);
            let mut model: Vec<AttrId> = [vec![0; 20], vec![1; 5], vec![0; 10]].concat();
            for (at, len, new) in ops {
                let start = at.min(model.len());
                let end = (start + len).min(model.len());
                runs.replace(start..end, &new);
                let inserted = new.iter().flat_map(|&(n, a)| std::iter::repeat_n(a, n));
                model.splice(start..end, inserted);
                let flat_model = coalesce(model.iter().map(|&a| (1, a)));
                proptest::prop_assert_eq!(flat(&runs), flat_model);
                proptest::prop_assert_eq!(runs.total_len(), model.len());
                let r = runs.iter();
                proptest::prop_assert!(r.windows(2).all(|w| w[0].attr != w[1].attr && w[0].end() == w[1].start));
                proptest::prop_assert!(r.iter().all(|r| r.len > 0));
            }
        }
    }

    #[test]
    fn typing_inside_a_run_resizes_it_in_place() {
        let mut r = Runs::from_runs([(3, 0), (4, 1), (5, 0)]);
        let nodes = r.nodes.len();
        r.replace(5..5, &[(2, 1)]); // inside the AI run
        r.replace(3..3, &[(1, 0)]); // at its start, human: extends the run before
        r.replace(9..10, &[]); // deletes one AI byte
        assert_eq!(flat(&r), vec![(4, 0), (5, 1), (5, 0)]);
        assert_eq!(r.nodes.len(), nodes, "no node was allocated");
    }

    #[test]
    fn runs_in_clips_to_range() {
        let r = Runs::from_runs([(3, 0), (4, 1), (5, 2)]);
        let got = r.runs_in(2..8);
        assert_eq!(
            got,
            vec![
                Run {
                    start: 2,
                    len: 1,
                    attr: 0
                },
                Run {
                    start: 3,
                    len: 4,
                    attr: 1
                },
                Run {
                    start: 7,
                    len: 1,
                    attr: 2
                },
            ]
        );
        assert_eq!(r.attr_at(3), Some(1));
        assert_eq!(r.attr_at(11), Some(2));
        assert_eq!(r.attr_at(99), Some(2));
    }
}
