//! `post-commit`: warns when the new HEAD's attestation does not verify,
//! and says how to re-sign it. It cannot undo the commit, so it never fails.
//! A commit exactly as the commit-msg hook signed it is not verified again
//! ([`super::record`]).

use crate::error::{Outcome, Result};
use crate::git::{open_repo, Config};

pub fn run() -> Result<Outcome> {
    let repo = open_repo()?;
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else { return Ok(Outcome::Ok) };
    // What commit-msg signed for this commit, if it is exactly this commit:
    // then its attestation was just made and checked (super::record), and
    // nothing below could end in anything but silence either.
    if super::record::take(&repo).is_some_and(|s| s.describes(&head)) {
        return Ok(Outcome::Ok);
    }
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled")? == Some(false) || !super::adopted(&repo) {
        return Ok(Outcome::Ok);
    }
    if super::workflows::post_commit_quiet(&repo, &head) {
        return Ok(Outcome::Ok);
    }
    super::workflows::warn_unless_verified(
        &repo,
        &head,
        "the new commit is not attested (was the commit-msg hook skipped?)",
        "the new commit's attestation does not verify",
    );
    // A post-commit hook cannot undo the commit; never fail it.
    Ok(Outcome::Ok)
}
