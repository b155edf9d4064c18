//! Keys held by a real ssh-agent.

use std::path::Path;

use avow_sign::{fingerprint, parse_public_key, verify, Error, KeySource, Signer, Zeroizing};
use avow_testutil::TestRepo;

use crate::support::{assert_keygen_verifies, no_prompt, pub_line, AgentGuard};

const PAYLOAD: &[u8] = b"signed through the agent\n";

fn sign_and_check(repo: &TestRepo, signer: &Signer, key_line: &str) {
    assert!(signer.uses_agent());
    let sig = signer.sign(PAYLOAD).unwrap();
    let by = verify(PAYLOAD, &sig).unwrap();
    assert_eq!(by.key_data(), parse_public_key(key_line).unwrap().key_data());
    assert_keygen_verifies(repo, key_line, &sig.to_armored(), PAYLOAD);
}

#[test]
fn agent_literal_and_pub_file_all_sign() {
    let repo = TestRepo::new();
    let agent = AgentGuard::start(&repo);
    // KeySource::Agent takes the agent's first key; a second one (ECDSA)
    // is named by its literal or .pub file (`keys_of_every_type_sign_through_the_agent`).
    let key = repo.keygen("alice");
    agent.add(&repo, &key);
    let ecdsa = crate::support::keygen_type(&repo, "ecdsa", "ecdsa");
    agent.add(&repo, &ecdsa);
    // The private key file is gone: only the agent can sign.
    let pub_file = key.with_extension("pub");
    let line = pub_line(&key);
    std::fs::remove_file(&key).unwrap();
    let sock = Some(agent.socket());

    let signer = Signer::load_with_agent(&KeySource::Agent, &mut no_prompt, sock).unwrap();
    sign_and_check(&repo, &signer, &line);

    let signer = Signer::load_with_agent(&KeySource::Literal(line.clone()), &mut no_prompt, sock).unwrap();
    sign_and_check(&repo, &signer, &line);
    let signer =
        Signer::load_with_agent(&KeySource::Literal(format!("key::{}", line.trim())), &mut no_prompt, sock).unwrap();
    sign_and_check(&repo, &signer, &line);

    let signer = Signer::load_with_agent(&KeySource::File(pub_file), &mut no_prompt, sock).unwrap();
    sign_and_check(&repo, &signer, &line);
}

#[test]
fn encrypted_key_in_agent_needs_no_passphrase() {
    let repo = TestRepo::new();
    let agent = AgentGuard::start(&repo);
    // Add the unencrypted key, then encrypt the file on disk.
    let key = repo.keygen("alice");
    agent.add(&repo, &key);
    let out = repo
        .command("ssh-keygen")
        .args(["-q", "-p", "-a", "1", "-N", "secret", "-P", "", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, Some(agent.socket())).unwrap();
    sign_and_check(&repo, &signer, &pub_line(&key));
}

#[test]
fn agent_without_the_key_is_a_clear_error() {
    let repo = TestRepo::new();
    let agent = AgentGuard::start(&repo);
    let other = repo.keygen("bob");
    agent.add(&repo, &other);
    let key = repo.keygen("alice");
    let public = parse_public_key(&pub_line(&key)).unwrap();
    let sock = Some(agent.socket());

    let err = Signer::load_with_agent(&KeySource::Literal(pub_line(&key)), &mut no_prompt, sock).unwrap_err();
    assert!(matches!(&err, Error::KeyNotInAgent { fingerprint: f, .. } if *f == fingerprint(&public)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the ssh-agent does not hold the key {}; add it with ssh-add and the path of its private key",
            fingerprint(&public)
        )
    );

    std::fs::remove_file(&key).unwrap();
    let err = Signer::load_with_agent(&KeySource::File(key.with_extension("pub")), &mut no_prompt, sock).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the ssh-agent does not hold the key {}; add it with ssh-add {}", fingerprint(&public), key.display())
    );
}

#[test]
fn empty_agent_is_a_clear_error() {
    let repo = TestRepo::new();
    let agent = AgentGuard::start(&repo);
    let dsa = crate::support::keygen_type(&repo, "dsa", "dsa");
    agent.add(&repo, &dsa);
    let err = Signer::load_with_agent(&KeySource::Agent, &mut no_prompt, Some(agent.socket())).unwrap_err();
    assert!(matches!(err, Error::NoAgentKey { count: 1 }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the ssh-agent holds no key avow can sign with (1 keys of other types); add one with ssh-add ~/.ssh/id_ed25519"
    );
}

#[test]
fn no_agent_is_a_clear_error() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    for source in [KeySource::Agent, KeySource::Literal(pub_line(&key))] {
        let err = Signer::load_with_agent(&source, &mut no_prompt, None).unwrap_err();
        assert!(matches!(err, Error::AgentNotRunning), "{err:?}");
        assert_eq!(
            err.to_string(),
            "no ssh-agent is running (SSH_AUTH_SOCK is not set); start one with eval \"$(ssh-agent)\" and ssh-add your key, or name the private key file instead"
        );
    }
    // A socket nobody listens on.
    let dead = repo.scratch().join("dead.sock");
    let err = Signer::load_with_agent(&KeySource::Agent, &mut no_prompt, Some(&dead)).unwrap_err();
    assert!(matches!(&err, Error::AgentIo { socket, .. } if *socket == dead), "{err:?}");
}

#[test]
fn agent_stopped_after_loading_is_an_error_not_a_panic() {
    let repo = TestRepo::new();
    let agent = AgentGuard::start(&repo);
    let key = repo.keygen("alice");
    agent.add(&repo, &key);
    let socket = agent.socket().to_path_buf();
    let mut prompt = |_: &Path| Ok(Zeroizing::new(String::new()));
    let signer = Signer::load_with_agent(&KeySource::Agent, &mut prompt, Some(&socket)).unwrap();
    drop(agent);
    let err = signer.sign(PAYLOAD).unwrap_err();
    assert!(matches!(err, Error::AgentIo { .. }), "{err:?}");
}
