//! `git avow reattest [RANGE]`: re-sign your own statements in place where
//! the change no longer matches the signed one.

use avow_core::attestation::Person;
use avow_policy::policy::UnderstoodBy;
use git2::{Oid, Repository};

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};
use crate::resign::{self, Action, Me};

/// Re-sign your statements where a commit's change no longer matches them.
///
/// After resolving a conflict (rebase, `pull --rebase`, cherry-pick, am),
/// squashing fixups, or for an attestation of an older version, a commit's
/// change is not the one its statement was signed for. reattest rewrites
/// RANGE in place — same trees, authors and statements, a new signature
/// where one is needed — and moves the current branch. Only statements whose
/// `Understood-by:` names you are re-signed; a commit that needs re-signing
/// and carries someone else's statement, a statement naming you that your
/// key did not sign, a fixup!/squash!/amend! commit or no statement stops
/// it, naming the commits, and nothing is changed.
/// Commits that verify are kept as they are.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `BASE..TIP`, where TIP is the current branch (HEAD). Default:
    /// `@{upstream}..HEAD`.
    pub range: Option<String>,
    /// Also re-sign other people's statements, naming you in
    /// `Understood-by:` (you vouch for them). Only where the work tree's
    /// policy sets `understood-by = "keyring"`.
    #[arg(long)]
    pub vouch: bool,
}

pub fn run(args: &Args) -> Result<Outcome> {
    let repo = open_repo()?;
    if let Some(what) = resign::operation_in_progress(repo.path()) {
        return Err(CliError::new(format!("{what} is in progress; reattest rewrites the branch it is working on"))
            .hint("finish it first (`git status` says how), then run `git avow reattest` again"));
    }
    let spec = match &args.range {
        Some(r) => r.clone(),
        None if repo.revparse_single("@{upstream}").is_ok() => "@{upstream}..HEAD".into(),
        None => {
            return Err(CliError::new("no range given and the current branch has no upstream")
                .hint("give the range to re-sign, e.g. `git avow reattest main..HEAD`"))
        }
    };
    let range = avow_verify::resolve::resolve_range(&repo, &spec)?;
    if range.base.is_none() {
        return Err(CliError::new(format!("`{spec}` is not a range: reattest needs BASE..HEAD"))
            .hint("name the commit below the first one to re-sign, e.g. `git avow reattest main..HEAD`"));
    }
    let head = repo.head().and_then(|h| h.peel_to_commit()).map_err(|_| {
        CliError::new("HEAD names no commit").hint("check out the branch to re-sign, then run this again")
    })?;
    let tip = range.commits.last().copied();
    if tip.is_some_and(|t| t != head.id()) {
        return Err(CliError::new(format!("`{spec}` does not end at HEAD; reattest rewrites the current branch"))
            .hint("check out the branch first (`git switch BRANCH`), or end the range at HEAD"));
    }
    if args.vouch {
        let policy = crate::cmd::hook::local_policy(&repo)?;
        if policy.understood_by != UnderstoodBy::Keyring {
            return Err(CliError::new(
                "--vouch re-signs other people's statements in your name, which .avow/policy.toml does not allow (understood-by is \"author\")",
            )
            .hint("ask each person to run `git avow reattest` on their commits, or have a maintainer set understood-by = \"keyring\" (docs/policy.md)"));
        }
    }
    let done = reattest(&repo, &range.commits, args.vouch)?;
    Ok(if done { Outcome::Ok } else { Outcome::Failed })
}

/// Why one commit cannot be re-signed.
struct Blocked {
    id: Oid,
    subject: String,
    why: String,
}

/// Re-signs what needs it among `commits` (parents first, ending at HEAD)
/// and moves HEAD; prints what it did or, when a commit stops it, which
/// and why (returning false, nothing changed).
pub fn reattest(repo: &Repository, commits: &[Oid], vouch: bool) -> Result<bool> {
    let plan = plan(repo, commits, vouch)?;
    if !plan.blocked.is_empty() {
        crate::output::errln!(
            "avow: reattest refused; nothing was changed. These commits need a new signature avow cannot give:"
        );
        print_blocked(repo, &plan);
        return Ok(false);
    }
    if plan.to_sign.is_empty() {
        crate::output::errln!("avow: every commit in the range verifies; nothing to re-sign");
        return Ok(true);
    }
    apply(repo, commits, plan)?;
    Ok(true)
}

/// What a re-signing of a range would do.
pub struct Plan {
    /// The commits to re-sign, each with whether `Understood-by` becomes the signer (--vouch).
    pub to_sign: std::collections::HashMap<Oid, bool>,
    blocked: Vec<Blocked>,
    me: Option<(avow_sign::Signer, Me)>,
}

impl Plan {
    /// Whether some commit needs a signature avow cannot give.
    pub fn is_blocked(&self) -> bool {
        !self.blocked.is_empty()
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
/// your key did not sign, a fixup, none).
pub fn plan(repo: &Repository, commits: &[Oid], vouch: bool) -> Result<Plan> {
    let cfg = Config::new(Some(repo));
    let mut blocked = Vec::new();
    let mut to_sign: std::collections::HashMap<Oid, bool> = std::collections::HashMap::new();
    let mut me: Option<(avow_sign::Signer, Me)> = None;
    for &id in commits {
        let c = repo.find_commit(id)?;
        if crate::cmd::verify::self_check(repo, &c).is_none() {
            continue;
        }
        let (text, _) = resign::message_of(&c)?;
        let subject = avow_core::trailer::subject(&text, &avow_core::trailer::ParseOptions::default(), false);
        let block = |why: String| Blocked { id, subject: subject.clone(), why };
        if resign::is_autosquash(&subject) {
            blocked.push(block(
                "a fixup!/squash!/amend! commit: fold it in first with `git rebase -i --autosquash`".into(),
            ));
            continue;
        }
        let Some(statement) = resign::statement_of(&text) else {
            blocked.push(block("no complete statement to re-sign: give it one with `git rebase -i` (reword)".into()));
            continue;
        };
        if me.is_none() {
            let signer = crate::keys::signer(&cfg)?;
            let who = Me::of(repo, &cfg, signer.public_key())?;
            me = Some((signer, who));
        }
        let (signer, who) = me.as_ref().expect("just set");
        let author = String::from_utf8_lossy(c.author().email_bytes()).into_owned();
        if who.owns(&statement) && resign::signed_by(signer.public_key(), &text, &author) {
            to_sign.insert(id, false);
        } else if vouch {
            to_sign.insert(id, true);
        } else if who.owns(&statement) {
            blocked.push(block(
                "the statement names you, but you did not sign it (no signature of your key over it): read the commit; if you stand behind it, sign it with `git commit --amend` (or reword it in `git rebase -i`)".into(),
            ));
        } else {
            blocked.push(block(format!(
                "the statement is {}'s, not yours; they re-sign it with `git avow reattest`",
                statement.understood_by
            )));
        }
    }
    Ok(Plan { to_sign, blocked, me })
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
