//! Opening a repository by path the way git would see it from here: with
//! the object directories git names in the environment.
//!
//! Inside a `pre-receive` (or `update`) hook git keeps the pushed objects
//! in a quarantine directory until the hook accepts them, and tells the
//! hook where through `GIT_OBJECT_DIRECTORY` (the quarantine) and
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES` (the repository's own objects).
//! `Repository::open(path)` reads neither, so a second handle on the same
//! repository (one per verifying thread) would not find the commits under
//! test. What a pusher controls there is the objects' contents, not their
//! names: git computed every id in the quarantine from the bytes it
//! received, and the environment is git's, not the pusher's.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use avow_mwindow::odb::Handoff;
use git2::Repository;

/// Opens the repository at `git_dir` and adds the object directories of
/// `GIT_OBJECT_DIRECTORY` and `GIT_ALTERNATE_OBJECT_DIRECTORIES`, when set,
/// to its object database. A value of `AVOW_PACK_READER` it does not know
/// is an error ([`crate::Error::PackReader`]).
pub fn open(git_dir: &Path) -> Result<Repository, crate::Error> {
    let reader = pack_reader()?;
    open_with(git_dir, reader).map_err(|e| crate::Error::git(format!("opening {}", git_dir.display()), e))
}

fn open_with(git_dir: &Path, reader: Option<u64>) -> Result<Repository, git2::Error> {
    let repo = Repository::open(git_dir)?;
    writes_in_memory(&repo)?;
    if let Some(min_index_bytes) = reader {
        read_packs(&repo, min_index_bytes)?;
    }
    let dirs = environment_object_dirs();
    if !dirs.is_empty() {
        let odb = repo.odb()?;
        for dir in dirs {
            if dir.is_dir() {
                odb.add_disk_alternate(&dir.to_string_lossy())?;
            }
        }
    }
    Ok(repo)
}

/// Makes every object libgit2 writes through `repo` from now on stay in
/// memory, for the life of the handle. Verifying never keeps an object, yet
/// libgit2 writes some while it checks (a merge's merged files and trees),
/// and where it writes to disk it creates loose-object directories with the
/// process's umask, ignoring `core.sharedRepository`: in a repository
/// shared by group, a directory made by one user would lock the others out
/// of every object whose id starts with its name. Reading is unchanged.
/// Call it once per handle (each call adds a backend).
pub fn writes_in_memory(repo: &Repository) -> Result<(), git2::Error> {
    repo.odb()?.add_new_mempack_backend(1000).map(drop)
}

/// When the repository's pack indexes are at least this long together,
/// its packs are read by avow's own reader (`avow_pack`) rather than
/// libgit2's; `AVOW_PACK_READER=avow` reads every repository's packs so,
/// `AVOW_PACK_READER=libgit2` none.
///
/// libgit2 maps a pack's index whole, and a long verification touches
/// nearly every page of it, all counted in the process's resident set
/// (94 MB of a 118 MB index at a million commits). avow's reader keeps
/// its memory flat with `pread`, at the cost of a few system calls per
/// object, which only pays off for large indexes: 16 MiB is about 600,000
/// objects (docs/performance.md).
pub const OWN_READER_MIN_INDEX: u64 = 16 << 20;

/// The variable that picks the pack reader.
pub const PACK_READER: &str = "AVOW_PACK_READER";

/// Whose reader serves the objects of the repository's packs: avow's own,
/// when their indexes are at least this long together (see
/// [`OWN_READER_MIN_INDEX`]; asked before libgit2's backends, after the
/// in-memory one for writes: libgit2 still answers for every object the
/// reader does not hold or cannot read, from the same files; SHA-1
/// repositories only), or only libgit2's (`None`). `AVOW_PACK_READER`
/// unset or empty is the default; a value other than `avow` or `libgit2`
/// is an error, not the default: someone set it to measure or to work
/// around one of the readers, and would otherwise measure the wrong one.
pub fn pack_reader() -> Result<Option<u64>, crate::Error> {
    match std::env::var_os(PACK_READER) {
        None => Ok(Some(OWN_READER_MIN_INDEX)),
        Some(v) if v.is_empty() => Ok(Some(OWN_READER_MIN_INDEX)),
        Some(v) if v == "avow" => Ok(Some(0)),
        Some(v) if v == "libgit2" => Ok(None),
        Some(v) => Err(crate::Error::PackReader { value: v.to_string_lossy().into_owned() }),
    }
}

/// Serves the objects of the repository's packs through avow's own pack
/// reader when their indexes are at least `min_index_bytes` long together (see
/// [`pack_reader`]); nothing in a SHA-256 repository.
pub fn read_packs(repo: &Repository, min_index_bytes: u64) -> Result<(), git2::Error> {
    if repo.object_format() != git2::ObjectFormat::Sha1 {
        return Ok(());
    }
    let packs = avow_pack::Packs::open(&repo.commondir().join("objects").join("pack"), min_index_bytes);
    avow_mwindow::odb::add_pack_reader(&repo.odb()?, packs, 500)
}

/// The commits the range walk of `verify` read whole from the repository
/// at `git_dir`, for the verifying threads' handles on it to take instead
/// of reading them again ([`avow_mwindow::odb::Handoff`]): one per
/// repository path for the life of the process.
pub fn handoff(git_dir: &Path) -> Arc<Handoff> {
    static HANDOFFS: Mutex<Vec<(PathBuf, Arc<Handoff>)>> = Mutex::new(Vec::new());
    let mut all = HANDOFFS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, h)) = all.iter().find(|(p, _)| p == git_dir) {
        return Arc::clone(h);
    }
    let h = Arc::new(Handoff::default());
    all.push((git_dir.to_path_buf(), Arc::clone(&h)));
    h
}

/// The object directories git's environment names, in git's order.
fn environment_object_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("GIT_OBJECT_DIRECTORY").filter(|d| !d.is_empty()).map(PathBuf::from).into_iter().collect();
    if let Some(list) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        dirs.extend(split_alternates(list.as_encoded_bytes()).into_iter().map(path_of));
    }
    dirs
}

#[cfg(unix)]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt as _;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Splits `GIT_ALTERNATE_OBJECT_DIRECTORIES` as git does: entries separated
/// by `:` (`;` on Windows); an entry that starts with `"` is a C-quoted
/// string (git quotes paths that contain the separator or start with `"`;
/// octal escapes are bytes).
pub fn split_alternates(list: &[u8]) -> Vec<Vec<u8>> {
    let sep = if cfg!(windows) { b';' } else { b':' };
    let mut out = Vec::new();
    let mut bytes = list.iter().copied().peekable();
    while bytes.peek().is_some() {
        let mut entry = Vec::new();
        if bytes.peek() == Some(&b'"') {
            bytes.next();
            while let Some(b) = bytes.next() {
                match b {
                    b'"' => break,
                    b'\\' => match bytes.next() {
                        Some(b'n') => entry.push(b'\n'),
                        Some(b't') => entry.push(b'\t'),
                        Some(d @ b'0'..=b'7') => {
                            let mut value = u32::from(d - b'0');
                            for _ in 0..2 {
                                if let Some(v) = bytes.next_if(|c| (b'0'..=b'7').contains(c)) {
                                    value = value * 8 + u32::from(v - b'0');
                                }
                            }
                            entry.push(u8::try_from(value & 0xff).unwrap_or(0));
                        }
                        Some(other) => entry.push(other),
                        None => {}
                    },
                    b => entry.push(b),
                }
            }
            // Anything between the closing quote and the separator is
            // ignored.
            for b in bytes.by_ref() {
                if b == sep {
                    break;
                }
            }
        } else {
            for b in bytes.by_ref() {
                if b == sep {
                    break;
                }
                entry.push(b);
            }
        }
        if !entry.is_empty() {
            out.push(entry);
        }
    }
    out
}

// Unix separators (`;` on Windows).
#[cfg(all(test, not(windows)))]
mod tests {
    use super::split_alternates;

    fn split(s: &str) -> Vec<String> {
        split_alternates(s.as_bytes()).into_iter().map(|e| String::from_utf8(e).unwrap()).collect()
    }

    #[test]
    fn splits_like_git() {
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("/a/objects"), ["/a/objects"]);
        assert_eq!(split("/a:/b::/c"), ["/a", "/b", "/c"]);
        assert_eq!(split(r#""/x:y/obj\"s":/b"#), ["/x:y/obj\"s", "/b"]);
        assert_eq!(split(r#""/t\303\251\n""#), ["/t\u{e9}\n"]);
    }
}
