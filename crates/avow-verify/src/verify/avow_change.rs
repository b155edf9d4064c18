//! `trust.avow-change`: a commit that changes `.avow/` (the keyring or the
//! policy), under any name a checkout writes there, needs a maintainer's
//! attestation.

use avow_policy::facts::CommitFacts;
use avow_policy::findings;
use avow_policy::keyring::{KeyStatus, Role};
use git2::{Commit, Oid, Repository};

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

/// The root entries of `tree` that a checkout writes to `.avow/` (any name
/// [`is_avow_path`] takes for it), with their ids and modes, in tree order.
pub(crate) fn avow_entries(tree: &git2::Tree<'_>) -> Vec<(Vec<u8>, Oid, i32)> {
    tree.iter()
        .filter(|e| is_avow_path(&String::from_utf8_lossy(e.name_bytes())))
        .map(|e| (e.name_bytes().to_vec(), e.id(), e.filemode()))
        .collect()
}

fn avow_of(repo: &Repository, commit: Oid) -> Result<Vec<(Vec<u8>, Oid, i32)>, Error> {
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| Error::git(format!("reading the tree of {commit}"), e))?;
    Ok(avow_entries(&tree))
}

/// Whether the merge `c` writes `.avow/` of its own: its `.avow/` is not the
/// one merging its parents gives. A merge is judged by its first-parent
/// diff, which misses a merge *into an old commit* that keeps that commit's
/// `.avow/` — `main` merged into a commit from before a key was revoked or
/// a maintainer demoted, keeping the old keyring: its first parent has the
/// same `.avow/`, yet it rolls `main`'s back (threat-model entry 133). The
/// parents' `.avow/` is merged as git would: when all but the merge base's
/// agree (or no parent changed it since), that is the result; when parents
/// changed it in different ways, the automatic merge of the parents says
/// (a conflict: changed). `false` for a commit with one parent or none.
pub(crate) fn merge_writes_avow(repo: &Repository, c: &Commit<'_>) -> Result<bool, Error> {
    if c.parent_count() < 2 {
        return Ok(false);
    }
    let tree = c.tree().map_err(|e| Error::git(format!("reading the tree of {}", c.id()), e))?;
    let mine = avow_entries(&tree);
    let parents: Vec<Oid> = c.parent_ids().collect();
    let theirs = parents.iter().map(|p| avow_of(repo, *p)).collect::<Result<Vec<_>, _>>()?;
    // The common case: every parent has this very `.avow/`.
    if theirs.iter().all(|t| *t == mine) {
        return Ok(false);
    }
    let base = match repo.merge_base_many(&parents) {
        Ok(b) => Some(avow_of(repo, b)?),
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(e) => return Err(Error::git(format!("finding the merge base of the parents of {}", c.id()), e)),
    };
    let mut changed: Vec<&Vec<(Vec<u8>, Oid, i32)>> = theirs.iter().filter(|t| Some(*t) != base.as_ref()).collect();
    changed.dedup();
    let merged = match (changed.as_slice(), &base) {
        ([], Some(b)) => b.clone(),
        ([one], _) => (*one).clone(),
        // Changed on several sides: what the automatic merge makes of it.
        _ => match crate::merge::automatic_merge_tree(repo, c)? {
            Some(t) => avow_entries(&repo.find_tree(t).map_err(|e| Error::git("reading a merged tree".into(), e))?),
            None => return Ok(true),
        },
    };
    Ok(merged != mine)
}

/// Whether commit `id` changes `.avow/` (any name [`is_avow_path`] takes
/// for it) against its first parent, or, for a merge, writes a `.avow/`
/// that merging its parents does not give ([`merge_writes_avow`]): the
/// commits `trust.avow-change` asks a maintainer for. The server hooks ask
/// it of commits judged by a branch's own keyring, whose maintainers must
/// be the default branch's too (threat-model entry 143).
pub fn writes_avow(repo: &Repository, id: Oid) -> Result<bool, Error> {
    let c = repo.find_commit(id).map_err(|e| Error::walk(repo, e))?;
    let first = match c.parent_ids().next() {
        Some(p) => avow_of(repo, p)?,
        None => Vec::new(),
    };
    Ok(avow_of(repo, id)? != first || merge_writes_avow(repo, &c)?)
}

impl Verifier<'_> {
    /// A change to `.avow/` (in any letter case, which a case-insensitive
    /// checkout would write to the same files) needs a maintainer; for a
    /// merge, also one whose `.avow/` is not what merging its parents gives
    /// (`merge_writes`, [`merge_writes_avow`]).
    pub(super) fn check_avow_change(&self, facts: &CommitFacts, merge_writes: bool, report: &mut Report) {
        if merge_writes || facts.change.paths.iter().any(|p| is_avow_path(p)) {
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

    /// Entry 139: a commit that records its own signing key's expiry — a
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
