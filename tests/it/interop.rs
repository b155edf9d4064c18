//! avow's signatures are plain SSHSIG: ssh-keygen checks them, and avow
//! checks ssh-keygen's.

use avow_policy::findings::{KEYS_RSA_MIN_BITS, KEYS_TYPES};

use crate::support::*;

fn show_json(w: &World, rev: &str) -> serde_json::Value {
    let r = w.avow(["show", rev, "--format", "json"]);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

fn armor(b64: &str) -> String {
    let mut s = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for chunk in b64.as_bytes().chunks(70) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push('\n');
    }
    s.push_str("-----END SSH SIGNATURE-----\n");
    s
}

fn sig_field(trailer_value: &str) -> &str {
    trailer_value.rsplit_once(" s=").unwrap().1
}

#[test]
fn show_json_has_the_documented_fields() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    let v = show_json(&w, "HEAD");
    for field in ["commit", "trailers", "change", "payload", "signature", "verdict", "problems"] {
        assert!(v.get(field).is_some(), "missing {field}: {v}");
    }
    assert_eq!(v["verdict"], "accepted");
    let keys: Vec<&str> = v["trailers"].as_array().unwrap().iter().map(|t| t["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["Authorship", "Rationale", "Understood-by", "Avow-Signature"]);
    // The change digest as docs/payload.md defines it, recomputed from
    // git's output with sha256sum.
    let expected = w.change_digest_by_hand("HEAD").expect("a change");
    assert_eq!(v["change"], expected);
    assert!(v["payload"].as_str().unwrap().contains(&format!("change {expected}\n")));
    assert!(v["signature"].as_str().unwrap().contains(&format!(" c={expected} ")));
}

#[test]
fn ssh_keygen_verifies_avows_signature_with_the_exported_keyring() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    let (_, out) = ssh_keygen_verifies_head(&w, "avow-attestation@v1");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Good \"avow-attestation@v1\" signature"));
    // The same signature checked in namespace git fails: no replay as a
    // git commit signature.
    let (_, out) = ssh_keygen_verifies_head(&w, "git");
    assert!(!out.status.success());
}

/// `ssh-keygen -Y verify` of HEAD's attestation against the exported
/// keyring, in `namespace`, as `AUTHOR_EMAIL`. Returns the signature's
/// base64 (from the trailer) and ssh-keygen's output.
pub(crate) fn ssh_keygen_verifies_head(w: &World, namespace: &str) -> (String, std::process::Output) {
    let v = show_json(w, "HEAD");
    let dir = w.scratch();
    std::fs::write(dir.join("payload"), v["payload"].as_str().unwrap()).unwrap();
    let b64 = sig_field(v["signature"].as_str().unwrap()).to_owned();
    std::fs::write(dir.join("payload.sig"), armor(&b64)).unwrap();
    let signers = dir.join("allowed_signers");
    w.avow(["keyring", "export", "--allowed-signers", "-o", signers.to_str().unwrap()]).expect(0);
    // The exported keys carry their validity window; check at the signing
    // time, as avow does (docs/keyring.md), not at ssh-keygen's clock.
    let t: i64 =
        v["signature"].as_str().unwrap().split(' ').find_map(|f| f.strip_prefix("t=")).unwrap().parse().unwrap();
    let at = chrono::DateTime::from_timestamp(t, 0).unwrap().format("-Overify-time=%Y%m%d%H%M%SZ").to_string();
    let out = w
        .command("ssh-keygen")
        .args(["-Y", "verify", "-n", namespace, "-I", AUTHOR_EMAIL, &at, "-f"])
        .arg(&signers)
        .arg("-s")
        .arg(dir.join("payload.sig"))
        .stdin(std::fs::File::open(dir.join("payload")).unwrap())
        .output()
        .unwrap();
    (b64, out)
}

/// Replaces the signature in HEAD's trailer with one ssh-keygen made over
/// the same payload in `namespace`.
fn resign_with_ssh_keygen(w: &World, namespace: &str) {
    let v = show_json(w, "HEAD");
    let dir = w.scratch();
    let payload_path = dir.join(format!("payload-{namespace}"));
    std::fs::write(&payload_path, v["payload"].as_str().unwrap()).unwrap();
    let out = w
        .command("ssh-keygen")
        .args(["-Y", "sign", "-n", namespace, "-f"])
        .arg(&w.key)
        .arg(&payload_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let armored = std::fs::read_to_string(format!("{}.sig", payload_path.display())).unwrap();
    let b64: String = armored.lines().filter(|l| !l.starts_with("-----")).collect();
    let old = sig_field(v["signature"].as_str().unwrap()).to_owned();
    w.tamper_message(|m| m.replace(&old, &b64));
}

#[test]
fn avow_accepts_ssh_keygens_signature_of_the_payload() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    resign_with_ssh_keygen(&w, "avow-attestation@v1");
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_signature_made_in_namespace_git_is_refused() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    resign_with_ssh_keygen(&w, "git");
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[signature.invalid]"), "{}", r.stdout);
    assert!(r.stdout.contains("namespace"), "{}", r.stdout);
}

/// An adopted repository whose maintainer signs with a key of `kind`
/// (ssh-keygen's type arguments) instead of ed25519: the keyring lists it,
/// `avow.signingKey` names it, and `base` is moved past that change.
pub(crate) fn adopted_with_key(name: &str, kind: &[&str]) -> World {
    let mut w = World::adopted("disclose");
    let key = w.repo.keygen_typed(name, kind, "");
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("key = \"ssh-ed25519 ").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let line = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    std::fs::write(&path, text.replace(&text[start..end], &format!("key = \"{}\"", line.trim()))).unwrap();
    w.git(["config", "avow.signingKey", key.to_str().unwrap()]);
    w.git(["commit", "-q", "--no-verify", "-am", "Alice signs with another key type"]);
    w.git(["tag", "-f", "base"]);
    w.key = key;
    w
}

/// ECDSA (P-256, P-384, P-521) and RSA keys through the real hook: avow's
/// attestation verifies with avow and with `ssh-keygen -Y verify` against
/// the exported keyring, and ssh-keygen's signature of the same payload
/// verifies with avow.
#[test]
fn ecdsa_and_rsa_attestations_interoperate_with_ssh_keygen_both_ways() {
    for (name, kind, signature_type) in [
        ("p256", &["-t", "ecdsa", "-b", "256"][..], "ecdsa-sha2-nistp256"),
        ("p384", &["-t", "ecdsa", "-b", "384"][..], "ecdsa-sha2-nistp384"),
        ("p521", &["-t", "ecdsa", "-b", "521"][..], "ecdsa-sha2-nistp521"),
        ("rsa", &["-t", "rsa", "-b", "3072"][..], "rsa-sha2-512"),
    ] {
        let w = adopted_with_key(name, kind);
        w.change("a.txt", "a\n", "Add a");
        w.verify("base..HEAD").expect(0);
        let (b64, out) = ssh_keygen_verifies_head(&w, "avow-attestation@v1");
        let blob = base64_decode(&b64);
        assert!(blob.windows(signature_type.len()).any(|w| w == signature_type.as_bytes()), "{name}: {signature_type}");
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        // The other way: ssh-keygen signs the payload, avow verifies.
        resign_with_ssh_keygen(&w, "avow-attestation@v1");
        let theirs = sig_field(&w.trailer("HEAD", "Avow-Signature").unwrap()).to_owned();
        if name == "rsa" {
            // PKCS #1 v1.5 is deterministic: the very same bytes.
            assert_eq!(theirs, b64, "{name}");
        } else {
            assert_ne!(theirs, b64, "{name}: ECDSA signatures are randomised");
        }
        w.verify("base..HEAD").expect(0);
    }
}

/// Standard base64, as the signature field carries it.
fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        acc = (acc << 6) | u32::try_from(ALPHABET.iter().position(|a| *a == c).unwrap()).unwrap();
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap());
        }
    }
    out
}

/// `[keys]` in the trusted policy narrows the accepted keys: the hook
/// refuses early, and verify rejects a commit signed before the policy
/// changed (`keys.types`, `keys.rsa-min-bits`).
#[test]
fn a_policy_restricts_key_types_and_rsa_size() {
    for (kind, policy_keys, rule) in [
        (&["-t", "ecdsa", "-b", "256"][..], "types = [\"ssh-ed25519\", \"sk-ssh-ed25519@openssh.com\"]", KEYS_TYPES.id),
        (&["-t", "rsa", "-b", "2048"][..], "rsa-min-bits = 3072", KEYS_RSA_MIN_BITS.id),
    ] {
        let w = World::adopted("disclose");
        // Bob's key is of the kind the policy will refuse; Alice (ed25519)
        // adds it, attested.
        let bob = w.repo.keygen_typed("bob", kind, "");
        w.avow([
            "keyring",
            "add",
            "--name",
            "Bob",
            "--email",
            "bob@example.org",
            "--key",
            &format!("{}.pub", bob.display()),
        ])
        .expect(0);
        w.git(["add", ".avow"]);
        w.commit(&[&["-m", "Add Bob"][..], &HUMAN].concat()).expect(0);
        w.git(["tag", "-f", "with-bob"]);
        let as_bob = |subject: &str, code: i32| {
            w.write(&format!("{subject}.txt"), subject);
            w.git(["add", "-A"]);
            let sign = format!("avow.signingKey={}", bob.display());
            let author = "--author=Bob <bob@example.org>".to_owned();
            let rationale = format!("Rationale: {subject}: a change of Bob's that the key policy judges.");
            w.git_notty([
                "-c",
                "user.name=Bob",
                "-c",
                "user.email=bob@example.org",
                "-c",
                &sign,
                "commit",
                "-q",
                &author,
                "-m",
                subject,
                "--trailer",
                "Authorship: human",
                "--trailer",
                &rationale,
            ])
            .expect(code)
        };
        as_bob("before", 0);
        let before = w.git(["rev-parse", "HEAD"]).trim().to_owned();
        // Alice narrows the keys on a branch of her own, attested.
        w.git(["checkout", "-q", "-b", "strict", "with-bob"]);
        let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
        w.write(".avow/policy.toml", policy.replace("[keys]\n", &format!("[keys]\n{policy_keys}\n")));
        w.git(["add", ".avow"]);
        w.commit(&[&["-m", "Narrow the keys"][..], &HUMAN].concat()).expect(0);
        // The hook refuses Bob's key early…
        let r = as_bob("after", 1);
        assert!(r.stderr.contains(&format!("[{rule}]")), "{}", r.stderr);
        // …and verify, trusting the narrowed policy, rejects what it signed before.
        let out = w.avow(["verify", &format!("with-bob..{before}"), "--trust", "strict"]).expect(1).stdout;
        assert!(out.contains(&format!("[{rule}]")), "{out}");
    }
}

/// The fenced block after `marker` in docs/payload.md.
fn payload_doc_block(marker: &str) -> String {
    let doc =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/payload.md")).unwrap();
    let after = &doc[doc.find(marker).unwrap_or_else(|| panic!("{marker} in docs/payload.md"))..];
    let start = after.find("```").unwrap();
    let body = &after[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_owned()
}

/// docs/payload.md's worked example, run as it stands (bash, git, sed,
/// sort, sha256sum) in an empty directory: it prints what the page says,
/// and `git avow show` agrees on the change digest.
#[test]
fn payload_doc_worked_example_recomputes_by_hand() {
    let w = World::bare();
    let script = payload_doc_block("<!-- worked example: the test runs this block -->");
    let expected = payload_doc_block("<!-- worked example: its output -->");
    let dir = w.scratch().join("worked-example");
    std::fs::create_dir_all(&dir).unwrap();
    let out = w.command("bash").args(["-e", "-c", &script]).current_dir(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    let digest = expected.lines().last().unwrap();
    let shown = w.avow_in(&dir.join("example"), ["show", "HEAD"]).stdout;
    assert!(shown.contains(&format!("\nchange {digest}\n")), "{shown}");
}
