//! `git avow verify --cache`: where the verification cache lives and how
//! its problems reach the user (the cache itself is
//! `avow_verify::cache`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use avow_verify::cache::Cache;
use avow_verify::trust::Trusted;
use git2::Repository;

use crate::error::{CliError, Result};

/// The environment variable that turns the cache on (its value: the
/// directory).
pub const ENV: &str = "AVOW_CACHE_DIR";

/// The cache options of `verify`.
#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    /// Reuse the signature checks of earlier runs, kept in DIR (default
    /// `$GIT_DIR/avow/cache`; or set `AVOW_CACHE_DIR`). Only commits whose
    /// signature verified with a key of the trusted keyring are kept;
    /// every other check runs each time. DIR must be outside the work tree
    /// (the commits under test could fill it). Write `--cache=DIR`.
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub cache: Option<OsString>,
    /// Do not use the verification cache, even when `AVOW_CACHE_DIR` is set.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache directory asked for, if any.
    fn dir(&self, repo: &Repository) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        let given = self.cache.clone().or_else(|| std::env::var_os(ENV))?;
        Some(if given.is_empty() { repo.commondir().join("avow/cache") } else { PathBuf::from(given) })
    }

    /// Opens the cache when one is asked for; prints a warning when its
    /// file was damaged.
    pub fn open(&self, repo: &Repository, trusted: &Trusted) -> Result<Option<Cache>> {
        let Some(dir) = self.dir(repo) else { return Ok(None) };
        refuse_work_tree(repo, &dir)?;
        // In the git directory (the default), as git makes its directories
        // there: a shared repository's other users can add their runs.
        if dir.starts_with(repo.commondir()) {
            crate::shared::create_dir_all(repo, &dir).map_err(|e| {
                CliError::new(format!("cannot create {}: {e}", dir.display()))
                    .hint(format!("point --cache=DIR (or {ENV}) at a writable directory, or pass --no-cache"))
            })?;
        }
        let (cache, warning) = Cache::open(&dir, repo, trusted.commit).map_err(|e| {
            CliError::new(e.to_string())
                .hint(format!("point --cache=DIR (or {ENV}) at a writable directory, or pass --no-cache"))
        })?;
        if let Some(w) = warning {
            crate::output::errln!("avow: warning: {w}");
        }
        Ok(Some(cache))
    }

    /// Saves what the run learnt; a failure only warns, since the verdicts
    /// stand without the cache.
    pub fn save(cache: Option<&Cache>) {
        if let Some(Err(e)) = cache.map(Cache::save) {
            crate::output::errln!("avow: warning: {e}; the next run checks these commits again");
        }
    }
}

/// `path` made absolute, through the symbolic links of its longest
/// existing ancestor (the rest, not created yet, is appended as given).
fn resolved(path: &Path) -> PathBuf {
    let abs = std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path));
    let mut missing = Vec::new();
    let mut at = abs.as_path();
    loop {
        if let Ok(real) = at.canonicalize() {
            return missing.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name);
                at = parent;
            }
            _ => return abs,
        }
    }
}

/// The cache vouches for signatures, so its files must not come from the
/// commits under test: a directory in the work tree (outside the git
/// directory) holds whatever the checked-out commit put there.
fn refuse_work_tree(repo: &Repository, dir: &Path) -> Result<()> {
    let Some(work_tree) = repo.workdir() else { return Ok(()) };
    let dir = resolved(dir);
    if dir.starts_with(resolved(work_tree)) && !dir.starts_with(resolved(repo.commondir())) {
        return Err(CliError::new(format!(
            "the verification cache directory {} is inside the work tree, where the commits under test can put files of their own",
            dir.display()
        ))
        .hint("keep the cache outside the checkout (e.g. --cache=\"$RUNNER_TEMP/avow-cache\"), or use the default in the git directory (--cache)"));
    }
    Ok(())
}
