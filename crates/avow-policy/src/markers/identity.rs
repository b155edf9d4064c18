//! A commit's identities as the scan sees them (the author, the committer,
//! each `Name <email>` trailer), and GitHub app logins: `name[bot]`, or a
//! no-reply address `[ID+]login@users.noreply.github.com`.

use super::wildcard::ends_with_ci;
use crate::facts::Ident;

/// The GitHub domain under which apps and users get no-reply addresses.
const GITHUB_NOREPLY: &str = "@users.noreply.github.com";

/// What a hit on an identity shows, written out only for a hit
/// ([`Evidence::text`]): most identities match nothing.
#[derive(Clone, Copy)]
pub(super) enum Evidence<'f> {
    /// The author or the committer: `ROLE NAME <EMAIL>`.
    Ident(&'static str, &'f Ident),
    /// A parsed trailer: `KEY: VALUE`.
    Trailer(&'f str, &'f str),
    /// A message line, without its trailing whitespace.
    Line(&'f str),
}

impl Evidence<'_> {
    /// The evidence as a hit shows it.
    pub(super) fn text(self) -> String {
        match self {
            Evidence::Ident(role, who) => format!("{role} {} <{}>", who.name, who.email),
            Evidence::Trailer(key, value) => format!("{key}: {value}"),
            Evidence::Line(line) => line.trim_end().to_owned(),
        }
    }
}

/// An identity of a commit: the author, the committer, or a `Name <email>`
/// trailer, with the evidence to show for it.
pub(super) struct Who<'f> {
    pub(super) name: std::borrow::Cow<'f, str>,
    pub(super) email: std::borrow::Cow<'f, str>,
    pub(super) evidence: Evidence<'f>,
    /// Whether [`is_bot`] can hold for this identity at all: its name ends
    /// with `[bot]` or its email is a GitHub no-reply address. Most
    /// identities are neither, and are then not compared with each of the
    /// list's app logins.
    pub(super) bot_like: bool,
}

impl<'f> Who<'f> {
    pub(super) fn new(
        name: impl Into<std::borrow::Cow<'f, str>>,
        email: impl Into<std::borrow::Cow<'f, str>>,
        evidence: Evidence<'f>,
    ) -> Self {
        let (name, email) = (name.into(), email.into());
        let bot_like = ends_with_ci(name.trim(), "[bot]") || github_login(&email).is_some();
        Who { name, email, evidence, bot_like }
    }

    /// [`is_bot`] for this identity.
    pub(super) fn is_bot(&self, login: &str) -> bool {
        self.bot_like && is_bot(login, &self.name, &self.email)
    }
}

/// The local part of a GitHub no-reply address without its numeric id
/// (`dependabot[bot]` of `49699333+dependabot[bot]@users.noreply.github.com`).
pub(super) fn github_login(email: &str) -> Option<&str> {
    let n = email.len().checked_sub(GITHUB_NOREPLY.len())?;
    if !ends_with_ci(email, GITHUB_NOREPLY) {
        return None;
    }
    let local = &email[..n];
    Some(match local.split_once('+') {
        Some((id, rest)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => local,
    })
}

/// Whether an identity is the GitHub app `login` (`name[bot]`, lowercase):
/// its name is the login, or its email is `[ID+]login@users.noreply.github.com`,
/// or `ID+name@users.noreply.github.com` (the login without `[bot]`, with
/// the numeric id, as Sweep's nightly app writes it: a person's no-reply
/// address never has a `[bot]`-named owner, and the id-less form would be
/// a person's login).
fn is_bot(login: &str, name: &str, email: &str) -> bool {
    if name.trim().eq_ignore_ascii_case(login) {
        return true;
    }
    let Some(local) = github_login(email) else { return false };
    if local.eq_ignore_ascii_case(login) {
        return true;
    }
    let bare = &login[..login.len() - "[bot]".len()];
    let has_id = email.split_once('+').is_some_and(|(id, _)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    has_id && local.eq_ignore_ascii_case(bare) && ends_with_ci(name.trim(), "[bot]")
}
