//! avow's signatures are plain SSHSIG: ssh-keygen checks them, and avow
//! checks ssh-keygen's.

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
    let v = show_json(&w, "HEAD");
    let dir = w.scratch();
    std::fs::write(dir.join("payload"), v["payload"].as_str().unwrap()).unwrap();
    std::fs::write(dir.join("payload.sig"), armor(sig_field(v["signature"].as_str().unwrap()))).unwrap();
    let signers = dir.join("allowed_signers");
    w.avow(["keyring", "export", "--allowed-signers", "-o", signers.to_str().unwrap()]).expect(0);
    let payload = std::fs::File::open(dir.join("payload")).unwrap();
    let out = w
        .command("ssh-keygen")
        .args(["-Y", "verify", "-n", "avow-attestation@v1", "-I", AUTHOR_EMAIL, "-f"])
        .arg(&signers)
        .arg("-s")
        .arg(dir.join("payload.sig"))
        .stdin(payload)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Good \"avow-attestation@v1\" signature"));
    // The same signature checked in namespace git fails: no replay as a
    // git commit signature.
    let payload = std::fs::File::open(dir.join("payload")).unwrap();
    let out = w
        .command("ssh-keygen")
        .args(["-Y", "verify", "-n", "git", "-I", AUTHOR_EMAIL, "-f"])
        .arg(&signers)
        .arg("-s")
        .arg(dir.join("payload.sig"))
        .stdin(payload)
        .output()
        .unwrap();
    assert!(!out.status.success());
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
