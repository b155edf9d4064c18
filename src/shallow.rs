//! Shallow clones (CI checkouts) lack the history a range needs. Verifying
//! a cut history would be wrong — a commit whose parents are cut off looks
//! like a root commit, its change digest changes and its attestation fails — so
//! say so plainly, with the depth to fetch when it can be known.

use std::collections::{HashMap, HashSet};

use avow_verify::resolve::Range;
use git2::{Oid, Repository};

use crate::error::{CliError, Result};
use crate::output::short;

/// The commits git recorded as the shallow boundary (their parents are
/// missing), from `shallow` in the common git directory.
fn boundary(repo: &Repository) -> HashSet<Oid> {
    let text = std::fs::read_to_string(repo.commondir().join("shallow")).unwrap_or_default();
    text.lines().filter_map(|l| avow_verify::parse_whole_oid(l.trim())).collect()
}

/// The parents a commit object names, whatever the shallow file says.
fn recorded_parents(repo: &Repository, id: Oid) -> Option<Vec<Oid>> {
    let odb = repo.odb().ok()?;
    let object = odb.read(id).ok()?;
    let text = std::str::from_utf8(object.data()).ok()?;
    let header = text.split("\n\n").next()?;
    Some(header.lines().filter_map(|l| l.strip_prefix("parent ")).filter_map(avow_verify::parse_whole_oid).collect())
}

/// Distance from the range's tip (1) to every commit of the range, along
/// the shortest path, as `git fetch --depth` counts.
fn depths(repo: &Repository, range: &Range) -> HashMap<Oid, usize> {
    let in_range: HashSet<Oid> = range.commits.iter().collect();
    let mut depth = HashMap::new();
    // Commits are oldest first, so walking backwards visits children first.
    for (i, id) in range.commits.iter().rev().enumerate() {
        let d = if i == 0 { 1 } else { depth.get(&id).copied().unwrap_or(usize::MAX) };
        depth.insert(id, d);
        let Ok(c) = repo.find_commit(id) else { continue };
        for p in c.parent_ids().map(avow_verify::canonical).filter(|p| in_range.contains(p)) {
            let e = depth.entry(p).or_insert(usize::MAX);
            *e = (*e).min(d.saturating_add(1));
        }
    }
    depth
}

/// Whether `parent` is already here as the base or in its history, so that
/// deepening the boundary by one commit connects the range to its base.
fn joins_base(repo: &Repository, parent: Oid, base: Option<Oid>) -> bool {
    let Some(base) = base else { return false };
    repo.odb().is_ok_and(|odb| odb.exists(parent))
        && (parent == base || repo.graph_descendant_of(base, parent).unwrap_or(false))
}

/// Fails when `range` reaches past the shallow boundary of the repository.
pub fn check(repo: &Repository, spec: &str, range: &Range) -> Result<()> {
    if !repo.is_shallow() {
        return Ok(());
    }
    let cut = boundary(repo);
    let reached: Vec<Oid> = range.commits.iter().filter(|c| cut.contains(c)).collect();
    if reached.is_empty() {
        return Ok(());
    }
    let depth = depths(repo, range);
    let (deepest, d) = reached
        .iter()
        .map(|c| (*c, depth.get(c).copied().unwrap_or(1)))
        .max_by_key(|(_, d)| *d)
        .unwrap_or((reached[0], 1));
    let tip = spec.split_once("..").map_or(spec, |(_, t)| t);
    let tip = if tip.is_empty() { "HEAD" } else { tip };
    let exact = reached.iter().all(|c| {
        recorded_parents(repo, *c)
            .is_some_and(|ps| !ps.is_empty() && ps.iter().all(|p| joins_base(repo, *p, range.base)))
    });
    let fetch = if exact {
        format!("fetch with `git fetch --deepen=1` (depth {} from {tip})", d + 1)
    } else {
        "fetch with `git fetch --unshallow`".to_owned()
    };
    Err(CliError::new(format!(
        "this repository is a shallow clone and `{spec}` reaches past its boundary at {} (depth {d} from {tip}); {fetch} / `fetch-depth: 0`",
        short(deepest),
    ))
    .hint(format!(
        "the clone has {d} commit{} of history from {tip} and the range needs at least {}; in GitHub Actions set `fetch-depth: 0` on actions/checkout, in GitLab CI `GIT_DEPTH: 0`",
        if d == 1 { "" } else { "s" },
        d + 1
    )))
}

/// An unknown revision in a shallow clone is most often a base that was
/// not fetched: name the fetch that brings it. `REMOTE/BRANCH` is fetched
/// into that remote-tracking ref by name (a single-branch clone's refspec
/// would not store it); any other name, a tag or a branch, comes with the
/// remote's tags and whole history.
pub fn explain_unknown(repo: &Repository, err: avow_verify::Error) -> CliError {
    let rev = match &err {
        avow_verify::Error::UnknownRevision { rev } => rev.clone(),
        _ => return err.into(),
    };
    let err = CliError::from(err);
    if !repo.is_shallow() {
        return err;
    }
    let remotes: Vec<String> =
        repo.remotes().map(|r| r.iter().flatten().flatten().map(str::to_owned).collect()).unwrap_or_default();
    let name = rev.strip_prefix("refs/remotes/").unwrap_or(&rev);
    let name = name.split(['~', '^', '@', ':']).next().unwrap_or(name);
    let quote = avow_verify::shell_word;
    let fetch = match name.split_once('/') {
        Some((remote, branch)) if remotes.iter().any(|r| r == remote) && !branch.is_empty() => format!(
            "git fetch --unshallow {} {}",
            quote(remote),
            quote(&format!("refs/heads/{branch}:refs/remotes/{remote}/{branch}"))
        ),
        _ => {
            let remote = remotes.iter().find(|r| *r == "origin").or(remotes.first()).map_or("origin", String::as_str);
            // A branch name fetched this way is the remote's `REMOTE/NAME`.
            return err.hint(format!(
                "this is a shallow clone: fetch the base first, `git fetch --unshallow --tags {}` (a branch is then named as the remote has it, e.g. `{remote}/main`; GitHub Actions: `fetch-depth: 0`)",
                quote(remote)
            ));
        }
    };
    err.hint(format!("this is a shallow clone: fetch the base first, `{fetch}` (GitHub Actions: `fetch-depth: 0`)"))
}
