//! What the hooks do around git's history operations — conflicts in
//! rebase, cherry-pick and am, fixup commits, autosquash, reverts — kept
//! apart from the commit-msg pipeline in `cmd/hook.rs`, which calls in here.
//! docs/workflows.md is the table of operations and what avow does in each.

use std::collections::HashMap;
use std::io::BufRead as _;
use std::path::Path;

use avow_core::attestation::{AUTHORSHIP, SIGNATURE};
use avow_core::payload::SignatureTrailer;
use avow_core::trailer::{self, ParseOptions, Trailer};
use git2::{Oid, Repository};

use crate::error::{Outcome, Result};
use crate::git::{open_repo, Config};
use crate::resign;
use crate::tty::Tty;

/// A fixup!/squash!/amend! commit made without a statement: it exists only
/// to be folded into another commit by `rebase --autosquash`, so the hook
/// lets it through unsigned (verify refuses it until it is folded).
pub fn is_unattested_fixup(subject: &str, trailers: &[Trailer]) -> bool {
    resign::is_autosquash(subject) && !trailers.iter().any(|t| t.is(AUTHORSHIP))
}

/// The terminal, unless `avow.prompt` is false.
fn terminal(cfg: &Config) -> Option<Tty> {
    if cfg.get_bool("avow.prompt") == Some(false) {
        None
    } else {
        Tty::open()
    }
}

/// The command lines of this process's ancestors, nearest first (at most
/// eight): git does not tell hooks which command runs them; its command
/// line does.
pub fn ancestor_commands() -> impl Iterator<Item = Vec<String>> {
    ancestors().map(|(_, args)| args)
}

/// [`ancestor_commands`] with each process id (for its `/proc` entries).
pub fn ancestors() -> impl Iterator<Item = (u32, Vec<String>)> {
    #[cfg(unix)]
    let mut pid = Some(std::os::unix::process::parent_id());
    #[cfg(not(unix))]
    let mut pid: Option<u32> = None;
    std::iter::from_fn(move || {
        let p = pid.take()?;
        let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).ok()?;
        let args = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok();
        pid = stat
            .as_deref()
            .and_then(|s| s.rsplit_once(')'))
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|&n| n > 1);
        Some((p, args))
    })
    .take(8)
}

/// The subcommand of the nearest git process among the ancestors
/// (`revert`, `commit`, …).
fn git_command() -> Option<String> {
    ancestor_commands().find_map(|args| git_subcommand(&args))
}

/// For a `git …` command line, its subcommand.
pub fn git_subcommand(args: &[String]) -> Option<String> {
    let prog = args.first()?;
    if prog.rsplit('/').next() != Some("git") {
        return None;
    }
    let mut rest = args[1..].iter();
    loop {
        let a = rest.next()?;
        match a.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env" => {
                rest.next();
            }
            s if s.starts_with('-') => {}
            s => return Some(s.to_owned()),
        }
    }
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
pub fn commit_msg_in_operation(repo: &Repository, cfg: &Config, text: &str, amend: bool) -> Result<Option<Outcome>> {
    let in_op = ["CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply"]
        .iter()
        .any(|f| repo.path().join(f).exists());
    // `text` is the message as git will store it: read it as the verifier does.
    let trailers = trailer::parse(text, &ParseOptions::default());
    let Some(sig) = trailers.iter().find(|t| t.is(SIGNATURE)) else { return Ok(None) };
    if !in_op || amend {
        return Ok(None);
    }
    // A signature avow cannot read (another version) is re-signed as usual.
    let Ok(signed) = SignatureTrailer::parse(&sig.value) else { return Ok(None) };
    let parent_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut index = match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) => git2::Index::open_ext(Path::new(&p), repo.object_format())?,
        None => repo.index()?,
    };
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    if resign::binding_of(repo, parent_tree.as_ref(), &tree)?.change == signed.binding.change {
        return Ok(Some(Outcome::Ok));
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
    if let Some(mut tty) = terminal(cfg) {
        tty.say("avow: the change differs from the one you signed (you resolved a conflict).\n");
        let reply = tty.ask("Re-sign your statement for the change as it is now? [y/N] ");
        tty.discard_input();
        if matches!(&reply, crate::tty::Reply::Text(a) if matches!(a.as_str(), "y" | "Y" | "yes")) {
            return Ok(None);
        }
    }
    crate::output::errln!(
        "avow: your statement was kept but no longer matches the resolved change; avow names the command to re-sign it when the operation ends"
    );
    Ok(Some(Outcome::Ok))
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

/// `git avow hook post-rewrite rebase`: after a rebase (also `pull
/// --rebase` and `rebase -i --autosquash`), find the rewritten commits whose
/// statement no longer matches their change and either re-sign them (your
/// own fixups squashed into your own commit: automatically; a conflict
/// resolution: after you confirm on the terminal) or name the one command
/// that does.
pub fn post_rewrite(kind: Option<String>) -> Result<Outcome> {
    let kind = kind.or_else(|| std::env::var("PRE_COMMIT_REWRITE_COMMAND").ok());
    if kind.as_deref() != Some("rebase") {
        return Ok(Outcome::Ok);
    }
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled") == Some(false) {
        return Ok(Outcome::Ok);
    }
    // old → new, one line each; several olds map to one new when squashed.
    let mut sources: HashMap<Oid, Vec<Oid>> = HashMap::new();
    for line in std::io::stdin().lock().lines().map_while(std::result::Result::ok) {
        let mut f = line.split_whitespace();
        if let (Some(Ok(old)), Some(Ok(new))) = (f.next().map(Oid::from_str), f.next().map(Oid::from_str)) {
            sources.entry(new).or_default().push(old);
        }
    }
    // A hook manager that does not pass git's lines on: the rebase left
    // its old tip in ORIG_HEAD, and what HEAD has that it had not is new.
    if sources.is_empty() {
        sources = rebased_since_orig_head(&repo)?;
    }
    settle(&repo, &cfg, &sources, "this rebase")
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
    if cfg.get_bool("avow.enabled") == Some(false) {
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
            if crate::cmd::verify::self_check(repo, &c).is_some() {
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
    let plan = crate::cmd::reattest::plan(repo, &range, false)?;
    let branch = repo.head()?.shorthand().ok().map_or_else(|| "HEAD".to_owned(), str::to_owned);
    let command = format!("git avow reattest {}..{branch}", resign::short(repo, base));
    if plan.is_blocked() {
        crate::output::errln!(
            "avow: warning: after {what}, these commits no longer verify and avow cannot re-sign them:"
        );
        crate::cmd::reattest::print_blocked(repo, &plan);
        return Ok(Outcome::Ok);
    }
    // Your own fixups folded into your own commit: you made both changes
    // and asked for them to be joined, so the statement is re-signed. A
    // fixup is yours when `git commit` made it here (HEAD's reflog says so:
    // a fetched one, whatever author it names, is not in it).
    let made_here = committed_here(repo);
    let squashed_own = |id: &Oid| {
        let olds = sources.get(id).map_or(&[][..], Vec::as_slice);
        olds.len() > 1
            && olds.iter().all(|o| {
                repo.find_commit(*o).is_ok_and(|c| {
                    let subject = String::from_utf8_lossy(c.summary_bytes().unwrap_or_default()).into_owned();
                    (resign::is_autosquash(&subject) && made_here.contains(o))
                        || crate::cmd::verify::self_check(repo, &c).is_none()
                })
            })
    };
    let automatic = plan.to_sign.keys().all(squashed_own);
    let confirmed = automatic
        || terminal(cfg).is_some_and(|mut tty| {
            tty.say(&format!(
                "avow: {} of your commits changed in {what} (a conflict resolved, or the code around them moved), so their signatures no longer match.\n",
                plan.to_sign.len()
            ));
            let reply = tty.ask("Re-sign your statements for the changes as they are now? [y/N] ");
            tty.discard_input();
            matches!(&reply, crate::tty::Reply::Text(a) if matches!(a.as_str(), "y" | "Y" | "yes"))
        });
    if confirmed {
        crate::cmd::reattest::apply(repo, &range, plan)?;
    } else {
        crate::output::errln!(
            "avow: {} of your commits no longer match the change you signed after {what}; check them, then re-sign with:\n  {command}",
            plan.to_sign.len()
        );
    }
    Ok(Outcome::Ok)
}

/// The commits `git commit` made in this repository, by HEAD's reflog (a
/// local record: fetching or pulling never writes a `commit` entry).
fn committed_here(repo: &Repository) -> std::collections::HashSet<Oid> {
    let Ok(log) = repo.reflog("HEAD") else { return std::collections::HashSet::new() };
    log.iter().filter(|e| e.message_bytes().is_some_and(|m| m.starts_with(b"commit"))).map(|e| e.id_new()).collect()
}

/// prepare-commit-msg during `git revert`, which runs no commit-msg hook:
/// on a terminal, ask for the statement and sign; without one, refuse,
/// keeping the revert staged and its message, and name the command that
/// finishes it. `None` when this is not a revert.
pub fn prepare_revert(file: &Path, source: Option<&str>) -> Result<Option<Outcome>> {
    if source != Some("message") || git_command().as_deref() != Some("revert") {
        return Ok(None);
    }
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled") == Some(false) {
        return Ok(Some(Outcome::Ok));
    }
    let message = crate::message::MessageFile::read(file, &cfg)?;
    let opts = ParseOptions { comment_prefix: crate::cmd::hook::configured_comment_prefix(&cfg), no_divider: false };
    let existing = trailer::parse(&message.text, &opts);
    if existing.iter().any(|t| t.is(AUTHORSHIP)) {
        return crate::cmd::hook::commit_msg(file).map(Some);
    }
    if let Some(mut tty) = terminal(&cfg) {
        let policy = crate::cmd::hook::local_policy(&repo)?;
        tty.say("avow: a revert is a change too.\n");
        let subject = trailer::subject(&message.text, &opts, true);
        let mut add = Vec::new();
        // A signal at the prompt keeps what was typed, as Ctrl-C does below.
        let (kept, text, o) = (message.clone(), message.text.clone(), opts.clone());
        let _keep = crate::tty::keep_on_signal(move || {
            let answers = crate::cmd::hook::answers_so_far();
            if !answers.is_empty() {
                let _ = kept.write(&trailer::rewrite(&text, &o, |_| true, &answers));
            }
        });
        let answered = crate::cmd::hook::prompt_statement(&mut tty, &existing, &policy, &subject, &mut add);
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
        return crate::cmd::hook::commit_msg(file).map(Some);
    }
    let msg = repo.path().join("MERGE_MSG");
    let shown = repo
        .workdir()
        .and_then(|w| msg.strip_prefix(w).ok())
        .map_or_else(|| msg.display().to_string(), |p| p.display().to_string());
    let more = if repo.path().join("sequencer").exists() { "\nthen go on with `git revert --continue`." } else { "" };
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
        "avow: revert refused: a revert needs your statement too, and `git revert` runs no hook that could ask for it.\n\
         The revert is staged and its message kept in {shown}; finish it with:\n\
         \n  git commit -F {shown} --trailer \"Authorship: human\" --trailer \"Rationale: <why it is reverted>\"{more}\n\
         \nTo give the statement with the revert (no terminal needed), stage it with --no-commit and commit with git's message:\n\
         \n  git revert --no-commit {reverted} && git commit --no-edit --trailer \"Authorship: human\" --trailer \"Rationale: <why it is reverted>\""
    );
    Ok(Some(Outcome::Failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn subcommands() {
        assert_eq!(git_subcommand(&v("git revert --no-edit HEAD")).as_deref(), Some("revert"));
        assert_eq!(git_subcommand(&v("/usr/bin/git -C /x -c a=b revert HEAD")).as_deref(), Some("revert"));
        assert_eq!(git_subcommand(&v("git -c core.editor=true commit -F x")).as_deref(), Some("commit"));
        assert_eq!(git_subcommand(&v("sh .git/hooks/prepare-commit-msg")), None);
        assert_eq!(git_subcommand(&v("git -C")), None);
    }

    #[test]
    fn fixups_need_no_statement() {
        assert!(is_unattested_fixup("fixup! Add a", &[]));
        assert!(is_unattested_fixup("amend! Add a", &[Trailer::new("Rationale", "x")]));
        assert!(!is_unattested_fixup("fixup! Add a", &[Trailer::new("Authorship", "human")]));
        assert!(!is_unattested_fixup("Fixup! Add a", &[]));
        assert!(!is_unattested_fixup("Add a fixup! b", &[]));
    }
}
