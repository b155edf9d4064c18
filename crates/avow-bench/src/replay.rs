//! Replays a real repository's history with attestations, so that the
//! figures reflect real diff sizes, binary files, renames and merges, not
//! one-line changes.
//!
//! The last `limit` commits reachable from the source's `HEAD` are
//! rewritten, parents before children, into a repository of their own
//! that borrows the source's objects (`objects/info/alternates`): each
//! keeps its tree (with the benchmark's `.avow/` added at the root, and
//! its subject) and its parents among the replayed commits, and gets an
//! attestation signed as the hook signs it, by the benchmark key. Two
//! branches come out:
//! - `replay`, on `replay-base` (the oldest commit's first parent's tree
//!   with `.avow/`): every tree as signed, the tree-binding fast path;
//! - `replay-rebased`, the same commits replayed onto `replay-upstream`
//!   (an extra file at the root), so no tree pair is the signed one and
//!   every change digest is recomputed.

use std::collections::HashMap;
use std::path::Path;

use git2::{FileMode, Oid, Repository, Signature, Sort, Time};

use crate::history::{avow_tree, git_err, reference, sign_message, stamp, with_file, write_key, History, EMAIL, NAME};
use crate::Fail;

/// What was replayed.
pub struct Replay {
    pub history: History,
    /// Commits on each branch.
    pub commits: usize,
    /// Merge commits among them.
    pub merges: usize,
    /// What was replayed, for the table: the source and its `HEAD`.
    pub source: String,
}

/// Replays the last `limit` commits of `source` under `work`, reusing an
/// earlier replay of the same source commit and length.
pub fn ensure(work: &Path, source: &Path, limit: usize) -> Result<(Replay, bool), Fail> {
    let src = Repository::open(source).map_err(|e| Fail(format!("--replay {}: {e}", source.display())))?;
    let head = src
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| Fail(format!("--replay {}: no HEAD commit: {e}", source.display())))?
        .id();
    let dir = work.join(format!("replay-v2-{head}-{limit}"));
    let history =
        History { allowed_signers: dir.join("allowed_signers"), key: dir.join("id_ed25519"), dir: dir.clone() };
    let ids = last_commits(&src, head, limit)?;
    let merges = ids.iter().filter(|id| src.find_commit(**id).is_ok_and(|c| c.parent_count() > 1)).count();
    let label = format!("{} at {}", source.display(), &head.to_string()[..12]);
    let replay = |history| Replay { history, commits: ids.len(), merges, source: label.clone() };
    if dir.join("complete").exists() {
        return Ok((replay(history), false));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Fail(format!("removing {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| Fail(format!("creating {}: {e}", dir.display())))?;
    build(&history, &src, &ids)?;
    std::fs::write(dir.join("complete"), "").map_err(|e| Fail(format!("marking {}: {e}", dir.display())))?;
    Ok((replay(history), true))
}

/// The last `limit` commits reachable from `head` (newest first by commit
/// time), ordered parents first (a depth-first walk over the parents
/// within the set, so no commit comes before one of its parents).
fn last_commits(src: &Repository, head: Oid, limit: usize) -> Result<Vec<Oid>, Fail> {
    let mut walk = src.revwalk().map_err(git_err("walking the source"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).map_err(git_err("walking the source"))?;
    walk.push(head).map_err(git_err("walking the source"))?;
    // Canonical ids: they go into hashed sets (see avow_verify::canonical).
    let newest = walk
        .take(limit)
        .map(|r| r.map(avow_verify::canonical))
        .collect::<Result<Vec<Oid>, _>>()
        .map_err(git_err("walking the source"))?;
    let wanted: std::collections::HashSet<Oid> = newest.iter().copied().collect();
    let mut done = std::collections::HashSet::new();
    let mut order = Vec::with_capacity(newest.len());
    for start in newest.iter().rev() {
        // (commit, whether its parents are already pushed)
        let mut stack = vec![(*start, false)];
        while let Some((id, expanded)) = stack.pop() {
            if done.contains(&id) {
                continue;
            }
            if expanded {
                done.insert(id);
                order.push(id);
                continue;
            }
            stack.push((id, true));
            let c = src.find_commit(id).map_err(git_err("reading a source commit"))?;
            for p in c.parent_ids().map(avow_verify::canonical).filter(|p| wanted.contains(p) && !done.contains(p)) {
                stack.push((p, false));
            }
        }
    }
    // Parents first, or the replay would drop parents (a self-check).
    let mut seen = std::collections::HashSet::new();
    for id in &order {
        let c = src.find_commit(*id).map_err(git_err("reading a source commit"))?;
        if let Some(p) = c.parent_ids().map(avow_verify::canonical).find(|p| wanted.contains(p) && !seen.contains(p)) {
            return Err(Fail(format!("replay order: {id} comes before its parent {p}")));
        }
        seen.insert(*id);
    }
    Ok(order)
}

fn build(h: &History, src: &Repository, ids: &[Oid]) -> Result<(), Fail> {
    let (_, public, signer) = write_key(h)?;
    let repo = Repository::init(&h.dir).map_err(git_err("git init"))?;
    // The source's objects, without copying them.
    let objects = src.commondir().join("objects");
    let alternates = h.dir.join(".git/objects/info/alternates");
    std::fs::write(&alternates, format!("{}\n", objects.display()))
        .map_err(|e| Fail(format!("writing {}: {e}", alternates.display())))?;
    let repo = Repository::open(repo.path()).map_err(git_err("reopening the replay"))?;
    let avow = avow_tree(&repo, &public)?;
    let with_avow = |tree: Oid| -> Result<Oid, Fail> {
        let tree = repo.find_tree(tree).map_err(git_err("reading a source tree"))?;
        let mut b = repo.treebuilder(Some(&tree)).map_err(git_err("building a tree"))?;
        b.insert(".avow", avow, FileMode::Tree.into()).map_err(git_err("building a tree"))?;
        b.write().map_err(git_err("writing a tree"))
    };
    let first = src.find_commit(ids[0]).map_err(git_err("reading a source commit"))?;
    let base_tree = if let Ok(p) = first.parent(0) {
        with_avow(p.tree_id())?
    } else {
        let mut b = repo.treebuilder(None).map_err(git_err("building a tree"))?;
        b.insert(".avow", avow, FileMode::Tree.into()).map_err(git_err("building a tree"))?;
        b.write().map_err(git_err("writing a tree"))?
    };
    let base = commit(&repo, &[], base_tree, 0, "Adopt avow\n")?;
    reference(&repo, "refs/tags/replay-base", base)?;
    let extra =
        repo.blob(b"an upstream change the replayed commits did not see\n").map_err(git_err("writing a blob"))?;
    let upstream = commit(&repo, &[base], with_file(&repo, base_tree, "UPSTREAM", extra)?, 1, "Upstream moves on\n")?;
    reference(&repo, "refs/tags/replay-upstream", upstream)?;
    for (branch, onto, extra) in [("replay", base, None), ("replay-rebased", upstream, Some(extra))] {
        let mut map: HashMap<Oid, (Oid, Oid)> = HashMap::new(); // source id -> (new id, new tree)
        let mut tip = onto;
        let onto_tree = repo.find_commit(onto).map_err(git_err("reading a commit"))?.tree_id();
        for (i, id) in ids.iter().enumerate() {
            let c = src.find_commit(*id).map_err(git_err("reading a source commit"))?;
            let mut tree = with_avow(c.tree_id())?;
            if let Some(blob) = extra {
                tree = with_file(&repo, tree, "UPSTREAM", blob)?;
            }
            let mut parents: Vec<(Oid, Oid)> =
                c.parent_ids().filter_map(|p| map.get(&avow_verify::canonical(p)).copied()).collect();
            if parents.is_empty() {
                parents.push((onto, onto_tree));
            }
            let subject: String = String::from_utf8_lossy(c.summary_bytes().unwrap_or(b"replayed"))
                .chars()
                .filter(|ch| !ch.is_control())
                .collect();
            let subject = if subject.trim().is_empty() { format!("Replayed commit {i}") } else { subject };
            let rationale = format!(
                "Replays commit {} ({} of {}) so that the benchmark attests a real project's change.",
                &id.to_string()[..12],
                i + 1,
                ids.len()
            );
            let message = sign_message(&repo, &signer, Some(parents[0].1), tree, i + 2, &subject, &rationale)?;
            let parent_ids: Vec<Oid> = parents.iter().map(|p| p.0).collect();
            tip = commit(&repo, &parent_ids, tree, i + 2, &message)?;
            map.insert(avow_verify::canonical(*id), (tip, tree));
        }
        reference(&repo, &format!("refs/heads/{branch}"), tip)?;
    }
    repo.set_head("refs/heads/replay").map_err(git_err("setting HEAD"))
}

fn commit(repo: &Repository, parents: &[Oid], tree: Oid, i: usize, message: &str) -> Result<Oid, Fail> {
    let when = Time::new(stamp(i), 0);
    let who = Signature::new(NAME, EMAIL, &when).map_err(git_err("making a signature"))?;
    let tree = repo.find_tree(tree).map_err(git_err("reading a tree"))?;
    let parents = parents
        .iter()
        .map(|p| repo.find_commit(*p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(git_err("reading a commit"))?;
    let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
    repo.commit(None, &who, &who, message, &tree, &parents).map_err(git_err("writing a commit"))
}
