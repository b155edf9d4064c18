//! What verification says about a commit: its [`Verdict`], the [`Report`]
//! that carries the findings behind it, and the [`Options`] that choose
//! what a report keeps.

use std::sync::Arc;

use avow_core::attestation::{Authorship, Statement};
use avow_core::payload::Digest;
use avow_core::trailer::Trailer;
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::findings::{Finding, Severity};
use avow_policy::keyring::Role;
use git2::Oid;

/// The outcome for one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The attestation verifies and the policy accepts the commit.
    Accepted,
    /// Something is wrong; the findings say what.
    Rejected,
    /// The policy exempts the commit (bot identity, before adoption).
    Exempt(String),
    /// Not checked (a merge commit under `merges = "skip"`).
    Skipped(String),
}

impl Verdict {
    /// A short lowercase word: accepted, rejected, exempt, skipped.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
            Verdict::Exempt(_) => "exempt",
            Verdict::Skipped(_) => "skipped",
        }
    }
}

/// The key holder whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    /// Their name in the keyring.
    pub name: String,
    /// Their email in the keyring.
    pub email: String,
    /// Their role in the keyring.
    pub role: Role,
    /// The key's `SHA256:` fingerprint.
    pub fingerprint: String,
}

/// Everything verification found out about one commit.
#[derive(Debug, Clone)]
pub struct Report {
    /// The commit.
    pub id: Oid,
    /// Its subject.
    pub subject: String,
    /// Its author.
    pub author: Ident,
    /// The verdict.
    pub verdict: Verdict,
    /// Problems (deny) and warnings (warn), in the order found.
    pub findings: Vec<Finding>,
    /// Who signed, when the signature verified against a known key; shared
    /// by every report signed with the same key (a long range holds one
    /// copy per key, not per commit).
    pub signer: Option<Arc<SignerInfo>>,
    /// The declared authorship, when well-formed.
    pub authorship: Option<Authorship>,
    /// The statement, when well-formed.
    pub statement: Option<Statement>,
    /// The signing time, when the signature trailer is well-formed.
    pub signed_at: Option<i64>,
    /// The commit's change digest as verification established it (`None`
    /// for an empty change, or when verification did not get that far).
    pub change: Option<Digest>,
    /// Whether the tree-binding fast path avoided recomputing the change
    /// digest.
    pub fast_path: bool,
    /// Whether the verification cache vouched for the change digest and the
    /// signature (the keyring and policy checks ran all the same).
    pub cached: bool,
    /// The exact payload checked against the signature (only when asked).
    pub payload: Option<String>,
    /// The `Avow-Signature:` value.
    pub signature: Option<String>,
    /// All trailers, as git reads them.
    pub trailers: Vec<Trailer>,
    /// The message, only when asked (the reviewer's report uses it);
    /// boxed, so that a long range's reports stay small without it.
    pub facts: Option<Box<CommitFacts>>,
    /// Where the accepted attestation came from when not the commit's own
    /// trailers: a note, or the verified commits of a squash's source.
    pub via: Option<String>,
}

impl Report {
    /// Whether any finding denies the commit.
    pub fn denied(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Deny)
    }
}

/// What to keep besides the verdict.
#[derive(Debug, Clone, Copy, Default)]
#[expect(clippy::struct_excessive_bools, reason = "independent switches")]
pub struct Options {
    /// Keep the payload text (for `show`).
    pub keep_payload: bool,
    /// Keep the commit facts (for `report`).
    pub keep_facts: bool,
    /// Never take the tree-binding fast path (for tests and audits).
    pub no_fast_path: bool,
    /// Verify each signature alone, never in a batch: the verdicts are then
    /// those of `ssh-keygen -Y verify` even for a signature whose `R` has a
    /// small-order component, which a batch can accept (threat-model
    /// entry 102). Slower: a scalar multiplication more per signature.
    pub no_batch: bool,
    /// Count changed lines even if the policy does not need them.
    pub count_lines: bool,
    /// Leave out the trailers and the signature text, which only the full
    /// formats print: a lean report for long ranges.
    pub drop_trailers: bool,
}
