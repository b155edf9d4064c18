//! Characters that make text read differently from what it is: terminal
//! control sequences and Unicode bidirectional controls. An attestation
//! must say the same thing to every reader, and a verifier's output must
//! not be rewritten by the commits it reports on.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use avow_core::attestation::{SIGNATURE, STATEMENT_KEYS};
use avow_core::trailer::{self, ParseOptions, Trailer};

use crate::facts::CommitFacts;
use crate::findings::{Finding, MESSAGE_DIVIDER, MESSAGE_LOOKALIKE_TRAILER, MESSAGE_UNSAFE_CHARACTERS};

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

/// [`skeleton_of`]: worked out once per process for each ASCII character
/// met (most of every message; only the characters met, since the commit
/// hook checks one message, where the whole table would cost more than
/// the rest of the rule), remembered per message for the others (a long
/// message repeats few distinct characters).
fn looks(c: char, upper: bool, memo: &mut HashMap<(char, bool), Vec<char>>) -> Cow<'static, [char]> {
    static ASCII: [[OnceLock<Vec<char>>; 128]; 2] = [const { [const { OnceLock::new() }; 128] }; 2];
    if c.is_ascii() {
        let table = if upper { &ASCII_UPPER } else { &ASCII_LOWER };
        return Cow::Borrowed(
            ASCII[usize::from(upper)][c as usize].get_or_init(|| table[c as usize].chars().collect()),
        );
    }
    Cow::Owned(memo.entry((c, upper)).or_insert_with(|| skeleton_of(c, upper)).clone())
}

/// [`skeleton_of`] each ASCII character, case folded down (`m` looks like
/// `rn`, `0` like `o`): written out, as a unit test checks, because the
/// commit hook checks one message, and working them out there cost more
/// than the rest of the rule.
const ASCII_LOWER: [&str; 128] = [
    "\0", "\u{1}", "\u{2}", "\u{3}", "\u{4}", "\u{5}", "\u{6}", "\u{7}", "\u{8}", " ", " ", " ", " ", " ", "\u{e}",
    "\u{f}", "\u{10}", "\u{11}", "\u{12}", "\u{13}", "\u{14}", "\u{15}", "\u{16}", "\u{17}", "\u{18}", "\u{19}",
    "\u{1a}", "\u{1b}", "\u{1c}", "\u{1d}", "\u{1e}", "\u{1f}", " ", "!", "''", "#", "$", "°/₀", "&", "'", "(", ")",
    "*", "+", ",", "-", ".", "/", "o", "l", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?", "@",
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "rn", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w",
    "x", "y", "z", "[", "\\", "]", "^", "_", "'", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "rn",
    "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "{", "l", "}", "~", "\u{7f}",
];

/// [`skeleton_of`] each ASCII character, case folded up (`I` looks like `l`).
const ASCII_UPPER: [&str; 128] = [
    "\0", "\u{1}", "\u{2}", "\u{3}", "\u{4}", "\u{5}", "\u{6}", "\u{7}", "\u{8}", " ", " ", " ", " ", " ", "\u{e}",
    "\u{f}", "\u{10}", "\u{11}", "\u{12}", "\u{13}", "\u{14}", "\u{15}", "\u{16}", "\u{17}", "\u{18}", "\u{19}",
    "\u{1a}", "\u{1b}", "\u{1c}", "\u{1d}", "\u{1e}", "\u{1f}", " ", "!", "''", "#", "$", "°/₀", "&", "'", "(", ")",
    "*", "+", ",", "-", ".", "/", "o", "l", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?", "@",
    "a", "b", "c", "d", "e", "f", "g", "h", "l", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w",
    "x", "y", "z", "[", "\\", "]", "^", "_", "'", "a", "b", "c", "d", "e", "f", "g", "h", "l", "j", "k", "l", "m", "n",
    "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "{", "l", "}", "~", "\u{7f}",
];

/// How a character looks, for comparing text with a trailer key: white
/// space of any kind as a space, then Unicode's confusable skeleton (UTS
/// #39, which drops default-ignorable characters such as zero-width spaces
/// and maps fullwidth forms, `∶` and letters of other scripts to their
/// ASCII look-alikes), combining marks dropped, lowercase. Case is folded
/// before the skeleton (`upper` picks the direction), because the skeleton
/// keeps case; text and key look alike when either direction matches.
/// Character by character, so that a long line is read only as far as it
/// can still look like a key; the skeleton of a string is the skeletons of
/// its characters, up to the order of combining marks, which are dropped.
///
/// The skeletons come from a table build.rs writes from unicode-security,
/// each character's with combining marks dropped; a case mapping's
/// skeleton is its characters' skeletons one after another once the marks
/// are dropped (normalization only reorders marks), which a test checks for
/// every character against unicode-security itself.
fn skeleton_of(c: char, upper: bool) -> Vec<char> {
    let c = if c.is_whitespace() { ' ' } else { c };
    let mut out = Vec::new();
    let mut add = |c: char| match looks_of(c) {
        Some(looked) => out.extend(looked.iter().filter_map(|&n| char::from_u32(n)).flat_map(char::to_lowercase)),
        None => out.extend(c.to_lowercase()),
    };
    if upper {
        c.to_uppercase().for_each(&mut add);
    } else {
        c.to_lowercase().for_each(&mut add);
    }
    out
}

// `LOOKS_KEYS`, `LOOKS_AT` and `LOOKS_CHARS`, by build.rs: plain integers,
// so that no start of the binary relocates them.
include!(concat!(env!("OUT_DIR"), "/looks.rs"));

/// A character's UTS #39 skeleton with combining marks dropped, when it is
/// not the character itself.
fn looks_of(c: char) -> Option<&'static [u32]> {
    let i = LOOKS_KEYS.binary_search(&u32::from(c)).ok()?;
    let (at, len) = ((LOOKS_AT[i] >> 8) as usize, (LOOKS_AT[i] & 0xff) as usize);
    Some(&LOOKS_CHARS[at..at + len])
}

/// A key and how it looks.
type KeyLooks = (&'static str, Vec<char>);

/// The statement or signature key that `line` reads as to a person — a
/// key, then `:`, with white space around, all as [`skeleton_of`] sees them.
fn reads_as(line: &str, memo: &mut HashMap<(char, bool), Vec<char>>) -> Option<&'static str> {
    // Each key as it looks, in both case directions.
    static KEYS: OnceLock<[Vec<KeyLooks>; 2]> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        [false, true].map(|upper| {
            // The keys are ASCII: their skeletons are written out below.
            let table = if upper { &ASCII_UPPER } else { &ASCII_LOWER };
            let key_looks = |key: &str| key.chars().flat_map(|c| table[c as usize].chars()).collect();
            STATEMENT_KEYS.iter().chain([&SIGNATURE]).map(|&k| (k, key_looks(k))).collect()
        })
    });
    [false, true].into_iter().find_map(|upper| {
        let keys = &keys[usize::from(upper)];
        let longest = keys.iter().map(|(_, k)| k.len()).max().unwrap_or(0);
        // Only as much of the line as the longest key, then on to the colon.
        let mut seen = line
            .chars()
            .flat_map(|c| {
                let looked = looks(c, upper, memo);
                (0..looked.len()).map(move |i| looked[i])
            })
            .skip_while(|&c| c == ' ');
        let head: Vec<char> = seen.by_ref().take(longest).collect();
        let (key, looked) = keys.iter().find(|(_, k)| head.starts_with(k))?;
        let mut rest = head[looked.len()..].iter().copied().chain(seen);
        (rest.find(|&c| c != ' ') == Some(':')).then_some(*key)
    })
}

/// Whether `line` is ASCII and holds no character that looks like `:`
/// ([`skeleton_of`], either case direction): such a line cannot read as
/// `Key:` ([`reads_as`] would find no colon), and most lines of a message
/// are such lines. Which ASCII characters look like `:` is read from the
/// written-out skeletons (held to [`skeleton_of`] by a unit test): working
/// them out here cost the commit hook 0.3 M instructions.
fn ascii_without_colon(line: &str) -> bool {
    const COLONS: [bool; 128] = {
        let mut colons = [false; 128];
        let mut b = 0;
        while b < 128 {
            colons[b] = has_colon(ASCII_LOWER[b]) || has_colon(ASCII_UPPER[b]);
            b += 1;
        }
        colons
    };
    line.bytes().all(|b| b.is_ascii() && !COLONS[usize::from(b)])
}

/// Whether `s` holds a `:` (a `const fn`, for [`ascii_without_colon`]'s table).
const fn has_colon(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether git's trailer syntax reads `line` as the trailer `key`: the key
/// in ASCII (any case) at the start of the line, spaces or tabs, `:`.
fn git_reads_as(line: &str, key: &str) -> bool {
    line.get(..key.len()).is_some_and(|k| k.eq_ignore_ascii_case(key))
        && line[key.len()..].trim_start_matches([' ', '\t']).starts_with(':')
}

/// `s` cut to `max` characters, everything but printable ASCII written as
/// `\u{…}`, so that a reader sees which characters a line holds.
fn spelled_out(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().take(max) {
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
        } else {
            _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// The rule `message.lookalike-trailer`: a line a person reads as a
/// statement or signature trailer that git does not read as that trailer
/// (`Аuthorship: human` with a Cyrillic `А`, a fullwidth or ratio-sign
/// colon, a no-break or zero-width space). Every line of the message is
/// checked, inside the trailer block or not.
pub fn lookalike(message: &str) -> Option<Finding> {
    let keys = || STATEMENT_KEYS.iter().chain([&SIGNATURE]);
    // Each character's skeleton once per message.
    let mut memo = HashMap::new();
    let (line, key) = message.lines().find_map(|line| {
        // A line git reads as one of the keys is that trailer, as it looks;
        // indented with ASCII white space it reads as indented text (git
        // merge --squash and revert quote messages that way).
        let unindented = line.trim_start_matches([' ', '\t']);
        if keys().any(|k| git_reads_as(unindented, k)) || ascii_without_colon(line) {
            return None;
        }
        Some((line, reads_as(line, &mut memo)?))
    })?;
    Some(Finding::deny(
        &MESSAGE_LOOKALIKE_TRAILER,
        format!(
            "the line \"{}\" is written to look like an `{key}:` trailer, but git does not read it as one; remove the line",
            spelled_out(line, 48)
        ),
    ))
}

/// The rules on how a commit's text reads, built in and always on:
/// `message.unsafe-characters`, `message.divider` and
/// `message.lookalike-trailer` (below).
pub fn check(facts: &CommitFacts) -> Vec<Finding> {
    unsafe_characters(facts).into_iter().chain(divider(&facts.message)).chain(lookalike(&facts.message)).collect()
}

/// The rule `message.divider`: git has two ways of reading trailers, and
/// they part at a `---` line. `git interpret-trailers --parse` (and avow, the
/// hook, `git commit --trailer`) take the line for the start of a patch and
/// read the trailers above it; `git log --format=%(trailers)`, `git
/// for-each-ref` and `git shortlog --group=trailer:` read the whole message.
/// When they see different statement or signature trailers, a reader of the
/// log is shown a statement that was not signed.
pub fn divider(message: &str) -> Option<Finding> {
    // Without a `---` line (git's test: `---` then white space or the end)
    // the two readers are the same reader.
    let divides = |l: &str| {
        l.strip_prefix("---").is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r', '\x0b', '\x0c']))
    };
    if !message.split('\n').any(divides) {
        return None;
    }
    let statement = |no_divider| -> Vec<Trailer> {
        let opts = ParseOptions { no_divider, ..ParseOptions::default() };
        trailer::parse(message, &opts)
            .into_iter()
            .filter(|t| STATEMENT_KEYS.iter().chain([&SIGNATURE]).any(|k| t.is(k)))
            .collect()
    };
    let (cut, whole) = (statement(false), statement(true));
    let sorted = |v: &[Trailer]| {
        let mut v: Vec<String> = v.iter().map(ToString::to_string).collect();
        v.sort();
        v
    };
    if sorted(&cut) == sorted(&whole) {
        return None;
    }
    // A trailer one reader sees more often than the other (or only one sees).
    let count = |v: &[Trailer], t: &Trailer| v.iter().filter(|x| *x == t).count();
    let t = whole.iter().chain(&cut).find(|t| count(&whole, t) != count(&cut, t))?.clone();
    let (reader, n, other, m) = if count(&whole, &t) > count(&cut, &t) {
        ("git log --format=%(trailers)", count(&whole, &t), "git interpret-trailers --parse", count(&cut, &t))
    } else {
        ("git interpret-trailers --parse", count(&cut, &t), "git log --format=%(trailers)", count(&whole, &t))
    };
    let mut shown = t.to_string();
    if shown.chars().count() > 60 {
        shown = shown.chars().take(59).chain(['…']).collect();
    }
    Some(Finding::deny(
        &MESSAGE_DIVIDER,
        format!(
            "a `---` line makes git's trailer readers disagree on the statement: `{reader}` reads `{}`{}; remove or indent the `---` line and commit again",
            visible(&shown),
            if m == 0 { format!(", `{other}` does not") } else { format!(" {n} times, `{other}` {m}") }
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
        &MESSAGE_UNSAFE_CHARACTERS,
        format!(
            "{field} contains the control character U+{:04X}, which can make text read differently on a terminal or in review; write it without control or bidirectional characters and re-commit",
            u32::from(c)
        ),
    ))
}

#[cfg(test)]
mod tests {
    /// The table build.rs wrote gives, for every character and both case
    /// directions, what unicode-security's skeleton of its case mapping
    /// gives with combining marks dropped.
    #[test]
    fn skeletons_from_the_table_are_unicode_securitys() {
        use unicode_normalization::char::is_combining_mark;
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            for upper in [false, true] {
                let w = if c.is_whitespace() { ' ' } else { c };
                let cased: String = if upper { w.to_uppercase().collect() } else { w.to_lowercase().collect() };
                let theirs: Vec<char> = unicode_security::skeleton(&cased)
                    .filter(|c| !is_combining_mark(*c))
                    .flat_map(char::to_lowercase)
                    .collect();
                assert_eq!(super::skeleton_of(c, upper), theirs, "{c:?} upper={upper}");
            }
        }
    }

    #[test]
    fn ascii_skeletons_are_written_out_as_worked_out() {
        for upper in [false, true] {
            let table = if upper { &super::ASCII_UPPER } else { &super::ASCII_LOWER };
            for b in 0u8..128 {
                let c = char::from(b);
                assert_eq!(table[usize::from(b)].chars().collect::<Vec<_>>(), super::skeleton_of(c, upper), "{c:?}");
            }
        }
    }

    use super::*;

    #[test]
    fn lines_that_read_as_a_statement_trailer_but_are_not_one() {
        for line in [
            "\u{410}uthorship: human",       // Cyrillic А
            "Auth\u{200b}orship: human",     // zero-width space in the key
            "\u{ff21}vow-Signature: v1",     // fullwidth A
            "R\u{430}tionale: fine",         // Cyrillic а
            "Authorship\u{a0}: human",       // no-break space before the colon
            "Authorship\u{ff1a} human",      // fullwidth colon
            "Authorship\u{2236} human",      // ratio sign
            "\u{a0}Authorship: human",       // leading no-break space
            "Auth\u{585}rship: human",       // Armenian օ
            "Authorship \u{200b}: human",    // space, zero-width space
            "AUTHORSH\u{1d408}P: human",     // mathematical bold I
            "Authórship: human",             // a combining accent
            "Understood\u{2010}by: A <a@x>", // Unicode hyphen
        ] {
            let f = lookalike(&format!("Title\n\n{line}\n")).unwrap_or_else(|| panic!("{line:?}"));
            assert_eq!(f.rule, MESSAGE_LOOKALIKE_TRAILER.id);
        }
        // Indented, an ASCII trailer reads as quoted text (a squash message).
        for line in [
            "Authorship: human",
            "    Authorship: human",
            "\tRationale: quoted",
            "authorship : human",
            "AUTHORSHIP\t: x",
            "Authorships: many",
            "Autorship: typo",
            "Rationale- x",
        ] {
            assert!(lookalike(&format!("Title\n\n{line}\n")).is_none(), "{line:?}");
        }
    }

    #[test]
    fn divider_names_what_one_reader_sees_more_often() {
        let f = divider("Title\n\nAuthorship: human\nSigned-off-by: A <a@x>\n---\nAuthorship: human\n").unwrap();
        assert_eq!(
            f.message,
            "a `---` line makes git's trailer readers disagree on the statement: `git log --format=%(trailers)` reads `Authorship: human` 2 times, `git interpret-trailers --parse` 1; remove or indent the `---` line and commit again"
        );
        assert!(divider("Title\n\nNotes\n---\nmore\n\nAuthorship: human\n").is_some());
        assert!(divider("Title\n\nAuthorship: human\n---x\n").is_none());
    }

    proptest::proptest! {
        /// The shortcut for ASCII lines without a colon-like character
        /// never skips a line the full comparison would flag.
        #[test]
        fn skipped_lines_never_read_as_a_key(line in "[ -~]{0,40}", key in 0..5_usize) {
            let keys: Vec<&str> = STATEMENT_KEYS.iter().chain([&SIGNATURE]).copied().collect();
            // Also lines that start like a key, with the colon replaced.
            let keyed = format!("{}{line}", keys[key % keys.len()]);
            for l in [line.as_str(), keyed.as_str()] {
                if ascii_without_colon(l) {
                    proptest::prop_assert!(reads_as(l, &mut HashMap::new()).is_none(), "{l:?}");
                }
            }
        }
    }

    #[test]
    fn the_message_spells_the_line_out() {
        let f = lookalike("Title\n\nAuthorship\u{a0}: human\n").unwrap();
        assert_eq!(
            f.message,
            "the line \"Authorship\\u{a0}: human\" is written to look like an `Authorship:` trailer, but git does not read it as one; remove the line"
        );
    }

    #[test]
    fn escapes_controls_and_bidi_only() {
        assert!(matches!(visible("Fix the parser\tnow é"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{1b}[2Kb\rc\u{202e}d\u{85}"), "a\\u{1b}[2Kb\\u{d}c\\u{202e}d\\u{85}");
    }
}
