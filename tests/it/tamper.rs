//! Whatever is edited after signing, verification notices.

use avow_policy::findings::{ATTESTATION_CHANGE, SIGNATURE_INVALID, SIGNATURE_MALFORMED};

use crate::support::*;

fn attested() -> World {
    let w = World::adopted("disclose");
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser's off-by-one");
    w.verify("base..HEAD").expect(0);
    w
}

#[track_caller]
fn fails_with(w: &World, rule: &str) {
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains(&format!("[{rule}]")), "expected {rule}:\n{}", r.stdout);
    assert!(r.stdout.contains("1 rejected"), "{}", r.stdout);
}

#[test]
fn editing_the_rationale_invalidates() {
    let w = attested();
    w.tamper_message(|m| m.replace("it is small and reviewed", "it is tiny and reviewed"));
    fails_with(&w, SIGNATURE_INVALID.id);
}

#[test]
fn editing_the_authorship_invalidates() {
    let w = attested();
    w.tamper_message(|m| m.replace("Authorship: human", "Authorship: generated\nAssisted-by: Devin:unknown"));
    fails_with(&w, SIGNATURE_INVALID.id);
}

#[test]
fn editing_the_subject_invalidates() {
    let w = attested();
    w.tamper_message(|m| m.replacen("Fix the parser's off-by-one", "Fix the parser", 1));
    fails_with(&w, SIGNATURE_INVALID.id);
}

#[test]
fn editing_the_diff_invalidates() {
    let w = attested();
    w.write("src/parse.rs", "fn parse() { unsafe_thing() }\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    fails_with(&w, ATTESTATION_CHANGE.id);
}

#[test]
fn changing_the_author_invalidates() {
    let w = attested();
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit", "--author", "Mallory <mallory@example.org>"]);
    fails_with(&w, SIGNATURE_INVALID.id);
}

#[test]
fn trailers_copied_onto_another_commit_do_not_verify() {
    let w = attested();
    let msg = w.message("HEAD");
    w.write("src/other.rs", "fn other() {}\n");
    w.git(["add", "-A"]);
    let f = w.scratch().join("copied");
    std::fs::write(&f, &msg).unwrap();
    w.git(["commit", "-q", "--no-verify", "-F", f.to_str().unwrap()]);
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[attestation.change]"), "{}", r.stdout);
    assert!(r.stdout.contains("1 accepted, 1 rejected"), "{}", r.stdout);
}

#[test]
fn a_key_missing_from_the_trusted_keyring_is_refused() {
    let w = World::adopted("disclose");
    let mallory = w.keygen("mallory");
    w.git(["config", "avow.signingKey", mallory.to_str().unwrap()]);
    w.change("a.txt", "a\n", "Add a");
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("which is not in the trusted keyring"), "{}", r.stdout);
    assert!(r.stdout.contains("[signature.unknown-key]"), "{}", r.stdout);
}

#[test]
fn a_range_cannot_add_its_own_key() {
    let w = World::adopted("disclose");
    let mallory = w.keygen("mallory");
    let pubkey = format!("{}.pub", mallory.display());
    // Mallory adds herself to the keyring, then signs with her key.
    // (As the maintainer she claims to be: `keyring add` adds keys to a
    // person as the keyring has them.)
    w.avow(["keyring", "add", "--email", AUTHOR_EMAIL, "--key", &pubkey]).expect(0);
    w.git(["config", "avow.signingKey", mallory.to_str().unwrap()]);
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Add a contributor",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Mallory joins the project and needs to sign.",
    ])
    .expect(0);
    w.change("a.txt", "a\n", "Add a");
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("2 rejected"), "{}", r.stdout);
    assert!(r.stdout.contains("[trust.avow-change]"), "{}", r.stdout);
    // Trusting the tip instead (what a careless CI would do) is refused:
    // nothing chains the tip's keyring to the base's.
    w.avow(["verify", "base..HEAD", "--trust", "HEAD"]).expect(2);
}

#[test]
fn a_leading_zero_in_the_signing_time_is_not_the_same_signature() {
    // Found by fuzzing the payload decoder: `t=0…` used to parse to the
    // same time, so one signature fitted two different messages.
    let w = attested();
    w.tamper_message(|m| m.replace("Avow-Signature: v2 t=", "Avow-Signature: v2 t=0"));
    fails_with(&w, SIGNATURE_MALFORMED.id);
}
