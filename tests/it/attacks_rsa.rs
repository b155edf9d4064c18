//! Entry 116: an RSA "key" whose modulus is prime. `φ(n) = n − 1`, so
//! anyone computes `d = e⁻¹ mod (n − 1)` and signs as the person it is
//! listed for, and that person can deny everything it signed. `ssh-keygen
//! -Y verify` accepts such signatures; avow refuses the key where it enters
//! the keyring, names it in `doctor`, and refuses what it signed.

use avow_sign::Signature;
use avow_testutil::forge::{close_primes_2048, WeakRsaKey, PRIME_2048, ROCA_SSH};

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

/// Entry 130: a modulus whose two primes are neighbours. Fermat's method
/// factors it from the public key alone in one step, and with the factors
/// comes the private exponent: anyone signs as the person it is listed
/// for, and `ssh-keygen -Y verify` accepts. avow refuses the key where it
/// enters, and what it signed (the cache never records such a key).
#[test]
fn close_primes_are_factored_from_the_public_key_and_refused() {
    let w = World::adopted("disclose");
    w.change("src/lib.rs", "pub fn answer() -> u32 { 42 }\n", "Add the answer");
    // Only the modulus goes into the attacker's factoring.
    let weak = WeakRsaKey::fermat(&close_primes_2048());
    let pub_file = w.scratch().join("mallory.pub");
    std::fs::write(&pub_file, format!("{} mallory\n", weak.openssh())).unwrap();
    let run = add_mallory(&w, &pub_file).expect(2);
    assert!(
        run.stderr.contains("two primes are so close together that Fermat's method factors the modulus"),
        "{}",
        run.stderr
    );
    assert!(w.git(["status", "--porcelain"]).is_empty(), "the keyring was changed");

    mallory_signs_head(&w, &weak.openssh());
    let payload = payload(&w);
    let sig = Signature::from_sshsig(&weak.sign(payload.as_bytes())).unwrap();
    set_sig_field(&w, "s", &sig.to_base64());
    let out = ssh_keygen_verifies_as_mallory(&w, &weak.openssh(), &sig, &payload);
    assert!(out.status.success(), "ssh-keygen accepts signatures by close primes");

    let cache = w.scratch().join("cache");
    for _ in 0..2 {
        let run = w.avow(["verify", &format!("--cache={}", cache.display()), "trusted..HEAD"]).expect(1);
        assert!(run.stdout.contains("signature.key-status"), "{}", run.stdout);
        assert!(run.stdout.contains("Fermat's method factors the modulus"), "{}", run.stdout);
    }
    let records = std::fs::read_to_string(cache.join("rsa-keys.v1")).unwrap_or_default();
    assert_eq!(records, "", "a key that failed is not recorded");
    // A record written by hand is taken, as a signature's entry is: the
    // cache is as trusted as the verifier (docs/performance.md). Records
    // made by other checks (another avow) are not.
    let fpr = avow_sign::fingerprint(&avow_sign::parse_public_key(&weak.openssh()).unwrap());
    let sum = &w.sha256sum(format!("rsa-keys.v1\n{fpr}\n\n").as_bytes())[..16];
    let forged = format!("avow-rsa-keys v1 {}\n{fpr} {sum}\n", avow_policy::keyring::RSA_CHECKS);
    std::fs::write(cache.join("rsa-keys.v1"), &forged).unwrap();
    let cached = format!("--cache={}", cache.display());
    w.avow(["verify", &cached, "trusted..HEAD"]).expect(0);
    std::fs::write(cache.join("rsa-keys.v1"), forged.replace(" v2 ", " v1 ")).unwrap();
    w.avow(["verify", &cached, "trusted..HEAD"]).expect(1);
    let run = w.avow(["doctor"]);
    assert!(run.stdout.contains("Fermat's method factors the modulus"), "{}", run.stdout);
}

/// Entry 130: a key from the ROCA generator (the ROCA authors' own test
/// key): refused by `keyring add`, and a maintainer's commit that lists it
/// by hand is refused by the server hooks (pre-receive and update) before
/// the key is ever trusted. The hook's advice, followed literally, lets
/// the push through.
#[test]
fn a_roca_key_is_refused_where_it_enters_and_when_a_push_adds_it() {
    let w = World::adopted("disclose");
    let origin = crate::server::origin(&w);
    w.avow_in(&origin, ["install", "--server"]).expect(0);
    let update = w.scratch().join("update.git");
    w.git(["clone", "-q", "--bare", origin.to_str().unwrap(), update.to_str().unwrap()]);
    w.git(["remote", "add", "update", update.to_str().unwrap()]);
    w.avow_in(&update, ["install", "--hook", "update"]).expect(0);

    let pub_file = w.scratch().join("mallory.pub");
    std::fs::write(&pub_file, format!("{ROCA_SSH} mallory\n")).unwrap();
    let run = add_mallory(&w, &pub_file).expect(2);
    assert!(run.stderr.contains("modulus has the ROCA fingerprint (CVE-2017-15361"), "{}", run.stderr);

    // The maintainer lists it by hand, in an attested commit.
    let keyring = list_mallory_by_hand(&w, ROCA_SSH);
    for (remote, path) in [("origin", &origin), ("update", &update)] {
        let r = w.git_notty(["push", "-q", remote, "main"]).expect(1);
        assert!(
            r.stderr.contains(": refused: .avow/keyring.toml at ")
                && r.stderr
                    .contains(" of Mallory <mallory@example.org>: this RSA key's modulus has the ROCA fingerprint"),
            "{remote}: {}",
            r.stderr
        );
        assert_ne!(crate::server::remote_rev(&w, path, "main"), w.git(["rev-parse", "HEAD"]).trim());
    }

    // The advice: the command in backticks, then a maintainer's commit.
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    follow_the_revoke_advice(&w, &r.stderr);
    for (remote, path) in [("origin", &origin), ("update", &update)] {
        w.git_notty(["push", "-q", remote, "main"]).expect(0);
        assert_eq!(crate::server::remote_rev(&w, path, "main"), w.git(["rev-parse", "HEAD"]).trim());
    }

    // Taking the revocation away gives the key back: refused as adding it.
    let revoked = std::fs::read_to_string(&keyring).unwrap();
    let unrevoked: String = revoked.lines().filter(|l| !l.starts_with("revoked")).flat_map(|l| [l, "\n"]).collect();
    assert_ne!(unrevoked, revoked);
    std::fs::write(&keyring, unrevoked).unwrap();
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Restore Mallory's key",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Mallory asked for her key back, and the maintainer did not look closely enough.",
    ])
    .expect(0);
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    assert!(
        r.stderr.contains(" of Mallory <mallory@example.org>: this RSA key's modulus has the ROCA fingerprint"),
        "{}",
        r.stderr
    );
}

/// The maintainer writes Mallory and her key `key_line` into the keyring
/// by hand, in an attested commit; returns the keyring's path.
fn list_mallory_by_hand(w: &World, key_line: &str) -> std::path::PathBuf {
    let keyring = w.path().join(".avow/keyring.toml");
    let before = std::fs::read_to_string(&keyring).unwrap();
    std::fs::write(
        &keyring,
        format!("{before}\n[[person]]\nname = \"Mallory\"\nemail = \"mallory@example.org\"\nrole = \"contributor\"\n\n[[person.key]]\nkey = \"{key_line}\"\n"),
    )
    .unwrap();
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Add Mallory",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Mallory joins the project and signs her own work from now on.",
    ])
    .expect(0);
    keyring
}

/// Runs the command in backticks of a refused push's advice (`stderr`),
/// as printed, and commits its change as a maintainer.
fn follow_the_revoke_advice(w: &World, stderr: &str) {
    let advice = stderr.lines().find(|l| l.contains("revoke it in a commit on top")).expect("advice");
    let command = advice.split('`').nth(1).unwrap();
    let out = w.shell(command).output().unwrap();
    assert!(out.status.success(), "{command}: {}", String::from_utf8_lossy(&out.stderr));
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Revoke Mallory's key",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: The key came from a generator with a known flaw and must not sign anything.",
    ])
    .expect(0);
}

/// Entry 136: entry 124's push, to a remote that runs no avow hook (a
/// forge, whose CI verifies ranges based on the pushed branch): the
/// pusher's pre-push hook refuses it, for an existing branch and a new
/// one alike, before the key reaches the remote. Its advice, followed
/// literally, lets the push through.
#[test]
fn the_pre_push_hook_refuses_a_push_that_adds_a_weak_key() {
    let w = World::adopted("disclose");
    let origin = w.remote("origin");
    w.avow(["install", "--pre-push"]).expect(0);
    let weak = WeakRsaKey::fermat(&close_primes_2048());
    list_mallory_by_hand(&w, &weak.openssh());
    let pushed = crate::server::remote_rev(&w, &origin, "main");
    for (to, label) in [("main", "refs/heads/main → refs/heads/main"), ("HEAD:feature", "HEAD → refs/heads/feature")]
    {
        let r = w.git_notty(["push", "-q", "origin", to]).expect(1);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 4, "{}", r.stderr);
        assert!(
            lines[0].starts_with(&format!("avow: {label}: refused: .avow/keyring.toml at "))
                && lines[0].contains(
                    " of Mallory <mallory@example.org>: this RSA key's two primes are so close together that Fermat's method factors the modulus at once"
                ),
            "{}",
            r.stderr
        );
        assert!(lines[1].starts_with(&format!("avow: {label}: take the key out")), "{}", r.stderr);
        assert_eq!(lines[2], "avow: push refused: fix what each line above names, then push again");
        assert!(lines[3].starts_with("error: failed to push some refs"), "{}", r.stderr);
    }
    assert_eq!(crate::server::remote_rev(&w, &origin, "main"), pushed);
    assert_eq!(crate::server::remote_rev(&w, &origin, "feature"), "");

    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    follow_the_revoke_advice(&w, &r.stderr);
    w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    assert_eq!(crate::server::remote_rev(&w, &origin, "main"), w.git(["rev-parse", "HEAD"]).trim());
}

/// Entry 144: entry 136's push to a remote whose default branch this
/// repository has not fetched — pushed by URL (`git push URL
/// HEAD:refs/heads/feature`, where git names the remote by its URL) or to a
/// remote just added (`git remote add forge URL`, then a push): a new ref
/// had no keyring to be judged against, so the pre-push hook said it was
/// not verified and let the weak key through. The keys anyone can sign
/// with are refused without a remote keyring too: every one counts as
/// added.
#[test]
fn the_pre_push_hook_refuses_a_weak_key_pushed_where_nothing_was_fetched() {
    let w = World::adopted("disclose");
    let origin = w.remote("origin");
    let url = origin.display().to_string();
    w.git(["remote", "add", "forge", &url]);
    w.avow(["install", "--pre-push"]).expect(0);
    let weak = WeakRsaKey::fermat(&close_primes_2048());
    list_mallory_by_hand(&w, &weak.openssh());
    for remote in [url.as_str(), "forge"] {
        let r = w.git_notty(["push", "-q", remote, "HEAD:refs/heads/feature"]).expect(1);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert!(
            lines[0].starts_with("avow: HEAD → refs/heads/feature: refused: .avow/keyring.toml at ")
                && lines[0].contains(" of Mallory <mallory@example.org>: this RSA key's two primes are so close"),
            "{}",
            r.stderr
        );
        assert_eq!(crate::server::remote_rev(&w, &origin, "feature"), "");
    }
    // The advice, followed, lets the push through (nothing to verify it
    // against: the note says so).
    let r = w.git_notty(["push", "-q", "forge", "HEAD:refs/heads/feature"]).expect(1);
    follow_the_revoke_advice(&w, &r.stderr);
    let r = w.git_notty(["push", "-q", "forge", "HEAD:refs/heads/feature"]).expect(0);
    assert_eq!(
        r.stderr,
        "avow: forge has no branch fetched here to take the keyring and policy from; refs/heads/feature is not verified\n"
    );
    assert_eq!(crate::server::remote_rev(&w, &origin, "feature"), w.git(["rev-parse", "HEAD"]).trim());
}

/// The checks of an RSA signer's key cost a modular exponentiation as
/// large as the modulus on every run; with a cache, `verify` records the
/// keys that passed, by fingerprint, once for every trust state.
#[test]
fn the_cache_records_an_rsa_signers_key_that_passed() {
    let w = crate::interop::adopted_with_key("rsa", &["-t", "rsa", "-b", "2048"]);
    w.change("a.txt", "a\n", "Add a");
    let cache = w.scratch().join("cache");
    let cached = format!("--cache={}", cache.display());
    w.avow(["verify", &cached, "base..HEAD"]).expect(0);
    let public = std::fs::read_to_string(w.key.with_extension("pub")).unwrap();
    let fpr = avow_sign::fingerprint(&avow_sign::parse_public_key(public.trim()).unwrap());
    let records = std::fs::read_to_string(cache.join("rsa-keys.v1")).unwrap();
    let lines: Vec<&str> = records.lines().collect();
    assert_eq!(lines.len(), 2, "{records}");
    assert_eq!(lines[0], format!("avow-rsa-keys v1 {}", avow_policy::keyring::RSA_CHECKS));
    assert!(lines[1].starts_with(&format!("{fpr} ")), "{records}");
    // Another trust state (the policy changes): the record holds there.
    w.write(".avow/policy.toml", std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap() + "\n");
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Touch the policy",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: A new line at the end of the policy, so that a new trust state begins.",
    ])
    .expect(0);
    w.change("b.txt", "b\n", "Add b");
    w.avow(["verify", &cached, "HEAD~1..HEAD"]).expect(0);
    let states = std::fs::read_dir(&cache)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "v2"));
    assert_eq!(states.count(), 2, "one file per trust state");
    assert_eq!(std::fs::read_to_string(cache.join("rsa-keys.v1")).unwrap(), records);
}
