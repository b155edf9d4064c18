//! [`Wildcard`], the pattern of most marker kinds, and the ASCII
//! case-insensitive comparisons the scan uses.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer};

/// A pattern in which `*` matches any run of characters (including none)
/// and every other character matches itself, ASCII case-insensitively.
///
/// Brackets, `?` and braces are literal, so `*[bot]@users.noreply.github.com`
/// means what it says (unlike in shell globs, where `[bot]` is a character
/// class). The whole input must match.
#[derive(Clone)]
pub struct Wildcard {
    /// The pattern as written: borrowed for the built-in list, so that
    /// compiling it copies nothing.
    text: Cow<'static, str>,
    /// The pattern ASCII-lowercased; `None` when that is `text` itself
    /// (most patterns). Its pieces between `*`s are the literal parts.
    lower: Option<Box<[u8]>>,
    /// Where its `*`s are, found once here rather than at every match (a
    /// scan matches each identity against dozens of patterns).
    stars: Box<[usize]>,
}

impl Wildcard {
    /// Compiles a pattern.
    pub fn new(pattern: &str) -> Wildcard {
        Wildcard::from_text(Cow::Owned(pattern.to_owned()))
    }

    /// Compiles a pattern, borrowing it when it is `'static`.
    pub(super) fn from_text(text: Cow<'static, str>) -> Wildcard {
        let lower = text.bytes().any(|b| b.is_ascii_uppercase()).then(|| text.as_bytes().to_ascii_lowercase().into());
        let stars = memchr::memchr_iter(b'*', text.as_bytes()).collect();
        Wildcard { text, lower, stars }
    }

    /// The pattern ASCII-lowercased.
    fn lowered(&self) -> &[u8] {
        self.lower.as_deref().unwrap_or(self.text.as_bytes())
    }

    /// The literal pieces between `*`s, ASCII-lowercased (at least one,
    /// perhaps empty).
    fn parts(&self) -> std::slice::Split<'_, u8, impl FnMut(&u8) -> bool> {
        self.lowered().split(|&b| b == b'*')
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern has no `*`.
    pub fn is_literal(&self) -> bool {
        !self.text.contains('*')
    }

    /// The longest literal piece between `*`s, ASCII-lowercased: every
    /// input that matches contains it.
    pub(super) fn longest_part(&self) -> &[u8] {
        self.parts().max_by_key(|p| p.len()).unwrap_or(&[])
    }

    /// Whether `input` matches the whole pattern.
    pub fn is_match(&self, input: &str) -> bool {
        let s = input.as_bytes();
        let p = self.lowered();
        let (Some(&first_star), Some(&last_star)) = (self.stars.first(), self.stars.last()) else {
            return s.eq_ignore_ascii_case(p);
        };
        let (first, last) = (&p[..first_star], &p[last_star + 1..]);
        if s.len() < first.len() + last.len()
            || !s[..first.len()].eq_ignore_ascii_case(first)
            || !s[s.len() - last.len()..].eq_ignore_ascii_case(last)
        {
            return false;
        }
        let end = s.len() - last.len();
        let mut pos = first.len();
        for w in self.stars.windows(2) {
            let mid = &p[w[0] + 1..w[1]];
            match find_ci(&s[pos..end], mid) {
                Some(i) => pos += i + mid.len(),
                None => return false,
            }
        }
        true
    }
}

/// The first position of `needle` (lowercase) in `hay`, ASCII
/// case-insensitively.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    // Candidates start with the needle's first byte in either case: memchr
    // finds those without comparing at every position, which keeps a
    // message of long lines (an attacker's) from stalling the verifier.
    let (head, rest) = (needle[0], &needle[1..]);
    let last_start = hay.len().checked_sub(needle.len())?;
    memchr::memchr2_iter(head.to_ascii_lowercase(), head.to_ascii_uppercase(), &hay[..=last_start])
        .find(|&i| hay[i + 1..i + needle.len()].eq_ignore_ascii_case(rest))
}

pub(super) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

pub(super) fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

impl fmt::Debug for Wildcard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Wildcard({:?})", self.text)
    }
}

impl fmt::Display for Wildcard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Wildcard {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Wildcard {}

impl serde::Serialize for Wildcard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Wildcard {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(serde::de::Error::custom("empty pattern; write an email or a pattern with `*`"));
        }
        Ok(Wildcard::new(&s))
    }
}
