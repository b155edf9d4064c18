//! The attestation statement: what the trailers of a commit say about how
//! the change was made and who stands behind it.

use std::fmt;
use std::str::FromStr;

use crate::trailer::Trailer;

/// `Authorship:` — how the change was written.
pub const AUTHORSHIP: &str = "Authorship";
/// `Assisted-by:` — an AI tool that took part, in the Linux kernel's format.
pub const ASSISTED_BY: &str = "Assisted-by";
/// `Understood-by:` — the person who vouches for the change.
pub const UNDERSTOOD_BY: &str = "Understood-by";
/// `Rationale:` — why the change is right, in the attester's words.
pub const RATIONALE: &str = "Rationale";
/// `Avow-Signature:` — the signature over the canonical payload.
pub const SIGNATURE: &str = "Avow-Signature";

/// The statement keys, in the order they appear in the payload.
pub const STATEMENT_KEYS: [&str; 4] = [AUTHORSHIP, ASSISTED_BY, UNDERSTOOD_BY, RATIONALE];

/// How a change was authored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Authorship {
    /// Every line written by the person (editor completion of single
    /// identifiers allowed).
    Human,
    /// AI tools used interactively; every line read and understood.
    Assisted,
    /// Substantial parts produced by an autonomous tool.
    Generated,
}

impl Authorship {
    /// All values, in order of increasing machine involvement.
    pub const ALL: [Authorship; 3] = [Authorship::Human, Authorship::Assisted, Authorship::Generated];

    /// The trailer value.
    pub fn as_str(self) -> &'static str {
        match self {
            Authorship::Human => "human",
            Authorship::Assisted => "assisted",
            Authorship::Generated => "generated",
        }
    }
}

impl fmt::Display for Authorship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Authorship {
    type Err = StatementError;

    /// Exact, lowercase: `human`, `assisted` or `generated`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Authorship::Human),
            "assisted" => Ok(Authorship::Assisted),
            "generated" => Ok(Authorship::Generated),
            other => Err(StatementError::BadAuthorship(other.to_owned())),
        }
    }
}

/// A person as `Name <email>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    /// The display name (may be empty).
    pub name: String,
    /// The email address, as written.
    pub email: String,
}

impl Person {
    /// Parses `Name <email>`; the email must be non-empty and free of spaces
    /// and angle brackets.
    pub fn parse(s: &str) -> Option<Person> {
        let s = s.trim();
        let open = s.find('<')?;
        let rest = &s[open + 1..];
        let close = rest.find('>')?;
        if !rest[close + 1..].trim().is_empty() {
            return None;
        }
        let email = &rest[..close];
        if email.is_empty() || email.contains(|c: char| c.is_whitespace() || c == '<' || c == '>') {
            return None;
        }
        Some(Person { name: s[..open].trim().to_owned(), email: email.to_owned() })
    }

    /// Whether two emails name the same mailbox: ASCII case-insensitive, and
    /// nothing else (no Unicode folding, so homoglyphs never match).
    pub fn same_email(a: &str, b: &str) -> bool {
        a.eq_ignore_ascii_case(b)
    }

    /// Whether two display names are the same: ASCII case and runs of
    /// whitespace aside, and nothing else (no Unicode folding, so homoglyphs
    /// differ).
    pub fn same_name(a: &str, b: &str) -> bool {
        let words = |s: &str| s.split_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>();
        words(a) == words(b)
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "<{}>", self.email)
        } else {
            write!(f, "{} <{}>", self.name, self.email)
        }
    }
}

/// What is wrong with the attestation trailers of a message. Each is a
/// reason a commit is refused, not a runtime error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// A required trailer is absent.
    #[error("missing `{0}:` trailer")]
    Missing(&'static str),
    /// A trailer that must appear once appears several times.
    #[error("`{key}:` appears {count} times; it must appear exactly once")]
    Duplicate {
        /// The trailer key.
        key: &'static str,
        /// How often it appears.
        count: usize,
    },
    /// `Authorship:` has an unknown value.
    #[error("`Authorship: {0}` is not one of human, assisted, generated")]
    BadAuthorship(String),
    /// `Assisted-by:` is required but absent.
    #[error("`Authorship: {0}` needs at least one `Assisted-by: AGENT:MODEL [TOOL…]` trailer")]
    AssistedByMissing(Authorship),
    /// `Assisted-by:` is present on a human change.
    #[error("`Authorship: human` must not carry `Assisted-by:` trailers; declare `assisted` or `generated`")]
    AssistedByOnHuman,
    /// `Understood-by:` is not `Name <email>`.
    #[error("`Understood-by: {0}` is not of the form `Name <email>`")]
    BadUnderstoodBy(String),
    /// An empty rationale.
    #[error("`Rationale:` is empty; say why the change is needed and how it works")]
    EmptyRationale,
}

/// The attestation statement of a commit, read from its trailers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// How the change was written.
    pub authorship: Authorship,
    /// The AI tools named, in message order.
    pub assisted_by: Vec<String>,
    /// Who vouches for the change.
    pub understood_by: Person,
    /// Why the change is right.
    pub rationale: String,
}

fn collect<'a>(trailers: &'a [Trailer], key: &str) -> Vec<&'a str> {
    trailers.iter().filter(|t| t.is(key)).map(|t| t.value.as_str()).collect()
}

fn exactly_one<'a>(trailers: &'a [Trailer], key: &'static str) -> Result<&'a str, StatementError> {
    match collect(trailers, key).as_slice() {
        [] => Err(StatementError::Missing(key)),
        [one] => Ok(one),
        many => Err(StatementError::Duplicate { key, count: many.len() }),
    }
}

impl Statement {
    /// Reads the statement from parsed trailers (keys compared
    /// case-insensitively, as git does). Returns every problem found, not
    /// just the first, so a contributor can fix them in one go.
    pub fn from_trailers(trailers: &[Trailer]) -> Result<Statement, Vec<StatementError>> {
        let mut problems = Vec::new();
        let authorship =
            exactly_one(trailers, AUTHORSHIP).and_then(str::parse::<Authorship>).map_err(|e| problems.push(e)).ok();
        let assisted_by: Vec<String> = collect(trailers, ASSISTED_BY).into_iter().map(str::to_owned).collect();
        match authorship {
            Some(Authorship::Human) if !assisted_by.is_empty() => {
                problems.push(StatementError::AssistedByOnHuman);
            }
            Some(a @ (Authorship::Assisted | Authorship::Generated)) if assisted_by.is_empty() => {
                problems.push(StatementError::AssistedByMissing(a));
            }
            _ => {}
        }
        let understood_by = exactly_one(trailers, UNDERSTOOD_BY)
            .and_then(|v| Person::parse(v).ok_or_else(|| StatementError::BadUnderstoodBy(v.to_owned())))
            .map_err(|e| problems.push(e))
            .ok();
        let rationale = exactly_one(trailers, RATIONALE)
            .and_then(|v| if v.trim().is_empty() { Err(StatementError::EmptyRationale) } else { Ok(v) })
            .map_err(|e| problems.push(e))
            .ok();
        match (authorship, understood_by, rationale) {
            (Some(authorship), Some(understood_by), Some(rationale)) if problems.is_empty() => {
                Ok(Statement { authorship, assisted_by, understood_by, rationale: rationale.to_owned() })
            }
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: &str, v: &str) -> Trailer {
        Trailer::new(k, v)
    }

    #[test]
    fn reads_a_complete_statement() {
        let s = Statement::from_trailers(&[
            t("Authorship", "assisted"),
            t("assisted-by", "Claude:claude-opus-4 rg"),
            t("Understood-By", "Alice <alice@example.org>"),
            t("Rationale", "Fixes the off-by-one in the parser."),
            t("Signed-off-by", "Alice <alice@example.org>"),
        ])
        .unwrap();
        assert_eq!(s.authorship, Authorship::Assisted);
        assert_eq!(s.assisted_by, vec!["Claude:claude-opus-4 rg"]);
        assert_eq!(s.understood_by.email, "alice@example.org");
    }

    #[test]
    fn reports_every_problem() {
        let errs = Statement::from_trailers(&[
            t("Authorship", "Human"),
            t("Rationale", "a"),
            t("Rationale", "b"),
            t("Understood-by", "alice@example.org"),
        ])
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                StatementError::BadAuthorship("Human".into()),
                StatementError::BadUnderstoodBy("alice@example.org".into()),
                StatementError::Duplicate { key: RATIONALE, count: 2 },
            ]
        );
    }

    #[test]
    fn assisted_by_must_match_authorship() {
        let base = [t("Understood-by", "A <a@b>"), t("Rationale", "r")];
        let human = [&base[..], &[t("Authorship", "human"), t("Assisted-by", "x:y")]].concat();
        assert_eq!(Statement::from_trailers(&human).unwrap_err(), vec![StatementError::AssistedByOnHuman]);
        let gen = [&base[..], &[t("Authorship", "generated")]].concat();
        assert_eq!(
            Statement::from_trailers(&gen).unwrap_err(),
            vec![StatementError::AssistedByMissing(Authorship::Generated)]
        );
    }

    #[test]
    fn person_parsing() {
        assert_eq!(Person::parse("Alice Example <a@x.org>").unwrap().name, "Alice Example");
        assert_eq!(Person::parse("<a@x.org>").unwrap().name, "");
        for bad in ["a@x.org", "A <>", "A <a b@x>", "A <a@x> trailing", "A a@x>"] {
            assert!(Person::parse(bad).is_none(), "{bad}");
        }
        assert!(Person::same_email("Alice@Example.org", "alice@example.org"));
        assert!(!Person::same_email("alice@example.org", "аlice@example.org"));
    }
}
