//! A maintainer's side, in the order maintainers do things: adopting avow
//! on a project with history, adding contributors' keys, a contributor
//! leaving, rotating one's own key, checking a release range. Every hint
//! printed is followed as written.

use avow_testutil::NOW;

use crate::keyring::fingerprint;
use crate::policy::verdicts;
use crate::support::*;

/// `sh -c LINE` at the test clock plus `later` seconds, expecting success.
fn at(w: &World, later: i64, line: &str) -> Run {
    let mut c = w.shell(line);
    c.env("AVOW_TEST_NOW", (NOW + later).to_string());
    Run::from(c.output().unwrap()).expect(0)
}

/// A maintainer rotates her own key and commits the rotation a second
/// later, with the old key as `rotate` says. The work tree's keyring then
/// calls that key expired, and the hook used to warn and tell her to
/// switch to the new key and amend — which signs the change to `.avow/`
/// with a key the keyring before it does not know, so the rotation no
/// longer verified. The hook now says the commit is checked against the
/// keyring before it, and names the new key for the commits after it;
/// following that, both verify.
#[test]
fn committing_ones_own_rotation_is_not_told_to_amend_with_the_new_key() {
    let w = World::adopted("disclose");
    let new = w.keygen("alice-new");
    let (old_fpr, new_fpr) = (fingerprint(&w, &w.key), fingerprint(&w, &new));
    w.avow(["keyring", "rotate", &old_fpr, "--key", &format!("{}.pub", new.display())]).expect(0);
    let r = at(
        &w,
        1,
        "git commit -q -a -m 'Rotate my key' --trailer 'Authorship: human' --trailer 'Rationale: The laptop is retired; the new key signs from now on.'",
    );
    let said = r.stderr.replace(&old_fpr, "OLD").replace(&new_fpr, "NEW");
    assert!(!said.contains("warning"), "{said}");
    let (note, fix) = said.split_once("; for the commits after it, ").expect(&said);
    assert!(note.starts_with("avow: note: this commit makes .avow/keyring.toml say your key OLD is expired on "), "{said}");
    assert_eq!(
        fix,
        "sign with your key that it trusts (NEW): `git config avow.signingKey ~/.ssh/KEY`, naming its private key file\n"
    );
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), vec!["Rotate my key: accepted".to_owned()]);
    w.git(["tag", "rotated"]);
    // The fix, followed with the new key's file: the next commit verifies.
    let commands = quoted_commands(fix);
    assert_eq!(commands.len(), 1, "{fix}");
    at(&w, 2, &commands[0].replace("~/.ssh/KEY", new.to_str().unwrap()));
    w.write("later.txt", "later\n");
    w.git(["add", "later.txt"]);
    let r = at(
        &w,
        2,
        "git commit -q -m 'Work after the rotation' --trailer 'Authorship: human' --trailer 'Rationale: The first change signed with the new key after the rotation.'",
    );
    assert_eq!(r.stderr, "");
    assert_eq!(verdicts(&w, &["rotated..HEAD"], 0), vec!["Work after the rotation: accepted".to_owned()]);
}
