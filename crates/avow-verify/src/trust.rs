//! The trust base: the keyring and policy read from a trusted revision,
//! never from the commits under test.

use std::path::Path;

use avow_policy::keyring::Keyring;
use avow_policy::policy::Policy;
use git2::{ObjectType, Oid, Repository};

use crate::Error;

pub use avow_policy::{AVOW_DIR, KEYRING_PATH, POLICY_PATH};

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

/// The keyring a commit's tree holds, when it holds one that loads: for
/// comparing a commit's own `.avow/keyring.toml` with its parent's, never
/// for trusting it.
pub(crate) fn keyring_of(repo: &Repository, commit: &git2::Commit<'_>) -> Option<Keyring> {
    let tree = commit.tree().ok()?;
    let rev = commit.id().to_string();
    let text = read_file(repo, &tree, KEYRING_PATH, &rev).ok()?;
    Keyring::parse(&text, Path::new(&format!("{KEYRING_PATH}@{rev}"))).ok()
}

/// git's rules for completing a short ref name (`ref_rev_parse_rules` in
/// git's refs.c), in git's order: `X`, `refs/X`, `refs/tags/X`,
/// `refs/heads/X`, `refs/remotes/X`, `refs/remotes/X/HEAD`.
const REV_PARSE_RULES: [(&str, &str); 6] = [
    ("", ""),
    ("refs/", ""),
    ("refs/tags/", ""),
    ("refs/heads/", ""),
    ("refs/remotes/", ""),
    ("refs/remotes/", "/HEAD"),
];

/// The ref name a revision starts with: what comes before its first `^`,
/// `~`, `:` or `@{` (`origin/main~2` → `origin/main`; `@` is `HEAD`).
/// `None` for a form with no name of its own (`@{upstream}`, `:/text`).
pub(crate) fn leading_name(rev: &str) -> Option<&str> {
    let end = rev.find(['^', '~', ':']).unwrap_or(rev.len());
    let name = &rev[..end];
    let name = name.find("@{").map_or(name, |at| &name[..at]);
    match name {
        "" => None,
        "@" => Some("HEAD"),
        n => Some(n),
    }
}

/// Every ref a revision's name could mean, by git's rules — more than one
/// and git picks by a fixed order (a tag `origin/main` fetched from a fork
/// wins over the remote-tracking branch), so avow refuses the name instead.
/// A full object id is never ambiguous (git and libgit2 read it as the id);
/// an abbreviated one that is also a ref name is, and counts the object.
pub fn candidates(repo: &Repository, rev: &str) -> Vec<String> {
    let Some(name) = leading_name(rev) else { return Vec::new() };
    let hex = name.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (name.len() == 40 || name.len() == 64) {
        return Vec::new();
    }
    let mut found: Vec<String> = REV_PARSE_RULES
        .iter()
        .map(|(prefix, suffix)| format!("{prefix}{name}{suffix}"))
        .filter(|full| repo.find_reference(full).is_ok())
        .collect();
    if !found.is_empty() && hex && name.len() >= 4 {
        let object = Oid::from_str_ext(name, repo.object_format())
            .ok()
            .and_then(|short| repo.odb().ok()?.exists_prefix(short, name.len()).ok());
        found.extend(object.map(|id| format!("commit id {id}")));
    }
    found
}

/// Resolves a revision to a commit, with an error that says how to fix it.
/// A name that more than one ref could mean is refused ([`candidates`]).
pub fn resolve_commit<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Commit<'r>, Error> {
    let found = candidates(repo, rev);
    if found.len() > 1 {
        return Err(Error::AmbiguousRevision { rev: rev.to_owned(), candidates: found });
    }
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
    let point = resolve_commit(repo, since)
        .map_err(|e| match e {
            Error::UnknownRevision { .. } => {
                Error::AdoptionUnknown { since: since.to_owned(), rev: rev.to_owned(), shallow: repo.is_shallow() }
            }
            e => e,
        })?
        .id();
    let in_history = point == trusted
        || repo.graph_descendant_of(trusted, point).map_err(|e| Error::git(format!("placing {since}"), e))?;
    if in_history {
        Ok(())
    } else {
        Err(Error::AdoptionOutsideTrust { since: since.to_owned(), commit: point.to_string(), rev: rev.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::leading_name;

    #[test]
    fn the_name_a_revision_starts_with() {
        for (rev, name) in [
            ("origin/main", Some("origin/main")),
            ("origin/main~2", Some("origin/main")),
            ("origin/main^{commit}", Some("origin/main")),
            ("v1^2~3", Some("v1")),
            ("main@{upstream}", Some("main")),
            ("main@{1}", Some("main")),
            ("@", Some("HEAD")),
            ("@~1", Some("HEAD")),
            ("@{upstream}", None),
            ("@{-1}", None),
            (":/fix", None),
            ("HEAD:src", Some("HEAD")),
            ("refs/remotes/origin/main", Some("refs/remotes/origin/main")),
        ] {
            assert_eq!(leading_name(rev), name, "{rev}");
        }
    }
}
