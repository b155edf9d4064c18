//! What re-signing a range would do, and doing it: which commits need a
//! new signature, which avow may not give (someone else's statement, a
//! fixup, none), and which the record of rewrites does not show to carry
//! your attestation forward. Shared by `git avow reattest` and the
//! post-rewrite hook.

use std::collections::{HashMap, HashSet};

use avow_core::attestation::Person;
use git2::{Oid, Repository};

use super::{Evidence, Sources};
use crate::error::Result;
use crate::git::Config;
use crate::resign::{self, Action, Me};

/// Why one commit cannot be re-signed.
struct Blocked {
    id: Oid,
    subject: String,
    why: String,
    /// Blocked as someone else's statement: `--vouch` can sign it.
    theirs: bool,
}

/// The command that re-signs a plan, naming its unproven commits.
pub fn sign_command(repo: &Repository, plan: &Plan, spec: &str, vouch: bool) -> String {
    let ids: Vec<String> = plan.unproven.iter().map(|&id| resign::short(repo, id)).collect();
    let vouch = if vouch { " --vouch" } else { "" };
    // The range may end in a branch name, which a pull request's author
    // chose (`gh pr checkout` names the local branch after theirs) and
    // which may hold `;` or `$(…)`: one quoted word (entry 147).
    let spec = avow_verify::shell_word(spec);
    if ids.is_empty() {
        format!("git avow reattest{vouch} {spec}")
    } else {
        format!("git avow reattest{vouch} --sign {} {spec}", ids.join(","))
    }
}

/// Shows on the terminal exactly what would be signed for the unproven
/// commits of `plan` and asks; whether the answer is yes.
pub fn confirm_unproven(repo: &Repository, plan: &Plan, tty: &mut crate::tty::Tty) -> Result<bool> {
    tty.say("avow: these commits carry a signature made for another change, and no rebase, amend or resolved cherry-pick recorded here made them from the commit it was made for (a copy of a signed message, perhaps one of yours, or a rewrite by a tool that ran no hooks). Signing them makes their changes yours:\n");
    for &id in &plan.unproven {
        tty.say(&super::describe(repo, id)?);
    }
    let reply = tty.ask("Sign these changes as yours? [y/N] ");
    tty.discard_input();
    Ok(matches!(&reply, crate::tty::Reply::Text(a) if matches!(a.as_str(), "y" | "Y" | "yes")))
}

/// What a re-signing of a range would do.
pub struct Plan {
    /// The commits to re-sign, each with whether `Understood-by` becomes the signer (--vouch).
    pub to_sign: HashMap<Oid, bool>,
    /// Those of `to_sign` that no recorded rewrite made from a commit
    /// attested for its own change with the same signature (by your key,
    /// for your own statements), nor `--sign` names, in commit order:
    /// signed only when confirmed.
    pub unproven: Vec<Oid>,
    blocked: Vec<Blocked>,
    me: Option<(avow_sign::Signer, Me)>,
}

impl Plan {
    /// Whether some commit needs a signature avow cannot give.
    pub fn is_blocked(&self) -> bool {
        !self.blocked.is_empty()
    }

    /// Whether some commit is blocked only as someone else's statement,
    /// which `--vouch` signs where the policy allows it.
    pub fn blocks_theirs(&self) -> bool {
        self.blocked.iter().any(|b| b.theirs)
    }
}

/// Prints the commits that stop a plan, one per line.
pub fn print_blocked(repo: &Repository, plan: &Plan) {
    for b in &plan.blocked {
        crate::output::errln!("  {} {}: {}", resign::short(repo, b.id), b.subject, b.why);
    }
}

/// Which commits of `commits` need a new signature, and which of those
/// avow may not give one (someone else's statement, one naming you that
/// your key did not sign, a fixup, none), and which are not shown by
/// `sources` (new → the commits a rewrite made it from) to carry your
/// attestation forward, unless `explicit` names them.
pub fn plan(
    repo: &Repository,
    commits: &[Oid],
    vouch: bool,
    sources: Sources,
    explicit: &HashSet<Oid>,
) -> Result<Plan> {
    let cfg = Config::new(Some(repo));
    let mut blocked = Vec::new();
    let mut to_sign: HashMap<Oid, bool> = HashMap::new();
    let mut me: Option<(avow_sign::Signer, Me)> = None;
    let made_here = super::committed_here(repo);
    let binding = binding(repo, commits);
    for &id in commits {
        let c = repo.find_commit(id)?;
        if crate::resign::self_check_bound(repo, &c, binding).is_none() {
            continue;
        }
        let (text, _) = resign::message_of(&c)?;
        let subject = avow_core::trailer::subject(&text, &avow_core::trailer::ParseOptions::default(), false);
        let block = |why: String| Blocked { id, subject: subject.clone(), why, theirs: false };
        if resign::is_autosquash(&subject) {
            blocked.push(block(
                "a fixup!/squash!/amend! commit: fold it in first with `git rebase -i --autosquash`".into(),
            ));
            continue;
        }
        let Some(statement) = resign::statement_of(&text) else {
            blocked.push(block(format!(
                "no complete statement to re-sign: give it one with {}",
                give_statement(repo, id, &text)
            )));
            continue;
        };
        if me.is_none() {
            let signer = crate::keys::signer(&cfg)?;
            let who = Me::of(repo, &cfg, signer.public_key())?;
            me = Some((signer, who));
        }
        let (signer, who) = me.as_ref().expect("just set");
        let author = String::from_utf8_lossy(c.author().email_bytes()).into_owned();
        let key_signed = resign::signed_by(signer.public_key(), &text, &author)
            || super::folded_own_amend(repo, &sources, &made_here, signer.public_key(), id);
        if who.owns(&statement) && key_signed {
            to_sign.insert(id, false);
        } else if vouch {
            to_sign.insert(id, true);
        } else if who.owns(&statement) {
            // `git commit --amend` reaches HEAD only.
            let how = if repo.head().ok().and_then(|h| h.target()) == Some(id) {
                "`git commit --amend` (or reword it in `git rebase -i`)".to_owned()
            } else {
                avow_verify::verify::amend_older_hint(
                    &resign::short(repo, id),
                    "git commit --amend",
                    merge_after(repo, id),
                )
            };
            let why = match super::signed_as(repo, &sources, signer.public_key(), id) {
                Some(earlier) => format!(
                    "your key signed this statement for another subject ({earlier:?}; commits were squashed together): read the message as it now reads; if you stand behind it, sign it with {how}"
                ),
                None => format!(
                    "the statement names you, but you did not sign it (no signature of your key over it): read the commit; if you stand behind it, sign it with {how}"
                ),
            };
            blocked.push(block(why));
        } else {
            blocked.push(Blocked {
                theirs: true,
                ..block(format!(
                    "the statement is {}'s, not yours; they re-sign it with `git avow reattest`",
                    statement.understood_by
                ))
            });
        }
    }
    let mut unproven = Vec::new();
    if let Some((signer, _)) = &me {
        let evidence = Evidence { sources, made_here, signer };
        unproven = commits
            .iter()
            .copied()
            .filter(|id| {
                to_sign.get(id).is_some_and(|&vouched| !explicit.contains(id) && !evidence.carried(repo, *id, !vouched))
            })
            .collect();
    }
    Ok(Plan { to_sign, unproven, blocked, me })
}

/// What `verify BASE..` binds the range's attestations to: the `binding`
/// of the policy at the range's base (the revision it trusts unless told
/// otherwise), else of the work tree's policy, else `change`. Under
/// `trees`, a commit a rebase moved needs a new signature, though its
/// change still matches; the post-rewrite hook only looks at commits
/// whose change no longer matches, so after a clean rebase nothing is
/// re-signed until the contributor asks (`git avow reattest`, which the
/// refusal names).
fn binding(repo: &Repository, commits: &[Oid]) -> avow_policy::policy::Binding {
    let base = commits.first().and_then(|&id| repo.find_commit(id).ok()).and_then(|c| c.parent_id(0).ok());
    base.and_then(|b| avow_verify::trust::Trusted::load(repo, &b.to_string()).ok())
        .map(|t| t.policy.binding)
        .or_else(|| crate::local::policy(repo).ok().map(|p| p.binding))
        .unwrap_or(avow_policy::policy::Binding::Change)
}

/// The simplest command line that gives commit `id` (message `text`) the
/// statement it lacks: an amend with the missing trailers, which the
/// commit-msg hook completes and signs without a terminal, on HEAD; the
/// same amend inside an interactive rebase that stops at an older commit.
fn give_statement(repo: &Repository, id: Oid, text: &str) -> String {
    use avow_core::attestation::{AUTHORSHIP, RATIONALE};
    let trailers = avow_core::trailer::parse(text, &avow_core::trailer::ParseOptions::default());
    let has = |key: &str| trailers.iter().any(|t| t.is(key));
    let mut amend = "git commit --amend --no-edit".to_owned();
    if !has(AUTHORSHIP) {
        amend.push_str(" --trailer \"Authorship: human\"");
    }
    if !has(RATIONALE) {
        amend.push_str(" --trailer \"Rationale: <why the change is needed and how it works>\"");
    }
    let ai = if has(AUTHORSHIP) {
        ""
    } else {
        " (for AI-assisted work declare `assisted` or `generated` and add `--trailer \"Assisted-by: AGENT:MODEL\"`)"
    };
    if repo.head().ok().and_then(|h| h.target()) == Some(id) {
        format!("`{amend}`{ai}")
    } else {
        format!(
            "{}{ai}",
            avow_verify::verify::amend_older_hint(&resign::short(repo, id), &amend, merge_after(repo, id))
        )
    }
}

/// Whether a merge commit lies between `id` and HEAD (`id..HEAD`).
fn merge_after(repo: &Repository, id: Oid) -> bool {
    let Ok(mut walk) = repo.revwalk() else { return false };
    if walk.push_head().and_then(|()| walk.hide(id)).is_err() {
        return false;
    }
    walk.filter_map(std::result::Result::ok).any(|c| repo.find_commit(c).is_ok_and(|c| c.parent_count() > 1))
}

/// Carries out a plan with nothing blocked: rewrites `commits` and moves HEAD.
pub fn apply(repo: &Repository, commits: &[Oid], plan: Plan) -> Result<()> {
    let Plan { to_sign, me, .. } = plan;
    let Some((signer, who)) = me else { return Ok(()) };
    let as_me = Person { name: who.name.clone(), email: who.email.clone() };
    let old_tip = *commits.last().expect("non-empty");
    let (new_tip, pairs) = resign::rewrite(repo, commits, |c| {
        let Some(&replace) = to_sign.get(&c.id()) else { return Ok(Action::Keep) };
        let (text, _) = resign::message_of(c)?;
        let parent_tree = avow_verify::commit::parent_tree(c)?;
        let tree = c.tree()?;
        let author = String::from_utf8_lossy(c.author().email_bytes()).into_owned();
        let new =
            resign::resign_text(repo, &signer, &text, &author, parent_tree.as_ref(), &tree, replace.then_some(&as_me))?;
        Ok(Action::Message(new))
    })?;
    resign::move_head(repo, old_tip, new_tip, "avow reattest: re-signed statements")?;
    crate::output::errln!("avow: re-signed {} statement(s):", to_sign.len());
    for (old, new) in pairs.iter().filter(|(o, _)| to_sign.contains_key(o)) {
        let vouched = if to_sign[old] { " (now vouched for by you)" } else { "" };
        crate::output::errln!("  {} -> {}{vouched}", resign::short(repo, *old), resign::short(repo, *new));
    }
    Ok(())
}
