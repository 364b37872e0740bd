//! Line ranges as ranges: a map of disjoint inclusive `start..=end` ranges
//! of 1-based line numbers, each with a value. Notes come from other people,
//! so their numbers are never expanded line by line: every operation costs
//! O((ranges touched + 1) · log ranges), whatever the lengths.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RangeMap<T> {
    /// start → (end, value); ranges are disjoint and non-empty.
    map: BTreeMap<usize, (usize, T)>,
}

impl<T> Default for RangeMap<T> {
    fn default() -> Self {
        RangeMap {
            map: BTreeMap::new(),
        }
    }
}

impl<T: Clone> RangeMap<T> {
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Ranges in order: `(start, end, value)`.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, usize, &T)> {
        self.map.iter().map(|(&s, (e, v))| (s, *e, v))
    }

    /// The value at `line`.
    pub(crate) fn get(&self, line: usize) -> Option<&T> {
        let (_, (end, v)) = self.map.range(..=line).next_back()?;
        (line <= *end).then_some(v)
    }

    /// Splits the range holding `at` (if it starts before `at`) so that a
    /// range starts at `at`.
    fn split_at(&mut self, at: usize) {
        let Some((&s, (e, _))) = self.map.range(..at).next_back() else {
            return;
        };
        if *e < at {
            return;
        }
        let e = *e;
        if let Some((end, v)) = self.map.get_mut(&s) {
            *end = at - 1;
            let v = v.clone();
            self.map.insert(at, (e, v));
        }
    }

    /// Starts of the ranges inside `start..=end` once split at both ends.
    fn cut(&mut self, start: usize, end: usize) -> Vec<usize> {
        self.split_at(start);
        if let Some(after) = end.checked_add(1) {
            self.split_at(after);
        }
        self.map.range(start..=end).map(|(&s, _)| s).collect()
    }

    /// Sets `start..=end` to `value`, replacing what was there.
    pub(crate) fn set(&mut self, start: usize, end: usize, value: T) {
        if start > end {
            return;
        }
        for s in self.cut(start, end) {
            self.map.remove(&s);
        }
        self.map.insert(start, (end, value));
    }

    /// Sets to `value` only the lines of `start..=end` that hold nothing.
    pub(crate) fn fill(&mut self, start: usize, end: usize, value: &T) {
        if start > end {
            return;
        }
        let mut gaps = Vec::new();
        // The first line not yet known to be covered; `None` past the end.
        let mut next = Some(start);
        // A range starting before `start` may cover its beginning.
        if let Some((_, (e, _))) = self.map.range(..start).next_back()
            && *e >= start
        {
            next = e.checked_add(1);
        }
        for (&s, (e, _)) in self.map.range(start..=end) {
            let Some(n) = next else { break };
            if s > n {
                gaps.push((n, s - 1));
            }
            next = e.checked_add(1);
        }
        if let Some(n) = next
            && n <= end
        {
            gaps.push((n, end));
        }
        for (s, e) in gaps {
            self.map.insert(s, (e, value.clone()));
        }
    }

    /// Changes with `f` the value of every line of `start..=end` that holds one.
    pub(crate) fn update(&mut self, start: usize, end: usize, f: impl Fn(&mut T)) {
        if start > end {
            return;
        }
        for s in self.cut(start, end) {
            if let Some((_, v)) = self.map.get_mut(&s) {
                f(v);
            }
        }
    }

    /// Drops every line after `last` (a file's real line count).
    pub(crate) fn truncate(&mut self, last: usize) {
        if let Some(after) = last.checked_add(1) {
            self.split_at(after);
            let _ = self.map.split_off(&after);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The model: one value per line of a short file.
    fn model_of(m: &RangeMap<u8>, n: usize) -> Vec<Option<u8>> {
        (1..=n).map(|l| m.get(l).copied()).collect()
    }

    #[derive(Clone, Debug)]
    enum Op {
        Set(usize, usize, u8),
        Fill(usize, usize, u8),
        Update(usize, usize, u8),
        Truncate(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let r = (1usize..40, 0usize..12);
        prop_oneof![
            (r.clone(), any::<u8>()).prop_map(|((s, l), v)| Op::Set(s, s + l, v)),
            (r.clone(), any::<u8>()).prop_map(|((s, l), v)| Op::Fill(s, s + l, v)),
            (r, any::<u8>()).prop_map(|((s, l), v)| Op::Update(s, s + l, v)),
            (0usize..50).prop_map(Op::Truncate),
        ]
    }

    proptest! {
        #![proptest_config(crate::fuzz::config(200))]

        /// Every operation agrees with a one-value-per-line model, and the
        /// ranges stay disjoint and non-empty.
        #[test]
        fn ranges_match_a_per_line_model(ops in proptest::collection::vec(op(), 0..30)) {
            const N: usize = 60;
            let mut m = RangeMap::default();
            let mut model = vec![None; N];
            for op in ops {
                match op {
                    Op::Set(s, e, v) => {
                        m.set(s, e, v);
                        for l in s..=e { model[l - 1] = Some(v); }
                    }
                    Op::Fill(s, e, v) => {
                        m.fill(s, e, &v);
                        for l in s..=e { model[l - 1].get_or_insert(v); }
                    }
                    Op::Update(s, e, v) => {
                        m.update(s, e, |x| *x ^= v);
                        for l in s..=e { if let Some(x) = &mut model[l - 1] { *x ^= v; } }
                    }
                    Op::Truncate(last) => {
                        m.truncate(last);
                        for slot in model.iter_mut().skip(last) { *slot = None; }
                    }
                }
                prop_assert_eq!(model_of(&m, N), model.clone());
                let mut prev = 0;
                for (s, e, _) in m.iter() {
                    prop_assert!(s > prev || prev == 0 && s >= 1);
                    prop_assert!(s <= e);
                    prev = e;
                }
            }
        }
    }

    #[test]
    fn huge_numbers_cost_nothing() {
        let mut m = RangeMap::default();
        m.set(1, usize::MAX, 1u8);
        m.fill(5, usize::MAX, &2);
        m.update(3, usize::MAX - 1, |v| *v += 1);
        assert_eq!(m.get(usize::MAX), Some(&1));
        assert_eq!(m.get(4), Some(&2));
        m.truncate(10);
        assert_eq!(
            m.iter().map(|(s, e, v)| (s, e, *v)).collect::<Vec<_>>(),
            vec![(1, 2, 1), (3, 10, 2)]
        );
    }
}
