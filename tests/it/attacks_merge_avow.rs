//! `.avow/` changed by a merge whose first parent is an older commit:
//! the change a merge is judged by is its first-parent diff, and the
//! chain check of `--trust` counted a merge that takes one parent's
//! `.avow/` as writing nothing — so a merge of `main` into an old commit
//! of `main`, keeping the old commit's `.avow/`, rolled `main`'s keyring
//! and policy back without any maintainer (threat-model entry 133).

use std::path::{Path, PathBuf};

use crate::keyring::fingerprint;
use crate::policy::{msg, BOB_EMAIL, BOB_NAME};
use crate::server::{origin, push, remote_rev};
use crate::support::*;

/// `git ARGS` as Bob, signing with `key` (the hook runs).
pub(crate) fn git_as_bob(w: &World, key: &Path, args: &[&str]) -> Run {
    let mut c = w.command("setsid");
    c.arg("-w")
        .arg("git")
        .args(["-c", &format!("user.name={BOB_NAME}"), "-c", &format!("user.email={BOB_EMAIL}")])
        .args(["-c", &format!("avow.signingKey={}", key.display())])
        .args(args);
    c.output().unwrap().into()
}

/// Alice (maintainer) makes Bob a maintainer (`bob-maintainer`), then, on
/// a server with avow's hook, a contributor again; both pushed and
/// accepted. Bob's key stays valid. Returns the world, the remote and
/// Bob's key.
pub(crate) fn bob_demoted_on_the_server() -> (World, PathBuf, PathBuf) {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let bob = w.keygen("bob");
    let bob_pub = format!("{}.pub", bob.display());
    w.avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--role", "maintainer", "--key", &bob_pub])
        .expect(0);
    let mut args = vec!["-q", "-a", "-m", "Make Bob a maintainer"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    w.git(["tag", "bob-maintainer"]);
    w.change("work.txt", "work\n", "Some work");
    push(&w, &["main"], 0);
    let keyring = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&keyring).unwrap();
    let at = text.find(&format!("email = \"{BOB_EMAIL}\"")).unwrap();
    let demoted =
        format!("{}{}", &text[..at], text[at..].replacen("role = \"maintainer\"", "role = \"contributor\"", 1));
    assert_ne!(demoted, text);
    std::fs::write(&keyring, demoted).unwrap();
    let mut args = vec!["-q", "-a", "-m", "Bob is a contributor again"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    w.change("more.txt", "more\n", "More work");
    push(&w, &["main"], 0);
    (w, remote, bob)
}

/// Bob (a contributor now) merges `main` into the commit where he was a
/// maintainer and keeps that commit's `.avow/`: the merge's first-parent
/// diff brings all of `main`'s work but no change to `.avow/`, so it
/// needed only an attestation, which Bob's valid key gave — and `main`'s
/// keyring made him a maintainer again. Now a commit whose `.avow/`
/// differs from its first parent's or from what the automatic merge of
/// its parents gives is a change to `.avow/`: it needs a maintainer.
#[test]
fn a_merge_into_an_old_commit_cannot_roll_the_keyring_back() {
    let (w, remote, bob) = bob_demoted_on_the_server();
    let before = remote_rev(&w, &remote, "main");
    w.git(["switch", "-q", "-c", "rollback", "bob-maintainer"]);
    w.git(["merge", "-q", "--no-ff", "--no-commit", "main"]);
    w.git(["checkout", "bob-maintainer", "--", ".avow"]);
    let mut args = vec!["commit", "-q", "--author", "Bob Example <bob@example.org>"];
    let m = msg("Merge main", "human", &[]);
    args.extend(m.iter().map(String::as_str));
    let r = git_as_bob(&w, &bob, &args);
    assert_eq!(w.git(["rev-list", "--count", "--parents", "-1", "HEAD"]), "1", "{}", r.stderr);
    assert_eq!(w.git(["show", "-s", "--format=%p", "HEAD"]).split(' ').count(), 2, "a merge");
    assert_eq!(
        w.git(["rev-parse", "HEAD:.avow"]),
        w.git(["rev-parse", "bob-maintainer:.avow"]),
        "the merge keeps the old .avow/"
    );
    // The server refuses it: Bob is not a maintainer of main's keyring.
    let out = push(&w, &["rollback:main"], 1);
    assert!(out.contains("[trust.avow-change]"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "main"), before);
    // `verify` on CI, and the chain check of a `--trust` at the merge.
    let r = w.verify("main..rollback").expect(1);
    assert!(r.stdout.contains("[trust.avow-change]"), "{}", r.stdout);
    let r = w.avow(["verify", "main..rollback", "--trust", "rollback"]).expect(2);
    assert!(r.stderr.contains("changes .avow/ without a maintainer's valid attestation"), "{}", r.stderr);
    // A merge the usual way round — Bob's branch from that old commit
    // merged into main, which keeps main's .avow/ — passes as before.
    w.git(["switch", "-q", "-c", "feature", "bob-maintainer"]);
    let feature = git_as_bob(
        &w,
        &bob,
        &{
            w.write("feature.txt", "feature\n");
            w.git(["add", "feature.txt"]);
            let mut a =
                vec!["commit".to_owned(), "-q".to_owned(), "--author".to_owned(), format!("{BOB_NAME} <{BOB_EMAIL}>")];
            a.extend(msg("Add the feature", "human", &[]));
            a
        }
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    feature.expect(0);
    w.git(["switch", "-q", "main"]);
    w.git(["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    let mut args = vec!["commit", "-q", "--author", "Bob Example <bob@example.org>"];
    let m = msg("Merge the feature", "human", &[]);
    args.extend(m.iter().map(String::as_str));
    git_as_bob(&w, &bob, &args).expect(0);
    push(&w, &["main"], 0);
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "main"]));
    let text = w.git(["show", "main:.avow/keyring.toml"]);
    assert!(text.contains("role = \"contributor\""), "{text}");
    assert!(!fingerprint(&w, &bob).is_empty());
}
