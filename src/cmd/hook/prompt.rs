//! The questions the commit-msg hook asks on the terminal for a statement
//! the message does not carry, and the help printed when there is no
//! terminal to ask on.

use avow_core::attestation::{Authorship, ASSISTED_BY, AUTHORSHIP, RATIONALE};
use avow_core::trailer::Trailer;

use crate::tty::Tty;

pub fn missing_statement_help(missing: &[&str]) -> String {
    format!(
        "avow: commit refused: the message lacks {}.\n\
         Say how the change was written and why it is right, in your own words, for example:\n\
         \n  git commit --trailer \"Authorship: human\" --trailer \"Rationale: <why the change is needed and how it works>\"\n\
         \nWith AI assistance (every line read and understood):\n\
         \n  git commit --trailer \"Authorship: assisted\" --trailer \"Assisted-by: AGENT:MODEL\" --trailer \"Rationale: …\"\n\
         \nYour message is kept in .git/COMMIT_EDITMSG: reuse it with `git commit -e -F .git/COMMIT_EDITMSG --trailer …`.\n",
        missing.join(" and ")
    )
}

/// Asks for the missing parts of the statement on the terminal.
pub fn prompt_statement(tty: &mut Tty, have: &[Trailer], min_rationale: usize) -> Option<Vec<Trailer>> {
    let mut add = Vec::new();
    let authorship = if let Some(t) = have.iter().find(|t| t.is(AUTHORSHIP)) {
        t.value.parse::<Authorship>().ok()?
    } else {
        tty.say(
            "avow: this commit needs an authorship statement.\nHow was this change written?\n  \
                 1) human      every line written by you\n  \
                 2) assisted   AI tools used interactively; you read and understood every line\n  \
                 3) generated  substantial parts produced by an autonomous tool\n",
        );
        let a = loop {
            match tty.ask("Choice [1-3]: ")?.as_str() {
                "1" | "human" => break Authorship::Human,
                "2" | "assisted" => break Authorship::Assisted,
                "3" | "generated" => break Authorship::Generated,
                _ => tty.say("Please answer 1, 2 or 3.\n"),
            }
        };
        add.push(Trailer::new(AUTHORSHIP, a.as_str()));
        a
    };
    if authorship != Authorship::Human && !have.iter().any(|t| t.is(ASSISTED_BY)) {
        loop {
            let tool = tty.ask("Which AI tool? AGENT:MODEL [TOOL…], e.g. Claude:claude-opus-4-5: ")?;
            if !tool.is_empty() {
                add.push(Trailer::new(ASSISTED_BY, tool));
                break;
            }
        }
    }
    if !have.iter().any(|t| t.is(RATIONALE)) {
        tty.say("Rationale: in your own words, why is this change needed and how does it work?\n");
        loop {
            let r = tty.ask("> ")?;
            if r.chars().count() >= min_rationale.max(1) {
                add.push(Trailer::new(RATIONALE, r));
                break;
            }
            tty.say(&format!("Please write at least {min_rationale} characters.\n"));
        }
    }
    Some(add)
}
