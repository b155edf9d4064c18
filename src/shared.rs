//! `core.sharedRepository` for what avow itself creates in the git
//! directory (`.git/avow/` and the cache under it). git gives every
//! directory and file it makes there the modes the setting asks for,
//! whatever the user's umask (git's `adjust_shared_perm`); a directory
//! created with a umask of 022 in a repository shared by group would let
//! no one but its creator add a file to it. Objects and refs avow has git
//! write (`crate::git::write_objects_with_git`, `resign::move_head`).

use std::path::Path;

use git2::Repository;

/// The setting as git reads it (`git_config_perm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perm {
    /// Unset, `umask`, false or 0: the umask decides.
    Umask,
    /// `group` (true, 1) adds 0660, `all` (`world`, `everybody`, 2) 0664.
    Add(u32),
    /// An octal mode (`0640`): the permission bits are exactly these.
    Exactly(u32),
}

fn parse(value: Option<&str>) -> Perm {
    const GROUP: Perm = Perm::Add(0o660);
    const EVERYBODY: Perm = Perm::Add(0o664);
    let Some(value) = value else { return Perm::Umask };
    match value.to_ascii_lowercase().as_str() {
        "" | "group" | "true" | "yes" | "on" => GROUP,
        "umask" | "false" | "no" | "off" => Perm::Umask,
        "all" | "world" | "everybody" => EVERYBODY,
        other => match u32::from_str_radix(other, 8) {
            Ok(0) => Perm::Umask,
            Ok(1) => GROUP,
            Ok(2) => EVERYBODY,
            // git refuses a mode its owner cannot read and write; so does avow, by ignoring it.
            Ok(mode) if mode & 0o600 == 0o600 => Perm::Exactly(mode & 0o666),
            _ => Perm::Umask,
        },
    }
}

/// The mode git gives a directory of mode `mode` (`calc_shared_perm`,
/// then what `adjust_shared_perm` adds for directories).
#[cfg_attr(not(unix), allow(dead_code, reason = "Windows has no modes; the unit tests still check it"))]
fn directory_mode(perm: Perm, mode: u32) -> u32 {
    let (mut tweak, exact) = match perm {
        Perm::Umask => return mode,
        Perm::Add(t) => (t, false),
        Perm::Exactly(t) => (t, true),
    };
    if mode & 0o200 == 0 {
        tweak &= !0o222;
    }
    if mode & 0o100 != 0 {
        tweak |= (tweak & 0o444) >> 2;
    }
    let mut new = if exact { (mode & !0o777) | tweak } else { mode | tweak };
    new |= (new & 0o444) >> 2;
    new | 0o2000
}

/// Creates `dir` and its missing parents as git would in `repo`: each
/// directory avow creates gets the modes `core.sharedRepository` asks for.
pub fn create_dir_all(repo: &Repository, dir: &Path) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut at = dir;
    while !at.as_os_str().is_empty() && !at.exists() {
        missing.push(at);
        at = at.parent().unwrap_or(Path::new(""));
    }
    if missing.is_empty() {
        return Ok(());
    }
    let perm = parse(crate::git::Config::new(Some(repo)).get("core.sharedRepository").as_deref());
    for d in missing.into_iter().rev() {
        match std::fs::create_dir(d) {
            Ok(()) => adjust(perm, d)?,
            // Made meanwhile by someone else (another user's hook).
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn adjust(perm: Perm, dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(dir)?.permissions().mode() & 0o7777;
    let new = directory_mode(perm, mode);
    if new != mode {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(new))?;
    }
    Ok(())
}

/// Windows has no modes: the directory inherits its parent's access list.
#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps, reason = "the Unix version can fail")]
fn adjust(_perm: Perm, _dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Replaces a record file whole, creating `.git/avow/` if needed (with
/// the modes a shared repository's other users need to write there too).
pub(crate) fn write_record(repo: &Repository, path: &std::path::Path, text: &str) -> crate::error::Result<()> {
    if let Some(dir) = path.parent() {
        create_dir_all(repo, dir).map_err(|e| {
            crate::error::CliError::new(format!("cannot create {}: {e}", dir.display()))
                .hint("check that you may write to the repository's git directory")
        })?;
    }
    // Not synced to disk: a record lost in a crash only means being asked.
    crate::atomic::write_message_bytes(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_git_reads_them() {
        for (value, perm) in [
            (None, Perm::Umask),
            (Some("umask"), Perm::Umask),
            (Some("false"), Perm::Umask),
            (Some("0"), Perm::Umask),
            (Some("group"), Perm::Add(0o660)),
            (Some("true"), Perm::Add(0o660)),
            (Some("1"), Perm::Add(0o660)),
            (Some("all"), Perm::Add(0o664)),
            (Some("world"), Perm::Add(0o664)),
            (Some("2"), Perm::Add(0o664)),
            (Some("0640"), Perm::Exactly(0o640)),
            (Some("0775"), Perm::Exactly(0o664)),
            (Some("0440"), Perm::Umask),
            (Some("nonsense"), Perm::Umask),
        ] {
            assert_eq!(parse(value), perm, "{value:?}");
        }
    }

    /// The modes `git init --shared=…` gives its directories under a
    /// umask of 022 (0755 before adjusting), as `ls -ld .git/refs` shows.
    #[test]
    fn directories_get_gits_modes() {
        assert_eq!(directory_mode(Perm::Umask, 0o755), 0o755);
        assert_eq!(directory_mode(Perm::Add(0o660), 0o755), 0o2775);
        assert_eq!(directory_mode(Perm::Add(0o664), 0o755), 0o2775);
        assert_eq!(directory_mode(Perm::Add(0o664), 0o700), 0o2775);
        assert_eq!(directory_mode(Perm::Exactly(0o640), 0o755), 0o2750);
        assert_eq!(directory_mode(Perm::Exactly(0o660), 0o700), 0o2770);
    }
}
