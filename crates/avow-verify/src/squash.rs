//! Squash merges: a commit the forge made (no hook, a committer in no
//! keyring) whose change is the whole change of a pull request's branch.
//! It is accepted when the branch's own commits — found in the pull refs
//! forges keep (`refs/pull/N/head` on GitHub, `refs/merge-requests/N/head`
//! on GitLab, N taken from the squash's subject or message) or named with
//! `verify --squash-source REF` — each verify under the same trust base,
//! and the change digest of the squash (its parent's tree → its tree)
//! equals the one of the branch's cumulative change (the merge base's tree
//! → the branch tip's tree). Anything the squash carries that the branch
//! does not — a line the merger added — makes the digests differ, and the
//! squash is refused. docs/workflows.md describes the merge methods.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use git2::{Commit, Oid, Repository};

use crate::Error;

/// At most this many commits are read from one squash source.
pub const MAX_SOURCE_COMMITS: usize = 10_000;

/// The pull or merge request number a squash's message names: GitHub's
/// subject suffix ` (#N)`, or GitLab's `See merge request GROUP/PROJECT!N`.
pub fn request_numbers(subject: &str, message: &str) -> (Option<u64>, Option<u64>) {
    let github = subject
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once("(#"))
        .filter(|(before, _)| before.is_empty() || before.ends_with(' '))
        .and_then(|(_, n)| digits(n));
    let gitlab = message
        .lines()
        .filter_map(|l| l.trim().strip_prefix("See merge request "))
        .find_map(|rest| rest.trim_end().rsplit_once('!').and_then(|(_, n)| digits(n)));
    (github, gitlab)
}

fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The squash sources to try for a commit, by name, that exist in the
/// repository: the forge's pull refs for the numbers its message names,
/// then `explicit` (from `--squash-source`).
pub fn candidates(repo: &Repository, subject: &str, message: &str, explicit: &[String]) -> Vec<(String, Oid)> {
    let (github, gitlab) = request_numbers(subject, message);
    let mut names = Vec::new();
    if let Some(n) = github {
        names.push(format!("refs/pull/{n}/head"));
        names.push(format!("refs/remotes/origin/pull/{n}/head"));
    }
    if let Some(n) = gitlab {
        names.push(format!("refs/merge-requests/{n}/head"));
        names.push(format!("refs/remotes/origin/merge-requests/{n}/head"));
    }
    let mut out: Vec<(String, Oid)> =
        names.into_iter().filter_map(|name| repo.refname_to_id(&name).ok().map(|id| (name, id))).collect();
    for rev in explicit {
        if let Ok(c) = repo.revparse_single(rev).and_then(|o| o.peel_to_commit()) {
            out.push((rev.clone(), c.id()));
        }
    }
    out.dedup_by_key(|(_, id)| *id);
    out
}

/// For a commit that names a pull or merge request none of whose refs is
/// in the repository: what it names and how to fetch the branch, so that
/// it can be checked as that request's squash.
pub fn fetch_hint(subject: &str, message: &str) -> Option<String> {
    let (github, gitlab) = request_numbers(subject, message);
    let (what, r) = match (github, gitlab) {
        (Some(n), _) => (format!("pull request #{n}"), format!("refs/pull/{n}/head")),
        (None, Some(n)) => (format!("merge request !{n}"), format!("refs/merge-requests/{n}/head")),
        (None, None) => return None,
    };
    Some(format!(
        "it names {what}, whose branch is not in this repository: if it is that request's squash merge, fetch the branch with `git fetch origin {r}:{r}` and verify again (or name it with --squash-source REV)"
    ))
}

/// A squash source's commits and cumulative change, for `squash` (a
/// commit with one parent).
pub struct Source {
    /// The merge base of the squash's parent and the source's tip.
    pub base: Oid,
    /// Whether the source's cumulative change is exactly the squash's.
    pub same_change: bool,
    /// The source as read (not read when the changed paths differ).
    read: Option<Arc<Read>>,
}

impl Source {
    /// How many commits the source has after the base.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read.as_ref().map_or(0, |r| r.commits.len())
    }

    /// The source's commits after the base, parents first (none when its
    /// changed paths differ from the squash's: it was not read).
    #[must_use]
    pub fn commits(&self) -> &[Oid] {
        self.read.as_ref().map_or(&[], |r| r.commits.as_slice())
    }

    /// Whether the source has no commits after the base.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The source's commits that `rejected` rejects, parents first; asked
    /// of each commit only the first time the run needs this source's.
    pub fn rejected(&self, mut rejected: impl FnMut(Oid) -> Result<bool, Error>) -> Result<Vec<Oid>, Error> {
        let Some(read) = &self.read else { return Ok(Vec::new()) };
        if let Some(known) = read.rejected.lock().ok().and_then(|r| r.clone()) {
            return Ok(known);
        }
        let mut out = Vec::new();
        for id in &read.commits {
            if rejected(*id)? {
                out.push(*id);
            }
        }
        if let Ok(mut known) = read.rejected.lock() {
            *known = Some(out.clone());
        }
        Ok(out)
    }
}

/// A source's commits after a base and their cumulative change.
#[derive(Debug)]
struct Read {
    commits: Vec<Oid>,
    change: Option<crate::change::Digest>,
    /// Those of `commits` that are rejected, once verified.
    rejected: Mutex<Option<Vec<Oid>>>,
}

/// Sources read, by merge base and tip; `None`: more than
/// [`MAX_SOURCE_COMMITS`] commits.
type Sources = HashMap<(Oid, Oid), Option<Arc<Read>>>;

/// At most this many sources' commits are kept at once by a [`Memo`].
const KEPT_SOURCES: usize = 64;

/// What one verification run has learnt about squash sources, so that a
/// source tried again (every commit whose message names the same pull
/// request, entry 117) costs no walk, digest or verification again: each
/// source read by merge base and tip (its commits, its change, which of
/// them are rejected), and each squash's change by its two trees.
#[derive(Debug, Default)]
pub struct Memo {
    sources: Mutex<Sources>,
    changes: Mutex<HashMap<(Oid, Oid), Option<crate::change::Digest>>>,
}

impl Memo {
    /// The source `base..tip`, read the first time it is asked for.
    fn source(&self, repo: &Repository, base: Oid, tip: Oid) -> Result<Option<Arc<Read>>, Error> {
        if let Some(known) = self.sources.lock().ok().and_then(|s| s.get(&(base, tip)).cloned()) {
            return Ok(known);
        }
        let read = read_source(repo, base, tip)?.map(Arc::new);
        if let Ok(mut sources) = self.sources.lock() {
            if sources.len() >= KEPT_SOURCES {
                sources.clear();
            }
            sources.insert((base, tip), read.clone());
        }
        Ok(read)
    }

    /// The change digest from tree `old` to tree `new`, digested the first
    /// time it is asked for.
    fn change(
        &self,
        repo: &Repository,
        old: &git2::Tree<'_>,
        new: &git2::Tree<'_>,
    ) -> Result<Option<crate::change::Digest>, Error> {
        let key = (old.id(), new.id());
        if let Some(known) = self.changes.lock().ok().and_then(|c| c.get(&key).copied()) {
            return Ok(known);
        }
        let digest = change(repo, Some(old), new)?;
        if let Ok(mut changes) = self.changes.lock() {
            changes.insert(key, digest);
        }
        Ok(digest)
    }
}

/// The commits of `base..tip` (`None` over [`MAX_SOURCE_COMMITS`]) and the
/// change from `base`'s tree to `tip`'s.
fn read_source(repo: &Repository, base: Oid, tip: Oid) -> Result<Option<Read>, Error> {
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(|e| Error::git("sorting".into(), e))?;
    walk.push(tip).map_err(|e| Error::walk(repo, e))?;
    walk.hide(base).map_err(|e| Error::walk(repo, e))?;
    let mut commits = Vec::new();
    for id in walk {
        commits.push(id.map_err(|e| Error::walk(repo, e))?);
        if commits.len() > MAX_SOURCE_COMMITS {
            return Ok(None);
        }
    }
    let change = change(repo, Some(&tree_of(repo, base)?), &tree_of(repo, tip)?)?;
    Ok(Some(Read { commits, change, rejected: Mutex::new(None) }))
}

fn tree_of(repo: &Repository, id: Oid) -> Result<git2::Tree<'_>, Error> {
    repo.find_commit(id).and_then(|c| c.tree()).map_err(|e| Error::git(format!("reading the tree of {id}"), e))
}

/// Reads `tip` as the source of `squash`; `None` when it cannot be one
/// (no common history, nothing after the merge base, the squash itself or
/// one of its ancestors, too many commits). What `memo` knows is not read
/// again.
pub fn source(repo: &Repository, squash: &Commit<'_>, tip: Oid, memo: &Memo) -> Result<Option<Source>, Error> {
    if squash.parent_count() != 1 || tip == squash.id() {
        return Ok(None);
    }
    let parent = squash.parent(0).map_err(|e| Error::git(format!("reading the parent of {}", squash.id()), e))?;
    let Ok(base) = repo.merge_base(parent.id(), tip) else { return Ok(None) };
    if base == tip {
        return Ok(None);
    }
    let squash_tree = squash.tree().map_err(|e| Error::git(format!("reading the tree of {}", squash.id()), e))?;
    let (parent_tree, base_tree, tip_tree) = (tree_of(repo, parent.id())?, tree_of(repo, base)?, tree_of(repo, tip)?);
    // Equal change digests name the same changed paths. Whoever writes a
    // message names the source, so a commit of one path may name a branch
    // that changes thousands: their paths are compared first, the
    // source's walked only as far as the squash's count (entry 117), and
    // the source's commits and whole change read only when they agree.
    let ours = crate::commit::changed_paths(repo, Some(&parent_tree), &squash_tree)?;
    let theirs = crate::commit::changed_paths_at_most(repo, Some(&base_tree), &tip_tree, ours.len())?;
    if theirs.as_ref() != Some(&ours) {
        return Ok(Some(Source { base, same_change: false, read: None }));
    }
    let Some(read) = memo.source(repo, base, tip)? else { return Ok(None) };
    let ours = memo.change(repo, &parent_tree, &squash_tree)?;
    Ok(Some(Source { base, same_change: ours == read.change, read: Some(read) }))
}

/// The change digest between two trees ([`crate::change::digest`]).
fn change(
    repo: &Repository,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
) -> Result<Option<crate::change::Digest>, Error> {
    Ok(crate::change::digest(repo, old, new)?)
}

#[cfg(test)]
mod tests {
    use super::request_numbers;

    #[test]
    fn numbers_from_forge_messages() {
        assert_eq!(request_numbers("Fix the parser (#42)", ""), (Some(42), None));
        assert_eq!(request_numbers("Fix (#42) twice (#7)", ""), (Some(7), None));
        assert_eq!(request_numbers("Fix the parser(#42)", ""), (None, None));
        assert_eq!(request_numbers("Fix (#4x2)", ""), (None, None));
        assert_eq!(request_numbers("Fix (#)", ""), (None, None));
        assert_eq!(request_numbers("Fix (#99999999999999999999)", ""), (None, None));
        let gl = "Fix the parser\n\nSquashed.\n\nSee merge request group/sub/project!17";
        assert_eq!(request_numbers("Fix the parser", gl), (None, Some(17)));
        assert_eq!(request_numbers("x", "See merge request g/p!1/../2"), (None, None));
    }

    #[test]
    fn fetch_hints_name_the_forge_ref() {
        use super::fetch_hint;
        assert_eq!(fetch_hint("Fix", "Fix\n"), None);
        let gl = fetch_hint("Fix", "Fix\n\nSee merge request g/p!17\n").unwrap();
        assert!(
            gl.starts_with("it names merge request !17, ")
                && gl.contains("`git fetch origin refs/merge-requests/17/head:refs/merge-requests/17/head`"),
            "{gl}"
        );
        assert!(fetch_hint("Fix (#7)", "").unwrap().contains("`git fetch origin refs/pull/7/head:refs/pull/7/head`"));
    }
}
