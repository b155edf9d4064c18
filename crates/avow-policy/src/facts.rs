//! What the policy needs to know about one commit. The verifier fills it
//! from the repository; the hook fills it from the commit being made. Both
//! then call the same evaluation, so the hook's early feedback and the
//! verifier's verdict never disagree.

use avow_core::attestation::Statement;
use avow_core::trailer::Trailer;

/// An identity as git records it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// The email address.
    pub email: String,
}

/// The size and spread of a change against its first parent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeStats {
    /// Lines added (text files).
    pub lines_added: usize,
    /// Lines removed (text files).
    pub lines_removed: usize,
    /// Paths changed (added, deleted, modified), `/`-separated, relative to
    /// the repository root, in git's order.
    pub paths: Vec<String>,
    /// For a merge, the paths its first-parent diff does not show where it
    /// keeps another version than a later parent's change (a rollback of
    /// that change: threat-model entry 142). They count as changed for the
    /// `[[path]]` rules, and nothing else: not in `paths`, not counted by
    /// the size rules. Empty for other commits, and when nobody computed
    /// them (the policy has no `[[path]]`).
    pub kept: Vec<String>,
}

impl ChangeStats {
    /// Added plus removed lines.
    pub fn lines_changed(&self) -> usize {
        self.lines_added + self.lines_removed
    }
}

/// Everything the policy may look at for one commit.
#[derive(Debug, Clone, Default)]
pub struct CommitFacts {
    /// The commit id in hex, or empty for a commit being made (hook).
    pub id: String,
    /// The author.
    pub author: Ident,
    /// The committer.
    pub committer: Ident,
    /// The subject, as `git log --format=%s` shows it.
    pub subject: String,
    /// The whole commit message.
    pub message: String,
    /// The trailers, as `git interpret-trailers --parse` reads them.
    pub trailers: Vec<Trailer>,
    /// The statement, when the trailers hold a well-formed one.
    pub statement: Option<Statement>,
    /// Number of parents (2+ for a merge).
    pub parent_count: usize,
    /// The change against the first parent.
    pub change: ChangeStats,
    /// Seconds since the epoch of the author date.
    pub author_time: i64,
}
