//! `git commit --amend` re-attests against HEAD's parent, however it is
//! spelled.

use crate::support::*;

fn amended(extra: &[&str]) -> World {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    w.write("a.txt", "first, amended\n");
    w.git(["add", "-A"]);
    let mut args = vec!["--amend"];
    args.extend_from_slice(extra);
    w.commit(&args).expect(0);
    w
}

#[test]
fn amend_no_edit_re_attests() {
    let w = amended(&["--no-edit"]);
    assert_eq!(w.git(["rev-list", "--count", "base..HEAD"]), "1");
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
    let msg = w.message("HEAD");
    assert_eq!(msg.matches("Avow-Signature:").count(), 1, "{msg}");
}

#[test]
fn amend_with_message_re_attests() {
    let mut args = vec!["-m", "Add a, amended"];
    args.extend_from_slice(&HUMAN);
    let w = amended(&args);
    w.verify("base..HEAD").expect(0);
}

#[test]
fn amend_with_editor_re_attests() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    w.write("a.txt", "second\n");
    w.git(["add", "-A"]);
    // The editor (here: none, GIT_EDITOR=true) keeps the old message.
    w.git_notty(["commit", "-q", "--amend"]).expect(0);
    w.verify("base..HEAD").expect(0);
}

#[test]
fn amend_without_the_hook_is_caught() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    w.write("a.txt", "second\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[attestation.change]"), "{}", r.stdout);
}

#[test]
fn no_verify_warns_when_the_commit_will_not_verify() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    w.write("a.txt", "second\n");
    w.git(["add", "-A"]);
    // commit-msg skipped (--no-verify); prepare-commit-msg still runs and
    // checks the commit git is about to make.
    let r = w.git_notty(["commit", "-q", "--amend", "--no-verify", "--no-edit"]).expect(0);
    assert!(
        r.stderr.contains("the commit's attestation will not verify (--no-verify skips avow's commit-msg hook)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("re-sign it with `git commit --amend --no-edit`"), "{}", r.stderr);
    w.verify("base..HEAD").expect(1);
    // The hint, followed literally.
    w.git_notty(["commit", "-q", "--amend", "--no-edit"]).expect(0);
    w.verify("base..HEAD").expect(0);
    // Nothing to say when the commit will verify: the same amend again.
    let r = w.git_notty(["commit", "-q", "--amend", "-n", "--no-edit"]).expect(0);
    assert_eq!(r.stderr, "");
    w.verify("base..HEAD").expect(0);
}

#[test]
fn no_verify_says_how_to_attest_a_commit_made_without_the_hook() {
    let w = World::adopted("disclose");
    w.write("a.txt", "first\n");
    w.git(["add", "-A"]);
    let r = w.git_notty(["commit", "-q", "--no-verify", "-m", "Add a"]).expect(0);
    assert_eq!(
        r.stderr,
        "avow: warning: the commit will not be attested (--no-verify skips avow's commit-msg hook)\n\
         avow: attest it with `git commit --amend --trailer \"Authorship: …\" --trailer \"Rationale: …\"`\n"
    );
    let mut args = vec!["--amend", "--no-edit"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    w.verify("base..HEAD").expect(0);
}
