//! Signing keys as new contributors have them: a FIDO security key
//! (`sk-ssh-ed25519`) with no authenticator at hand. Nothing here can
//! touch a real one, so the key file is made as `ssh-keygen -t ed25519-sk`
//! writes it (a handle to a key that lives on the device), and the real
//! ssh-agent, asked to sign with it, fails as it does when the key is not
//! plugged in. What is checked: each error is one line naming the key,
//! and its hint, followed as printed, gets as far as anything can without
//! the device, and then to a commit signed with a key file.

use std::path::PathBuf;

use avow_sign::ssh_key::private::{KeypairData, SkEd25519 as SkKeypair};
use avow_sign::ssh_key::public::{Ed25519PublicKey, SkEd25519};
use avow_sign::ssh_key::{LineEnding, PrivateKey};

use crate::support::*;

/// `~/.ssh/id_ed25519_sk` as `ssh-keygen -t ed25519-sk` writes it: the
/// public key, the application `ssh:`, the user-presence flag and a key
/// handle only the (absent) device can use.
fn security_key_file(w: &World) -> PathBuf {
    let path = w.home().join(".ssh/id_ed25519_sk");
    let public = SkEd25519::new(Ed25519PublicKey([0x5a; 32]), "ssh:");
    let pair = SkKeypair::new(public, 0x01, vec![0xa5; 64]).unwrap();
    let key = PrivateKey::new(KeypairData::SkEd25519(pair), "alice@security-key").unwrap();
    key.write_openssh_file(&path, LineEnding::LF).unwrap();
    key.public_key().write_openssh_file(&path.with_extension("pub")).unwrap();
    path
}

const COMMIT: &str = "git commit -q -m 'Sign with the security key' --trailer 'Authorship: human' --trailer 'Rationale: The security key is what this contributor signs with; try it as they would.'";

/// The lines of `stderr` that are avow's error and hint.
fn error_and_hint(stderr: &str) -> (String, String) {
    let error = stderr.lines().find(|l| l.starts_with("git-avow: error: ")).unwrap_or_else(|| panic!("{stderr}"));
    let hint = stderr.lines().find(|l| l.starts_with("hint: ")).unwrap_or_else(|| panic!("{stderr}"));
    (error.to_owned(), hint.to_owned())
}

/// Runs `line` in the work tree with `git-avow` on PATH, no terminal.
fn run(w: &World, line: &str) -> Run {
    w.shell(line).output().unwrap().into()
}

#[test]
fn a_security_key_without_its_authenticator_says_so_and_the_hints_work() {
    let w = World::adopted("disclose");
    let sk = security_key_file(&w);
    w.git(["config", "avow.signingKey", sk.to_str().unwrap()]);
    w.write("s.txt", "s\n");
    w.git(["add", "s.txt"]);
    let head = w.git(["rev-parse", "HEAD"]);

    // No agent: the key file is only a handle, and says so.
    let r = run(&w, COMMIT).expect(1);
    let (error, hint) = error_and_hint(&r.stderr);
    let shown = sk.display();
    assert_eq!(
        error,
        format!(
            "git-avow: error: cannot use the key from avow.signingKey ({shown}): {shown} is a security-key (FIDO) key, which avow signs with through ssh-agent, and no agent is running (SSH_AUTH_SOCK is not set); start one with eval \"$(ssh-agent)\" and add the key with ssh-add {shown}"
        )
    );
    assert_eq!(
        hint,
        format!("hint: start ssh-agent (`eval \"$(ssh-agent)\"`) and add the key to ssh-agent once per session, `ssh-add {shown}`, and avow signs without asking (in IDEs and scripts too)")
    );
    assert_eq!(w.git(["rev-parse", "HEAD"]), head);

    // The hint, as printed, in one shell (the agent's variables live in
    // it); the agent is stopped when the shell ends. The agent takes the
    // handle; signing needs the device, which is not there.
    let steps = quoted_commands_any(&hint);
    assert_eq!(steps, [r#"eval "$(ssh-agent)""#.to_owned(), format!("ssh-add {shown}")], "{hint}");
    let line = format!("{} >/dev/null && trap 'ssh-agent -k >/dev/null' EXIT && {} && {COMMIT}", steps[0], steps[1]);
    let r = run(&w, &line).expect(1);
    let (error, hint) = error_and_hint(&r.stderr);
    let fpr = w.command("ssh-keygen").arg("-lf").arg(&sk).output().unwrap();
    let fpr = String::from_utf8(fpr.stdout).unwrap().split(' ').nth(1).unwrap().to_owned();
    assert_eq!(
        error,
        format!("git-avow: error: signing failed: the security key {fpr} did not sign: it is not plugged in, or was not touched in time; plug it in, run the same command again and touch it when it blinks")
    );
    assert_eq!(
        hint,
        "hint: without the security key at hand, sign with a key file: `git config avow.signingKey ~/.ssh/id_ed25519` (its public key must be in the keyring too)"
    );
    assert_eq!(w.git(["rev-parse", "HEAD"]), head, "nothing committed");

    // That hint, with the contributor's ordinary key where it names it.
    std::fs::copy(&w.key, w.home().join(".ssh/id_ed25519")).unwrap();
    let steps = quoted_commands_any(&hint);
    run(&w, &format!("{} && {COMMIT}", steps[0])).expect(0);
    w.verify("base..HEAD").expect(0);
}

/// Every backquoted command in `text`.
fn quoted_commands_any(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// git's own SSH signing names the public half (`user.signingKey =
/// ~/.ssh/id_ed25519_sk.pub`, `gpg.format = ssh`). With an agent running
/// that does not hold the key, avow says that (not "no agent is
/// running"), and the `ssh-add` it names, run in that session, gets to
/// the missing authenticator.
#[test]
fn a_security_keys_public_half_with_an_agent_that_lacks_it_names_ssh_add() {
    let w = World::adopted("disclose");
    let sk = security_key_file(&w);
    w.git(["config", "--unset", "avow.signingKey"]);
    w.git(["config", "gpg.format", "ssh"]);
    w.git(["config", "user.signingKey", &format!("{}.pub", sk.display())]);
    w.write("s.txt", "s\n");
    w.git(["add", "s.txt"]);
    let agent = crate::signing_keys::Agent::start(&w);
    let in_session = |line: &str| -> Run { w.shell(line).env("SSH_AUTH_SOCK", &agent.socket).output().unwrap().into() };

    let r = in_session(COMMIT).expect(1);
    let (error, hint) = error_and_hint(&r.stderr);
    assert!(!error.contains("no agent is running"), "{error}");
    assert!(error.contains("the ssh-agent does not hold the key SHA256:"), "{error}");
    let add = quoted_commands_any(&hint);
    assert_eq!(add.first(), Some(&format!("ssh-add {}", sk.display())), "{hint}");
    in_session(&add[0]).expect(0);
    let r = in_session(COMMIT).expect(1);
    let (error, _) = error_and_hint(&r.stderr);
    assert!(error.contains("did not sign: it is not plugged in, or was not touched in time"), "{error}");
}
