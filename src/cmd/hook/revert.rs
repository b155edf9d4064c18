//! prepare-commit-msg during `git revert`, which runs no commit-msg hook
//! (docs/workflows.md).

use std::path::Path;

use avow_core::attestation::AUTHORSHIP;
use avow_core::trailer::{self, ParseOptions};

use crate::error::{Outcome, Result};
use crate::git::{open_repo, Config};
use crate::resign;

/// What git's message for a revert says (`revert.reference` too).
const REVERTS: &[u8] = b"This reverts commit ";

/// prepare-commit-msg during `git revert`, which runs no commit-msg hook:
/// on a terminal, ask for the statement and sign; without one, refuse,
/// keeping the revert staged and its message, and name the command that
/// finishes it. `None` when this is not a revert.
pub fn prepare(file: &Path, source: Option<&str>) -> Result<Option<Outcome>> {
    // Git's revert message always says "This reverts commit": a message
    // without it (`git commit -m`, on every such commit) is not a revert's,
    // and needs no look at the parent processes (as the shell hook tests it).
    let says_reverts = || std::fs::read(file).is_ok_and(|m| m.windows(REVERTS.len()).any(|w| w == REVERTS));
    if source != Some("message") || !says_reverts() || super::invocation::git_command().as_deref() != Some("revert") {
        return Ok(None);
    }
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled")? == Some(false) {
        return Ok(Some(Outcome::Ok));
    }
    let message = crate::message::MessageFile::read(file, &cfg)?;
    let opts = ParseOptions { comment_prefix: super::cleanup::configured_comment_prefix(&cfg), no_divider: false };
    let existing = trailer::parse(&message.text, &opts);
    if existing.iter().any(|t| t.is(AUTHORSHIP)) {
        return super::commit_msg::run(file).map(Some);
    }
    if let Some(mut tty) = crate::tty::terminal(&cfg)? {
        let policy = crate::local::policy(&repo)?;
        tty.say("avow: a revert is a change too.\n");
        let subject = trailer::subject(&message.text, &opts, true);
        let mut add = Vec::new();
        // A signal at the prompt keeps what was typed, as Ctrl-C does below.
        let (kept, text, o) = (message.clone(), message.text.clone(), opts.clone());
        let _keep = crate::tty::keep_on_signal(move || {
            let answers = super::prompt::answers_so_far();
            if !answers.is_empty() {
                let _ = kept.write(&trailer::rewrite(&text, &o, |_| true, &answers));
            }
        });
        let answered = super::prompt::prompt_statement(&mut tty, &existing, &policy, &subject, &mut add);
        if !answered {
            // What was typed is kept in the message, as the commit-msg hook does.
            if !add.is_empty() {
                message.write(&trailer::rewrite(&message.text, &opts, |_| true, &add))?;
            }
            if crate::tty::interrupted() {
                crate::tty::die_of_interrupt();
            }
            return Ok(Some(Outcome::Failed));
        }
        let text = trailer::rewrite(&message.text, &opts, |_| true, &add);
        message.write(&text)?;
        return super::commit_msg::run(file).map(Some);
    }
    let msg = repo.path().join("MERGE_MSG");
    let shown = repo
        .workdir()
        .and_then(|w| msg.strip_prefix(w).ok())
        .map_or_else(|| msg.display().to_string(), |p| p.display().to_string());
    let refused = format!(
        "avow: revert refused: a revert needs your statement too, and `git revert` runs no hook that could ask for it.\n\
         The revert is staged and its message kept in {shown}; finish it with:\n\
         \n  git commit -F {shown} --trailer \"Authorship: human\" --trailer \"Rationale: <why it is reverted>\"\n"
    );
    if repo.path().join("sequencer").exists() {
        // Reverting several commits: git stops at each. The up-front form
        // below does not fit here: its commit can end git's sequence, after
        // which `git revert --continue` fails.
        crate::output::errln!(
            "{refused}then go on with `git revert --continue`; git stops again at each commit left to revert."
        );
        return Ok(Some(Outcome::Failed));
    }
    // The commit being reverted, as git's message names it, for the
    // up-front form (git sets no REVERT_HEAD before the commit).
    let reverted = message
        .text
        .split("This reverts commit ")
        .nth(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_hexdigit).collect::<String>())
        .and_then(|hex| repo.revparse_single(&hex).ok())
        .map_or_else(|| "REV".to_owned(), |o| resign::short(&repo, o.id()));
    crate::output::errln!(
        "{refused}\nTo give the statement with the revert (no terminal needed), stage it with --no-commit and commit with git's message:\n\
         \n  git revert --no-commit {reverted} && git commit --no-edit --trailer \"Authorship: human\" --trailer \"Rationale: <why it is reverted>\""
    );
    Ok(Some(Outcome::Failed))
}
