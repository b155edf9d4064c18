//! `commit-msg`: the hook that attests a commit, as a pipeline:
//!
//! 1. [`read`] the message git passed, as git will store it;
//! 2. [`complete`] the statement, asking on the terminal for what is
//!    missing ([`super::prompt`]), and add `Understood-by:`;
//! 3. [`stage`]: the change being committed (the index against the parent
//!    the commit will have) and what binds the signature to it;
//! 4. [`check`] the statement and change against the work tree's policy,
//!    the same rules the verifier applies, for early feedback;
//! 5. [`sign`] the payload with the contributor's key;
//! 6. [`write`] the message back atomically.
//!
//! It never writes a partial message: on any refusal or error the file is
//! left exactly as it was.

use std::path::Path;

use avow_core::attestation::{Authorship, Statement, ASSISTED_BY, AUTHORSHIP, RATIONALE, SIGNATURE, UNDERSTOOD_BY};
use avow_core::trailer::{self, ParseOptions, Trailer};
use avow_policy::facts::{ChangeStats, CommitFacts, Ident};
use avow_policy::policy::{Finding, MergeMode, Policy, Severity};
use avow_verify::change;
use avow_verify::commit::change_stats;
use git2::Repository;

use super::cleanup::{Mode, Rules};
use super::invocation::{self, Invocation};
use super::prompt::{missing_statement_help, parse_authorship, prompt_statement};
use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};
use crate::keys;
use crate::message::MessageFile;

/// The message being attested and what avow adds to it.
struct Draft {
    message: MessageFile,
    /// How git will clean it up.
    rules: Rules,
    /// The message as git will store it: what is signed, read the way the
    /// verifier reads a stored commit (`avow_verify::commit::facts`).
    text: String,
    opts: ParseOptions,
    subject: String,
    /// The trailers the message already has.
    existing: Vec<Trailer>,
    /// What avow appends: the answers given on the terminal (the first
    /// `answers` of them), then `Understood-by:`.
    additions: Vec<Trailer>,
    answers: usize,
}

impl Draft {
    fn has(&self, key: &str) -> bool {
        self.existing.iter().any(|t| t.is(key))
    }

    /// Leaves what the person typed at the prompt in the message file, as
    /// trailers of the message as git would store it, and says where.
    fn keep_answers(&self) {
        keep_answers(&self.message, &self.text, &self.opts, &self.additions[..self.answers]);
    }

    /// While the guard lives, a signal that ends the hook (SIGTERM, SIGHUP
    /// at the prompt) keeps the answers given so far as [`Draft::keep_answers`]
    /// does on every other exit path.
    fn keep_answers_on_signal(&self) -> crate::tty::KeepGuard {
        let (message, text, opts) = (self.message.clone(), self.text.clone(), self.opts.clone());
        crate::tty::keep_on_signal(move || keep_answers(&message, &text, &opts, &super::answers_so_far()))
    }

    /// Replaces the value of the trailer `key` with `value` in the message
    /// (an `Authorship:` written in another case).
    fn normalize(&mut self, key: &str, value: &str) {
        // Every trailer re-appended in its order, this one's value fixed.
        let fixed: Vec<Trailer> = self
            .existing
            .iter()
            .map(|t| if t.is(key) { Trailer::new(t.key.clone(), value) } else { t.clone() })
            .collect();
        self.text = trailer::rewrite(&self.text, &self.opts, |i| i.trailer.is_none(), &fixed);
        self.existing = trailer::parse(&self.text, &self.opts);
    }

    /// Every trailer the commit will carry, existing then added.
    fn trailers(&self) -> Vec<Trailer> {
        self.existing.iter().chain(&self.additions).cloned().collect()
    }
}

/// Leaves `answers` (typed at the prompt) in the message file, as trailers
/// of `text` (the message as git would store it), and says where.
fn keep_answers(message: &MessageFile, text: &str, opts: &ParseOptions, answers: &[Trailer]) {
    if answers.is_empty() {
        return;
    }
    let text = trailer::rewrite(text, opts, |_| true, answers);
    let path = message.path().display();
    match message.write(&text) {
        Ok(()) => crate::output::errln!(
            "avow: your answers are kept as trailers in {path}: commit again with `git commit -e -F {path}`"
        ),
        Err(e) => {
            crate::output::errln!("avow: could not keep your answers in {path}: {}", e.message);
            for t in answers {
                crate::output::errln!("avow: you answered: {t}");
            }
        }
    }
}

/// Whether avow is enabled (`avow.enabled`), after checking every setting
/// the hook reads (`avow.prompt`, `avow.takeOver`, `AVOW_AMEND`) before
/// anything else, so that a value avow cannot read stops the commit at
/// once with one error naming it — never after the person has answered
/// the prompt — and the hint says how to commit again with the message,
/// which git leaves in `file`.
fn settings_read(cfg: &Config, file: &Path) -> Result<bool> {
    let read = || -> Result<bool> {
        cfg.get_bool("avow.prompt")?;
        cfg.get_bool("avow.takeOver")?;
        invocation::amend_override()?;
        Ok(cfg.get_bool("avow.enabled")? != Some(false))
    };
    read().map_err(|e| {
        let file = file.display();
        let fix = e.hint.unwrap_or_default();
        CliError {
            hint: Some(format!(
                "{fix}; then commit again with your message, kept in {file}: `git commit -e -F {file}`"
            )),
            ..e
        }
    })
}

/// The change being committed and what binds a signature to it.
struct Staged {
    /// The commit's (first) parent: HEAD, or HEAD's parent when amending.
    parent: Option<git2::Oid>,
    /// The tree the index makes.
    tree: git2::Oid,
    /// The change digest and tree binding the signature binds.
    binding: change::Binding,
    change: ChangeStats,
}

/// Runs a pipeline step: its value, or the hook's outcome when the step
/// ends the hook (nothing to attest, or a refusal already explained).
macro_rules! step {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(outcome) => return Ok(outcome),
        }
    };
}

/// A step's result: its value, or the outcome that ends the hook.
type Step<T> = Result<std::result::Result<T, Outcome>>;

pub fn run(file: &Path) -> Result<Outcome> {
    // The objects read here (HEAD, the parent's and the staged trees, the
    // changed blobs) are not hashed again as they are read, as git reads
    // them and as verify does (`avow_verify::range`): about 10,000
    // instructions an object.
    git2::opts::strict_hash_verification(false);
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    if !settings_read(&cfg, file)? {
        return Ok(Outcome::Ok);
    }
    if !super::adopted(&repo) {
        super::note_unadopted_branch(&repo);
        return Ok(Outcome::Ok);
    }
    let invocation = invocation::find();
    let mut draft = step!(read(file, &cfg, invocation.as_ref())?);
    // A fixup! commit waits to be folded in; a cherry-pick, revert or
    // rebase that commits a signed message decides on it itself.
    if super::workflows::is_unattested_fixup(&draft.subject, &draft.existing) {
        return Ok(Outcome::Ok);
    }
    let amend = invocation::is_amend(invocation.as_ref());
    let reused = invocation.as_ref().and_then(|i| i.reused.as_deref());
    if let Some(outcome) = super::workflows::commit_msg_in_operation(&repo, &cfg, &draft.text, amend, reused)? {
        return Ok(outcome);
    }
    let policy = crate::local::policy_cached(&repo)?;
    // A merge the policy skips needs no statement: the verifier does not
    // check it, so the hook must not refuse it (an attested one is signed).
    // Only a clean one: a resolved conflict is checked like any commit.
    if policy.merges == MergeMode::Skip && !draft.has(AUTHORSHIP) && concluding_clean_merge(&repo)? {
        return Ok(Outcome::Ok);
    }
    // The committer's own earlier attestation is re-attested with their
    // current identity; someone else's is refused (crate::identity).
    let refresh =
        step!(crate::identity::reattest(&mut draft.existing, &cfg, &policy, &draft.subject, &retry(amend, reused))?);
    let completed = complete(&mut draft, &cfg, &policy);
    let outcome = match completed {
        Ok(Ok(statement)) => (|| {
            let staged = stage(&repo, invocation::is_amend(invocation.as_ref()), &policy)?;
            let author = author(&cfg)?;
            step!(check(&repo, &policy, &draft, &statement, &staged, &author));
            let keyring = crate::local::keyring(&repo);
            // An unchanged key file read in full at an earlier commit is
            // not checked again (crate::key_record).
            let checked = crate::key_record::install(&repo);
            let signer = keys::signer_knowing(&cfg, keyring.as_ref());
            crate::key_record::save(&repo, &checked);
            let signer = signer?;
            let at_base = || crate::local::base_listing(&repo, signer.public_key());
            let replaced = || crate::local::keyring_replaced(&repo, staged.parent, staged.tree);
            let land = || crate::local::land_first(&repo);
            if crate::identity::check_signer(
                keyring.as_ref(),
                &replaced,
                &land,
                &policy,
                signer.public_key(),
                &statement,
                &at_base,
            ) {
                crate::output::errln!(
                    "avow: commit refused; your message is kept in {}",
                    draft.message.path().display()
                );
                return Ok(Outcome::Failed);
            }
            let signature = sign(&signer, &draft, &statement, &staged, &author)?;
            let written = write(&draft, &statement, &signature, refresh)?;
            if written == Outcome::Ok {
                warn_if_not_yours(&repo, amend, reused, &statement, signer.public_key());
            }
            // Only a post-commit hook reads the record; avow installs none
            // unless asked (`install --hook post-commit`, or an earlier install).
            if crate::cmd::install::hooks_dir_of(&repo, &cfg).join(crate::cmd::install::POST_COMMIT).exists() {
                super::record::save(&repo, draft.message.path(), staged.tree, staged.parent, &author.email);
            } else {
                super::record::forget(&repo);
            }
            Ok(written)
        })(),
        Ok(Err(outcome)) => Ok(outcome),
        Err(e) => Err(e),
    };
    if !matches!(outcome, Ok(Outcome::Ok)) {
        // Whatever went wrong, what the person typed is not lost.
        draft.keep_answers();
    }
    if crate::tty::interrupted() {
        // Ctrl-C at a prompt: die of it, as git and the shell expect.
        crate::tty::die_of_interrupt();
    }
    outcome
}

/// Reads the message git passed, as git will store it, and what it
/// already says.
fn read(file: &Path, cfg: &Config, invocation: Option<&Invocation>) -> Step<Draft> {
    let message = MessageFile::read(file, cfg)?;
    let rules = Rules::find(cfg, invocation, &message.text);
    let text = rules.apply(&message.text);
    let opts = ParseOptions::default();
    let subject = trailer::subject(&text, &opts, false);
    if subject.is_empty() {
        if invocation.is_some_and(|i| !i.allow_empty_message) {
            // git aborts an empty message itself; nothing to attest.
            return Ok(Err(Outcome::Ok));
        }
        // `--allow-empty-message` (or a git command avow cannot read): the
        // commit would be made, and an empty message has no subject for
        // trailers to follow.
        crate::output::errln!(
            "avow: commit refused: the message is empty, so it cannot carry an attestation; write a subject line (and the statement trailers)"
        );
        return Ok(Err(Outcome::Failed));
    }
    // A message whose first line is a `---` patch divider has no log
    // message for the trailers to follow: they would be written above the
    // divider and become the subject, so the signature could never verify.
    if trailer::subject(&text[..trailer::block(&text, &opts).start], &opts, false).is_empty() {
        crate::output::errln!(
            "avow: commit refused: the message has no subject line before its trailers or its `---` line; start it with a one-line summary"
        );
        return Ok(Err(Outcome::Failed));
    }
    // Before reading the statement: `git commit --trailer` writes trailers
    // for git's other reader, past a `---` line, where this one (and the
    // verifier) would not find them.
    if let Some(finding) = avow_policy::text::divider(&text) {
        print_findings(&[finding]);
        crate::output::errln!("avow: commit refused by .avow/policy.toml; your message is kept in .git/COMMIT_EDITMSG");
        return Ok(Err(Outcome::Failed));
    }
    let existing = trailer::parse(&text, &opts);
    Ok(Ok(Draft { message, rules, text, opts, subject, existing, additions: Vec::new(), answers: 0 }))
}

/// Completes the statement: asks on the terminal for what the message
/// lacks (or explains how to give it), adds `Understood-by:`, and reads
/// the statement the trailers make.
fn complete(draft: &mut Draft, cfg: &Config, policy: &Policy) -> Step<Statement> {
    if let Some(t) = draft.existing.iter().find(|t| t.is(AUTHORSHIP)) {
        match parse_authorship(&t.value) {
            // `Authorship: Human` means `human`: signed as the verifier reads it.
            Some(a) if a.as_str() != t.value => draft.normalize(AUTHORSHIP, a.as_str()),
            Some(_) => {}
            None => {
                crate::output::errln!(
                    "avow: commit refused: `Authorship: {}` is not one of {}",
                    t.value,
                    policy.authorship.allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
                );
                return Ok(Err(Outcome::Failed));
            }
        }
    }
    let needs_tool =
        draft.existing.iter().find(|t| t.is(AUTHORSHIP)).is_some_and(|t| t.value != Authorship::Human.as_str())
            && !draft.has(ASSISTED_BY);
    let mut missing = Vec::new();
    if !draft.has(AUTHORSHIP) {
        missing.push("an `Authorship:` trailer");
    }
    if needs_tool {
        missing.push("an `Assisted-by:` trailer");
    }
    if !draft.has(RATIONALE) {
        missing.push("a `Rationale:` trailer");
    }
    if !missing.is_empty() {
        let tty = crate::tty::terminal(cfg)?;
        let Some(mut tty) = tty else {
            let file = draft.message.path().display().to_string();
            let cut = super::cleanup::scissors_at(&draft.message.text, &draft.rules.comment).is_some();
            crate::output::errprint!("{}", missing_statement_help(&missing, policy, &file, cut));
            return Ok(Err(Outcome::Failed));
        };
        let mut answers = Vec::new();
        let _keep = draft.keep_answers_on_signal();
        let answered = prompt_statement(&mut tty, &draft.existing, policy, &draft.subject, &mut answers);
        draft.answers = answers.len();
        draft.additions.extend(answers);
        if !answered {
            if !crate::tty::interrupted() {
                crate::output::errln!(
                    "avow: commit refused: no answer on the terminal; your message is kept in {}",
                    draft.message.path().display()
                );
            }
            return Ok(Err(Outcome::Failed));
        }
    }
    if !draft.has(UNDERSTOOD_BY) {
        let (name, email) = cfg.user()?;
        if name.trim().is_empty() {
            // The keyring always names its people, and the verifier refuses
            // an `Understood-by:` whose name differs: refuse now, not in CI.
            return Err(CliError::new(format!(
                "user.name is not set, so `Understood-by: <{email}>` would name nobody and verification would reject it"
            ))
            .hint("set it to your name as the keyring has it: `git config --global user.name \"Your Name\"`"));
        }
        draft.additions.push(Trailer::new(UNDERSTOOD_BY, format!("{name} <{email}>")));
    }
    match Statement::from_trailers(&draft.trailers()) {
        Ok(s) => Ok(Ok(s)),
        Err(problems) => {
            for p in problems {
                crate::output::errln!("avow: refused: {p}");
            }
            crate::output::errln!("avow: commit refused; your message is kept in {}", draft.message.path().display());
            Ok(Err(Outcome::Failed))
        }
    }
}

/// Whether git is concluding a merge (`MERGE_HEAD`: `git merge`, or
/// `git commit` / `git merge --continue` after a conflict) whose staged
/// tree is exactly the automatic merge of HEAD and the merged commits —
/// what the verifier skips under `merges = "skip"` (avow-verify's
/// `merge::is_clean`). A resolved conflict or a change of the merge's own
/// is not, and needs a statement like any commit.
fn concluding_clean_merge(repo: &Repository) -> Result<bool> {
    let Some(parents) = merge_parents(repo) else { return Ok(false) };
    let tree = crate::git::staged_tree(repo)?;
    // A merge libgit2 cannot redo is not known to be clean: it needs a
    // statement (the verifier would say `merge.unclean` too), no error.
    let merged = avow_verify::merge::automatic_merge_of(repo, &parents, "being committed").ok().flatten();
    Ok(merged == Some(tree))
}

/// The parents of the merge git is concluding: HEAD, then the commits of
/// `MERGE_HEAD`; `None` when git is not merging, or one of them cannot be
/// read.
fn merge_parents(repo: &Repository) -> Option<Vec<git2::Commit<'_>>> {
    let merging = std::fs::read_to_string(repo.path().join("MERGE_HEAD")).ok()?;
    let mut parents = vec![repo.head().ok()?.peel_to_commit().ok()?];
    for line in merging.lines().map(str::trim).filter(|l| !l.is_empty()) {
        parents.push(git2::Oid::from_str(line).ok().and_then(|id| repo.find_commit(id).ok())?);
    }
    Some(parents)
}

/// The change being committed: the index git is about to commit against
/// the parent it will have (HEAD, or HEAD's parent when amending).
fn stage(repo: &Repository, amend: bool, policy: &Policy) -> Result<Staged> {
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parent = if amend { head.as_ref().and_then(|h| h.parent(0).ok()) } else { head.clone() };
    let parent_tree = parent.as_ref().map(git2::Commit::tree).transpose()?;
    let tree_id = crate::git::staged_tree(repo)?;
    let tree = repo.find_tree(tree_id)?;
    let binding = change::binding(repo, parent_tree.as_ref(), &tree)
        .map_err(|e| CliError::new(format!("computing the change digest: {e}")).hint(crate::error::GIT_HINT))?;
    // Lines are counted (a diff of every changed file, with its
    // attributes) only for a policy with a limit on them, as the verifier does.
    let mut change = change_stats(repo, parent_tree.as_ref(), &tree, policy.needs_line_counts())
        .map_err(|e| CliError::new(format!("reading the change: {e}")).hint(crate::error::GIT_HINT))?;
    // A merge's paths kept against a merged parent's change count for the
    // `[[path]]` rules, as the verifier counts them (threat-model entry 142).
    // Amending a merge: the parents it keeps.
    let parents = if amend {
        head.as_ref().filter(|h| h.parent_count() > 1).map(|h| h.parents().collect::<Vec<_>>())
    } else {
        merge_parents(repo)
    };
    if let (false, Some(parents)) = (policy.paths.is_empty(), parents) {
        change.kept = avow_verify::merge::kept_paths(repo, &parents, &tree, &change.paths)
            .map_err(|e| CliError::new(format!("reading the merge: {e}")).hint(crate::error::GIT_HINT))?;
    }
    Ok(Staged { parent: parent.map(|p| p.id()), tree: tree_id, binding, change })
}

/// The author git will record: its environment, then configuration.
fn author(cfg: &Config) -> Result<Ident> {
    let (cfg_name, cfg_email) = cfg.user()?;
    Ok(Ident {
        name: std::env::var("GIT_AUTHOR_NAME").unwrap_or(cfg_name),
        email: std::env::var("GIT_AUTHOR_EMAIL").unwrap_or(cfg_email),
    })
}

/// The same policy rules the verifier applies, for early feedback.
fn check(
    repo: &Repository,
    policy: &Policy,
    draft: &Draft,
    statement: &Statement,
    staged: &Staged,
    author: &Ident,
) -> std::result::Result<(), Outcome> {
    let facts = CommitFacts {
        id: String::new(),
        author: author.clone(),
        committer: author.clone(),
        subject: draft.subject.clone(),
        message: draft.text.clone(),
        trailers: draft.trailers(),
        statement: Some(statement.clone()),
        parent_count: usize::from(staged.parent.is_some()) + usize::from(repo.path().join("MERGE_HEAD").exists()),
        change: staged.change.clone(),
        author_time: crate::clock::now().timestamp(),
    };
    let findings = if policy.is_exempt(&author.email) { Vec::new() } else { policy.check(&facts, &policy.markers()) };
    print_findings(&findings);
    if findings.iter().any(|f| f.severity == Severity::Deny) {
        crate::output::errln!(
            "avow: commit refused by .avow/policy.toml; your message is kept in {}",
            draft.message.path().display()
        );
        return Err(Outcome::Failed);
    }
    Ok(())
}

fn print_findings(findings: &[Finding]) {
    for f in findings {
        let level = if f.severity == Severity::Deny { "refused" } else { "warning" };
        crate::output::errln!("avow: {level}: {} [{}]", f.message, f.rule);
    }
}

/// Signs the payload with the contributor's key; returns the
/// `Avow-Signature:` trailer.
fn sign(
    signer: &avow_sign::Signer,
    draft: &Draft,
    statement: &Statement,
    staged: &Staged,
    author: &Ident,
) -> Result<Trailer> {
    let signature = crate::resign::sign(signer, &staged.binding, &author.email, &draft.subject, statement)?;
    Ok(Trailer::new(SIGNATURE, signature))
}

use crate::resign::without_stray_signatures;

/// How the committer runs this commit again (for the take-over advice).
/// Warns when the statement just signed is the one the commit's message
/// came with — the amended HEAD's, or `git commit -C/-c REV`'s — and no
/// key of the signer's had signed it there (threat-model entry 137): an
/// `Understood-by:` naming the committer proves nothing, anyone can write
/// it with a signature of theirs copied from another commit, and amending
/// a pull request's commit (to fix a typo, `--no-edit`) would otherwise
/// put their key under the attacker's words without a word said. Not a
/// refusal: amending is also how a person signs a statement they read and
/// stand behind (the advice for one avow will not re-sign by itself). A
/// statement edited in the editor is the committer's own, and one taken
/// over with `avow.takeOver` was taken knowingly.
fn warn_if_not_yours(
    repo: &Repository,
    amend: bool,
    reused: Option<&str>,
    statement: &Statement,
    key: &avow_sign::ssh_key::PublicKey,
) {
    let source = if amend { Some("HEAD") } else { reused };
    let Some(source) = source.and_then(|rev| repo.revparse_single(rev).ok()?.peel_to_commit().ok()) else { return };
    let Ok((text, _)) = crate::resign::message_of(&source) else { return };
    let Some(carried) = crate::resign::statement_of(&text) else { return };
    // Another person's statement reaches here only taken over knowingly
    // (`avow.takeOver`, which replaced their `Understood-by:`).
    let names_you =
        avow_core::attestation::Person::same_email(&carried.understood_by.email, &statement.understood_by.email);
    let same_words = names_you
        && carried.authorship == statement.authorship
        && carried.assisted_by == statement.assisted_by
        && carried.rationale == statement.rationale;
    let author = source.author().email().unwrap_or_default().to_owned();
    if !same_words {
        return;
    }
    // Signed there by this key, or by another key of the same person as
    // the keyring the commit was made on lists them (a key rotated away
    // from, another machine's): not the work tree's, which the commit
    // itself may change.
    let Some(made_by) = crate::resign::signer_of(&text, &author) else { return warn_not_yours(&source) };
    let keyring = source.parent(0).ok().and_then(|p| avow_verify::trust::Trusted::load(repo, &p.id().to_string()).ok());
    let person_of = |k: &avow_sign::ssh_key::PublicKey| {
        keyring.as_ref().and_then(|t| t.keyring.find_by_key(k).map(|(p, _)| p.email.clone()))
    };
    let same_person = made_by.key_data() == key.key_data()
        || person_of(&made_by)
            .zip(person_of(key))
            .is_some_and(|(a, b)| avow_core::attestation::Person::same_email(&a, &b));
    if !same_person {
        warn_not_yours(&source);
    }
}

fn warn_not_yours(source: &git2::Commit<'_>) {
    crate::output::errln!(
        "avow: warning: you signed the statement that came with {} ({:?}), which no key of yours had signed: an `Understood-by:` naming you proves nothing, anyone can write it; read what you signed with `git show -s HEAD`, and if it is not yours, undo the commit with `git reset --soft HEAD@{{1}}`",
        crate::cmd::pre_push::short_id(source.id()),
        source.summary().ok().flatten().unwrap_or_default()
    );
}

fn retry(amend: bool, reused: Option<&str>) -> crate::identity::Retry {
    match (amend, reused) {
        (true, _) => crate::identity::Retry::Amend,
        (false, Some(rev)) => crate::identity::Retry::Reuse(avow_verify::shell_word(rev)),
        (false, None) => crate::identity::Retry::Same,
    }
}

/// Writes the message back as git will store it: any old signature
/// removed (in the trailer block, and a stray one left in the body by a
/// squash), the additions and the new signature appended to the trailer
/// block (and, when `refresh`, the committer's old `Understood-by:`
/// replaced by the new one). Before writing, checks that git will store exactly this and that
/// it reads back as what was signed.
fn write(draft: &Draft, statement: &Statement, signature: &Trailer, refresh: bool) -> Result<Outcome> {
    let mut additions = draft.additions.clone();
    additions.push(signature.clone());
    // With `refresh`, the committer's old `Understood-by:` goes too.
    let replaced = |t: &Trailer| t.is(SIGNATURE) || (refresh && t.is(UNDERSTOOD_BY));
    let signed =
        trailer::rewrite(&draft.text, &draft.opts, |item| !item.trailer.as_ref().is_some_and(replaced), &additions);
    let mut new_text = without_stray_signatures(&signed, &draft.opts);
    if new_text != signed && draft.rules.mode != Mode::Verbatim {
        new_text = super::cleanup::stripspace(&new_text, None);
    }
    if let Err(why) = self_check(draft, statement, signature, &new_text) {
        return Err(CliError::new(format!("avow would write a message that does not verify ({why})"))
            .hint(crate::error::REPORT_HINT));
    }
    draft.message.write(&new_text)?;
    Ok(Outcome::Ok)
}

/// The hook's check of its own result: git's clean-up leaves the message
/// as it is, and the verifier will read back the subject and statement
/// that were signed and exactly one signature, in the trailer block.
fn self_check(
    draft: &Draft,
    statement: &Statement,
    signature: &Trailer,
    text: &str,
) -> std::result::Result<(), &'static str> {
    if draft.rules.apply(text) != text {
        return Err("git's clean-up would change it");
    }
    if trailer::subject(text, &draft.opts, false) != draft.subject {
        return Err("its subject would change");
    }
    let trailers = trailer::parse(text, &draft.opts);
    if Statement::from_trailers(&trailers).ok().as_ref() != Some(statement) {
        return Err("its statement would read differently");
    }
    let signatures: Vec<&Trailer> = trailers.iter().filter(|t| t.is(SIGNATURE)).collect();
    if signatures != [signature] {
        return Err("it would not carry exactly the new signature");
    }
    if without_stray_signatures(text, &draft.opts) != text {
        return Err("an old signature would stay in its body");
    }
    Ok(())
}
