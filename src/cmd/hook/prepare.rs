//! `prepare-commit-msg`: adds guidance about the attestation trailers, as
//! comments, to a message about to be edited.

use std::path::Path;

use avow_core::attestation::AUTHORSHIP;
use avow_core::trailer::{self, ParseOptions};

use super::cleanup::{scissors_at, Rules};
use super::invocation;

use crate::error::{Outcome, Result};
use crate::git::{open_repo, Config};
use crate::message::MessageFile;

const GUIDANCE: &str = "\
avow: end the message with your attestation, in your own words:
  Authorship: human | assisted | generated
  Assisted-by: AGENT:MODEL [TOOL…]   (when not human)
  Rationale: why the change is needed and how it works
Understood-by and the signature are added for you. Leave them out to be asked.
";

pub fn run(file: &Path, source: Option<&str>, _sha: Option<&str>) -> Result<Outcome> {
    // The pre-commit framework passes only the file and exports what git
    // gave it in the environment.
    let from_env = std::env::var("PRE_COMMIT_COMMIT_MSG_SOURCE").ok();
    let source = source.or(from_env.as_deref());
    // `git revert` runs no commit-msg hook: the statement is settled here.
    if let Some(outcome) = super::revert::prepare(file, source)? {
        return Ok(outcome);
    }
    // A commit that runs no commit-msg hook (`--no-verify`, a cherry-pick)
    // is checked now: avow installs no post-commit hook to do it after.
    if let Err(e) = super::workflows::check_unverified(file, source) {
        crate::output::errln!("avow: warning: the commit was not checked: {}", e.message);
    }
    // Only when an editor will open and strip comments: a message given
    // with -m or -F keeps its lines, so adding comments there would
    // change it.
    if !matches!(source, None | Some("" | "template")) {
        return Ok(Outcome::Ok);
    }
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled")? == Some(false) || !super::adopted(&repo) {
        return Ok(Outcome::Ok);
    }
    let message = MessageFile::read(file, &cfg)?;
    let text = message.text.clone();
    // Guidance is a comment: add it only where git will remove it.
    let rules = Rules::find(&cfg, invocation::find().as_ref(), &text);
    let prefix = rules.comment.clone();
    if trailer::parse(&rules.apply(&text), &ParseOptions::default()).iter().any(|t| t.is(AUTHORSHIP)) {
        return Ok(Outcome::Ok);
    }
    let mut guidance = String::new();
    for l in GUIDANCE.lines() {
        guidance.push_str(&format!("{prefix} {l}\n"));
    }
    let at = if rules.strips_comments() {
        // Just before git's own comment block (or at the end).
        text.match_indices('\n')
            .map(|(i, _)| i + 1)
            .chain(std::iter::once(0))
            .filter(|&i| text[i..].starts_with(prefix.as_str()))
            .min()
            .unwrap_or(text.len())
    } else if let Some(cut) = rules.cuts_at_scissors().then(|| scissors_at(&text, &prefix)).flatten() {
        // Below the scissors line and git's note under it: cut off by git.
        let mut at = cut;
        while at < text.len() && text[at..].starts_with(prefix.as_str()) {
            at = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
        }
        at
    } else {
        // `whitespace` or `verbatim`: git would keep a comment.
        return Ok(Outcome::Ok);
    };
    let mut new_text = String::with_capacity(text.len() + guidance.len());
    new_text.push_str(&text[..at]);
    if at > 0 && !text[..at].ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(&guidance);
    new_text.push_str(&text[at..]);
    // In a commit encoding without `…` (ISO-8859-1), spell it `...`.
    let new_text = if message.can_write(&new_text) { new_text } else { new_text.replace('…', "...") };
    if !message.can_write(&new_text) {
        // The guidance is a courtesy; never fail a commit over it.
        return Ok(Outcome::Ok);
    }
    message.write(&new_text)?;
    Ok(Outcome::Ok)
}
