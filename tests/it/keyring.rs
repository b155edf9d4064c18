//! A key's life cycle on real repositories: expiry, not-yet-valid keys,
//! revocation (which wins over the signing time), rotation, and what
//! `git avow keyring list` shows at each step.
//!
//! Signing time is the clock's, which tests fix at `avow_testutil::NOW`
//! (`AVOW_TEST_NOW`); the tests move the keyring's dates around it:
//! `expires = yesterday`, `valid-after = tomorrow`, in a trusted base.

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
/// the `added = <now>` that `init` wrote.
fn alice_key_dated(dates: &str) -> World {
    let w = adopt("disclose", None);
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("added = \"").unwrap();
    let end = start + text[start..].find('\n').unwrap() + 1;
    let added = &text[start..end];
    assert!(added.starts_with(&format!("added = \"{}T", day(0))), "one format, RFC 3339: {added}");
    std::fs::write(&path, text.replace(added, dates)).unwrap();
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
             signed with FPR of Alice Example <alice@example.org>: expired on {}T23:59:59Z [signature.key-status]\n\
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
    // `expires` is the last day, inclusive: a key that expires today signs today.
    let w = alice_key_dated(&format!("expires = \"{}\"\n", day(0)));
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), vec!["Alice's work: accepted".to_owned()]);
    // The same key within its window verifies.
    let w = alice_key_dated(&format!("added = \"{}\"\nexpires = \"{}\"\n", day(-2), day(1)));
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), vec!["Alice's work: accepted".to_owned()]);
}

#[test]
fn a_key_used_before_its_valid_after_is_refused() {
    let w = alice_key_dated(&format!("valid-after = \"{}\"\n", day(1)));
    let fpr = fingerprint(&w, &w.key);
    assert_eq!(
        verify_filtered(&w, &["trusted..HEAD"], 1, &[(&fpr, "FPR")]),
        format!(
            "FAIL    ID  Alice's work\n        \
             signed with FPR of Alice Example <alice@example.org>: not yet valid (valid after {}T00:00:00Z) [signature.key-status]\n\
             avow: 1 commit: 0 accepted, 1 rejected (range trusted..HEAD, trust trusted)\n",
            day(1)
        )
    );
}

/// `added` records when a maintainer added the key; it is no bound: work
/// signed before (the normal order: do the work, then ask to be added)
/// verifies once the key is trusted.
#[test]
fn a_key_added_after_the_signature_still_verifies_it() {
    let w = alice_key_dated(&format!("added = \"{}T12:00:00Z\"\n", day(1)));
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), vec!["Alice's work: accepted".to_owned()]);
}

/// Bob commits and signs before anyone has heard of his key; a maintainer
/// adds it afterwards with `keyring add`; Bob's earlier commit verifies
/// against the keyring that now has him.
#[test]
fn work_signed_before_keyring_add_verifies_once_the_key_is_added() {
    let w = adopt("disclose", None);
    let bob = w.keygen("bob");
    w.git(["tag", "base"]);
    w.git(["checkout", "-q", "-b", "bob-work"]);
    w.write("bob.c", "Bob's first change");
    w.git(["add", "bob.c"]);
    let mut args: Vec<String> = ["-c", &format!("user.name={BOB_NAME}"), "-c", &format!("user.email={BOB_EMAIL}")]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["-c".to_owned(), format!("avow.signingKey={}", bob.display()), "commit".to_owned(), "-q".to_owned()]);
    args.push(format!("--author={BOB_NAME} <{BOB_EMAIL}>"));
    args.extend(msg("Bob's first change", "human", &[]));
    let r = w.git_notty(&args).expect(0);
    assert!(
        r.stderr.contains("is not in .avow/keyring.toml; verification will fail until a maintainer adds it: send them your public key, and they run `git avow keyring add --name \"Bob Example\" --email bob@example.org --key \"ssh-ed25519 "),
        "{}",
        r.stderr
    );
    // The maintainer runs the command the warning printed (it said only
    // `git avow keyring add`, which lacks every argument), a day later.
    w.git(["checkout", "-q", "main"]);
    let command = quoted_commands(&r.stderr);
    assert_eq!(command.len(), 1, "{}", r.stderr);
    let mut c = w.shell(&command[0]);
    c.env("AVOW_TEST_NOW", (NOW + 86_400).to_string());
    Run::from(c.output().unwrap()).expect(0);
    hook_accepts(&w, &[], &msg("Add Bob to the keyring", "human", &["-a"]), &[]);
    let text = std::fs::read_to_string(w.path().join(".avow/keyring.toml")).unwrap();
    let added = chrono::DateTime::from_timestamp(NOW + 86_400, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert!(text.contains(&format!("added = \"{added}\"")), "{text}");
    assert_eq!(
        verdicts(&w, &["main..bob-work", "--trust", "main"], 0),
        vec!["Bob's first change: accepted".to_owned()]
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
        "avow: added BOB for Bob Example <bob@example.org>; commit .avow/keyring.toml for it to take effect (signed by your key: a change to .avow/ needs a maintainer's)\n"
    );
    hook_accepts(&w, &[], &msg("Add Bob to the keyring", "human", &["-a"]), &[]);
    w.git(["tag", "with-bob"]);
    (w, bob)
}

/// Commits as Bob, signing with `key`.
pub fn as_bob(w: &World, key: &std::path::Path, file: &str, subject: &str) {
    assert_eq!(as_bob_at(w, key, file, subject, NOW), "");
}

/// [`as_bob`] with the hook's clock at `now` (seconds since the epoch).
pub fn as_bob_at(w: &World, key: &std::path::Path, file: &str, subject: &str, now: i64) -> String {
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
    Run::from(c.output().unwrap()).expect(0).stderr
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
        "avow: revoked BOB; commit .avow/keyring.toml for it to take effect (signed by your key: a change to .avow/ needs a maintainer's)\n"
    );
    hook_accepts(&w, &[], &msg("Revoke Bob's stolen key", "human", &["-a"]), &[]);
    w.git(["tag", "revoked"]);
    let names = [(alice_fpr.as_str(), "ALICE"), (bob_fpr.as_str(), "BOB")];
    assert_eq!(
        verify_filtered(&w, &["with-bob..bobs-work", "--trust", "revoked"], 1, &names),
        format!(
            "FAIL    ID  Bob's work\n        \
             signed with BOB of Bob Example <bob@example.org>: revoked on {}T00:00:00Z: laptop stolen [signature.key-status]\n\
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
               BOB  ssh-ed25519  revoked on {}T00:00:00Z: laptop stolen\n",
            day(1)
        )
    );
    let mut json: serde_json::Value = serde_json::from_str(&list(&w, "json", &names)).unwrap();
    // `added` is the moment of `keyring add` (RFC 3339, whole seconds).
    for person in json["people"].as_array_mut().unwrap() {
        for key in person["keys"].as_array_mut().unwrap() {
            let added = key["added"].as_str().unwrap();
            assert!(added.starts_with(&format!("{}T", day(0))) && added.ends_with('Z'), "{added}");
            key["added"] = "ADDED".into();
        }
    }
    assert_eq!(
        json,
        serde_json::json!({"people": [
            {"name": "Alice Example", "email": "alice@example.org", "role": "maintainer", "keys": [
                {"fingerprint": "ALICE", "algorithm": "ssh-ed25519", "status": "valid",
                 "added": "ADDED", "valid-after": null, "expires": null, "revoked": null, "succeeds": null}]},
            {"name": "Bob Example", "email": "bob@example.org", "role": "contributor", "keys": [
                {"fingerprint": "BOB", "algorithm": "ssh-ed25519",
                 "status": format!("revoked on {}T00:00:00Z: laptop stolen", day(1)),
                 "added": "ADDED", "valid-after": null, "expires": null,
                 "revoked": {"at": format!("{}T00:00:00Z", day(1)), "reason": "laptop stolen"}, "succeeds": null}]},
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
        "avow: NEW now succeeds OLD; commit .avow/keyring.toml for it to take effect\n\
         avow: sign that commit with a maintainer's key that the current keyring already trusts (a change to .avow/ needs a maintainer)\n"
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
    assert_eq!(as_bob_at(&w, &new, "two.c", "Bob's work with his new key", NOW + 1), "");
    // The hook warns, naming the key to sign with instead.
    let warned = as_bob_at(&w, &old, "three.c", "Bob's work with his old key after the rotation", NOW + 1);
    assert_eq!(
        warned.replace(&old_fpr, "OLD").replace(&new_fpr, "NEW").replace(&at, "AT"),
        "avow: warning: .avow/keyring.toml says your key OLD is expired on AT; verification will refuse what it signs [signature.key-status]: \
         sign with your key that it trusts (NEW): `git config avow.signingKey ~/.ssh/KEY`, naming its private key file, then `git commit --amend --no-edit`\n"
    );
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
    let mut json: serde_json::Value =
        serde_json::from_str(&list_at(&w, "json", &names, NOW + 1).replace(&at, "AT")).unwrap();
    // The old key's `added` is the moment of `keyring add`, whole seconds.
    let added = &mut json["people"][1]["keys"][0]["added"];
    let text = added.as_str().unwrap();
    assert!(text == "AT" || (text.starts_with(&format!("{}T", day(0))) && text.ends_with('Z')), "{text}");
    *added = "ADDED".into();
    assert_eq!(
        json["people"][1]["keys"],
        serde_json::json!([
            {"fingerprint": "OLD", "algorithm": "ssh-ed25519", "status": "expired on AT",
             "added": "ADDED", "valid-after": null, "expires": "AT", "revoked": null, "succeeds": null},
            {"fingerprint": "NEW", "algorithm": "ssh-ed25519", "status": "valid",
             "added": "AT", "valid-after": null, "expires": null, "revoked": null, "succeeds": "OLD"},
        ])
    );
}

/// `keyring add` for an email the keyring has, with another name or role:
/// refused (it used to print "added" and ignore both), and the command in
/// the hint adds the key to the person as they are.
#[test]
fn adding_a_key_under_another_name_is_refused_and_the_hint_works() {
    let (w, _) = with_bob();
    let second = w.keygen("bob-laptop");
    let pubfile = format!("{}.pub", second.display());
    let r = w
        .avow(["keyring", "add", "--name", "Bobby", "--email", BOB_EMAIL, "--key", &pubfile, "--role", "maintainer"])
        .expect(2);
    assert_eq!(
        r.stderr.lines().next().unwrap(),
        "git-avow: error: bob@example.org is already in the keyring as \"Bob Example\" (contributor), not \"Bobby\", not maintainer; a key is added to the person as they are"
    );
    let hint = r.stderr.lines().nth(1).unwrap();
    let command = hint.split('`').nth(1).unwrap();
    assert_eq!(command, format!("git avow keyring add --email {BOB_EMAIL} --key {pubfile}"));
    let args: Vec<&str> = command.split(' ').skip(2).collect();
    let r = w.avow(&args).expect(0);
    assert!(r.stdout.starts_with("avow: added SHA256:"), "{}", r.stdout);
    assert!(r.stdout.contains(" for Bob Example <bob@example.org> (their key number 2)"), "{}", r.stdout);
    let listed = w.avow(["keyring", "list"]).expect(0).stdout;
    assert!(listed.contains("Bob Example <bob@example.org> (contributor)"), "{listed}");
}

/// `--expires` is the last day; a window that could never sign is refused,
/// one already over is a warning.
#[test]
fn impossible_and_past_windows_at_keyring_add() {
    let w = adopt("disclose", None);
    let key = format!("{}.pub", w.keygen("carol").display());
    let base = ["keyring", "add", "--name", "Carol", "--email", "carol@example.org", "--key", key.as_str()];
    let r = w.avow([&base[..], &["--valid-after", &day(2), "--expires", &day(1)]].concat()).expect(2);
    assert_eq!(
        r.stderr.lines().next().unwrap(),
        format!(
            "git-avow: error: expires: {}T23:59:59Z is before valid-after ({}T00:00:00Z): the key could never sign",
            day(1),
            day(2)
        )
    );
    let r = w.avow([&base[..], &["--expires", &day(-1)]].concat()).expect(0);
    assert_eq!(
        r.stderr,
        format!(
            "avow: warning: the key expired on {}T23:59:59Z (before now): it verifies only what it signed until then\n",
            day(-1)
        )
    );
    let text = std::fs::read_to_string(w.path().join(".avow/keyring.toml")).unwrap();
    assert!(text.contains(&format!("expires = \"{}T23:59:59Z\"", day(-1))), "{text}");
}

/// `revoke` takes a unique fingerprint prefix or the key's .pub file (a
/// path used to be read as a fingerprint).
#[test]
fn revoke_by_fingerprint_prefix_or_public_key_file() {
    let (w, bob) = with_bob();
    let fpr = fingerprint(&w, &bob);
    let r = w.avow(["keyring", "revoke", "SHA256:", "--reason", "x"]).expect(2);
    assert!(r.stderr.contains("is too short to name a key"), "{}", r.stderr);
    let prefix = &fpr["SHA256:".len().."SHA256:".len() + 8];
    let r = w.avow(["keyring", "revoke", prefix, "--reason", "laptop stolen"]).expect(0);
    assert_eq!(r.stdout, format!("avow: revoked {fpr}; commit .avow/keyring.toml for it to take effect (signed by your key: a change to .avow/ needs a maintainer's)\n"));
    let (w, bob) = with_bob();
    let r = w.avow(["keyring", "revoke", &format!("{}.pub", bob.display()), "--reason", "laptop stolen"]).expect(0);
    assert_eq!(
        r.stdout,
        format!(
            "avow: revoked {fpr2}; commit .avow/keyring.toml for it to take effect (signed by your key: a change to .avow/ needs a maintainer's)\n",
            fpr2 = fingerprint(&w, &bob)
        )
    );
}

/// A maintainer with a key on each of two machines rotates the laptop's
/// from the desktop, where the laptop's key is not: the advice named only
/// the old key. Her desktop key, which the keyring trusts, signs the
/// rotation as well, and the advice says so; that commit verifies.
#[test]
fn rotating_from_a_second_machine_names_its_key_and_that_works() {
    let w = adopt("disclose", None);
    let laptop = w.key.clone();
    let desktop = w.keygen("alice-desktop");
    let add = ["keyring", "add", "--name", AUTHOR_NAME, "--email", AUTHOR_EMAIL, "--key"];
    w.avow(add.iter().copied().chain([format!("{}.pub", desktop.display()).as_str()])).expect(0);
    hook_accepts(&w, &[], &msg("Add Alice's desktop key", "human", &["-a"]), &[]);
    w.git(["tag", "-f", "trusted"]);
    w.git(["config", "avow.signingKey", desktop.to_str().unwrap()]);
    let new = w.keygen("alice-new");
    let fprs =
        [(fingerprint(&w, &laptop), "LAPTOP"), (fingerprint(&w, &desktop), "DESKTOP"), (fingerprint(&w, &new), "NEW")];
    let r = w.avow(["keyring", "rotate", &fprs[0].0, "--key", &format!("{}.pub", new.display())]).expect(0);
    let shown = fprs.iter().fold(r.stdout, |s, (f, n)| s.replace(f.as_str(), n));
    assert_eq!(
        shown,
        "avow: NEW now succeeds LAPTOP; commit .avow/keyring.toml for it to take effect\n\
         avow: sign that commit with a maintainer's key that the current keyring already trusts — for Alice Example that is the old key LAPTOP (or their DESKTOP), not the new one, which is trusted only once this commit is in the base\n"
    );
    hook_accepts(&w, &[], &msg("Rotate Alice's laptop key", "human", &["-a"]), &[]);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), vec!["Rotate Alice's laptop key: accepted".to_owned()]);
    w.git(["tag", "rotated"]);
    // Back on the laptop a second later, still configured with its old
    // key: the hook warns and names the keys to sign with; the fix,
    // followed with the new key's file, makes the commit verify.
    w.git(["config", "avow.signingKey", laptop.to_str().unwrap()]);
    w.write("later.txt", "later\n");
    w.git(["add", "-A"]);
    let later = |line: &str| {
        let mut c = w.shell(line);
        c.env("AVOW_TEST_NOW", (NOW + 1).to_string());
        Run::from(c.output().unwrap()).expect(0)
    };
    let r = later("git commit -q -m 'Later laptop work' --trailer 'Authorship: human' --trailer 'Rationale: Work done on the laptop after its key was rotated.'");
    let shown = fprs.iter().fold(r.stderr, |s, (f, n)| s.replace(f.as_str(), n));
    let (warning, fix) = shown.split_once("[signature.key-status]: ").unwrap();
    assert!(warning.starts_with("avow: warning: .avow/keyring.toml says your key LAPTOP is expired on "), "{shown}");
    assert_eq!(
        fix,
        "sign with your key that it trusts (DESKTOP, NEW): `git config avow.signingKey ~/.ssh/KEY`, naming its private key file, then `git commit --amend --no-edit`\n"
    );
    assert_eq!(
        verdicts(&w, &["rotated..HEAD"], 1),
        vec!["Later laptop work: rejected signature.key-status".to_owned()]
    );
    let commands = quoted_commands(fix);
    assert_eq!(commands.len(), 2, "{fix}");
    later(&commands[0].replace("~/.ssh/KEY", new.to_str().unwrap()));
    assert_eq!(later(&commands[1]).stderr, "");
    assert_eq!(verdicts(&w, &["rotated..HEAD"], 0), vec!["Later laptop work: accepted".to_owned()]);
}

/// A maintainer rotating her own key is told to sign the rotation commit
/// with the old key; doing so verifies, and the new key would not.
#[test]
fn rotating_ones_own_key_says_which_key_signs_and_that_works() {
    let w = adopt("disclose", None);
    let old = w.key.clone();
    let new = w.keygen("alice-new");
    let (old_fpr, new_fpr) = (fingerprint(&w, &old), fingerprint(&w, &new));
    let r = w.avow(["keyring", "rotate", &old_fpr[..20], "--key", &format!("{}.pub", new.display())]).expect(0);
    assert_eq!(
        r.stdout.replace(&old_fpr, "OLD").replace(&new_fpr, "NEW"),
        "avow: NEW now succeeds OLD; commit .avow/keyring.toml for it to take effect\n\
         avow: sign that commit with a maintainer's key that the current keyring already trusts — for Alice Example that is the old key OLD, not the new one, which is trusted only once this commit is in the base\n"
    );
    // Signed with the new key, the rotation is not trusted…
    w.git(["add", ".avow"]);
    let sign_new = format!("avow.signingKey={}", new.display());
    let mut args = vec!["-c".to_owned(), sign_new, "commit".to_owned(), "-q".to_owned()];
    args.extend(msg("Rotate Alice's key", "human", &[]));
    w.git_notty(&args).expect(0);
    let out = w.avow(["verify", "trusted..HEAD"]).expect(1).stdout;
    assert!(out.contains("[signature.unknown-key]"), "{out}");
    // …signed with the old key, as advised, it is.
    w.git(["reset", "-q", "--soft", "HEAD~1"]);
    hook_accepts(&w, &[], &msg("Rotate Alice's key", "human", &[]), &[]);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), vec!["Rotate Alice's key: accepted".to_owned()]);
}
