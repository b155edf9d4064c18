//! `git avow hook …`: what the scripts in hooks/ call.
//!
//! - [`commit_msg`]: the pipeline that checks, completes and signs the
//!   attestation (read → complete → stage → check → sign → write);
//! - [`prompt`]: the questions asked on the terminal for what is missing;
//! - [`invocation`]: the `git commit` command line (amend, clean-up mode);
//! - [`cleanup`]: the message as git will store it;
//! - [`prepare`]: the guidance comment added before the editor opens;
//! - [`post_commit`]: the self-check of the new commit;
//! - [`record`]: what commit-msg signed, so post-commit need not verify it again;
//! - [`workflows`]: around git's history operations (conflicts, fixups,
//!   post-rewrite and post-applypatch re-signing);
//! - [`revert`]: the statement for `git revert`, which runs no commit-msg hook.

mod cleanup;
mod commit_msg;
mod invocation;
mod post_commit;
mod prepare;
mod prompt;
mod record;
mod revert;
mod workflows;

pub use workflows::post_rewrite_of;

pub(crate) use prompt::{answers_so_far, prompt_statement};

use std::path::PathBuf;

use clap::Subcommand;

use crate::error::{Outcome, Result};

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
    /// After a rebase: re-sign or name how to re-sign the rewritten
    /// commits whose change no longer matches their statement.
    PostRewrite {
        /// `rebase` or `amend`, as git passes it (default: the pre-commit
        /// framework's `PRE_COMMIT_REWRITE_COMMAND`); the rewritten commits
        /// come on standard input.
        command: Option<String>,
    },
    /// After `git am` applies its last patch: as post-rewrite.
    PostApplypatch,
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
        HookCommand::CommitMsg { file } => commit_msg::run(&file),
        HookCommand::PrepareCommitMsg { file, source, sha } => prepare::run(&file, source.as_deref(), sha.as_deref()),
        HookCommand::PostCommit => post_commit::run(),
        HookCommand::PostRewrite { command } => workflows::post_rewrite(command),
        HookCommand::PostApplypatch => workflows::post_applypatch(),
        HookCommand::PrePush { remote, url: _ } => crate::cmd::pre_push::run(&remote),
        HookCommand::PreReceive => crate::cmd::receive::pre_receive(),
        HookCommand::Update { refname, old, new } => crate::cmd::receive::update(&refname, &old, &new),
    }
}

/// Whether this repository has adopted avow: `.avow/` in the work tree or
/// in HEAD. Without it avow's commit hooks do nothing, so hooks installed
/// machine-wide (a global `core.hooksPath`) leave other repositories alone.
pub fn adopted(repo: &git2::Repository) -> bool {
    let dir = avow_verify::trust::AVOW_DIR.trim_end_matches('/');
    if repo.workdir().is_some_and(|w| w.join(dir).is_dir()) {
        return true;
    }
    repo.head()
        .and_then(|h| h.peel_to_tree())
        .is_ok_and(|t| t.get_name(dir).is_some_and(|e| e.kind() == Some(git2::ObjectType::Tree)))
}

/// A branch without `.avow/` in a repository whose other branches have it
/// — a maintenance branch started from a tag before the project adopted
/// avow: nothing is signed here (there is no policy to sign under), but
/// the commit goes to a project that checks it. Says so, naming the base
/// that has adopted and the note that attests the commit without
/// rewriting it (a rebase mid-way stays quiet: its commits are old ones).
pub fn note_unadopted_branch(repo: &git2::Repository) {
    if repo.path().join("rebase-merge").exists() || repo.path().join("rebase-apply").exists() {
        return;
    }
    let bases = crate::local::base_branches(repo, true);
    let Some(base) = bases.iter().find(|b| avow_verify::trust::Trusted::is_adopted(repo, b).unwrap_or(false)) else {
        return;
    };
    crate::output::errln!(
        "avow: warning: this branch has no .avow/ (it starts before the project adopted avow, which {base} has), so the commit is not attested and `git avow verify {base}..HEAD` will reject it; once it is made, attest it in a note: `git avow attest HEAD --authorship human --rationale \"<why the change is needed and how it works>\"`",
        base = avow_verify::shell_word(base)
    );
}
