//! The one eviction helper behind every bounded table (flows, names inspection, round-trip
//! requests): hand it the candidates of a full table, take them oldest first.
//!
//! A full table is made room in by one O(n) pass that buys room for a sixteenth of it, so the
//! cost per new entry stays O(1) amortised whatever the traffic. The candidates come out in
//! sorted order, a chunk at a time: each chunk is found by linear-time selection and then
//! sorted, so a caller that stops early (its bound is met) pays only for what it took.

/// How much of a full table one sweep frees: a sixteenth, at least one entry.
pub fn sixteenth(bound: usize) -> usize {
    (bound / 16).max(1)
}

/// The candidates in ascending order (put the key that should go first first: rank, age,
/// id), produced `chunk` at a time. Deterministic: ties are broken by the whole tuple, so
/// candidates that carry a unique id never depend on hash-map order.
pub fn oldest_first<T: Ord>(candidates: Vec<T>, chunk: usize) -> OldestFirst<T> {
    OldestFirst {
        rest: candidates,
        ready: Vec::new(),
        chunk: chunk.max(1),
    }
}

/// The `count` smallest candidates, in ascending order.
pub fn smallest<T: Ord>(candidates: Vec<T>, count: usize) -> Vec<T> {
    oldest_first(candidates, count).take(count).collect()
}

/// Iterator of [`oldest_first`].
pub struct OldestFirst<T> {
    /// Not yet selected; unordered.
    rest: Vec<T>,
    /// The current chunk, sorted descending so that `pop` yields the smallest.
    ready: Vec<T>,
    chunk: usize,
}

impl<T: Ord> Iterator for OldestFirst<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.ready.is_empty() {
            if self.rest.is_empty() {
                return None;
            }
            let n = self.chunk.min(self.rest.len());
            if n < self.rest.len() {
                self.rest.select_nth_unstable(n - 1);
            }
            // The n smallest are now at the front: move them out, keep the others.
            let tail = self.rest.split_off(n);
            self.ready = std::mem::replace(&mut self.rest, tail);
            self.ready.sort_unstable_by(|a, b| b.cmp(a));
        }
        self.ready.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn smallest_in_order() {
        assert_eq!(smallest(vec![5, 1, 4, 2, 3], 3), vec![1, 2, 3]);
        assert_eq!(smallest(vec![2, 1], 5), vec![1, 2]);
        assert_eq!(smallest(Vec::<u8>::new(), 5), Vec::<u8>::new());
        assert_eq!(sixteenth(10), 1);
        assert_eq!(sixteenth(65_536), 4_096);
    }

    proptest! {
        #[test]
        fn yields_everything_sorted(v in proptest::collection::vec(any::<u16>(), 0..300), chunk in 0usize..40) {
            let mut want = v.clone();
            want.sort_unstable();
            let got: Vec<u16> = oldest_first(v, chunk).collect();
            prop_assert_eq!(got, want);
        }
    }
}
