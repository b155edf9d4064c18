//! A key's life cycle on real repositories: expiry, not-yet-valid keys,
//! revocation (which wins over the signing time), rotation, and what
//! `git avow keyring list` shows at each step.
//!
//! Signing time is the clock's, which tests fix at `avow_testutil::NOW`
//! (`AVOW_TEST_NOW`); the tests move the keyring's dates around it:
//! `expires = yesterday`, `added = tomorrow`, in a trusted base.

use avow_testutil::NOW;
use chrono::Days;

use crate::policy::{adopt, hook_accepts, msg, verdicts, BOB_EMAIL, BOB_NAME};
use crate::support::*;

/// The test clock's day plus `offset` days, as `YYYY-MM-DD`.
fn day(offset: i64) -> String {
    let today = chrono::DateTime::from_timestamp(NOW, 0).unwrap().date_naive();
    let d = if offset >= 0 {
        today.checked_add_days(Days::new(offset.unsigned_abs()))
    } else {
        today.checked_sub_days(Days::new(offset.unsigned_abs()))
    };
    d.unwrap().format("%Y-%m-%d").to_string()
}

/// The `SHA256:…` fingerprint of a public key file, by ssh-keygen.
pub fn fingerprint(w: &World, private: &std::path::Path) -> String {
    let out = w.command("ssh-keygen").arg("-lf").arg(format!("{}.pub", private.display())).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split_whitespace().nth(1).unwrap().to_owned()
}

/// A repository whose trusted keyring gives Alice's key `dates` instead of
/// the `added = today` that `init` wrote.
fn alice_key_dated(dates: &str) -> World {
    let w = adopt("disclose", None);
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let added = format!("added = \"{}\"\n", day(0));
    assert!(text.contains(&added), "{text}");
    std::fs::write(&path, text.replace(&added, dates)).unwrap();
    w.git(["add", ".avow"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Date Alice's key"]);
    w.git(["tag", "-f", "trusted"]);
    hook_accepts(&w, &[("a.c", "a\n")], &msg("Alice's work", "human", &[]), &[]);
    w
}

/// HEAD's id as `verify` prints it.
fn short_head(w: &World) -> String {
    w.git(["log", "-1", "--format=%h", "--abbrev=12"])
}

/// `verify RANGE` (human), exit `code`, fingerprints and ids replaced.
fn verify_filtered(w: &World, args: &[&str], code: i32, names: &[(&str, &str)]) -> String {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let mut out = w.avow(&all).expect(code).stdout;
    for (from, to) in names {
        out = out.replace(from, to);
    }
    for id in w.git(["log", "--format=%h", "--abbrev=12", "--all"]).lines() {
        out = out.replace(id, "ID");
    }
    out
}

#[test]
fn a_key_used_after_it_expired_is_refused() {
    let w = alice_key_dated(&format!("added = \"{}\"\nexpires = \"{}\"\n", day(-2), day(-1)));
    let fpr = fingerprint(&w, &w.key);
    assert_eq!(
        verify_filtered(&w, &["trusted..HEAD"], 1, &[(&fpr, "FPR")]),
        format!(
            "FAIL    ID  Alice's work\n        \
             signed with FPR of Alice Example <alice@example.org>: expired on {} [signature.key-status]\n\
             avow: 1 commit: 0 accepted, 1 rejected (range trusted..HEAD, trust trusted)\n",
            day(-1)
        )
    );
    // The verdict rests on the signed time alone: no clock setting, the
    // test clock moved back into the key's window or none at all, changes it.
    let expired = verify_filtered(&w, &["trusted..HEAD"], 1, &[(&fpr, "FPR")]);
    for clock in [Some(NOW - 3 * 86_400), None] {
        let mut c = w.command("setsid");
        c.arg("-w").arg(avow_bin()).args(["verify", "trusted..HEAD"]);
        match clock {
            Some(t) => c.env("AVOW_TEST_NOW", t.to_string()),
            None => c.env_remove("AVOW_TEST_NOW"),
        };
        let out = Run::from(c.output().unwrap()).expect(1).stdout;
        assert_eq!(out.replace(&fpr, "FPR"), expired.replace("ID", &short_head(&w)));
    }
    // The same key within its window verifies.
    let w = alice_key_dated(&format!("added = \"{}\"\nexpires = \"{}\"\n", day(-2), day(1)));
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), vec!["Alice's work: accepted".to_owned()]);
}

#[test]
fn a_key_used_before_it_was_added_is_refused() {
    let w = alice_key_dated(&format!("added = \"{}\"\n", day(1)));
    let fpr = fingerprint(&w, &w.key);
    assert_eq!(
        verify_filtered(&w, &["trusted..HEAD"], 1, &[(&fpr, "FPR")]),
        format!(
            "FAIL    ID  Alice's work\n        \
             signed with FPR of Alice Example <alice@example.org>: not yet valid (added {}) [signature.key-status]\n\
             avow: 1 commit: 0 accepted, 1 rejected (range trusted..HEAD, trust trusted)\n",
            day(1)
        )
    );
}

/// Alice (maintainer) adds Bob (contributor) with `keyring add`, in an
/// attested commit tagged `with-bob`.
pub fn with_bob() -> (World, std::path::PathBuf) {
    let w = adopt("disclose", None);
    let bob = w.keygen("bob");
    let r = w
        .avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--key", &format!("{}.pub", bob.display())])
        .expect(0);
    assert_eq!(
        r.stdout.replace(&fingerprint(&w, &bob), "BOB"),
        "avow: added BOB for Bob Example <bob@example.org>; commit .avow/keyring.toml for it to take effect\n"
    );
    hook_accepts(&w, &[], &msg("Add Bob to the keyring", "human", &["-a"]), &[]);
    w.git(["tag", "with-bob"]);
    (w, bob)
}

/// Commits as Bob, signing with `key`.
pub fn as_bob(w: &World, key: &std::path::Path, file: &str, subject: &str) {
    as_bob_at(w, key, file, subject, NOW);
}

/// [`as_bob`] with the hook's clock at `now` (seconds since the epoch).
fn as_bob_at(w: &World, key: &std::path::Path, file: &str, subject: &str, now: i64) {
    let sign = format!("avow.signingKey={}", key.display());
    let author = format!("--author={BOB_NAME} <{BOB_EMAIL}>");
    w.write(file, subject);
    w.git(["add", "--", file]);
    let mut args: Vec<String> = ["-c", &format!("user.name={BOB_NAME}"), "-c", &format!("user.email={BOB_EMAIL}")]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["-c".to_owned(), sign, "commit".to_owned(), "-q".to_owned(), author]);
    args.extend(msg(subject, "human", &[]));
    let mut c = w.command("setsid");
    c.arg("-w").arg("git").args(&args).env("AVOW_TEST_NOW", now.to_string());
    let r = Run::from(c.output().unwrap()).expect(0);
    assert_eq!(r.stderr, "");
}

fn list(w: &World, format: &str, names: &[(&str, &str)]) -> String {
    list_at(w, format, names, NOW)
}

/// `keyring list` with the clock at `now`, names replaced.
fn list_at(w: &World, format: &str, names: &[(&str, &str)], now: i64) -> String {
    let mut c = w.command("setsid");
    c.arg("-w").arg(avow_bin()).args(["keyring", "list", "--format", format]).env("AVOW_TEST_NOW", now.to_string());
    let mut out = Run::from(c.output().unwrap()).expect(0).stdout;
    for (from, to) in names {
        out = out.replace(from, to);
    }
    out
}

#[test]
fn revocation_refuses_signatures_made_before_the_revocation_date_too() {
    let (w, bob) = with_bob();
    let (alice_fpr, bob_fpr) = (fingerprint(&w, &w.key), fingerprint(&w, &bob));
    as_bob(&w, &bob, "bob.c", "Bob's work");
    w.git(["tag", "bobs-work"]);
    assert_eq!(verdicts(&w, &["with-bob..bobs-work"], 0), vec!["Bob's work: accepted".to_owned()]);
    // Bob's laptop is stolen; the revocation is dated tomorrow, after his
    // signature, and still refuses it: a thief can backdate.
    let r = w.avow(["keyring", "revoke", &bob_fpr, "--reason", "laptop stolen", "--at", &day(1)]).expect(0);
    assert_eq!(
        r.stdout.replace(&bob_fpr, "BOB"),
        "avow: revoked BOB; commit .avow/keyring.toml for it to take effect\n"
    );
    hook_accepts(&w, &[], &msg("Revoke Bob's stolen key", "human", &["-a"]), &[]);
    w.git(["tag", "revoked"]);
    let names = [(alice_fpr.as_str(), "ALICE"), (bob_fpr.as_str(), "BOB")];
    assert_eq!(
        verify_filtered(&w, &["with-bob..bobs-work", "--trust", "revoked"], 1, &names),
        format!(
            "FAIL    ID  Bob's work\n        \
             signed with BOB of Bob Example <bob@example.org>: revoked on {}: laptop stolen [signature.key-status]\n\
             avow: 1 commit: 0 accepted, 1 rejected (range with-bob..bobs-work, trust revoked)\n",
            day(1)
        )
    );
    // Revoking twice is an error, naming the key.
    let r = w.avow(["keyring", "revoke", &bob_fpr, "--reason", "again"]).expect(2);
    assert!(r.stderr.starts_with("git-avow: error: "), "{}", r.stderr);
    assert!(r.stderr.contains(&bob_fpr), "{}", r.stderr);
    assert_eq!(
        list(&w, "human", &names),
        format!(
            "Alice Example <alice@example.org> (maintainer)\n  \
               ALICE  ssh-ed25519  valid\n\
             Bob Example <bob@example.org> (contributor)\n  \
               BOB  ssh-ed25519  revoked on {}: laptop stolen\n",
            day(1)
        )
    );
    let json: serde_json::Value = serde_json::from_str(&list(&w, "json", &names)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"people": [
            {"name": "Alice Example", "email": "alice@example.org", "role": "maintainer", "keys": [
                {"fingerprint": "ALICE", "algorithm": "ssh-ed25519", "status": "valid",
                 "added": day(0), "expires": null, "revoked": null, "succeeds": null}]},
            {"name": "Bob Example", "email": "bob@example.org", "role": "contributor", "keys": [
                {"fingerprint": "BOB", "algorithm": "ssh-ed25519",
                 "status": format!("revoked on {}: laptop stolen", day(1)),
                 "added": day(0), "expires": null,
                 "revoked": {"at": day(1), "reason": "laptop stolen"}, "succeeds": null}]},
        ]})
    );
}

#[test]
fn rotation_keeps_earlier_signatures_valid_and_moves_on_to_the_new_key() {
    let (w, old) = with_bob();
    let new = w.keygen("bob-new");
    let (alice_fpr, old_fpr, new_fpr) = (fingerprint(&w, &w.key), fingerprint(&w, &old), fingerprint(&w, &new));
    as_bob(&w, &old, "one.c", "Bob's work with his old key");
    let r = w.avow(["keyring", "rotate", &old_fpr, "--key", &format!("{}.pub", new.display())]).expect(0);
    assert_eq!(
        r.stdout.replace(&old_fpr, "OLD").replace(&new_fpr, "NEW"),
        "avow: NEW now succeeds OLD; commit .avow/keyring.toml for it to take effect\n"
    );
    hook_accepts(&w, &[], &msg("Rotate Bob's key", "human", &["-a"]), &[]);
    w.git(["tag", "rotated"]);
    // The rotation instant, whole seconds, as the keyring records it.
    let keyring = std::fs::read_to_string(w.path().join(".avow/keyring.toml")).unwrap();
    let at = keyring
        .split("[[person.key]]")
        .find(|k| k.contains(&format!("succeeds = \"{old_fpr}\"")))
        .and_then(|k| k.lines().find_map(|l| l.strip_prefix("added = \"")))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .to_owned();
    // Whole seconds, UTC: the test clock's instant.
    assert_eq!(at, "2025-11-24T16:00:00Z");
    assert!(keyring.contains(&format!("expires = \"{at}\"")), "{keyring}");
    // A second later, the new key signs and the old one is past its end.
    as_bob_at(&w, &new, "two.c", "Bob's work with his new key", NOW + 1);
    as_bob_at(&w, &old, "three.c", "Bob's work with his old key after the rotation", NOW + 1);
    let names = [(alice_fpr.as_str(), "ALICE"), (old_fpr.as_str(), "OLD"), (new_fpr.as_str(), "NEW")];
    assert_eq!(
        verify_filtered(&w, &["with-bob..HEAD", "--trust", "rotated"], 1, &names).replace(&at, "AT"),
        "ok      ID  Bob's work with his old key  [human, Bob Example <bob@example.org>]\n\
         ok      ID  Rotate Bob's key  [human, Alice Example <alice@example.org>]\n\
         ok      ID  Bob's work with his new key  [human, Bob Example <bob@example.org>]\n\
         FAIL    ID  Bob's work with his old key after the rotation\n        \
         signed with OLD of Bob Example <bob@example.org>: expired on AT [signature.key-status]\n\
         avow: 4 commits: 3 accepted, 1 rejected (range with-bob..HEAD, trust rotated)\n"
    );
    assert_eq!(
        list_at(&w, "human", &names, NOW + 1).replace(&at, "AT"),
        "Alice Example <alice@example.org> (maintainer)\n  \
           ALICE  ssh-ed25519  valid\n\
         Bob Example <bob@example.org> (contributor)\n  \
           OLD  ssh-ed25519  expired on AT\n  \
           NEW  ssh-ed25519  valid\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&list_at(&w, "json", &names, NOW + 1).replace(&at, "AT")).unwrap();
    assert_eq!(
        json["people"][1]["keys"],
        serde_json::json!([
            {"fingerprint": "OLD", "algorithm": "ssh-ed25519", "status": "expired on AT",
             "added": day(0), "expires": "AT", "revoked": null, "succeeds": null},
            {"fingerprint": "NEW", "algorithm": "ssh-ed25519", "status": "valid",
             "added": "AT", "expires": null, "revoked": null, "succeeds": "OLD"},
        ])
    );
}
