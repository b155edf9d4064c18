//! What is wrong with a keyring or `allowed_signers` file, and where.

use super::*;

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
    #[error("{at}")]
    Invalid {
        /// Where, and what is wrong.
        at: Invalid,
        /// What kind of problem.
        kind: InvalidKind,
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
            KeyringError::Invalid { at, .. } => Some(at.line),
            KeyringError::Import { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Builds [`KeyringError::Invalid`] errors for one file.
pub(super) struct Source<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
}

impl Source<'_> {
    pub(super) fn error(
        &self,
        offset: usize,
        field: impl Into<String>,
        kind: InvalidKind,
        message: impl Into<String>,
    ) -> KeyringError {
        self.error_at_line(line_of(self.text, offset), field, kind, message)
    }

    pub(super) fn error_at_line(
        &self,
        line: usize,
        field: impl Into<String>,
        kind: InvalidKind,
        message: impl Into<String>,
    ) -> KeyringError {
        let message: String = message.into();
        KeyringError::Invalid {
            at: Invalid { path: self.path.to_path_buf(), line, field: field.into(), message: one_line(&message) },
            kind,
        }
    }
}
