//! The work tree's own `.avow/` files, read for early feedback and to find
//! your own keyring entry. Never trusted: `verify` reads the keyring and
//! policy from a trusted revision (`avow_verify::trust`).

use std::path::Path;

use avow_policy::keyring::Keyring;
use avow_policy::policy::Policy;
use git2::Repository;

use crate::error::{CliError, Result};

/// Policy from the work tree, for early feedback. The verifier reads the
/// trusted one; here a missing or broken file must not block work
/// silently, so a broken one is an error and a missing one the default.
pub fn policy(repo: &Repository) -> Result<Policy> {
    let Some(dir) = repo.workdir() else { return Ok(Policy::default()) };
    let path = dir.join(avow_verify::trust::POLICY_PATH);
    if !path.exists() {
        return Ok(Policy::default());
    }
    // Errors name the file as the repository does (`.avow/policy.toml:7: …`).
    let rel = Path::new(avow_verify::trust::POLICY_PATH);
    let text = std::fs::read_to_string(&path).map_err(|e| unreadable(repo, rel, &e))?;
    Policy::parse(&text, rel)
        .map_err(|e| CliError::new(e.to_string()).hint("fix .avow/policy.toml (docs/policy.md describes every field)"))
}

/// The keyring in the work tree, if there is one and it reads.
pub fn keyring(repo: &Repository) -> Option<Keyring> {
    let path = repo.workdir()?.join(avow_verify::trust::KEYRING_PATH);
    Keyring::load(&path).ok()
}

/// Why the work tree's `rel` cannot be read, with the fix for that cause:
/// permissions, or (not UTF-8 text, a directory in its place) the
/// committed file back when HEAD has one (`:/` names it from any
/// directory of the work tree; git replaces a directory there too).
fn unreadable(repo: &Repository, rel: &Path, e: &std::io::Error) -> CliError {
    let error = CliError::new(format!("cannot read {}: {e}", rel.display()));
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        let full = repo.workdir().unwrap_or(Path::new(".")).join(rel);
        return error.hint(format!(
            "let yourself read it: `chmod u+r {}`",
            crate::cmd::keyring::shell_quote(&full.to_string_lossy())
        ));
    }
    let committed = repo.head().ok().and_then(|h| h.peel_to_tree().ok()).is_some_and(|t| t.get_path(rel).is_ok());
    if committed {
        error.hint(format!("restore the committed one: `git checkout HEAD -- :/{}`", rel.display()))
    } else {
        error.hint(format!("make {} a UTF-8 text file (docs/policy.md describes it)", rel.display()))
    }
}
