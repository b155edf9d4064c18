//! `trust.avow-change`: a commit that changes `.avow/` (the keyring or the
//! policy), under any name a checkout writes there, needs a maintainer's
//! attestation.

use avow_policy::facts::CommitFacts;
use avow_policy::findings;
use avow_policy::keyring::{KeyStatus, Role};
use git2::Repository;

use super::signer::status_finding;
use super::{deny, Report, Verifier};
use crate::trust::{keyring_of, AVOW_DIR, KEYRING_PATH};
use crate::Error;

/// `.avow` or a path under it, under any name a checkout may write there:
/// any ASCII letter case (case-insensitive file systems), with trailing
/// dots and spaces or as the 8.3 short name `AVOW~1`…`AVOW~4` (NTFS), and
/// with the code points HFS+ ignores in names (as git guards `.git`).
pub fn is_avow_path(path: &str) -> bool {
    const HFS_IGNORED: [char; 16] = [
        '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
        '\u{206A}', '\u{206B}', '\u{206C}', '\u{206D}', '\u{206E}', '\u{206F}', '\u{FEFF}',
    ];
    let first = path.split('/').next().unwrap_or_default();
    let name: std::borrow::Cow<'_, str> = if first.is_ascii() {
        first.into()
    } else {
        first.chars().filter(|c| !HFS_IGNORED.contains(c)).collect::<String>().into()
    };
    let name = name.trim_end_matches(['.', ' ']);
    name.eq_ignore_ascii_case(AVOW_DIR)
        || matches!(name.as_bytes(), [a, v, o, w, b'~', b'1'..=b'4'] if [*a, *v, *o, *w].eq_ignore_ascii_case(b"avow"))
}

impl Verifier<'_> {
    /// A change to `.avow/` (in any letter case, which a case-insensitive
    /// checkout would write to the same files) needs a maintainer.
    pub(super) fn check_avow_change(&self, facts: &CommitFacts, report: &mut Report) {
        if facts.change.paths.iter().any(|p| is_avow_path(p)) {
            let by_maintainer = report.signer.as_ref().is_some_and(|s| s.role == Role::Maintainer);
            if !by_maintainer {
                report.findings.push(deny(
                    &findings::TRUST_AVOW_CHANGE,
                    format!(
                        "the commit changes .avow/ (keyring or policy) but is not attested by a maintainer of the trusted keyring at {}",
                        self.trusted.rev
                    ),
                ));
            }
        }
    }

    /// Entry 137: a commit that records its own signing key's expiry — a
    /// rotation, or `keyring expire`, committed with the key it retires, as
    /// `keyring rotate` advises a maintainer rotating her own key — is
    /// signed after the instant it writes. Judged against a keyring that
    /// holds that change (an audit of the history against its tip, a
    /// `--trust` past it) the key was expired when it signed, and the
    /// commit would be refused for good. The expiry is not held against
    /// the one commit that wrote it: a single-parent commit that changes
    /// `.avow/keyring.toml`, where the trusted keyring's expiry of the
    /// signing key is exactly the one this commit's keyring gives it, and
    /// its parent's keyring held the same person's key valid at the signing
    /// time. This grants nothing: whoever holds the key writes the signing
    /// time and could have signed at the expiry instant. A revocation, and
    /// any other expiry (a later commit that moves it earlier), still refuse.
    pub(super) fn forgive_own_expiry(
        &self,
        repo: &Repository,
        facts: &CommitFacts,
        report: &mut Report,
    ) -> Result<(), Error> {
        let (Some(signer), Some(t)) = (&report.signer, report.signed_at) else { return Ok(()) };
        let Some((person, key)) = self.trusted.keyring.find_by_fingerprint(&signer.fingerprint) else {
            return Ok(());
        };
        let at = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
        let status = key.status_at(at);
        let KeyStatus::Expired { at: expired } = status else { return Ok(()) };
        let refusal = status_finding(person, key, &status);
        if !facts.change.paths.iter().any(|p| p == KEYRING_PATH)
            || !report.findings.iter().any(|f| f.rule == refusal.rule && f.message == refusal.message)
        {
            return Ok(());
        }
        let c = repo.find_commit(report.id).map_err(|e| Error::walk(repo, e))?;
        if c.parent_count() != 1 {
            return Ok(());
        }
        let parent = c.parent(0).map_err(|e| Error::walk(repo, e))?;
        let (Some(own), Some(before)) = (keyring_of(repo, &c), keyring_of(repo, &parent)) else { return Ok(()) };
        let same = |p: &avow_policy::keyring::Person| p.email.eq_ignore_ascii_case(&person.email);
        let wrote_it = own
            .find_by_fingerprint(&key.fingerprint)
            .is_some_and(|(p, k)| same(p) && k.revoked.is_none() && k.expires == Some(expired));
        let held_valid = before
            .find_by_fingerprint(&key.fingerprint)
            .is_some_and(|(p, k)| same(p) && k.status_at(at) == KeyStatus::Valid);
        if wrote_it && held_valid {
            report.findings.retain(|f| !(f.rule == refusal.rule && f.message == refusal.message));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_avow_path;

    #[test]
    fn avow_paths_in_any_case() {
        for p in [
            ".avow",
            ".avow/keyring.toml",
            ".AVOW/keyring.toml",
            ".Avow",
            ".aVoW/x/y",
            ".avow./keyring.toml",
            ".avow . /x",
            "AVOW~1/keyring.toml",
            "avow~4",
            ".av\u{200c}ow/keyring.toml",
            "\u{feff}.avow\u{206f}",
        ] {
            assert!(is_avow_path(p), "{p}");
        }
        for p in [
            ".avowed",
            ".avow.toml",
            "src/.avow/keyring.toml",
            ".avo",
            "",
            "é.avow",
            "avow~5",
            "AVOW~12",
            "avow",
            "avow~1x",
        ] {
            assert!(!is_avow_path(p), "{p}");
        }
    }
}
