//! The chain of trust from a range's base to a `--trust` revision.
//!
//! By default the verifier trusts the base of the range it checks. A
//! `--trust REV` that the base does not contain — a commit of the range
//! itself, or one beyond the base on another line — has `.avow/` files that
//! commits after the base may have written. Those are accepted only when
//! each such commit is attested by a maintainer of the base's keyring:
//! otherwise `verify base..HEAD --trust HEAD` would let a pull request vouch
//! for itself with the key it adds.

use std::collections::HashSet;
use std::path::Path;

use avow_policy::findings::Concern;
use avow_policy::keyring::Role;
use git2::{Commit, Oid, Repository, Sort};

use crate::trust::Trusted;
use crate::verify::merge_writes_avow;
use crate::verify::{Options, Verifier};
use crate::Error;

/// The `.avow` entry of a commit's tree: its id and mode, or `None`.
fn avow_entry(c: &Commit<'_>) -> Result<Option<(Oid, i32)>, Error> {
    let tree = c.tree().map_err(|e| Error::git(format!("reading the tree of {}", c.id()), e))?;
    Ok(tree.get_path(Path::new(crate::trust::AVOW_DIR)).ok().map(|e| (e.id(), e.filemode())))
}

/// Whether `c` writes `.avow/`: a root that has one, a commit whose `.avow`
/// entry differs from its parent's, or a merge whose `.avow/` is not what
/// merging its parents gives ([`merge_writes_avow`]). A merge that took
/// one side's `.avow/` wrote nothing of its own only when that side's is
/// what the merge gives: a merge of the base's line into a commit older
/// than the base, keeping that commit's `.avow/`, rolls the base's back
/// (threat-model entry 133); the commits that wrote `.avow/` on either
/// side are checked on their own.
fn writes_avow(repo: &Repository, c: &Commit<'_>) -> Result<bool, Error> {
    let mine = avow_entry(c)?;
    match c.parent_count() {
        0 => Ok(mine.is_some()),
        1 => {
            let parent = c.parent(0).map_err(|e| Error::git(format!("reading the parent of {}", c.id()), e))?;
            Ok(avow_entry(&parent)? != mine)
        }
        _ => merge_writes_avow(repo, c),
    }
}

/// Checks that `trusted` (loaded from `--trust`) descends from the base
/// `base_rev` only through `.avow/` changes that maintainers of the base's
/// keyring attested. Nothing to check when the base contains the trusted
/// revision.
pub fn check(repo: &Repository, base_rev: &str, trusted: &Trusted) -> Result<(), Error> {
    let base = crate::trust::resolve_commit(repo, base_rev)?.id();
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).map_err(|e| Error::git("sorting".into(), e))?;
    walk.push(trusted.commit).map_err(|e| Error::walk(repo, e))?;
    walk.hide(base).map_err(|e| Error::walk(repo, e))?;
    let after_base = walk.collect::<Result<Vec<Oid>, _>>().map_err(|e| Error::walk(repo, e))?;
    if after_base.is_empty() {
        return Ok(());
    }
    let refuse =
        |reason: String| Error::TrustNotChained { rev: trusted.rev.clone(), base: base_rev.to_owned(), reason };
    let at_base = Trusted::load(repo, base_rev).map_err(|e| refuse(format!("the base's trust files: {e}")))?;
    let verifier = Verifier::new(&at_base, HashSet::new(), Options::default());
    for id in after_base {
        let c = repo.find_commit(id).map_err(|e| Error::walk(repo, e))?;
        if !writes_avow(repo, &c)? {
            continue;
        }
        let report = verifier.verify(repo, &c)?;
        // The attestation and its key; the rest (the policy, the statement's
        // names) is not what makes a maintainer's change to .avow/ trusted.
        let mechanical = report
            .findings
            .iter()
            .any(|f| f.known_rule().is_some_and(|r| matches!(r.concern, Concern::Attestation | Concern::Key)));
        let by_maintainer = report.signer.as_ref().is_some_and(|s| s.role == Role::Maintainer);
        if mechanical || !by_maintainer {
            return Err(refuse(format!(
                "commit {} (\"{}\") changes .avow/ without a maintainer's valid attestation under the base's keyring",
                &id.to_string()[..12],
                report.subject
            )));
        }
    }
    Ok(())
}

/// The commit of `base..upto`, oldest first, that puts `key` into
/// `.avow/keyring.toml`: its keyring lists the key and its first parent's
/// does not. For advice (which commit to land first), never for trust: a
/// key counts only once such a commit is in the trusted base.
pub fn key_added_by(repo: &Repository, base: Oid, upto: Oid, key: &avow_sign::ssh_key::PublicKey) -> Option<Oid> {
    first_keyring_with(repo, base, upto, |k| k.find_by_key(key).is_some())
}

/// The commit of `base..upto`, oldest first, whose keyring makes `key`
/// valid at `signed_at` where its first parent's does not: a revert of a
/// rotation that expired it, an expiry moved later. For advice only, as
/// [`key_added_by`].
pub fn key_valid_again_by(
    repo: &Repository,
    base: Oid,
    upto: Oid,
    key: &avow_sign::ssh_key::PublicKey,
    signed_at: chrono::DateTime<chrono::Utc>,
) -> Option<Oid> {
    first_keyring_with(repo, base, upto, |k| k.find_by_key(key).is_some_and(|(_, e)| e.status_at(signed_at).is_valid()))
}

/// The commit of `base..upto`, oldest first, whose keyring satisfies
/// `holds` and whose first parent's does not.
fn first_keyring_with(
    repo: &Repository,
    base: Oid,
    upto: Oid,
    holds: impl Fn(&avow_policy::keyring::Keyring) -> bool,
) -> Option<Oid> {
    let mut walk = repo.revwalk().ok()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).ok()?;
    walk.push(upto).ok()?;
    walk.hide(base).ok()?;
    let holds = |c: &Commit<'_>| crate::trust::keyring_of(repo, c).is_some_and(|k| holds(&k));
    walk.filter_map(Result::ok)
        .find(|id| repo.find_commit(*id).is_ok_and(|c| holds(&c) && !c.parent(0).is_ok_and(|p| holds(&p))))
}

/// Whether commit `id` carries an attestation bound to its own pair of
/// trees (the tree binding, docs/payload.md): it sits where its signer
/// signed it, not rebased or cherry-picked from elsewhere. An attestation
/// binds a change, not its place in history, so a maintainer's signed
/// change to `.avow/` can be replayed onto any branch (entry 140).
pub fn at_signed_trees(repo: &Repository, id: Oid) -> bool {
    let Ok(c) = repo.find_commit(id) else { return false };
    let Some(text) = crate::commit::message_text(&c) else { return false };
    let trailers = avow_core::trailer::parse(&text, &avow_core::trailer::ParseOptions::default());
    let Some(st) = trailers
        .iter()
        .find(|t| t.is(avow_core::attestation::SIGNATURE))
        .and_then(|t| avow_core::payload::SignatureTrailer::parse(&t.value).ok())
    else {
        return false;
    };
    let parent_tree = c.parent(0).ok().map(|p| p.tree_id());
    crate::change::tree_binding(parent_tree, c.tree_id()) == st.binding.trees
}
