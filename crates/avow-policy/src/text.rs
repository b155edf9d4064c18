//! Characters that make text read differently from what it is: terminal
//! control sequences and Unicode bidirectional controls. An attestation
//! must say the same thing to every reader, and a verifier's output must
//! not be rewritten by the commits it reports on.

use std::borrow::Cow;
use std::fmt::Write as _;

use avow_core::attestation::{SIGNATURE, STATEMENT_KEYS};
use avow_core::trailer::{self, ParseOptions, Trailer};

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

/// Letters of other scripts that look like ASCII letters (Cyrillic, Greek,
/// Latin variants): enough to unmask a trailer key written to pass for
/// `Authorship` or `Avow-Signature`.
const CONFUSABLES: [(char, char); 40] = [
    ('а', 'a'),
    ('А', 'A'),
    ('в', 'b'),
    ('В', 'B'),
    ('с', 'c'),
    ('С', 'C'),
    ('ԁ', 'd'),
    ('е', 'e'),
    ('Е', 'E'),
    ('ɡ', 'g'),
    ('һ', 'h'),
    ('Н', 'H'),
    ('і', 'i'),
    ('І', 'I'),
    ('ı', 'i'),
    ('ι', 'i'),
    ('Ι', 'I'),
    ('ј', 'j'),
    ('К', 'K'),
    ('κ', 'k'),
    ('М', 'M'),
    ('о', 'o'),
    ('О', 'O'),
    ('ο', 'o'),
    ('Ο', 'O'),
    ('р', 'p'),
    ('Р', 'P'),
    ('ρ', 'p'),
    ('ѕ', 's'),
    ('Ѕ', 'S'),
    ('т', 't'),
    ('Т', 'T'),
    ('τ', 't'),
    ('Τ', 'T'),
    ('υ', 'u'),
    ('ν', 'v'),
    ('ѵ', 'v'),
    ('х', 'x'),
    ('Х', 'X'),
    ('у', 'y'),
];

/// What a key looks like: look-alike letters as ASCII, fullwidth forms as
/// ASCII, invisible and combining characters dropped, lowercase.
fn skeleton(key: &str) -> String {
    key.chars()
        .filter_map(|c| {
            if c.is_ascii() {
                return Some(c.to_ascii_lowercase());
            }
            if let Some((_, a)) = CONFUSABLES.iter().find(|(k, _)| *k == c) {
                return Some(a.to_ascii_lowercase());
            }
            // Fullwidth ASCII (U+FF01..U+FF5E).
            let fullwidth =
                u32::from(c).checked_sub(0xFEE0).and_then(char::from_u32).filter(|a| ('!'..='~').contains(a));
            fullwidth.map(|a| a.to_ascii_lowercase())
        })
        .collect()
}

/// The rules on how a commit's text reads: `message.unsafe-characters`
/// (below), and `message.lookalike-trailer`: a line whose key is not ASCII
/// but looks like a statement or signature key (`Аuthorship: human` with a
/// Cyrillic `А`, or an invisible character inside the key). git does not
/// read it as that trailer (nor as any), but a reader of the log does.
pub fn check(facts: &CommitFacts) -> Vec<Finding> {
    let keys = STATEMENT_KEYS.iter().chain([&SIGNATURE]);
    let mut out: Vec<Finding> = unsafe_characters(facts).into_iter().chain(divider(&facts.message)).collect();
    let lookalike = facts.message.lines().find_map(|line| {
        let key = line.split_once(':')?.0.trim();
        let target = keys.clone().find(|k| !key.is_ascii() && skeleton(key) == k.to_ascii_lowercase())?;
        Some((key, *target))
    });
    if let Some((key, target)) = lookalike {
        out.push(Finding::deny(
            "message.lookalike-trailer",
            format!(
                "the line key {:?} is written to look like `{target}:` but is not (git does not read it as that trailer); remove the line",
                visible(key)
            ),
        ));
    }
    out
}

/// The rule `message.divider`: git has two ways of reading trailers, and
/// they part at a `---` line. `git interpret-trailers --parse` (and avow, the
/// hook, `git commit --trailer`) take the line for the start of a patch and
/// read the trailers above it; `git log --format=%(trailers)`, `git
/// for-each-ref` and `git shortlog --group=trailer:` read the whole message.
/// When they see different statement or signature trailers, a reader of the
/// log is shown a statement that was not signed.
pub fn divider(message: &str) -> Option<Finding> {
    let statement = |no_divider| -> Vec<Trailer> {
        let opts = ParseOptions { no_divider, ..ParseOptions::default() };
        trailer::parse(message, &opts)
            .into_iter()
            .filter(|t| STATEMENT_KEYS.iter().chain([&SIGNATURE]).any(|k| t.is(k)))
            .collect()
    };
    let (cut, whole) = (statement(false), statement(true));
    if cut == whole {
        return None;
    }
    let only_in = |a: &[Trailer], b: &[Trailer]| a.iter().find(|t| !b.contains(t)).cloned();
    let (reader, other, t) = match only_in(&whole, &cut) {
        Some(t) => ("git log --format=%(trailers)", "git interpret-trailers --parse", t),
        None => ("git interpret-trailers --parse", "git log --format=%(trailers)", only_in(&cut, &whole)?),
    };
    let mut shown = t.to_string();
    if shown.chars().count() > 60 {
        shown = shown.chars().take(59).chain(['…']).collect();
    }
    Some(Finding::deny(
        "message.divider",
        format!(
            "a `---` line makes git's trailer readers disagree on the statement: `{reader}` reads `{}`, `{other}` does not; remove or indent the `---` line and commit again",
            visible(&shown)
        ),
    ))
}

/// The rule `message.unsafe-characters`: the subject and the statement
/// (what the signature binds and the verifier shows) must not hold
/// [`is_unsafe`] characters. Line breaks cannot occur there (the payload
/// refuses them), so any control character is an attempt to hide text.
fn unsafe_characters(facts: &CommitFacts) -> Option<Finding> {
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
    fn skeletons_unmask_lookalike_keys() {
        assert_eq!(skeleton("\u{410}uthorship"), "authorship");
        assert_eq!(skeleton("Auth\u{200b}orship"), "authorship");
        assert_eq!(skeleton("\u{ff21}vow-Signature"), "avow-signature");
        assert_eq!(skeleton("R\u{430}tionale"), "rationale");
        assert_ne!(skeleton("Rationalé"), "rationale");
    }

    #[test]
    fn escapes_controls_and_bidi_only() {
        assert!(matches!(visible("Fix the parser\tnow é"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{1b}[2Kb\rc\u{202e}d\u{85}"), "a\\u{1b}[2Kb\\u{d}c\\u{202e}d\\u{85}");
    }
}
