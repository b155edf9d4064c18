//! How an entry's pattern is read, by its kind: each entry compiled once,
//! when the list is parsed, into the [`Matcher`] the scan runs.

use std::borrow::Cow;

use super::{MarkerEntry, MarkerKind, Wildcard};

/// A compiled entry.
#[derive(Debug, Clone)]
pub(super) enum Matcher {
    Email(Wildcard),
    /// A whole name, compared ASCII case-insensitively.
    Name(String),
    /// `name[bot]`, lowercased.
    Bot(String),
    /// Value pattern; `None` for any value. The key is in `trailer_keys`.
    Trailer(Option<Wildcard>),
    /// A footer pattern, and a searcher for its longest literal piece
    /// ([`Wildcard::longest_part`]), which every matching line contains.
    Line(Wildcard, Box<memchr::memmem::Finder<'static>>),
    Prefix(String),
    Suffix(String),
    Generic(Generic),
}

/// The part `part` of `text` picks, still borrowed when `text` was.
#[expect(clippy::ptr_arg, reason = "whether the text is borrowed is what this looks at")]
fn sub(text: &Cow<'static, str>, part: impl for<'a> Fn(&'a str) -> &'a str) -> Cow<'static, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(part(s)),
        Cow::Owned(s) => Cow::Owned(part(s).to_owned()),
    }
}

/// Whether `key` is a possible git trailer key (letters, digits, `-`).
pub(super) fn is_trailer_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub(super) fn compile(entry: &MarkerEntry) -> Result<(Matcher, Option<String>), String> {
    let p = &*entry.pattern;
    if p.trim().is_empty() {
        return Err("empty pattern".into());
    }
    if entry.source.trim().is_empty() {
        return Err("empty source; say where the marker is documented".into());
    }
    if entry.tool.trim().is_empty() {
        return Err("empty tool".into());
    }
    Ok(match entry.kind {
        MarkerKind::AuthorEmail | MarkerKind::CommitterEmail | MarkerKind::Identity => {
            if !p.contains('@') {
                return Err(format!("{p:?} is not an email address (never match bare display names)"));
            }
            (Matcher::Email(Wildcard::from_text(entry.pattern.clone())), None)
        }
        MarkerKind::Name => {
            if p.contains(['*', '<', '>', '@']) || p.trim() != p {
                return Err(format!("{p:?} is not a whole name (no `*`, `<`, `>`, `@` or outer spaces)"));
            }
            (Matcher::Name(p.to_owned()), None)
        }
        MarkerKind::BotLogin => {
            let login = p.to_ascii_lowercase();
            if login.len() <= "[bot]".len() || !login.ends_with("[bot]") || login.contains(['*', ' ', '@']) {
                return Err(format!("{p:?} is not a GitHub app login `name[bot]`"));
            }
            (Matcher::Bot(login), None)
        }
        MarkerKind::Trailer => {
            let (key, value) = match p.split_once(':') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (p.trim(), None),
            };
            if !is_trailer_key(key) {
                return Err(format!("{key:?} is not a trailer key (letters, digits and `-`)"));
            }
            let value = match value {
                None | Some("*") => None,
                Some("") => return Err("empty trailer value; write `Key` alone to match any value".into()),
                Some(_) => {
                    Some(Wildcard::from_text(sub(&entry.pattern, |p| p.split_once(':').map_or(p, |(_, v)| v).trim())))
                }
            };
            (Matcher::Trailer(value), Some(key.to_ascii_lowercase()))
        }
        MarkerKind::Footer => {
            if p.trim().trim_matches('*').trim().is_empty() {
                return Err("a footer pattern must contain some literal text".into());
            }
            let w = Wildcard::from_text(sub(&entry.pattern, str::trim));
            let finder = Box::new(memchr::memmem::Finder::new(w.longest_part()).into_owned());
            (Matcher::Line(w, finder), None)
        }
        MarkerKind::SubjectPrefix | MarkerKind::BranchPrefix => (Matcher::Prefix(p.to_owned()), None),
        MarkerKind::NameSuffix => (Matcher::Suffix(p.to_owned()), None),
        MarkerKind::Generic => {
            let rule = match p {
                "emoji-generated-footer" => Generic::EmojiGeneratedFooter,
                "agent-account" => Generic::AgentAccount,
                "ai-bot-login" => Generic::AiBotLogin,
                "vendor-noreply" => Generic::VendorNoreply,
                _ => return Err(format!("{p:?} is not a generic rule (one of {})", GENERIC_RULES.join(", "))),
            };
            (Matcher::Generic(rule), None)
        }
    })
}

/// The generic rules a `kind = "generic"` entry may name.
pub const GENERIC_RULES: &[&str] = &["emoji-generated-footer", "agent-account", "ai-bot-login", "vendor-noreply"];

/// The generic rules, compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Generic {
    EmojiGeneratedFooter,
    AgentAccount,
    AiBotLogin,
    VendorNoreply,
}
