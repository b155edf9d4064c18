//! avow's ed25519 checks attacked through the real binary. A contributor
//! replaces the signature the hook made with one made by hand with the same
//! ssh-keygen key, one that `ssh-keygen -Y verify` refuses, and counts on
//! `git avow verify`, which checks a range's signatures in batches
//! (avow-sign's batch.rs), accepting it; or gets a small-order "key" into
//! the keyring, for which anyone can sign.

use avow_sign::Signature;
use avow_testutil::forge::{identity_negative_zero, identity_y_plus_p, torsion, Ed25519Key};

use crate::attacks::{payload, set_sig_field};
use crate::interop::ssh_keygen_verifies_head;
use crate::policy::verdicts;
use crate::support::{quoted_commands, Run, World, AUTHOR_EMAIL};

/// HEAD: a commit by Alice, attested by the hook, on top of `base`.
fn attested_commit() -> (World, Ed25519Key) {
    let w = World::adopted("disclose");
    w.change("src/lib.rs", "pub fn answer() -> u32 { 42 }\n", "Add the answer");
    w.verify("base..HEAD").expect(0);
    let key = Ed25519Key::read(&w.key);
    (w, key)
}

/// Entry 101: `R` is the identity written non-canonically (y = p + 1, or
/// x's sign bit set on x = 0) and `s = H(R‖A‖M)·a`. ssh-keygen compares
/// `R`'s bytes with the encoding of `sB − hA`, always canonical, and
/// refuses it; a batch decompresses `R` and its equation holds whatever
/// the coefficients, so every batch accepted it. Now the batch leaves such
/// an `R` to single verification, which refuses it as ssh-keygen does.
#[test]
fn non_canonical_identity_r_is_refused_as_ssh_keygen_refuses_it() {
    for r in [identity_y_plus_p(), identity_negative_zero()] {
        let (w, key) = attested_commit();
        let payload = payload(&w);
        let forged = Signature::from_sshsig(&key.sign_identity_r(payload.as_bytes(), r)).unwrap();
        set_sig_field(&w, "s", &forged.to_base64());
        let (_, out) = ssh_keygen_verifies_head(&w, "avow-attestation@v1");
        assert!(!out.status.success(), "ssh-keygen accepted R = {r:02x?}");
        let run = w.verify("base..HEAD").expect(1);
        assert!(run.stdout.contains("signature.invalid"), "{}", run.stdout);
        // The same, among good commits in one batch.
        w.change("src/more.rs", "pub fn more() {}\n", "Add more");
        w.verify("base..HEAD").expect(1);
    }
}

/// Entry 102, a limit: `R = rB + T` with `T` of small order, made (by the
/// key's holder: `s = r + h·a`) and retried until the coefficient a batch
/// of this one signature draws is a multiple of `T`'s order. ssh-keygen
/// refuses it; `git avow verify` of a range in which it is the only
/// signature accepts it, and single verification (a batch that fails for
/// another commit's bad signature) refuses it. What it proves is still
/// that the key's holder signed this payload.
#[test]
fn small_order_r_ground_for_a_batch_of_one_is_the_stated_limit() {
    let (w, key) = attested_commit();
    sign_head_with_small_order_r(&w, &key);
    let (_, out) = ssh_keygen_verifies_head(&w, "avow-attestation@v1");
    assert!(!out.status.success(), "ssh-keygen accepted a small-order R");
    w.verify("base..HEAD").expect(0);
}

/// Replaces HEAD's signature with one whose `R` has a component of order
/// 8, ground (by the key's holder) until a batch of it alone accepts it.
fn sign_head_with_small_order_r(w: &World, key: &Ed25519Key) {
    let payload = payload(w);
    let sig = (0..400u64)
        .map(|n| Signature::from_sshsig(&key.sign_with(payload.as_bytes(), n, torsion(8))).unwrap())
        .find(|sig| avow_sign::verify_many(&[(payload.as_bytes(), sig)])[0].is_ok())
        .expect("one try in eight passes");
    assert!(avow_sign::verify(payload.as_bytes(), &sig).is_err());
    set_sig_field(w, "s", &sig.to_base64());
}

/// Entry 102's way out: with batching off — `--no-batch`, or `git config
/// avow.batch false` for verify, report, pre-push and the server hook —
/// each signature is verified alone, and the small-order `R` that a batch
/// accepts is refused, as ssh-keygen refuses it. A value that is not a
/// boolean is an error whose hint, followed, turns batching off.
#[test]
fn with_batching_off_a_small_order_r_is_refused_as_ssh_keygen_refuses_it() {
    let (w, key) = attested_commit();
    sign_head_with_small_order_r(&w, &key);
    let refused = ["Add the answer: rejected signature.invalid"];
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Add the answer: accepted"]);
    assert_eq!(verdicts(&w, &["base..HEAD", "--no-batch"], 1), refused);

    w.git(["config", "avow.batch", "flase"]);
    let run = w.verify("base..HEAD").expect(2);
    assert_eq!(
        run.stderr,
        "git-avow: error: avow.batch is \"flase\" in the repository's configuration, which is not a boolean\n\
         hint: set it to true or false: `git config avow.batch false`\n"
    );
    let fix = quoted_commands(&run.stderr);
    assert_eq!(fix, ["git config avow.batch false"]);
    Run::from(w.shell(&fix[0]).output().unwrap()).expect(0);
    assert_eq!(verdicts(&w, &["base..HEAD"], 1), refused);
    let report = w.avow(["report", "base..HEAD", "--format", "json"]).expect(0).stdout;
    assert!(report.contains("signature.invalid"), "{report}");
    w.git(["config", "--unset", "avow.batch"]);
    let report = w.avow(["report", "base..HEAD", "--format", "json"]).expect(0).stdout;
    assert!(!report.contains("signature.invalid"), "{report}");
}

/// The pre-push hook reads `avow.batch` from the pusher's repository, the
/// server hook from the receiving one: the same push is refused with
/// batching off in either, and accepted with it on.
#[test]
fn the_push_hooks_verify_each_signature_alone_with_batching_off() {
    let w = World::adopted("disclose");
    let remote = crate::server::origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    w.avow(["install", "--pre-push"]).expect(0);
    w.change("src/lib.rs", "pub fn answer() -> u32 { 42 }\n", "Add the answer");
    sign_head_with_small_order_r(&w, &Ed25519Key::read(&w.key));
    w.git(["config", "avow.batch", "false"]);
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    assert!(
        r.stderr.contains(
            "avow: refs/heads/main → refs/heads/main: 1 commit: 0 accepted, 1 rejected (trust origin's refs/heads/main)\n"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("[signature.invalid]"), "{}", r.stderr);
    w.git(["config", "avow.batch", "true"]);
    crate::server::remote_config(&w, &remote, "avow.batch", "false");
    let out = crate::server::push(&w, &["main"], 1);
    assert!(
        out.contains("remote: avow: refs/heads/main: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)\n"),
        "{out}"
    );
    assert!(out.contains("[signature.invalid]"), "{out}");
    crate::server::remote_config(&w, &remote, "avow.batch", "true");
    assert_eq!(
        crate::server::push(&w, &["main"], 0),
        "avow: refs/heads/main → refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust origin's refs/heads/main)\n\
         remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
}

/// Entry 103: a "key" that is a point of small order (the identity, or a
/// point of order 8) in the keyring. `hA` is then the identity (or a
/// multiple of a small-order point), so `R = sB` with any `s` is a valid
/// signature by it: anyone can sign as the person it is listed for, and
/// that person can deny every signature. `ssh-keygen -Y verify` does not
/// refuse such keys, and `keyring add` took them; the line reads like any
/// other key. Shown here first as the attack (the key written into the
/// keyring file by hand, a keyless signature), then refused by `keyring
/// add` with a hint that, followed, adds a real key.
#[test]
fn a_small_order_key_is_refused_by_the_keyring() {
    use avow_testutil::forge::{scalar, EdwardsPoint, Scalar, B};
    let order_8 = torsion(8).compress().to_bytes();
    for public in [EdwardsPoint::default().compress().to_bytes(), order_8] {
        let (w, _) = attested_commit();
        let weak = Ed25519Key { a: Scalar::ZERO, public };
        let pub_file = w.scratch().join("mallory.pub");
        std::fs::write(&pub_file, format!("{} mallory\n", weak.openssh())).unwrap();
        let add = |file: &std::path::Path| add_mallory(&w, file);
        let run = add(&pub_file).expect(2);
        assert!(run.stderr.contains("small order"), "{}", run.stderr);
        assert!(w.git(["status", "--porcelain"]).is_empty(), "the keyring was changed");

        // Written into the keyring by hand: avow refuses the keyring itself.
        let keyring = w.path().join(".avow/keyring.toml");
        let before = mallory_signs_head(&w, &weak.openssh());
        let payload = payload(&w);
        // No secret at all: R = sB. For the order-8 point, hA = h·T, so
        // try s until h is a multiple of 8.
        let sig = (0..400u64)
            .map(|n| {
                let s = scalar(b"anyone", n);
                Signature::from_sshsig(&weak.sshsig((s * B).compress().to_bytes(), s.to_bytes())).unwrap()
            })
            .find(|sig| avow_sign::verify(payload.as_bytes(), sig).is_ok())
            .expect("one s in eight");
        set_sig_field(&w, "s", &sig.to_base64());
        let out = ssh_keygen_verifies_as_mallory(&w, &weak.openssh(), &sig, &payload);
        assert!(out.status.success(), "ssh-keygen accepts signatures by a small-order key");
        let run = w.verify("trusted..HEAD").expect(2);
        assert!(run.stderr.contains("small order"), "{}", run.stderr);

        // The hint, followed literally.
        let hint =
            run.stderr.lines().next().unwrap().split("generate a real one with ").nth(1).expect("the hint").trim();
        assert_eq!(hint.split_whitespace().collect::<Vec<_>>(), ["ssh-keygen", "-t", "ed25519"]);
        let real = w.scratch().join("mallory-real");
        let out = w.command("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&real).output().unwrap();
        assert!(out.status.success());
        std::fs::write(&keyring, &before).unwrap();
        add(&real.with_extension("pub")).expect(0);
    }
}

/// Lists Mallory (a contributor) with `key_line` in the keyring, written by
/// hand, commits that as the trusted base (tag `trusted`), and makes HEAD a
/// commit by Mallory whose statement names her, still signed by Alice's
/// key (the caller puts the forged signature in). Returns the keyring as it
/// was before.
/// `git avow keyring add` of the public key in `file` for Mallory, as a
/// maintainer would run it.
pub(crate) fn add_mallory(w: &World, file: &std::path::Path) -> Run {
    w.avow(["keyring", "add", "--name", "Mallory", "--email", "mallory@example.org", "--key", file.to_str().unwrap()])
}

pub(crate) fn mallory_signs_head(w: &World, key_line: &str) -> String {
    let keyring = w.path().join(".avow/keyring.toml");
    let before = std::fs::read_to_string(&keyring).unwrap();
    let entry = format!(
        "\n[[person]]\nname = \"Mallory\"\nemail = \"mallory@example.org\"\nrole = \"contributor\"\n\n[[person.key]]\nkey = \"{key_line}\"\n"
    );
    std::fs::write(&keyring, format!("{before}{entry}")).unwrap();
    w.git(["commit", "-q", "--no-verify", "-am", "Add Mallory"]);
    w.git(["tag", "trusted"]);
    w.change("src/b.rs", "pub fn b() {}\n", "Add b");
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit", "--author=Mallory <mallory@example.org>"]);
    w.tamper_message(|m| {
        m.replace(
            &format!("Understood-by: Alice Example <{AUTHOR_EMAIL}>"),
            "Understood-by: Mallory <mallory@example.org>",
        )
    });
    before
}

/// `ssh-keygen -Y verify` of `sig` over `payload` with `key_line` listed
/// for mallory@example.org.
pub(crate) fn ssh_keygen_verifies_as_mallory(
    w: &World,
    key_line: &str,
    sig: &Signature,
    payload: &str,
) -> std::process::Output {
    let dir = w.scratch();
    std::fs::write(dir.join("weak-signers"), format!("mallory@example.org {key_line}\n")).unwrap();
    std::fs::write(dir.join("weak.sig"), sig.to_armored()).unwrap();
    std::fs::write(dir.join("weak.payload"), payload).unwrap();
    w.command("ssh-keygen")
        .args(["-Y", "verify", "-n", "avow-attestation@v1", "-I", "mallory@example.org", "-f"])
        .arg(dir.join("weak-signers"))
        .arg("-s")
        .arg(dir.join("weak.sig"))
        .stdin(std::fs::File::open(dir.join("weak.payload")).unwrap())
        .output()
        .unwrap()
}
