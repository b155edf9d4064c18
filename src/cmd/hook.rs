//! `git avow hook …`: what the scripts in hooks/ call.
//!
//! `commit-msg` checks the attestation trailers (asking on the terminal for
//! what is missing), lints them against the local policy, signs, and writes
//! the message back atomically. It never writes a partial message: on any
//! refusal or error the file is left exactly as it was.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use avow_core::attestation::{
    Authorship, Person, Statement, ASSISTED_BY, AUTHORSHIP, RATIONALE, SIGNATURE, UNDERSTOOD_BY,
};
use avow_core::payload::{Payload, SignatureTrailer};
use avow_core::trailer::{self, ParseOptions, Trailer};
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::keyring::Keyring;
use avow_policy::markers::Markers;
use avow_policy::policy::{MergeMode, Policy, Severity};
use avow_verify::commit::{change_stats, tree_binding};
use avow_verify::patch_id;
use clap::Subcommand;
use git2::Repository;

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};
use crate::keys;
use crate::message::MessageFile;
use crate::tty::Tty;

/// Run by git hooks; you do not normally call these yourself.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Check, complete and sign the attestation in the commit message FILE.
    CommitMsg {
        /// The commit message file git passes to the hook.
        file: PathBuf,
    },
    /// Add guidance about the attestation trailers to a message about to
    /// be edited.
    PrepareCommitMsg {
        /// The commit message file.
        file: PathBuf,
        /// Where the message came from: message, template, merge, squash or commit.
        source: Option<String>,
        /// The commit for source `commit`.
        sha: Option<String>,
    },
    /// Warn when the new HEAD's attestation does not verify.
    PostCommit,
    /// Verify the commits about to be pushed (refs on standard input, as
    /// git gives them) against the keyring and policy on the remote's side.
    PrePush {
        /// The remote's name (or URL) git passes to the hook.
        remote: String,
        /// The remote's URL.
        url: Option<String>,
    },
    /// On a server: verify the pushed refs (`OLD NEW REF` lines on standard
    /// input, as git gives them) against the keyring and policy the
    /// receiving repository already has (docs/server.md).
    PreReceive,
    /// On a server that runs a hook per ref: verify one pushed ref.
    Update {
        /// The ref being updated.
        refname: String,
        /// Its current value.
        old: String,
        /// The pushed value.
        new: String,
    },
}

pub fn run(cmd: HookCommand) -> Result<Outcome> {
    match cmd {
        HookCommand::CommitMsg { file } => commit_msg(&file),
        HookCommand::PrepareCommitMsg { file, source, sha } => {
            prepare_commit_msg(&file, source.as_deref(), sha.as_deref())
        }
        HookCommand::PostCommit => post_commit(),
        HookCommand::PrePush { remote, url: _ } => crate::cmd::pre_push::run(&remote),
        HookCommand::PreReceive => crate::cmd::receive::pre_receive(),
        HookCommand::Update { refname, old, new } => crate::cmd::receive::update(&refname, &old, &new),
    }
}

/// Replaces `file` with `contents` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the original.
pub fn write_atomically(file: &Path, contents: &str) -> Result<()> {
    replace_file(file, contents.as_bytes(), true)
}

/// Replaces the commit message file git passed to a hook (bytes: a message
/// may be in a non-UTF-8 commit encoding): atomically (git never reads half
/// a message) but without waiting for the disk, which costs several
/// milliseconds per commit. The file only lives until git reads it back a
/// moment later; git itself does not sync it either.
pub fn write_message_bytes(file: &Path, contents: &[u8]) -> Result<()> {
    replace_file(file, contents, false)
}

fn replace_file(file: &Path, contents: &[u8], durable: bool) -> Result<()> {
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| {
        CliError::new(format!("cannot write the commit message file {}: {e}", file.display()))
            .hint("check the permissions of the .git directory")
    };
    let mut tmp = tempfile::Builder::new().prefix(".avow-msg").tempfile_in(dir).map_err(fail)?;
    tmp.write_all(contents).map_err(fail)?;
    if durable {
        tmp.as_file().sync_all().map_err(fail)?;
    }
    tmp.persist(file).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Policy from the work tree, for early feedback. The verifier reads the
/// trusted one; here a missing or broken file must not block work
/// silently, so a broken one is an error and a missing one the default.
fn local_policy(repo: &Repository) -> Result<Policy> {
    let Some(dir) = repo.workdir() else { return Ok(Policy::default()) };
    let path = dir.join(avow_verify::trust::POLICY_PATH);
    if !path.exists() {
        return Ok(Policy::default());
    }
    // Errors name the file as the repository does (`.avow/policy.toml:7: …`).
    let rel = Path::new(avow_verify::trust::POLICY_PATH);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CliError::new(format!("cannot read {}: {e}", rel.display())).hint("check the file's permissions")
    })?;
    Policy::parse(&text, rel)
        .map_err(|e| CliError::new(e.to_string()).hint("fix .avow/policy.toml (docs/policy.md describes every field)"))
}

fn local_keyring(repo: &Repository) -> Option<Keyring> {
    let path = repo.workdir()?.join(avow_verify::trust::KEYRING_PATH);
    Keyring::load(&path).ok()
}

/// Whether the git process that runs this hook is `git commit --amend`.
/// Git does not tell hooks; its command line does (see SPEC "amend").
fn is_amend() -> bool {
    if let Ok(v) = std::env::var("AVOW_AMEND") {
        return v == "1";
    }
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..8 {
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return false };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if let Some(amend) = git_commit_amend(&args) {
            return amend;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
        let Some(parent) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            return false;
        };
        if parent <= 1 {
            return false;
        }
        pid = parent;
    }
    false
}

/// For a `git … commit …` command line, whether it amends; `None` if it is
/// not a commit command.
pub fn git_commit_amend(args: &[String]) -> Option<bool> {
    let prog = args.first()?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    if base != "git" {
        return None;
    }
    let mut rest = args[1..].iter();
    // git's own options before the subcommand; -C and -c take a value.
    let sub = loop {
        let a = rest.next()?;
        match a.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env" => {
                rest.next();
            }
            s if s.starts_with('-') => {}
            s => break s,
        }
    };
    if sub != "commit" {
        return None;
    }
    let mut rest = rest.peekable();
    while let Some(a) = rest.next() {
        if a == "--" {
            break;
        }
        // Options whose value is the next argument: that value is not an option.
        if matches!(
            a.as_str(),
            "-m" | "-F"
                | "-C"
                | "-c"
                | "-t"
                | "--message"
                | "--file"
                | "--author"
                | "--date"
                | "--template"
                | "--reuse-message"
                | "--reedit-message"
                | "--fixup"
                | "--squash"
                | "--cleanup"
                | "--trailer"
                | "--pathspec-from-file"
        ) {
            rest.next();
            continue;
        }
        // parse-options accepts any unambiguous prefix: --am, --ame, --amen.
        if a.len() >= 4 && "--amend".starts_with(a.as_str()) {
            return Some(true);
        }
        if a == "--no-amend" {
            return Some(false);
        }
    }
    Some(false)
}

fn missing_statement_help(missing: &[&str]) -> String {
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
fn prompt_statement(tty: &mut Tty, have: &[Trailer], min_rationale: usize) -> Option<Vec<Trailer>> {
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

fn print_findings(findings: &[avow_policy::policy::Finding]) {
    for f in findings {
        let level = if f.severity == Severity::Deny { "refused" } else { "warning" };
        crate::output::errln!("avow: {level}: {} [{}]", f.message, f.rule);
    }
}

#[expect(clippy::too_many_lines, reason = "one linear story: read, complete, lint, sign, write")]
fn commit_msg(file: &Path) -> Result<Outcome> {
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled") == Some(false) {
        return Ok(Outcome::Ok);
    }
    let message = MessageFile::read(file, &cfg)?;
    let text = message.text.clone();
    let opts = ParseOptions { comment_prefix: cfg.comment_prefix(), no_divider: false };
    let subject = trailer::subject(&text, &opts, true);
    if subject.is_empty() {
        // git aborts an empty message itself; nothing to attest.
        return Ok(Outcome::Ok);
    }
    // A message whose first line is a `---` patch divider has no log
    // message for the trailers to follow: they would be written above the
    // divider and become the subject, so the signature could never verify.
    if trailer::subject(&text[..trailer::block(&text, &opts).start], &opts, true).is_empty() {
        crate::output::errln!(
            "avow: commit refused: the message has no subject line before its trailers or its `---` line; start it with a one-line summary"
        );
        return Ok(Outcome::Failed);
    }
    let policy = local_policy(&repo)?;
    let existing = trailer::parse(&text, &opts);
    let has = |k: &str| existing.iter().any(|t| t.is(k));
    // A merge the policy skips needs no statement: the verifier does not
    // check it, so the hook must not refuse it (an attested one is signed).
    if policy.merges == MergeMode::Skip && !has(AUTHORSHIP) && repo.path().join("MERGE_HEAD").exists() {
        return Ok(Outcome::Ok);
    }
    let mut additions: Vec<Trailer> = Vec::new();
    let needs_tool = existing.iter().find(|t| t.is(AUTHORSHIP)).is_some_and(|t| t.value != Authorship::Human.as_str())
        && !has(ASSISTED_BY);
    let mut missing = Vec::new();
    if !has(AUTHORSHIP) {
        missing.push("an `Authorship:` trailer");
    }
    if needs_tool {
        missing.push("an `Assisted-by:` trailer");
    }
    if !has(RATIONALE) {
        missing.push("a `Rationale:` trailer");
    }
    if !missing.is_empty() {
        let tty = if cfg.get_bool("avow.prompt") == Some(false) { None } else { Tty::open() };
        let Some(mut tty) = tty else {
            crate::output::errprint!("{}", missing_statement_help(&missing));
            return Ok(Outcome::Failed);
        };
        let Some(add) = prompt_statement(&mut tty, &existing, policy.rationale.min_length) else {
            crate::output::errln!(
                "avow: commit refused: no answer on the terminal; your message is kept in .git/COMMIT_EDITMSG"
            );
            return Ok(Outcome::Failed);
        };
        additions.extend(add);
    }
    if !has(UNDERSTOOD_BY) {
        let (name, email) = cfg.user()?;
        if name.trim().is_empty() {
            // The keyring always names its people, and the verifier refuses
            // an `Understood-by:` whose name differs: refuse now, not in CI.
            return Err(CliError::new(format!(
                "user.name is not set, so `Understood-by: <{email}>` would name nobody and verification would reject it"
            ))
            .hint("set it to your name as the keyring has it: `git config --global user.name \"Your Name\"`"));
        }
        additions.push(Trailer::new(UNDERSTOOD_BY, format!("{name} <{email}>")));
    }
    let trailers: Vec<Trailer> = existing.iter().chain(&additions).cloned().collect();
    let statement = match Statement::from_trailers(&trailers) {
        Ok(s) => s,
        Err(problems) => {
            for p in problems {
                crate::output::errln!("avow: refused: {p}");
            }
            crate::output::errln!("avow: commit refused; your message is kept in .git/COMMIT_EDITMSG");
            return Ok(Outcome::Failed);
        }
    };

    // The change being committed: the index git is about to commit
    // against the parent it will have (HEAD, or HEAD's parent when amending).
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parent = if is_amend() { head.as_ref().and_then(|h| h.parent(0).ok()) } else { head.clone() };
    let parent_tree = parent.as_ref().map(git2::Commit::tree).transpose()?;
    let mut index = match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) => git2::Index::open_ext(Path::new(&p), repo.object_format())?,
        None => repo.index()?,
    };
    let tree_id = index.write_tree_to(&repo)?;
    let tree = repo.find_tree(tree_id)?;
    let patch_id = patch_id::between_trees(&repo, parent_tree.as_ref(), &tree)
        .map_err(|e| CliError::new(format!("computing the patch-id: {e}")).hint(crate::error::GIT_HINT))?;
    let binding = tree_binding(parent_tree.as_ref().map(git2::Tree::id), tree_id);
    let (cfg_name, cfg_email) = cfg.user()?;
    let author = Ident {
        name: std::env::var("GIT_AUTHOR_NAME").unwrap_or(cfg_name),
        email: std::env::var("GIT_AUTHOR_EMAIL").unwrap_or(cfg_email),
    };

    // The same policy rules the verifier applies, for early feedback.
    let change = change_stats(&repo, parent_tree.as_ref(), &tree, true)
        .map_err(|e| CliError::new(format!("reading the change: {e}")).hint(crate::error::GIT_HINT))?;
    let facts = CommitFacts {
        id: String::new(),
        author: author.clone(),
        committer: author.clone(),
        subject: subject.clone(),
        message: text.clone(),
        trailers: trailers.clone(),
        statement: Some(statement.clone()),
        parent_count: usize::from(parent.is_some()) + usize::from(repo.path().join("MERGE_HEAD").exists()),
        change,
        author_time: chrono::Utc::now().timestamp(),
    };
    let findings = if policy.is_exempt(&author.email) { Vec::new() } else { policy.check(&facts, Markers::builtin()) };
    print_findings(&findings);
    if findings.iter().any(|f| f.severity == Severity::Deny) {
        crate::output::errln!("avow: commit refused by .avow/policy.toml; your message is kept in .git/COMMIT_EDITMSG");
        return Ok(Outcome::Failed);
    }

    let signer = keys::signer(&cfg)?;
    if let Some(keyring) = local_keyring(&repo) {
        match keyring.find_by_key(signer.public_key()) {
            None => crate::output::errln!(
                "avow: warning: your key {} is not in .avow/keyring.toml; verification will fail until a maintainer adds it (`git avow keyring add`)",
                avow_sign::fingerprint(signer.public_key())
            ),
            Some((person, _))
                if Person::same_email(&statement.understood_by.email, &person.email)
                    && !Person::same_name(&statement.understood_by.name, &person.name) =>
            {
                crate::output::errln!(
                "avow: warning: `Understood-by: {}` gives another name than .avow/keyring.toml ({:?}); verification will refuse it (understood-by.name): `git config user.name {:?}` and re-attest with `git commit --amend --no-edit`",
                statement.understood_by, person.name, person.name
            );
            }
            Some(_) => {}
        }
    }
    let payload = Payload {
        patch_id: patch_id.map(|p| p.to_string()),
        tree_binding: binding,
        author_email: author.email.clone(),
        subject,
        signed_at: chrono::Utc::now().timestamp(),
        statement: &statement,
    };
    let bytes = payload.to_bytes().map_err(|e| {
        CliError::new(format!("cannot attest this commit: {e}"))
            .hint("remove the line break or NUL from that field of the message or identity, then commit again")
    })?;
    let signature = signer
        .sign(&bytes)
        .map_err(|e| CliError::new(format!("signing failed: {e}")).hint("`git avow doctor` checks the key set-up"))?;
    additions.push(Trailer::new(SIGNATURE, SignatureTrailer::new(&payload, signature.to_base64()).to_string()));
    let new_text =
        trailer::rewrite(&text, &opts, |item| !item.trailer.as_ref().is_some_and(|t| t.is(SIGNATURE)), &additions);
    message.write(&new_text)?;
    Ok(Outcome::Ok)
}

const GUIDANCE: &str = "\
avow: end the message with your attestation, in your own words:
  Authorship: human | assisted | generated
  Assisted-by: AGENT:MODEL [TOOL…]   (when not human)
  Rationale: why the change is needed and how it works
Understood-by and the signature are added for you. Leave them out to be asked.
";

fn prepare_commit_msg(file: &Path, source: Option<&str>, _sha: Option<&str>) -> Result<Outcome> {
    // The pre-commit framework passes only the file and exports what git
    // gave it in the environment.
    let from_env = std::env::var("PRE_COMMIT_COMMIT_MSG_SOURCE").ok();
    let source = source.or(from_env.as_deref());
    // Only when an editor will open and strip comments: a message given
    // with -m or -F keeps its lines, so adding comments there would
    // change it.
    if !matches!(source, None | Some("" | "template")) {
        return Ok(Outcome::Ok);
    }
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled") == Some(false) {
        return Ok(Outcome::Ok);
    }
    if matches!(cfg.get("commit.cleanup").as_deref(), Some("verbatim" | "whitespace")) {
        return Ok(Outcome::Ok);
    }
    let message = MessageFile::read(file, &cfg)?;
    let text = message.text.clone();
    let prefix = cfg.comment_prefix();
    let opts = ParseOptions { comment_prefix: prefix.clone(), no_divider: false };
    if trailer::parse(&text, &opts).iter().any(|t| t.is(AUTHORSHIP)) {
        return Ok(Outcome::Ok);
    }
    // Insert the guidance just before git's own comment block (or at the end).
    let mut guidance = String::new();
    for l in GUIDANCE.lines() {
        guidance.push_str(&format!("{prefix} {l}\n"));
    }
    let at = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .chain(std::iter::once(0))
        .filter(|&i| text[i..].starts_with(prefix.as_str()))
        .min()
        .unwrap_or(text.len());
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

fn post_commit() -> Result<Outcome> {
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled") == Some(false) {
        return Ok(Outcome::Ok);
    }
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else { return Ok(Outcome::Ok) };
    match crate::cmd::verify::self_check(&repo, &head) {
        Some((rule, _)) if rule == "attestation.missing" => {
            crate::output::errln!("avow: warning: the new commit is not attested (was the commit-msg hook skipped?)");
            crate::output::errln!(
                "avow: attest it with `git commit --amend --trailer \"Authorship: …\" --trailer \"Rationale: …\"`"
            );
        }
        Some((_, problem)) => {
            crate::output::errln!("avow: warning: the new commit's attestation does not verify: {problem}");
            crate::output::errln!("avow: re-sign it with `git commit --amend --no-edit`");
        }
        None => {}
    }
    // A post-commit hook cannot undo the commit; never fail it.
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::git_commit_amend;

    fn v(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn amend_detection() {
        assert_eq!(git_commit_amend(&v("git commit --amend --no-edit")), Some(true));
        assert_eq!(git_commit_amend(&v("/usr/bin/git -C /x -c a=b commit -q --ame -m x")), Some(true));
        assert_eq!(git_commit_amend(&v("git commit -m --amend")), Some(false));
        assert_eq!(git_commit_amend(&v("git commit -m x --amend")), Some(true));
        assert_eq!(git_commit_amend(&v("git commit -m x")), Some(false));
        assert_eq!(git_commit_amend(&v("git commit -- --amend")), Some(false));
        assert_eq!(git_commit_amend(&v("git rebase --continue")), None);
        assert_eq!(git_commit_amend(&v("sh .git/hooks/commit-msg")), None);
    }
}
