//! The signing key comes from what git already has: `user.signingKey`
//! (a private key path, a `.pub` path, or `key::…` whose private half is in
//! a real ssh-agent), `gpg.ssh.defaultKeyCommand`, or the agent itself.

use std::path::{Path, PathBuf};

use crate::support::*;

/// A real ssh-agent for one test, stopped (by its pid) when dropped.
pub(crate) struct Agent {
    pub(crate) socket: PathBuf,
    pid: String,
    world_home: PathBuf,
}

impl Agent {
    pub(crate) fn start(w: &World) -> Agent {
        let socket = w.scratch().join("agent.sock");
        let out = w.command("ssh-agent").args(["-s", "-a"]).arg(&socket).output().unwrap();
        let out = Run::from(out).expect(0);
        let pid = out
            .stdout
            .split(';')
            .find_map(|part| part.trim().strip_prefix("SSH_AGENT_PID="))
            .unwrap_or_else(|| panic!("no pid in {:?}", out.stdout))
            .to_owned();
        Agent { socket, pid, world_home: w.home() }
    }

    pub(crate) fn add(&self, w: &World, key: &Path) {
        let out = w.command("ssh-add").arg("-q").arg(key).env("SSH_AUTH_SOCK", &self.socket).output().unwrap();
        Run::from(out).expect(0);
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let mut kill = std::process::Command::new("ssh-agent");
        avow_testutil::hermetic(&mut kill, &self.world_home);
        let _ = kill.arg("-k").env("SSH_AGENT_PID", &self.pid).env("SSH_AUTH_SOCK", &self.socket).output();
    }
}

/// An adopted repository whose only key setting is what `settings` sets
/// (`avow.signingKey` is removed), and an empty home (no `~/.ssh/id_ed25519`).
fn configured(settings: &[(&str, &str)]) -> World {
    let w = World::adopted("disclose");
    w.git(["config", "--unset", "avow.signingKey"]);
    for (k, v) in settings {
        w.git(["config", k, v]);
    }
    w
}

/// `gpg.format=ssh` and a real agent holding Alice's key.
fn ssh_format_with_agent() -> (World, Agent) {
    let w = configured(&[("gpg.format", "ssh")]);
    let agent = Agent::start(&w);
    agent.add(&w, &w.key);
    (w, agent)
}

/// Commits a change with a human statement, with `agent` reachable (or
/// not); returns git's result.
fn commit_with(w: &World, agent: Option<&Agent>, file: &str) -> Run {
    w.write(file, "content\n");
    w.git(["add", "-A"]);
    let mut c = w.command("setsid");
    c.args(["-w", "git", "commit", "-q", "-m", "Add a file"]).args(HUMAN);
    if let Some(a) = agent {
        c.env("SSH_AUTH_SOCK", &a.socket);
    }
    c.output().unwrap().into()
}

fn public_line(key: &Path) -> String {
    std::fs::read_to_string(format!("{}.pub", key.display())).unwrap().trim().to_owned()
}

/// The `SHA256:…` fingerprint of a key pair, as ssh-keygen prints it.
fn fingerprint(w: &World, key: &Path) -> String {
    let out = w.command("ssh-keygen").arg("-lf").arg(format!("{}.pub", key.display())).output().unwrap();
    Run::from(out).expect(0).stdout.split_whitespace().nth(1).unwrap().to_owned()
}

/// Checks HEAD is attested, verifies, and was signed by `key`.
#[track_caller]
fn signed_by(w: &World, key: &Path) {
    let r = w.avow(["verify", "base..HEAD", "--format", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["commits"][0]["signer"]["fingerprint"], fingerprint(w, key).as_str(), "{}", r.stdout);
}

#[test]
fn user_signing_key_as_a_private_key_path() {
    let w = configured(&[("gpg.format", "ssh")]);
    w.git(["config", "user.signingKey", w.key.to_str().unwrap()]);
    commit_with(&w, None, "a.txt").expect(0);
    signed_by(&w, &w.key);
}

#[test]
fn user_signing_key_as_a_public_key_path_uses_the_private_key_beside_it() {
    let w = configured(&[("gpg.format", "ssh")]);
    w.git(["config", "user.signingKey", &format!("{}.pub", w.key.display())]);
    commit_with(&w, None, "a.txt").expect(0);
    signed_by(&w, &w.key);
}

#[test]
fn user_signing_key_as_a_public_key_path_uses_the_agent_when_it_holds_the_key() {
    let (w, agent) = ssh_format_with_agent();
    // Only the public half stays on disk: the agent must do the signing.
    let public = w.scratch().join("only-public.pub");
    std::fs::copy(format!("{}.pub", w.key.display()), &public).unwrap();
    std::fs::remove_file(&w.key).unwrap();
    w.git(["config", "user.signingKey", public.to_str().unwrap()]);
    commit_with(&w, Some(&agent), "a.txt").expect(0);
    signed_by(&w, &public.with_extension(""));
}

#[test]
fn user_signing_key_as_a_literal_key_signs_through_a_real_agent() {
    let (w, agent) = ssh_format_with_agent();
    let line = public_line(&w.key);
    let key = w.key.clone();
    std::fs::copy(format!("{}.pub", key.display()), w.scratch().join("kept.pub")).unwrap();
    std::fs::remove_file(&key).unwrap();
    w.git(["config", "user.signingKey", &format!("key::{line}")]);
    commit_with(&w, Some(&agent), "a.txt").expect(0);
    signed_by(&w, &w.scratch().join("kept"));
}

#[test]
fn a_literal_key_without_an_agent_or_not_in_it_refuses_the_commit_with_a_hint() {
    let w = configured(&[("gpg.format", "ssh")]);
    let line = public_line(&w.key);
    w.git(["config", "user.signingKey", &format!("key::{line}")]);
    let before = w.git(["rev-parse", "HEAD"]);
    let hint = "hint: point user.signingKey at an ed25519, ECDSA or RSA key (git signs with it too): make one with `ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519`, then `git config user.signingKey ~/.ssh/id_ed25519`; or give avow its own with avow.signingKey; `git avow doctor` checks the set-up";
    let r = commit_with(&w, None, "a.txt").expect(1);
    assert_eq!(
        r.stderr,
        format!(
            "git-avow: error: cannot use the key from user.signingKey (key::{line}): no ssh-agent is running (SSH_AUTH_SOCK is not set); start one with eval \"$(ssh-agent)\" and ssh-add your key, or name the private key file instead\n{hint}\n"
        )
    );
    let agent = Agent::start(&w);
    let r = commit_with(&w, Some(&agent), "a.txt").expect(1);
    let fpr = fingerprint(&w, &w.key);
    assert_eq!(
        r.stderr,
        format!(
            "git-avow: error: cannot use the key from user.signingKey (key::{line}): the ssh-agent does not hold the key {fpr}; add it with ssh-add and the path of its private key\n{hint}\n"
        )
    );
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "no commit was made");
}

#[test]
fn default_key_command_names_the_agent_key() {
    let w = configured(&[("gpg.format", "ssh"), ("gpg.ssh.defaultKeyCommand", "ssh-add -L")]);
    let agent = Agent::start(&w);
    let other = w.keygen("other");
    // The agent holds two keys; `ssh-add -L` lists Alice's first.
    agent.add(&w, &w.key);
    agent.add(&w, &other);
    commit_with(&w, Some(&agent), "a.txt").expect(0);
    signed_by(&w, &w.key);
}

#[test]
fn the_agents_first_ed25519_key_is_used_when_nothing_is_configured() {
    let w = configured(&[]);
    let agent = Agent::start(&w);
    agent.add(&w, &w.key);
    commit_with(&w, Some(&agent), "a.txt").expect(0);
    signed_by(&w, &w.key);
}

/// ssh-agent holds several keys, a stranger's first: the hook signs with
/// the one the work tree's keyring lists for the committer, and doctor
/// names it (it used to take the agent's first ed25519 key and advise
/// registering it).
#[test]
fn with_several_agent_keys_the_keyrings_key_signs_and_doctor_names_it() {
    let w = configured(&[]);
    let agent = Agent::start(&w);
    let other = w.keygen("other");
    let rsa = w.repo.keygen_typed("rsa-other", &["-t", "rsa", "-b", "2048"], "");
    agent.add(&w, &other);
    agent.add(&w, &rsa);
    agent.add(&w, &w.key);
    commit_with(&w, Some(&agent), "a.txt").expect(0);
    signed_by(&w, &w.key);
    let mut c = w.command(avow_bin());
    c.arg("doctor").env("SSH_AUTH_SOCK", &agent.socket);
    let out = Run::from(c.output().unwrap()).stdout;
    let line = out.lines().find(|l| l.contains("signing key:")).unwrap().to_owned();
    assert_eq!(
        line.replace(&fingerprint(&w, &w.key), "FPR"),
        "ok    signing key: FPR from the ssh-agent (SSH_AUTH_SOCK), key 3 of 3, the one .avow/keyring.toml lists for <alice@example.org>, signing through the ssh-agent"
    );
    assert!(out.contains("ok    keyring: "), "{out}");
}

#[test]
fn user_signing_key_is_ignored_unless_gpg_format_is_ssh() {
    // An OpenPGP key id is not an SSH key: with nothing else to use, the
    // hook says so instead of misreading it.
    let w = configured(&[("user.signingKey", "0xDEADBEEF")]);
    let r = commit_with(&w, None, "a.txt").expect(1);
    assert_eq!(
        r.stderr,
        "git-avow: error: no SSH signing key found (no avow.signingKey, no agent, no ~/.ssh/id_ed25519)\n\
         hint: create one with `ssh-keygen -t ed25519` or point to yours with `git config avow.signingKey ~/.ssh/KEY`\n"
    );
}

#[test]
fn default_key_command_may_print_the_key_form_and_its_failure_is_an_error() {
    let (w, agent) = ssh_format_with_agent();
    let line = public_line(&w.key);
    w.git(["config", "gpg.ssh.defaultKeyCommand", &format!("echo 'key::{line}'")]);
    commit_with(&w, Some(&agent), "a.txt").expect(0);
    signed_by(&w, &w.key);

    // A failing command does not silently fall back to the agent's key.
    w.git(["config", "gpg.ssh.defaultKeyCommand", "exit 3"]);
    let r = commit_with(&w, Some(&agent), "b.txt").expect(1);
    assert_eq!(
        r.stderr,
        "git-avow: error: gpg.ssh.defaultKeyCommand (exit 3) failed (exit status: 3)\n\
         hint: fix the command (its first output line must be an SSH public key, e.g. `ssh-add -L`), or name a key file, which avow takes first: make one with `ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519`, then `git config avow.signingKey ~/.ssh/id_ed25519`\n"
    );
    w.git(["config", "gpg.ssh.defaultKeyCommand", "true"]);
    let r = commit_with(&w, Some(&agent), "b.txt").expect(1);
    assert_eq!(r.stderr.lines().next(), Some("git-avow: error: gpg.ssh.defaultKeyCommand (true) printed no key"));
}

#[test]
fn user_signing_key_paths_may_start_with_the_home_directory() {
    let w = configured(&[("gpg.format", "ssh")]);
    std::fs::copy(&w.key, w.home().join(".ssh/work")).unwrap();
    std::fs::copy(format!("{}.pub", w.key.display()), w.home().join(".ssh/work.pub")).unwrap();
    w.git(["config", "user.signingKey", "~/.ssh/work.pub"]);
    commit_with(&w, None, "a.txt").expect(0);
    signed_by(&w, &w.key);
}

/// A passphrase-protected key and no terminal (an IDE, a script): the key
/// is the right one, so the hint is not to point at another but the
/// `ssh-add` that unlocks it; run as printed (the passphrase typed to
/// ssh-add), the next commit signs through the agent.
#[test]
fn a_locked_key_without_a_terminal_names_the_ssh_add_that_unlocks_it() {
    let w = World::adopted("disclose");
    let key = w.key.display().to_string();
    let r: Run = w
        .command("ssh-keygen")
        .args(["-q", "-p", "-P", "", "-N", "correct horse", "-f", &key])
        .output()
        .unwrap()
        .into();
    r.expect(0);
    let agent = Agent::start(&w);
    let r = commit_with(&w, Some(&agent), "a.txt");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.replace(&key, "KEY"),
        "git-avow: error: cannot use the key from avow.signingKey (KEY): KEY is protected by a passphrase and none was given (no terminal to ask on); add the key to ssh-agent with ssh-add KEY, or run the command from a terminal\n\
         hint: add the key to ssh-agent once per session, `ssh-add KEY`, and avow signs without asking (in IDEs and scripts too); `git avow doctor` checks the set-up\n"
    );
    let hint = r.stderr.lines().find(|l| l.starts_with("hint: ")).unwrap();
    let add = hint.split('`').nth(1).unwrap();
    // The user types the passphrase to ssh-add; here through SSH_ASKPASS.
    let askpass = w.scratch().join("askpass");
    std::fs::write(&askpass, "#!/bin/sh\necho 'correct horse'\n").unwrap();
    w.command("chmod").arg("+x").arg(&askpass).status().unwrap();
    let r: Run = w
        .shell(add)
        .env("SSH_AUTH_SOCK", &agent.socket)
        .env("SSH_ASKPASS", &askpass)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .output()
        .unwrap()
        .into();
    r.expect(0);
    commit_with(&w, Some(&agent), "a.txt").expect(0);
    signed_by(&w, &w.key);
}

/// Someone with only an RSA key in `~/.ssh` (ssh's other defaults are not
/// avow's): the refusal names that key and the setting that uses it, and
/// following it as printed, the commit signs with it.
#[test]
fn without_a_key_the_hint_names_the_rsa_key_in_ssh() {
    let w = configured(&[]);
    let ssh = w.home().join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let rsa = ssh.join("id_rsa");
    let r: Run = w
        .command("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "3072", "-N", "", "-f"])
        .arg(&rsa)
        .output()
        .unwrap()
        .into();
    r.expect(0);
    let r = commit_with(&w, None, "a.txt").expect(1);
    assert_eq!(
        r.stderr,
        "git-avow: error: no SSH signing key found (no avow.signingKey, no agent, no ~/.ssh/id_ed25519)\n\
         hint: sign with the key you have: `git config avow.signingKey ~/.ssh/id_rsa` (or create an ed25519 one with `ssh-keygen -t ed25519`)\n"
    );
    let hint = r.stderr.lines().nth(1).unwrap();
    let set: Run = w.shell(hint.split('`').nth(1).unwrap()).env("HOME", w.home()).output().unwrap().into();
    set.expect(0);
    let r = commit_with(&w, None, "a.txt").expect(0);
    assert!(r.stderr.contains("is not in .avow/keyring.toml"), "signed with the RSA key: {}", r.stderr);
    let out = w.avow(["doctor"]).stdout;
    assert!(out.contains(&format!("ok    signing key: {} from avow.signingKey", fingerprint(&w, &rsa))), "{out}");
}

/// git's own SSH commit signing (`commit.gpgsign`, `gpg.format=ssh`) with
/// the same key at the same time: git signs the commit object after the
/// hook wrote the attestation, and an amend (which re-attests) gets both
/// again. `git verify-commit` and `git avow verify` both accept.
#[test]
fn git_commit_signing_and_avow_sign_the_same_commit() {
    let w = configured(&[("gpg.format", "ssh"), ("commit.gpgsign", "true")]);
    w.git(["config", "user.signingKey", &format!("{}.pub", w.key.display())]);
    let allowed = w.scratch().join("allowed_signers");
    std::fs::write(&allowed, format!("{AUTHOR_EMAIL} {}\n", public_line(&w.key))).unwrap();
    w.git(["config", "gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()]);
    commit_with(&w, None, "a.txt").expect(0);
    w.write("a.txt", "amended\n");
    w.git(["add", "-A"]);
    w.commit(&["--amend", "--no-edit"]).expect(0);
    assert!(w.git(["cat-file", "commit", "HEAD"]).contains("\ngpgsig -----BEGIN SSH SIGNATURE-----"));
    let r = w.git_output(["verify-commit", "HEAD"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    signed_by(&w, &w.key);
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
}
