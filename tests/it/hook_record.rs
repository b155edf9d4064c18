//! The record commit-msg leaves for post-commit (src/cmd/hook/record.rs):
//! post-commit does not verify again a commit exactly as commit-msg signed
//! it, and warns, as before, about any other. avow installs post-commit
//! only when asked (`git avow install --hook post-commit`): prepare-commit-msg
//! checks a commit made without commit-msg before git makes it.

use crate::support::*;

/// An adopted repository with avow's post-commit hook too.
fn with_post_commit() -> World {
    let w = World::adopted("disclose");
    w.avow(["install", "--hook", "post-commit"]).expect(0);
    w
}

/// The record's file in the test repository's git directory.
fn record(w: &World) -> std::path::PathBuf {
    w.path().join(".git/avow-signed")
}

/// A message file with a human statement, signed by the commit-msg hook
/// as git would run it (`git hook run`), for the staged change.
fn signed_message(w: &World, name: &str, subject: &str) -> std::path::PathBuf {
    let file = w.scratch().join(name);
    std::fs::write(
        &file,
        format!("{subject}\n\nAuthorship: human\nRationale: {subject}, so that the record has a change of its own to name.\n"),
    )
    .unwrap();
    w.git_notty(["hook", "run", "commit-msg", "--", file.to_str().unwrap()]).expect(0);
    assert!(record(w).exists(), "commit-msg left no record");
    file
}

#[test]
fn post_commit_takes_the_record_of_the_commit_the_hook_signed() {
    let w = with_post_commit();
    w.write("a.txt", "one\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    let r = w.commit(&args).expect(0);
    assert_eq!(r.stderr, "");
    assert!(!record(&w).exists(), "post-commit left the record behind");
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_record_of_the_same_commit_made_without_the_hook_is_the_truth() {
    // commit-msg signed, then the commit was made with --no-verify from
    // the very message and index it signed: the same commit, which
    // verifies; post-commit has nothing to warn about.
    let w = with_post_commit();
    w.write("a.txt", "one\n");
    w.git(["add", "-A"]);
    let file = signed_message(&w, "msg", "Add a");
    let r = w.git_notty(["commit", "-q", "--no-verify", "-F", file.to_str().unwrap()]).expect(0);
    assert_eq!(r.stderr, "");
    assert!(!record(&w).exists());
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_record_of_another_commit_never_silences_the_warning() {
    let w = with_post_commit();
    // The message edited after the hook signed it.
    w.write("a.txt", "one\n");
    w.git(["add", "-A"]);
    let file = signed_message(&w, "edited", "Add a");
    let text = std::fs::read_to_string(&file).unwrap().replace("Add a, so", "Add a, edited, so");
    std::fs::write(&file, text).unwrap();
    let r = w.git_notty(["commit", "-q", "--no-verify", "-F", file.to_str().unwrap()]).expect(0);
    assert!(r.stderr.contains("the new commit's attestation does not verify"), "{}", r.stderr);
    assert!(r.stderr.contains("[signature.invalid]") || r.stderr.contains("signature does not verify"), "{}", r.stderr);
    // The index changed after the hook signed.
    w.write("b.txt", "two\n");
    w.git(["add", "-A"]);
    let file = signed_message(&w, "restaged", "Add b");
    w.write("b.txt", "two, changed after signing\n");
    w.git(["add", "-A"]);
    let r = w.git_notty(["commit", "-q", "--no-verify", "-F", file.to_str().unwrap()]).expect(0);
    assert!(r.stderr.contains("the change is not the one that was signed"), "{}", r.stderr);
    // A stale record (the signed commit was never made) and a commit made
    // without the hook.
    w.write("c.txt", "three\n");
    w.git(["add", "-A"]);
    signed_message(&w, "stale", "Add c");
    let r = w.git_notty(["commit", "-q", "--no-verify", "-m", "Add c"]).expect(0);
    assert!(r.stderr.contains("the new commit is not attested"), "{}", r.stderr);
    // An amend of the signed commit's parent, with the signed message.
    w.write("d.txt", "four\n");
    w.git(["add", "-A"]);
    let file = signed_message(&w, "amend", "Add d");
    let r = w.git_notty(["commit", "-q", "--amend", "--no-verify", "-F", file.to_str().unwrap()]).expect(0);
    assert!(r.stderr.contains("the new commit's attestation does not verify"), "{}", r.stderr);
    assert!(!record(&w).exists());
}

#[test]
fn a_forged_record_silences_only_the_warning_never_verify() {
    // Whoever can write the git directory can write a record that matches
    // a commit whose attestation is broken: post-commit then stays quiet
    // (as it would if they had replaced the hook). verify never reads the
    // record and refuses the commit.
    let w = with_post_commit();
    w.write("a.txt", "one\n");
    w.git(["add", "-A"]);
    let file = signed_message(&w, "forged", "Add a");
    let text = std::fs::read_to_string(&file).unwrap().replace("Add a, so", "Add a, edited, so");
    std::fs::write(&file, &text).unwrap();
    let forged = format!(
        "avow-signed 1\ntree {}\nparent {}\nauthor {AUTHOR_EMAIL}\n\n{text}",
        w.git(["write-tree"]),
        w.git(["rev-parse", "HEAD"])
    );
    std::fs::write(record(&w), forged).unwrap();
    let r = w.git_notty(["commit", "-q", "--no-verify", "--cleanup=verbatim", "-F", file.to_str().unwrap()]).expect(0);
    assert!(!r.stderr.contains("the new commit's"), "{}", r.stderr);
    // prepare-commit-msg, which never reads the record, still warns.
    assert!(r.stderr.contains("the commit's attestation will not verify"), "{}", r.stderr);
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[signature.invalid]"), "{}", r.stdout);
}
