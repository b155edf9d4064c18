//! The keyring's part of a verdict: the key that verified the signature,
//! whether it was valid when the commit was signed and is of a type the
//! policy accepts, and whether `Understood-by:` names its holder.

use std::sync::Arc;

use avow_core::attestation::{Person, Statement};
use avow_core::payload::SignatureTrailer;
use avow_policy::findings::{self, Finding};
use avow_policy::keyring::KeyStatus;
use avow_sign::ssh_key::PublicKey;

use super::{deny, Report, SignerInfo, Verifier};

impl Verifier<'_> {
    /// The cryptographic check and the keyring: who signed, was the key
    /// valid then, and does `Understood-by` name them.
    pub(super) fn check_signature(
        &self,
        key: Result<PublicKey, avow_sign::Error>,
        st: &SignatureTrailer,
        statement: &Statement,
        report: &mut Report,
    ) {
        let key = match key {
            Ok(key) => key,
            Err(e) => {
                report.findings.push(deny(&findings::SIGNATURE_INVALID, format!("the signature does not verify: {e}")));
                return;
            }
        };
        let Some((person, k)) = self.trusted.keyring.find_by_key(&key) else {
            report.findings.push(deny(
                &findings::SIGNATURE_UNKNOWN_KEY,
                format!(
                    "signed with {}, which is not in the trusted keyring (.avow/keyring.toml at {}); a maintainer adds keys in a commit that is already trusted",
                    avow_sign::fingerprint(&key),
                    self.trusted.rev
                ),
            ));
            return;
        };
        check_signer(&self.trusted.policy, person, k, st, statement, report);
        self.check_weak_rsa(person, k, report);
        report.signer = Some(self.signer(person, k));
    }

    /// Entries 116 and 124: an RSA key whose modulus is prime, has a small
    /// factor, close primes or the ROCA fingerprint is no one's key, since
    /// others can compute a private exponent for it. Loading the keyring
    /// leaves these checks out for their cost; they are made here, once
    /// per run for each RSA key that signed, on cache hits too, unless the
    /// verification cache records that the key passed them in an earlier
    /// run.
    pub(super) fn check_weak_rsa(
        &self,
        person: &avow_policy::keyring::Person,
        k: &avow_policy::keyring::Key,
        report: &mut Report,
    ) {
        if !matches!(k.public.key_data(), avow_sign::ssh_key::public::KeyData::Rsa(_)) {
            return;
        }
        if self.cache.is_some_and(|c| c.rsa_key_checked(&k.fingerprint)) {
            return;
        }
        let known = self.weak_rsa.lock().ok().and_then(|m| m.get(&k.fingerprint).cloned());
        let why = known.unwrap_or_else(|| {
            let why = k.check_thoroughly().err().map(|e| e.to_string());
            if let (None, Some(cache)) = (&why, self.cache) {
                cache.record_rsa_key_checked(&k.fingerprint);
            }
            if let Ok(mut m) = self.weak_rsa.lock() {
                m.insert(k.fingerprint.clone(), why.clone());
            }
            why
        });
        if let Some(why) = why {
            report.findings.push(deny(
                &findings::SIGNATURE_KEY_STATUS,
                format!("signed with {} of {} <{}>: {why}", k.fingerprint, person.name, person.email),
            ));
        }
    }

    /// The shared [`SignerInfo`] of a keyring key.
    pub(super) fn signer(
        &self,
        person: &avow_policy::keyring::Person,
        k: &avow_policy::keyring::Key,
    ) -> Arc<SignerInfo> {
        self.signers.get(k.fingerprint.as_str()).cloned().unwrap_or_else(|| Arc::new(signer_info(person, k)))
    }
}

/// The finding for a key that was not valid when it signed.
pub(super) fn status_finding(
    person: &avow_policy::keyring::Person,
    k: &avow_policy::keyring::Key,
    status: &KeyStatus,
) -> Finding {
    deny(
        &findings::SIGNATURE_KEY_STATUS,
        format!("signed with {} of {} <{}>: {status}", k.fingerprint, person.name, person.email),
    )
}

/// The keyring's part: was the signer's key valid at signing time, is it a
/// key the policy accepts (`[keys]`), and does `Understood-by` name them.
/// Runs on cache hits too.
pub(super) fn check_signer(
    policy: &avow_policy::policy::Policy,
    person: &avow_policy::keyring::Person,
    k: &avow_policy::keyring::Key,
    st: &SignatureTrailer,
    statement: &Statement,
    report: &mut Report,
) {
    let fpr = &k.fingerprint;
    let signed_at = chrono::DateTime::from_timestamp(st.signed_at, 0).unwrap_or_default();
    match k.status_at(signed_at) {
        KeyStatus::Valid => {}
        status => report.findings.push(status_finding(person, k, &status)),
    }
    if !Person::same_email(&statement.understood_by.email, &person.email) {
        report.findings.push(deny(
            &findings::UNDERSTOOD_BY_SIGNER,
            format!(
                "`Understood-by: {}` does not name the signer, {} <{}> (key {fpr})",
                statement.understood_by, person.name, person.email
            ),
        ));
    } else if let Some(mut finding) = name_finding(policy, &statement.understood_by.name, person) {
        // The hook's warning is about the commit being made (HEAD); verify's
        // may be about any commit of the range, which a plain amend misses.
        finding.message = format!("{}: {}", finding.message, amend_hint(report.id));
        report.findings.push(finding);
    }
    report.findings.extend(policy.check_key(&k.public));
}

/// `understood-by.name`: the email and key are the identity, so another
/// name is a warning that shows the keyring's name beside the signed one
/// (a reader of the log sees who stands behind it); `understood-by-name =
/// "deny"` refuses it. `None` when the names agree.
pub fn name_finding(
    policy: &avow_policy::policy::Policy,
    signed_name: &str,
    person: &avow_policy::keyring::Person,
) -> Option<Finding> {
    if Person::same_name(signed_name, &person.name) {
        return None;
    }
    Some(Finding::new(
        &findings::UNDERSTOOD_BY_NAME,
        policy.understood_by_name,
        format!(
            "`Understood-by:` gives the name {signed_name:?}, but the keyring names the signer {:?} <{}>; set `git config user.name {}` (or have a maintainer correct the keyring) and re-attest the commit",
            person.name,
            person.email,
            crate::shell_word(&person.name)
        ),
    ))
}

/// How to re-attest commit `id` of a verified range, which may or may not
/// be HEAD: `git commit --amend --no-edit` (the hook signs the commit
/// afresh) there, or in an interactive rebase that stops at it.
pub(super) fn amend_hint(id: git2::Oid) -> String {
    let id = id.to_string();
    let amend = "git commit --amend --no-edit";
    format!("`{amend}` if it is the last commit (HEAD), else {}", amend_older_hint(&id[..12], amend, false))
}

/// How to run `amend` (a `git commit --amend …` command line) on the
/// commit `id` when it is not HEAD: an interactive rebase that stops at it.
/// Its descendants keep their attestations (their changes are the same).
/// With `merges` (a merge commit lies between it and HEAD, as a forge's
/// "Update branch" makes), the rebase keeps the merges: a plain `rebase
/// -i` would flatten them and copy the merged branch's commits into this
/// one.
pub fn amend_older_hint(id: &str, amend: &str, merges: bool) -> String {
    let keep = if merges { " --rebase-merges" } else { "" };
    format!("`git rebase -i{keep} {id}~1`, change `pick` to `edit` on the line of {id}, then `{amend}` and `git rebase --continue`")
}

pub(super) fn signer_info(person: &avow_policy::keyring::Person, k: &avow_policy::keyring::Key) -> SignerInfo {
    SignerInfo {
        name: person.name.clone(),
        email: person.email.clone(),
        role: person.role,
        fingerprint: k.fingerprint.clone(),
    }
}

#[cfg(test)]
mod tests {
    use avow_core::attestation::Person;

    #[test]
    fn names_compare_by_ascii_case_and_words() {
        let same = Person::same_name;
        assert!(same("Alice Example", "alice  EXAMPLE"));
        assert!(same(" Alice\tExample ", "Alice Example"));
        assert!(!same("Alice Example", "Alice Exаmple"), "Cyrillic а");
        assert!(!same("Alice Example", "Linus Torvalds"));
        assert!(!same("Alice Example", "Alice"));
    }
}
