//! Characters that make text read differently from what it is: terminal
//! control sequences and Unicode bidirectional controls. An attestation
//! must say the same thing to every reader, and a verifier's output must
//! not be rewritten by the commits it reports on.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::facts::CommitFacts;
use crate::policy::Finding;

/// Unicode's bidirectional formatting characters (marks, embeddings,
/// overrides, isolates): they reorder what a reader sees ("Trojan Source").
const BIDI: [char; 12] = [
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Whether `c` changes how the text around it reads: a control character
/// other than tab (C0, DEL, C1: escape sequences, carriage return,
/// backspace) or a bidirectional control.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t') || BIDI.contains(&c)
}

/// `s` with every [`is_unsafe`] character written as `\u{…}`, for showing
/// untrusted text on a terminal. Borrowed when there is nothing to escape.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The rule `message.unsafe-characters`: the subject and the statement
/// (what the signature binds and the verifier shows) must not hold
/// [`is_unsafe`] characters. Line breaks cannot occur there (the payload
/// refuses them), so any control character is an attempt to hide text.
pub fn check(facts: &CommitFacts) -> Option<Finding> {
    let mut fields: Vec<(&str, &str)> = vec![("the subject", facts.subject.as_str())];
    if let Some(st) = &facts.statement {
        fields.push(("Understood-by", &st.understood_by.name));
        fields.push(("Understood-by", &st.understood_by.email));
        fields.push(("Rationale", &st.rationale));
        fields.extend(st.assisted_by.iter().map(|a| ("Assisted-by", a.as_str())));
    }
    let (field, c) = fields.iter().find_map(|(f, v)| v.chars().find(|c| is_unsafe(*c)).map(|c| (*f, c)))?;
    Some(Finding::deny(
        "message.unsafe-characters",
        format!(
            "{field} contains the control character U+{:04X}, which can make text read differently on a terminal or in review; write it without control or bidirectional characters and re-commit",
            u32::from(c)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_only() {
        assert!(matches!(visible("Fix the parser\tnow é"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{1b}[2Kb\rc\u{202e}d\u{85}"), "a\\u{1b}[2Kb\\u{d}c\\u{202e}d\\u{85}");
    }
}
