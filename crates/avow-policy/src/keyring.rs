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
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta, TimeZone, Timelike, Utc};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use ssh_key::{Algorithm, HashAlg, PublicKey};
use toml::Spanned;

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
/// Lookups by key use an index built by [`Keyring::parse`] and kept up to
/// date by the methods that change the keyring. Code that edits
/// [`Keyring::people`] directly should call [`Keyring::reindex`] afterwards;
/// lookups stay correct without it (they check every hit and fall back to a
/// scan), only slower.
#[derive(Clone, Default)]
pub struct Keyring {
    /// The people, in file order.
    pub people: Vec<Person>,
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

// ---------------------------------------------------------------------------
// Errors

/// What is wrong with a keyring or `allowed_signers` file (for callers that
/// need more than the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidKind {
    /// Not TOML.
    Syntax,
    /// A field the format does not have.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A field has the wrong TOML type.
    WrongType,
    /// A `version` this code does not read.
    Version,
    /// A role other than `maintainer` or `contributor`.
    Role,
    /// Not an OpenSSH public key.
    Key,
    /// A public key of a type avow does not accept (RSA, ECDSA, …).
    KeyType,
    /// Not a date.
    Date,
    /// The same key twice.
    DuplicateKey,
    /// The same email for two people.
    DuplicateEmail,
    /// Any other bad value (empty name, malformed email or fingerprint, …).
    Value,
    /// A malformed or unsupported `allowed_signers` option.
    Option,
}

/// Errors of this module. Each prints as one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// The keyring file could not be read.
    #[error("{}: cannot read the keyring ({source}); run `git avow init` to create it", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A keyring or `allowed_signers` file is invalid.
    #[error("{}", format_invalid(path, *line, field, message))]
    Invalid {
        /// The file, as given to the parser.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The field, like `person[1].key[0].expires` (empty when the error
        /// is not inside a field, e.g. a broken table header).
        field: String,
        /// What kind of problem.
        kind: InvalidKind,
        /// What is wrong, without the location.
        message: String,
    },
    /// A public key given to [`Keyring::add`] or [`Keyring::rotate`] is
    /// refused.
    #[error("{message}")]
    BadKey {
        /// [`InvalidKind::Key`] or [`InvalidKind::KeyType`].
        kind: InvalidKind,
        /// What is wrong.
        message: String,
    },
    /// A value given to a keyring operation is refused.
    #[error("{field}: {message}")]
    BadValue {
        /// The argument (`name`, `email`, `expires`, `reason`).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The key is already in the keyring.
    #[error("key {fingerprint} is already in the keyring (for {email})")]
    DuplicateKey {
        /// Its fingerprint.
        fingerprint: String,
        /// The person who has it.
        email: String,
    },
    /// No key with this fingerprint.
    #[error("no key {fingerprint} in the keyring; `git avow keyring list` shows the fingerprints")]
    UnknownKey {
        /// The fingerprint asked for.
        fingerprint: String,
    },
    /// Several keys start with the fingerprint prefix given.
    #[error("{prefix:?} names {} keys ({}); give more of the fingerprint", matches.len(), matches.join(", "))]
    AmbiguousKey {
        /// The prefix asked for.
        prefix: String,
        /// The fingerprints it matches.
        matches: Vec<String>,
    },
    /// `add` for an email the keyring has, with another name or role.
    #[error(
        "{email} is already in the keyring as {name:?} ({role}){}{}; a key is added to the person as they are",
        given_name.as_ref().map(|n| format!(", not {n:?}")).unwrap_or_default(),
        given_role.map(|r| format!(", not {r}")).unwrap_or_default()
    )]
    PersonDiffers {
        /// The person's email.
        email: String,
        /// Their name in the keyring.
        name: String,
        /// Their role in the keyring.
        role: Role,
        /// The other name given, if any.
        given_name: Option<String>,
        /// The other role given, if any.
        given_role: Option<Role>,
    },
    /// The key is already revoked.
    #[error("key {fingerprint} is already revoked (on {})", format_date(*at))]
    AlreadyRevoked {
        /// Its fingerprint.
        fingerprint: String,
        /// The recorded revocation date.
        at: DateTime<Utc>,
    },
    /// An `allowed_signers` entry cannot be imported.
    #[error("allowed_signers line {line}: {message}")]
    Import {
        /// The entry's line.
        line: usize,
        /// Why.
        message: String,
    },
}

impl KeyringError {
    /// The 1-based line of an [`KeyringError::Invalid`] or
    /// [`KeyringError::Import`] error.
    pub fn line(&self) -> Option<usize> {
        match self {
            KeyringError::Invalid { line, .. } | KeyringError::Import { line, .. } => Some(*line),
            _ => None,
        }
    }
}

fn format_invalid(path: &Path, line: usize, field: &str, message: &str) -> String {
    if field.is_empty() {
        format!("{}:{line}: {message}", path.display())
    } else {
        format!("{}:{line}: {field}: {message}", path.display())
    }
}

/// Builds [`KeyringError::Invalid`] errors for one file.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    fn error(
        &self,
        offset: usize,
        field: impl Into<String>,
        kind: InvalidKind,
        message: impl Into<String>,
    ) -> KeyringError {
        self.error_at_line(line_at(self.text, offset), field, kind, message)
    }

    fn error_at_line(
        &self,
        line: usize,
        field: impl Into<String>,
        kind: InvalidKind,
        message: impl Into<String>,
    ) -> KeyringError {
        let message: String = message.into();
        KeyringError::Invalid {
            path: self.path.to_path_buf(),
            line,
            field: field.into(),
            kind,
            message: one_line(&message),
        }
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].split(|&b| b == b'\n').count()
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

// ---------------------------------------------------------------------------
// Keys, dates, names

/// Why a public key line is refused.
enum KeyProblem {
    ControlCharacter,
    Unsupported(String),
    RsaSize(usize),
    Malformed { excerpt: String, detail: String },
}

impl KeyProblem {
    fn kind(&self) -> InvalidKind {
        match self {
            KeyProblem::Unsupported(_) | KeyProblem::RsaSize(_) => InvalidKind::KeyType,
            _ => InvalidKind::Key,
        }
    }
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::ControlCharacter => f.write_str("a public key must be one line without control characters"),
            KeyProblem::Unsupported(kind) => write!(
                f,
                "{kind} keys are not accepted: avow accepts ed25519, ECDSA (nistp256, nistp384, nistp521), their security-key (sk-) forms and RSA keys of {RSA_MIN_BITS} to {RSA_MAX_BITS} bits"
            ),
            KeyProblem::RsaSize(bits) => write!(
                f,
                "an RSA key of {bits} bits is not accepted: RSA keys must have {RSA_MIN_BITS} to {RSA_MAX_BITS} bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"
            ),
            KeyProblem::Malformed { excerpt, detail } => {
                write!(f, "{excerpt:?} is not an OpenSSH public key (expected \"ssh-ed25519 AAAA… comment\"): {detail}")
            }
        }
    }
}

fn is_accepted(algorithm: &Algorithm) -> bool {
    ACCEPTED_KEY_TYPES.contains(&algorithm.as_str())
}

/// The modulus size of an RSA key in bits (`None` for other keys).
pub fn rsa_bits(key: &PublicKey) -> Option<usize> {
    let ssh_key::public::KeyData::Rsa(rsa) = key.key_data() else { return None };
    Some(avow_core::key_types::bit_length(rsa.n.as_positive_bytes().unwrap_or_default()))
}

/// A key of an accepted type, and for RSA of an accepted size.
fn check_accepted(key: &PublicKey) -> Result<(), KeyProblem> {
    if !is_accepted(&key.algorithm()) {
        return Err(KeyProblem::Unsupported(key.algorithm().as_str().to_owned()));
    }
    match rsa_bits(key) {
        Some(bits) if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) => Err(KeyProblem::RsaSize(bits)),
        _ => Ok(()),
    }
}

/// Parses `keytype base64 [comment]`, accepting only [`ACCEPTED_KEY_TYPES`].
fn parse_public_key(line: &str) -> Result<PublicKey, KeyProblem> {
    let line = line.trim();
    if line.chars().any(char::is_control) {
        return Err(KeyProblem::ControlCharacter);
    }
    let mut parts = line.splitn(3, ' ').filter(|p| !p.is_empty());
    let kind = parts.next().unwrap_or("");
    let parsed = PublicKey::from_openssh(line);
    match parsed {
        Ok(key) => check_accepted(&key).map(|()| key),
        Err(_) if !ACCEPTED_KEY_TYPES.contains(&kind) && looks_like_key_type(kind) => {
            Err(KeyProblem::Unsupported(kind.to_owned()))
        }
        Err(e) => Err(KeyProblem::Malformed { excerpt: excerpt(line), detail: e.to_string() }),
    }
}

fn looks_like_key_type(s: &str) -> bool {
    ["ssh-", "ecdsa-", "sk-", "rsa-"].iter().any(|p| s.starts_with(p))
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "-@.".contains(c))
}

fn excerpt(s: &str) -> String {
    const MAX: usize = 32;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

fn key_without_comment(key: &PublicKey) -> String {
    let mut bare = key.clone();
    bare.set_comment("");
    // Encoding an ed25519 key we decoded ourselves cannot fail; fall back to
    // the algorithm name rather than panic.
    bare.to_openssh().unwrap_or_else(|_| key.algorithm().as_str().to_owned())
}

fn normalize_fingerprint(fpr: &str) -> String {
    let fpr = fpr.trim();
    if fpr.starts_with("SHA256:") {
        fpr.to_owned()
    } else {
        format!("SHA256:{fpr}")
    }
}

fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("SHA256:")
        .is_some_and(|b| b.len() == 43 && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/'))
}

/// `YYYY-MM-DD` (UTC midnight) or an RFC 3339 date-time.
fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if is_day(s) {
        parse_day(s).map(|d| d.and_time(NaiveTime::MIN).and_utc())
    } else {
        DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
    }
}

/// Whether `s` has the shape `YYYY-MM-DD` (digits aside).
fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

/// A `YYYY-MM-DD` date, digits only.
fn parse_day(s: &str) -> Option<NaiveDate> {
    let digits = s.bytes().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    digits.then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten()
}

/// An `expires` value: a date alone is the last day the key signs, so it
/// means 23:59:59 UTC of that day (inclusive, whole seconds as the signing
/// time and OpenSSH's `valid-before`); a date-time is that instant.
pub fn parse_expiry(s: &str) -> Option<DateTime<Utc>> {
    if is_day(s) {
        parse_day(s).and_then(|d| d.and_hms_opt(23, 59, 59)).map(|t| t.and_utc())
    } else {
        DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
    }
}

/// How avow writes every time in the keyring: RFC 3339 in UTC, whole
/// seconds (`2026-01-10T00:00:00Z`). Sub-second parts, which only a
/// hand-written file can carry, are kept.
pub fn format_date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn date_error_message(shown: &str) -> String {
    if shown.contains(['T', 't', ' ', ':']) {
        format!("{shown:?} is not a date (use YYYY-MM-DD or an RFC 3339 date-time with a time zone, like 2026-01-10T12:00:00Z)")
    } else {
        format!("{shown:?} is not a date (use YYYY-MM-DD)")
    }
}

/// Checks a display name: one line, not empty, no angle brackets.
fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("a name must not be empty".to_owned())
    } else if name.chars().any(|c| c.is_control() || c == '<' || c == '>') {
        Err(format!("{name:?} is not a usable name (one line, no angle brackets)"))
    } else {
        Ok(())
    }
}

/// Checks an email: one `@`-address without characters that would change
/// its meaning in `Name <email>` or in an `allowed_signers` principal list
/// (where `*`, `?` and a leading `!` are patterns).
fn check_email(email: &str) -> Result<(), String> {
    let bad = email.is_empty()
        || !email.contains('@')
        || email.starts_with('!')
        || email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\",*?".contains(c));
    if bad {
        Err(format!(
            "{email:?} is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)"
        ))
    } else {
        Ok(())
    }
}

fn check_reason(reason: &str) -> Result<(), String> {
    if reason.chars().any(char::is_control) {
        Err("a revocation reason must be one line".to_owned())
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The TOML file

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeyring {
    version: Spanned<i64>,
    #[serde(default)]
    person: Vec<Spanned<RawPerson>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerson {
    name: Spanned<String>,
    email: Spanned<String>,
    role: Spanned<String>,
    #[serde(default)]
    key: Vec<Spanned<RawKey>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawKey {
    key: Spanned<String>,
    added: Option<Spanned<toml::Value>>,
    valid_after: Option<Spanned<toml::Value>>,
    expires: Option<Spanned<toml::Value>>,
    revoked: Option<Spanned<toml::Value>>,
    revoked_reason: Option<Spanned<String>>,
    succeeds: Option<Spanned<String>>,
}

/// Only the version, to report "unsupported version" rather than the
/// unknown fields of a newer format.
#[derive(Deserialize)]
struct RawVersion {
    version: Spanned<i64>,
}

impl Source<'_> {
    fn version(&self, version: &Spanned<i64>) -> Result<(), KeyringError> {
        let v = *version.get_ref();
        if v == KEYRING_VERSION {
            Ok(())
        } else {
            Err(self.error(
                version.span().start,
                "version",
                InvalidKind::Version,
                format!("unsupported keyring version {v} (this avow reads version {KEYRING_VERSION}; a newer avow may read it)"),
            ))
        }
    }

    fn date(&self, value: &Spanned<toml::Value>, field: &str) -> Result<DateTime<Utc>, KeyringError> {
        self.time(value, field, parse_date)
    }

    /// Like [`Source::date`], with a date alone meaning the end of that day.
    fn expiry(&self, value: &Spanned<toml::Value>, field: &str) -> Result<DateTime<Utc>, KeyringError> {
        self.time(value, field, parse_expiry)
    }

    fn time(
        &self,
        value: &Spanned<toml::Value>,
        field: &str,
        parse: fn(&str) -> Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>, KeyringError> {
        let at = value.span().start;
        match value.get_ref() {
            toml::Value::String(s) => {
                parse(s).ok_or_else(|| self.error(at, field, InvalidKind::Date, date_error_message(s)))
            }
            toml::Value::Datetime(d) => {
                let s = d.to_string();
                parse(&s).ok_or_else(|| self.error(at, field, InvalidKind::Date, date_error_message(&s)))
            }
            other => Err(self.error(
                at,
                field,
                InvalidKind::WrongType,
                format!("invalid type: {}, expected a date like \"2026-01-10\"", other.type_str()),
            )),
        }
    }

    /// Turns a toml error into a located one-line error.
    fn toml_error(&self, e: &toml::de::Error) -> KeyringError {
        if let Ok(raw) = toml::from_str::<RawVersion>(self.text) {
            if let Err(version_error) = self.version(&raw.version) {
                return version_error;
            }
        }
        let span = e.span().unwrap_or(0..0);
        let line = line_at(self.text, span.start);
        let message = one_line(e.message());
        let Ok(shape) = toml::from_str::<Shape>(self.text) else {
            return self.error_at_line(line, guess_field(self.text, line), InvalidKind::Syntax, message);
        };
        let named = |prefix: &str| -> Option<String> {
            let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
            Some(rest[..rest.find('`')?].to_owned())
        };
        let join =
            |table: String, name: &str| if table.is_empty() { name.to_owned() } else { format!("{table}.{name}") };
        if let Some(name) = named("unknown field ") {
            let table = locate(&shape, &span, &|table, _| table);
            let expected = message.split_once(", ").map(|(_, rest)| rest).filter(|r| r.starts_with("expected"));
            let text = match expected {
                Some(expected) => format!("unknown field ({expected})"),
                None => "unknown field".to_owned(),
            };
            return self.error_at_line(line, join(table, &name), InvalidKind::UnknownField, text);
        }
        if let Some(name) = named("missing field ") {
            // Spans alone are ambiguous here (a `[[person]]` table at the
            // top of the file spans as much as the root), so pick the table
            // by what the missing field belongs to.
            let table = match name.as_str() {
                "version" => String::new(),
                "key" => locate(&shape, &span, &|table, path| table && path.ends_with(']') && path.contains(".key[")),
                "name" | "email" | "role" => {
                    locate(&shape, &span, &|table, path| table && path.starts_with("person[") && !path.contains('.'))
                }
                _ => locate(&shape, &span, &|table, _| table),
            };
            return self.error_at_line(line, join(table, &name), InvalidKind::MissingField, "required field missing");
        }
        let kind = if message.starts_with("invalid type") { InvalidKind::WrongType } else { InvalidKind::Value };
        self.error_at_line(line, locate(&shape, &span, &|_, _| true), kind, message)
    }

    fn person(
        &self,
        i: usize,
        raw: &RawPerson,
        emails: &mut HashMap<String, (usize, usize)>,
        seen: &mut HashMap<String, (String, usize)>,
    ) -> Result<Person, KeyringError> {
        let at = format!("person[{i}]");
        check_name(raw.name.get_ref())
            .map_err(|m| self.error(raw.name.span().start, format!("{at}.name"), InvalidKind::Value, m))?;
        let email = raw.email.get_ref();
        let email_at = raw.email.span().start;
        check_email(email).map_err(|m| self.error(email_at, format!("{at}.email"), InvalidKind::Value, m))?;
        if let Some((other, line)) = emails.get(&email.to_ascii_lowercase()) {
            return Err(self.error(
                email_at,
                format!("{at}.email"),
                InvalidKind::DuplicateEmail,
                format!("{email:?} is already used by person[{other}] (line {line})"),
            ));
        }
        emails.insert(email.to_ascii_lowercase(), (i, line_at(self.text, email_at)));
        let role =
            raw.role.get_ref().parse::<Role>().map_err(|e| {
                self.error(raw.role.span().start, format!("{at}.role"), InvalidKind::Role, e.to_string())
            })?;
        let mut keys = Vec::with_capacity(raw.key.len());
        for (j, key) in raw.key.iter().enumerate() {
            keys.push(self.key(&format!("{at}.key[{j}]"), key.get_ref(), seen)?);
        }
        Ok(Person { name: raw.name.get_ref().clone(), email: email.clone(), role, keys })
    }

    fn key(&self, at: &str, raw: &RawKey, seen: &mut HashMap<String, (String, usize)>) -> Result<Key, KeyringError> {
        let key_at = raw.key.span().start;
        let public = parse_public_key(raw.key.get_ref())
            .map_err(|p| self.error(key_at, format!("{at}.key"), p.kind(), p.to_string()))?;
        let mut key = Key::new(public);
        if let Some((other, line)) = seen.get(&key.fingerprint) {
            return Err(self.error(
                key_at,
                format!("{at}.key"),
                InvalidKind::DuplicateKey,
                format!("key {} is already listed at {other} (line {line})", key.fingerprint),
            ));
        }
        seen.insert(key.fingerprint.clone(), (at.to_owned(), line_at(self.text, key_at)));
        key.added = raw.added.as_ref().map(|v| self.date(v, &format!("{at}.added"))).transpose()?;
        key.valid_after = raw.valid_after.as_ref().map(|v| self.date(v, &format!("{at}.valid-after"))).transpose()?;
        key.expires = raw.expires.as_ref().map(|v| self.expiry(v, &format!("{at}.expires"))).transpose()?;
        if let (Some(after), Some(expires), Some(raw_expires)) = (key.valid_after, key.expires, &raw.expires) {
            if expires < after {
                return Err(self.error(
                    raw_expires.span().start,
                    format!("{at}.expires"),
                    InvalidKind::Date,
                    format!(
                        "{} is before valid-after ({}): the key could never sign",
                        format_date(expires),
                        format_date(after)
                    ),
                ));
            }
        }
        let revoked_at = raw.revoked.as_ref().map(|v| self.date(v, &format!("{at}.revoked"))).transpose()?;
        let reason = match &raw.revoked_reason {
            Some(r) => {
                let field = format!("{at}.revoked-reason");
                check_reason(r.get_ref()).map_err(|m| self.error(r.span().start, &field, InvalidKind::Value, m))?;
                if revoked_at.is_none() {
                    return Err(self.error(
                        r.span().start,
                        field,
                        InvalidKind::Value,
                        "revoked-reason without a revoked date (add revoked = \"YYYY-MM-DD\")",
                    ));
                }
                r.get_ref().clone()
            }
            None => String::new(),
        };
        key.revoked = revoked_at.map(|at| Revocation { at, reason });
        if let Some(s) = &raw.succeeds {
            let field = format!("{at}.succeeds");
            let fpr = s.get_ref();
            if !is_fingerprint(fpr) {
                return Err(self.error(
                    s.span().start,
                    field,
                    InvalidKind::Value,
                    format!("{fpr:?} is not a key fingerprint (use SHA256:… as `ssh-keygen -l` prints it)"),
                ));
            }
            if *fpr == key.fingerprint {
                return Err(self.error(s.span().start, field, InvalidKind::Value, "a key cannot succeed itself"));
            }
            key.succeeds = Some(fpr.clone());
        }
        Ok(key)
    }
}

/// Just enough of a TOML document's structure to name the field at a byte
/// offset (used only to locate errors toml reports).
enum Shape {
    Leaf,
    Array(Vec<Spanned<Shape>>),
    Table(Vec<(String, Spanned<Shape>)>),
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

/// The key under which toml hands a datetime to `visit_map`.
const TOML_DATETIME_FIELD: &str = "$__toml_private_datetime";

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any TOML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Shape>>()? {
            items.push(item);
        }
        Ok(Shape::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == TOML_DATETIME_FIELD {
                map.next_value::<IgnoredAny>()?;
                return Ok(Shape::Leaf);
            }
            let value = map.next_value::<Spanned<Shape>>()?;
            entries.push((key, value));
        }
        Ok(Shape::Table(entries))
    }
}

/// The path (`person[1].key[0].expires`) of the smallest value whose span
/// contains `span`, among those `accept(is_table, path)` takes; empty for
/// the root.
fn locate(root: &Shape, span: &Range<usize>, accept: &dyn Fn(bool, &str) -> bool) -> String {
    fn walk(
        shape: &Shape,
        path: &str,
        span: &Range<usize>,
        accept: &dyn Fn(bool, &str) -> bool,
        best: &mut Option<(usize, String)>,
    ) {
        let mut visit = |child: &Spanned<Shape>, child_path: String| {
            let s = child.span();
            let is_table = matches!(child.get_ref(), Shape::Table(_));
            if s.start <= span.start && span.end <= s.end.max(s.start + 1) && accept(is_table, &child_path) {
                let len = s.end - s.start;
                if best.as_ref().is_none_or(|(l, _)| len <= *l) {
                    *best = Some((len, child_path.clone()));
                }
            }
            walk(child.get_ref(), &child_path, span, accept, best);
        };
        match shape {
            Shape::Leaf => {}
            Shape::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    visit(item, format!("{path}[{i}]"));
                }
            }
            Shape::Table(entries) => {
                for (key, value) in entries {
                    visit(value, if path.is_empty() { key.clone() } else { format!("{path}.{key}") });
                }
            }
        }
    }
    let mut best = None;
    walk(root, "", span, accept, &mut best);
    best.map(|(_, path)| path).unwrap_or_default()
}

/// For syntax errors (no structure to walk): the field on `line`, judged
/// from the table headers above it and the key at its start.
fn guess_field(text: &str, line: usize) -> String {
    let mut context = String::new();
    let (mut person, mut key) = (None::<usize>, None::<usize>);
    for (n, l) in text.lines().enumerate().take(line) {
        let l = l.trim();
        if let Some(header) = l.strip_prefix('[') {
            let array = header.starts_with('[');
            let name: String = header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            context = match (array, name.as_str()) {
                (true, "person") => {
                    person = Some(person.map_or(0, |p| p + 1));
                    key = None;
                    format!("person[{}]", person.unwrap_or(0))
                }
                (true, "person.key") => {
                    key = Some(key.map_or(0, |k| k + 1));
                    format!("person[{}].key[{}]", person.unwrap_or(0), key.unwrap_or(0))
                }
                _ => name,
            };
        } else if n + 1 == line {
            let name: String = l.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            if !name.is_empty() && l[name.len()..].trim_start().starts_with('=') {
                return if context.is_empty() { name } else { format!("{context}.{name}") };
            }
        }
    }
    context
}

fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => _ = write!(out, "\\u{:04X}", u32::from(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// allowed_signers

/// `parse_absolute_time` of OpenSSH: `YYYYMMDD`, `YYYYMMDDHHMM` or
/// `YYYYMMDDHHMMSS`, UTC with a `Z` (or `UTC`) suffix, local time without.
fn parse_ssh_time(s: &str) -> Option<DateTime<Utc>> {
    let upper = s.to_ascii_uppercase();
    let (digits, utc) = if let Some(d) = upper.strip_suffix("UTC").filter(|d| !d.is_empty()) {
        (d, true)
    } else if let Some(d) = upper.strip_suffix('Z').filter(|d| !d.is_empty()) {
        (d, true)
    } else {
        (upper.as_str(), false)
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let naive = match digits.len() {
        8 => NaiveDate::parse_from_str(digits, "%Y%m%d").ok()?.and_time(NaiveTime::MIN),
        12 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok()?,
        14 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok()?,
        _ => return None,
    };
    if utc {
        Some(naive.and_utc())
    } else {
        Local.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc))
    }
}

fn ssh_time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%d%H%M%SZ").to_string()
}

/// OpenSSH's `match_pattern_list` (case-sensitive): a match on a `!`
/// pattern refuses, otherwise any match accepts.
fn match_pattern_list(s: &str, patterns: &[String]) -> bool {
    let mut positive = false;
    for p in patterns {
        match p.strip_prefix('!') {
            Some(neg) if glob(s.as_bytes(), neg.as_bytes()) => return false,
            Some(_) => {}
            None => positive |= glob(s.as_bytes(), p.as_bytes()),
        }
    }
    positive
}

/// `*` and `?` wildcards.
fn glob(s: &[u8], p: &[u8]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Splits off the first whitespace-delimited token, honouring a leading
/// double quote as OpenSSH's `strdelimw` does. Returns (token, rest).
fn principals_token(line: &str) -> Option<(&str, &str)> {
    if let Some(quoted) = line.strip_prefix('"') {
        let end = quoted.find('"')?;
        let rest = &quoted[end + 1..];
        if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
            return None;
        }
        Some((&quoted[..end], rest))
    } else {
        let end = line.find([' ', '\t']).unwrap_or(line.len());
        Some((&line[..end], &line[end..]))
    }
}

/// Splits off the options field: up to the first whitespace outside double
/// quotes (with `\"` escapes inside them).
fn options_token(s: &str) -> (&str, &str) {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

/// Parses `keytype base64 [comment]`, any key type.
fn any_public_key(s: &str) -> Option<PublicKey> {
    let mut words = s.split_whitespace();
    let (kind, data) = (words.next()?, words.next()?);
    let mut key = PublicKey::from_openssh(&format!("{kind} {data}")).ok()?;
    let comment = s.trim_start()[kind.len()..].trim_start()[data.len()..].trim();
    key.set_comment(comment);
    Some(key)
}

#[derive(Default)]
struct SignerOptions {
    cert_authority: bool,
    namespaces: Option<Vec<String>>,
    valid_after: Option<DateTime<Utc>>,
    valid_before: Option<DateTime<Utc>>,
}

fn parse_signer_options(opts: &str) -> Result<SignerOptions, (&'static str, String)> {
    let mut out = SignerOptions::default();
    let mut rest = opts;
    while !rest.is_empty() {
        let name_end = rest.find([',', '=']).unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let value = if let Some(after) = rest.strip_prefix('=') {
            let Some(body) = after.strip_prefix('"') else {
                return Err(("options", format!("the value of {name} must be in double quotes")));
            };
            let mut value = String::new();
            let mut chars = body.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' if body[i + 1..].starts_with('"') => {
                        chars.next();
                        value.push('"');
                    }
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let Some(end) = end else {
                return Err(("options", format!("the value of {name} has no closing quote")));
            };
            rest = &body[end + 1..];
            Some(value)
        } else {
            None
        };
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None if rest.is_empty() => {}
            None => return Err(("options", format!("expected a comma after {name}"))),
        }
        match (name.as_str(), value) {
            ("cert-authority", None) => out.cert_authority = true,
            ("namespaces", Some(v)) => {
                if out.namespaces.is_some() {
                    return Err(("namespaces", "given twice".to_owned()));
                }
                out.namespaces = Some(v.split(',').map(str::to_owned).collect());
            }
            ("valid-after" | "valid-before", Some(v)) => {
                let field = if name == "valid-after" { "valid-after" } else { "valid-before" };
                let at = parse_ssh_time(&v).ok_or_else(|| {
                    (
                        field,
                        format!("{v:?} is not a date (use YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC)"),
                    )
                })?;
                let slot = if field == "valid-after" { &mut out.valid_after } else { &mut out.valid_before };
                if slot.replace(at).is_some() {
                    return Err((field, "given twice".to_owned()));
                }
            }
            ("cert-authority", Some(_)) => return Err(("options", "cert-authority takes no value".to_owned())),
            ("namespaces" | "valid-after" | "valid-before", None) => {
                return Err(("options", format!("{name} needs a value: {name}=\"…\"")))
            }
            (other, _) => return Err(("options", format!("unsupported option {other:?}"))),
        }
    }
    if let (Some(after), Some(before)) = (out.valid_after, out.valid_before) {
        if before <= after {
            return Err(("valid-before", "is not after valid-after".to_owned()));
        }
    }
    Ok(out)
}

fn parse_allowed_signer(source: &Source<'_>, number: usize, line: &str) -> Result<AllowedSigner, KeyringError> {
    let err = |field: &str, kind: InvalidKind, message: String| source.error_at_line(number, field, kind, message);
    let (principals, rest) = principals_token(line)
        .ok_or_else(|| err("principals", InvalidKind::Syntax, "unterminated quoted principals".to_owned()))?;
    if principals.is_empty() {
        return Err(err("principals", InvalidKind::Value, "no principals".to_owned()));
    }
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Err(err("key", InvalidKind::Key, "missing public key".to_owned()));
    }
    let (options, key) = if let Some(key) = any_public_key(rest) {
        (SignerOptions::default(), key)
    } else {
        let (opts, after) = options_token(rest);
        let options = parse_signer_options(opts).map_err(|(field, m)| err(field, InvalidKind::Option, m))?;
        let after = after.trim_start();
        if after.is_empty() {
            return Err(err("key", InvalidKind::Key, "missing public key".to_owned()));
        }
        let key = any_public_key(after).ok_or_else(|| {
            err(
                "key",
                InvalidKind::Key,
                format!("{:?} is not an OpenSSH public key (expected keytype base64)", excerpt(after)),
            )
        })?;
        (options, key)
    };
    Ok(AllowedSigner {
        principals: principals.split(',').map(str::to_owned).collect(),
        namespaces: options.namespaces,
        valid_after: options.valid_after,
        valid_before: options.valid_before,
        cert_authority: options.cert_authority,
        key,
        line: number,
    })
}

// ---------------------------------------------------------------------------
// The keyring

impl Keyring {
    /// A keyring of these people, indexed. It is not validated: use
    /// [`Keyring::parse`] for untrusted input.
    pub fn new(people: Vec<Person>) -> Keyring {
        let mut keyring = Keyring { people, index: HashMap::new() };
        keyring.reindex();
        keyring
    }

    /// Rebuilds the lookup index after [`Keyring::people`] was edited
    /// directly.
    pub fn reindex(&mut self) {
        self.index.clear();
        for (p, person) in self.people.iter().enumerate() {
            for (k, key) in person.keys.iter().enumerate() {
                self.index.entry(key.fingerprint.clone()).or_insert((p, k));
            }
        }
    }

    /// Parses keyring text. `path` is only used in error messages (it may
    /// name a revision, like `main:.avow/keyring.toml`).
    pub fn parse(text: &str, path: &Path) -> Result<Keyring, KeyringError> {
        let source = Source { text, path };
        let raw: RawKeyring = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        source.version(&raw.version)?;
        let mut emails = HashMap::new();
        let mut seen = HashMap::new();
        let mut people = Vec::with_capacity(raw.person.len());
        for (i, person) in raw.person.iter().enumerate() {
            people.push(source.person(i, person.get_ref(), &mut emails, &mut seen)?);
        }
        Ok(Keyring::new(people))
    }

    /// Reads and parses a keyring file.
    pub fn load(path: &Path) -> Result<Keyring, KeyringError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| KeyringError::Read { path: path.to_path_buf(), source })?;
        Keyring::parse(&text, path)
    }

    /// The keyring as TOML: a fixed layout with a header comment and each
    /// key's fingerprint as a comment. [`Keyring::parse`] reads it back to an
    /// equal keyring. Comments of a hand-edited file are not kept.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(HEADER);
        _ = writeln!(out, "version = {KEYRING_VERSION}");
        for person in &self.people {
            out.push_str("\n[[person]]\n");
            _ = writeln!(out, "name = {}", toml_string(&person.name));
            _ = writeln!(out, "email = {}", toml_string(&person.email));
            _ = writeln!(out, "role = {}", toml_string(person.role.as_str()));
            for key in &person.keys {
                out.push_str("\n[[person.key]]\n");
                _ = writeln!(out, "# {}", key.fingerprint);
                _ = writeln!(out, "key = {}", toml_string(&key.openssh_line()));
                let dates = [
                    ("added", key.added),
                    ("valid-after", key.valid_after),
                    ("expires", key.expires),
                    ("revoked", key.revoked.as_ref().map(|r| r.at)),
                ];
                for (name, date) in dates {
                    if let Some(date) = date {
                        _ = writeln!(out, "{name} = {}", toml_string(&format_date(date)));
                    }
                }
                if let Some(r) = key.revoked.as_ref().filter(|r| !r.reason.is_empty()) {
                    _ = writeln!(out, "revoked-reason = {}", toml_string(&r.reason));
                }
                if let Some(s) = &key.succeeds {
                    _ = writeln!(out, "succeeds = {}", toml_string(s));
                }
            }
        }
        out
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

    fn refuse_duplicate(&self, key: &Key) -> Result<(), KeyringError> {
        match self.find_by_fingerprint(&key.fingerprint) {
            Some((person, _)) => {
                Err(KeyringError::DuplicateKey { fingerprint: key.fingerprint.clone(), email: person.email.clone() })
            }
            None => Ok(()),
        }
    }

    fn push_key(&mut self, person: usize, key: Key) -> &Key {
        let keys = &mut self.people[person].keys;
        self.index.insert(key.fingerprint.clone(), (person, keys.len()));
        keys.push(key);
        &keys[keys.len() - 1]
    }

    /// Adds a key (an OpenSSH public key line) to the person with this
    /// email, or to a new person. Refuses a key that is already in the
    /// keyring (under anyone), a window that could never sign (`expires`
    /// before `valid-after`), and, for an existing person, a name or role
    /// other than theirs (changing those is a deliberate edit of the file):
    /// [`KeyringError::PersonDiffers`].
    pub fn add(&mut self, new: &NewKey<'_>) -> Result<&Key, KeyringError> {
        let mut key = Key::from_openssh(new.key)?;
        check_email(new.email).map_err(|message| KeyringError::BadValue { field: "email", message })?;
        if let (Some(after), Some(expires)) = (new.valid_after, new.expires) {
            if expires < after {
                return Err(KeyringError::BadValue {
                    field: "expires",
                    message: format!(
                        "{} is before valid-after ({}): the key could never sign",
                        format_date(expires),
                        format_date(after)
                    ),
                });
            }
        }
        self.refuse_duplicate(&key)?;
        key.added = new.added;
        key.valid_after = new.valid_after;
        key.expires = new.expires;
        let person = if let Some(p) = self.person_index(new.email) {
            let person = &self.people[p];
            let other_name = new.name.filter(|n| *n != person.name);
            let other_role = new.role.filter(|r| *r != person.role);
            if other_name.is_some() || other_role.is_some() {
                return Err(KeyringError::PersonDiffers {
                    email: person.email.clone(),
                    name: person.name.clone(),
                    role: person.role,
                    given_name: other_name.map(str::to_owned),
                    given_role: other_role,
                });
            }
            p
        } else {
            let name = new.name.ok_or(KeyringError::BadValue {
                field: "name",
                message: format!("{} is not in the keyring yet, so a new person needs a name", new.email),
            })?;
            check_name(name).map_err(|message| KeyringError::BadValue { field: "name", message })?;
            let role = new.role.unwrap_or(Role::Contributor);
            self.people.push(Person { name: name.to_owned(), email: new.email.to_owned(), role, keys: Vec::new() });
            self.people.len() - 1
        };
        Ok(self.push_key(person, key))
    }

    /// The fingerprint of the one key whose fingerprint starts with
    /// `prefix` (`SHA256:` may be left out; at least 4 characters of the
    /// hash). Errors: no key ([`KeyringError::UnknownKey`]) or several
    /// ([`KeyringError::AmbiguousKey`], listing them).
    pub fn resolve_fingerprint(&self, prefix: &str) -> Result<String, KeyringError> {
        let full = normalize_fingerprint(prefix);
        if self.position(&full).is_some() {
            return Ok(full);
        }
        let hash_len = full.len() - "SHA256:".len();
        if hash_len < 4 {
            return Err(KeyringError::BadValue {
                field: "fingerprint",
                message: format!(
                    "{prefix:?} is too short to name a key; give at least 4 characters of the SHA256:… fingerprint"
                ),
            });
        }
        let matches: Vec<String> =
            self.keys().map(|(_, k)| k.fingerprint.clone()).filter(|f| f.starts_with(&full)).collect();
        match matches.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(KeyringError::UnknownKey { fingerprint: full }),
            _ => Err(KeyringError::AmbiguousKey { prefix: prefix.trim().to_owned(), matches }),
        }
    }

    /// Revokes a key: from now on it is refused for every signature, also
    /// those made before `at`.
    pub fn revoke(&mut self, fingerprint: &str, reason: &str, at: DateTime<Utc>) -> Result<(), KeyringError> {
        check_reason(reason).map_err(|message| KeyringError::BadValue { field: "reason", message })?;
        let fingerprint = self.resolve_fingerprint(fingerprint)?;
        let (p, k) =
            self.position(&fingerprint).ok_or_else(|| KeyringError::UnknownKey { fingerprint: fingerprint.clone() })?;
        let key = &mut self.people[p].keys[k];
        if let Some(r) = &key.revoked {
            return Err(KeyringError::AlreadyRevoked { fingerprint, at: r.at });
        }
        key.revoked = Some(Revocation { at, reason: reason.to_owned() });
        Ok(())
    }

    /// Replaces a key by a new one on the same person: the new key is good
    /// from `at` and records `succeeds = old`; the old key expires at `at`
    /// (unless it expires earlier already). The old key is not revoked, so
    /// what it signed before `at` stays valid.
    pub fn rotate(&mut self, old_fingerprint: &str, new_key: &str, at: DateTime<Utc>) -> Result<&Key, KeyringError> {
        let old_fingerprint = self.resolve_fingerprint(old_fingerprint)?;
        let (p, k) = self
            .position(&old_fingerprint)
            .ok_or_else(|| KeyringError::UnknownKey { fingerprint: old_fingerprint.clone() })?;
        let mut new = Key::from_openssh(new_key)?;
        self.refuse_duplicate(&new)?;
        let old = &mut self.people[p].keys[k];
        if old.valid_after.is_some_and(|after| at < after) {
            return Err(KeyringError::BadValue {
                field: "at",
                message: format!("the rotation date {} is before the old key's valid-after", format_date(at)),
            });
        }
        old.expires = Some(old.expires.map_or(at, |e| e.min(at)));
        new.added = Some(at);
        new.succeeds = Some(old_fingerprint);
        Ok(self.push_key(p, new))
    }

    /// The keyring as an OpenSSH `allowed_signers` file: one line per key
    /// that is not revoked, `email namespaces="avow-attestation@v1"` with
    /// `valid-after` and `expires` as `valid-before` (UTC, whole
    /// seconds), so that `ssh-keygen -Y verify` agrees with
    /// [`Key::status_at`] about unrevoked keys.
    pub fn to_allowed_signers(&self) -> String {
        let mut out = String::from(
            "# OpenSSH allowed_signers exported from the avow keyring (revoked keys left out).\n\
             # ssh-keygen -Y verify -f THIS_FILE -I EMAIL -n avow-attestation@v1 -s SIGNATURE < MESSAGE\n",
        );
        for (person, key) in self.keys().filter(|(_, k)| k.revoked.is_none()) {
            out.push_str(&person.email);
            _ = write!(out, " namespaces=\"{NAMESPACE}\"");
            if let Some(after) = key.valid_after {
                // OpenSSH compares whole seconds: round the start up.
                let whole = after.with_nanosecond(0).unwrap_or(after);
                let start = if whole == after { whole } else { whole + TimeDelta::seconds(1) };
                _ = write!(out, ",valid-after=\"{}\"", ssh_time(start));
            }
            if let Some(expires) = key.expires {
                _ = write!(out, ",valid-before=\"{}\"", ssh_time(expires));
            }
            out.push(' ');
            out.push_str(&key.openssh_line());
            out.push('\n');
        }
        out
    }

    /// Parses an OpenSSH `allowed_signers` file: `principals [options]
    /// keytype base64 [comment]` per line, principals comma-separated and
    /// possibly in double quotes, options `cert-authority`,
    /// `namespaces="…"`, `valid-after="…"`, `valid-before="…"` (dates as
    /// `ssh-keygen` reads them: `YYYYMMDD[HHMM[SS]]`, UTC with a `Z` suffix,
    /// local time without). Blank lines and `#` comments are skipped. Keys
    /// of every type are read; [`Keyring::import_allowed_signers`] refuses
    /// those avow does not accept.
    pub fn from_allowed_signers(text: &str, path: &Path) -> Result<Vec<AllowedSigner>, KeyringError> {
        let source = Source { text, path };
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start_matches([' ', '\t']).trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            entries.push(parse_allowed_signer(&source, i + 1, line)?);
        }
        Ok(entries)
    }

    /// Adds the keys of `allowed_signers` entries, all or nothing. Entries
    /// whose namespaces exclude `avow-attestation@v1` are skipped, and so are
    /// keys already in the keyring. The first principal is the email (name:
    /// its local part; role: `role` for new people); `valid-after` becomes
    /// `valid-after` and `valid-before` `expires`. `cert-authority` entries,
    /// pattern principals and key types not in [`ACCEPTED_KEY_TYPES`] are
    /// refused.
    /// Returns how many keys were added.
    pub fn import_allowed_signers(&mut self, entries: &[AllowedSigner], role: Role) -> Result<usize, KeyringError> {
        let mut next = self.clone();
        let mut added = 0;
        for entry in entries {
            let refuse = |message: String| KeyringError::Import { line: entry.line, message };
            if entry.namespaces.as_ref().is_some_and(|ns| !match_pattern_list(NAMESPACE, ns)) {
                continue;
            }
            if entry.cert_authority {
                return Err(refuse(
                    "cert-authority entries cannot be imported: avow trusts individual keys, not certificate authorities"
                        .to_owned(),
                ));
            }
            let email = entry.principals.first().map(String::as_str).unwrap_or_default();
            if email.contains(['*', '?']) || email.starts_with('!') {
                return Err(refuse(format!("principal {email:?} is a pattern; avow needs one email address per key")));
            }
            check_email(email).map_err(|m| refuse(format!("principal {m}")))?;
            check_accepted(&entry.key).map_err(|p| refuse(p.to_string()))?;
            let mut key = Key::new(entry.key.clone());
            if next.position(&key.fingerprint).is_some() {
                continue;
            }
            key.valid_after = entry.valid_after;
            key.expires = entry.valid_before;
            let person = if let Some(p) = next.person_index(email) {
                p
            } else {
                let name = email.split('@').next().filter(|n| !n.is_empty()).unwrap_or(email);
                next.people.push(Person { name: name.to_owned(), email: email.to_owned(), role, keys: Vec::new() });
                next.people.len() - 1
            };
            next.push_key(person, key);
            added += 1;
        }
        *self = next;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::private::Ed25519Keypair;
    use ssh_key::public::{Ed25519PublicKey, KeyData, SkEd25519};

    const PATH: &str = ".avow/keyring.toml";

    /// A deterministic ed25519 public key line.
    fn key_line(seed: u8, comment: &str) -> String {
        let pair = Ed25519Keypair::from_seed(&[seed; 32]);
        PublicKey::new(KeyData::Ed25519(pair.public), comment).to_openssh().unwrap()
    }

    fn sk_key_line(seed: u8) -> String {
        let pair = Ed25519Keypair::from_seed(&[seed; 32]);
        let sk = SkEd25519::new(Ed25519PublicKey(pair.public.0), "ssh:");
        PublicKey::new(KeyData::SkEd25519(sk), "yubikey").to_openssh().unwrap()
    }

    /// A key for `add` with nothing but its person.
    fn new_key<'a>(name: &'a str, email: &'a str, role: Role, key: &'a str) -> NewKey<'a> {
        NewKey { name: Some(name), email, role: Some(role), key, ..NewKey::default() }
    }

    fn fpr(line: &str) -> String {
        fingerprint(&PublicKey::from_openssh(line).unwrap())
    }

    fn date(s: &str) -> DateTime<Utc> {
        parse_date(s).unwrap()
    }

    fn parse(text: &str) -> Result<Keyring, KeyringError> {
        Keyring::parse(text, Path::new(PATH))
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    fn sample() -> String {
        format!(
            r#"# comment
version = 1

[[person]]
name = "Alice Example"
email = "alice@example.org"
role = "maintainer"

[[person.key]]
key = "{}"
added = "2026-01-10"
valid-after = "2026-01-10"
expires = "2027-01-10T12:30:00Z"

[[person.key]]
key = "{}"
revoked = 2026-06-01
revoked-reason = "laptop stolen"

[[person]]
name = "Bob"
email = "bob@example.org"
role = "contributor"

[[person.key]]
key = "{}"
succeeds = "{}"
"#,
            key_line(1, "alice@laptop"),
            sk_key_line(2),
            key_line(3, ""),
            fpr(&key_line(9, "")),
        )
    }

    #[test]
    fn parses_the_sample() {
        let k = parse(&sample()).unwrap();
        assert_eq!(k.people.len(), 2);
        let alice = &k.people[0];
        assert_eq!((alice.name.as_str(), alice.role), ("Alice Example", Role::Maintainer));
        assert_eq!(alice.keys[0].comment, "alice@laptop");
        assert_eq!(alice.keys[0].valid_after, Some(date("2026-01-10")));
        assert_eq!(alice.keys[0].added, Some(date("2026-01-10")));
        assert_eq!(alice.keys[0].expires, Some(date("2027-01-10T12:30:00Z")));
        assert_eq!(alice.keys[1].public.algorithm(), Algorithm::SkEd25519);
        assert_eq!(alice.keys[1].revoked, Some(Revocation { at: date("2026-06-01"), reason: "laptop stolen".into() }));
        assert_eq!(k.people[1].keys[0].succeeds, Some(fpr(&key_line(9, ""))));
        assert!(k.people[1].keys[0].fingerprint.starts_with("SHA256:"));
    }

    #[test]
    fn round_trips_through_toml() {
        let k = parse(&sample()).unwrap();
        let text = k.to_toml();
        let again = parse(&text).unwrap();
        assert_eq!(again, k);
        assert_eq!(again.to_toml(), text, "to_toml is stable");
        assert!(text.starts_with("# avow keyring: who may attest"));
        assert!(text.contains("revoked = \"2026-06-01T00:00:00Z\"\nrevoked-reason = \"laptop stolen\"\n"));
        assert!(text.contains("expires = \"2027-01-10T12:30:00Z\"\n"));
    }

    #[test]
    fn round_trips_awkward_strings() {
        let mut k = Keyring::default();
        k.add(&NewKey {
            name: Some("Zoë \"Z\" \\ O'Neil"),
            email: "zoe@example.org",
            role: Some(Role::Contributor),
            key: &key_line(4, "zo\u{eb}@host"),
            added: None,
            valid_after: None,
            expires: None,
        })
        .unwrap();
        k.revoke(&fpr(&key_line(4, "")), "it's \"gone\"", date("2026-02-03T04:05:06.5Z")).unwrap();
        assert_eq!(parse(&k.to_toml()).unwrap(), k);
    }

    #[test]
    fn empty_keyring_is_valid() {
        let k = parse("version = 1\n").unwrap();
        assert!(k.people.is_empty());
        assert_eq!(parse(&k.to_toml()).unwrap(), k);
    }

    fn one_key(extra: &str) -> String {
        format!(
            "version = 1\n[[person]]\nname = \"A\"\nemail = \"a@example.org\"\nrole = \"maintainer\"\n[[person.key]]\nkey = \"{}\"\n{extra}",
            key_line(1, "")
        )
    }

    #[test]
    fn bad_date_names_path_line_and_field() {
        assert_eq!(
            err(&one_key("added = \"2026-01-10\"\nexpires = \"2027-13-01\"\n")),
            ".avow/keyring.toml:9: person[0].key[0].expires: \"2027-13-01\" is not a date (use YYYY-MM-DD)"
        );
        assert_eq!(
            err(&one_key("added = \"2026-01-10 noon\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].added: \"2026-01-10 noon\" is not a date (use YYYY-MM-DD or an RFC 3339 date-time with a time zone, like 2026-01-10T12:00:00Z)"
        );
        assert_eq!(
            err(&one_key("added = 2026-01-10T10:00:00\n")),
            ".avow/keyring.toml:8: person[0].key[0].added: \"2026-01-10T10:00:00\" is not a date (use YYYY-MM-DD or an RFC 3339 date-time with a time zone, like 2026-01-10T12:00:00Z)"
        );
        assert_eq!(
            err(&one_key("added = 20260110\n")),
            ".avow/keyring.toml:8: person[0].key[0].added: invalid type: integer, expected a date like \"2026-01-10\""
        );
        assert_eq!(
            err(&one_key("valid-after = \"2026-02-01\"\nexpires = \"2026-01-01\"\n")),
            ".avow/keyring.toml:9: person[0].key[0].expires: 2026-01-01T23:59:59Z is before valid-after (2026-02-01T00:00:00Z): the key could never sign"
        );
        // `added` is a record: a key added after it expired verifies what it
        // signed in its time (history of a retired contributor).
        assert!(parse(&one_key("added = \"2026-02-01\"\nexpires = \"2026-01-01\"\n")).is_ok());
    }

    #[test]
    fn native_toml_dates_are_accepted() {
        let k = parse(&one_key("added = 2026-01-10\nexpires = 2027-01-10T08:00:00+02:00\n")).unwrap();
        assert_eq!(k.people[0].keys[0].added, Some(date("2026-01-10")));
        assert_eq!(k.people[0].keys[0].expires, Some(date("2027-01-10T06:00:00Z")));
    }

    #[test]
    fn unknown_field_names_path_line_and_field() {
        assert_eq!(
            err(&one_key("expire = \"2027-01-01\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].expire: unknown field (expected one of `key`, `added`, `valid-after`, `expires`, `revoked`, `revoked-reason`, `succeeds`)"
        );
        assert_eq!(
            err("version = 1\n[[person]]\nname = \"A\"\nmail = \"a@example.org\"\n"),
            ".avow/keyring.toml:4: person[0].mail: unknown field (expected one of `name`, `email`, `role`, `key`)"
        );
        assert_eq!(
            err("version = 1\npeople = []\n"),
            ".avow/keyring.toml:2: people: unknown field (expected `version` or `person`)"
        );
        // inline tables are located too
        let inline = format!(
            "version = 1\nperson = [\n  {{ name = \"A\", email = \"a@b\", role = \"maintainer\", key = [{{ key = \"{}\", colour = 1 }}] }},\n]\n",
            key_line(1, "")
        );
        assert_eq!(
            err(&inline),
            ".avow/keyring.toml:3: person[0].key[0].colour: unknown field (expected one of `key`, `added`, `valid-after`, `expires`, `revoked`, `revoked-reason`, `succeeds`)"
        );
    }

    #[test]
    fn missing_field_and_wrong_type() {
        assert_eq!(
            err("version = 1\n\n[[person]]\nname = \"A\"\nrole = \"maintainer\"\n"),
            ".avow/keyring.toml:3: person[0].email: required field missing"
        );
        assert_eq!(
            err("version = 1\n[[person]]\nname = \"A\"\nemail = \"a@b\"\nrole = \"maintainer\"\n[[person.key]]\nadded = 2026-01-01\n"),
            ".avow/keyring.toml:6: person[0].key[0].key: required field missing"
        );
        assert_eq!(
            err("[[person]]\nname = \"A\"\nemail = \"a@b\"\nrole = \"maintainer\"\n"),
            ".avow/keyring.toml:1: version: required field missing"
        );
        assert_eq!(
            err("version = 1\n[[person]]\nname = 7\nemail = \"a@b\"\nrole = \"maintainer\"\n"),
            ".avow/keyring.toml:3: person[0].name: invalid type: integer `7`, expected a string"
        );
        assert_eq!(err("version = \"1\"\n"), ".avow/keyring.toml:1: version: invalid type: string \"1\", expected i64");
    }

    #[test]
    fn syntax_error_names_line_and_field() {
        assert_eq!(
            err("version = 1\n[[person]]\nname = \"A\nemail = \"a@b\"\n"),
            ".avow/keyring.toml:3: person[0].name: invalid basic string"
        );
        let e = parse("version = 1\n[[person]]\nname = \"A\"\nname = \"B\"\n").unwrap_err();
        assert!(
            matches!(&e, KeyringError::Invalid { kind: InvalidKind::Syntax, line: 4, field, .. } if field == "person[0].name"),
            "{e}"
        );
        assert_eq!(e.to_string().lines().count(), 1);
    }

    #[test]
    fn bad_version_role_key() {
        assert_eq!(
            err("version = 2\n"),
            ".avow/keyring.toml:1: version: unsupported keyring version 2 (this avow reads version 1; a newer avow may read it)"
        );
        // a newer format's new fields do not hide the version
        assert_eq!(
            err("version = 2\ntrust-model = \"web\"\n"),
            ".avow/keyring.toml:1: version: unsupported keyring version 2 (this avow reads version 1; a newer avow may read it)"
        );
        assert_eq!(
            err("version = 1\n[[person]]\nname = \"A\"\nemail = \"a@b\"\nrole = \"admin\"\n"),
            ".avow/keyring.toml:5: person[0].role: \"admin\" is not a role (use \"maintainer\" or \"contributor\")"
        );
        let text = one_key("").replace(&key_line(1, ""), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBroken");
        assert_eq!(
            err(&text),
            ".avow/keyring.toml:7: person[0].key[0].key: \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5…\" is not an OpenSSH public key (expected \"ssh-ed25519 AAAA… comment\"): Base64 encoding error: invalid Base64 encoding"
        );
        let text = one_key("").replace(&key_line(1, ""), RSA);
        assert_eq!(
            err(&text),
            ".avow/keyring.toml:7: person[0].key[0].key: an RSA key of 1024 bits is not accepted: RSA keys must have 2048 to 4096 bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"
        );
        let text = one_key("").replace(&key_line(1, ""), "ssh-dss AAAAB3NzaC1kc3M=");
        assert_eq!(
            err(&text),
            ".avow/keyring.toml:7: person[0].key[0].key: ssh-dss keys are not accepted: avow accepts ed25519, ECDSA (nistp256, nistp384, nistp521), their security-key (sk-) forms and RSA keys of 2048 to 4096 bits"
        );
    }

    #[test]
    fn duplicates_are_refused() {
        let text = format!(
            "version = 1\n[[person]]\nname = \"A\"\nemail = \"a@example.org\"\nrole = \"maintainer\"\n[[person.key]]\nkey = \"{k}\"\n\n[[person]]\nname = \"B\"\nemail = \"b@example.org\"\nrole = \"contributor\"\n[[person.key]]\nkey = \"{k2}\"\n",
            k = key_line(1, "one"),
            k2 = key_line(1, "same key, other comment"),
        );
        assert_eq!(
            err(&text),
            format!(
                ".avow/keyring.toml:14: person[1].key[0].key: key {} is already listed at person[0].key[0] (line 7)",
                fpr(&key_line(1, ""))
            )
        );
        let text = "version = 1\n[[person]]\nname = \"A\"\nemail = \"a@example.org\"\nrole = \"maintainer\"\n[[person]]\nname = \"B\"\nemail = \"A@Example.org\"\nrole = \"contributor\"\n";
        assert_eq!(
            err(text),
            ".avow/keyring.toml:8: person[1].email: \"A@Example.org\" is already used by person[0] (line 4)"
        );
    }

    #[test]
    fn other_value_errors() {
        assert_eq!(
            err(&one_key("revoked-reason = \"lost\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].revoked-reason: revoked-reason without a revoked date (add revoked = \"YYYY-MM-DD\")"
        );
        assert_eq!(
            err(&one_key("succeeds = \"abc\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].succeeds: \"abc\" is not a key fingerprint (use SHA256:… as `ssh-keygen -l` prints it)"
        );
        assert_eq!(
            err("version = 1\n[[person]]\nname = \"A\"\nemail = \"*@example.org\"\nrole = \"maintainer\"\n"),
            ".avow/keyring.toml:4: person[0].email: \"*@example.org\" is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)"
        );
        assert_eq!(
            err("version = 1\n[[person]]\nname = \"\"\nemail = \"a@b\"\nrole = \"maintainer\"\n"),
            ".avow/keyring.toml:3: person[0].name: a name must not be empty"
        );
    }

    #[test]
    fn load_names_the_file_and_the_fix() {
        let e = Keyring::load(Path::new("/nonexistent/.avow/keyring.toml")).unwrap_err();
        assert!(matches!(e, KeyringError::Read { .. }));
        assert_eq!(
            e.to_string(),
            "/nonexistent/.avow/keyring.toml: cannot read the keyring (No such file or directory (os error 2)); run `git avow init` to create it"
        );
    }

    #[test]
    fn status_windows() {
        let k = parse(&one_key("valid-after = \"2026-01-10\"\nexpires = \"2027-01-10\"\n")).unwrap();
        let key = &k.people[0].keys[0];
        let first = date("2026-01-10");
        assert_eq!(key.status_at(date("2026-01-09T23:59:59Z")), KeyStatus::NotYetValid { valid_after: first });
        assert_eq!(key.status_at(first), KeyStatus::Valid);
        // A date alone is the last day: valid through 23:59:59 UTC, inclusive.
        let last = date("2027-01-10T23:59:59Z");
        assert_eq!(key.expires, Some(last));
        assert_eq!(key.status_at(last), KeyStatus::Valid, "expires is inclusive, like valid-before");
        assert_eq!(key.status_at(date("2027-01-11")), KeyStatus::Expired { at: last });
        assert_eq!(key.status_at(date("2027-01-11")).to_string(), "expired on 2027-01-10T23:59:59Z");
        assert_eq!(key.status_at(date("2020-01-01")).to_string(), "not yet valid (valid after 2026-01-10T00:00:00Z)");
        // An instant is that instant.
        let k = parse(&one_key("expires = \"2027-01-10T12:00:00Z\"\n")).unwrap();
        assert_eq!(k.people[0].keys[0].expires, Some(date("2027-01-10T12:00:00Z")));
        let open = parse(&one_key("")).unwrap();
        assert!(open.people[0].keys[0].status_at(date("1999-01-01")).is_valid());
    }

    #[test]
    fn added_is_no_lower_bound() {
        let k = parse(&one_key("added = \"2026-06-01T09:30:00Z\"\n")).unwrap();
        let key = &k.people[0].keys[0];
        assert_eq!(key.added, Some(date("2026-06-01T09:30:00Z")));
        assert!(key.status_at(date("2026-05-20T10:00:00Z")).is_valid(), "work signed before the key was added");
    }

    #[test]
    fn every_time_is_written_one_way() {
        let mut k = Keyring::default();
        let revoked_at = date("2026-06-01T10:11:12Z") + TimeDelta::nanoseconds(123_456_789);
        k.add(&NewKey {
            name: Some("A"),
            email: "a@example.org",
            key: &key_line(1, ""),
            added: Some(date("2026-06-01T09:00:00Z")),
            valid_after: Some(date("2026-01-01")),
            expires: parse_expiry("2026-12-07"),
            ..NewKey::default()
        })
        .unwrap();
        k.revoke(&fpr(&key_line(1, "")), "lost", revoked_at.with_nanosecond(0).unwrap()).unwrap();
        let text = k.to_toml();
        for line in [
            "added = \"2026-06-01T09:00:00Z\"",
            "valid-after = \"2026-01-01T00:00:00Z\"",
            "expires = \"2026-12-07T23:59:59Z\"",
            "revoked = \"2026-06-01T10:11:12Z\"",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert_eq!(parse(&text).unwrap(), k);
    }

    #[test]
    fn revocation_wins_at_any_signing_time() {
        let k = parse(&one_key("added = \"2026-01-10\"\nexpires = \"2027-01-10\"\nrevoked = \"2026-06-01\"\nrevoked-reason = \"laptop stolen\"\n")).unwrap();
        let key = &k.people[0].keys[0];
        let revoked = KeyStatus::Revoked { at: date("2026-06-01"), reason: "laptop stolen".into() };
        for t in ["2026-03-01", "2026-06-02", "2025-01-01", "2028-01-01"] {
            assert_eq!(key.status_at(date(t)), revoked, "signed at {t}");
        }
        assert_eq!(revoked.to_string(), "revoked on 2026-06-01T00:00:00Z: laptop stolen");
    }

    #[test]
    fn lookups() {
        let k = parse(&sample()).unwrap();
        let alice_key = PublicKey::from_openssh(&key_line(1, "another comment")).unwrap();
        let (person, key) = k.find_by_key(&alice_key).unwrap();
        assert_eq!((person.email.as_str(), key.comment.as_str()), ("alice@example.org", "alice@laptop"));
        let f = fpr(&key_line(3, ""));
        assert_eq!(k.find_by_fingerprint(&f).unwrap().0.name, "Bob");
        assert_eq!(k.find_by_fingerprint(f.strip_prefix("SHA256:").unwrap()).unwrap().0.name, "Bob");
        assert!(k.find_by_key(&PublicKey::from_openssh(&key_line(7, "")).unwrap()).is_none());
        assert_eq!(k.find_person_by_email("ALICE@example.ORG").unwrap().name, "Alice Example");
        assert!(k.find_person_by_email("alice@example.com").is_none());
        // Unicode is not folded.
        let mut k2 = Keyring::default();
        k2.add(&new_key("Ö", "ö@example.org", Role::Contributor, &key_line(5, ""))).unwrap();
        assert!(k2.find_person_by_email("Ö@example.org").is_none());
        assert!(k2.find_person_by_email("ö@EXAMPLE.org").is_some());
    }

    #[test]
    fn lookups_survive_direct_edits() {
        let mut k = parse(&sample()).unwrap();
        k.people.swap(0, 1);
        assert_eq!(k.find_by_fingerprint(&fpr(&key_line(3, ""))).unwrap().0.name, "Bob");
        k.people.remove(0);
        assert!(k.find_by_fingerprint(&fpr(&key_line(3, ""))).is_none());
        k.reindex();
        assert_eq!(k.find_by_fingerprint(&fpr(&key_line(1, ""))).unwrap().0.name, "Alice Example");
    }

    #[test]
    fn add_to_new_and_existing_people() {
        let mut k = Keyring::default();
        let added = k
            .add(&NewKey {
                name: Some("Alice"),
                email: "alice@example.org",
                role: Some(Role::Maintainer),
                key: &key_line(1, "a"),
                added: Some(date("2026-01-01")),
                valid_after: None,
                expires: None,
            })
            .unwrap();
        assert_eq!(added.fingerprint, fpr(&key_line(1, "")));
        // Another name or role for the same email is refused, not ignored.
        let e = k.add(&new_key("Other", "ALICE@example.org", Role::Contributor, &sk_key_line(2))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "alice@example.org is already in the keyring as \"Alice\" (maintainer), not \"Other\", not contributor; a key is added to the person as they are"
        );
        let e = k
            .add(&NewKey {
                name: Some("Alice"),
                email: "alice@example.org",
                role: Some(Role::Contributor),
                key: &sk_key_line(2),
                ..NewKey::default()
            })
            .unwrap_err();
        assert!(
            matches!(e, KeyringError::PersonDiffers { given_name: None, given_role: Some(Role::Contributor), .. }),
            "{e:?}"
        );
        // Their own name and role, or none, add the key.
        k.add(&NewKey {
            name: None,
            email: "ALICE@example.org",
            role: None,
            key: &sk_key_line(2),
            added: None,
            valid_after: None,
            expires: Some(date("2027-01-01")),
        })
        .unwrap();
        assert_eq!(k.people.len(), 1);
        assert_eq!((k.people[0].name.as_str(), k.people[0].role), ("Alice", Role::Maintainer));
        assert_eq!(k.people[0].keys.len(), 2);
        let e = k.add(&new_key("Bob", "bob@example.org", Role::Contributor, &key_line(1, "again"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("key {} is already in the keyring (for alice@example.org)", fpr(&key_line(1, "")))
        );
        let e = k.add(&new_key("Bob", "bob@example.org", Role::Contributor, RSA)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "an RSA key of 1024 bits is not accepted: RSA keys must have 2048 to 4096 bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"
        );
        let e = k.add(&new_key("Bob", "bob example", Role::Contributor, &key_line(3, ""))).unwrap_err();
        assert!(matches!(e, KeyringError::BadValue { field: "email", .. }), "{e}");
        let e = k
            .add(&NewKey {
                name: Some("Bob"),
                email: "bob@example.org",
                role: Some(Role::Contributor),
                key: &key_line(3, ""),
                added: None,
                valid_after: Some(date("2026-02-01")),
                expires: Some(date("2026-01-01")),
            })
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "expires: 2026-01-01T00:00:00Z is before valid-after (2026-02-01T00:00:00Z): the key could never sign"
        );
        let e = k.add(&NewKey { email: "new@example.org", key: &key_line(3, ""), ..NewKey::default() }).unwrap_err();
        assert_eq!(e.to_string(), "name: new@example.org is not in the keyring yet, so a new person needs a name");
        assert_eq!(k.people.len(), 1, "failed adds change nothing");
        assert_eq!(parse(&k.to_toml()).unwrap(), k);
    }

    #[test]
    fn revoke() {
        let mut k = parse(&sample()).unwrap();
        let f = fpr(&key_line(3, ""));
        k.revoke(&f, "left the project", date("2026-05-05")).unwrap();
        let (_, key) = k.find_by_fingerprint(&f).unwrap();
        assert_eq!(key.status_at(date("2026-01-01")).to_string(), "revoked on 2026-05-05T00:00:00Z: left the project");
        assert_eq!(
            k.revoke(&f, "again", date("2026-06-06")).unwrap_err().to_string(),
            format!("key {f} is already revoked (on 2026-05-05T00:00:00Z)")
        );
        // A unique prefix, with or without `SHA256:`, names the key.
        let bob = fpr(&key_line(3, ""));
        let mut k2 = parse(&sample()).unwrap();
        k2.revoke(&bob[..12], "prefix", date("2026-05-05")).unwrap();
        assert!(k2.find_by_fingerprint(&bob).unwrap().1.revoked.is_some());
        assert_eq!(k2.resolve_fingerprint(&bob["SHA256:".len()..15]).unwrap(), bob);
        assert!(matches!(
            k2.resolve_fingerprint("SHA256:ab"),
            Err(KeyringError::BadValue { field: "fingerprint", .. })
        ));
        let unknown = fpr(&key_line(8, ""));
        assert_eq!(
            k.revoke(&unknown, "x", date("2026-06-06")).unwrap_err().to_string(),
            format!("no key {unknown} in the keyring; `git avow keyring list` shows the fingerprints")
        );
        assert_eq!(parse(&k.to_toml()).unwrap(), k);
    }

    #[test]
    fn ambiguous_prefixes_list_the_keys() {
        // Two keys whose fingerprints share the first 4 hash characters (a
        // birthday search over 64^4 prefixes).
        let line_of = |n: u32| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&n.to_be_bytes());
            PublicKey::new(KeyData::Ed25519(Ed25519Keypair::from_seed(&seed).public), "").to_openssh().unwrap()
        };
        let mut seen: HashMap<String, String> = HashMap::new();
        let (a_line, b_line) = (0..100_000u32)
            .find_map(|n| {
                let line = line_of(n);
                let prefix = fpr(&line)[..11].to_owned();
                seen.insert(prefix, line.clone()).map(|other| (other, line))
            })
            .unwrap();
        let mut k = Keyring::default();
        for line in [&a_line, &b_line] {
            k.add(&NewKey { name: Some("A"), email: "a@example.org", key: line, ..NewKey::default() }).unwrap();
        }
        let (a, b) = (fpr(&a_line), fpr(&b_line));
        let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        let e = k.resolve_fingerprint(&a[..shared]).unwrap_err();
        assert_eq!(e.to_string(), format!("{:?} names 2 keys ({a}, {b}); give more of the fingerprint", &a[..shared]));
        assert_eq!(k.resolve_fingerprint(&a[..=shared]).unwrap(), a);
        assert_eq!(k.resolve_fingerprint(&b["SHA256:".len()..=shared]).unwrap(), b);
        k.revoke(&a[..=shared], "by prefix", date("2026-01-01")).unwrap();
        assert!(k.find_by_fingerprint(&a).unwrap().1.revoked.is_some());
        assert!(k.find_by_fingerprint(&b).unwrap().1.revoked.is_none());
    }

    #[test]
    fn rotate() {
        let mut k = parse(&sample()).unwrap();
        let old = fpr(&key_line(1, ""));
        let at = date("2026-09-01T10:00:00Z");
        let new = k.rotate(&old, &key_line(6, "alice@new-laptop"), at).unwrap().clone();
        assert_eq!(new.succeeds.as_deref(), Some(old.as_str()));
        assert_eq!(new.added, Some(at));
        assert_eq!(new.comment, "alice@new-laptop");
        let (person, old_key) = k.find_by_fingerprint(&old).unwrap();
        assert_eq!(person.keys.len(), 3);
        assert_eq!(old_key.expires, Some(at), "expiry moved earlier");
        assert!(old_key.revoked.is_none(), "old signatures stay valid");
        assert!(old_key.status_at(date("2026-08-01")).is_valid());
        assert_eq!(old_key.status_at(date("2026-09-02")), KeyStatus::Expired { at });
        assert_eq!(k.find_by_key(&new.public).unwrap().0.email, "alice@example.org");
        // an earlier expiry is kept
        let newer = k.rotate(&new.fingerprint, &key_line(7, ""), date("2026-10-01")).unwrap().fingerprint.clone();
        k.rotate(&newer, &key_line(8, ""), date("2030-01-01")).unwrap();
        let mut k2 = k.clone();
        let e = k2.rotate(&old, &key_line(6, ""), date("2026-12-01")).unwrap_err();
        assert!(matches!(e, KeyringError::DuplicateKey { .. }));
        assert_eq!(k2, k);
        let text = k.to_toml();
        assert_eq!(parse(&text).unwrap(), k);
        assert!(text.contains(&format!("succeeds = \"{old}\"")));
    }

    #[test]
    fn allowed_signers_export() {
        let k = parse(&sample()).unwrap();
        let out = k.to_allowed_signers();
        let lines: Vec<_> = out.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                format!(
                    "alice@example.org namespaces=\"avow-attestation@v1\",valid-after=\"20260110000000Z\",valid-before=\"20270110123000Z\" {}",
                    key_line(1, "alice@laptop")
                ),
                format!("bob@example.org namespaces=\"avow-attestation@v1\" {}", key_line(3, "")),
            ]
        );
    }

    #[test]
    fn export_rounds_subseconds_inwards() {
        let mut k = Keyring::default();
        k.add(&NewKey {
            name: Some("A"),
            email: "a@b",
            role: Some(Role::Contributor),
            key: &key_line(1, ""),
            added: None,
            valid_after: Some(date("2026-01-01T00:00:00.2Z")),
            expires: Some(date("2026-02-01T00:00:00.7Z")),
        })
        .unwrap();
        assert!(k.to_allowed_signers().contains("valid-after=\"20260101000001Z\",valid-before=\"20260201000000Z\""));
    }

    #[test]
    fn allowed_signers_parse() {
        let text = format!(
            "# comment\n\n  a@b,c@d {k1}\n\"e@f,g@h\" namespaces=\"git,avow-*\",VALID-AFTER=\"20260101Z\",valid-before=\"202701021030Z\" {k2} my key\nca@x cert-authority,namespaces=\"x\\\"y\" {k3}\n",
            k1 = key_line(1, ""),
            k2 = key_line(2, ""),
            k3 = key_line(3, "")
        );
        let e = Keyring::from_allowed_signers(&text, Path::new("signers")).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].principals, ["a@b", "c@d"]);
        assert_eq!((e[0].line, e[0].namespaces.clone(), e[0].cert_authority), (3, None, false));
        assert_eq!(e[1].principals, ["e@f", "g@h"]);
        assert_eq!(e[1].namespaces, Some(vec!["git".to_owned(), "avow-*".to_owned()]));
        assert_eq!(e[1].valid_after, Some(date("2026-01-01")));
        assert_eq!(e[1].valid_before, Some(date("2027-01-02T10:30:00Z")));
        assert_eq!(e[1].key.comment(), "my key");
        assert!(e[2].cert_authority);
        assert_eq!(e[2].namespaces, Some(vec!["x\"y".to_owned()]));
    }

    #[test]
    fn allowed_signers_local_time_without_z() {
        let text = format!("a@b valid-after=\"20260101123456\" {}\n", key_line(1, ""));
        let e = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap();
        let expected = Local
            .from_local_datetime(&NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(12, 34, 56).unwrap())
            .earliest()
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(e[0].valid_after, Some(expected));
    }

    #[test]
    fn allowed_signers_errors() {
        let k = key_line(1, "");
        let cases = [
            (format!("a@b foo=\"x\" {k}"), "s:1: options: unsupported option \"foo\""),
            (format!("a@b valid-before=\"2027\" {k}"), "s:1: valid-before: \"2027\" is not a date (use YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC)"),
            (format!("a@b valid-after=\"20270101Z\",valid-before=\"20260101Z\" {k}"), "s:1: valid-before: is not after valid-after"),
            (format!("a@b namespaces=git {k}"), "s:1: options: the value of namespaces must be in double quotes"),
            (format!("\"a@b {k}"), "s:1: principals: unterminated quoted principals"),
            ("a@b".to_owned(), "s:1: key: missing public key"),
            ("a@b ssh-ed25519".to_owned(), "s:1: options: unsupported option \"ssh-ed25519\""),
            ("a@b namespaces=\"x\" ssh-ed25519 AAAA".to_owned(), "s:1: key: \"ssh-ed25519 AAAA\" is not an OpenSSH public key (expected keytype base64)"),
        ];
        for (line, expected) in cases {
            let text = format!("# header\n{line}\n");
            let e = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap_err();
            assert_eq!(e.to_string(), expected.replace("s:1:", "s:2:"), "{line}");
        }
    }

    #[test]
    fn allowed_signers_import() {
        let text = format!(
            "alice@example.org namespaces=\"avow-attestation@v1\",valid-after=\"20260110000000Z\",valid-before=\"20270110123000Z\" {k1}\n\
             git-only@example.org namespaces=\"git\" {k2}\n\
             not-avow@example.org namespaces=\"*,!avow-*\" {k3}\n\
             bob@example.org {k4}\n\
             alice@example.org,alias@example.org namespaces=\"git,avow-attestation@*\" {k5}\n\
             dup@example.org {k1}\n",
            k1 = key_line(1, "alice@laptop"),
            k2 = key_line(2, ""),
            k3 = key_line(3, ""),
            k4 = key_line(4, "bob"),
            k5 = sk_key_line(5),
        );
        let entries = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap();
        let mut k = Keyring::default();
        assert_eq!(k.import_allowed_signers(&entries, Role::Contributor).unwrap(), 3);
        assert_eq!(k.people.len(), 2);
        let alice = k.find_person_by_email("alice@example.org").unwrap();
        assert_eq!((alice.name.as_str(), alice.role, alice.keys.len()), ("alice", Role::Contributor, 2));
        assert_eq!(alice.keys[0].valid_after, Some(date("2026-01-10")));
        assert_eq!(alice.keys[0].expires, Some(date("2027-01-10T12:30:00Z")));
        assert_eq!(alice.keys[0].comment, "alice@laptop");
        assert_eq!(k.find_person_by_email("bob@example.org").unwrap().keys[0].comment, "bob");
        // importing again adds nothing
        assert_eq!(k.import_allowed_signers(&entries, Role::Contributor).unwrap(), 0);
        // export → import is the identity on unrevoked keys
        let exported = Keyring::from_allowed_signers(&k.to_allowed_signers(), Path::new("x")).unwrap();
        let mut back = Keyring::default();
        back.import_allowed_signers(&exported, Role::Contributor).unwrap();
        assert_eq!(back, k);
    }

    #[test]
    fn import_refusals_change_nothing() {
        let cases = [
            (format!("a@b {}\nca@x cert-authority {}\n", key_line(1, ""), key_line(2, "")), "allowed_signers line 2: cert-authority entries cannot be imported: avow trusts individual keys, not certificate authorities"),
            (format!("a@b {}\n*@x {}\n", key_line(1, ""), key_line(2, "")), "allowed_signers line 2: principal \"*@x\" is a pattern; avow needs one email address per key"),
            (format!("a@b {}\nrsa@x {RSA}\n", key_line(1, "")), "allowed_signers line 2: an RSA key of 1024 bits is not accepted: RSA keys must have 2048 to 4096 bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"),
            (format!("a@b {}\nalice {}\n", key_line(1, ""), key_line(2, "")), "allowed_signers line 2: principal \"alice\" is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)"),
        ];
        for (text, expected) in cases {
            let entries = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap();
            let mut k = Keyring::default();
            assert_eq!(k.import_allowed_signers(&entries, Role::Contributor).unwrap_err().to_string(), expected);
            assert!(k.people.is_empty());
        }
        // a git-only RSA key is simply skipped
        let entries =
            Keyring::from_allowed_signers(&format!("rsa@x namespaces=\"git\" {RSA}\n"), Path::new("s")).unwrap();
        assert_eq!(Keyring::default().import_allowed_signers(&entries, Role::Contributor).unwrap(), 0);
    }

    #[test]
    fn pattern_lists() {
        let l = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(match_pattern_list(NAMESPACE, &l(&["git", "avow-attestation@v1"])));
        assert!(match_pattern_list(NAMESPACE, &l(&["*"])));
        assert!(match_pattern_list(NAMESPACE, &l(&["avow-?ttestation@*"])));
        assert!(!match_pattern_list(NAMESPACE, &l(&["*", "!avow-*"])));
        assert!(!match_pattern_list(NAMESPACE, &l(&["git"])));
        assert!(!match_pattern_list(NAMESPACE, &l(&["Avow-attestation@v1"])));
    }

    #[test]
    fn ssh_times() {
        assert_eq!(parse_ssh_time("20260102Z"), Some(date("2026-01-02")));
        assert_eq!(parse_ssh_time("202601020304utc"), Some(date("2026-01-02T03:04:00Z")));
        assert_eq!(parse_ssh_time("20260102030405z"), Some(date("2026-01-02T03:04:05Z")));
        assert_eq!(parse_ssh_time("20261302Z"), None);
        assert_eq!(parse_ssh_time("2026010Z"), None);
        assert_eq!(parse_ssh_time("Z"), None);
        assert_eq!(parse_ssh_time("+2026010"), None);
    }

    /// An RSA public key (public, harmless), to show it is refused.
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDGmNsD0mVxXCx5MdWvl0VP3Gq8iKHN0+C1xbWRfIkVsH0xsJ/qPGUZ3G8CXRJ5Htn6mHQGdZFXwcTDPHp7DVhHiK0tFz5pO0jvA0ZkzHpJ2XnTBhdj0lR2ib7KQ1b5lJj4k6mjhHbjT3l0wJ3cZVp3yZjvpDn0t5o3e8X3kOvx5w== rsa@example";
}
