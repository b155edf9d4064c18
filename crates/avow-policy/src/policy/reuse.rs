//! The rationale-reuse rule (`rationale.reject-reuse`) over a stream of
//! commits: the same person's identical rationale on several commits of a
//! range.
//!
//! A range of a million commits has up to a million distinct rationales,
//! and the rule must remember each first use to the end. What it keeps is
//! 8 bytes per first use ([`ReuseCheck`]): a 32-bit tag, from a keyed hash
//! of the person and the normalized rationale, and the commit's position
//! in the stream. Never the texts: when a later commit's tag equals a
//! stored one, the caller reads the earlier commit's statement again and
//! the two are compared in full. So a tag can only cost a second look,
//! never decide: two different rationales with one tag are told apart by
//! the comparison (no false finding), and a rationale with several stored
//! tags equal to its own is compared with each (no finding hidden behind a
//! collision).
//!
//! Reading an earlier commit again means verifying it again, which costs
//! what its change costs: a pusher who gives one huge commit's rationale
//! to thousands of small commits after it made the verifier read the huge
//! one once for each (quadratic time; threat-model entry 110). So each
//! earlier commit is read at most once: what it gave is kept as a SHA-256
//! digest of the person and the normalized rationale (32 bytes, only for
//! the commits read again), and every later comparison with it compares
//! digests.
//!
//! The hash is `SipHash` with a key drawn at random for each process (std's
//! [`RandomState`]): whoever writes rationales cannot tell which of them
//! share a tag or a slot, so they can neither make the table's probing
//! quadratic nor make the verifier read many earlier commits again. Tags
//! shared by chance cost one extra read each: about n²/2³³ over a range
//! of n distinct rationales (some 120 at a million).

use std::collections::hash_map::{Entry, HashMap};
use std::hash::{BuildHasher, Hasher as _, RandomState};

use sha2::{Digest as _, Sha256};

use super::{normalize, short, Policy, RATIONALE_REJECT_REUSE};
use crate::findings::Finding;

impl Policy {
    /// Range-level: the same person's identical rationale (compared after
    /// [`normalize`], people by ASCII case-insensitive email) on several
    /// commits. Input: `(commit id, Understood-by email, rationale)`, oldest
    /// first; the first use is kept and every later one is reported with its
    /// commit id. Empty unless `rationale.reject-reuse`. [`ReuseCheck`] is
    /// the same rule one commit at a time.
    pub fn check_reuse<'a, I: Copy + std::fmt::Display>(
        &self,
        commits: impl IntoIterator<Item = (I, &'a str, &'a str)>,
    ) -> Vec<(I, Finding)> {
        let commits: Vec<_> = commits.into_iter().collect();
        let mut check = ReuseCheck::new(self, commits.len());
        let mut out = Vec::new();
        for (at, &(id, email, rationale)) in (0..u32::MAX).zip(&commits) {
            let earlier = |p: u32| {
                let (_, email, rationale) = commits[p as usize];
                Ok::<_, std::convert::Infallible>(Some((email.to_owned(), rationale.to_owned())))
            };
            let Ok(first) = check.check(at, email, rationale, earlier);
            if let Some(first) = first {
                out.push((id, reuse_finding(email, commits[first as usize].0)));
            }
        }
        out
    }
}

/// The finding for a commit whose `email` gave the same rationale on the
/// earlier commit `first`.
pub fn reuse_finding(email: &str, first: impl std::fmt::Display) -> Finding {
    Finding::deny(
        &RATIONALE_REJECT_REUSE,
        format!(
            "<{email}> gave the same rationale on commit {}; describe this change in its own words",
            short(&first.to_string())
        ),
    )
}

/// [`Policy::check_reuse`] for a stream of commits, oldest first, keeping
/// 8 bytes per distinct rationale (see the module's documentation).
#[derive(Debug)]
pub struct ReuseCheck<S = RandomState> {
    on: bool,
    keys: S,
    table: Table,
    /// What each earlier commit read again gave, as [`digest`] (`None`:
    /// no statement any more), so that none is read twice.
    read: HashMap<u32, Option<[u8; 32]>>,
}

/// The person (lowercased email) and normalized rationale, as one
/// collision-resistant digest: equal digests are equal pairs.
fn digest(email: &str, norm: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((email.len() as u64).to_le_bytes());
    h.update(email.as_bytes());
    h.update(norm.as_bytes());
    h.finalize().into()
}

impl ReuseCheck {
    /// The check for `policy` (which says whether the rule is on), with
    /// room for `commits` distinct rationales before the table grows (the
    /// range's length: growing doubles the table, and old and new exist
    /// together while it does).
    pub fn new(policy: &Policy, commits: usize) -> Self {
        Self::with_hasher(policy.rationale.reject_reuse, commits, RandomState::new())
    }
}

impl<S: BuildHasher> ReuseCheck<S> {
    /// [`ReuseCheck::new`] with the hash keyed by `keys`, and the rule on
    /// when `on` (tests force tags to collide with it).
    pub fn with_hasher(on: bool, commits: usize, keys: S) -> Self {
        let table = if on { Table::with_room(commits) } else { Table::default() };
        ReuseCheck { on, keys, table, read: HashMap::new() }
    }

    /// Commit number `at` of the stream (each number used once; `at` below
    /// `u32::MAX`) gives `rationale` under `email`: returns the number of
    /// the first commit where the same person gave the same rationale, when
    /// there is one, and otherwise remembers this commit as that first use.
    ///
    /// `earlier(p)` must give the email and rationale that commit `p` gave
    /// here (`None` when it has none any more); it is called only when `p`'s
    /// tag equals this one's, at most once for each `p`, and the pairs are
    /// then compared by [`digest`].
    pub fn check<E>(
        &mut self,
        at: u32,
        email: &str,
        rationale: &str,
        mut earlier: impl FnMut(u32) -> Result<Option<(String, String)>, E>,
    ) -> Result<Option<u32>, E> {
        if !self.on || at == u32::MAX {
            return Ok(None);
        }
        let norm = normalize(rationale);
        if norm.is_empty() {
            return Ok(None);
        }
        let email = email.to_ascii_lowercase();
        let mut h = self.keys.build_hasher();
        h.write_usize(email.len());
        h.write(email.as_bytes());
        h.write(norm.as_bytes());
        let tag = (h.finish() >> 32) as u32;
        self.table.make_room();
        let mut mine = None;
        for p in self.table.candidates(tag) {
            let theirs = match self.read.entry(p) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    let pair = earlier(p)?;
                    *e.insert(pair.map(|(e, r)| digest(&e.to_ascii_lowercase(), &normalize(&r))))
                }
            };
            if theirs.is_some() && theirs == Some(*mine.get_or_insert_with(|| digest(&email, &norm))) {
                return Ok(Some(p));
            }
        }
        self.table.insert(tag, at);
        Ok(None)
    }
}

/// An open-addressed table (linear probing) of `(tag, position)` pairs in
/// one `u64` each, at most three quarters full. A slot's home depends on
/// the tag alone, so the table can grow without the texts.
#[derive(Debug, Default)]
struct Table {
    slots: Vec<u64>,
    len: usize,
}

/// A slot no pair is in (position `u32::MAX` is never stored).
const EMPTY: u64 = u64::MAX;

/// The position half of a slot.
#[expect(clippy::cast_possible_truncation, reason = "the low 32 bits are the position")]
fn position(slot: u64) -> u32 {
    slot as u32
}

impl Table {
    /// A table that holds `n` pairs without growing.
    fn with_room(n: usize) -> Self {
        Table { slots: vec![EMPTY; Self::slots_for(n)], len: 0 }
    }

    fn slots_for(n: usize) -> usize {
        n.saturating_add(n / 3).saturating_add(1).max(8)
    }

    /// The slot where probing for `tag` starts: the tag scaled to the
    /// table's length.
    fn home(tag: u32, len: usize) -> usize {
        usize::try_from((u128::from(tag) * len as u128) >> 32).unwrap_or(0)
    }

    /// Grows the table, when one more pair would fill it past three
    /// quarters.
    fn make_room(&mut self) {
        if (self.len + 1) * 4 <= self.slots.len() * 3 {
            return;
        }
        let room = Self::slots_for(self.len.saturating_mul(2));
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; room]);
        for s in old.into_iter().filter(|&s| s != EMPTY) {
            let i = self.free_slot((s >> 32) as u32);
            self.slots[i] = s;
        }
    }

    /// The positions stored with `tag`, in probing order.
    fn candidates(&self, tag: u32) -> impl Iterator<Item = u32> + '_ {
        let n = self.slots.len();
        let start = Self::home(tag, n);
        (start..n)
            .chain(0..start)
            .map(|i| self.slots[i])
            .take_while(|&s| s != EMPTY)
            .filter(move |&s| (s >> 32) as u32 == tag)
            .map(position)
    }

    /// The first empty slot probing for `tag` meets (the table is never
    /// full: [`Table::make_room`] runs first).
    fn free_slot(&self, tag: u32) -> usize {
        let n = self.slots.len();
        let start = Self::home(tag, n);
        (start..n).chain(0..start).find(|&i| self.slots[i] == EMPTY).unwrap_or(start)
    }

    fn insert(&mut self, tag: u32, at: u32) {
        let i = self.free_slot(tag);
        self.slots[i] = (u64::from(tag) << 32) | u64::from(at);
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::{BuildHasher, Hasher};

    use proptest::prelude::*;

    use super::{normalize, ReuseCheck};

    /// Hashes everything to one of `n` values, so tags collide all the time.
    #[derive(Clone, Copy)]
    struct Colliding(u64);

    struct Sum(u64, u64);

    impl Hasher for Sum {
        fn finish(&self) -> u64 {
            (self.0 % self.1) << 32
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0 = bytes.iter().fold(self.0, |a, &b| a.wrapping_add(u64::from(b)));
        }
    }

    impl BuildHasher for Colliding {
        type Hasher = Sum;
        fn build_hasher(&self) -> Sum {
            Sum(0, self.0)
        }
    }

    /// The rule as a map from (lowercased email, normalized rationale) to
    /// the first position.
    fn model(commits: &[(String, String)]) -> Vec<Option<u32>> {
        let mut first = HashMap::new();
        (0..)
            .zip(commits)
            .map(|(at, (email, rationale))| {
                let norm = normalize(rationale);
                if norm.is_empty() {
                    return None;
                }
                let e = *first.entry((email.to_ascii_lowercase(), norm)).or_insert(at);
                (e != at).then_some(e)
            })
            .collect()
    }

    fn run<S: BuildHasher>(mut check: ReuseCheck<S>, commits: &[(String, String)]) -> (Vec<Option<u32>>, usize) {
        let mut reads = 0;
        let found = (0..)
            .zip(commits)
            .map(|(at, (email, rationale))| {
                let earlier = |p: u32| {
                    assert!(p < at, "only earlier commits are read");
                    reads += 1;
                    Ok::<_, ()>(Some(commits[p as usize].clone()))
                };
                check.check(at, email, rationale, earlier).unwrap()
            })
            .collect();
        (found, reads)
    }

    fn stream() -> impl Strategy<Value = Vec<(String, String)>> {
        let email = prop::sample::select(vec!["a@x.org", "A@X.org", "b@x.org", "c@y.org"]);
        let rationale = prop::sample::select(vec![
            "Fix the bug",
            "fix  the-bug!",
            "FIX THE BUG",
            "Fix the bugs",
            "Retry later",
            "",
            "...",
            "Ünïcode Straße",
            "ÜNÏCODE STRASSE",
            "ünïcode straße.",
        ]);
        prop::collection::vec((email, rationale).prop_map(|(e, r)| (e.to_owned(), r.to_owned())), 0..80)
    }

    proptest! {
        #[test]
        fn equals_the_map(commits in stream(), room in 0usize..100) {
            let (found, _) = run(ReuseCheck::with_hasher(true, room, std::hash::RandomState::new()), &commits);
            prop_assert_eq!(found, model(&commits));
        }

        #[test]
        fn equals_the_map_when_tags_collide(commits in stream(), room in 0usize..100, values in 1u64..4) {
            let (found, _) = run(ReuseCheck::with_hasher(true, room, Colliding(values)), &commits);
            prop_assert_eq!(found, model(&commits));
        }

        #[test]
        fn off_finds_nothing(commits in stream()) {
            let (found, reads) = run(ReuseCheck::with_hasher(false, 0, Colliding(1)), &commits);
            prop_assert!(found.iter().all(Option::is_none));
            prop_assert_eq!(reads, 0);
        }
    }

    #[test]
    fn a_tag_shared_by_chance_costs_one_read_and_no_finding() {
        let commits: Vec<(String, String)> =
            ["one", "two", "three"].iter().map(|r| ("a@x.org".to_owned(), (*r).to_owned())).collect();
        let (found, reads) = run(ReuseCheck::with_hasher(true, 0, Colliding(1)), &commits);
        assert_eq!(found, [None, None, None]);
        // "two" is compared with "one", "three" with both: "one" was
        // read already, so only "two" is read for it.
        assert_eq!(reads, 2);
    }

    #[test]
    fn a_hidden_earlier_commit_is_not_a_first_use() {
        // An earlier commit whose statement cannot be read again is not
        // taken as a match; the next one with it is.
        let mut check = ReuseCheck::with_hasher(true, 0, Colliding(1));
        assert_eq!(check.check(0, "a@x.org", "same", |_| Ok::<_, ()>(None)), Ok(None));
        assert_eq!(check.check(1, "a@x.org", "same", |_| Ok::<_, ()>(None)), Ok(None));
        let second = |p| Ok::<_, ()>((p == 1).then(|| ("a@x.org".to_owned(), "same".to_owned())));
        assert_eq!(check.check(2, "a@x.org", "Same.", second), Ok(Some(1)));
    }

    /// One huge commit's rationale given again by many small commits after
    /// it: the huge one is read again (verified again) once, not once for
    /// each of them, and each is still found (threat-model entry 110).
    #[test]
    fn an_earlier_commit_is_read_again_at_most_once() {
        let commits: Vec<(String, String)> = (0..1000).map(|_| ("a@x.org".to_owned(), "same".to_owned())).collect();
        let (found, reads) = run(ReuseCheck::new(&super::Policy::default(), 0), &commits);
        assert_eq!(found, model(&commits));
        assert_eq!(reads, 1);
        // With every tag alike, each earlier first use is read once.
        let distinct: Vec<(String, String)> =
            (0..200).map(|i| ("a@x.org".to_owned(), format!("reason {}", i % 20))).collect();
        let (found, reads) = run(ReuseCheck::with_hasher(true, 0, Colliding(1)), &distinct);
        assert_eq!(found, model(&distinct));
        assert!(reads <= 20, "{reads}");
    }

    #[test]
    fn the_table_grows_and_keeps_every_pair() {
        let commits: Vec<(String, String)> = (0..5000).map(|i| ("a@x.org".to_owned(), format!("reason {i}"))).collect();
        let mut all = commits.clone();
        all.extend(commits.iter().rev().cloned());
        let (found, reads) = run(ReuseCheck::new(&super::Policy::default(), 0), &all);
        assert_eq!(found, model(&all));
        // Each reuse read its first use; tags shared by chance add a few.
        assert!((5000..5010).contains(&reads), "{reads}");
    }

    #[test]
    fn room_for_the_range_is_eight_bytes_a_commit_and_a_third() {
        let check = ReuseCheck::with_hasher(true, 1_000_000, std::hash::RandomState::new());
        assert_eq!(check.table.slots.len(), 1_333_334);
        assert_eq!(std::mem::size_of_val(&check.table.slots[0]), 8);
    }
}
