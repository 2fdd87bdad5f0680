//! A fixed-size set of agent indexes, one bit each: eligibility and availability are sets of
//! agents, and intersecting them is a few dozen word operations for thousands of agents.

/// A set of small integers (agent indexes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// Adds or removes `i`.
    pub(crate) fn set(&mut self, i: usize, on: bool) {
        let (w, b) = (i / 64, i % 64);
        if w >= self.words.len() {
            if !on {
                return;
            }
            self.words.resize(w + 1, 0);
        }
        if let Some(word) = self.words.get_mut(w) {
            if on {
                *word |= 1 << b;
            } else {
                *word &= !(1 << b);
            }
        }
    }

    /// Whether `i` is in the set.
    pub(crate) fn contains(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Members of both `self` and `other`, in increasing order.
    pub(crate) fn and<'a>(&'a self, other: &'a BitSet) -> impl Iterator<Item = usize> + 'a {
        self.words
            .iter()
            .zip(&other.words)
            .enumerate()
            .flat_map(|(w, (a, b))| Bits(a & b).map(move |bit| w * 64 + bit))
    }

    /// Members, in increasing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words
            .iter()
            .enumerate()
            .flat_map(|(w, &a)| Bits(a).map(move |bit| w * 64 + bit))
    }
}

/// The set bits of one word.
struct Bits(u64);

impl Iterator for Bits {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_intersects_and_counts() {
        let mut a = BitSet::default();
        let mut b = BitSet::default();
        for i in [0, 5, 64, 130, 2499] {
            a.set(i, true);
        }
        for i in [5, 130, 131, 2499, 3000] {
            b.set(i, true);
        }
        a.set(0, false);
        b.set(9999, false);
        assert!(a.contains(64) && !a.contains(0) && !a.contains(100_000));
        assert_eq!(a.and(&b).collect::<Vec<_>>(), vec![5, 130, 2499]);
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![5, 64, 130, 2499]);
    }
}
