//! What the hooks do around git's history operations — conflicts in
//! rebase, cherry-pick and am, fixup commits, autosquash, reverts — kept
//! apart from the commit-msg pipeline (`commit_msg.rs`), which calls in here;
//! a revert, which runs no commit-msg hook, is `revert.rs`.
//! docs/workflows.md is the table of operations and what avow does in each.

use std::collections::HashMap;
use std::path::Path;

use avow_core::attestation::{AUTHORSHIP, SIGNATURE};
use avow_core::payload::SignatureTrailer;
use avow_core::trailer::{self, ParseOptions, Trailer};
use git2::{Oid, Repository};

use crate::error::{Outcome, Result};
use crate::git::{open_repo, Config};
use crate::resign;

/// A fixup!/squash!/amend! commit made without a statement: it exists only
/// to be folded into another commit by `rebase --autosquash`, so the hook
/// lets it through unsigned (verify refuses it until it is folded).
pub fn is_unattested_fixup(subject: &str, trailers: &[Trailer]) -> bool {
    resign::is_autosquash(subject) && !trailers.iter().any(|t| t.is(AUTHORSHIP))
}

/// commit-msg while a cherry-pick, revert or rebase commits a message that
/// is already signed (after a conflict, or `cherry-pick -e`). Returns the
/// hook's outcome when it is decided here, `None` to attest as usual.
///
/// A signature that still matches the staged change is kept (it may be
/// someone else's, and it is still true). One that does not is re-signed
/// only when the statement is the committer's own — it names them and
/// their key signed it ([`resign::mine`]) — and they confirm on the
/// terminal: the resolution is theirs to stand behind; otherwise the
/// message is kept as it is and the finishing command named.
pub fn commit_msg_in_operation(
    repo: &Repository,
    cfg: &Config,
    text: &str,
    amend: bool,
    reused: Option<&str>,
) -> Result<Option<Outcome>> {
    let in_op = ["CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply"]
        .iter()
        .any(|f| repo.path().join(f).exists());
    // `text` is the message as git will store it: read it as the verifier does.
    let trailers = trailer::parse(text, &ParseOptions::default());
    if !(in_op || reused.is_some()) || amend {
        return Ok(None);
    }
    // Without a signature avow can check (none, or another version's), a
    // statement is signed as usual — unless it is the one the commit being
    // picked carries: then nobody here wrote it, and signing it would put
    // your key under whatever statement and change that commit brought
    // (threat-model entry 109). One you typed or edited is yours.
    let signed = trailers.iter().find(|t| t.is(SIGNATURE)).and_then(|sig| SignatureTrailer::parse(&sig.value).ok());
    let Some(signed) = signed else {
        let Ok(statement) = avow_core::attestation::Statement::from_trailers(&trailers) else { return Ok(None) };
        if picked_statement(repo, reused).as_ref() != Some(&statement) {
            return Ok(None);
        }
        let author = std::env::var("GIT_AUTHOR_EMAIL").or_else(|_| cfg.user().map(|(_, e)| e))?;
        if resign::mine(repo, cfg, &statement, text, &author)? == Some(false) {
            crate::output::errln!(
                "avow: the statement is {}'s and carries no signature avow can check; it is kept as it is (avow never signs another person's statement as yours)",
                statement.understood_by
            );
        } else {
            crate::output::errln!("avow: {}", not_signed_by_you(&statement));
        }
        return Ok(Some(Outcome::Ok));
    };
    // A message reused outside an operation (`git commit -C`) with a
    // signature avow can check is signed as before.
    if !in_op {
        return Ok(None);
    }
    let parent_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    // Staged in memory: git writes the real tree itself, with a shared
    // repository's modes (see `avow_verify::repo::writes_in_memory`).
    let tree = repo.find_tree(crate::git::staged_tree(repo)?)?;
    if resign::binding_of(repo, parent_tree.as_ref(), &tree)?.change == signed.binding.change {
        return Ok(Some(Outcome::Ok));
    }
    // A cherry-pick resolved here: what it was made from, for reattest
    // (git runs no post-rewrite after a cherry-pick).
    let picked = repo.find_reference("CHERRY_PICK_HEAD").ok().and_then(|r| r.target());
    if let (Some(source), Some(parent_tree)) = (picked, &parent_tree) {
        if let Err(e) = crate::rewrites::record_pick(repo, source, parent_tree.id(), tree.id()) {
            crate::output::errln!(
                "avow: warning: the cherry-pick was not recorded ({}); reattest will ask about it",
                e.message
            );
        }
    }
    let Ok(statement) = avow_core::attestation::Statement::from_trailers(&trailers) else { return Ok(None) };
    // Yours only if your key signed it, as reattest decides: anyone can
    // write your name into a commit you pick up.
    let author = std::env::var("GIT_AUTHOR_EMAIL").or_else(|_| cfg.user().map(|(_, e)| e))?;
    match resign::mine(repo, cfg, &statement, text, &author)? {
        Some(true) => {}
        Some(false) => {
            crate::output::errln!(
                "avow: the statement is {}'s and no longer matches the change as resolved; it is kept as it is (avow never re-signs another person's statement as yours)",
                statement.understood_by
            );
            return Ok(Some(Outcome::Ok));
        }
        None => {
            crate::output::errln!("avow: {}", not_signed_by_you(&statement));
            return Ok(Some(Outcome::Ok));
        }
    }
    if let Some(mut tty) = crate::tty::terminal(cfg)? {
        tty.say("avow: the change differs from the one you signed (you resolved a conflict).\n");
        let reply = tty.ask("Re-sign your statement for the change as it is now? [y/N] ");
        tty.discard_input();
        if matches!(&reply, crate::tty::Reply::Text(a) if matches!(a.as_str(), "y" | "Y" | "yes")) {
            return Ok(None);
        }
    }
    // A rebase's post-rewrite names the command when the rebase ends; after
    // a cherry-pick or revert, git runs no hook of avow's that could.
    let then = if repo.path().join("rebase-merge").exists() || repo.path().join("rebase-apply").exists() {
        "avow names the command to re-sign it when the rebase ends".to_owned()
    } else if repo.path().join("sequencer").exists() {
        // git keeps where the sequence started: the commits it makes are
        // those after it (a bare `reattest` needs an upstream).
        let start = std::fs::read_to_string(repo.path().join("sequencer/head"))
            .ok()
            .and_then(|hex| avow_verify::parse_whole_oid(hex.trim()))
            .map_or_else(|| "BASE".to_owned(), |id| resign::short(repo, id));
        format!("when the operation ends, re-sign it with `git avow reattest {start}..HEAD`")
    } else {
        "re-sign it with `git commit --amend --no-edit`".to_owned()
    };
    crate::output::errln!("avow: your statement was kept but no longer matches the resolved change; {then}");
    Ok(Some(Outcome::Ok))
}

/// prepare-commit-msg for a commit git will make without running
/// commit-msg: `git commit --no-verify` (`-n`), and a cherry-pick that
/// applies cleanly. avow installs no post-commit hook (a process costs
/// every commit time, and on a plain `git commit` it had nothing to say),
/// so what post-commit checked after such a commit is checked here, before
/// git makes it: the commit as git will make it (staged tree, parents,
/// author, the message as git will store it) is built in memory and given
/// post-commit's self-check. It warns and names the command that fixes
/// the commit; it never fails one.
pub fn check_unverified(file: &Path, source: Option<&str>) -> Result<()> {
    let Some((command, invocation)) = super::invocation::nearest_git() else { return Ok(()) };
    let (amend, why) = match (command.as_str(), &invocation) {
        ("commit", Some(inv)) if inv.no_verify => (inv.amend, "--no-verify skips avow's commit-msg hook"),
        ("cherry-pick", _) if source == Some("message") => (false, "a cherry-pick runs no commit-msg hook"),
        _ => return Ok(()),
    };
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    // Mid-rebase, HEAD is a step about to move: post-rewrite reports.
    if cfg.get_bool("avow.enabled")? == Some(false)
        || !super::adopted(&repo)
        || repo.path().join("rebase-merge").exists()
        || repo.path().join("rebase-apply").exists()
    {
        return Ok(());
    }
    let message = crate::message::MessageFile::read(file, &cfg)?;
    let text = super::cleanup::Rules::find(&cfg, invocation.as_ref(), &message.text).apply(&message.text);
    // A fixup commit is attested when it is folded in.
    if resign::is_autosquash(text.lines().next().unwrap_or_default()) {
        return Ok(());
    }
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let mut parents: Vec<git2::Commit<'_>> = match (&head, amend) {
        (Some(h), true) => h.parents().collect(),
        (Some(h), false) => vec![h.clone()],
        (None, _) => Vec::new(),
    };
    if !amend {
        let merging = std::fs::read_to_string(repo.path().join("MERGE_HEAD")).unwrap_or_default();
        parents.extend(
            merging.lines().filter_map(|l| Oid::from_str(l.trim()).ok()).filter_map(|id| repo.find_commit(id).ok()),
        );
    }
    // The tree and the commit go to memory, never to the object store.
    let tree = repo.find_tree(crate::git::staged_tree(&repo)?)?;
    avow_verify::repo::writes_in_memory(&repo)?;
    // The author git records: its environment (git exports it to the
    // hook), else the picked commit's, else the configuration.
    let picked = repo.revparse_single("CHERRY_PICK_HEAD").ok().and_then(|o| o.peel_to_commit().ok());
    let (name, email) = match (std::env::var("GIT_AUTHOR_NAME"), std::env::var("GIT_AUTHOR_EMAIL"), &picked) {
        (Ok(n), Ok(e), _) => (n, e),
        (_, _, Some(p)) => {
            let a = p.author();
            (
                String::from_utf8_lossy(a.name_bytes()).into_owned(),
                String::from_utf8_lossy(a.email_bytes()).into_owned(),
            )
        }
        _ => cfg.user()?,
    };
    let who = git2::Signature::now(&name, &email)?;
    let id = repo.commit(None, &who, &who, &text, &tree, &parents.iter().collect::<Vec<_>>())?;
    warn_unless_verified(
        &repo,
        &repo.find_commit(id)?,
        &format!("the commit will not be attested ({why})"),
        &format!("the commit's attestation will not verify ({why})"),
    );
    Ok(())
}

/// The self-check of `commit` (made, or about to be made): when its
/// attestation is missing or does not verify, a warning (`missing`, or
/// `broken` and the problem) and the command that fixes it.
pub fn warn_unless_verified(repo: &Repository, commit: &git2::Commit<'_>, missing: &str, broken: &str) {
    match resign::self_check(repo, commit) {
        Some((rule, _)) if rule == avow_policy::findings::ATTESTATION_MISSING.id => {
            crate::output::errln!("avow: warning: {missing}");
            crate::output::errln!(
                "avow: attest it with `git commit --amend --trailer \"Authorship: …\" --trailer \"Rationale: …\"`"
            );
        }
        Some((_, problem)) => {
            crate::output::errln!("avow: warning: {broken}: {problem}");
            crate::output::errln!("{}", resign_head_advice(repo, commit));
        }
        None => {}
    }
}

/// Whether post-commit should stay silent: in the middle of a rebase, HEAD
/// is a detached step and the end of the rebase (post-rewrite) reports; a
/// fixup commit is attested when it is folded in.
pub fn post_commit_quiet(repo: &Repository, head: &git2::Commit<'_>) -> bool {
    repo.path().join("rebase-merge").exists()
        || repo.path().join("rebase-apply").exists()
        || resign::is_autosquash(&String::from_utf8_lossy(head.summary_bytes().unwrap_or_default()))
}

/// Why a statement naming you is not re-signed: your key did not sign it.
/// The statement of the commit whose message this one starts from: the
/// one `git commit -C`/`-c` reuses, else the one a cherry-pick, rebase or
/// revert is applying (`CHERRY_PICK_HEAD`, `REBASE_HEAD`, `REVERT_HEAD`), if
/// it carries one.
fn picked_statement(repo: &Repository, reused: Option<&str>) -> Option<avow_core::attestation::Statement> {
    let picked = reused
        .into_iter()
        .chain(["CHERRY_PICK_HEAD", "REBASE_HEAD", "REVERT_HEAD"])
        .find_map(|name| repo.revparse_single(name).ok().and_then(|o| o.peel_to_commit().ok()))?;
    let (text, _) = resign::message_of(&picked).ok()?;
    resign::statement_of(&text)
}

fn not_signed_by_you(statement: &avow_core::attestation::Statement) -> String {
    format!(
        "the statement names you ({}), but your key did not sign it; it is kept as it is: read the commit, and if you stand behind it, sign it with `git commit --amend --no-edit`",
        statement.understood_by
    )
}

/// The command to re-sign HEAD when its attestation no longer verifies: an
/// amend when the statement is the committer's own (by key, as reattest
/// decides); otherwise who must act.
pub fn resign_head_advice(repo: &Repository, head: &git2::Commit<'_>) -> String {
    let cfg = Config::new(Some(repo));
    let Ok((text, _)) = resign::message_of(head) else { return AMEND.into() };
    let Some(s) = resign::statement_of(&text) else { return AMEND.into() };
    let author = String::from_utf8_lossy(head.author().email_bytes()).into_owned();
    match resign::mine(repo, &cfg, &s, &text, &author) {
        Ok(Some(false)) => format!(
            "avow: the statement is {}'s: ask them to re-sign it (`git avow reattest`), or replace it with your own (`git commit --amend` with your trailers)",
            s.understood_by
        ),
        Ok(None) => format!("avow: {}", not_signed_by_you(&s)),
        _ => AMEND.into(),
    }
}

/// Re-signing HEAD's own statement.
const AMEND: &str = "avow: re-sign it with `git commit --amend --no-edit`";

/// `git avow hook post-rewrite rebase|amend`: records git's `OLD NEW`
/// pairs ([`crate::rewrites`]: the evidence that a commit is a rewrite of your
/// own). After a rebase (also `pull --rebase` and `rebase -i
/// --autosquash`), finds the rewritten commits whose statement no longer
/// matches their change and either re-signs them (your own fixups squashed
/// into your own commit: automatically; a conflict resolution: after you
/// confirm on the terminal) or names the one command that does.
pub fn post_rewrite(kind: Option<String>) -> Result<Outcome> {
    post_rewrite_with(kind, None)
}

/// [`post_rewrite`] given git's lines (`git-avow hook-direct` read them
/// from standard input to give a chained hook a copy).
pub fn post_rewrite_of(kind: Option<String>, lines: &str) -> Result<Outcome> {
    post_rewrite_with(kind, Some(lines))
}

fn post_rewrite_with(kind: Option<String>, lines: Option<&str>) -> Result<Outcome> {
    let kind = kind.or_else(|| std::env::var("PRE_COMMIT_REWRITE_COMMAND").ok());
    if !matches!(kind.as_deref(), Some("rebase" | "amend")) {
        return Ok(Outcome::Ok);
    }
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled")? == Some(false) || !super::adopted(&repo) {
        return Ok(Outcome::Ok);
    }
    let mut input = String::new();
    match lines {
        Some(lines) => input.push_str(lines),
        None => {
            let _ =
                std::io::Read::read_to_string(&mut std::io::Read::take(std::io::stdin().lock(), 1 << 22), &mut input);
        }
    }
    let mut pairs = crate::rewrites::parse(&input);
    // A hook manager that does not pass git's lines on (pre-commit): a
    // rebase's own list of them is still in its state directory.
    if pairs.is_empty() && kind.as_deref() == Some("rebase") {
        let list = std::fs::read_to_string(repo.path().join("rebase-merge/rewritten-list")).unwrap_or_default();
        pairs = crate::rewrites::parse(&list);
    }
    // A commit the rebase dropped (its change was already upstream, as
    // after the forge squash-merged your branch) is listed as rewritten
    // into the commit HEAD was at: the upstream's own commit, which this
    // rebase did not make. It is neither yours to re-sign nor evidence
    // that a commit carrying your signature came from yours (threat-model
    // entry 127).
    let onto = rebase_onto(&repo);
    if let Some(onto) = onto {
        pairs.retain(|&(_, new)| !made_before(&repo, onto, new));
    }
    if let Err(e) = crate::rewrites::record(&repo, &pairs) {
        crate::output::errln!(
            "avow: warning: the rewrite was not recorded ({}); reattest will ask about it",
            e.message
        );
    }
    if kind.as_deref() != Some("rebase") {
        return Ok(Outcome::Ok);
    }
    // old → new; several olds map to one new when squashed.
    let mut sources: HashMap<Oid, Vec<Oid>> = HashMap::new();
    for (old, new) in pairs {
        sources.entry(new).or_default().push(old);
    }
    // A hook manager that does not pass git's lines on: the rebase left
    // its old tip in ORIG_HEAD, and what HEAD has that it had not is new.
    if sources.is_empty() {
        sources = rebased_since_orig_head(&repo)?;
        if let Some(onto) = onto {
            sources.retain(|&new, _| !made_before(&repo, onto, new));
        }
    }
    settle(&repo, &cfg, &sources, "this rebase")
}

/// The commit a rebase in progress replays onto (`onto` in its state
/// directory, which git removes only after post-rewrite has run).
fn rebase_onto(repo: &Repository) -> Option<Oid> {
    ["rebase-merge/onto", "rebase-apply/onto"]
        .iter()
        .find_map(|f| std::fs::read_to_string(repo.path().join(f)).ok())
        .and_then(|text| avow_verify::parse_oid(text.trim()).ok())
}

/// Whether `id` existed before the rebase onto `onto` made anything:
/// `onto` itself or one of its ancestors.
fn made_before(repo: &Repository, onto: Oid, id: Oid) -> bool {
    id == onto || repo.graph_descendant_of(onto, id).unwrap_or(false)
}

/// The commits of HEAD not in `ORIG_HEAD` (the tip before a rebase, or
/// before `git am`).
fn rebased_since_orig_head(repo: &Repository) -> Result<HashMap<Oid, Vec<Oid>>> {
    let (Ok(orig), Ok(head)) = (repo.revparse_single("ORIG_HEAD"), repo.head().and_then(|h| h.peel_to_commit())) else {
        return Ok(HashMap::new());
    };
    let mut walk = repo.revwalk()?;
    walk.push(head.id())?;
    walk.hide(orig.id())?;
    Ok(walk.filter_map(std::result::Result::ok).map(|id| (id, Vec::new())).collect())
}

/// `git avow hook post-applypatch`: after the last patch of `git am`, the
/// applied commits (`ORIG_HEAD..HEAD`) are checked as after a rebase.
pub fn post_applypatch() -> Result<Outcome> {
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled")? == Some(false) {
        return Ok(Outcome::Ok);
    }
    let state = repo.path().join("rebase-apply");
    let read = |f: &str| std::fs::read_to_string(state.join(f)).ok().map(|s| s.trim().to_owned());
    // `git rebase --apply` runs am too; its post-rewrite reports.
    if state.join("rebasing").exists() || read("next") != read("last") {
        return Ok(Outcome::Ok);
    }
    let sources = rebased_since_orig_head(&repo)?;
    settle(&repo, &cfg, &sources, "`git am`")
}

/// Checks the commits `sources` names (new id → the commits it was made
/// from) and re-signs or advises; see [`post_rewrite`].
fn settle(repo: &Repository, cfg: &Config, sources: &HashMap<Oid, Vec<Oid>>, what: &str) -> Result<Outcome> {
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else { return Ok(Outcome::Ok) };
    // HEAD's history, oldest first, down to the first failing rewritten commit.
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    walk.push(head.id())?;
    let mut failing = Vec::new();
    let mut order = Vec::new();
    for id in walk.filter_map(std::result::Result::ok) {
        order.push(id);
        if sources.contains_key(&id) {
            let c = repo.find_commit(id)?;
            if crate::resign::self_check(repo, &c).is_some() {
                failing.push(id);
            }
        }
    }
    let Some(&first) = failing.first() else { return Ok(Outcome::Ok) };
    let first_commit = repo.find_commit(first)?;
    if first_commit.parent_count() == 0 {
        crate::output::errln!("avow: warning: the root commit {} no longer verifies after {what}; re-commit it with `git commit --amend --no-edit` at the root", resign::short(repo, first));
        return Ok(Outcome::Ok);
    }
    let base = first_commit.parent_id(0)?;
    let pos = order.iter().position(|&id| id == first).unwrap_or(0);
    let range: Vec<Oid> = order[pos..].to_vec();
    let mut recorded = crate::rewrites::sources(repo, &range);
    for (new, olds) in sources {
        let all = recorded.entry(*new).or_default();
        all.extend(olds.iter().filter(|o| !all.contains(o)).copied().collect::<Vec<_>>());
    }
    let plan = crate::rewrites::plan::plan(repo, &range, false, recorded, &std::collections::HashSet::new())?;
    let branch = repo.head()?.shorthand().ok().map_or_else(|| "HEAD".to_owned(), str::to_owned);
    let spec = format!("{}..{branch}", resign::short(repo, base));
    let command = crate::rewrites::plan::sign_command(repo, &plan, &spec, false);
    if plan.is_blocked() {
        crate::output::errln!(
            "avow: warning: after {what}, these commits no longer verify and avow cannot re-sign them:"
        );
        crate::rewrites::plan::print_blocked(repo, &plan);
        return Ok(Outcome::Ok);
    }
    // Your own fixups folded into your own commit: you made both changes
    // and asked for them to be joined, so the statement is re-signed. The
    // plan already checked each is a rewrite of a commit your key attested,
    // folded only with fixups `git commit` made here or your own attested
    // commits (a fetched fixup, whatever author it names, is neither).
    let squashed = |id: &Oid| sources.get(id).is_some_and(|olds| olds.len() > 1);
    let automatic = plan.unproven.is_empty() && plan.to_sign.keys().all(squashed);
    let confirmed = automatic
        || crate::tty::terminal(cfg)?.is_some_and(|mut tty| {
            tty.say(&format!(
                "avow: {} of your commits changed in {what} (a conflict resolved, or the code around them moved), so their signatures no longer match.\n",
                plan.to_sign.len()
            ));
            if !plan.unproven.is_empty() {
                return crate::rewrites::plan::confirm_unproven(repo, &plan, &mut tty).unwrap_or(false);
            }
            let reply = tty.ask("Re-sign your statements for the changes as they are now? [y/N] ");
            tty.discard_input();
            matches!(&reply, crate::tty::Reply::Text(a) if matches!(a.as_str(), "y" | "Y" | "yes"))
        });
    if confirmed {
        crate::rewrites::plan::apply(repo, &range, plan)?;
    } else {
        crate::output::errln!(
            "avow: {} of your commits no longer match the change you signed after {what}; check them, then re-sign with:\n  {command}",
            plan.to_sign.len()
        );
        if !plan.unproven.is_empty() {
            crate::output::errln!(
                "avow: of those, these were not made here from a commit you signed; read them before you sign them:"
            );
            for &id in &plan.unproven {
                crate::output::errln!("{}", crate::rewrites::describe(repo, id)?.trim_end());
            }
        }
    }
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixups_need_no_statement() {
        assert!(is_unattested_fixup("fixup! Add a", &[]));
        assert!(is_unattested_fixup("amend! Add a", &[Trailer::new("Rationale", "x")]));
        assert!(!is_unattested_fixup("fixup! Add a", &[Trailer::new("Authorship", "human")]));
        assert!(!is_unattested_fixup("Fixup! Add a", &[]));
        assert!(!is_unattested_fixup("Add a fixup! b", &[]));
    }
}
