//! The track records the newcomer rule reads: how many attested commits
//! each person of a range has in the trusted history. They are counted by
//! [`crate::newcomer::track_records`], which verifies that history with a
//! [`Verifier`](super::Verifier) of its own.

use std::collections::HashMap;

/// The attested commits each person of a range has in the trusted
/// history, counted up to the record the policy asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// Lowercased email → attested commits (at most `needed`).
    counts: HashMap<String, usize>,
    /// `[newcomer] attested-commits`.
    needed: usize,
}

impl Records {
    /// The records `counts` (lowercased email → attested commits, at most
    /// `needed`).
    pub(crate) fn new(counts: HashMap<String, usize>, needed: usize) -> Records {
        Records { counts, needed }
    }

    /// The record of the person with this email (0 when unknown).
    pub fn of(&self, email: &str) -> usize {
        self.counts.get(&email.to_ascii_lowercase()).copied().unwrap_or(0)
    }

    /// The record that ends the newcomer rules.
    pub fn needed(&self) -> usize {
        self.needed
    }
}
