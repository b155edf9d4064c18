//! The keyring against real OpenSSH: keys made by `ssh-keygen`, the
//! exported `allowed_signers` checked by `ssh-keygen -Y verify`, and
//! hand-written `allowed_signers` files imported.

use std::path::{Path, PathBuf};

use avow_policy::keyring::{KeyStatus, Keyring, NewKey, Role, NAMESPACE};
use avow_testutil::TestRepo;
use chrono::{DateTime, Utc};
use proptest::prelude::*;

fn date(s: &str) -> DateTime<Utc> {
    if s.len() == 10 {
        format!("{s}T00:00:00Z").parse().unwrap()
    } else {
        s.parse().unwrap()
    }
}

struct Ssh {
    repo: TestRepo,
}

impl Ssh {
    fn new() -> Ssh {
        Ssh { repo: TestRepo::new() }
    }

    /// A new key pair: (private key path, public key line).
    fn key(&self, name: &str) -> (PathBuf, String) {
        let private = self.repo.keygen(name);
        let public = std::fs::read_to_string(private.with_extension("pub")).unwrap();
        (private, public.trim().to_owned())
    }

    fn fingerprint(&self, private: &Path) -> String {
        let out = self.repo.command("ssh-keygen").arg("-lf").arg(private.with_extension("pub")).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().split_whitespace().nth(1).unwrap().to_owned()
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.repo.scratch().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Signs `message` with `ssh-keygen -Y sign`; returns the signature file.
    fn sign(&self, private: &Path, namespace: &str, message: &str) -> PathBuf {
        let name = format!("message-{}-{namespace}", private.file_name().unwrap().to_str().unwrap());
        let file = self.write(&name, message);
        let out = self
            .repo
            .command("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
            .arg(private)
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "sign: {}", String::from_utf8_lossy(&out.stderr));
        PathBuf::from(format!("{}.sig", file.display()))
    }

    /// `ssh-keygen -Y verify`, optionally at a given time; true if accepted.
    fn verify(&self, signers: &Path, identity: &str, sig: &Path, message: &str, at: Option<&str>) -> bool {
        use std::io::Write as _;
        let mut cmd = self.repo.command("ssh-keygen");
        cmd.args(["-Y", "verify", "-f"]).arg(signers).args(["-I", identity, "-n", NAMESPACE, "-s"]).arg(sig);
        if let Some(at) = at {
            cmd.arg(format!("-Overify-time={at}"));
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(message.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        out.status.success()
    }
}

/// A key for `add` with nothing but its person.
fn new_key<'a>(name: &'a str, email: &'a str, role: Role, key: &'a str) -> NewKey<'a> {
    NewKey { name: Some(name), email, role: Some(role), key, ..NewKey::default() }
}

#[test]
fn fingerprints_match_ssh_keygen() {
    let ssh = Ssh::new();
    let (private, public) = ssh.key("alice");
    let mut keyring = Keyring::default();
    let key = keyring.add(&new_key("Alice", "alice@example.org", Role::Maintainer, &public)).unwrap();
    assert_eq!(key.fingerprint, ssh.fingerprint(&private));
    assert_eq!(key.comment, "alice");
}

#[test]
fn ssh_keygen_verifies_with_the_exported_file() {
    let ssh = Ssh::new();
    let (alice_private, alice) = ssh.key("alice");
    let (bob_private, bob) = ssh.key("bob");
    let mut keyring = Keyring::default();
    keyring.add(&new_key("Alice", "alice@example.org", Role::Maintainer, &alice)).unwrap();
    keyring.add(&new_key("Bob", "bob@example.org", Role::Contributor, &bob)).unwrap();
    let signers = ssh.write("allowed_signers", &keyring.to_allowed_signers());

    let message = "avow-attestation v2\nchange none\n";
    let sig = ssh.sign(&alice_private, NAMESPACE, message);
    assert!(ssh.verify(&signers, "alice@example.org", &sig, message, None));
    assert!(!ssh.verify(&signers, "bob@example.org", &sig, message, None), "another principal");
    assert!(!ssh.verify(&signers, "alice@example.org", &sig, "tampered", None), "another message");

    // The export is restricted to avow's namespace: a git signature of the
    // same key is no attestation.
    let git_sig = ssh.sign(&bob_private, "git", message);
    assert!(!ssh.verify(&signers, "bob@example.org", &git_sig, message, None));
    let bob_sig = ssh.sign(&bob_private, NAMESPACE, message);
    assert!(ssh.verify(&signers, "bob@example.org", &bob_sig, message, None));
}

#[test]
fn ssh_keygen_agrees_with_status_at_about_the_window() {
    let ssh = Ssh::new();
    let (private, public) = ssh.key("alice");
    let mut keyring = Keyring::default();
    keyring
        .add(&NewKey {
            name: Some("Alice"),
            email: "alice@example.org",
            role: Some(Role::Maintainer),
            key: &public,
            added: None,
            valid_after: Some(date("2026-01-10")),
            expires: Some(date("2027-01-10T12:00:00Z")),
        })
        .unwrap();
    let export = keyring.to_allowed_signers();
    assert!(export.contains("valid-after=\"20260110000000Z\",valid-before=\"20270110120000Z\""), "{export}");
    let signers = ssh.write("allowed_signers", &export);
    let message = "payload";
    let sig = ssh.sign(&private, NAMESPACE, message);
    let key = &keyring.people()[0].keys[0];

    let cases = [
        ("20260109235959Z", "2026-01-09T23:59:59Z", KeyStatus::NotYetValid { valid_after: date("2026-01-10") }),
        ("20260110000000Z", "2026-01-10T00:00:00Z", KeyStatus::Valid),
        ("20260601Z", "2026-06-01T00:00:00Z", KeyStatus::Valid),
        ("20270110120000Z", "2027-01-10T12:00:00Z", KeyStatus::Valid),
        ("20270110120001Z", "2027-01-10T12:00:01Z", KeyStatus::Expired { at: date("2027-01-10T12:00:00Z") }),
        ("20300101Z", "2030-01-01T00:00:00Z", KeyStatus::Expired { at: date("2027-01-10T12:00:00Z") }),
    ];
    for (ssh_time, at, expected) in cases {
        let status = key.status_at(date(at));
        assert_eq!(status, expected, "status_at({at})");
        assert_eq!(
            ssh.verify(&signers, "alice@example.org", &sig, message, Some(ssh_time)),
            status.is_valid(),
            "ssh-keygen at {ssh_time} disagrees with {status}"
        );
    }
}

#[test]
fn revoked_keys_are_left_out() {
    let ssh = Ssh::new();
    let (stolen_private, stolen) = ssh.key("stolen");
    let (kept_private, kept) = ssh.key("kept");
    let mut keyring = Keyring::default();
    let stolen_fpr =
        keyring.add(&new_key("Alice", "alice@example.org", Role::Maintainer, &stolen)).unwrap().fingerprint.clone();
    keyring.add(&new_key("Alice", "alice@example.org", Role::Maintainer, &kept)).unwrap();
    keyring.revoke(&stolen_fpr, "laptop stolen", date("2026-06-01")).unwrap();

    let export = keyring.to_allowed_signers();
    let stolen_blob = stolen.split_whitespace().nth(1).unwrap();
    assert!(!export.contains(stolen_blob), "{export}");
    assert_eq!(export.lines().filter(|l| !l.starts_with('#')).count(), 1);

    let signers = ssh.write("allowed_signers", &export);
    let message = "payload";
    // Even a signature dated before the revocation is refused, by both.
    let sig = ssh.sign(&stolen_private, NAMESPACE, message);
    assert!(!ssh.verify(&signers, "alice@example.org", &sig, message, Some("20260101Z")));
    assert!(matches!(keyring.people()[0].keys[0].status_at(date("2026-01-01")), KeyStatus::Revoked { .. }));
    let sig = ssh.sign(&kept_private, NAMESPACE, message);
    assert!(ssh.verify(&signers, "alice@example.org", &sig, message, None));
}

#[test]
fn rotation_keeps_old_signatures_valid() {
    let ssh = Ssh::new();
    let (old_private, old) = ssh.key("old");
    let (new_private, new) = ssh.key("new");
    let mut keyring = Keyring::default();
    let old_fpr =
        keyring.add(&new_key("Alice", "alice@example.org", Role::Maintainer, &old)).unwrap().fingerprint.clone();
    let rotated = keyring.rotate(&old_fpr, &new, date("2026-09-01")).unwrap();
    assert_eq!(rotated.succeeds.as_deref(), Some(old_fpr.as_str()));
    let signers = ssh.write("allowed_signers", &keyring.to_allowed_signers());
    let message = "payload";
    let old_sig = ssh.sign(&old_private, NAMESPACE, message);
    let new_sig = ssh.sign(&new_private, NAMESPACE, message);
    assert!(ssh.verify(&signers, "alice@example.org", &old_sig, message, Some("20260801Z")));
    assert!(!ssh.verify(&signers, "alice@example.org", &old_sig, message, Some("20261001Z")));
    // The new key's `added` is no bound (docs/keyring.md): both agree that
    // it verifies at any time, as status_at says.
    assert!(ssh.verify(&signers, "alice@example.org", &new_sig, message, Some("20260801Z")));
    assert!(keyring.people()[0].keys[1].status_at(date("2026-08-01")).is_valid());
    assert!(ssh.verify(&signers, "alice@example.org", &new_sig, message, Some("20261001Z")));
    assert_eq!(Keyring::parse(&keyring.to_toml(), Path::new("k")).unwrap(), keyring);
}

#[test]
fn imports_a_hand_written_file() {
    let ssh = Ssh::new();
    let (alice_private, alice) = ssh.key("alice@laptop");
    let (_, alice2) = ssh.key("alice@desktop");
    let (_, bob) = ssh.key("bob");
    let (_, git_only) = ssh.key("git-only");
    let (_, carol) = ssh.key("carol");
    let text = format!(
        "# Team signers, kept by hand.\n\
         \n\
         alice@example.org namespaces=\"git,avow-attestation@v1\",valid-after=\"20260110Z\" {alice}\n\
         \t\"alice@example.org,alice@old.example.org\"   {alice2}\n\
         bob@example.org   namespaces=\"avow-*\",VALID-BEFORE=\"202701011200Z\"   {bob}\n\
         ci@example.org namespaces=\"git\" {git_only}\n\
         carol@example.org valid-after=\"20260101000000Z\",valid-before=\"20270101000000Z\" {carol}\n"
    );
    let path = ssh.write("hand_signers", &text);

    // ssh-keygen reads the same file the same way.
    let message = "payload";
    let sig = ssh.sign(&alice_private, NAMESPACE, message);
    assert!(ssh.verify(&path, "alice@example.org", &sig, message, Some("20260601Z")));

    let entries = Keyring::from_allowed_signers(&text, &path).unwrap();
    assert_eq!(entries.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4, 5, 6, 7]);
    assert_eq!(entries[1].principals, ["alice@example.org", "alice@old.example.org"]);
    let mut keyring = Keyring::default();
    keyring.add(&new_key("Alice Example", "alice@example.org", Role::Maintainer, &alice)).unwrap();
    assert_eq!(keyring.import_allowed_signers(&entries, Role::Contributor).unwrap(), 3);

    let fpr = |line: &str| {
        let key = ssh_key::PublicKey::from_openssh(line).unwrap();
        key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
    };
    let summary: Vec<String> = keyring
        .keys()
        .map(|(p, k)| {
            format!(
                "{} <{}> {} {} {} valid-after={:?} expires={:?}",
                p.name,
                p.email,
                p.role,
                k.fingerprint == fpr(&alice)
                    || k.fingerprint == fpr(&alice2)
                    || k.fingerprint == fpr(&bob)
                    || k.fingerprint == fpr(&carol),
                k.comment,
                k.valid_after.map(|d| d.to_rfc3339()),
                k.expires.map(|d| d.to_rfc3339()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            // Alice was already there: her first key keeps its (absent) dates.
            "Alice Example <alice@example.org> maintainer true alice@laptop valid-after=None expires=None",
            "Alice Example <alice@example.org> maintainer true alice@desktop valid-after=None expires=None",
            "bob <bob@example.org> contributor true bob valid-after=None expires=Some(\"2027-01-01T12:00:00+00:00\")",
            "carol <carol@example.org> contributor true carol valid-after=Some(\"2026-01-01T00:00:00+00:00\") expires=Some(\"2027-01-01T00:00:00+00:00\")",
        ]
    );
    // The git-only key was skipped.
    assert!(keyring.find_by_fingerprint(&fpr(&git_only)).is_none());
}

#[test]
fn allowed_signers_errors_name_file_and_line() {
    let ssh = Ssh::new();
    let (_, key) = ssh.key("k");
    let text = format!("# ok\na@b {key}\na@b namespaces=\"avow-attestation@v1\" valid-before=\"tomorrow\" {key}\n");
    let e = Keyring::from_allowed_signers(&text, Path::new("team/allowed_signers")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "team/allowed_signers:3: key: \"valid-before=\\\"tomorrow\\\" ssh-ed25…\" is not an OpenSSH public key (expected keytype base64)"
    );
    let text = format!("a@b valid-before=\"tomorrow\" {key}\n");
    let e = Keyring::from_allowed_signers(&text, Path::new("team/allowed_signers")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "team/allowed_signers:1: valid-before: \"tomorrow\" is not a date (use YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC)"
    );
}

const VALID: &str = r#"# keyring
version = 1

[[person]]
name = "Alice Example"
email = "alice@example.org"
role = "maintainer"

[[person.key]]
key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAATe3tswxR6uiQ3R8FN5ds32RSsJyXQgnBgkG7O7ytl alice@laptop"
added = "2026-01-10"
expires = 2027-01-10T00:00:00Z
revoked = "2026-06-01"
revoked-reason = "laptop stolen"
succeeds = "SHA256:OFfa1gXCYHfEpqnvHi7vVj7vRi3NEVv47EO8Y3yIF35"
"#;

const SIGNERS: &str = "# s\n\"a@b,c@d\" cert-authority,namespaces=\"git,avow-*\",valid-after=\"20260101Z\",valid-before=\"202701011200\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAATe3tswxR6uiQ3R8FN5ds32RSsJyXQgnBgkG7O7ytl c\n";

/// `base` with a few bytes replaced, inserted or removed (at char
/// boundaries), to reach the deeper parts of the parsers.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<char>()), 1..6).prop_map(move |edits| {
        let mut s: Vec<char> = base.chars().collect();
        for (at, op, c) in edits {
            let i = at.index(s.len() + 1);
            match op {
                0 => s.insert(i, c),
                1 if i < s.len() => {
                    s.remove(i);
                }
                _ if i < s.len() => s[i] = c,
                _ => s.push(c),
            }
        }
        s.into_iter().collect()
    })
}

proptest! {
    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = Keyring::parse(&text, Path::new("k"));
        let _ = Keyring::from_allowed_signers(&text, Path::new("s"));
    }

    #[test]
    fn parse_never_panics_near_valid_input(text in mutated(VALID)) {
        if let Err(e) = Keyring::parse(&text, Path::new("k")) {
            let message = e.to_string();
            prop_assert_eq!(message.lines().count(), 1, "{}", message);
            prop_assert!(message.starts_with("k:"), "{}", message);
        }
    }

    #[test]
    fn allowed_signers_never_panics_near_valid_input(text in mutated(SIGNERS)) {
        if let Ok(entries) = Keyring::from_allowed_signers(&text, Path::new("s")) {
            let _ = Keyring::default().import_allowed_signers(&entries, Role::Contributor);
        }
    }
}
