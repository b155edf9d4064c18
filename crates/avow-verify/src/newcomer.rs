//! Counting the newcomer rule's track records ([`Records`]): how many
//! attested commits each person of a range has in the trusted history.
//!
//! The record is counted from the trust base only (the trusted commit and
//! its ancestors), never from the commits under test, so a pull request
//! cannot raise its own count: commits of the range are skipped even when
//! the trusted revision contains them. A commit counts for a person when
//! its `Avow-Signature:` verifies with one of that person's keys in the
//! trusted keyring (found by its `Understood-by:` email, then checked
//! cryptographically), so a forged `Understood-by:` counts for nobody.
//!
//! Cost: nothing unless the policy has `[newcomer]`. Then one pass over
//! the range's messages for the people in it, and one walk back from the
//! trusted commit that reads commit messages only, stops at the policy's
//! adoption point (no attested commit lies before it), and stops early
//! once everyone has the record; signatures are checked only for the at
//! most `attested-commits` candidates per person.

use std::collections::{HashMap, HashSet};

use avow_core::attestation::{Person, SIGNATURE, UNDERSTOOD_BY};
use avow_core::trailer::{self, ParseOptions};
use avow_policy::findings::{self, Rule};
use git2::{Oid, Repository};

use crate::resolve::Range;
use crate::trust::{resolve_commit, Trusted};
use crate::verify::{Options, Records, Verifier};
use crate::Error;

/// The findings that stop a commit from counting for anyone: its
/// attestation or its signature does not hold (every `attestation.*` and
/// `signature.*` rule).
const UNSIGNED: &[Rule] = &[
    findings::ATTESTATION_MISSING,
    findings::ATTESTATION_STATEMENT,
    findings::ATTESTATION_DUPLICATE,
    findings::ATTESTATION_MISPLACED,
    findings::ATTESTATION_PAYLOAD,
    findings::ATTESTATION_CHANGE,
    findings::ATTESTATION_TREES,
    findings::ATTESTATION_VERSION,
    findings::ATTESTATION_FIXUP,
    findings::SIGNATURE_MALFORMED,
    findings::SIGNATURE_INVALID,
    findings::SIGNATURE_UNKNOWN_KEY,
    findings::SIGNATURE_KEY_STATUS,
];

/// The `Understood-by:` email of a message, if it has one.
fn understood_by(message: &str) -> Option<String> {
    trailer::parse(message, &ParseOptions::default())
        .iter()
        .find(|t| t.is(UNDERSTOOD_BY))
        .and_then(|t| Person::parse(&t.value))
        .map(|p| p.email.to_ascii_lowercase())
}

/// Whether a message mentions the signature trailer at all (a cheap test
/// before parsing trailers).
fn mentions_signature(message: &[u8]) -> bool {
    message.windows(SIGNATURE.len()).any(|w| w.eq_ignore_ascii_case(SIGNATURE.as_bytes()))
}

/// The track records of the people of `range` (authors and `Understood-by:`
/// emails), or `None` when the trusted policy has no `[newcomer]`.
pub fn track_records(repo: &Repository, trusted: &Trusted, range: &Range) -> Result<Option<Records>, Error> {
    let Some(rules) = trusted.policy.newcomer.as_ref() else { return Ok(None) };
    let needed = rules.attested_commits;
    let mut people: HashSet<String> = HashSet::new();
    for id in &range.commits {
        let c = repo.find_commit(*id).map_err(|e| Error::walk(repo, e))?;
        people.insert(c.author().email().unwrap_or_default().to_ascii_lowercase());
        if let Some(email) = understood_by(&String::from_utf8_lossy(c.message_bytes())) {
            people.insert(email);
        }
    }
    let in_range: HashSet<Oid> = range.commits.iter().copied().collect();
    let mut counts: HashMap<String, usize> = people.iter().map(|p| (p.clone(), 0)).collect();
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.push(trusted.commit).map_err(|e| Error::walk(repo, e))?;
    if let Some(since) = trusted.policy.adoption_since() {
        walk.hide(resolve_commit(repo, since)?.id()).map_err(|e| Error::walk(repo, e))?;
    }
    let verifier = Verifier::new(trusted, HashSet::new(), Options { drop_trailers: true, ..Options::default() });
    let mut missing = people.len();
    for id in walk {
        if missing == 0 {
            break;
        }
        let id = id.map_err(|e| Error::walk(repo, e))?;
        if in_range.contains(&id) {
            continue;
        }
        let c = repo.find_commit(id).map_err(|e| Error::walk(repo, e))?;
        if !mentions_signature(c.message_bytes()) {
            continue;
        }
        let Some(email) = understood_by(&String::from_utf8_lossy(c.message_bytes())) else { continue };
        let Some(count) = counts.get_mut(&email).filter(|n| **n < needed) else { continue };
        let report = verifier.verify(repo, &c)?;
        let signed_by_them = report.signer.as_ref().is_some_and(|s| Person::same_email(&s.email, &email))
            && !report.findings.iter().any(|f| UNSIGNED.iter().any(|r| f.rule == r.id));
        if signed_by_them {
            *count += 1;
            if *count == needed {
                missing -= 1;
            }
        }
    }
    Ok(Some(Records::new(counts, needed)))
}

#[cfg(test)]
mod tests {
    use avow_policy::findings::RULES;

    use super::UNSIGNED;

    /// Every rule about the attestation or its signature stops a commit
    /// from counting, including ones added later.
    #[test]
    fn every_attestation_and_signature_rule_is_listed() {
        let ids = |rules: &[avow_policy::findings::Rule]| rules.iter().map(|r| r.id).collect::<Vec<_>>();
        let by_prefix: Vec<_> = RULES
            .iter()
            .filter(|r| r.id.starts_with("attestation.") || r.id.starts_with("signature."))
            .copied()
            .collect();
        assert_eq!(ids(UNSIGNED), ids(&by_prefix));
    }
}
