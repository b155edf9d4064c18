//! Helpers: ssh-keygen sign/verify, an ssh-agent guarded by Drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use avow_sign::{Error, Zeroizing, NAMESPACE};
use avow_testutil::{TestRepo, AUTHOR_EMAIL};

/// A passphrase callback that must not be called.
pub fn no_prompt(path: &Path) -> Result<Zeroizing<String>, Error> {
    panic!("asked for a passphrase for {}", path.display())
}

/// Generates a key of another type (`ecdsa`, `rsa`) with ssh-keygen.
pub fn keygen_type(repo: &TestRepo, name: &str, key_type: &str) -> PathBuf {
    let path = repo.scratch().join(name);
    let out = repo
        .command("ssh-keygen")
        .args(["-q", "-t", key_type, "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("spawn ssh-keygen");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
    path
}

/// `ssh-keygen -Y sign -f key -n namespace` over `payload`; returns the
/// armored signature.
pub fn keygen_sign(repo: &TestRepo, key: &Path, namespace: &str, payload: &[u8]) -> String {
    let file = repo.scratch().join("payload-to-sign");
    let sig_file = repo.scratch().join("payload-to-sign.sig");
    let _ = std::fs::remove_file(&sig_file);
    std::fs::write(&file, payload).unwrap();
    let out = repo
        .command("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(key)
        .arg(&file)
        .output()
        .expect("spawn ssh-keygen");
    assert!(out.status.success(), "ssh-keygen -Y sign: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(sig_file).unwrap()
}

/// `ssh-keygen -Y verify` of an armored signature over `payload` against
/// `public_key_line` as alice's key for NAMESPACE.
pub fn keygen_verify(repo: &TestRepo, public_key_line: &str, armored: &str, payload: &[u8]) -> Output {
    let dir = repo.scratch();
    let allowed = dir.join("allowed_signers");
    std::fs::write(&allowed, format!("{AUTHOR_EMAIL} namespaces=\"{NAMESPACE}\" {}\n", public_key_line.trim()))
        .unwrap();
    let sig_file = dir.join("to-verify.sig");
    std::fs::write(&sig_file, armored).unwrap();
    let payload_file = dir.join("to-verify.payload");
    std::fs::write(&payload_file, payload).unwrap();
    repo.command("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(&allowed)
        .args(["-I", AUTHOR_EMAIL, "-n", NAMESPACE, "-s"])
        .arg(&sig_file)
        .stdin(std::fs::File::open(&payload_file).unwrap())
        .output()
        .expect("spawn ssh-keygen")
}

/// Asserts that ssh-keygen accepts the signature.
pub fn assert_keygen_verifies(repo: &TestRepo, public_key_line: &str, armored: &str, payload: &[u8]) {
    let out = keygen_verify(repo, public_key_line, armored, payload);
    assert!(
        out.status.success(),
        "ssh-keygen -Y verify refused: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The public key line beside a private key.
pub fn pub_line(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub")).unwrap()
}

/// A real ssh-agent on a socket in the test's scratch area, killed on drop
/// (also when the test panics).
pub struct AgentGuard {
    child: Child,
    socket: PathBuf,
}

impl AgentGuard {
    /// Starts `ssh-agent -D -a SOCKET` and waits for the socket.
    pub fn start(repo: &TestRepo) -> Self {
        let socket = repo.scratch().join("agent.sock");
        let child = repo
            .command("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ssh-agent");
        let guard = Self { child, socket };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !guard.socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not create its socket");
            std::thread::sleep(Duration::from_millis(10));
        }
        guard
    }

    /// The agent's socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `ssh-add KEY` into this agent.
    pub fn add(&self, repo: &TestRepo, key: &Path) {
        let out = repo.command("ssh-add").env("SSH_AUTH_SOCK", &self.socket).arg(key).output().expect("spawn ssh-add");
        assert!(out.status.success(), "ssh-add: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for AgentGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
