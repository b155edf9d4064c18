//! `git avow install` / `uninstall`: the hooks that attest each commit.

use std::path::{Path, PathBuf};

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};

/// The hooks avow installs.
pub const HOOKS: [&str; 3] = ["commit-msg", "prepare-commit-msg", "post-commit"];
/// First line after the shebang of every hook avow writes.
const MARKER: &str = "# avow-managed:";
/// An existing hook is kept under this suffix and run first.
const CHAINED: &str = ".avow-chained";

/// Install avow's commit-msg, prepare-commit-msg and post-commit hooks.
///
/// Respects `core.hooksPath`. An existing hook of the same name is kept
/// (as `NAME.avow-chained`) and runs first; `git avow uninstall` puts it
/// back. Running install twice changes nothing.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {}

/// Remove avow's hooks and restore any hook they chained.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {}

/// Where git looks for hooks in this repository.
pub fn hooks_dir(repo: &git2::Repository) -> PathBuf {
    let cfg = Config::new(Some(repo));
    if let Some(p) = cfg.get("core.hooksPath").filter(|p| !p.is_empty()) {
        let p = crate::git::expand_home(&p);
        if p.is_absolute() {
            return p;
        }
        // Relative hooksPath is relative to the work tree (to the git dir
        // in a bare repository), as git resolves it.
        let base = repo.workdir().unwrap_or_else(|| repo.path());
        return base.join(p);
    }
    repo.commondir().join("hooks")
}

fn script(hook: &str, exe: &Path) -> String {
    let args = if hook == "post-commit" { "" } else { " \"$@\"" };
    // A message given with -m/-F, a merge, squash or amend gets no
    // guidance (`hook prepare-commit-msg` would exit at once): skip
    // starting avow at all, since each process costs every commit time.
    let skip = if hook == "prepare-commit-msg" { "case \"$2\" in ''|template) ;; *) exit 0 ;; esac\n" } else { "" };
    format!(
        "#!/bin/sh\n{MARKER} installed by `git avow install`; `git avow uninstall` removes it and restores any chained hook.\n\
         case $0 in */*) hook_dir=${{0%/*}} ;; *) hook_dir=. ;; esac\n\
         if [ -x \"$hook_dir/{hook}{CHAINED}\" ]; then\n\
         \x20   \"$hook_dir/{hook}{CHAINED}\" \"$@\" || exit $?\n\
         fi\n\
         {skip}\
         avow='{exe}'\n\
         [ -x \"$avow\" ] || avow=git-avow\n\
         exec \"$avow\" hook {hook}{args}\n",
        exe = exe.display().to_string().replace('\'', "'\\''"),
    )
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.lines().nth(1).is_some_and(|l| l.starts_with(MARKER)))
}

fn io_err(path: &Path, e: &std::io::Error) -> CliError {
    CliError::new(format!("{}: {e}", path.display())).hint("check the permissions of the hooks directory")
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|e| io_err(path, &e))
}

pub fn install(_args: &InstallArgs) -> Result<Outcome> {
    let repo = open_repo()?;
    let dir = hooks_dir(&repo);
    std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, &e))?;
    let exe = std::env::current_exe().map_err(|e| CliError::new(format!("cannot find the git-avow binary: {e}")))?;
    for hook in HOOKS {
        let path = dir.join(hook);
        let chained = dir.join(format!("{hook}{CHAINED}"));
        if path.exists() && !is_ours(&path) {
            if chained.exists() {
                return Err(CliError::new(format!(
                    "{} exists and so does {}; refusing to overwrite either",
                    path.display(),
                    chained.display()
                ))
                .hint("merge them by hand, then run `git avow install` again"));
            }
            std::fs::rename(&path, &chained).map_err(|e| io_err(&path, &e))?;
            println!("avow: kept your {hook} hook; it now runs first, from {}", chained.display());
        }
        std::fs::write(&path, script(hook, &exe)).map_err(|e| io_err(&path, &e))?;
        make_executable(&path)?;
    }
    println!("avow: installed {} in {}", HOOKS.join(", "), dir.display());
    Ok(Outcome::Ok)
}

pub fn uninstall(_args: &UninstallArgs) -> Result<Outcome> {
    let repo = open_repo()?;
    let dir = hooks_dir(&repo);
    let mut removed = 0;
    for hook in HOOKS {
        let path = dir.join(hook);
        let chained = dir.join(format!("{hook}{CHAINED}"));
        if is_ours(&path) {
            std::fs::remove_file(&path).map_err(|e| io_err(&path, &e))?;
            removed += 1;
            if chained.exists() {
                std::fs::rename(&chained, &path).map_err(|e| io_err(&chained, &e))?;
                println!("avow: restored your {hook} hook");
            }
        }
    }
    println!("avow: removed {removed} hook{} from {}", if removed == 1 { "" } else { "s" }, dir.display());
    Ok(Outcome::Ok)
}
