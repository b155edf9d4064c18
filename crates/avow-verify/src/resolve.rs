//! From revision names to commits: a range `A..B` resolved and walked
//! ([`resolve_range`]), and the commits the policy's adoption point exempts
//! ([`adoption_exempt`]).

use std::collections::HashSet;

use git2::{Oid, Repository};

use crate::Error;

/// The set of commits that the policy's adoption point exempts, among
/// those reachable from `since` and not from `base`.
pub fn adoption_exempt(repo: &Repository, since: &str, base: Option<Oid>) -> Result<HashSet<Oid>, Error> {
    let start = crate::trust::resolve_commit(repo, since)?;
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.push(start.id()).map_err(|e| Error::git(format!("walking from {since}"), e))?;
    if let Some(b) = base {
        walk.hide(b).map_err(|e| Error::git("hiding the base".into(), e))?;
    }
    walk.map(|r| r.map(crate::canonical).map_err(|e| Error::walk(repo, e))).collect()
}

/// A resolved range: the commits to check (oldest first) and its base.
#[derive(Debug, Clone)]
pub struct Range {
    /// The base revision as written (`A` in `A..B`).
    pub base_rev: Option<String>,
    /// The base commit.
    pub base: Option<Oid>,
    /// The commits, parents before children, 20 bytes each
    /// ([`crate::walk`]).
    pub commits: crate::walk::Ids,
}

/// A range's ends resolved, its commits not yet walked: what
/// [`crate::range::walk_and_verify`] starts from, walking and verifying at
/// once.
#[derive(Debug, Clone)]
pub struct Ends {
    /// The base revision as written (`A` in `A..B`).
    pub base_rev: Option<String>,
    /// The base commit.
    pub base: Option<Oid>,
    /// The tip commit.
    pub tip: Oid,
}

impl Ends {
    /// The range's commits, walked ([`crate::walk::range_commits`]).
    pub fn walk(self, repo: &Repository) -> Result<Range, Error> {
        self.walk_by(repo, crate::walk::range_commits)
    }

    /// The range's commits by libgit2's walk, when [`crate::walk::linear`]
    /// has given up on them already.
    pub(crate) fn walk_libgit2(self, repo: &Repository) -> Result<Range, Error> {
        self.walk_by(repo, crate::walk::libgit2_walk)
    }

    fn walk_by(
        self,
        repo: &Repository,
        walk: fn(&Repository, Oid, Option<Oid>) -> Result<crate::walk::Ids, Error>,
    ) -> Result<Range, Error> {
        // On a thread of the pool that verifies the commits, with its own
        // handle: when the walk is libgit2's (ranges with merges), its memory
        // (tens of MB for 100,000 commits), freed but kept by that thread's
        // allocator, then holds reports instead of adding to the peak.
        let path = repo.path().to_owned();
        let commits = rayon::scope(|_| {
            let repo = crate::repo::open(&path)?;
            walk(&repo, self.tip, self.base)
        })?;
        Ok(self.with(commits))
    }

    /// The range of these ends with `commits`.
    pub(crate) fn with(self, commits: crate::walk::Ids) -> Range {
        Range { base_rev: self.base_rev, base: self.base, commits }
    }
}

/// Resolves `A..B` (commits reachable from B and not from A) or a single
/// revision (it and all its ancestors).
pub fn resolve_range(repo: &Repository, spec: &str) -> Result<Range, Error> {
    resolve_ends(repo, spec)?.walk(repo)
}

/// Resolves the ends of `A..B` or of a single revision, as
/// [`resolve_range`] does, without walking the commits between them.
pub fn resolve_ends(repo: &Repository, spec: &str) -> Result<Ends, Error> {
    if spec.contains("...") {
        return Err(Error::BadRange { spec: spec.to_owned() });
    }
    let (base_rev, tip_rev) = match spec.split_once("..") {
        Some((a, b)) => (Some(if a.is_empty() { "HEAD" } else { a }), if b.is_empty() { "HEAD" } else { b }),
        None => (None, spec),
    };
    let tip = crate::trust::resolve_commit(repo, tip_rev)?;
    let base = base_rev.map(|a| crate::trust::resolve_commit(repo, a)).transpose()?;
    // The walk reads every commit of the range once; libgit2 would keep
    // each one in its object cache for the rest of the run (about 60 MB
    // for 100,000 commits). Nothing reads them from the cache again.
    git2::opts::enable_caching(false);
    // Nor are the objects re-hashed as they are read (see
    // `range::verify_range`): the walk reads every commit of the range.
    git2::opts::strict_hash_verification(false);
    Ok(Ends { base_rev: base_rev.map(str::to_owned), base: base.map(|b| b.id()), tip: tip.id() })
}
