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
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CliError::new(format!("cannot read {}: {e}", rel.display())).hint("check the file's permissions")
    })?;
    Policy::parse(&text, rel)
        .map_err(|e| CliError::new(e.to_string()).hint("fix .avow/policy.toml (docs/policy.md describes every field)"))
}

/// The keyring in the work tree, if there is one and it reads.
pub fn keyring(repo: &Repository) -> Option<Keyring> {
    let path = repo.workdir()?.join(avow_verify::trust::KEYRING_PATH);
    Keyring::load(&path).ok()
}
