//! The trust base: the keyring and policy read from a trusted revision,
//! never from the commits under test.

use std::path::Path;

use avow_policy::keyring::Keyring;
use avow_policy::policy::Policy;
use git2::{ObjectType, Oid, Repository};

use crate::Error;

/// Where the keyring lives in a repository.
pub const KEYRING_PATH: &str = ".avow/keyring.toml";
/// Where the policy lives in a repository.
pub const POLICY_PATH: &str = ".avow/policy.toml";
/// The directory whose changes need a maintainer's attestation.
pub const AVOW_DIR: &str = ".avow/";

/// The keyring and policy in force for a verification, and where they came
/// from.
#[derive(Debug)]
pub struct Trusted {
    /// The trusted keyring.
    pub keyring: Keyring,
    /// The trusted policy.
    pub policy: Policy,
    /// The revision as the user named it.
    pub rev: String,
    /// The commit it resolved to.
    pub commit: Oid,
}

/// Reads a regular file from a commit's tree; refuses symlinks, submodules
/// and directories, which could point the verifier elsewhere.
fn read_file(repo: &Repository, tree: &git2::Tree<'_>, path: &str, rev: &str) -> Result<String, Error> {
    let entry = tree
        .get_path(Path::new(path))
        .map_err(|_| Error::MissingTrustFile { path: path.to_owned(), rev: rev.to_owned() })?;
    let mode = entry.filemode();
    if entry.kind() != Some(ObjectType::Blob) || !(mode == 0o100_644 || mode == 0o100_755) {
        return Err(Error::TrustFileNotRegular { path: path.to_owned(), rev: rev.to_owned(), mode });
    }
    let blob = repo.find_blob(entry.id()).map_err(|e| Error::git(format!("reading {path} at {rev}"), e))?;
    String::from_utf8(blob.content().to_vec())
        .map_err(|_| Error::TrustFileNotUtf8 { path: path.to_owned(), rev: rev.to_owned() })
}

/// Resolves a revision to a commit, with an error that says how to fix it.
pub fn resolve_commit<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Commit<'r>, Error> {
    let object = repo.revparse_single(rev).map_err(|_| {
        let unborn = repo.head().is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch);
        if unborn && (rev.starts_with("HEAD") || rev.starts_with('@')) {
            Error::NoCommitsYet { rev: rev.to_owned() }
        } else {
            Error::UnknownRevision { rev: rev.to_owned() }
        }
    })?;
    object.peel_to_commit().map_err(|_| {
        let kind = object.peel(ObjectType::Any).ok().and_then(|o| o.kind()).or(object.kind());
        Error::NotACommit { rev: rev.to_owned(), kind: kind.map_or("non-commit object", |k| k.str()).to_owned() }
    })
}

impl Trusted {
    /// Loads `.avow/keyring.toml` and `.avow/policy.toml` from `rev`.
    pub fn load(repo: &Repository, rev: &str) -> Result<Trusted, Error> {
        let commit = resolve_commit(repo, rev)?;
        let tree = commit.tree().map_err(|e| Error::git(format!("reading the tree of {rev}"), e))?;
        let keyring_text = read_file(repo, &tree, KEYRING_PATH, rev)?;
        let policy_text = read_file(repo, &tree, POLICY_PATH, rev)?;
        let keyring = Keyring::parse(&keyring_text, Path::new(&format!("{KEYRING_PATH}@{rev}")))
            .map_err(|e| Error::Keyring(Box::new(e)))?;
        let policy = Policy::parse(&policy_text, Path::new(&format!("{POLICY_PATH}@{rev}")))
            .map_err(|e| Error::Policy(Box::new(e)))?;
        check_adoption_point(repo, &policy, rev, commit.id())?;
        Ok(Trusted { keyring, policy, rev: rev.to_owned(), commit: commit.id() })
    }

    /// Whether `rev` has adopted avow: its tree has `.avow/keyring.toml`
    /// (of any kind; [`Trusted::load`] refuses what is not a regular file).
    pub fn is_adopted(repo: &Repository, rev: &str) -> Result<bool, Error> {
        let commit = resolve_commit(repo, rev)?;
        let tree = commit.tree().map_err(|e| Error::git(format!("reading the tree of {rev}"), e))?;
        Ok(tree.get_path(Path::new(KEYRING_PATH)).is_ok())
    }

    /// A trust base for a repository that has not adopted avow: an empty
    /// keyring and the default policy, for a report of markers, identities,
    /// bursts and sizes (attestation checks are skipped; nothing verifies).
    pub fn unadopted(repo: &Repository, rev: &str) -> Result<Trusted, Error> {
        let commit = resolve_commit(repo, rev)?;
        Ok(Trusted { keyring: Keyring::default(), policy: Policy::default(), rev: rev.to_owned(), commit: commit.id() })
    }
}

/// The policy's `adoption.since` exempts a commit and its ancestors, so it
/// must name a commit of the trusted history: a tag or branch that someone
/// moves onto other commits (a fork's `v2.4.0`, a re-pushed tag) would
/// exempt those instead.
fn check_adoption_point(repo: &Repository, policy: &Policy, rev: &str, trusted: Oid) -> Result<(), Error> {
    let Some(since) = policy.adoption_since() else { return Ok(()) };
    let point = resolve_commit(repo, since)?.id();
    let in_history = point == trusted
        || repo.graph_descendant_of(trusted, point).map_err(|e| Error::git(format!("placing {since}"), e))?;
    if in_history {
        Ok(())
    } else {
        Err(Error::AdoptionOutsideTrust { since: since.to_owned(), commit: point.to_string(), rev: rev.to_owned() })
    }
}
