//! The work tree's own `.avow/` files, read for early feedback and to find
//! your own keyring entry. Never trusted: `verify` reads the keyring and
//! policy from a trusted revision (`avow_verify::trust`).

use std::path::Path;

use avow_policy::keyring::Keyring;
use avow_policy::policy::Policy;
use git2::Repository;

use crate::error::{CliError, Result};

/// The text of `.avow/FILE` (`rel`, as `avow_verify::trust` names it) as
/// the hook sees it: the work tree's file; or, in a sparse checkout that
/// leaves `.avow/` out, HEAD's — git keeps such files in the index
/// unchanged without writing them, and commits them as HEAD has them.
/// `None` when there is none (not adopted, or deleted from the work tree:
/// that is for the user to restore, not to read around).
pub fn avow_text(repo: &Repository, rel: &str) -> Option<std::io::Result<String>> {
    let path = repo.workdir()?.join(rel);
    if path.exists() {
        return Some(std::fs::read_to_string(&path));
    }
    // `git sparse-checkout` writes the patterns here (per worktree).
    if !repo.path().join("info/sparse-checkout").is_file() {
        return None;
    }
    let tree = repo.head().ok()?.peel_to_tree().ok()?;
    let blob = tree.get_path(Path::new(rel)).ok()?.to_object(repo).ok()?.peel_to_blob().ok()?;
    Some(
        String::from_utf8(blob.content().to_vec()).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
    )
}

/// Policy from the work tree, for early feedback. The verifier reads the
/// trusted one; here a missing or broken file must not block work
/// silently, so a broken one is an error and a missing one the default.
pub fn policy(repo: &Repository) -> Result<Policy> {
    let Some(text) = avow_text(repo, avow_verify::trust::POLICY_PATH) else { return Ok(Policy::default()) };
    let rel = Path::new(avow_verify::trust::POLICY_PATH);
    let text = text.map_err(|e| unreadable(repo, rel, &e))?;
    parse_policy(&text)
}

/// [`policy`], for the commit-msg hook, which reads the same file at every
/// commit: a policy text parsed before is taken from the parsed-policy
/// record (`.git/avow/parsed-policy`, [`PolicyRecord`]) instead of being
/// parsed again, and one parsed now is recorded. A record is used only for
/// the very bytes it was made from (it keeps them, and they are compared
/// whole), and it is read through the same field checks as the file
/// (`Policy::from_record`); a damaged one is ignored. The policy read here
/// is for early feedback only (verify reads the trusted one from git):
/// threat-model entry 135.
pub fn policy_cached(repo: &Repository) -> Result<Policy> {
    let Some(Ok(text)) = avow_text(repo, avow_verify::trust::POLICY_PATH) else { return policy(repo) };
    let record = PolicyRecord::read(repo);
    if let Some(policy) = record.find(&text) {
        return Ok(policy);
    }
    let policy = parse_policy(&text)?;
    record.save(repo, &text, &policy.to_record());
    Ok(policy)
}

fn parse_policy(text: &str) -> Result<Policy> {
    // Errors name the file as the repository does (`.avow/policy.toml:7: …`).
    Policy::parse(text, Path::new(avow_verify::trust::POLICY_PATH))
        .map_err(|e| CliError::new(e.to_string()).hint("fix .avow/policy.toml (docs/policy.md describes every field)"))
}

/// `.git/avow/parsed-policy`: the policy files the commit-msg hook parsed,
/// each with its parsed form, newest last (a few, for worktrees on
/// different policies): a header line, then per entry a line `TEXT-LENGTH
/// RECORD-LENGTH` followed by the file's text, the record
/// (`Policy::to_record`) and a newline.
struct PolicyRecord {
    /// (the policy file's text, its record).
    entries: Vec<(String, String)>,
}

impl PolicyRecord {
    const HEADER: &'static str = "avow-parsed-policy 1\n";
    const KEEP: usize = 4;

    fn file(repo: &Repository) -> std::path::PathBuf {
        repo.commondir().join("avow/parsed-policy")
    }

    fn read(repo: &Repository) -> PolicyRecord {
        let bytes = std::fs::read(Self::file(repo)).unwrap_or_default();
        PolicyRecord { entries: Self::parse(&bytes).unwrap_or_default() }
    }

    /// The entries of a record file; `None` for anything that is not one.
    fn parse(bytes: &[u8]) -> Option<Vec<(String, String)>> {
        let mut rest = bytes.strip_prefix(Self::HEADER.as_bytes())?;
        let mut entries = Vec::new();
        while !rest.is_empty() {
            let eol = rest.iter().position(|&b| b == b'\n')?;
            let (text_len, record_len) = std::str::from_utf8(&rest[..eol]).ok()?.split_once(' ')?;
            let (text_len, record_len): (usize, usize) = (text_len.parse().ok()?, record_len.parse().ok()?);
            let body = &rest[eol + 1..];
            let end = text_len.checked_add(record_len)?;
            if body.get(end) != Some(&b'\n') {
                return None;
            }
            let text = std::str::from_utf8(&body[..text_len]).ok()?;
            let record = std::str::from_utf8(&body[text_len..end]).ok()?;
            entries.push((text.to_owned(), record.to_owned()));
            rest = &body[end + 1..];
        }
        Some(entries)
    }

    /// The policy recorded for exactly this text, if its record reads.
    fn find(&self, text: &str) -> Option<Policy> {
        let (_, record) = self.entries.iter().rev().find(|(t, _)| t == text)?;
        Policy::from_record(record)
    }

    /// Records `record` (a `Policy::to_record`) for `text`, replacing any
    /// entry for it (best effort: an unwritten record only means parsing
    /// again).
    fn save(&self, repo: &Repository, text: &str, record: &str) {
        if record.is_empty() {
            return;
        }
        let mut entries: Vec<(&str, &str)> =
            self.entries.iter().filter(|(t, _)| t != text).map(|(t, r)| (t.as_str(), r.as_str())).collect();
        entries.push((text, record));
        let mut out = String::from(Self::HEADER);
        for (t, r) in &entries[entries.len().saturating_sub(Self::KEEP)..] {
            out.push_str(&format!("{} {}\n{t}{r}\n", t.len(), r.len()));
        }
        let _ = crate::shared::write_record(repo, &Self::file(repo), &out);
    }
}

/// The keyring in the work tree ([`avow_text`]), read as `Keyring::load`
/// reads it.
pub fn keyring_file(repo: &Repository) -> Option<std::result::Result<Keyring, String>> {
    let rel = avow_verify::trust::KEYRING_PATH;
    Some(match avow_text(repo, rel)? {
        Ok(text) => Keyring::parse(&text, Path::new(rel)).map_err(|e| e.to_string()),
        Err(e) => Err(format!("cannot read {rel}: {e}")),
    })
}

/// The keyring a commit of `tree` on `parent` is checked against when it
/// changes `.avow/keyring.toml` itself (a rotation, a revocation): the
/// parent's, which verification reads from the base before the commit.
/// `None` when the commit leaves the keyring as the parent has it, or the
/// parent has none that reads.
pub fn keyring_replaced(repo: &Repository, parent: Option<git2::Oid>, tree: git2::Oid) -> Option<Keyring> {
    let rel = Path::new(avow_verify::trust::KEYRING_PATH);
    let before = repo.find_commit(parent?).ok()?.tree().ok()?.get_path(rel).ok()?;
    let after = repo.find_tree(tree).ok()?.get_path(rel).ok().map(|e| e.id());
    if after == Some(before.id()) {
        return None;
    }
    let blob = repo.find_blob(before.id()).ok()?;
    Keyring::parse(std::str::from_utf8(blob.content()).ok()?, rel).ok()
}

/// The keyring in the work tree, if there is one and it reads.
pub fn keyring(repo: &Repository) -> Option<Keyring> {
    keyring_file(repo)?.ok()
}

/// The branches work here is likely verified against, by name, most
/// likely first: with `upstream`, the current branch's upstream; then
/// each remote's default branch (`R/HEAD`'s target, else `R/main` or
/// `R/master`; a remote named `upstream` first), the local branch
/// `init.defaultBranch` names, and local `main` and `master`. Only names
/// of commits, each
/// once, and never the current branch itself. For advice only (which
/// range to name, where a key was added): trust is decided by `verify`,
/// from the base it is given, never from this list.
pub fn base_branches(repo: &Repository, upstream: bool) -> Vec<String> {
    let head = repo.head().ok();
    let current = head.as_ref().filter(|h| h.is_branch()).and_then(|h| h.name().ok().map(str::to_owned));
    // Full ref names: a local branch may be called like a remote's.
    let mut refs = Vec::new();
    if upstream {
        refs.extend(
            current
                .as_deref()
                .and_then(|b| repo.branch_upstream_name(b).ok())
                .and_then(|n| n.as_str().ok().map(str::to_owned)),
        );
    }
    let remotes = repo.remotes().ok();
    let mut remotes: Vec<&str> = remotes.iter().flat_map(|r| r.iter().flatten().flatten()).collect();
    // A fork's clone: pull requests go into `upstream` (the forges' name
    // for the project a fork came from), not into the fork's own branches.
    remotes.sort_by_key(|r| *r != "upstream");
    for remote in remotes {
        let default = repo
            .find_reference(&format!("refs/remotes/{remote}/HEAD"))
            .ok()
            .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_owned));
        match default {
            Some(name) => refs.push(name),
            None => refs.extend(["main", "master"].map(|b| format!("refs/remotes/{remote}/{b}"))),
        }
    }
    // A project whose default branch is called otherwise (`trunk`,
    // `develop`) and has no remote yet: the name git gives new
    // repositories here is the likeliest.
    let default = repo.config().ok().and_then(|c| c.get_string("init.defaultBranch").ok());
    refs.extend(default.filter(|b| !b.is_empty()).map(|b| format!("refs/heads/{b}")));
    refs.extend(["refs/heads/main", "refs/heads/master"].map(str::to_owned));
    let mut names: Vec<String> = Vec::new();
    for full in refs {
        let is_commit = repo.find_reference(&full).ok().and_then(|r| r.peel_to_commit().ok()).is_some();
        if !is_commit || Some(&full) == current.as_ref() {
            continue;
        }
        let name = full.strip_prefix("refs/remotes/").or_else(|| full.strip_prefix("refs/heads/")).unwrap_or(&full);
        // A short name that means another ref too is given in full.
        let name = if avow_verify::trust::candidates(repo, name).len() > 1 { full.as_str() } else { name };
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// How to land the commit being made (HEAD, once made) first, on its own:
/// a push of it to the first of [`base_branches`] that is a remote's
/// branch, else in words. For advice only.
pub fn land_first(repo: &Repository) -> String {
    let target = base_branches(repo, true).into_iter().find_map(|b| {
        let (remote, branch) = b.split_once('/')?;
        repo.find_remote(remote).ok()?;
        Some(format!(
            "`git push {} HEAD:refs/heads/{}` once it is committed (or a pull request of its own)",
            avow_verify::shell_word(remote),
            avow_verify::shell_word(branch)
        ))
    });
    target.unwrap_or_else(|| "a pull request of its own, or a push of it to the branch it goes into".to_owned())
}

/// Whether `base`'s `.avow/keyring.toml` lists `key`.
pub fn lists_key(repo: &Repository, base: &str, key: &avow_sign::ssh_key::PublicKey) -> bool {
    avow_verify::trust::Trusted::load(repo, base).is_ok_and(|t| t.keyring.find_by_key(key).is_some())
}

/// The first of [`base_branches`] (the upstream first) whose keyring lists
/// `key`: a key a maintainer added after this branch left the base (the
/// work tree's keyring does not have it yet, the verifier's does).
pub fn base_listing(repo: &Repository, key: &avow_sign::ssh_key::PublicKey) -> Option<String> {
    base_branches(repo, true).into_iter().find(|name| lists_key(repo, name, key))
}

/// Why the work tree's `rel` cannot be read, with the fix for that cause:
/// permissions, or (not UTF-8 text, a directory in its place) the
/// committed file back when HEAD has one (`:/` names it from any
/// directory of the work tree; git replaces a directory there too).
fn unreadable(repo: &Repository, rel: &Path, e: &std::io::Error) -> CliError {
    let error = CliError::new(format!("cannot read {}: {e}", rel.display()));
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        let full = repo.workdir().unwrap_or(Path::new(".")).join(rel);
        return error
            .hint(format!("let yourself read it: `chmod u+r {}`", avow_verify::shell_word(&full.to_string_lossy())));
    }
    let committed = repo.head().ok().and_then(|h| h.peel_to_tree().ok()).is_some_and(|t| t.get_path(rel).is_ok());
    if committed {
        error.hint(format!("restore the committed one: `git checkout HEAD -- :/{}`", rel.display()))
    } else {
        error.hint(format!("make {} a UTF-8 text file (docs/policy.md describes it)", rel.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::PolicyRecord;

    /// Record files read back entry by entry, and nothing else reads as one.
    #[test]
    fn policy_records_read_back_and_damaged_ones_do_not() {
        let one = format!("{}5 2\nabcde{{}}\n", PolicyRecord::HEADER);
        assert_eq!(PolicyRecord::parse(one.as_bytes()), Some(vec![("abcde".to_owned(), "{}".to_owned())]));
        let two = format!("{one}0 3\nxyz\n");
        assert_eq!(PolicyRecord::parse(two.as_bytes()).map(|e| e.len()), Some(2));
        assert_eq!(PolicyRecord::parse(PolicyRecord::HEADER.as_bytes()), Some(Vec::new()));
        for bad in [
            String::new(),
            one.replace("avow-parsed-policy 1", "avow-parsed-policy 2"),
            one.replace("5 2", "6 2"),
            one.replace("5 2", "4 2"),
            one.replace("5 2", "5"),
            one.replace("5 2", "99999999999999999999 2"),
            one.replace("5 2", "18446744073709551615 2"),
            one.trim_end().to_owned(),
            format!("{one}junk"),
            one.replace("abcde", "ab\u{e9}"),
        ] {
            assert_eq!(PolicyRecord::parse(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
