//! The contributor keyring, `.avow/keyring.toml`: who may attest commits in
//! a repository, with which SSH keys, and when each key was good.
//!
//! The format is described field by field in `docs/keyring.md`. In short:
//! a version number, then people (name, email, role), each with SSH public
//! keys (every type git's SSH signing takes but DSA) that carry optional
//! `added`, `valid-after`, `expires` and `revoked` dates.
//! The keyring converts to and from OpenSSH `allowed_signers`, so that
//! `ssh-keygen -Y verify -n avow-attestation@v1` can check an attestation
//! too.
//!
//! ```
//! use std::path::Path;
//! use avow_policy::keyring::{KeyStatus, Keyring, Role};
//!
//! let text = r#"
//! version = 1
//!
//! [[person]]
//! name = "Alice Example"
//! email = "alice@example.org"
//! role = "maintainer"
//!
//! [[person.key]]
//! key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAATe3tswxR6uiQ3R8FN5ds32RSsJyXQgnBgkG7O7ytl alice@laptop"
//! added = "2026-01-10"
//! expires = "2027-01-10"
//! "#;
//! let keyring = Keyring::parse(text, Path::new(".avow/keyring.toml")).unwrap();
//! let (person, key) = keyring
//!     .find_by_fingerprint("SHA256:OFfa1gXCYHfEpqnvHi7vVj7vRi3NEVv47EO8Y3yIF34")
//!     .unwrap();
//! assert_eq!(person.role, Role::Maintainer);
//! let signed_at = "2026-03-01T12:00:00Z".parse().unwrap();
//! assert_eq!(key.status_at(signed_at), KeyStatus::Valid);
//! // `added` records when; it is no lower bound (work signed before verifies).
//! assert_eq!(key.status_at("2025-12-24T08:00:00Z".parse().unwrap()), KeyStatus::Valid);
//! // `expires` given as a date is the last day, through 23:59:59 UTC.
//! assert_eq!(key.status_at("2027-01-10T23:59:59Z".parse().unwrap()), KeyStatus::Valid);
//! assert!(!key.status_at("2027-01-11T00:00:00Z".parse().unwrap()).is_valid());
//! assert_eq!(Keyring::parse(&keyring.to_toml(), Path::new("x")).unwrap(), keyring);
//! ```

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta, TimeZone, Timelike, Utc};
use serde::Deserialize;
use ssh_key::{Algorithm, HashAlg, PublicKey};
use toml::Spanned;

use crate::diagnostics::{line_of, locate, one_line, Invalid, Shape};

mod allowed_signers;
mod edit;
mod error;
mod parse;
pub mod rsa;
#[cfg(test)]
mod tests;
mod values;
mod write;

pub use self::error::*;
pub use self::values::*;
pub use crate::KEYRING_PATH;

/// The keyring format version this code reads and writes.
pub const KEYRING_VERSION: i64 = 1;

/// The SSHSIG namespace of attestations; exported allowed-signers entries
/// are restricted to it.
pub use avow_core::payload::NAMESPACE;

/// The key types avow accepts, as OpenSSH names them: every type git's SSH
/// signing takes but DSA. RSA keys from [`RSA_MIN_BITS`] to
/// [`RSA_MAX_BITS`] bits.
pub use avow_core::key_types::{KEY_TYPES as ACCEPTED_KEY_TYPES, RSA_MAX_BITS, RSA_MIN_BITS};

const HEADER: &str = "\
# avow keyring: who may attest commits in this repository. See docs/keyring.md.
# Times are RFC 3339, UTC. `added` is a record; a key signs up to `expires`
# (inclusive), from `valid-after` if set; a revoked key signs nothing valid.
";

// ---------------------------------------------------------------------------
// Model

/// What a person may do in the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// May attest any commit, including changes to `.avow/`.
    Maintainer,
    /// May attest commits; changes to `.avow/` need a maintainer.
    Contributor,
}

impl Role {
    /// The name used in the keyring file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Maintainer => "maintainer",
            Role::Contributor => "contributor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`Role::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a role (use \"maintainer\" or \"contributor\")")]
pub struct RoleError(pub String);

impl FromStr for Role {
    type Err = RoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "maintainer" => Ok(Role::Maintainer),
            "contributor" => Ok(Role::Contributor),
            other => Err(RoleError(other.to_owned())),
        }
    }
}

/// Why and when a key was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// When the key was revoked. Informational: a revoked key is refused for
    /// signatures made at any time, before this date too.
    pub at: DateTime<Utc>,
    /// Why (empty when the keyring gives no reason).
    pub reason: String,
}

/// One SSH public key of a person, with its validity window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The public key (one of [`ACCEPTED_KEY_TYPES`]).
    pub public: PublicKey,
    /// The SHA-256 fingerprint as `ssh-keygen -l` prints it: `SHA256:…`.
    pub fingerprint: String,
    /// The comment of the OpenSSH key line (often `user@host`), possibly empty.
    pub comment: String,
    /// When the key was added to the keyring. A record only, no bound:
    /// what the key signed before (the work a contributor did before asking
    /// to be added) verifies once the key is trusted.
    pub added: Option<DateTime<Utc>>,
    /// First instant the key is good for, set only deliberately (`keyring
    /// add --valid-after`, an imported `valid-after`); `None` = always was.
    pub valid_after: Option<DateTime<Utc>>,
    /// Last instant the key is good for (inclusive, like OpenSSH's
    /// `valid-before`); `None` = no expiry.
    pub expires: Option<DateTime<Utc>>,
    /// Set when the key is revoked.
    pub revoked: Option<Revocation>,
    /// Fingerprint of the key this one replaced (rotation).
    pub succeeds: Option<String>,
}

/// Whether a key was good for a signature made at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// Good.
    Valid,
    /// The signature predates the key's `valid-after` time.
    NotYetValid {
        /// The key's `valid-after` time.
        valid_after: DateTime<Utc>,
    },
    /// The signature was made after the key's `expires` date.
    Expired {
        /// The key's `expires` date.
        at: DateTime<Utc>,
    },
    /// The key is revoked (whatever the signing time).
    Revoked {
        /// When it was revoked.
        at: DateTime<Utc>,
        /// Why (possibly empty).
        reason: String,
    },
}

impl KeyStatus {
    /// `true` for [`KeyStatus::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, KeyStatus::Valid)
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyStatus::Valid => f.write_str("valid"),
            KeyStatus::NotYetValid { valid_after } => {
                write!(f, "not yet valid (valid after {})", format_date(*valid_after))
            }
            KeyStatus::Expired { at } => write!(f, "expired on {}", format_date(*at)),
            KeyStatus::Revoked { at, reason } if reason.is_empty() => write!(f, "revoked on {}", format_date(*at)),
            KeyStatus::Revoked { at, reason } => write!(f, "revoked on {}: {reason}", format_date(*at)),
        }
    }
}

impl Key {
    /// Builds a key from an OpenSSH public key line (`keytype base64
    /// [comment]`), refusing key types other than [`ACCEPTED_KEY_TYPES`] and
    /// RSA keys outside [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`].
    pub fn from_openssh(line: &str) -> Result<Key, KeyringError> {
        let public =
            parse_public_key(line).map_err(|p| KeyringError::BadKey { kind: p.kind(), message: p.to_string() })?;
        Ok(Key::new(public))
    }

    fn new(public: PublicKey) -> Key {
        Key {
            fingerprint: fingerprint(&public),
            comment: public.comment().to_owned(),
            public,
            added: None,
            valid_after: None,
            expires: None,
            revoked: None,
            succeeds: None,
        }
    }

    /// The status of the key for a signature made at `signed_at`.
    ///
    /// Revocation wins over everything: a revoked key is
    /// [`KeyStatus::Revoked`] for any signing time, also one before the
    /// revocation date, because the signing time is written by whoever holds
    /// the key, and a thief can backdate. Otherwise `valid-after` (when set)
    /// and `expires` bound the window, both inclusive (as OpenSSH's
    /// `valid-after` and `valid-before`). `added` is no bound, for the same
    /// reason: the signing time is the signer's own claim, so refusing work
    /// "signed before the key was added" stops nobody who could backdate,
    /// and refuses the honest order (do the work, then ask to be added).
    pub fn status_at(&self, signed_at: DateTime<Utc>) -> KeyStatus {
        if let Some(r) = &self.revoked {
            return KeyStatus::Revoked { at: r.at, reason: r.reason.clone() };
        }
        if let Some(valid_after) = self.valid_after {
            if signed_at < valid_after {
                return KeyStatus::NotYetValid { valid_after };
            }
        }
        if let Some(at) = self.expires {
            if signed_at > at {
                return KeyStatus::Expired { at };
            }
        }
        KeyStatus::Valid
    }

    /// The OpenSSH public key line (`keytype base64 [comment]`) with this
    /// key's comment.
    pub fn openssh_line(&self) -> String {
        let mut line = key_without_comment(&self.public);
        if !self.comment.is_empty() {
            line.push(' ');
            line.push_str(&self.comment);
        }
        line
    }
}

/// A person in the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Display name, as in `Understood-by: Name <email>`.
    pub name: String,
    /// Email address: the identity attestations name and that the exported
    /// allowed-signers file lists as principal.
    pub email: String,
    /// What the person may do.
    pub role: Role,
    /// The person's keys, current and past.
    pub keys: Vec<Key>,
}

/// The parsed keyring.
///
/// Lookups by key use an index built by [`Keyring::new`] and
/// [`Keyring::parse`] and kept up to date by the methods that change the
/// keyring; the people are private so that nothing else can change them
/// behind the index's back ([`Keyring::people`] reads them). Lookups stay
/// correct even with a stale index (they check every hit and fall back to a
/// scan), only slower.
#[derive(Clone, Default)]
pub struct Keyring {
    /// The people, in file order.
    people: Vec<Person>,
    /// Fingerprint → (person index, key index).
    index: HashMap<String, (usize, usize)>,
}

impl PartialEq for Keyring {
    fn eq(&self, other: &Self) -> bool {
        self.people == other.people
    }
}

impl Eq for Keyring {}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("people", &self.people).finish_non_exhaustive()
    }
}

/// A key for [`Keyring::add`], and its person.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewKey<'a> {
    /// The OpenSSH public key line.
    pub key: &'a str,
    /// The person's email.
    pub email: &'a str,
    /// The person's name: required for a new person; for an existing one,
    /// `None` or their name.
    pub name: Option<&'a str>,
    /// The role: for a new person (default contributor); for an existing
    /// one, `None` or their role.
    pub role: Option<Role>,
    /// When the key is added (recorded, no bound).
    pub added: Option<DateTime<Utc>>,
    /// An explicit first instant the key may sign.
    pub valid_after: Option<DateTime<Utc>>,
    /// The last instant the key may sign (inclusive).
    pub expires: Option<DateTime<Utc>>,
}

/// One entry of an OpenSSH `allowed_signers` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedSigner {
    /// The principals (comma-separated in the file; OpenSSH treats them as
    /// patterns).
    pub principals: Vec<String>,
    /// `namespaces="…"`, split on commas; `None` = every namespace.
    pub namespaces: Option<Vec<String>>,
    /// `valid-after="…"`.
    pub valid_after: Option<DateTime<Utc>>,
    /// `valid-before="…"`.
    pub valid_before: Option<DateTime<Utc>>,
    /// `cert-authority`: the key is a CA that signs user certificates.
    pub cert_authority: bool,
    /// The public key, with the line's trailing comment as its comment.
    pub key: PublicKey,
    /// The 1-based line number in the file.
    pub line: usize,
}

impl Keyring {
    /// A keyring of these people, indexed. It is not validated: use
    /// [`Keyring::parse`] for untrusted input.
    pub fn new(people: Vec<Person>) -> Keyring {
        let mut keyring = Keyring { people, index: HashMap::new() };
        keyring.reindex();
        keyring
    }

    /// The people, in file order.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// Rebuilds the lookup index after the people were edited directly.
    fn reindex(&mut self) {
        self.index.clear();
        for (p, person) in self.people.iter().enumerate() {
            for (k, key) in person.keys.iter().enumerate() {
                self.index.entry(key.fingerprint.clone()).or_insert((p, k));
            }
        }
    }

    /// Every (person, key) pair, in file order.
    pub fn keys(&self) -> impl Iterator<Item = (&Person, &Key)> {
        self.people.iter().flat_map(|p| p.keys.iter().map(move |k| (p, k)))
    }

    fn position(&self, fpr: &str) -> Option<(usize, usize)> {
        let indexed = self.index.get(fpr).copied().filter(|&(p, k)| {
            self.people.get(p).and_then(|person| person.keys.get(k)).is_some_and(|key| key.fingerprint == fpr)
        });
        indexed.or_else(|| {
            self.people
                .iter()
                .enumerate()
                .find_map(|(p, person)| person.keys.iter().position(|key| key.fingerprint == fpr).map(|k| (p, k)))
        })
    }

    /// The key with this fingerprint (`SHA256:…`; the prefix may be left
    /// out) and its owner.
    pub fn find_by_fingerprint(&self, fpr: &str) -> Option<(&Person, &Key)> {
        let (p, k) = self.position(&normalize_fingerprint(fpr))?;
        Some((&self.people[p], &self.people[p].keys[k]))
    }

    /// The keyring entry of this public key (its comment is ignored) and its
    /// owner. Constant time for an indexed keyring.
    pub fn find_by_key(&self, key: &PublicKey) -> Option<(&Person, &Key)> {
        self.find_by_fingerprint(&fingerprint(key)).filter(|(_, found)| found.public.key_data() == key.key_data())
    }

    /// The person with this email, compared ASCII case-insensitively (git
    /// and OpenSSH do not fold other characters either).
    pub fn find_person_by_email(&self, email: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.email.eq_ignore_ascii_case(email))
    }

    fn person_index(&self, email: &str) -> Option<usize> {
        self.people.iter().position(|p| p.email.eq_ignore_ascii_case(email))
    }
}
