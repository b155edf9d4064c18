//! `git avow reattest [RANGE]`: re-sign your own statements in place where
//! the change no longer matches the signed one.

use std::collections::HashSet;

use avow_policy::policy::UnderstoodBy;
use git2::{Oid, Repository};

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};
use crate::resign;
use crate::rewrites::{self, plan};

/// Re-sign your statements where a commit's change no longer matches them.
///
/// After resolving a conflict (rebase, `pull --rebase`, cherry-pick, am),
/// squashing fixups, or for an attestation of an older version, a commit's
/// change is not the one its statement was signed for; under a policy with
/// `binding = "trees"` (at RANGE's base, else in the work tree), any
/// rebase moves a commit off its signed trees. reattest rewrites
/// RANGE in place — same trees, authors and statements, a new signature
/// where one is needed — and moves the current branch. Only statements whose
/// `Understood-by:` names you are re-signed; a commit that needs re-signing
/// and carries someone else's statement, a statement naming you that your
/// key did not sign, a fixup!/squash!/amend! commit or no statement stops
/// it, naming the commits, and nothing is changed.
/// Commits that verify are kept as they are.
///
/// A commit is re-signed without asking only when a rebase or amend in
/// this repository (recorded by the post-rewrite hook), or a cherry-pick
/// whose conflict was resolved here (recorded by commit-msg), made it from a
/// commit your key attested for that commit's own change. Any other —
/// a copy of one of your messages over another change, or a rewrite made
/// by a tool that ran no hooks — is shown on the terminal (subject, author,
/// files) and signed only if you say yes; without a terminal reattest
/// refuses and names the `--sign` command.
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
    /// Also re-sign these commits of RANGE (comma-separated ids), which
    /// are not a recorded rewrite of a commit you signed: you have read
    /// their change and stand behind it.
    #[arg(long, value_name = "COMMIT", value_delimiter = ',')]
    pub sign: Vec<String>,
}

/// A base to name in a hint: the branch the work goes into, else HEAD's
/// parent (the range that re-signs the last commit).
fn suggested_base(repo: &Repository) -> String {
    crate::local::base_branches(repo, false).into_iter().next().unwrap_or_else(|| "HEAD~1".to_owned())
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
            return Err(CliError::new("no range given and the current branch has no upstream").hint(format!(
                "give the range to re-sign, e.g. `git avow reattest {}`",
                avow_verify::shell_word(&format!("{}..HEAD", suggested_base(&repo)))
            )));
        }
    };
    let range = avow_verify::resolve::resolve_range(&repo, &spec)?;
    if range.base.is_none() {
        return Err(CliError::new(format!("`{spec}` is not a range: reattest needs BASE..HEAD")).hint(format!(
            "name the commit below the first one to re-sign, e.g. `git avow reattest {}`",
            avow_verify::shell_word(&format!("{}..HEAD", suggested_base(&repo)))
        )));
    }
    let head = repo.head().and_then(|h| h.peel_to_commit()).map_err(|_| {
        CliError::new("HEAD names no commit").hint("check out the branch to re-sign, then run this again")
    })?;
    let tip = range.commits.last();
    if let Some(tip) = tip.filter(|t| *t != head.id()) {
        // Name the branch to switch to when one ends there, so the hint
        // runs as printed.
        let branch = repo.branches(Some(git2::BranchType::Local)).ok().and_then(|mut all| {
            all.find_map(|b| {
                let (b, _) = b.ok()?;
                (b.get().target() == Some(tip)).then(|| b.name().ok().flatten().map(str::to_owned)).flatten()
            })
        });
        let switch = branch.map_or_else(|| "BRANCH".to_owned(), |b| avow_verify::shell_word(&b));
        return Err(CliError::new(format!("`{spec}` does not end at HEAD; reattest rewrites the current branch"))
            .hint(format!(
                "check out the branch first (`git switch {switch}`) and run it again, or end the range at HEAD"
            )));
    }
    if args.vouch {
        let policy = crate::local::policy(&repo)?;
        if policy.understood_by != UnderstoodBy::Keyring {
            return Err(CliError::new(
                "--vouch re-signs other people's statements in your name, which .avow/policy.toml does not allow (understood-by is \"author\")",
            )
            .hint("ask each person to run `git avow reattest` on their commits, or have a maintainer set understood-by = \"keyring\" (docs/policy.md)"));
        }
    }
    let commits: Vec<Oid> = range.commits.iter().collect();
    let mut explicit = HashSet::new();
    for name in &args.sign {
        let id = repo
            .revparse_single(name)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .ok()
            .filter(|id| commits.contains(id))
            .ok_or_else(|| {
                CliError::new(format!("--sign {name}: names no commit of `{spec}`"))
                    .hint("name the commits as reattest printed them, with the same range")
            })?;
        explicit.insert(id);
    }
    let done = reattest(&repo, &commits, args.vouch, &spec, &explicit)?;
    Ok(if done { Outcome::Ok } else { Outcome::Failed })
}

/// Re-signs what needs it among `commits` (parents first, ending at HEAD)
/// and moves HEAD; prints what it did or, when a commit stops it, which
/// and why (returning false, nothing changed).
pub fn reattest(repo: &Repository, commits: &[Oid], vouch: bool, spec: &str, explicit: &HashSet<Oid>) -> Result<bool> {
    let plan = plan::plan(repo, commits, vouch, rewrites::sources(repo, commits), explicit)?;
    if plan.is_blocked() {
        crate::output::errln!(
            "avow: reattest refused; nothing was changed. These commits need a new signature avow cannot give:"
        );
        plan::print_blocked(repo, &plan);
        // A maintainer taking over others' commits (a resolved conflict in
        // their work) may vouch for them where the policy lets them.
        if !vouch
            && plan.blocks_theirs()
            && crate::local::policy(repo).is_ok_and(|p| p.understood_by == UnderstoodBy::Keyring)
        {
            crate::output::errln!(
                "hint: .avow/policy.toml lets keyring people vouch (understood-by = \"keyring\"): if you read and stand behind those statements, sign them in your name with `git avow reattest --vouch {}`",
                avow_verify::shell_word(spec)
            );
        }
        return Ok(false);
    }
    if plan.to_sign.is_empty() {
        crate::output::errln!("avow: every commit in the range verifies; nothing to re-sign");
        return Ok(true);
    }
    if !plan.unproven.is_empty() {
        let cfg = Config::new(Some(repo));
        let asked = crate::tty::terminal(&cfg)?.map(|mut tty| plan::confirm_unproven(repo, &plan, &mut tty));
        match asked.transpose()? {
            Some(true) => {}
            Some(false) => {
                crate::output::errln!("avow: reattest: nothing was changed");
                return Ok(false);
            }
            None => {
                crate::output::errln!(
                    "avow: reattest refused; nothing was changed. These commits carry a signature made for another change, and no rebase, amend or resolved cherry-pick recorded here made them from the commit it was made for (a copy of a signed message, perhaps one of yours, or a rewrite by a tool that ran no hooks):"
                );
                for &id in &plan.unproven {
                    crate::output::errln!("  {}", rewrites::describe(repo, id)?.trim());
                }
                crate::output::errln!(
                    "hint: read them (`git show --stat COMMIT`); if you stand behind their changes, sign them with:\n  {}",
                    plan::sign_command(repo, &plan, spec, vouch)
                );
                return Ok(false);
            }
        }
    }
    plan::apply(repo, commits, plan)?;
    Ok(true)
}
