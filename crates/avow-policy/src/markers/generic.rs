//! The generic rules (`kind = "generic"`): written in code for agents not
//! yet listed, and applied only to a commit in which no listed agent marker
//! was found.

use super::compile::{Generic, Matcher};
use super::identity::{github_login, Who};
use super::wildcard::ends_with_ci;
use super::{MarkerClass, Markers};
use crate::facts::CommitFacts;

/// Words that make a `name[bot]` login an AI agent's (`ai-bot-login`),
/// compared with the login's `-`/`_`-separated words.
const AI_LOGIN_WORDS: &[&str] = &[
    "ai",
    "agent",
    "llm",
    "gpt",
    "copilot",
    "claude",
    "anthropic",
    "openai",
    "codex",
    "gemini",
    "devin",
    "cursor",
    "jules",
    "coderabbitai",
    "droid",
    "aider",
    "openhands",
];

/// Domains whose `noreply@` addresses are forges and translation services,
/// not agents (`vendor-noreply`): `GitHub <noreply@github.com>` commits
/// every merge made on the web.
const NOREPLY_NOT_AGENTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "gitee.com",
    "sourceforge.net",
    "sr.ht",
    "weblate.org",
    "crowdin.com",
    "transifex.com",
];

/// Words of `s`: runs of ASCII letters and digits (compared ASCII
/// case-insensitively by the callers).
fn words(s: &str) -> impl Iterator<Item = &str> + '_ {
    s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty())
}

/// `agent-account`: `agent` is a word of the name or of the email's local
/// part (`joestump-agent`, `Cursor Agent`, `Joe (Agent) Stump`), but not
/// inside a word (`TheRAWagent`, `truffleagent`).
fn is_agent_account(name: &str, email: &str) -> bool {
    let local = github_login(email).unwrap_or_else(|| email.split('@').next().unwrap_or(""));
    words(name).chain(words(local)).any(|w| w.eq_ignore_ascii_case("agent"))
}

/// `ai-bot-login`: a `name[bot]` login (in the name or the no-reply email)
/// whose words include an AI word ([`AI_LOGIN_WORDS`]).
fn is_ai_bot(name: &str, email: &str) -> bool {
    let login = if ends_with_ci(name.trim(), "[bot]") {
        Some(name.trim())
    } else {
        github_login(email).filter(|l| ends_with_ci(l, "[bot]"))
    };
    let Some(login) = login else { return false };
    let bare = &login[..login.len() - "[bot]".len()];
    words(bare).any(|w| AI_LOGIN_WORDS.iter().any(|a| w.eq_ignore_ascii_case(a)))
}

/// `vendor-noreply`: `noreply@DOMAIN` or `no-reply@DOMAIN` of a domain that
/// is neither a forge nor a translation service ([`NOREPLY_NOT_AGENTS`]) nor
/// a placeholder (`example.*`, `*.example`, `*.invalid`, `localhost`).
fn is_vendor_noreply(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else { return false };
    if !(local.eq_ignore_ascii_case("noreply") || local.eq_ignore_ascii_case("no-reply")) {
        return false;
    }
    let domain = domain.to_ascii_lowercase();
    let placeholder = domain.starts_with("example.")
        || domain.ends_with(".example")
        || domain.ends_with(".invalid")
        || domain == "localhost"
        || !domain.contains('.');
    let forge = NOREPLY_NOT_AGENTS.iter().any(|d| domain == *d || domain.ends_with(&format!(".{d}")));
    !placeholder && !forge
}

/// `emoji-generated-footer`: a line `<symbols> Generated with <tool>` where
/// the symbols hold no ASCII letter or digit and at least one non-ASCII
/// character (`🤖 Generated with …`, `💘 Generated with Crush`): the
/// signature agents append. A plain `Generated with ./gen.sh` is not one.
fn is_emoji_generated_footer(line: &str) -> bool {
    const PHRASE: &str = "generated with ";
    // The part before the phrase is not ASCII, so neither is the line (most
    // lines are: answered without copying them).
    if line.is_ascii() {
        return false;
    }
    let lower = line.to_ascii_lowercase();
    let Some(at) = lower.find(PHRASE) else { return false };
    let (prefix, rest) = (&line[..at], &line[at + PHRASE.len()..]);
    !rest.trim().is_empty()
        && !prefix.trim().is_empty()
        && !prefix.bytes().any(|b| b.is_ascii_alphanumeric())
        && !prefix.is_ascii()
}

impl Markers {
    /// The generic rules `generic` (entry indexes), for a commit in which no
    /// listed agent marker was found; identities a listed automation entry
    /// names are not agents.
    pub(super) fn scan_generic(
        &self,
        facts: &CommitFacts,
        who: &[Who<'_>],
        generic: &[usize],
        found: &mut [Option<String>],
    ) {
        let automation: Vec<bool> = who
            .iter()
            .map(|p| {
                self.matchers.iter().enumerate().any(|(i, m)| {
                    self.entries[i].class == MarkerClass::Automation
                        && match m {
                            Matcher::Email(w) => w.is_match(&p.email),
                            Matcher::Bot(login) => p.is_bot(login),
                            Matcher::Name(n) => p.name.trim().eq_ignore_ascii_case(n),
                            _ => false,
                        }
                })
            })
            .collect();
        let people = || who.iter().zip(&automation).filter(|(_, a)| !**a).map(|(p, _)| p);
        for &i in generic {
            let Matcher::Generic(rule) = self.matchers[i] else { continue };
            found[i] = match rule {
                // Only a line with a character outside ASCII can be one.
                Generic::EmojiGeneratedFooter if facts.message.is_ascii() => None,
                Generic::EmojiGeneratedFooter => {
                    facts.message.lines().find(|l| is_emoji_generated_footer(l.trim())).map(|l| l.trim().to_owned())
                }
                Generic::AgentAccount => {
                    people().find(|p| is_agent_account(&p.name, &p.email)).map(|p| p.evidence.text())
                }
                Generic::AiBotLogin => people().find(|p| is_ai_bot(&p.name, &p.email)).map(|p| p.evidence.text()),
                Generic::VendorNoreply => people().find(|p| is_vendor_noreply(&p.email)).map(|p| p.evidence.text()),
            };
        }
    }
}
