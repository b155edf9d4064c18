//! The peer comparison: sequoia-git (`sq-git`), the closest tool to avow,
//! verifies `OpenPGP` commit signatures against an `openpgp-policy.toml` in
//! the trees. This builds a history both can check — each commit one
//! small change, carrying an `OpenPGP` signature made by gpg with an ed25519
//! key (for sq-git) and an avow attestation (for avow) — and times both,
//! uncached and with their caches full, on all cores and on one.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{FileMode, Oid, Repository, Signature, Time};

use crate::history::{avow_tree, git_err, reference, sign_message, stamp, write_key, History, EMAIL, NAME};
use crate::Fail;

/// Files the changes spread over.
const FILES: usize = 64;

/// The peer history: `pgp-base` (policy, keyring, files) and `pgp`, the
/// commits on it.
pub struct PeerHistory {
    pub history: History,
    pub commits: usize,
}

/// Where `sq-git` is, if on PATH.
pub fn sq_git() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("sq-git")).find(|p| p.is_file())
}

fn gpg(home: &Path) -> Command {
    let mut c = Command::new("gpg");
    c.env("GNUPGHOME", home).args(["--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""]);
    c
}

fn run(cmd: &mut Command, input: Option<&[u8]>, what: &str) -> Result<Vec<u8>, Fail> {
    cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| Fail(format!("running {what}: {e}")))?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(bytes).map_err(|e| Fail(format!("feeding {what}: {e}")))?;
    }
    let out = child.wait_with_output().map_err(|e| Fail(format!("waiting for {what}: {e}")))?;
    if !out.status.success() {
        return Err(Fail(format!("{what} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(out.stdout)
}

/// Builds (or reuses) the peer history of `commits` commits under `work`.
pub fn ensure(work: &Path, commits: usize) -> Result<(PeerHistory, bool), Fail> {
    let dir = work.join(format!("peer-v2-{commits}"));
    let history =
        History { allowed_signers: dir.join("allowed_signers"), key: dir.join("id_ed25519"), dir: dir.clone() };
    if dir.join("complete").exists() {
        return Ok((PeerHistory { history, commits }, false));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Fail(format!("removing {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| Fail(format!("creating {}: {e}", dir.display())))?;
    build(&history, commits)?;
    std::fs::write(dir.join("complete"), "").map_err(|e| Fail(format!("marking {}: {e}", dir.display())))?;
    Ok((PeerHistory { history, commits }, true))
}

/// The gpg home of a peer history (its `OpenPGP` key).
pub fn gnupg_home(h: &History) -> PathBuf {
    h.dir.join("gnupg")
}

fn build(h: &History, commits: usize) -> Result<(), Fail> {
    let home = gnupg_home(h);
    std::fs::create_dir_all(&home).map_err(|e| Fail(format!("creating {}: {e}", home.display())))?;
    #[cfg(unix)]
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(|e| Fail(format!("restricting {}: {e}", home.display())))?;
    run(
        gpg(&home).args(["--quick-gen-key", &format!("{NAME} <{EMAIL}>"), "ed25519", "sign", "never"]),
        None,
        "gpg --quick-gen-key",
    )?;
    let listing = run(gpg(&home).args(["--with-colons", "--list-keys"]), None, "gpg --list-keys")?;
    let fpr = String::from_utf8_lossy(&listing)
        .lines()
        .find_map(|l| l.strip_prefix("fpr:").map(|r| r.trim_matches(':').to_owned()))
        .ok_or_else(|| Fail("gpg made no key".into()))?;
    let cert = String::from_utf8(run(gpg(&home).args(["--armor", "--export", &fpr]), None, "gpg --export")?)
        .map_err(|e| Fail(format!("gpg's export: {e}")))?;
    let policy = format!("version = 0\ncommit_goodlist = []\n\n[authorization.alice]\nsign_commit = true\nkeyring = \"\"\"\n{cert}\"\"\"\n");

    let (_, public, signer) = write_key(h)?;
    let repo = Repository::init(&h.dir).map_err(git_err("git init"))?;
    let avow = avow_tree(&repo, &public)?;
    let policy = repo.blob(policy.as_bytes()).map_err(git_err("writing the policy"))?;
    let mut files: Vec<String> = (0..FILES).map(|f| format!("file {f}\n")).collect();
    let mut blobs: Vec<Oid> =
        files.iter().map(|t| repo.blob(t.as_bytes())).collect::<Result<_, _>>().map_err(git_err("writing a blob"))?;
    let tree = |blobs: &[Oid]| -> Result<Oid, Fail> {
        let mut b = repo.treebuilder(None).map_err(git_err("building a tree"))?;
        b.insert(".avow", avow, FileMode::Tree.into()).map_err(git_err("building a tree"))?;
        b.insert("openpgp-policy.toml", policy, FileMode::Blob.into()).map_err(git_err("building a tree"))?;
        for (f, blob) in blobs.iter().enumerate() {
            b.insert(format!("f{f:02}.txt"), *blob, FileMode::Blob.into()).map_err(git_err("building a tree"))?;
        }
        b.write().map_err(git_err("writing a tree"))
    };
    let commit = |parent: Option<Oid>, tree: Oid, i: usize, message: &str| -> Result<Oid, Fail> {
        let when = Time::new(stamp(i), 0);
        let who = Signature::new(NAME, EMAIL, &when).map_err(git_err("making a signature"))?;
        let tree = repo.find_tree(tree).map_err(git_err("reading a tree"))?;
        let parent = parent.map(|p| repo.find_commit(p)).transpose().map_err(git_err("reading a commit"))?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let buf =
            repo.commit_create_buffer(&who, &who, message, &tree, &parents).map_err(git_err("writing a commit"))?;
        let sig = run(gpg(&home).args(["--armor", "--detach-sign", "-u", &fpr]), Some(&buf), "gpg --detach-sign")?;
        let content = std::str::from_utf8(&buf).map_err(|e| Fail(format!("commit buffer: {e}")))?;
        let sig = String::from_utf8_lossy(&sig);
        repo.commit_signed(content, sig.trim_end(), None).map_err(git_err("writing a signed commit"))
    };
    let mut tree_id = tree(&blobs)?;
    let mut tip = commit(None, tree_id, 0, "Adopt avow and sequoia-git\n")?;
    reference(&repo, "refs/tags/pgp-base", tip)?;
    for i in 1..=commits {
        let f = (i * 7) % FILES;
        files[f].push_str(&format!("line {i}\n"));
        blobs[f] = repo.blob(files[f].as_bytes()).map_err(git_err("writing a blob"))?;
        let parent_tree = tree_id;
        tree_id = tree(&blobs)?;
        let subject = format!("Extend f{f:02}.txt (step {i})");
        let rationale = format!("Step {i} appends one line to f{f:02}.txt so that both verifiers check a real change.");
        let message = sign_message(&repo, &signer, Some(parent_tree), tree_id, i, &subject, &rationale)?;
        tip = commit(Some(tip), tree_id, i, &message)?;
    }
    reference(&repo, "refs/heads/pgp", tip)?;
    repo.set_head("refs/heads/pgp").map_err(git_err("setting HEAD"))?;
    let mut repack = Command::new("git");
    avow_testutil::hermetic(&mut repack, &h.dir);
    run(repack.args(["repack", "-a", "-d", "-q"]).current_dir(&h.dir), None, "git repack")?;
    Ok(())
}
