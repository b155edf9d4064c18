//! avow's verifier: walks commits with git2, computes change digests in-process
//! and checks each commit's attestation against a trusted keyring and policy.
#![deny(missing_docs)]

pub mod cache;
pub mod chain;
pub mod change;
pub mod commit;
pub mod merge;
pub mod newcomer;
pub mod notes;
pub mod range;
pub mod repo;
pub mod resolve;
pub mod signals;
pub mod squash;
mod tree;
pub mod trust;
pub mod verify;
pub mod walk;

use avow_policy::keyring::KeyringError;
use git2::Oid;

/// `id` with the bytes past its length zeroed: the form every id takes
/// before it goes into, or is looked up in, a hashed collection.
///
/// git2's `Oid` (built with SHA-256 support) hashes all 32 bytes of
/// libgit2's `git_oid` but compares only the id's own length, and libgit2
/// leaves the tail of SHA-1 ids it parses from commit objects (parents, and
/// so the ids a revision walk yields) uninitialized: two equal ids can hash
/// differently, and a `HashSet<Oid>` lookup can miss an id it holds.
pub fn canonical(id: Oid) -> Oid {
    Oid::from_bytes(id.as_bytes()).unwrap_or(id)
}

/// A hex object id of either format, as git prints it: 64 digits are a
/// SHA-256 id, anything else is read as a SHA-1 id. git2's `Oid::from_str`
/// reads SHA-1 only, so it refuses every whole id of a SHA-256 repository
/// (`git init --object-format=sha256`), which git hands hooks and writes
/// into files such as `shallow`.
///
/// # Errors
/// When `hex` is not a (possibly abbreviated) object id.
pub fn parse_oid(hex: &str) -> Result<Oid, git2::Error> {
    let format = if hex.len() == 64 { git2::ObjectFormat::Sha256 } else { git2::ObjectFormat::Sha1 };
    Oid::from_str_ext(hex, format)
}

/// A whole object id, as git writes one into a file or hands it to a hook:
/// 40 or 64 hex digits, nothing else. [`parse_oid`] also reads an
/// abbreviation as the id it starts (`abc` is `abc000…`), which a reader
/// of a record or of git's hook input must not take for an id.
#[must_use]
pub fn parse_whole_oid(hex: &str) -> Option<Oid> {
    let whole = matches!(hex.len(), 40 | 64) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    whole.then(|| parse_oid(hex).ok()).flatten()
}

use avow_policy::policy::PolicyError;

/// What stops verification from giving verdicts at all (as opposed to a
/// rejected commit, which is a [`verify::Verdict`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A libgit2 failure, with what avow was doing.
    #[error("{context}: {source}")]
    Git {
        /// What avow was doing.
        context: String,
        /// The libgit2 error.
        #[source]
        source: git2::Error,
    },
    /// A revision that does not name a commit.
    #[error("unknown revision `{rev}`")]
    UnknownRevision {
        /// The revision as given.
        rev: String,
    },
    /// A revision name that more than one ref could mean (a tag and a
    /// remote-tracking branch both called `origin/main`).
    #[error("`{rev}` is ambiguous: it could name {}", candidates.join(", "))]
    AmbiguousRevision {
        /// The revision as given.
        rev: String,
        /// The full names of the refs (or the object) it could mean.
        candidates: Vec<String>,
    },
    /// `HEAD` (or a revision relative to it) in a repository whose current
    /// branch has no commits yet.
    #[error("`{rev}` names nothing yet: the current branch has no commits")]
    NoCommitsYet {
        /// The revision as given.
        rev: String,
    },
    /// A revision that names an object other than a commit (a tree, a
    /// blob, a tag of either).
    #[error("`{rev}` names a {kind}, not a commit")]
    NotACommit {
        /// The revision as given.
        rev: String,
        /// The kind of object it names (`blob`, `tree`).
        kind: String,
    },
    /// A range form avow does not take.
    #[error("`{spec}` is not a range avow verifies")]
    BadRange {
        /// The range as given.
        spec: String,
    },
    /// The trusted revision has no keyring or policy.
    #[error("there is no {path} at {rev}")]
    MissingTrustFile {
        /// The file.
        path: String,
        /// The trusted revision.
        rev: String,
    },
    /// The trusted revision's keyring or policy is not a regular file.
    #[error("{path} at {rev} is not a regular file (mode {mode:o}); symlinks and submodules are refused")]
    TrustFileNotRegular {
        /// The file.
        path: String,
        /// The trusted revision.
        rev: String,
        /// Its git file mode.
        mode: i32,
    },
    /// The trusted keyring or policy is not UTF-8.
    #[error("{path} at {rev} is not UTF-8 text")]
    TrustFileNotUtf8 {
        /// The file.
        path: String,
        /// The trusted revision.
        rev: String,
    },
    /// The trusted keyring does not load.
    #[error("{0}")]
    Keyring(#[source] Box<KeyringError>),
    /// The trusted policy does not load.
    #[error("{0}")]
    Policy(#[source] Box<PolicyError>),
    /// `--trust REV` is not the base and the base's keyring does not vouch
    /// for how REV's `.avow/` came to be.
    #[error("--trust {rev} is not reachable from the base {base} through trusted changes: {reason}")]
    TrustNotChained {
        /// The trusted revision as given.
        rev: String,
        /// The range's base as given.
        base: String,
        /// Which commit breaks the chain, or why the base cannot vouch.
        reason: String,
    },
    /// The policy's adoption point is not in the trusted history.
    #[error("adoption.since = {since:?} in .avow/policy.toml at {rev} resolves to {commit}, which is not in the history of {rev}; a moved tag or branch would exempt other commits")]
    AdoptionOutsideTrust {
        /// The revision as the policy names it.
        since: String,
        /// What it resolved to.
        commit: String,
        /// The trusted revision.
        rev: String,
    },
    /// The policy's adoption point names no commit this repository has
    /// (a shallow clone cut it off, or it was never fetched).
    #[error("adoption.since = {since:?} in .avow/policy.toml at {rev} names no commit in this repository{}", if *shallow { " (it is past this shallow clone's boundary)" } else { "" })]
    AdoptionUnknown {
        /// The revision as the policy names it.
        since: String,
        /// The trusted revision.
        rev: String,
        /// Whether the repository is a shallow clone.
        shallow: bool,
    },
    /// A shallow clone lacks history the walk needs.
    #[error("this is a shallow clone and commit history the range needs is missing ({detail})")]
    Shallow {
        /// What libgit2 said.
        detail: String,
    },
    /// Computing a change digest failed.
    #[error(transparent)]
    Change(#[from] change::Error),
    /// `AVOW_PACK_READER` names no reader ([`repo::pack_reader`]).
    #[error("{} is {value:?} in the environment, which names no pack reader (avow or libgit2)", repo::PACK_READER)]
    PackReader {
        /// The value as set.
        value: String,
    },
}

impl Error {
    pub(crate) fn git(context: String, source: git2::Error) -> Self {
        Error::Git { context, source }
    }

    /// A walk error, reported as a shallow-clone problem when the
    /// repository is shallow.
    pub(crate) fn walk(repo: &git2::Repository, source: git2::Error) -> Self {
        if repo.is_shallow() {
            Error::Shallow { detail: source.message().to_owned() }
        } else {
            Error::git("walking history".into(), source)
        }
    }

    /// How to fix it, when avow knows. Names in a command are quoted for a
    /// POSIX shell where they need it (a ref name may hold `;` or `$`).
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::UnknownRevision { rev } => {
                // A remote-tracking name (`origin/trunk`) names the fetch
                // that makes it: a default branch is not always `main`.
                let fetch = trust::leading_name(rev)
                    .map(|n| n.strip_prefix("refs/remotes/").unwrap_or(n))
                    .and_then(|n| n.split_once('/'))
                    .filter(|(remote, branch)| !remote.is_empty() && !branch.is_empty() && *remote != "refs")
                    .map_or_else(
                        || "git fetch origin main".to_owned(),
                        |(remote, branch)| format!("git fetch {} {}", shell_word(remote), shell_word(branch)),
                    );
                format!("check the name with `git rev-parse`; in CI, fetch the base branch first (e.g. `{fetch}`)")
            }
            Error::AmbiguousRevision { candidates, .. } => {
                // A branch is the likelier meaning than a tag someone fetched.
                let example = candidates
                    .iter()
                    .find(|c| c.starts_with("refs/remotes/") || c.starts_with("refs/heads/"))
                    .or(candidates.first())
                    .map_or("refs/heads/NAME", String::as_str);
                // The tag to delete, named: the hint runs as printed.
                let tag = candidates.iter().find_map(|c| c.strip_prefix("refs/tags/"));
                let delete = tag.map(|t| format!("; a tag you did not make can go: `git tag -d {}`", shell_word(t)));
                format!(
                    "name the one you mean in full (e.g. `{example}`) or by its full commit id (`git rev-parse {}`){}",
                    shell_word(example),
                    delete.unwrap_or_default()
                )
            }
            Error::NoCommitsYet { .. } => "make the first commit, then run this again".into(),
            Error::PackReader { .. } => format!(
                "set it to avow or libgit2, or leave the choice to avow: `unset {}`",
                repo::PACK_READER
            ),
            Error::NotACommit { .. } => "name a commit: a branch, a tag of a commit, or a commit id".into(),
            Error::BadRange { .. } => "give `BASE..TIP` or a single revision, with `--trust REV` for the latter".into(),
            Error::MissingTrustFile { .. } => {
                "run `git avow init`, commit .avow/, and verify ranges whose base contains it (or pass --trust REV)"
                    .into()
            }
            Error::TrustFileNotRegular { .. } | Error::TrustFileNotUtf8 { .. } => {
                "restore .avow/ as regular text files in a trusted commit".into()
            }
            Error::Keyring(_) | Error::Policy(_) => {
                "fix the file in a trusted commit; docs/keyring.md and docs/policy.md describe the format".into()
            }
            Error::TrustNotChained { base, .. } => format!(
                "trust a revision the base contains (the default, `--trust {base}`), or have a maintainer attest the .avow/ change"
            ),
            Error::AdoptionOutsideTrust { .. } => {
                "name the adoption commit by its full id in .avow/policy.toml (a commit a maintainer attests), and check where the tag points".into()
            }
            Error::AdoptionUnknown { shallow: true, .. } => {
                "fetch the history: `git fetch --unshallow` (GitHub Actions: `fetch-depth: 0` on actions/checkout, GitLab CI: `GIT_DEPTH: 0`)".into()
            }
            // Not shallow, the trusted revision's whole history is here: a
            // commit id missing is not in it, and only a name (a tag: `git
            // clone --no-tags`, `remote.origin.tagOpt`) can be fetched, which
            // a plain `git fetch origin` does not do for tags then.
            Error::AdoptionUnknown { since, rev, shallow: false } if looks_like_an_id(since) => format!(
                "the commit is not in the history of {rev}, so it exempts nothing there: a maintainer names a commit of that history by its full id in .avow/policy.toml"
            ),
            Error::AdoptionUnknown { since, shallow: false, .. } => format!(
                "fetch the tag it names: `git fetch origin tag {}` (a clone made with --no-tags has none), or have a maintainer name the commit by its full id in .avow/policy.toml",
                shell_word(since)
            ),
            Error::Shallow { .. } => {
                "fetch the whole range and its base: `git fetch --unshallow`, or in GitHub Actions `fetch-depth: 0`"
                    .into()
            }
            _ => return None,
        })
    }
}

/// Whether a revision is written as a commit id (at least 7 hex digits),
/// not a name: something `git fetch` can bring by name.
fn looks_like_an_id(rev: &str) -> bool {
    rev.len() >= 7 && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `s` as one word for a POSIX shell: as it is when it holds only
/// characters no shell treats specially, else single-quoted. The one
/// function every command a hint prints quotes its words with (a ref, a
/// person's name from a keyring, a path): Rust's `{:?}` gives double
/// quotes, inside which the shell still runs `$(…)` (docs/threat-model.md,
/// entry 121).
///
/// `~` is left as it is inside a word (`HEAD~1`), where no shell expands
/// it, and quoted at the start of one, or after `=` or `:` (bash expands
/// `name=~/x`, zsh `--opt=~/x`), where a shell would put a home directory
/// in its place.
pub fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_~".contains(c);
    let tilde_expands = s.starts_with('~') || s.contains("=~") || s.contains(":~");
    if !s.is_empty() && s.chars().all(plain) && !tilde_expands {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod oid_props {
    use proptest::prelude::*;

    proptest! {
        /// Exactly whole ids read, as the id they spell; any other text
        /// (an abbreviation, a stray byte, a sign) reads as none.
        #[test]
        fn only_whole_ids_read(bytes in proptest::collection::vec(any::<u8>(), 20..32), sha256 in any::<bool>(), noise in ".{0,70}") {
            let len = if sha256 { 32 } else { 20 };
            let hex = crate::cache::hex(&bytes.iter().copied().cycle().take(len).collect::<Vec<u8>>());
            let id = super::parse_whole_oid(&hex).expect("a whole id");
            prop_assert_eq!(id.to_string(), hex.clone());
            prop_assert_eq!(super::parse_whole_oid(&hex.to_ascii_uppercase()), Some(id));
            prop_assert_eq!(super::parse_whole_oid(&hex[..len * 2 - 1]), None);
            let whole = matches!(noise.len(), 40 | 64) && noise.bytes().all(|b| b.is_ascii_hexdigit());
            prop_assert_eq!(super::parse_whole_oid(&noise).is_some(), whole);
        }
    }
}

#[cfg(test)]
mod hint_tests {
    use super::Error;

    /// A ref name may hold what a shell reads as syntax; the hint's
    /// commands quote it.
    #[test]
    fn ambiguous_revision_hint_quotes_names() {
        let e = Error::AmbiguousRevision {
            rev: "x;id".into(),
            candidates: vec!["refs/tags/x;id".into(), "refs/heads/x;id".into()],
        };
        assert_eq!(
            e.hint().unwrap(),
            "name the one you mean in full (e.g. `refs/heads/x;id`) or by its full commit id \
             (`git rev-parse 'refs/heads/x;id'`); a tag you did not make can go: `git tag -d 'x;id'`"
        );
        let e = Error::AmbiguousRevision {
            rev: "abc".into(),
            candidates: vec!["refs/heads/abc".into(), "commit id abcd".into()],
        };
        assert!(!e.hint().unwrap().contains("git tag -d"), "no tag, no deletion");
    }

    /// Words a hint carries, as printed: `~` inside a word stays (the
    /// forge tests run `git avow verify HEAD~1..HEAD` as printed), and is
    /// quoted where a shell would expand it.
    #[test]
    fn shell_words_quote_only_what_a_shell_would_change() {
        use super::shell_word;
        for (word, printed) in [
            ("HEAD~1", "HEAD~1"),
            ("main~2..HEAD", "main~2..HEAD"),
            ("alice@example.org", "alice@example.org"),
            ("~/.ssh/id_ed25519", "'~/.ssh/id_ed25519'"),
            ("~", "'~'"),
            ("a=~/x", "'a=~/x'"),
            ("--key=~/k", "'--key=~/k'"),
            ("PATH:~/bin", "'PATH:~/bin'"),
            ("", "''"),
            ("Alice $(touch pwned)", "'Alice $(touch pwned)'"),
            ("O'Brien", "'O'\\''Brien'"),
        ] {
            assert_eq!(shell_word(word), printed, "{word:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 48, ..Default::default() })]
        /// What `sh` and `bash` read back from a printed word is the word,
        /// whatever it holds (tildes, `=`, quotes, `$`, spaces).
        #[test]
        fn shells_read_back_the_word(word in "[a-z~=:'\"$ ;\\\\*?!{}()@%+,./-]{0,12}") {
            let printed = super::shell_word(&word);
            for shell in ["sh", "bash"] {
                let out = std::process::Command::new(shell)
                    .args(["-c", &format!("printf %s {printed}")])
                    .env("HOME", "/nonexistent-home")
                    .output()
                    .expect("a shell");
                proptest::prop_assert_eq!(String::from_utf8_lossy(&out.stdout), word.as_str(), "{} read {}", shell, printed);
            }
        }
    }
}
