//! `git avow verify --cache`: where the verification cache lives and how
//! its problems reach the user (the cache itself is
//! `avow_verify::cache`).

use std::ffi::OsString;
use std::path::PathBuf;

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
    /// every other check runs each time. Write `--cache=DIR`.
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
