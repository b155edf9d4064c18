//! Entry 116: an RSA "key" whose modulus is prime. `φ(n) = n − 1`, so
//! anyone computes `d = e⁻¹ mod (n − 1)` and signs as the person it is
//! listed for, and that person can deny everything it signed. `ssh-keygen
//! -Y verify` accepts such signatures; avow refuses the key where it enters
//! the keyring, names it in `doctor`, and refuses what it signed.

use avow_sign::Signature;
use avow_testutil::forge::{WeakRsaKey, PRIME_2048};

use crate::attacks::{payload, set_sig_field};
use crate::attacks_ed25519::{add_mallory, mallory_signs_head, ssh_keygen_verifies_as_mallory};
use crate::support::World;

#[test]
fn a_prime_rsa_modulus_is_refused_by_the_keyring_and_verify() {
    let w = World::adopted("disclose");
    w.change("src/lib.rs", "pub fn answer() -> u32 { 42 }\n", "Add the answer");
    let weak = WeakRsaKey::prime(PRIME_2048);
    let pub_file = w.scratch().join("mallory.pub");
    std::fs::write(&pub_file, format!("{} mallory\n", weak.openssh())).unwrap();
    let add = |file: &std::path::Path| add_mallory(&w, file);
    let run = add(&pub_file).expect(2);
    assert!(run.stderr.contains("modulus is a prime"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().filter(|l| l.starts_with("git-avow: error:")).count(), 1, "{}", run.stderr);
    assert!(w.git(["status", "--porcelain"]).is_empty(), "the keyring was changed");

    // Written into the keyring by hand (a maintainer tricked into it, or a
    // keyring older than the check): loading takes it, as the test costs
    // too much for every load.
    mallory_signs_head(&w, &weak.openssh());
    // Anyone's signature: only the public key went into it.
    let payload = payload(&w);
    let sig = Signature::from_sshsig(&weak.sign(payload.as_bytes())).unwrap();
    avow_sign::verify(payload.as_bytes(), &sig).expect("the signature by the prime modulus verifies");
    set_sig_field(&w, "s", &sig.to_base64());
    let out = ssh_keygen_verifies_as_mallory(&w, &weak.openssh(), &sig, &payload);
    assert!(out.status.success(), "ssh-keygen accepts signatures by a prime modulus");

    // verify refuses what the key signed, on a second (cached) run too.
    for _ in 0..2 {
        let run = w.verify("trusted..HEAD").expect(1);
        assert!(run.stdout.contains("signature.key-status"), "{}", run.stdout);
        assert!(run.stdout.contains("modulus is a prime"), "{}", run.stdout);
    }

    // doctor names the key and says what to do; the hint, followed
    // literally, takes the key out.
    let run = w.avow(["doctor"]);
    assert!(run.stdout.contains("modulus is a prime"), "{}", run.stdout);
    let hint = run.stdout.lines().find_map(|l| l.split_once("git avow keyring revoke ")).expect("the hint").1;
    let (fpr, reason) = hint.trim().split_once(" --reason ").expect("a reason");
    let reason = reason.strip_prefix('"').and_then(|r| r.strip_suffix('"')).expect("a quoted reason");
    w.avow(["keyring", "revoke", fpr, "--reason", reason]).expect(0);
    let run = w.avow(["doctor"]);
    assert!(!run.stdout.contains("modulus is a prime"), "{}", run.stdout);

    // keyring add's hint, followed literally: a real key goes in.
    let real = w.scratch().join("mallory-real");
    let out = w.command("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&real).output().unwrap();
    assert!(out.status.success());
    add(&real.with_extension("pub")).expect(0);
}
