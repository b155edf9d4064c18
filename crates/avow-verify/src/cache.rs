//! A cache of the expensive part of verification — the change digest and the
//! signature check — so that re-verifying a range (each push to a pull
//! request, each CI run on `main`) costs little more than reading commits.
//!
//! What is cached is one fact per commit: "the attestation of commit C
//! carries a signature that verifies over the payload rebuilt from C, with
//! C's own change digest, made by the key with fingerprint F of the trusted
//! keyring". A commit id names its content exactly, so that fact cannot go
//! stale; everything else (the key's dates, `Understood-by`, the policy,
//! `.avow/` changes, range rules) is checked again on every run, so a hit is
//! exactly as strict as a miss. Entries are made only when the signature
//! verified with a key of the trusted keyring; failures are never cached.
//!
//! Entries live in one file per trust state: its name is a hash of the
//! avow version and the trusted keyring's and policy's bytes, so changing
//! either (or trusting a revision where they differ) starts afresh. Each
//! line carries a checksum; a file with a bad line is ignored (with a
//! warning for the caller to print) and rewritten. The cache is as trusted
//! as the verifier itself: whoever can write to it can make a forged commit
//! pass, so keep it where only trusted jobs write it (docs/performance.md).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::{Oid, Repository};
use sha2::{Digest as _, Sha256};

use crate::trust::{KEYRING_PATH, POLICY_PATH};

/// Version 2: entries vouch for v2 attestations (the change digest), and
/// the file name is the full SHA-256 of the trust state.
const HEADER: &str = "avow-verify-cache v2";

/// Why the cache cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The directory cannot be created or read.
    #[error("cannot use the verification cache directory {}: {source}", dir.display())]
    Dir {
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The cache file cannot be written.
    #[error("cannot write the verification cache {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The trusted revision's keyring or policy cannot be read.
    #[error("cannot read {path} at the trusted revision for the cache key: {source}")]
    Trust {
        /// The file.
        path: &'static str,
        /// What libgit2 said.
        #[source]
        source: git2::Error,
    },
}

/// A loaded cache for one trust state.
#[derive(Debug)]
pub struct Cache {
    path: PathBuf,
    key: String,
    fingerprints: Vec<String>,
    known: HashMap<Oid, usize>,
    added: Mutex<Vec<(Oid, String)>>,
    rewrite: bool,
    rsa: RsaRecords,
}

/// The hash naming a trust state: avow's version and the exact bytes of
/// the keyring and policy at the trusted commit (by their blob ids, which
/// are hashes of those bytes).
fn trust_key(repo: &Repository, trusted_commit: Oid) -> Result<String, CacheError> {
    let mut h = Sha256::new();
    h.update(HEADER.as_bytes());
    h.update(b"\n");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(b"\n");
    let tree = repo
        .find_commit(trusted_commit)
        .and_then(|c| c.tree())
        .map_err(|source| CacheError::Trust { path: KEYRING_PATH, source })?;
    for path in [KEYRING_PATH, POLICY_PATH] {
        let entry = tree.get_path(Path::new(path)).map_err(|source| CacheError::Trust { path, source })?;
        let blob = repo.find_blob(entry.id()).map_err(|source| CacheError::Trust { path, source })?;
        h.update(path.as_bytes());
        h.update(b"\0");
        h.update(blob.content().len().to_string().as_bytes());
        h.update(b"\0");
        h.update(blob.content());
    }
    Ok(hex(&h.finalize()))
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The checksum of one entry (it catches a damaged file, not a forger).
fn check(key: &str, id: &str, fingerprint: &str) -> String {
    let mut h = Sha256::new();
    for part in [key, id, fingerprint] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize()[..8])
}

impl Cache {
    /// Opens (creating `dir` when needed) the cache for the trust state of
    /// `trusted_commit`. A damaged cache file is not an error: the cache
    /// starts empty and the second value says why, for a warning.
    pub fn open(dir: &Path, repo: &Repository, trusted_commit: Oid) -> Result<(Cache, Option<String>), CacheError> {
        std::fs::create_dir_all(dir).map_err(|source| CacheError::Dir { dir: dir.to_path_buf(), source })?;
        let key = trust_key(repo, trusted_commit)?;
        let path = dir.join(format!("{key}.v2"));
        let mut cache = Cache {
            path,
            key,
            fingerprints: Vec::new(),
            known: HashMap::new(),
            added: Mutex::new(Vec::new()),
            rewrite: false,
            rsa: RsaRecords::new(dir),
        };
        let text = match std::fs::read(&cache.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((cache, None)),
            Err(source) => return Err(CacheError::Dir { dir: dir.to_path_buf(), source }),
        };
        match cache.load(&text) {
            Ok(()) => Ok((cache, None)),
            Err(line) => {
                cache.known.clear();
                cache.fingerprints.clear();
                cache.rewrite = true;
                let warning = format!(
                    "ignoring the damaged verification cache {} (line {line}); it is rebuilt from this run",
                    cache.path.display()
                );
                Ok((cache, Some(warning)))
            }
        }
    }

    /// Reads the entries; on a bad line, its number.
    fn load(&mut self, bytes: &[u8]) -> Result<(), usize> {
        let text = std::str::from_utf8(bytes).map_err(|_| 1_usize)?;
        let mut lines = text.split_terminator('\n').enumerate();
        if lines.next().map(|(_, l)| l) != Some(&format!("{HEADER} {}", self.key)) {
            return Err(1);
        }
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (n, line) in lines {
            let bad = || n + 1;
            let mut fields = line.split(' ');
            let (Some(id), Some(fpr), Some(sum), None) = (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad());
            };
            if sum != check(&self.key, id, fpr) || !fpr.starts_with("SHA256:") {
                return Err(bad());
            }
            let oid = crate::parse_oid(id).ok().filter(|o| o.to_string() == id).ok_or_else(bad)?;
            let slot = *index.entry(fpr).or_insert_with(|| {
                self.fingerprints.push(fpr.to_owned());
                self.fingerprints.len() - 1
            });
            self.known.insert(oid, slot);
        }
        Ok(())
    }

    /// The fingerprint of the key whose signature on `commit` verified
    /// before, if this cache knows the commit.
    pub fn lookup(&self, commit: Oid) -> Option<&str> {
        self.known.get(&crate::canonical(commit)).map(|&i| self.fingerprints[i].as_str())
    }

    /// Records that `commit`'s signature verified with the trusted key
    /// `fingerprint` (kept until [`Cache::save`]).
    pub fn record(&self, commit: Oid, fingerprint: &str) {
        if self.known.contains_key(&crate::canonical(commit)) {
            return;
        }
        if let Ok(mut added) = self.added.lock() {
            added.push((commit, fingerprint.to_owned()));
        }
    }

    /// Whether the RSA key with `fingerprint` passed the checks made where
    /// keys enter ([`avow_policy::keyring::RSA_CHECKS`]) in an earlier run
    /// (see [`RsaRecords`]).
    pub fn rsa_key_checked(&self, fingerprint: &str) -> bool {
        self.rsa.contains(fingerprint)
    }

    /// Records that the RSA key with `fingerprint` passed those checks
    /// (kept until [`Cache::save`]).
    pub fn record_rsa_key_checked(&self, fingerprint: &str) {
        self.rsa.record(fingerprint);
    }

    /// Writes the file when this run learnt something (or the old one was
    /// damaged): to a temporary file beside it, then renamed over it, so a
    /// reader never sees half a file. So are the RSA keys' records.
    pub fn save(&self) -> Result<(), CacheError> {
        let entries = self.save_entries();
        let rsa = self.rsa.save();
        entries.and(rsa)
    }

    fn save_entries(&self) -> Result<(), CacheError> {
        let added = self.added.lock().map(|a| a.clone()).unwrap_or_default();
        if added.is_empty() && !self.rewrite {
            return Ok(());
        }
        let mut out = String::with_capacity((self.known.len() + added.len()) * 100);
        out.push_str(&format!("{HEADER} {}\n", self.key));
        let old = self.known.iter().map(|(id, &i)| (*id, self.fingerprints[i].as_str()));
        let mut entries: Vec<(Oid, &str)> = old.chain(added.iter().map(|(id, f)| (*id, f.as_str()))).collect();
        entries.sort_unstable();
        entries.dedup_by_key(|e| e.0);
        for (id, fpr) in entries {
            let id = id.to_string();
            let sum = check(&self.key, &id, fpr);
            out.push_str(&format!("{id} {fpr} {sum}\n"));
        }
        replace_file(&self.path, &out)
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes `path` with `text`: to a temporary file beside it, then renamed
/// over it, so a reader never sees half a file.
fn replace_file(path: &Path, text: &str) -> Result<(), CacheError> {
    let fail = |source| CacheError::Write { path: path.to_path_buf(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".avow-cache");
    // Readable as git's own files are (0666 less the umask), not only
    // by whoever wrote it last: the other users of a shared repository
    // use the same cache, and the ids and fingerprints are no secret.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    // The file itself: its errors do not name the temporary file.
    tmp.as_file_mut().write_all(text.as_bytes()).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The RSA keys that passed the checks made where keys enter
/// ([`avow_policy::keyring::RSA_CHECKS`]): `verify` makes them once per
/// run for each RSA key that signed, and the probable-prime test among
/// them costs a modular exponentiation as large as the modulus (about 10
/// ms at 2048 bits, 100 ms at 4096; threat-model entries 116 and 124).
///
/// One file for the cache directory, `rsa-keys.v1`, whatever the trust
/// state: a record names the key by its fingerprint, the SHA-256 of the
/// key's encoding (its exponent and modulus), so it holds for that key in
/// any keyring. The file's first line names the checks; a file made by
/// other checks (another avow) is ignored and rewritten, as is a damaged
/// one (without a warning: it only costs the checks again). Only keys that
/// passed are recorded. A record lets a weak key through, as an entry of
/// the trust state's file lets a forged signature through: the cache is as
/// trusted as the verifier (docs/performance.md).
#[derive(Debug)]
struct RsaRecords {
    path: PathBuf,
    /// Read on the first question: most ranges have no RSA signer.
    known: std::sync::OnceLock<std::collections::HashSet<String>>,
    added: Mutex<Vec<String>>,
}

/// The RSA records' file name in the cache directory.
const RSA_FILE: &str = "rsa-keys.v1";

impl RsaRecords {
    fn new(dir: &Path) -> Self {
        RsaRecords { path: dir.join(RSA_FILE), known: std::sync::OnceLock::new(), added: Mutex::new(Vec::new()) }
    }

    fn header() -> String {
        format!("avow-rsa-keys v1 {}", avow_policy::keyring::RSA_CHECKS)
    }

    /// The records of the file; none when it is missing, damaged or made
    /// by other checks.
    fn known(&self) -> &std::collections::HashSet<String> {
        self.known.get_or_init(|| {
            let text = std::fs::read_to_string(&self.path).unwrap_or_default();
            let mut lines = text.split_terminator('\n');
            if lines.next() != Some(Self::header().as_str()) {
                return std::collections::HashSet::new();
            }
            let mut known = std::collections::HashSet::new();
            for line in lines {
                match line.split_once(' ') {
                    Some((fpr, sum)) if fpr.starts_with("SHA256:") && sum == check(RSA_FILE, fpr, "") => {
                        known.insert(fpr.to_owned());
                    }
                    _ => return std::collections::HashSet::new(),
                }
            }
            known
        })
    }

    fn contains(&self, fingerprint: &str) -> bool {
        self.known().contains(fingerprint)
    }

    fn record(&self, fingerprint: &str) {
        if self.contains(fingerprint) {
            return;
        }
        if let Ok(mut added) = self.added.lock() {
            added.push(fingerprint.to_owned());
        }
    }

    /// Writes the file when this run checked a key it did not hold.
    fn save(&self) -> Result<(), CacheError> {
        let added = self.added.lock().map(|a| a.clone()).unwrap_or_default();
        if added.is_empty() {
            return Ok(());
        }
        let mut all: Vec<&str> =
            self.known().iter().map(String::as_str).chain(added.iter().map(String::as_str)).collect();
        all.sort_unstable();
        all.dedup();
        let mut out = Self::header() + "\n";
        for fpr in all {
            out.push_str(&format!("{fpr} {}\n", check(RSA_FILE, fpr, "")));
        }
        replace_file(&self.path, &out)
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// A cache for trust key `key` in `dir`, as [`Cache::open`] makes one.
    fn empty(dir: &Path, key: &str) -> Cache {
        Cache {
            path: dir.join(format!("{key}.v2")),
            key: key.to_owned(),
            fingerprints: Vec::new(),
            known: HashMap::new(),
            added: Mutex::new(Vec::new()),
            rewrite: false,
            rsa: RsaRecords::new(dir),
        }
    }

    fn entries() -> impl Strategy<Value = Vec<(Oid, String)>> {
        let id = prop_oneof![
            any::<[u8; 20]>().prop_map(|b| Oid::from_bytes(&b).unwrap()),
            any::<[u8; 32]>().prop_map(|b| crate::parse_oid(&hex(&b)).unwrap()),
        ];
        proptest::collection::vec((id, "SHA256:[A-Za-z0-9+/]{43}"), 0..6)
    }

    fn known(cache: &Cache) -> Vec<(Oid, String)> {
        let mut all: Vec<(Oid, String)> =
            cache.known.iter().map(|(id, &i)| (*id, cache.fingerprints[i].clone())).collect();
        all.sort();
        all
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// What a run records reads back in the next; the file changed at
        /// any one byte, or cut anywhere, reads as damaged or as some of
        /// what was recorded — never as an entry nobody recorded, and
        /// never under another trust key.
        #[test]
        fn entries_read_back_and_a_damaged_file_vouches_for_nothing_new(
            recorded in entries(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let cache = empty(dir.path(), "k1");
            for (id, fpr) in &recorded {
                cache.record(*id, fpr);
            }
            cache.save_entries().unwrap();
            // One entry per commit (the same commit recorded twice keeps one).
            let mut expected = recorded.clone();
            expected.sort();
            expected.dedup_by_key(|e| e.0);
            let bytes = std::fs::read(&cache.path).unwrap_or_default();
            let mut again = empty(dir.path(), "k1");
            prop_assert!(bytes.is_empty() || again.load(&bytes).is_ok());
            prop_assert_eq!(known(&again), if bytes.is_empty() { Vec::new() } else { expected.clone() });
            prop_assert!(bytes.is_empty() || empty(dir.path(), "k2").load(&bytes).is_err());
            if bytes.is_empty() {
                return Ok(());
            }
            let i = at.index(bytes.len());
            let mut changed = bytes.clone();
            changed[i] = byte;
            for damaged in [changed, bytes[..i].to_vec()] {
                let mut c = empty(dir.path(), "k1");
                if c.load(&damaged).is_ok() {
                    for entry in known(&c) {
                        prop_assert!(expected.contains(&entry), "{:?} read from {:?}", entry, String::from_utf8_lossy(&damaged));
                    }
                }
            }
        }

        /// Any bytes as a cache file: read or refused, never a panic.
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), header in any::<bool>()) {
            let dir = tempfile::tempdir().unwrap();
            let mut text = if header { format!("{HEADER} k1\n").into_bytes() } else { Vec::new() };
            text.extend_from_slice(&bytes);
            let _ = empty(dir.path(), "k1").load(&text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "SHA256:OFfa1gXCYHfEpqnvHi7vVj7vRi3NEVv47EO8Y3yIF34";
    const B: &str = "SHA256:AAAa1gXCYHfEpqnvHi7vVj7vRi3NEVv47EO8Y3yIF34";

    #[test]
    fn rsa_records_are_kept_across_runs_and_dropped_when_damaged_or_made_by_other_checks() {
        let dir = tempfile::tempdir().unwrap();
        let first = RsaRecords::new(dir.path());
        assert!(!first.contains(A));
        first.record(A);
        first.save().unwrap();
        let second = RsaRecords::new(dir.path());
        assert!(second.contains(A) && !second.contains(B));
        second.record(A);
        second.record(B);
        second.save().unwrap();
        let path = dir.path().join(RSA_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(RsaRecords::new(dir.path()).contains(B));
        // A line whose checksum does not match; a file of other checks.
        std::fs::write(&path, text.replace(&B[8..12], "ZZZZ")).unwrap();
        assert!(!RsaRecords::new(dir.path()).contains(A));
        std::fs::write(&path, text.replace("rsa-checks v2", "rsa-checks v1")).unwrap();
        let other = RsaRecords::new(dir.path());
        assert!(!other.contains(A));
        other.record(A);
        other.save().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    }
}
