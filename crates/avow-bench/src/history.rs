//! Builds the benchmark history in-process: every commit carries a native
//! SSH commit signature (`gpgsig`, SSHSIG namespace `git`, which
//! `git log --show-signature` checks) and an avow attestation signed the way
//! the hook signs it. Objects go to an in-memory pack backend and are
//! written as packs, as in a real clone (not 400,000 loose files).
//!
//! Everything is fixed — key seed, names, dates, contents — so the same
//! parameters give the same commit ids on every machine.

use std::path::{Path, PathBuf};

use avow_core::attestation::{Statement, AUTHORSHIP, RATIONALE, SIGNATURE, UNDERSTOOD_BY};
use avow_core::payload::{Payload, SignatureTrailer};
use avow_core::trailer::Trailer;
use avow_policy::policy::Policy;
use avow_sign::{KeySource, Signer};
use avow_verify::change;
use git2::{FileMode, Oid, Repository, Signature, Time};
use ssh_key::{HashAlg, LineEnding, PrivateKey};

use crate::Fail;

/// The identity of every benchmark commit.
pub const NAME: &str = "Alice Example";
/// Its email (the keyring's and the allowed-signers principal).
pub const EMAIL: &str = "alice@example.org";
const EPOCH: i64 = 1_764_000_000;
/// Directories and files per directory the changes spread over.
const DIRS: usize = 32;
const FILES: usize = 32;
/// Lines a file grows to; after that each change rewrites one of its lines
/// in turn, so blobs stay small however long the history (appending for
/// ever would make 1,000,000 commits write about 18 GB of blobs).
const LINES: usize = 64;
/// Commits per pack written from the in-memory backend (about 300 MB of
/// objects held in memory): every object written first looks for itself in
/// every pack and rescans the pack directory, so many small packs make a
/// long history slower to build with each one.
const PACK_EVERY: usize = 50_000;

/// What the generator made, by name.
pub struct History {
    /// The repository (`.git` inside `dir`).
    pub dir: PathBuf,
    /// The allowed-signers file for `gpg.ssh.allowedSignersFile`.
    pub allowed_signers: PathBuf,
    /// The private key file (for the hook benchmark).
    pub key: PathBuf,
}

/// Parameters; each set gets its own directory.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Commits on `main` after the base.
    pub commits: usize,
    /// The first this many are tagged `compare` for the git comparison.
    pub compare: usize,
    /// The first this many are replayed onto `upstream` as `rebased`.
    pub rebased: usize,
}

impl Shape {
    fn dir_name(self) -> String {
        format!("history-v4-{}-{}-{}", self.commits, self.compare, self.rebased)
    }
}

pub fn git_err(what: &str) -> impl Fn(git2::Error) -> Fail + '_ {
    move |e| Fail(format!("{what}: {e}"))
}

/// Returns the history for `shape` under `work`, building it when absent.
pub fn ensure(work: &Path, shape: Shape) -> Result<(History, bool), Fail> {
    let dir = work.join(shape.dir_name());
    let history =
        History { allowed_signers: dir.join("allowed_signers"), key: dir.join("id_ed25519"), dir: dir.clone() };
    if dir.join("complete").exists() {
        return Ok((history, false));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Fail(format!("removing {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| Fail(format!("creating {}: {e}", dir.display())))?;
    build(&history, shape)?;
    std::fs::write(dir.join("complete"), "").map_err(|e| Fail(format!("marking {}: {e}", dir.display())))?;
    Ok((history, true))
}

/// The fixed benchmark key.
fn key() -> PrivateKey {
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&[42; 32]);
    let mut key = PrivateKey::from(pair);
    key.set_comment("avow-bench");
    key
}

struct Gen<'r> {
    repo: &'r Repository,
    key: PrivateKey,
    signer: Signer,
    /// Lines of every file, by directory and file.
    files: Vec<Vec<Vec<String>>>,
    /// Changes made to every file so far.
    edits: Vec<Vec<usize>>,
    blobs: Vec<Vec<Oid>>,
    subtrees: Vec<Oid>,
    avow: Oid,
}

/// Writes the benchmark key (private key file, allowed-signers file) for
/// `h` and loads it; returns the key, its public line and the signer.
pub fn write_key(h: &History) -> Result<(PrivateKey, String, Signer), Fail> {
    let key = key();
    let pem = key.to_openssh(LineEnding::LF).map_err(|e| Fail(format!("encoding the key: {e}")))?;
    std::fs::write(&h.key, pem.as_bytes()).map_err(|e| Fail(format!("writing {}: {e}", h.key.display())))?;
    // A private key readable by others would make the hook warn on every commit.
    #[cfg(unix)]
    std::fs::set_permissions(&h.key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| Fail(format!("restricting {}: {e}", h.key.display())))?;
    let public = key.public_key().to_openssh().map_err(|e| Fail(format!("encoding the public key: {e}")))?;
    std::fs::write(&h.allowed_signers, format!("{EMAIL} namespaces=\"git\" {public}\n"))
        .map_err(|e| Fail(format!("writing {}: {e}", h.allowed_signers.display())))?;
    let signer = Signer::load(&KeySource::File(h.key.clone()), &mut |p| {
        Err(avow_sign::Error::PassphraseUnavailable { path: p.to_path_buf(), reason: "not encrypted".into() })
    })
    .map_err(|e| Fail(format!("loading the benchmark key: {e}")))?;
    Ok((key, public, signer))
}

/// The `.avow/` tree: the benchmark key's holder as the one maintainer,
/// the `disclose` preset.
pub fn avow_tree(repo: &Repository, public: &str) -> Result<Oid, Fail> {
    let keyring = format!(
        "version = 1\n\n[[person]]\nname = \"{NAME}\"\nemail = \"{EMAIL}\"\nrole = \"maintainer\"\n\n[[person.key]]\nkey = \"{public}\"\n"
    );
    let policy = Policy::preset_toml("disclose").map_err(|e| Fail(format!("the disclose preset: {e}")))?;
    let mut avow = repo.treebuilder(None).map_err(git_err("building .avow/"))?;
    for (name, text) in [("keyring.toml", keyring.as_str()), ("policy.toml", policy)] {
        let blob = repo.blob(text.as_bytes()).map_err(git_err("writing .avow/"))?;
        avow.insert(name, blob, FileMode::Blob.into()).map_err(git_err("building .avow/"))?;
    }
    avow.write().map_err(git_err("writing .avow/"))
}

fn build(h: &History, shape: Shape) -> Result<(), Fail> {
    // libgit2's object cache would keep up to 256 MiB of the objects read
    // back (parents' trees), none of them needed again; nor need the
    // objects the generator just wrote be re-hashed when read back, or
    // looked up again each time a tree names them (65 lookups a commit).
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    git2::opts::strict_object_creation(false);
    let (key, public, signer) = write_key(h)?;
    let repo = Repository::init(&h.dir).map_err(git_err("git init"))?;
    let odb = repo.odb().map_err(git_err("opening the object database"))?;
    let mempack = odb.add_new_mempack_backend(1000).map_err(git_err("adding the in-memory backend"))?;
    let flush = || -> Result<(), Fail> {
        let mut buf = git2::Buf::new();
        mempack.dump(&repo, &mut buf).map_err(git_err("packing objects"))?;
        let mut writer = odb.packwriter().map_err(git_err("writing a pack"))?;
        std::io::Write::write_all(&mut writer, &buf).map_err(|e| Fail(format!("writing a pack: {e}")))?;
        writer.commit().map_err(git_err("indexing a pack"))?;
        mempack.reset().map_err(git_err("resetting the in-memory backend"))
    };

    let avow = avow_tree(&repo, &public)?;
    let mut g = Gen {
        repo: &repo,
        key,
        signer,
        files: vec![vec![Vec::new(); FILES]; DIRS],
        edits: vec![vec![0; FILES]; DIRS],
        blobs: Vec::new(),
        subtrees: Vec::new(),
        avow,
    };
    g.seed_files()?;
    let base_tree = g.root()?;
    let base = g.commit(None, base_tree, 0, "Adopt avow\n", true)?;
    reference(&repo, "refs/tags/base", base)?;

    let mut tip = base;
    let mut originals = Vec::with_capacity(shape.rebased);
    for i in 1..=shape.commits {
        let (d, f) = ((i * 7) % DIRS, (i * 13 / DIRS) % FILES);
        let path = format!("m{d:02}/f{f:02}.txt");
        g.change_line(d, f, i);
        g.blobs[d][f] = repo.blob(g.files[d][f].concat().as_bytes()).map_err(git_err("writing a blob"))?;
        g.subtrees[d] = g.subtree(d)?;
        let tree = g.root()?;
        let message = attested_message(&g, Some(tip), tree, i, &path)?;
        tip = g.commit(Some(tip), tree, i, &message, true)?;
        if i == shape.compare {
            reference(&repo, "refs/tags/compare", tip)?;
        }
        if i <= shape.rebased {
            originals.push((tree, message));
        }
        if i % PACK_EVERY == 0 {
            flush()?;
        }
    }
    reference(&repo, "refs/heads/main", tip)?;

    // `upstream`: the base plus an unrelated file; `rebased`: the first
    // commits replayed onto it, so every tree pair differs from the signed
    // one and each change digest must be recomputed.
    let extra =
        repo.blob(b"an upstream change the rebased commits did not see\n").map_err(git_err("writing a blob"))?;
    let upstream_tree = with_file(&repo, base_tree, "UPSTREAM", extra)?;
    let upstream = g.commit(Some(base), upstream_tree, shape.commits + 1, "Upstream moves on\n", false)?;
    reference(&repo, "refs/tags/upstream", upstream)?;
    let mut tip = upstream;
    for (n, (tree, message)) in originals.into_iter().enumerate() {
        let tree = with_file(&repo, tree, "UPSTREAM", extra)?;
        tip = g.commit(Some(tip), tree, shape.commits + 2 + n, &message, false)?;
        if (n + 1) % PACK_EVERY == 0 {
            flush()?;
        }
    }
    reference(&repo, "refs/heads/rebased", tip)?;
    flush()?;
    repo.set_head("refs/heads/main").map_err(git_err("setting HEAD"))?;
    // One pack, as a fresh clone has (many small packs would each keep
    // their own delta cache in every reader).
    let mut repack = std::process::Command::new("git");
    avow_testutil::hermetic(&mut repack, &h.dir);
    let status = repack
        .args(["repack", "-a", "-d", "-q"])
        .current_dir(&h.dir)
        .status()
        .map_err(|e| Fail(format!("running git repack: {e}")))?;
    if !status.success() {
        return Err(Fail(format!("git repack failed ({status})")));
    }
    Ok(())
}

pub fn reference(repo: &Repository, name: &str, id: Oid) -> Result<(), Fail> {
    repo.reference(name, id, true, "avow-bench").map(|_| ()).map_err(git_err("writing a reference"))
}

pub fn with_file(repo: &Repository, tree: Oid, name: &str, blob: Oid) -> Result<Oid, Fail> {
    let tree = repo.find_tree(tree).map_err(git_err("reading a tree"))?;
    let mut b = repo.treebuilder(Some(&tree)).map_err(git_err("building a tree"))?;
    b.insert(name, blob, FileMode::Blob.into()).map_err(git_err("building a tree"))?;
    b.write().map_err(git_err("writing a tree"))
}

/// The message the hook would write for commit `i`.
fn attested_message(g: &Gen<'_>, parent: Option<Oid>, tree: Oid, i: usize, path: &str) -> Result<String, Fail> {
    let parent_tree = parent
        .map(|p| g.repo.find_commit(p).map(|c| c.tree_id()))
        .transpose()
        .map_err(git_err("reading the parent tree"))?;
    let subject = format!("Extend {path} (step {i})");
    let rationale = format!("Step {i} appends one line to {path} so that the benchmark attests a real change.");
    sign_message(g.repo, &g.signer, parent_tree, tree, i, &subject, &rationale)
}

/// A message with `subject`, `rationale` and the attestation the hook
/// would sign for the change from `parent_tree` to `tree`.
pub fn sign_message(
    repo: &Repository,
    signer: &Signer,
    parent_tree: Option<Oid>,
    tree: Oid,
    i: usize,
    subject: &str,
    rationale: &str,
) -> Result<String, Fail> {
    let subject = subject.to_owned();
    let trailers = vec![
        Trailer::new(AUTHORSHIP, "human"),
        Trailer::new(RATIONALE, rationale),
        Trailer::new(UNDERSTOOD_BY, format!("{NAME} <{EMAIL}>")),
    ];
    let statement =
        Statement::from_trailers(&trailers).map_err(|e| Fail(format!("the benchmark statement is invalid: {e:?}")))?;
    let parent_tree = parent_tree.map(|p| repo.find_tree(p)).transpose().map_err(git_err("reading the parent tree"))?;
    let new_tree = repo.find_tree(tree).map_err(git_err("reading a tree"))?;
    let binding = change::binding(repo, parent_tree.as_ref(), &new_tree)
        .map_err(|e| Fail(format!("computing a change digest: {e}")))?;
    let payload = Payload::new(&binding, EMAIL, &subject, stamp(i), &statement);
    let bytes = payload.to_bytes().map_err(|e| Fail(format!("building a payload: {e}")))?;
    let sig = signer.sign(&bytes).map_err(|e| Fail(format!("signing: {e}")))?;
    let mut message = format!("{subject}\n\n");
    for t in &trailers {
        message.push_str(&format!("{}: {}\n", t.key, t.value));
    }
    message.push_str(&format!("{SIGNATURE}: {}\n", SignatureTrailer::new(&payload, sig.to_base64())));
    Ok(message)
}

pub fn stamp(i: usize) -> i64 {
    EPOCH + i64::try_from(i).unwrap_or(i64::MAX / 2) * 60
}

impl Gen<'_> {
    fn seed_files(&mut self) -> Result<(), Fail> {
        for d in 0..DIRS {
            let mut row = Vec::with_capacity(FILES);
            for f in 0..FILES {
                self.files[d][f] = vec![format!("file {f} of directory {d}\n")];
                row.push(self.repo.blob(self.files[d][f].concat().as_bytes()).map_err(git_err("writing a blob"))?);
            }
            self.blobs.push(row);
            let t = self.subtree(d)?;
            self.subtrees.push(t);
        }
        Ok(())
    }

    /// Commit `i`'s one-line change to file `f` of directory `d`: a new
    /// line while the file is short, else its oldest line rewritten.
    fn change_line(&mut self, d: usize, f: usize, i: usize) {
        let line = format!("line {i} of the benchmark history\n");
        let (lines, edits) = (&mut self.files[d][f], &mut self.edits[d][f]);
        if *edits < LINES {
            lines.push(line);
        } else {
            // The first line names the file; the others take turns.
            lines[1 + *edits % LINES] = line;
        }
        *edits += 1;
    }

    fn subtree(&self, d: usize) -> Result<Oid, Fail> {
        let mut b = self.repo.treebuilder(None).map_err(git_err("building a tree"))?;
        for (f, blob) in self.blobs[d].iter().enumerate() {
            b.insert(format!("f{f:02}.txt"), *blob, FileMode::Blob.into()).map_err(git_err("building a tree"))?;
        }
        b.write().map_err(git_err("writing a tree"))
    }

    fn root(&self) -> Result<Oid, Fail> {
        let mut b = self.repo.treebuilder(None).map_err(git_err("building a tree"))?;
        b.insert(".avow", self.avow, FileMode::Tree.into()).map_err(git_err("building a tree"))?;
        for (d, t) in self.subtrees.iter().enumerate() {
            b.insert(format!("m{d:02}"), *t, FileMode::Tree.into()).map_err(git_err("building a tree"))?;
        }
        b.write().map_err(git_err("writing a tree"))
    }

    /// Writes a commit, with a native SSH signature when `sign` is set.
    fn commit(&self, parent: Option<Oid>, tree: Oid, i: usize, message: &str, sign: bool) -> Result<Oid, Fail> {
        let repo = self.repo;
        let when = Time::new(stamp(i), 0);
        let who = Signature::new(NAME, EMAIL, &when).map_err(git_err("making a signature"))?;
        let tree = repo.find_tree(tree).map_err(git_err("reading a tree"))?;
        let parent = parent.map(|p| repo.find_commit(p)).transpose().map_err(git_err("reading a commit"))?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        if !sign {
            return repo.commit(None, &who, &who, message, &tree, &parents).map_err(git_err("writing a commit"));
        }
        let buf =
            repo.commit_create_buffer(&who, &who, message, &tree, &parents).map_err(git_err("writing a commit"))?;
        let sig = self
            .key
            .sign("git", HashAlg::Sha512, &buf)
            .and_then(|s| s.to_pem(LineEnding::LF))
            .map_err(|e| Fail(format!("signing a commit: {e}")))?;
        let content = std::str::from_utf8(&buf).map_err(|e| Fail(format!("commit buffer: {e}")))?;
        repo.commit_signed(content, sig.trim_end(), None).map_err(git_err("writing a signed commit"))
    }
}
