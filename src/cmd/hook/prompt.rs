//! The questions the commit-msg hook asks on the terminal for a statement
//! the message does not carry, and the help printed when there is no
//! terminal to ask on.
//!
//! The prompt offers only what the policy in force accepts, and checks
//! each answer as it is given (so a wrong `Assisted-by:` is caught before
//! the rationale is typed). Answers are handed back one by one as they are
//! given, so that a refusal or Ctrl-C later loses none of them.

use avow_core::attestation::{Authorship, ASSISTED_BY, AUTHORSHIP, RATIONALE};
use avow_core::trailer::Trailer;
use avow_policy::policy::{self, AssistedByFormat, Policy};

use crate::tty::{Reply, Tty};

/// What each authorship value means, for the menu.
fn meaning(a: Authorship) -> &'static str {
    match a {
        Authorship::Human => "every line written by you",
        Authorship::Assisted => "AI tools used interactively; you read and understood every line",
        Authorship::Generated => "substantial parts produced by an autonomous tool",
    }
}

/// An example `Assisted-by:` value in the form the policy asks for.
pub const ASSISTED_BY_EXAMPLE: &str = "Claude:claude-opus-4-5";

/// The help printed when the statement is incomplete and there is no
/// terminal to ask on: examples for what the policy accepts only. `cut`:
/// the kept file has git's scissors line (`git commit -v`, `--cleanup=scissors`)
/// with the diff below it, which only `-v` cuts off again when the file
/// is reused (`-F` alone would commit the diff as message text).
pub fn missing_statement_help(missing: &[&str], policy: &Policy, file: &str, cut: bool) -> String {
    let allowed = &policy.authorship.allowed;
    let mut out = format!(
        "avow: commit refused: the message lacks {}.\n\
         Say how the change was written and why it is right, in your own words, for example:\n",
        missing.join(" and ")
    );
    if allowed.contains(&Authorship::Human) {
        out.push_str(
            "\n  git commit --trailer \"Authorship: human\" --trailer \"Rationale: <why the change is needed and how it works>\"\n",
        );
    }
    if let Some(ai) = allowed.iter().find(|a| **a != Authorship::Human) {
        out.push_str(&format!(
            "\nWith AI assistance (every line read and understood):\n\
             \n  git commit --trailer \"Authorship: {ai}\" --trailer \"Assisted-by: AGENT:MODEL\" --trailer \"Rationale: …\"\n"
        ));
    }
    // An IDE or GUI commits with `git commit -F` and shows this text, but
    // has no command line to add `--trailer`s to: the same trailers at the
    // end of the message it sends are read as they are.
    if let Some(first) = allowed.iter().min_by_key(|a| **a != Authorship::Human) {
        let tool = if *first == Authorship::Human { "" } else { "\n  Assisted-by: AGENT:MODEL" };
        out.push_str(&format!(
            "\nIn an IDE or other GUI (no terminal), end the commit message itself with the statement, a blank line before it:\n\
             \n  Authorship: {first}{tool}\n  Rationale: <why the change is needed and how it works>\n"
        ));
    }
    let verbose = if cut { "-v " } else { "" };
    out.push_str(&format!(
        "\nYour message is kept in {file}: reuse it with `git commit {verbose}-e -F {file} --trailer …`.\n"
    ));
    out
}

/// An `Authorship:` value as typed: any case, surrounding space ignored.
pub fn parse_authorship(value: &str) -> Option<Authorship> {
    Authorship::ALL.into_iter().find(|a| a.as_str().eq_ignore_ascii_case(value.trim()))
}

/// Why an `Assisted-by:` value is refused by the policy, if it is.
pub fn assisted_by_problem(value: &str, policy: &Policy) -> Option<String> {
    if value.trim().is_empty() {
        return Some("the tool is empty".into());
    }
    if policy.authorship.assisted_by_format == AssistedByFormat::Kernel && !policy::is_kernel_assisted_by(value) {
        return Some(format!(
            "{value:?} is not in the form AGENT:MODEL [TOOL…] this project asks for, e.g. {ASSISTED_BY_EXAMPLE}"
        ));
    }
    None
}

/// Why a rationale is refused by the policy, if it is.
fn rationale_problem(value: &str, policy: &Policy, subject: &str) -> Option<String> {
    let r = &policy.rationale;
    let len = policy::visible_len(value);
    if len < r.min_length.max(1) {
        return Some(format!("please write at least {} characters (this has {len})", r.min_length.max(1)));
    }
    let norm = policy::normalize(value);
    if r.reject_subject_copy && policy::repeats_subject(&norm, subject) {
        return Some("that repeats the subject; say why the change is needed and how it works".into());
    }
    if r.boilerplate.iter().any(|p| policy::normalize(p) == norm) {
        return Some("that is boilerplate; say in your own words why the change is needed and how it works".into());
    }
    None
}

/// Asks one question until the answer passes `check`; `None` at end of
/// input or Ctrl-C.
fn ask_until(
    tty: &mut Tty,
    question: &str,
    paragraph: bool,
    mut check: impl FnMut(&str) -> Result<String, String>,
) -> Option<String> {
    loop {
        let reply = if paragraph { tty.ask_paragraph(question) } else { tty.ask(question) };
        match reply {
            Reply::Text(answer) => match check(&answer) {
                Ok(value) => return Some(value),
                Err(why) => tty.say(&format!("{why}\n")),
            },
            Reply::Invalid(why) => tty.say(&format!("{why}\n")),
            Reply::End | Reply::Interrupted => return None,
        }
    }
}

/// Asks for the missing parts of the statement on the terminal, pushing
/// each answer onto `out` as soon as it is given; `false` when the person
/// stopped answering (end of input, Ctrl-C).
pub fn prompt_statement(
    tty: &mut Tty,
    have: &[Trailer],
    policy: &Policy,
    subject: &str,
    out: &mut Vec<Trailer>,
) -> bool {
    if let Ok(mut given) = GIVEN.lock() {
        given.clear();
    }
    let done = ask_all(tty, have, policy, subject, out);
    // Whatever is left in the terminal's input was typed for avow.
    tty.discard_input();
    done.is_some()
}

/// The answers given so far at the prompt [`prompt_statement`] runs, as
/// trailers: for a signal that ends avow in the middle of it
/// ([`crate::tty::keep_on_signal`]), when `out` cannot be reached.
static GIVEN: std::sync::Mutex<Vec<Trailer>> = std::sync::Mutex::new(Vec::new());

/// The answers given so far at the prompt.
pub fn answers_so_far() -> Vec<Trailer> {
    GIVEN.lock().map(|g| g.clone()).unwrap_or_default()
}

/// Records an answer in `out` and for [`answers_so_far`].
fn give(out: &mut Vec<Trailer>, t: Trailer) {
    if let Ok(mut given) = GIVEN.lock() {
        given.push(t.clone());
    }
    out.push(t);
}

fn ask_all(tty: &mut Tty, have: &[Trailer], policy: &Policy, subject: &str, out: &mut Vec<Trailer>) -> Option<()> {
    let allowed = policy.authorship.allowed.clone();
    let authorship = if let Some(t) = have.iter().find(|t| t.is(AUTHORSHIP)) {
        parse_authorship(&t.value)?
    } else if let [only] = allowed[..] {
        tty.say(&format!("avow: this project accepts only `Authorship: {only}` ({}).\n", meaning(only)));
        give(out, Trailer::new(AUTHORSHIP, only.as_str()));
        only
    } else {
        let mut menu = String::from("avow: this commit needs an authorship statement.\nHow was this change written?\n");
        for (i, a) in allowed.iter().enumerate() {
            menu.push_str(&format!("  {}) {:<10} {}\n", i + 1, a.as_str(), meaning(*a)));
        }
        tty.say(&menu);
        let question = format!("Choice [1-{}]: ", allowed.len());
        let a = ask_until(tty, &question, false, |answer| {
            let by_number = answer.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| allowed.get(i));
            match by_number.copied().or_else(|| parse_authorship(answer).filter(|a| allowed.contains(a))) {
                Some(a) => Ok(a.as_str().to_owned()),
                None => Err(format!(
                    "Please answer {} (or {}).",
                    (1..=allowed.len()).map(|n| n.to_string()).collect::<Vec<_>>().join(", "),
                    allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
                )),
            }
        })?;
        let a = parse_authorship(&a)?;
        give(out, Trailer::new(AUTHORSHIP, a.as_str()));
        a
    };
    if authorship != Authorship::Human && !have.iter().any(|t| t.is(ASSISTED_BY)) {
        let question = format!("Which AI tool? AGENT:MODEL [TOOL…], e.g. {ASSISTED_BY_EXAMPLE}: ");
        let tool = ask_until(tty, &question, false, |answer| match assisted_by_problem(answer, policy) {
            None => Ok(answer.to_owned()),
            Some(why) => Err(format!("{why}.")),
        })?;
        give(out, Trailer::new(ASSISTED_BY, tool));
    }
    if !have.iter().any(|t| t.is(RATIONALE)) {
        tty.say("Rationale: in your own words, why is this change needed and how does it work?\n");
        let r = ask_until(tty, "> ", true, |answer| match rationale_problem(answer, policy, subject) {
            None => Ok(answer.to_owned()),
            Some(why) => Err(format!("{}{}.", why[..1].to_uppercase(), &why[1..])),
        })?;
        give(out, Trailer::new(RATIONALE, r));
    }
    Some(())
}
