//! `git avow install` / `uninstall`: the hooks that attest each commit.

use std::path::{Path, PathBuf};

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};

/// The hooks avow installs.
pub const HOOKS: [&str; 4] = ["commit-msg", "prepare-commit-msg", "post-rewrite", "post-applypatch"];
/// The post-commit hook, only on request (`--hook post-commit`): what it
/// checked after a commit made without commit-msg, prepare-commit-msg now
/// checks before it, and on every other commit it only confirmed what
/// commit-msg had just signed, for a process each commit paid for
/// (docs/performance.md). Earlier installs wrote it; install removes it.
pub const POST_COMMIT: &str = "post-commit";
/// The optional hook `install --pre-push` adds.
pub const PRE_PUSH: &str = "pre-push";
/// The server hooks: `install --server` adds pre-receive; `--hook update`
/// for servers that run a hook per ref.
pub const SERVER: [&str; 2] = ["pre-receive", "update"];
/// First line after the shebang of every hook avow writes.
const MARKER: &str = "# avow-managed:";
/// An existing hook is kept under this suffix and run first.
pub const CHAINED: &str = ".avow-chained";

/// Install avow's commit-msg, prepare-commit-msg, post-rewrite and
/// post-applypatch hooks.
///
/// Respects `core.hooksPath`. An existing hook of the same name is kept
/// (as `NAME.avow-chained`) and runs first; `git avow uninstall` puts it
/// back. Running install twice changes nothing.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Also install a pre-push hook that verifies the commits about to be
    /// pushed against the keyring and policy on the remote's side.
    #[arg(long)]
    pub pre_push: bool,
    /// In a repository that receives pushes (usually bare): install only a
    /// pre-receive hook that refuses pushed commits that do not verify
    /// against the keyring and policy the repository already has
    /// (docs/server.md).
    #[arg(long, conflicts_with = "pre_push")]
    pub server: bool,
    /// Install only this hook (repeatable), e.g. `--hook pre-push` next to
    /// a hook manager that already runs avow's commit hooks, or `--hook
    /// update` on a server that runs a hook per ref.
    #[arg(long = "hook", value_name = "NAME", value_parser = ["commit-msg", "prepare-commit-msg", "post-commit", "post-rewrite", "post-applypatch", "pre-push", "pre-receive", "update"])]
    pub only: Vec<String>,
}

/// Remove avow's hooks (pre-push and server hooks too) and restore any hook they chained.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {}

/// Where git looks for hooks in this repository.
pub fn hooks_dir(repo: &git2::Repository) -> PathBuf {
    hooks_dir_of(repo, &Config::new(Some(repo)))
}

/// [`hooks_dir`] with the configuration already read.
pub fn hooks_dir_of(repo: &git2::Repository, cfg: &Config) -> PathBuf {
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

/// Where `core.hooksPath` comes from when it is set outside this
/// repository (`global` or `system` configuration), so that hooks
/// installed there reach every repository of the user or machine.
fn global_hooks_path(repo: &git2::Repository) -> Option<&'static str> {
    let cfg = Config::new(Some(repo));
    cfg.get("core.hooksPath")?;
    // `git -c core.hooksPath=…` is this command's own choice.
    if cfg.is_overridden("core.hooksPath") {
        return None;
    }
    let config = repo.config().ok()?;
    let mut level = None;
    let mut entries = config.entries(Some("core.hookspath")).ok()?;
    while let Some(Ok(entry)) = entries.next() {
        level = Some(entry.level());
    }
    match level? {
        git2::ConfigLevel::Global | git2::ConfigLevel::XDG => Some("global"),
        git2::ConfigLevel::System | git2::ConfigLevel::ProgramData => Some("system"),
        _ => None,
    }
}

/// The argument after the binary on the `#!` line of a hook git runs
/// directly ([`direct_script`]); `git-avow` then runs that hook.
pub const DIRECT: &str = "hook-direct";

/// The hook file avow writes for `hook`: one git runs as `git-avow`
/// itself when the binary's path can stand on a `#!` line, else a shell
/// script.
fn script(hook: &str, exe: &Path) -> String {
    direct_script(hook, exe).unwrap_or_else(|| shell_script(hook, exe))
}

/// A commit hook git runs directly: its `#!` line names the binary, so
/// the kernel starts `git-avow hook-direct HOOKFILE ARGS…` — one process
/// per hook and no shell, which is most of what a hook costs a commit.
/// `git-avow` runs a chained hook itself ([`run_direct`]). `None` when the
/// path cannot stand on a `#!` line (a blank or control character ends
/// it; older Linux kernels read only 127 bytes of it) and for pre-push
/// (it runs once per push, not per commit; its shell script keeps a copy
/// of the standard input both the chained hook and avow read).
/// post-rewrite runs at every `commit --amend` and rebase: [`run_direct`]
/// keeps the copy of its standard input (git's `OLD NEW` lines) itself. Always
/// `None` on Windows: Git for Windows reads a `#!` line itself, keeps only
/// the interpreter's file name, drops its argument (`hook-direct`) and
/// looks the name up on PATH (compat/mingw.c, `parse_interpreter`).
fn direct_script(hook: &str, exe: &Path) -> Option<String> {
    let path = exe.to_str()?;
    let fits = exe.is_absolute() && path.len() + DIRECT.len() + 3 <= 127;
    if cfg!(windows)
        || !matches!(hook, "commit-msg" | "prepare-commit-msg" | "post-commit" | "post-rewrite" | "post-applypatch")
        || !fits
        || path.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return None;
    }
    Some(format!(
        "#!{path} {DIRECT}\n{MARKER} installed by `git avow install`; `git avow uninstall` removes it and restores any chained hook.\n\
         # git runs {path} with this file's path; it runs {hook}{CHAINED} first when that is executable.\n"
    ))
}

/// The binary a hook avow wrote runs: the `#!` line's of a direct hook, the
/// `avow='…'` line's of a shell script.
pub fn baked_binary(text: &str) -> Option<PathBuf> {
    if let Some(path) =
        text.lines().next().and_then(|l| l.strip_prefix("#!")).and_then(|l| l.strip_suffix(&format!(" {DIRECT}")))
    {
        return Some(PathBuf::from(path));
    }
    let baked = text.lines().find_map(|l| l.strip_prefix("avow='")).and_then(|l| l.strip_suffix('\''))?;
    Some(PathBuf::from(baked.replace("'\\''", "'")))
}

/// `git-avow hook-direct HOOKFILE ARGS…`, as the kernel starts a direct
/// hook: runs `HOOKFILE.avow-chained` first when it is executable (as the
/// shell script did: its failure is the hook's), then avow's hook named by
/// HOOKFILE's name.
pub fn run_direct(mut args: impl Iterator<Item = std::ffi::OsString>) -> Result<Outcome> {
    let Some(file) = args.next().map(PathBuf::from) else {
        return Err(CliError::new(format!("`git-avow {DIRECT}` needs the hook file"))
            .hint("git runs it from a hook `git avow install` wrote; reinstall with `git avow install`"));
    };
    let rest: Vec<std::ffi::OsString> = args.collect();
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let mut given = rest.iter().map(PathBuf::from);
    let hook = match name {
        "commit-msg" => given.next().map(|file| crate::cmd::hook::HookCommand::CommitMsg { file }),
        "prepare-commit-msg" => given.next().map(|file| crate::cmd::hook::HookCommand::PrepareCommitMsg {
            file,
            source: given.next().map(|s| s.to_string_lossy().into_owned()),
            sha: given.next().map(|s| s.to_string_lossy().into_owned()),
        }),
        "post-commit" => Some(crate::cmd::hook::HookCommand::PostCommit),
        "post-rewrite" => Some(crate::cmd::hook::HookCommand::PostRewrite {
            command: given.next().map(|s| s.to_string_lossy().into_owned()),
        }),
        "post-applypatch" => Some(crate::cmd::hook::HookCommand::PostApplypatch),
        _ => None,
    };
    let Some(hook) = hook else {
        return Err(CliError::new(format!(
            "{} is not a hook avow runs directly, or git gave it no message file",
            file.display()
        ))
        .hint("reinstall avow's hooks with `git avow install`"));
    };
    let chained = file.with_file_name(format!("{name}{CHAINED}"));
    // post-rewrite's standard input (git's `OLD NEW` lines) is for both
    // the chained hook and avow: read once, given to each.
    let mut input = None;
    if is_executable(&chained) {
        let cant_run = |e: std::io::Error| {
            CliError::new(format!("cannot run {}: {e}", chained.display()))
                .hint("fix the hook (a `#!` line and an executable bit), or remove it")
        };
        let status = if name == "post-rewrite" {
            let mut lines = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut lines);
            let mut child = std::process::Command::new(&chained)
                .args(&rest)
                .stdin(std::process::Stdio::piped())
                .spawn()
                .map_err(cant_run)?;
            // A hook that does not read its input may exit first: the
            // write then fails, and is no failure of the hook.
            if let Some(mut pipe) = child.stdin.take() {
                let _ = std::io::Write::write_all(&mut pipe, &lines);
            }
            input = Some(lines);
            child.wait().map_err(cant_run)?
        } else {
            std::process::Command::new(&chained).args(&rest).status().map_err(cant_run)?
        };
        if !status.success() {
            // As the shell script's `|| exit $?` did: 128 + the signal.
            #[cfg(unix)]
            let code = {
                use std::os::unix::process::ExitStatusExt as _;
                status.code().or_else(|| status.signal().map(|s| 128 + s))
            };
            #[cfg(not(unix))]
            let code = status.code();
            std::process::exit(code.unwrap_or(1));
        }
    }
    match (hook, input) {
        (crate::cmd::hook::HookCommand::PostRewrite { command }, Some(lines)) => {
            crate::cmd::hook::post_rewrite_of(command, &String::from_utf8_lossy(&lines))
        }
        (hook, _) => crate::cmd::hook::run(hook),
    }
}

/// What `[ -x PATH ]` tests: something there that may be executed.
#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Windows has no executable bit: a file is what `[ -x PATH ]` accepts.
#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// The shell script avow writes for `hook` when git cannot run the binary
/// directly.
fn shell_script(hook: &str, exe: &Path) -> String {
    let args = if matches!(hook, "post-commit" | "post-applypatch") || hook == SERVER[0] { "" } else { " \"$@\"" };
    // pre-push and pre-receive read the refs on stdin: both the chained
    // hook and avow need them, so keep an exact copy (the `.` keeps
    // trailing newlines from being stripped by the command substitution).
    let (save, feed) = if hook == PRE_PUSH || hook == SERVER[0] {
        ("refs=$(cat; echo .)\nrefs=${refs%.}\n", "printf '%s' \"$refs\" | ")
    } else {
        ("", "")
    };
    format!(
        "#!/bin/sh\n{MARKER} installed by `git avow install`; `git avow uninstall` removes it and restores any chained hook.\n\
         case $0 in */*) hook_dir=${{0%/*}} ;; *) hook_dir=. ;; esac\n\
         {save}\
         if [ -x \"$hook_dir/{hook}{CHAINED}\" ]; then\n\
         \x20   {feed}\"$hook_dir/{hook}{CHAINED}\" \"$@\" || exit $?\n\
         fi\n\
         avow='{exe}'\n\
         [ -x \"$avow\" ] || avow=git-avow\n\
         {feed}exec \"$avow\" hook {hook}{args}\n",
        exe = exe.display().to_string().replace('\'', "'\\''"),
    )
}

/// Whether `path` is a hook avow wrote.
pub fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.lines().nth(1).is_some_and(|l| l.starts_with(MARKER)))
}

/// Whether anything (a file, or a symbolic link even if dangling) is at `path`.
fn occupied(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

fn io_err(path: &Path, e: &std::io::Error) -> CliError {
    CliError::new(format!("{}: {e}", path.display())).hint("check the permissions of the hooks directory")
}

/// Windows has no executable bit: Git for Windows runs any hook file.
#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps, reason = "the Unix version can fail")]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|e| io_err(path, &e))
}

pub fn install(args: &InstallArgs) -> Result<Outcome> {
    let repo = open_repo()?;
    let dir = hooks_dir(&repo);
    std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, &e))?;
    let exe = std::env::current_exe().map_err(|e| {
        CliError::new(format!("cannot find the git-avow binary: {e}"))
            .hint("run `git avow install` from an installed git-avow (`cargo install --path .`)")
    })?;
    let all = || HOOKS.iter().chain(&[POST_COMMIT, PRE_PUSH]).chain(&SERVER).copied();
    let mut hooks: Vec<&str> = if !args.only.is_empty() {
        all().filter(|h| args.only.iter().any(|o| o == h)).collect()
    } else if args.server {
        vec![SERVER[0]]
    } else {
        HOOKS.to_vec()
    };
    if args.server && !hooks.contains(&SERVER[0]) && !hooks.contains(&SERVER[1]) {
        hooks.push(SERVER[0]);
    }
    if args.pre_push && !hooks.contains(&PRE_PUSH) {
        hooks.push(PRE_PUSH);
    }
    // Check every hook before changing any, so a refusal leaves nothing
    // half-installed.
    for hook in &hooks {
        let path = dir.join(hook);
        let chained = dir.join(format!("{hook}{CHAINED}"));
        if occupied(&path) && !is_ours(&path) && occupied(&chained) {
            return Err(CliError::new(format!(
                "{} exists and so does {}; refusing to overwrite either",
                path.display(),
                chained.display()
            ))
            .hint("merge them by hand (or remove the stale one), then run `git avow install` again"));
        }
    }
    for hook in &hooks {
        let path = dir.join(hook);
        let chained = dir.join(format!("{hook}{CHAINED}"));
        if occupied(&path) && !is_ours(&path) {
            std::fs::rename(&path, &chained).map_err(|e| io_err(&path, &e))?;
            crate::output::outln!("avow: kept your {hook} hook; it now runs first, from {}", chained.display())?;
        }
        std::fs::write(&path, script(hook, &exe)).map_err(|e| io_err(&path, &e))?;
        make_executable(&path)?;
    }
    crate::output::outln!("avow: installed {} in {}", hooks.join(", "), dir.display())?;
    // An earlier install's post-commit hook costs every commit a process
    // for nothing prepare-commit-msg does not now do (POST_COMMIT).
    let post_commit = dir.join(POST_COMMIT);
    if args.only.is_empty() && !args.server && is_ours(&post_commit) {
        std::fs::remove_file(&post_commit).map_err(|e| io_err(&post_commit, &e))?;
        let chained = dir.join(format!("{POST_COMMIT}{CHAINED}"));
        let restored = occupied(&chained);
        if restored {
            std::fs::rename(&chained, &post_commit).map_err(|e| io_err(&chained, &e))?;
        }
        crate::output::outln!(
            "avow: removed the post-commit hook an earlier install wrote (prepare-commit-msg now does its checks){}",
            if restored { "; your own post-commit hook is back in its place" } else { "" }
        )?;
    }
    if hooks.iter().any(|h| SERVER.contains(h)) {
        if let Some(warning) = crate::cmd::receive::default_branch_warning(&repo) {
            crate::output::errln!("avow: warning: {warning}");
        }
    }
    if let Some(scope) = global_hooks_path(&repo) {
        crate::output::outln!(
            "avow: note: core.hooksPath is set in your {scope} git configuration, so these hooks run in every repository that uses it (they do nothing where there is no .avow/); for this repository only: `git config core.hooksPath .git/hooks && git avow install`"
        )?;
    }
    if repo.workdir().is_some_and(|w| dir.starts_with(w)) && !dir.starts_with(repo.commondir()) {
        crate::output::outln!(
            "avow: note: these hooks are inside the work tree and name this machine's git-avow; do not commit them (to share hooks, commit ones that run `git avow hook …`, see docs/integrations.md)"
        )?;
    }
    Ok(Outcome::Ok)
}

pub fn uninstall(_args: &UninstallArgs) -> Result<Outcome> {
    let repo = open_repo()?;
    let dir = hooks_dir(&repo);
    let mut removed = 0;
    for hook in HOOKS.iter().chain(&[POST_COMMIT, PRE_PUSH]).chain(&SERVER) {
        let path = dir.join(hook);
        let chained = dir.join(format!("{hook}{CHAINED}"));
        if is_ours(&path) {
            std::fs::remove_file(&path).map_err(|e| io_err(&path, &e))?;
            removed += 1;
        }
        // Also when avow's hook was deleted by hand: never strand the
        // user's own hook under a name git does not run.
        if occupied(&chained) && !occupied(&path) {
            std::fs::rename(&chained, &path).map_err(|e| io_err(&chained, &e))?;
            crate::output::outln!("avow: restored your {hook} hook")?;
        }
    }
    crate::output::outln!(
        "avow: removed {removed} hook{} from {}",
        if removed == 1 { "" } else { "s" },
        dir.display()
    )?;
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_hooks_name_the_binary_on_their_first_line() {
        let s = script("commit-msg", Path::new("/opt/avow/bin/git-avow"));
        assert_eq!(
            s,
            "#!/opt/avow/bin/git-avow hook-direct\n\
             # avow-managed: installed by `git avow install`; `git avow uninstall` removes it and restores any chained hook.\n\
             # git runs /opt/avow/bin/git-avow with this file's path; it runs commit-msg.avow-chained first when that is executable.\n"
        );
        assert_eq!(baked_binary(&s).unwrap(), Path::new("/opt/avow/bin/git-avow"));
        // Paths a `#!` line cannot carry, and pre-push, get the shell script.
        for exe in [
            "/opt/it's here/git-avow",
            "relative/git-avow",
            "/tab\there/git-avow",
            &format!("/{}/git-avow", "x".repeat(120)),
        ] {
            assert!(script("commit-msg", Path::new(exe)).starts_with("#!/bin/sh\n"), "{exe}");
        }
        assert!(script(PRE_PUSH, Path::new("/bin/git-avow")).starts_with("#!/bin/sh\n"));
        // Every hook `install` writes by default is direct.
        for hook in HOOKS {
            assert!(script(hook, Path::new("/bin/git-avow")).starts_with("#!/bin/git-avow hook-direct\n"), "{hook}");
        }
    }

    #[test]
    fn scripts_quote_the_binary_path_and_pass_arguments() {
        let s = script("commit-msg", Path::new("/opt/it's here/git-avow"));
        assert_eq!(baked_binary(&s).unwrap(), Path::new("/opt/it's here/git-avow"));
        assert_eq!(
            s,
            "#!/bin/sh\n\
             # avow-managed: installed by `git avow install`; `git avow uninstall` removes it and restores any chained hook.\n\
             case $0 in */*) hook_dir=${0%/*} ;; *) hook_dir=. ;; esac\n\
             if [ -x \"$hook_dir/commit-msg.avow-chained\" ]; then\n\
             \x20   \"$hook_dir/commit-msg.avow-chained\" \"$@\" || exit $?\n\
             fi\n\
             avow='/opt/it'\\''s here/git-avow'\n\
             [ -x \"$avow\" ] || avow=git-avow\n\
             exec \"$avow\" hook commit-msg \"$@\"\n"
        );
        let s = script(PRE_PUSH, Path::new("/bin/git-avow"));
        assert!(s.contains("refs=$(cat; echo .)\nrefs=${refs%.}\n"), "{s}");
        assert!(s.ends_with("printf '%s' \"$refs\" | exec \"$avow\" hook pre-push \"$@\"\n"), "{s}");
    }
}
