//! The repository and git configuration as the user's git sees them.

use std::path::{Path, PathBuf};

use git2::Repository;

use crate::error::{CliError, Result};

/// Opens the repository the way git does: `$GIT_DIR` if set (as it is
/// inside hooks), otherwise discovered from the current directory.
pub fn open_repo() -> Result<Repository> {
    let repo = Repository::open_from_env().map_err(|_| {
        if let Some(err) = unsupported_object_format() {
            return err;
        }
        let cwd = std::env::current_dir().map_or_else(|_| "the current directory".into(), |p| p.display().to_string());
        CliError::new(format!("not a git repository: {cwd}"))
            .hint("run this inside a git repository (or create one with `git init`)")
    })?;
    work_tree_from_env(&repo)?;
    Ok(repo)
}

/// `GIT_WORK_TREE` (what `git --work-tree=DIR` passes to `git avow` and to
/// hooks) as git reads it: over `core.bare`, as with a bare repository of
/// dotfiles (`git --git-dir=~/.dotfiles --work-tree=~`), and relative to
/// the current directory. libgit2 ignores it in a bare repository, and
/// reads a relative one from the git directory.
fn work_tree_from_env(repo: &Repository) -> Result<()> {
    let Some(value) = std::env::var_os("GIT_WORK_TREE").filter(|v| !v.is_empty()) else { return Ok(()) };
    let given = PathBuf::from(&value);
    let dir = match std::env::current_dir() {
        Ok(cwd) if given.is_relative() => cwd.join(given),
        _ => given,
    };
    let dir = dir.canonicalize().map_err(|e| {
        CliError::new(format!("GIT_WORK_TREE ({}): {e}", dir.display()))
            .hint("name an existing directory with `git --work-tree=DIR`, or unset GIT_WORK_TREE")
    })?;
    if repo.workdir().and_then(|w| w.canonicalize().ok()).as_deref() != Some(dir.as_path()) {
        repo.set_workdir(&dir, false).map_err(|e| {
            CliError::new(format!("cannot use {} as the work tree: {}", dir.display(), e.message()))
                .hint("name the work tree with `git --work-tree=DIR`, or unset GIT_WORK_TREE")
        })?;
    }
    Ok(())
}

/// The error for a repository libgit2 could not open because it uses an
/// object format it does not know (it reads SHA-1 and SHA-256 ones).
fn unsupported_object_format() -> Option<CliError> {
    let git_dir = match std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => Repository::discover_path(std::env::current_dir().ok()?, std::iter::empty::<&Path>()).ok()?,
    };
    // A linked worktree's config lives in the common directory.
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map_or_else(|| git_dir.clone(), |c| git_dir.join(c.trim()));
    let config = git2::Config::open(&common.join("config")).ok()?;
    let format = config.get_string("extensions.objectFormat").ok()?;
    if format.eq_ignore_ascii_case("sha1") || format.eq_ignore_ascii_case("sha256") {
        return None;
    }
    let shown = git_dir.to_string_lossy();
    let shown = shown.strip_suffix('/').unwrap_or(&shown);
    Some(
        CliError::new(format!(
            "{shown} uses the {} object format (extensions.objectFormat = {format}), which avow does not support",
            format.to_ascii_uppercase().replace("SHA", "SHA-")
        ))
        .hint("avow works in SHA-1 and SHA-256 repositories; see docs/odd-repositories.md"),
    )
}

/// The work tree, or an error for a bare repository.
pub fn workdir(repo: &Repository) -> Result<PathBuf> {
    repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
        CliError::new(format!("{} is a bare repository", repo.path().display()))
            .hint("run this command in a clone with a work tree")
    })
}

/// Git configuration: the repository's (local, global, system, as libgit2
/// reads them) overlaid with what `git -c key=value` and
/// `GIT_CONFIG_COUNT` pass down to hooks and subcommands.
pub struct Config {
    snapshot: Option<git2::Config>,
    overrides: Vec<(String, String)>,
    /// Where a hint's `git config` is to be run, when that is not where
    /// the person reading it is (a server hook's repository).
    run_in: Option<&'static str>,
}

impl Config {
    pub fn new(repo: Option<&Repository>) -> Self {
        let snapshot = match repo {
            Some(r) => r.config().and_then(|mut c| c.snapshot()).ok(),
            None => git2::Config::open_default().and_then(|mut c| c.snapshot()).ok(),
        };
        Config { snapshot, overrides: Self::overrides(), run_in: None }
    }

    /// The configuration a server hook (pre-receive, update) decides from:
    /// the repository's own file, the system's (as git reads them:
    /// `GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_SYSTEM`) and what the command that
    /// started git passed down (`git -c`, `GIT_CONFIG_COUNT`: whoever
    /// starts `git receive-pack` also chose its hooks) — never the pushing
    /// user's global or XDG file: on a server where people push under
    /// their own accounts, their home directory is theirs to write, and
    /// `avow.enabled = false` or an `avow.receive.*` there must not weaken
    /// what the repository's owner set.
    pub fn for_server(repo: &Repository) -> Self {
        let read = || -> std::result::Result<git2::Config, git2::Error> {
            let mut cfg = git2::Config::new()?;
            let no_system = std::env::var("GIT_CONFIG_NOSYSTEM")
                .is_ok_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "" | "0" | "false" | "no" | "off"));
            if !no_system {
                let system = std::env::var_os("GIT_CONFIG_SYSTEM")
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| git2::Config::find_system().ok());
                if let Some(path) = system.filter(|p| p.is_file()) {
                    cfg.add_file(&path, git2::ConfigLevel::System, false)?;
                }
            }
            let local = repo.commondir().join("config");
            if local.is_file() {
                cfg.add_file(&local, git2::ConfigLevel::Local, false)?;
            }
            cfg.snapshot()
        };
        Config { snapshot: read().ok(), overrides: Self::overrides(), run_in: Some("in the receiving repository") }
    }

    /// What `git -c key=value` and `GIT_CONFIG_COUNT` pass down.
    fn overrides() -> Vec<(String, String)> {
        // Read lossily: a value that is not UTF-8 must still override (and
        // then fail to name anything) rather than vanish, with every other
        // `-c` beside it, and leave a setting from a file in force.
        let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        let mut overrides = var("GIT_CONFIG_PARAMETERS").map(|s| parse_config_parameters(&s)).unwrap_or_default();
        if let Some(n) = var("GIT_CONFIG_COUNT").and_then(|n| n.parse::<usize>().ok()) {
            for i in 0..n.min(1000) {
                if let (Some(k), Some(v)) = (var(&format!("GIT_CONFIG_KEY_{i}")), var(&format!("GIT_CONFIG_VALUE_{i}")))
                {
                    overrides.push((k.to_ascii_lowercase(), v));
                }
            }
        }
        overrides
    }

    /// The last value of `key` (`section.name`, case-insensitive). A value
    /// that is not UTF-8 comes back with U+FFFD in place of the bad bytes:
    /// set but unreadable is never taken for unset (a signing key path
    /// would otherwise fall through to the next key found).
    pub fn get(&self, key: &str) -> Option<String> {
        let lower = key.to_ascii_lowercase();
        if let Some((_, v)) = self.overrides.iter().rev().find(|(k, _)| *k == lower) {
            return Some(v.clone());
        }
        let config = self.snapshot.as_ref()?;
        match config.get_string(key) {
            Ok(v) => Some(v),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(_) => config.get_bytes(key).ok().map(|b| String::from_utf8_lossy(b).into_owned()),
        }
    }

    /// Whether `key` is set on git's command line (`git -c`, which hooks
    /// and subcommands inherit).
    pub fn is_overridden(&self, key: &str) -> bool {
        let lower = key.to_ascii_lowercase();
        self.overrides.iter().any(|(k, _)| *k == lower)
    }

    /// A boolean the way git reads it: [`git_bool`] for `git -c` (where a
    /// key alone reads `true`), libgit2's reading of the files, which also
    /// takes a key without `=` for true. `None` when unset. A value git
    /// would not read as a boolean is an error naming it and where it is
    /// set, with the command that sets it right ([`Config::bad_value`]), as
    /// git dies on a bad boolean: taking the default instead would quietly
    /// do what the setting was made to stop (`avow.enabled`,
    /// `avow.prompt`, `avow.batch`).
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>> {
        match (self.read_bool(key), self.get(key)) {
            (Some(b), _) => Ok(Some(b)),
            (None, None) => Ok(None),
            (None, Some(v)) => Err(self.bad_value(key, &v, "a boolean", "true or false", strict_value(key))),
        }
    }

    fn read_bool(&self, key: &str) -> Option<bool> {
        let lower = key.to_ascii_lowercase();
        if let Some((_, v)) = self.overrides.iter().rev().find(|(k, _)| *k == lower) {
            return git_bool(v);
        }
        self.snapshot.as_ref()?.get_bool(key).ok()
    }

    /// The error for `key`'s value `value`, which is not `what` (`a
    /// boolean`): it names where the value is set, and the hint the command
    /// that sets it to `example` there (one of `allowed`).
    pub fn bad_value(&self, key: &str, value: &str, what: &str, allowed: &str, example: &str) -> CliError {
        let (from, fix) = self.origin(key, example);
        let run_in = self.run_in.map(|w| format!(" {w}")).unwrap_or_default();
        CliError::new(format!("{key} is {value:?} {from}, which is not {what}"))
            .hint(format!("set it to {allowed}: {fix}{run_in}"))
    }

    /// Where the value of `key` in force comes from, and how to set it to
    /// `value` there (a command in backticks, or where to edit).
    fn origin(&self, key: &str, value: &str) -> (String, String) {
        let lower = key.to_ascii_lowercase();
        if self.is_overridden(key) {
            // GIT_CONFIG_COUNT's pairs are read after git -c's, so they win.
            let count = std::env::var("GIT_CONFIG_COUNT").ok().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
            let from_env = (0..count.min(1000)).rev().find(|i| {
                std::env::var_os(format!("GIT_CONFIG_KEY_{i}"))
                    .is_some_and(|k| k.to_string_lossy().eq_ignore_ascii_case(&lower))
            });
            return match from_env {
                Some(i) => (
                    format!("in the environment (GIT_CONFIG_VALUE_{i})"),
                    format!("`export GIT_CONFIG_VALUE_{i}={value}`"),
                ),
                None => (
                    "given with `git -c`".to_owned(),
                    format!("`git -c {key}={value} …` (… being the rest of the command you ran)"),
                ),
            };
        }
        let entry = self.snapshot.as_ref().and_then(|c| c.get_entry(key).ok());
        let scope = entry.as_ref().filter(|e| e.include_depth() == 0).and_then(|e| match e.level() {
            git2::ConfigLevel::Local => Some(("in the repository's configuration", "")),
            git2::ConfigLevel::Worktree => Some(("in the worktree's configuration", " --worktree")),
            // `git config --global` writes ~/.gitconfig, read after the
            // XDG file: a value set there overrides the XDG file's too.
            git2::ConfigLevel::Global | git2::ConfigLevel::XDG => Some(("in your global configuration", " --global")),
            git2::ConfigLevel::System => Some(("in the system configuration", " --system")),
            _ => None,
        });
        match scope {
            Some((from, flag)) => (from.to_owned(), format!("`git config{flag} {key} {value}`")),
            None => (
                "in an included configuration file".to_owned(),
                format!("in the file `git config --show-origin --get-all {key}` names"),
            ),
        }
    }

    /// The person committing: `user.name` and `user.email`; when
    /// `user.email` is not configured, the identity given to git in the
    /// environment instead (`GIT_COMMITTER_EMAIL`, `GIT_AUTHOR_EMAIL`, then
    /// `EMAIL`, with the name variable of the same kind), as a script or CI
    /// job that sets only those commits with it (docs/keyring.md, "Names").
    pub fn user(&self) -> Result<(String, String)> {
        let configured = self.get("user.name").filter(|n| !n.trim().is_empty());
        if let Some(email) = self.get("user.email").filter(|e| !e.trim().is_empty()) {
            return Ok((configured.unwrap_or_default(), email));
        }
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        for (name_var, email_var) in
            [("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"), ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"), ("", "EMAIL")]
        {
            if let Some(email) = env(email_var) {
                let name = configured.or_else(|| env(name_var)).unwrap_or_default();
                return Ok((name, email));
            }
        }
        Err(CliError::new("user.email is not set").hint("set it with `git config user.email you@example.org`"))
    }
}

/// The value a hint suggests for a boolean setting whose value git would
/// not read: the one that keeps avow strict (hooks on, each signature
/// verified alone, another person's statement never taken over), which
/// the person can still change knowingly.
fn strict_value(key: &str) -> &'static str {
    match key.to_ascii_lowercase().as_str() {
        "avow.batch" | "avow.takeover" => "false",
        _ => "true",
    }
}

/// A boolean as git's `git_config_bool` reads a value: the words (any
/// case; an empty value is false), or an integer, true when not zero
/// (`commit.verbose=2` is verbose to git), with git's `k`/`m`/`g` units.
/// `None` for what git would refuse.
pub fn git_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "" | "false" | "no" | "off" => Some(false),
        v => {
            // strtoimax with base 0: a sign, then hex (`0x`), octal (`0`)
            // or decimal digits.
            let v = v.strip_suffix(['k', 'm', 'g']).unwrap_or(v);
            let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
            let (digits, radix) = match unsigned.strip_prefix("0x") {
                Some(hex) => (hex, 16),
                None if unsigned.len() > 1 && unsigned.starts_with('0') => (&unsigned[1..], 8),
                None => (unsigned, 10),
            };
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            Some(digits.chars().any(|c| c != '0'))
        }
    }
}

/// Parses `GIT_CONFIG_PARAMETERS`: single-quoted words, `'key'='value'` or
/// the older `'key=value'`, separated by spaces.
pub fn parse_config_parameters(s: &str) -> Vec<(String, String)> {
    fn word(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
        let mut out = String::new();
        let mut any = false;
        loop {
            match chars.peek() {
                Some('\'') => {
                    chars.next();
                    any = true;
                    loop {
                        match chars.next() {
                            Some('\'') | None => break,
                            Some(c) => out.push(c),
                        }
                    }
                }
                Some('\\') => {
                    chars.next();
                    if let Some(c) = chars.next() {
                        out.push(c);
                        any = true;
                    }
                }
                _ => break,
            }
        }
        any.then_some(out)
    }
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(key) = word(&mut chars) else { break };
        if chars.peek() == Some(&'=') {
            chars.next();
            let value = word(&mut chars).unwrap_or_default();
            out.push((key.to_ascii_lowercase(), value));
        } else if let Some((k, v)) = key.split_once('=') {
            out.push((k.to_ascii_lowercase(), v.to_owned()));
        } else {
            out.push((key.to_ascii_lowercase(), "true".into()));
        }
    }
    out
}

/// Expands a leading `~/` the way git does for path settings.
pub fn expand_home(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = dirs::home_dir() {
            return home.join(rest);
        }
    }
    PathBuf::from(p)
}

/// Runs `write` with a second handle on `repo` whose object writes are held
/// in memory, then has git store them (`git unpack-objects`). Objects that
/// must last (re-signed commits, notes) go through git because libgit2
/// creates loose-object directories with this process's umask, ignoring
/// `core.sharedRepository`: in a repository shared by group, a directory
/// made by one user would lock the others out of every object whose id
/// starts with its name. git gives what it writes the shared modes.
///
/// Only objects go this way: `write` must not point a reference at what it
/// wrote (that is for the caller, once this returns).
pub fn write_objects_with_git<T>(repo: &Repository, write: impl FnOnce(&Repository) -> Result<T>) -> Result<T> {
    let staging = Repository::open(repo.path())?;
    let odb = staging.odb()?;
    let mempack = odb.add_new_mempack_backend(1000)?;
    let out = write(&staging)?;
    let mut pack = git2::Buf::new();
    mempack.dump(&staging, &mut pack)?;
    // A pack's header: "PACK", its version, then how many objects it holds.
    if pack.get(8..12).is_none_or(|n| n == [0, 0, 0, 0]) {
        return Ok(out);
    }
    let failed = |why: String| {
        CliError::new(format!("git could not store the objects avow wrote in {}: {why}", repo.path().display()))
            .hint("check that you may write to the repository's objects directory (`git fsck` shows what is wrong), then run the command again")
    };
    git_with_input(repo, &["unpack-objects", "-q"], &pack).map_err(failed)?;
    Ok(out)
}

/// The tree of the index git is about to commit — the file
/// `GIT_INDEX_FILE` names (git sets it for its hooks: a temporary index
/// for `commit -a`, `-p`, `-i`, `--only`), else the repository's — in
/// `repo`'s object database, its trees written to memory
/// (`avow_verify::repo::writes_in_memory`): git writes the real ones with
/// a shared repository's modes. An index libgit2 cannot read — a sparse
/// index (`index.sparse`, which `git sparse-checkout --sparse-index` and
/// scalar set), whose directory entries it does not know — is written by
/// git itself (`git write-tree`, on a copy, so that no lock git holds on
/// the index is in the way).
pub fn staged_tree(repo: &Repository) -> Result<git2::Oid> {
    let path = std::env::var_os("GIT_INDEX_FILE").map_or_else(|| repo.path().join("index"), PathBuf::from);
    let index = if path.exists() { git2::Index::open_ext(&path, repo.object_format()) } else { repo.index() };
    let Ok(mut index) = index else { return tree_by_git(repo, &path) };
    avow_verify::repo::writes_in_memory(repo)?;
    Ok(index.write_tree_to(repo)?)
}

/// `git write-tree` of a copy of the index at `path`.
fn tree_by_git(repo: &Repository, path: &Path) -> Result<git2::Oid> {
    let failed = |why: String| {
        CliError::new(format!("cannot read the index {}: {why}", path.display()))
            .hint("check it with `git status`; if git reads it, please report this to avow")
    };
    let copy = repo.path().join(format!("avow-index-{}", std::process::id()));
    std::fs::copy(path, &copy).map_err(|e| failed(e.to_string()))?;
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo.path())
        .arg("write-tree")
        .env("GIT_INDEX_FILE", &copy)
        .stdin(std::process::Stdio::null())
        .output();
    let _ = std::fs::remove_file(&copy);
    let out = out.map_err(|e| failed(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(failed(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let tree =
        git2::Oid::from_str_ext(&id, repo.object_format()).map_err(|e| failed(format!("git printed {id:?}: {e}")))?;
    // libgit2 reads the index again for the diff (attributes) and would
    // fail the same way: give this handle an empty one in memory, so that
    // attributes come from the work tree's files (avow's change digest
    // reads none; git's sparse checkout keeps the root's in the work tree).
    repo.set_index(&mut git2::Index::new()?)?;
    Ok(tree)
}

/// Runs `git ARGS` on `repo` with `input` on its standard input; its
/// standard output, or why it failed (git's own words).
pub fn git_with_input(repo: &Repository, args: &[&str], input: &[u8]) -> Result<String, String> {
    use std::io::Write as _;
    let mut child = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo.path())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let written = child.stdin.take().expect("piped").write_all(input);
    let done = child.wait_with_output().map_err(|e| e.to_string())?;
    if !done.status.success() {
        return Err(String::from_utf8_lossy(&done.stderr).trim().to_owned());
    }
    written.map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&done.stdout).trim().to_owned())
}

/// The public key a commit's `Avow-Signature:` carries (not yet trusted).
pub(crate) fn signing_key(repo: &git2::Repository, id: git2::Oid) -> Option<avow_sign::ssh_key::PublicKey> {
    let commit = repo.find_commit(id).ok()?;
    let text = avow_verify::commit::message_text(&commit)?;
    let trailers = avow_core::trailer::parse(&text, &avow_core::trailer::ParseOptions::default());
    let value = &trailers.iter().find(|t| t.is(avow_core::attestation::SIGNATURE))?.value;
    let st = avow_core::payload::SignatureTrailer::parse(value).ok()?;
    Some(avow_sign::Signature::from_base64(&st.signature).ok()?.public_key())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parameters() {
        assert_eq!(
            parse_config_parameters("'user.name'='Alice O'\\''Brien' 'avow.signingKey=~/k' 'core.bare'"),
            vec![
                ("user.name".into(), "Alice O'Brien".into()),
                ("avow.signingkey".into(), "~/k".into()),
                ("core.bare".into(), "true".into()),
            ]
        );
        assert!(parse_config_parameters("").is_empty());
        assert!(parse_config_parameters("garbage 'unterminated").len() <= 1);
    }

    /// Every value git's own `git config --type=bool` reads, read alike;
    /// what git refuses is `None`.
    #[test]
    fn booleans_as_git_reads_them() {
        let repo = avow_testutil::TestRepo::new();
        for v in [
            "", "true", "YES", "On", "false", "no", "OFF", "0", "1", "2", "-1", "+3", "10k", "0m", "maybe", "1.5",
            "0x1", "0x0", "010", "00", "08", "0x", "-", "1 ", "k",
        ] {
            let out = repo.git_output(["-c", &format!("x.y={v}"), "config", "--type=bool", "x.y"]);
            let git = out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim() == "true");
            assert_eq!(git_bool(v), git, "{v:?}");
            // The same value in a config file, through libgit2 (where
            // white space around a value is not part of it).
            if v.trim() != v {
                continue;
            }
            let config = repo.scratch().join(format!("config-{}", v.len()));
            std::fs::write(&config, format!("[x]\n\ty = {v}\n")).unwrap();
            let file = git2::Config::open(&config).and_then(|mut c| c.snapshot()).unwrap();
            assert_eq!(
                Config { snapshot: Some(file), overrides: Vec::new(), run_in: None }.get_bool("x.y").ok().flatten(),
                git,
                "file: {v:?}"
            );
        }
        // A key alone, on git's command line and in a file, is true.
        let key_alone = parse_config_parameters("'x.y'");
        assert_eq!(
            Config { snapshot: None, overrides: key_alone, run_in: None }.get_bool("x.y").ok().flatten(),
            Some(true)
        );
        let config = repo.scratch().join("config-alone");
        std::fs::write(&config, "[x]\n\ty\n").unwrap();
        let file = git2::Config::open(&config).and_then(|mut c| c.snapshot()).unwrap();
        assert_eq!(
            Config { snapshot: Some(file), overrides: Vec::new(), run_in: None }.get_bool("x.y").ok().flatten(),
            Some(true)
        );
    }

    /// What git itself puts in `GIT_CONFIG_PARAMETERS` for `git -c K=V …`
    /// (an alias prints it), read back: the same pairs in the same order.
    fn git_passes_down(pairs: &[(String, String)]) -> String {
        let repo = avow_testutil::TestRepo::new();
        let mut git = repo.command("git");
        git.arg("-c").arg("alias.avowenv=!printf %s \"$GIT_CONFIG_PARAMETERS\"");
        for (k, v) in pairs {
            git.arg("-c").arg(format!("{k}={v}"));
        }
        let out = git.arg("avowenv").output().expect("run git");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8 in, UTF-8 out")
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 48, ..Default::default() })]
        #[test]
        fn config_parameters_read_as_git_writes_them(
            pairs in proptest::collection::vec(
                ("[a-zA-Z][a-zA-Z0-9-]{0,6}\\.[a-zA-Z][a-zA-Z0-9-]{0,6}", "[^\\x00]{0,12}|['\\\\= \n\"a]{0,12}"),
                0..4,
            )
        ) {
            let env = git_passes_down(&pairs);
            let got = parse_config_parameters(&env);
            proptest::prop_assert_eq!(got.len(), pairs.len() + 1, "{:?}", env);
            for ((k, v), (gk, gv)) in pairs.iter().zip(&got[1..]) {
                proptest::prop_assert_eq!(&k.to_ascii_lowercase(), gk, "{:?}", env);
                proptest::prop_assert_eq!(v, gv, "{:?}", env);
            }
        }

        #[test]
        fn config_parameters_never_panic(s in "\\PC{0,40}|['\\\\= a.]{0,40}") {
            let _ = parse_config_parameters(&s);
        }
    }
}
