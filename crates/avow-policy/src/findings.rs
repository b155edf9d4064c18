//! The findings vocabulary: what a check says about a commit ([`Finding`]),
//! how much it weighs ([`Severity`]), and every rule id a finding can carry,
//! with its description ([`Rule`], [`RULES`]).
//!
//! Rule ids are public API — JSON and SARIF output, GitHub annotations and
//! the docs print them — so they are defined here once: the checks (the
//! verifier, the policy, the text rules) name a rule by its constant, the
//! outputs describe it from here, and a test holds docs/policy.md and
//! docs/threat-model.md to the list. Path rules are the one family built at
//! run time: `path[GLOB].FIELD`, the `[[path]]` entry and field that decided.
//!
//! ```
//! use avow_policy::findings::{self, Concern, ATTESTATION_MISSING};
//! assert_eq!(ATTESTATION_MISSING.id, "attestation.missing");
//! assert_eq!(findings::rule("attestation.missing").map(|r| r.concern), Some(Concern::Attestation));
//! assert_eq!(findings::describe("path[crypto/**].authorship"), findings::POLICY_RULE);
//! ```

use std::fmt;

string_enum! {
    /// How serious a finding is; also `size.action`.
    Severity {
        /// The commit is accepted with a warning.
        Warn = "warn",
        /// The commit is rejected.
        Deny = "deny",
    }
}

/// One rule a commit breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable dotted id: a [`Rule`]'s id (`authorship.allowed`,
    /// `size.max-lines`, …) or a path rule, `path[crypto/**].authorship`.
    pub rule: String,
    /// Whether it rejects the commit.
    pub severity: Severity,
    /// One line: what is wrong and how to fix it.
    pub message: String,
}

impl Finding {
    /// A finding of `rule`.
    pub fn new(rule: &Rule, severity: Severity, message: String) -> Finding {
        Finding { rule: rule.id.to_owned(), severity, message }
    }

    /// A finding of `rule` that rejects the commit.
    pub fn deny(rule: &Rule, message: String) -> Finding {
        Finding::new(rule, Severity::Deny, message)
    }

    /// A finding of a path rule, `path[GLOB].FIELD`, which rejects the
    /// commit.
    pub fn path(rule: String, message: String) -> Finding {
        Finding { rule, severity: Severity::Deny, message }
    }

    /// The rule, when it is one of [`RULES`] (path rules are not).
    pub fn known_rule(&self) -> Option<&'static Rule> {
        rule(&self.rule)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]: {}", self.severity, self.rule, self.message)
    }
}

/// What a rule is about; callers decide by it, never by an id's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concern {
    /// The attestation itself: present, well-formed, bound to this change,
    /// its signature valid. Decided without a keyring.
    Attestation,
    /// The signing key as the trusted keyring knows it: listed, and valid
    /// at signing time.
    Key,
    /// The signer as the trusted keyring names them: the person
    /// `Understood-by:` names.
    Signer,
    /// The trust base: changes to `.avow/`.
    Trust,
    /// How the message reads: characters, look-alike or divided trailers.
    Message,
    /// A rule of the repository's `.avow/policy.toml`.
    Policy,
    /// Merge commits and squash merges.
    Merge,
}

/// A rule id and what it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The dotted id printed in every output.
    pub id: &'static str,
    /// One sentence, for SARIF's `shortDescription` and the docs.
    pub description: &'static str,
    /// What the rule is about.
    pub concern: Concern,
}

/// The description of a rule that is not one of [`RULES`] (path rules).
pub const POLICY_RULE: &str = "A rule of the repository's avow policy.";

macro_rules! rules {
    ($($(#[$meta:meta])* $name:ident = $id:literal, $concern:ident, $description:expr;)+) => {
        $($(#[$meta])* pub const $name: Rule = Rule { id: $id, description: $description, concern: Concern::$concern };)+

        /// Every rule, in the order of this module.
        pub const RULES: &[Rule] = &[$($name),+];
    };
}

// A description of `POLICY_RULE` keeps a rule's SARIF output as it was
// before the rule had one of its own.
rules! {
    /// No `Avow-Signature:` trailer (or no statement at all).
    ATTESTATION_MISSING = "attestation.missing", Attestation, "The commit carries no attestation trailers.";
    /// The statement trailers are malformed.
    ATTESTATION_STATEMENT = "attestation.statement", Attestation, "The attestation statement is malformed.";
    /// An attestation trailer appears more than once.
    ATTESTATION_DUPLICATE = "attestation.duplicate", Attestation, "An attestation trailer appears more than once.";
    /// A signature line outside the trailer block.
    ATTESTATION_MISPLACED = "attestation.misplaced", Attestation, "An attestation trailer stands outside the trailer block.";
    /// The payload cannot be rebuilt from the commit.
    ATTESTATION_PAYLOAD = "attestation.payload", Attestation, "The signed payload cannot be rebuilt from the commit.";
    /// The change differs from the signed one.
    ATTESTATION_CHANGE = "attestation.change", Attestation, "The change differs from the one that was signed.";
    /// Under `binding = "trees"`, the trees differ from the signed ones.
    ATTESTATION_TREES = "attestation.trees", Attestation, "The commit's trees are not the ones that were signed, and the policy binds exact trees.";
    /// An attestation version this avow no longer accepts (v1).
    ATTESTATION_VERSION = "attestation.version", Attestation, "The attestation is of a version this avow no longer accepts (v1: bound by git's forgeable patch-id).";
    /// A fixup!/squash!/amend! commit that was not folded in.
    ATTESTATION_FIXUP = "attestation.fixup", Attestation, "A fixup!/squash!/amend! commit that was not folded in.";
    /// A squash merge carries more than the branch it squashes.
    SQUASH_CHANGE = "squash.change", Merge, "A squash carries more than the change of the branch it squashes.";
    /// A commit of a squashed branch does not verify.
    SQUASH_SOURCE = "squash.source", Merge, "A commit of the branch a squash comes from does not verify.";
    /// A rejected commit names a pull or merge request whose branch is
    /// not in the repository, so it cannot be checked as that squash.
    SQUASH_MISSING = "squash.missing", Merge, "A commit names a pull or merge request (a forge's squash) whose branch is not in the repository.";
    /// The `Avow-Signature:` trailer is malformed.
    SIGNATURE_MALFORMED = "signature.malformed", Attestation, "The Avow-Signature trailer is malformed.";
    /// The signature does not verify.
    SIGNATURE_INVALID = "signature.invalid", Attestation, "The signature does not verify.";
    /// The signing key is not in the trusted keyring.
    SIGNATURE_UNKNOWN_KEY = "signature.unknown-key", Key, "The signing key is not in the trusted keyring.";
    /// The key was expired, revoked or not yet valid at signing time, or is
    /// a key anyone can sign for (an RSA key with a prime modulus: entry 116).
    SIGNATURE_KEY_STATUS = "signature.key-status", Key, "The signing key was expired, revoked or not yet valid when it signed, or is a key anyone can sign for.";
    /// `Understood-by:` does not name the signer.
    UNDERSTOOD_BY_SIGNER = "understood-by.signer", Signer, POLICY_RULE;
    /// `Understood-by:` gives another name than the keyring's.
    UNDERSTOOD_BY_NAME = "understood-by.name", Signer, POLICY_RULE;
    /// A change to `.avow/` without a maintainer's attestation.
    TRUST_AVOW_CHANGE = "trust.avow-change", Trust, "A change to .avow/ is not attested by a maintainer.";
    /// The message is not UTF-8.
    MESSAGE_ENCODING = "message.encoding", Message, "The commit message is not UTF-8.";
    /// Control or bidirectional characters in the subject or statement.
    MESSAGE_UNSAFE_CHARACTERS = "message.unsafe-characters", Message, POLICY_RULE;
    /// git's trailer readers disagree because of a `---` line.
    MESSAGE_DIVIDER = "message.divider", Message, "A `---` line makes git's trailer readers disagree on the statement.";
    /// A line looks like a statement trailer that git does not read.
    MESSAGE_LOOKALIKE_TRAILER = "message.lookalike-trailer", Message, "A line looks like a statement trailer that git does not read.";
    /// A note attests the commit while its message displays another,
    /// unsigned statement.
    MESSAGE_UNSIGNED_STATEMENT = "message.unsigned-statement", Message, "The message displays a statement other than the one signed for the commit (in its note).";
    /// A merge whose tree is not the automatic merge of its parents.
    MERGE_UNCLEAN = "merge.unclean", Merge, POLICY_RULE;
    /// Under `understood-by = "author"`, `Understood-by:` is not the author.
    UNDERSTOOD_BY = "understood-by", Policy, POLICY_RULE;
    /// The declared authorship is not allowed.
    AUTHORSHIP_ALLOWED = "authorship.allowed", Policy, "The declared authorship is not allowed by the policy.";
    /// `Assisted-by:` does not have the required shape.
    AUTHORSHIP_ASSISTED_BY_FORMAT = "authorship.assisted-by-format", Policy, "An Assisted-by trailer does not follow AGENT:MODEL.";
    /// A `Signed-off-by:` matching the author is required.
    DCO_REQUIRED = "dco.required", Policy, "The policy requires a Signed-off-by matching the author.";
    /// `Authorship: human` beside an agent marker.
    AUTHORSHIP_MISMATCH = "authorship.mismatch", Policy, "The commit declares human authorship while carrying an AI-agent marker.";
    /// A signing key of a type the policy does not accept.
    KEYS_TYPES = "keys.types", Policy, "The signing key is of a type the policy does not accept.";
    /// An RSA signing key below the policy's minimum size.
    KEYS_RSA_MIN_BITS = "keys.rsa-min-bits", Policy, "The RSA signing key is smaller than the policy's minimum.";
    /// AI-agent markers the policy refuses.
    MARKERS_REFUSE = "markers.refuse", Policy, "The commit carries AI-agent markers the policy refuses.";
    /// The rationale is boilerplate.
    RATIONALE_BOILERPLATE = "rationale.boilerplate", Policy, "The rationale is boilerplate.";
    /// The rationale is too short.
    RATIONALE_MIN_LENGTH = "rationale.min-length", Policy, "The rationale is shorter than the policy's minimum.";
    /// The same rationale across commits.
    RATIONALE_REJECT_REUSE = "rationale.reject-reuse", Policy, "The same rationale is reused across commits.";
    /// The rationale repeats the subject.
    RATIONALE_REJECT_SUBJECT_COPY = "rationale.reject-subject-copy", Policy, "The rationale repeats the subject.";
    /// A newcomer's change is larger than `[newcomer]` allows.
    NEWCOMER_MAX_LINES = "newcomer.max-lines", Policy, POLICY_RULE;
    /// A newcomer's change touches more files than `[newcomer]` allows.
    NEWCOMER_MAX_FILES = "newcomer.max-files", Policy, POLICY_RULE;
    /// A newcomer's authorship is not one `[newcomer]` allows.
    NEWCOMER_AUTHORSHIP = "newcomer.authorship", Policy, POLICY_RULE;
    /// Too many files.
    SIZE_MAX_FILES = "size.max-files", Policy, "The change touches more files than the policy allows.";
    /// Too many lines.
    SIZE_MAX_LINES = "size.max-lines", Policy, "The change is larger than the policy allows.";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The description of a rule id; [`POLICY_RULE`] for path rules.
pub fn describe(id: &str) -> &'static str {
    rule(id).map_or(POLICY_RULE, |r| r.description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_lowercase() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES[..i].iter().all(|o| o.id != r.id), "{} twice", r.id);
            assert!(r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-'), "{}", r.id);
        }
    }
}
