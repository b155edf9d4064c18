//! Whether a merge commit only merges: under `merges = "skip"` a merge is
//! not attested, so it may be skipped only when its tree is exactly what
//! merging its parents gives. Anything else — a conflict resolution, or a
//! change slipped into the merge (an "evil merge") — is a change nobody
//! attested, and is checked like any commit.

use git2::{Commit, MergeOptions, Oid, Repository};

use crate::Error;

fn merge_options() -> MergeOptions {
    let mut opts = MergeOptions::new();
    // A conflict must stay a conflict, never be resolved by a default.
    opts.fail_on_conflict(false).find_renames(true);
    opts
}

/// The tree a conflict-free automatic merge of `c`'s parents gives, in
/// order (octopus merges one parent after the other, as git does), or
/// `None` when the parents conflict.
fn automatic_merge(repo: &Repository, c: &Commit<'_>) -> Result<Option<Oid>, Error> {
    // Every parent, or the error of the first that cannot be read
    // (`Commit::parents` would silently stop there).
    let parents = (0..c.parent_count()).map(|i| c.parent(i)).collect::<Result<Vec<Commit<'_>>, _>>();
    let parents = parents.map_err(|e| Error::git(format!("reading the parents of merge {}", c.id()), e))?;
    automatic_merge_of(repo, &parents, &c.id().to_string())
}

/// The tree a conflict-free automatic merge of `parents` gives, in order,
/// or `None` when they conflict (or are fewer than two). `what` names the
/// merge in errors. The hook asks it of a merge about to be committed,
/// whose parents are HEAD and `MERGE_HEAD`: it writes trees, so a caller
/// that must not write to the object store gives the repository an
/// in-memory backend first.
pub fn automatic_merge_of(repo: &Repository, parents: &[Commit<'_>], what: &str) -> Result<Option<Oid>, Error> {
    let git = |action: &str, e| Error::git(format!("{action} the parents of merge {what}"), e);
    let [first, second, rest @ ..] = parents else { return Ok(None) };
    let mut index = repo.merge_commits(first, second, Some(&merge_options())).map_err(|e| git("merging", e))?;
    // The parents merged so far, less those that are ancestors of another
    // (what they reach, it reaches): the merge base of the next parent with
    // them is the same, and each one costs a walk from it.
    let mut merged: Vec<Oid> = vec![first.id(), second.id()];
    for next in rest {
        if index.has_conflicts() {
            return Ok(None);
        }
        let mut bases = vec![next.id()];
        bases.extend(&merged);
        let base = match repo.merge_base_many(&bases) {
            Ok(base) => base,
            // Unrelated lines: git's octopus refuses them; not a clean merge.
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git("finding the merge base of", e)),
        };
        // Already merged (git: "Already up to date with …"): nothing to do.
        if base == next.id() {
            continue;
        }
        let ours = index.write_tree_to(repo).map_err(|e| git("writing a merge of", e))?;
        let tree = |id: Oid| repo.find_tree(id).map_err(|e| git("reading", e));
        let base_tree = repo.find_commit(base).and_then(|b| b.tree()).map_err(|e| git("reading", e))?;
        let next_tree = next.tree().map_err(|e| git("reading", e))?;
        index = repo
            .merge_trees(&base_tree, &tree(ours)?, &next_tree, Some(&merge_options()))
            .map_err(|e| git("merging", e))?;
        // A merged parent that is the base is an ancestor of `next`.
        merged.retain(|&m| m != base);
        merged.push(next.id());
    }
    if index.has_conflicts() {
        return Ok(None);
    }
    index.write_tree_to(repo).map(Some).map_err(|e| git("writing a merge of", e))
}

/// The most parents a merge may have for [`is_clean`] to merge them: each
/// parent after the second costs a merge-base walk from every parent
/// merged before it, so the time grows with the square of their number
/// (600 parents took seconds), and the parents are the pusher's to choose.
/// The largest octopus merges in well-known histories have a few dozen
/// (Linux's largest, 66).
pub const MAX_MERGED_PARENTS: usize = 100;

/// The tree a conflict-free automatic merge of `c`'s parents gives, or
/// `None` when they conflict, are fewer than two or more than
/// [`MAX_MERGED_PARENTS`].
pub(crate) fn automatic_merge_tree(repo: &Repository, c: &Commit<'_>) -> Result<Option<Oid>, Error> {
    if c.parent_count() < 2 || c.parent_count() > MAX_MERGED_PARENTS {
        return Ok(None);
    }
    automatic_merge(repo, c)
}

/// Whether merge commit `c`'s tree is exactly the conflict-free automatic
/// merge of its parents. `false` for a commit with fewer than two parents,
/// or more than [`MAX_MERGED_PARENTS`] (not merged at all).
/// Where libgit2's merge differs from the one git made (rare rename cases),
/// the answer is `false`: the merge then needs an attestation, which is the
/// safe side.
pub fn is_clean(repo: &Repository, c: &Commit<'_>) -> Result<bool, Error> {
    if c.parent_count() < 2 || c.parent_count() > MAX_MERGED_PARENTS {
        return Ok(false);
    }
    Ok(automatic_merge(repo, c)? == Some(c.tree_id()))
}

/// The paths where a merge keeps another version than a parent's own
/// change, out of sight of its first-parent diff (threat-model entry 142):
/// for each parent after the first, the paths that parent changed since
/// its merge base with the first parent, where the merge's `tree` is not
/// that parent's version, less the paths of the first-parent diff
/// (`first_parent_paths`, already judged). A merge into an old commit that
/// keeps the old version of a file `main` fixed — `main` merged into a
/// commit from before the fix, taking the commit's side — shows no change
/// there against its first parent, yet undoes the fix; these paths are
/// what `[[path]]` rules must see too. Where the merge's version is the
/// first parent's and not the automatic merge's, the other parent changed
/// that path and its version is not the merge's: so this holds every path
/// the automatic merge of a clean merge would show, and also the conflicts
/// with tree diffs only (no content merge); a merge of more than
/// [`MAX_MERGED_PARENTS`] parents counts every path it holds. A merge the usual way — the merged side's changes
/// taken — keeps none. Empty for a commit with fewer than two parents.
pub fn kept_paths(
    repo: &Repository,
    parents: &[Commit<'_>],
    tree: &git2::Tree<'_>,
    first_parent_paths: &[String],
) -> Result<Vec<String>, Error> {
    let [first, others @ ..] = parents else { return Ok(Vec::new()) };
    let git = |action: String, e| Error::git(action, e);
    // Each parent costs a merge-base walk, and whoever pushes chooses how
    // many there are: a merge too large to merge again (no project makes
    // one) counts every path it holds.
    if parents.len() > MAX_MERGED_PARENTS {
        let all = diff_paths(repo, None, tree, &[])?;
        return Ok(all.into_iter().map(|p| String::from_utf8_lossy(&p).into_owned()).collect());
    }
    let judged: std::collections::HashSet<&str> = first_parent_paths.iter().map(String::as_str).collect();
    let mut kept: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for other in others {
        let base = match repo.merge_base(first.id(), other.id()) {
            // Already merged into the first parent: nothing of its own.
            Ok(base) if base == other.id() => continue,
            Ok(base) => Some(
                repo.find_commit(base)
                    .and_then(|b| b.tree())
                    .map_err(|e| git(format!("reading the tree of {base}"), e))?,
            ),
            // Unrelated histories: everything the other parent holds is
            // its own change.
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => return Err(git(format!("finding the merge base of {} and {}", first.id(), other.id()), e)),
        };
        let theirs = other.tree().map_err(|e| git(format!("reading the tree of {}", other.id()), e))?;
        let changed = diff_paths(repo, base.as_ref(), &theirs, &[])?;
        if changed.is_empty() {
            continue;
        }
        // Only those paths are compared with the merge's: the diff walks
        // no directory that holds none of them, so a merge of an old
        // branch into `main` costs that branch's change, not `main`'s.
        for p in diff_paths(repo, Some(&theirs), tree, &changed)? {
            let p = String::from_utf8_lossy(&p).into_owned();
            if !judged.contains(p.as_str()) && seen.insert(p.clone()) {
                kept.push(p);
            }
        }
    }
    Ok(kept)
}

/// The paths (both sides, as bytes) that differ between `old` and `new`,
/// as `git diff-tree -r --no-renames` lists them; only among `only` (exact
/// paths) when it is not empty.
fn diff_paths(
    repo: &Repository,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
    only: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, Error> {
    let mut opts = git2::DiffOptions::new();
    opts.ignore_submodules(false).include_typechange(false);
    if !only.is_empty() {
        opts.disable_pathspec_match(true);
        for p in only {
            opts.pathspec(p.clone());
        }
    }
    let diff =
        repo.diff_tree_to_tree(old, Some(new), Some(&mut opts)).map_err(|e| Error::git("diffing trees".into(), e))?;
    let mut out: Vec<Vec<u8>> = diff
        .deltas()
        .flat_map(|d| [d.old_file().path_bytes(), d.new_file().path_bytes()])
        .flatten()
        .map(<[u8]>::to_vec)
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
