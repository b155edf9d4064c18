//! Which occurrence of its pre-image each hunk of a file edits (the number
//! in a file record's `hunk` line, docs/payload.md).
//!
//! A hunk's number is one more than the places before it where its whole
//! pre-image occurs in the old file. Searching the file from its start for
//! each hunk costs hunks × lines: a file of 80,000 lines with every eighth
//! changed took eight seconds, and one of a few megabytes hours, for
//! anyone who pushes it (threat-model entry 111). So when that search
//! would be long, every hunk is counted at once from a suffix array of the
//! file's lines: the suffixes that start with a pre-image are one interval
//! of it, found by binary search, and the positions before the hunk in
//! that interval are counted in one sweep over the file with a Fenwick
//! tree — about lines × log(lines) whatever the hunks. Both ways compare
//! lines byte for byte; no hash decides.

use std::collections::HashMap;

/// Above this many lines searched in all (the sum over the hunks of where
/// each ends), the suffix array is cheaper than searching.
const SEARCH_BUDGET: usize = 1 << 22;

/// The occurrence number of each hunk: `hunks` are `(at, len)`, the
/// pre-image `old[at..at + len]`, in increasing `at`, not overlapping.
pub(super) fn occurrences(old: &[&[u8]], hunks: &[(usize, usize)]) -> Vec<usize> {
    let searched = hunks.iter().fold(0usize, |sum, &(at, len)| sum.saturating_add(at).saturating_add(len));
    if searched <= SEARCH_BUDGET || u32::try_from(old.len()).is_err() {
        return hunks.iter().map(|&(at, len)| occurrence(old, &old[at..at + len], at)).collect();
    }
    counted(old, hunks)
}

/// Which occurrence (1 for the first) of the line sequence `pre` in `old`
/// starts at line `at`: one more than the number of (possibly
/// overlapping) places before `at` where all of `pre` occurs. Knuth–Morris–
/// Pratt over lines, so a file of many equal lines costs linear time.
pub(super) fn occurrence(old: &[&[u8]], pre: &[&[u8]], at: usize) -> usize {
    if pre.is_empty() {
        return at + 1;
    }
    let mut fail = vec![0usize; pre.len()];
    let mut k = 0;
    for i in 1..pre.len() {
        while k > 0 && pre[i] != pre[k] {
            k = fail[k - 1];
        }
        if pre[i] == pre[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut found = 0;
    let mut k = 0;
    // Matches that start before `at` end before `at + pre.len() - 1`.
    for (i, line) in old.iter().enumerate().take(at + pre.len() - 1) {
        while k > 0 && *line != pre[k] {
            k = fail[k - 1];
        }
        if *line == pre[k] {
            k += 1;
        }
        if k == pre.len() {
            if i + 1 - pre.len() < at {
                found += 1;
            }
            k = fail[k - 1];
        }
    }
    found + 1
}

/// [`occurrences`] from a suffix array of the lines (fewer than 2³² lines).
fn counted(old: &[&[u8]], hunks: &[(usize, usize)]) -> Vec<usize> {
    // Equal lines get equal numbers (compared byte for byte by the map).
    let mut numbers: HashMap<&[u8], u32> = HashMap::new();
    let ids: Vec<u32> = old
        .iter()
        .map(|line| {
            let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
            *numbers.entry(line).or_insert(next)
        })
        .collect();
    drop(numbers);
    let sa = suffix_array(&ids);
    let mut rank = vec![0u32; ids.len()];
    for (r, &p) in (0u32..).zip(&sa) {
        rank[p as usize] = r;
    }
    // The interval of the suffixes that start with each pre-image.
    let intervals: Vec<(usize, usize)> = hunks
        .iter()
        .map(|&(at, len)| {
            let pre = &ids[at..at + len];
            let starts_before = |p: u32| ids[p as usize..].iter().take(len).cmp(pre.iter()).is_lt();
            let starts_with_or_before = |p: u32| ids[p as usize..].iter().take(len).cmp(pre.iter()).is_le();
            (sa.partition_point(|&p| starts_before(p)), sa.partition_point(|&p| starts_with_or_before(p)))
        })
        .collect();
    // Sweep the file: before hunk h's line, the Fenwick tree holds the
    // ranks of every earlier position.
    let mut tree = vec![0u32; sa.len() + 1];
    let mut swept = 0;
    hunks
        .iter()
        .zip(intervals)
        .map(|(&(at, len), (lo, hi))| {
            if len == 0 {
                return at + 1;
            }
            while swept < at {
                let mut i = rank[swept] as usize + 1;
                while i < tree.len() {
                    tree[i] += 1;
                    i += i & i.wrapping_neg();
                }
                swept += 1;
            }
            let below = |mut i: usize| {
                let mut sum = 0usize;
                while i > 0 {
                    sum += tree[i] as usize;
                    i -= i & i.wrapping_neg();
                }
                sum
            };
            below(hi) - below(lo) + 1
        })
        .collect()
}

/// The suffix array of `ids` (positions of its suffixes in lexicographic
/// order, a shorter suffix before one it starts), by prefix doubling.
fn suffix_array(ids: &[u32]) -> Vec<u32> {
    let n = ids.len();
    let mut sa: Vec<u32> = (0..).take(n).collect();
    let mut rank: Vec<u64> = ids.iter().map(|&i| u64::from(i)).collect();
    let mut next = vec![0u64; n];
    if n < 2 {
        return sa;
    }
    let mut k = 1;
    loop {
        let key = |p: u32| {
            let p = p as usize;
            (rank[p] << 32) | rank.get(p + k).map_or(0, |r| r + 1)
        };
        sa.sort_unstable_by_key(|&p| key(p));
        next[sa[0] as usize] = 0;
        for w in 1..n {
            next[sa[w] as usize] = next[sa[w - 1] as usize] + u64::from(key(sa[w - 1]) != key(sa[w]));
        }
        std::mem::swap(&mut rank, &mut next);
        if rank[sa[n - 1] as usize] == n as u64 - 1 || k >= n {
            break;
        }
        k *= 2;
    }
    sa
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn searched(old: &[&[u8]], hunks: &[(usize, usize)]) -> Vec<usize> {
        hunks.iter().map(|&(at, len)| occurrence(old, &old[at..at + len], at)).collect()
    }

    proptest! {
        /// The suffix array counts what the search counts, on files of few
        /// distinct lines (many repeats) and any hunks.
        #[test]
        fn the_suffix_array_counts_as_the_search(
            text in prop::collection::vec(0u8..3, 0..120),
            cuts in prop::collection::vec((0usize..8, 0usize..6), 0..12),
        ) {
            let lines: Vec<Vec<u8>> = text.iter().map(|&c| vec![b'a' + c, b'\n']).collect();
            let old: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
            let mut hunks = Vec::new();
            let mut at = 0;
            for (gap, len) in cuts {
                let start = at + gap;
                if start + len > old.len() {
                    break;
                }
                hunks.push((start, len));
                at = start + len;
            }
            prop_assert_eq!(counted(&old, &hunks), searched(&old, &hunks));
        }
    }

    #[test]
    fn many_hunks_of_equal_lines_are_counted_fast() {
        let text = "x\n".repeat(100_000);
        let old: Vec<&[u8]> = text.as_bytes().split_inclusive(|&c| c == b'\n').collect();
        let hunks: Vec<(usize, usize)> = (0..12_500).map(|h| (h * 8, 7)).collect();
        let found = occurrences(&old, &hunks);
        assert_eq!(found[0], 1);
        assert_eq!(found[12_499], 12_499 * 8 + 1);
    }

    #[test]
    fn a_suffix_array_in_order() {
        // b a n a n a
        assert_eq!(suffix_array(&[1, 0, 2, 0, 2, 0]), [5, 3, 1, 0, 4, 2]);
        assert_eq!(suffix_array(&[]), Vec::<u32>::new());
        assert_eq!(suffix_array(&[7]), [0]);
    }
}
