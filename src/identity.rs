//! Who attests, for the commit-msg hook: the rules of docs/keyring.md,
//! "Names". A person is their email and key; the hook re-attests its own
//! earlier statement with the current identity, never someone else's.

use avow_core::attestation::{Person, Statement, SIGNATURE, UNDERSTOOD_BY};
use avow_core::trailer::Trailer;
use avow_policy::findings;
use avow_policy::keyring::{KeyStatus, Keyring};
use avow_policy::policy::{Policy, Severity, UnderstoodBy};
use avow_sign::ssh_key::PublicKey;

use crate::git::Config;

/// What to do with the `Understood-by:` a message already carries.
#[derive(Debug, PartialEq, Eq)]
pub enum Reattest {
    /// Keep the message's trailers: no earlier attestation, or an
    /// `Understood-by:` written without one (by hand, `--trailer`).
    Keep,
    /// The message carries the committer's own earlier attestation (an
    /// amend, a reword, `-c`): drop its `Understood-by:` so that the hook
    /// writes it afresh from the current identity (a corrected
    /// `user.name` takes effect on `git commit --amend --no-edit`).
    Refresh,
    /// Someone else's attestation: signing it would put this key under
    /// their statement. The message says why and what to do.
    Refuse(String),
}

/// How the commit the hook is judging was made, for the command that
/// retries it ([`reattestation`]).
pub enum Retry {
    /// `git commit --amend`.
    Amend,
    /// A new commit reusing a commit's message (`-c REV`, `-C REV`).
    Reuse(String),
    /// Anything else (a message file, an editor).
    Same,
}

/// Decides [`Reattest`] for a message's trailers and the person committing
/// (`user`: name, email). `avow.takeOver=true` makes someone else's
/// attestation the committer's own (their `Understood-by:` is replaced);
/// under `understood-by = "author"` the advice resets the author too, so
/// that the result verifies.
///
/// `retry` is how the committer runs the commit again with the statement
/// taken over: [`Retry::Amend`], the same `git commit -C REV` for a new
/// commit reusing `REV`'s message, or the same `git commit` otherwise.
pub fn reattestation(
    existing: &[Trailer],
    user: &(String, String),
    cfg: &Config,
    policy: &Policy,
    retry: &Retry,
) -> crate::error::Result<Reattest> {
    if !existing.iter().any(|t| t.is(SIGNATURE)) {
        return Ok(Reattest::Keep);
    }
    let Some(prior) = existing.iter().find(|t| t.is(UNDERSTOOD_BY)) else { return Ok(Reattest::Keep) };
    let prior_email = Person::parse(&prior.value).map(|p| p.email).unwrap_or_default();
    if Person::same_email(&prior_email, &user.1) || cfg.get_bool("avow.takeOver")? == Some(true) {
        return Ok(Reattest::Refresh);
    }
    let by_author = policy.understood_by == UnderstoodBy::Author;
    let reset = if by_author { " --reset-author" } else { "" };
    let author = if by_author {
        " and, as this project wants the author to vouch (understood-by = \"author\"), as its author"
    } else {
        ""
    };
    // `git commit --amend` reaches HEAD: right for an amend only.
    let example = match retry {
        Retry::Amend => format!("git -c avow.takeOver=true commit --amend --no-edit{reset}"),
        Retry::Reuse(rev) => format!("git -c avow.takeOver=true commit -C {rev}{reset}"),
        Retry::Same => {
            format!("git -c avow.takeOver=true commit{reset} …   (… being the arguments you gave git commit)")
        }
    };
    Ok(Reattest::Refuse(format!(
        "avow: commit refused: the message carries the attestation of {}, and you are <{}>: signing it would put your key under their statement.\n\
         To keep their attestation, leave the commit as it is (or ask them to amend it).\n\
         To take the commit over, its statement as yours{author}:\n\
         \n  {example}\n\
         \nYour message is kept in .git/COMMIT_EDITMSG.\n",
        prior.value, user.1
    )))
}

/// Applies [`reattestation`] to the trailers the message has: drops the
/// `Understood-by:` to refresh (returns `true`: the rewrite must drop it
/// too), or prints the refusal and ends the hook.
///
/// An `amend!` commit (`git commit --fixup=amend:REV`) of someone else's
/// commit carries their statement because git copied it: it waits to be
/// folded in, as a `fixup!` does, so it ends the hook with the message as
/// it is (their statement, unsigned by this key; verify refuses it until
/// it is folded in, `attestation.fixup`).
pub fn reattest(
    existing: &mut Vec<Trailer>,
    cfg: &Config,
    policy: &Policy,
    subject: &str,
    retry: &Retry,
) -> crate::error::Result<std::result::Result<bool, crate::error::Outcome>> {
    match reattestation(existing, &cfg.user()?, cfg, policy, retry)? {
        Reattest::Keep => Ok(Ok(false)),
        Reattest::Refresh => {
            existing.retain(|t| !t.is(UNDERSTOOD_BY));
            Ok(Ok(true))
        }
        Reattest::Refuse(_) if subject.starts_with("amend! ") => {
            let theirs = existing.iter().find(|t| t.is(UNDERSTOOD_BY)).map_or_else(String::new, |t| t.value.clone());
            crate::output::errln!(
                "avow: an amend! commit carries {}'s statement as it is, not signed by you; after `git rebase -i --autosquash`, they re-sign the commit it is folded into if its change changed",
                avow_policy::text::visible(&theirs)
            );
            Ok(Err(crate::error::Outcome::Ok))
        }
        Reattest::Refuse(why) => {
            crate::output::errprint!("{why}");
            Ok(Err(crate::error::Outcome::Failed))
        }
    }
}

/// The `git avow keyring add` a maintainer runs to add `key` for the
/// person `name <email>`, to copy as it is: the key as its public line,
/// and `--name` only for a person the keyring does not have yet (it
/// refuses another name for a person it has). An empty name or email
/// (which `keyring add` refuses) is a placeholder to fill in.
pub fn keyring_add_command(keyring: &Keyring, key: &PublicKey, name: &str, email: &str) -> String {
    let name = if name.trim().is_empty() { "YOUR NAME" } else { name };
    let email = if email.trim().is_empty() { "YOU@EXAMPLE.ORG" } else { email };
    // In double quotes, as people write them, unless the shell would read into them.
    let quoted = |s: &str| {
        if s.contains(['"', '$', '`', '\\', '!']) {
            avow_verify::shell_word(s)
        } else {
            format!("\"{s}\"")
        }
    };
    let line = key.to_openssh().unwrap_or_default();
    let name_arg =
        if keyring.find_person_by_email(email).is_some() { String::new() } else { format!("--name {} ", quoted(name)) };
    format!("git avow keyring add {name_arg}--email {} --key {}", avow_verify::shell_word(email), quoted(&line))
}

/// The keyring's person with the name `who` gives under another email, if
/// any: quite likely the same person on another machine (a new key, a
/// home `user.email`), for whom a second keyring entry would be a second
/// identity — a contributor, not the maintainer they are, a newcomer.
fn namesake<'k>(keyring: &'k Keyring, who: &Person) -> Option<&'k avow_policy::keyring::Person> {
    keyring.people().iter().find(|p| Person::same_name(&who.name, &p.name) && !Person::same_email(&who.email, &p.email))
}

/// The amend that re-signs HEAD's statement after `user.email` changed:
/// the statement names the old email, which the hook takes for someone
/// else's unless told it is yours; under `understood-by = "author"` the
/// author must change too.
fn take_over_amend(policy: &Policy) -> &'static str {
    if policy.understood_by == UnderstoodBy::Author {
        "git -c avow.takeOver=true commit --amend --no-edit --reset-author"
    } else {
        "git -c avow.takeOver=true commit --amend --no-edit"
    }
}

/// What a person on a second machine does instead of a second entry:
/// commit as the keyring's person there too, have this key added to that
/// entry, and re-sign the commit (its statement names the other email).
fn second_machine_note(keyring: &Keyring, key: &PublicKey, policy: &Policy, person: &avow_policy::keyring::Person) {
    let amend = take_over_amend(policy);
    crate::output::errln!(
        "avow: note: the keyring has {} <{}>: if that is you on another machine, commit as that person here too, `git config user.email {}`, and ask a maintainer to add this key to your entry instead, `{}`; once it is on your branch, re-sign this commit with `{amend}`",
        person.name,
        person.email,
        avow_verify::shell_word(&person.email),
        keyring_add_command(keyring, key, &person.name, &person.email)
    );
}

/// The fix for a signing key `.avow/keyring.toml` no longer trusts
/// (expired by a rotation, revoked, not yet valid): the person's keys that
/// are good now (another machine's, the rotation's new one), by
/// fingerprint, or else a new key for a maintainer to add.
pub fn stale_key_fix(person: &avow_policy::keyring::Person) -> String {
    let now = crate::clock::now();
    let valid: Vec<&str> =
        person.keys.iter().filter(|k| k.status_at(now) == KeyStatus::Valid).map(|k| k.fingerprint.as_str()).collect();
    if valid.is_empty() {
        "create a new key (`ssh-keygen -t ed25519`) and ask a maintainer to add it (`git avow keyring rotate`)"
            .to_owned()
    } else {
        format!(
            "sign with your key that it trusts ({}): `git config avow.signingKey ~/.ssh/KEY`, naming its private key file",
            valid.join(", ")
        )
    }
}

/// What the hook and doctor say of a key that `base`'s keyring lists and
/// the work tree's does not.
pub fn added_at_base(key: &PublicKey, base: &str) -> String {
    format!(
        "your key {} is in {base}'s .avow/keyring.toml, which `git avow verify {}` trusts, but not in this branch's: a maintainer added it after the branch left {base}",
        avow_sign::fingerprint(key),
        avow_verify::shell_word(&format!("{base}..HEAD"))
    )
}

/// Checks the signing key against the work tree's keyring and policy
/// before signing, printing a warning or refusal for each problem; `true`
/// when the commit must be refused (a finding the verifier would deny).
/// `listed_at_base` names a base branch whose keyring lists the key
/// ([`crate::local::base_listing`]), asked only when the work tree's does
/// not: a key added after the branch left its base needs no maintainer.
/// `replaced` gives the keyring before this commit when the commit changes
/// it ([`crate::local::keyring_replaced`]), asked only for a key the work
/// tree's does not call valid: a rotation that retires the key signing it
/// is checked against that one, where the key is good.
pub fn check_signer(
    keyring: Option<&Keyring>,
    replaced: &dyn Fn() -> Option<Keyring>,
    policy: &Policy,
    key: &PublicKey,
    statement: &Statement,
    listed_at_base: &dyn Fn() -> Option<String>,
) -> bool {
    let mut refuse = false;
    if let Some(finding) = policy.check_key(key) {
        crate::output::errln!("avow: refused: {} [{}]", finding.message, finding.rule);
        refuse = true;
    }
    let Some(keyring) = keyring else { return refuse };
    if let Some((person, entry)) = keyring.find_by_key(key) {
        let now = crate::clock::now();
        let status = entry.status_at(now);
        let good_before = status != KeyStatus::Valid
            && replaced()
                .is_some_and(|k| k.find_by_key(key).is_some_and(|(_, e)| e.status_at(now) == KeyStatus::Valid));
        if status != KeyStatus::Valid && good_before {
            // Switching keys and amending, as the warning below says, would
            // sign this change to .avow/ with a key its base does not know.
            crate::output::errln!(
                "avow: note: this commit makes .avow/keyring.toml say your key {} is {status}; it is verified against the keyring before it, which trusts that key, so sign it as you do now; for the commits after it, {}",
                entry.fingerprint,
                stale_key_fix(person)
            );
        } else if status != KeyStatus::Valid {
            crate::output::errln!(
                "avow: warning: .avow/keyring.toml says your key {} is {status}; verification will refuse what it signs [{}]: {}, then `git commit --amend --no-edit`",
                entry.fingerprint,
                findings::SIGNATURE_KEY_STATUS.id,
                stale_key_fix(person)
            );
        }
    }
    match keyring.find_by_key(key) {
        None => {
            if let Some(base) = listed_at_base() {
                crate::output::errln!(
                    "avow: note: {}; `git rebase {}` brings it here",
                    added_at_base(key, &base),
                    avow_verify::shell_word(&base)
                );
            } else {
                crate::output::errln!(
                    "avow: warning: your key {} is not in .avow/keyring.toml; verification will fail until a maintainer adds it: send them your public key, and they run `{}`",
                    avow_sign::fingerprint(key),
                    keyring_add_command(keyring, key, &statement.understood_by.name, &statement.understood_by.email)
                );
                if let Some(namesake) = namesake(keyring, &statement.understood_by) {
                    second_machine_note(keyring, key, policy, namesake);
                }
            }
        }
        Some((person, _)) if Person::same_email(&statement.understood_by.email, &person.email) => {
            if let Some(f) = avow_verify::verify::name_finding(policy, &statement.understood_by.name, person) {
                if f.severity == Severity::Deny {
                    crate::output::errln!(
                        "avow: refused: `Understood-by: {}` gives another name than .avow/keyring.toml ({:?}), which this project refuses [{}]; set `git config user.name {}` and run the same `git commit` again (your message is kept in .git/COMMIT_EDITMSG)",
                        statement.understood_by,
                        person.name,
                        findings::UNDERSTOOD_BY_NAME.id,
                        avow_verify::shell_word(&person.name)
                    );
                    refuse = true;
                } else {
                    crate::output::errln!(
                        "avow: warning: `Understood-by: {}` gives another name than .avow/keyring.toml ({:?}); verify will warn about it [{}]; to use the keyring's name: `git config user.name {}`, then `git commit --amend --no-edit`",
                        statement.understood_by,
                        person.name,
                        findings::UNDERSTOOD_BY_NAME.id,
                        avow_verify::shell_word(&person.name)
                    );
                }
            }
        }
        Some((person, _)) => {
            let amend = take_over_amend(policy);
            crate::output::errln!(
                "avow: warning: your key belongs to {} <{}> in .avow/keyring.toml, but you sign as <{}>; verification will refuse it [{}]: `git config user.email {}`, then `{amend}`",
                person.name,
                person.email,
                statement.understood_by.email,
                findings::UNDERSTOOD_BY_SIGNER.id,
                avow_verify::shell_word(&person.email)
            );
        }
    }
    refuse
}
