//! `git avow attest REV…`: a signed statement for commits that are already
//! there, kept in a git note under `refs/notes/avow` instead of rewriting
//! them.

use avow_core::attestation::{Authorship, Statement, ASSISTED_BY, AUTHORSHIP, RATIONALE, SIGNATURE, UNDERSTOOD_BY};
use avow_core::trailer::{self, ParseOptions, Trailer};
use avow_policy::policy::UnderstoodBy;
use avow_verify::notes::NOTES_REF;

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};
use crate::resign::{self, Me};

/// Attest commits without rewriting them, in a note under refs/notes/avow.
///
/// For commits made where no hook ran — a forge's web editor or squash
/// merge, a `--no-verify` push, history before adoption — and for vouching
/// for a past commit after the fact. For each REV, signs your statement
/// over the commit's change, author and subject, exactly as the
/// commit-msg hook signs trailers, and stores the trailers as the commit's
/// note. `git avow verify` reads the note when the commit's own attestation
/// is rejected, under the same keyring and policy rules (a note changing
/// `.avow/` needs a maintainer, as a trailer does). Share the notes with
/// `git push origin refs/notes/avow`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The commits to attest.
    #[arg(required = true, value_name = "REV")]
    pub revs: Vec<String>,
    /// How the change was authored: human, assisted or generated (asked
    /// on the terminal when missing).
    #[arg(long, value_name = "HOW")]
    pub authorship: Option<String>,
    /// The AI tool, `AGENT:MODEL [TOOL…]`, for assisted or generated work
    /// (repeatable).
    #[arg(long, value_name = "TOOL")]
    pub assisted_by: Vec<String>,
    /// Why the change is right, in your own words (asked on the terminal
    /// when missing).
    #[arg(long, value_name = "TEXT")]
    pub rationale: Option<String>,
    /// Replace a note the commit already has.
    #[arg(long)]
    pub force: bool,
}

/// One rationale for several commits is what the reuse rule refuses:
/// verify would reject every note after the first.
fn one_rationale_each(repo: &git2::Repository, args: &Args, commits: &[git2::Commit<'_>]) -> Result<()> {
    let distinct: std::collections::HashSet<git2::Oid> = commits.iter().map(git2::Commit::id).collect();
    if distinct.len() > 1 && crate::local::policy(repo)?.rationale.reject_reuse {
        return Err(CliError::new(format!(
            "one statement for {} commits, but .avow/policy.toml refuses the same rationale on two commits (rationale.reject-reuse)",
            distinct.len()
        ))
        .hint(format!(
            "attest one commit at a time, each with its own rationale: `git avow attest {} …`, then the next",
            avow_verify::shell_word(&args.revs[0])
        )));
    }
    Ok(())
}

/// The command as typed, with what it lacks for a statement.
fn completed_command(args: &Args) -> String {
    let quote = avow_verify::shell_word;
    let mut command = vec!["git avow attest".to_owned()];
    command.extend(args.revs.iter().map(|r| quote(r)));
    command.push(format!("--authorship {}", quote(args.authorship.as_deref().unwrap_or("human"))));
    command.extend(args.assisted_by.iter().map(|t| format!("--assisted-by {}", quote(t))));
    command.push(match &args.rationale {
        Some(r) => format!("--rationale {}", quote(r)),
        None => "--rationale \"<why the change is right>\"".to_owned(),
    });
    if args.force {
        command.push("--force".to_owned());
    }
    command.join(" ")
}

/// The refusal to replace `short`'s note, with the same command and
/// `--force` (what the terminal answered written out) so that it runs as
/// printed.
fn note_exists(short: &str, args: &Args, trailers: &[Trailer]) -> CliError {
    let value = |key: &str| trailers.iter().find(|t| t.is(key)).map(|t| t.value.clone());
    let again = Args {
        revs: args.revs.clone(),
        authorship: value(AUTHORSHIP),
        assisted_by: trailers.iter().filter(|t| t.is(ASSISTED_BY)).map(|t| t.value.clone()).collect(),
        rationale: value(RATIONALE),
        force: true,
    };
    CliError::new(format!("commit {short} already has a note in {NOTES_REF}")).hint(format!(
        "look at it with `git notes --ref avow show {short}`; replace it with `{}`",
        completed_command(&again)
    ))
}

pub fn run(args: &Args) -> Result<Outcome> {
    let repo = open_repo()?;
    let cfg = Config::new(Some(&repo));
    let commits = args
        .revs
        .iter()
        .map(|rev| {
            repo.revparse_single(rev).and_then(|o| o.peel_to_commit()).map_err(|_| {
                CliError::new(format!("`{rev}` does not name a commit")).hint("check the name with `git rev-parse`")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    one_rationale_each(&repo, args, &commits)?;
    let mut trailers = Vec::new();
    if let Some(a) = &args.authorship {
        let a: Authorship = a.parse().map_err(|_| {
            CliError::new(format!("--authorship {a}: not human, assisted or generated"))
                .hint("say how the change was written: --authorship human, assisted or generated")
        })?;
        trailers.push(Trailer::new(AUTHORSHIP, a.as_str()));
    }
    trailers.extend(args.assisted_by.iter().map(|t| Trailer::new(ASSISTED_BY, t.clone())));
    if let Some(r) = &args.rationale {
        trailers.push(Trailer::new(RATIONALE, r.clone()));
    }
    let complete = trailers.iter().any(|t| t.is(AUTHORSHIP)) && trailers.iter().any(|t| t.is(RATIONALE));
    if !complete {
        let tty = crate::tty::terminal(&cfg)?;
        let Some(mut tty) = tty else {
            return Err(CliError::new("no statement given and no terminal to ask for one")
                .hint(format!("give it on the command line: `{}`", completed_command(args))));
        };
        let policy = crate::local::policy(&repo)?;
        let mut add = Vec::new();
        // No one subject to compare the rationale with: several commits may be attested.
        let answered = crate::cmd::hook::prompt_statement(&mut tty, &trailers, &policy, "", &mut add);
        if crate::tty::interrupted() {
            crate::tty::die_of_interrupt();
        }
        if !answered {
            return Ok(Outcome::Failed);
        }
        trailers.extend(add);
    }
    let signer = crate::keys::signer(&cfg)?;
    let me = Me::of(&repo, &cfg, signer.public_key())?;
    if me.name.trim().is_empty() {
        return Err(CliError::new("user.name is not set, so `Understood-by:` would name nobody")
            .hint("set it to your name as the keyring has it: `git config --global user.name \"Your Name\"`"));
    }
    trailers.push(Trailer::new(UNDERSTOOD_BY, format!("{} <{}>", me.name, me.email)));
    let statement = Statement::from_trailers(&trailers).map_err(|problems| {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        CliError::new(format!("the statement is not complete: {}", text.join("; ")))
            .hint("give --authorship, --rationale and, unless human, --assisted-by AGENT:MODEL")
    })?;
    // Under `understood-by = "author"` only a commit's author can vouch for
    // it: a note by anyone else is rejected whatever it says.
    let has_policy = repo.workdir().is_some_and(|d| d.join(avow_verify::trust::POLICY_PATH).exists());
    let author_only = has_policy && crate::local::policy(&repo)?.understood_by == UnderstoodBy::Author;
    // git writes the notes (with a shared repository's modes; see
    // `crate::git::write_objects_with_git`) as the committer it knows.
    repo.signature()?;
    for c in &commits {
        if !args.force && repo.find_note(Some(NOTES_REF), c.id()).is_ok() {
            return Err(note_exists(&resign::short(&repo, c.id()), args, &trailers));
        }
        let (text, _) = resign::message_of(c)?;
        let subject = trailer::subject(&text, &ParseOptions::default(), false);
        let parent_tree = avow_verify::commit::parent_tree(c)?;
        let tree = c.tree()?;
        let binding = resign::binding_of(&repo, parent_tree.as_ref(), &tree)?;
        let author = String::from_utf8_lossy(c.author().email_bytes()).into_owned();
        let value = resign::sign(&signer, &binding, &author, &subject, &statement)?;
        let mut note = String::new();
        for t in trailers.iter().chain(std::iter::once(&Trailer::new(SIGNATURE, value))) {
            note.push_str(&format!("{}: {}\n", t.key, t.value));
        }
        write_note(&repo, c.id(), &note, args.force)?;
        let short = resign::short(&repo, c.id());
        crate::output::errln!("avow: attested {short} {subject} in {NOTES_REF}");
        if author_only && !avow_core::attestation::Person::same_email(&author, &me.email) {
            let who = format!("{} <{author}>", String::from_utf8_lossy(c.author().name_bytes()));
            crate::output::errln!(
                "avow: warning: {short} is {}'s commit, and .avow/policy.toml has understood-by = \"author\": verify rejects a note by anyone else [{}]; the author attests it (`git avow attest {short}` in their clone, then `git push origin {NOTES_REF}`), or a project where maintainers vouch for others' changes sets understood-by = \"keyring\"",
                avow_policy::text::visible(&who),
                avow_policy::findings::UNDERSTOOD_BY.id
            );
        }
        if let Some(d) = avow_verify::notes::unsigned_display(&text, &subject, &note) {
            let shown: Vec<String> = d.shown.iter().map(ToString::to_string).collect();
            crate::output::errln!(
                "avow: warning: its message displays another statement ({}), which `git avow verify` reports beside this note's [{}]",
                avow_policy::text::visible(&shown.join("; ")),
                avow_policy::findings::MESSAGE_UNSIGNED_STATEMENT.id
            );
        }
    }
    if let Some(remote) = push_remote(&repo) {
        crate::output::errln!("avow: share the notes with `git push {remote} {NOTES_REF}`");
    } else {
        crate::output::errln!("avow: share the notes once the repository has a remote: `git push REMOTE {NOTES_REF}`");
    }
    Ok(Outcome::Ok)
}

/// The remote to push the notes to, as a shell word: the current branch's
/// upstream's, else the only remote, else `origin` among several; `None`
/// without a remote (a printed `git push origin` would fail).
fn push_remote(repo: &git2::Repository) -> Option<String> {
    let upstream = repo
        .head()
        .ok()
        .filter(git2::Reference::is_branch)
        .and_then(|h| h.name().ok().map(str::to_owned))
        .and_then(|b| repo.branch_upstream_remote(&b).ok())
        .and_then(|r| r.as_str().ok().map(str::to_owned));
    let remotes = repo.remotes().ok()?;
    let names: Vec<&str> = remotes.iter().flatten().flatten().collect();
    let remote = match (upstream, names.as_slice()) {
        (Some(r), _) => r,
        (None, []) => return None,
        (None, [only]) => (*only).to_owned(),
        (None, _) => "origin".to_owned(),
    };
    Some(avow_verify::shell_word(&remote))
}

/// Writes `note` as `commit`'s note in [`NOTES_REF`] through git, which
/// gives a shared repository's objects its modes
/// (`crate::git::write_objects_with_git` says why libgit2 may not), and
/// as the committer git knows. The text is kept exactly: `git notes -C`
/// takes a blob as it is.
fn write_note(repo: &git2::Repository, commit: git2::Oid, note: &str, force: bool) -> Result<()> {
    let id = commit.to_string();
    let written =
        crate::git::git_with_input(repo, &["hash-object", "-w", "--stdin"], note.as_bytes()).and_then(|blob| {
            let mut notes = vec!["notes", "--ref", NOTES_REF, "add", "-C", blob.as_str(), id.as_str()];
            if force {
                notes.insert(4, "-f");
            }
            crate::git::git_with_input(repo, &notes, b"")
        });
    written.map_err(|why| {
        CliError::new(format!("git could not write the note for {}: {why}", resign::short(repo, commit))).hint(
            "check that you may write to the repository (`git fsck` shows what is wrong), then run the command again",
        )
    })?;
    Ok(())
}
