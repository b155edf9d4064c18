//! Everyday history (docs/workflows.md): conflicts in rebase, `pull
//! --rebase`, cherry-pick and am; `git avow reattest`; fixup commits and
//! autosquash; reverts. Real git, real hooks, no terminal unless a test
//! makes one with `script`.

use std::path::PathBuf;

use crate::support::*;

const BOB_NAME: &str = "Bob Example";
const BOB_EMAIL: &str = "bob@example.org";

/// `base` on main, then `main` changes `f.txt` one way and `topic` (from
/// base) the other way: rebasing topic onto main conflicts.
pub(crate) fn diverged() -> World {
    diverged_in(TestRepo::new())
}

/// [`diverged`] in a given repository (e.g. a SHA-256 one).
fn diverged_in(repo: TestRepo) -> World {
    let w = World::adopted_in(repo, "disclose");
    w.change("f.txt", "one\ntwo\nthree\n", "Add f");
    w.git(["tag", "-f", "base"]);
    w.git(["switch", "-q", "-c", "topic"]);
    w.change("f.txt", "one\ntwo, from topic\nthree\n", "Change two on topic");
    w.change("g.txt", "g\n", "Add g");
    w.git(["switch", "-q", "main"]);
    w.change("f.txt", "one\ntwo, from main\nthree\n", "Change two on main");
    w.git(["switch", "-q", "topic"]);
    w
}

/// The one command line in `stderr` that starts with `git avow`.
fn named_command(stderr: &str) -> Vec<String> {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| l.starts_with("git avow ")).collect();
    assert_eq!(lines.len(), 1, "exactly one command named:\n{stderr}");
    lines[0].split(' ').skip(2).map(str::to_owned).collect()
}

pub(crate) fn resolve(w: &World) {
    w.write("f.txt", "one\ntwo, from both\nthree\n");
    w.git(["add", "f.txt"]);
}

#[test]
fn rebase_conflict_names_the_exact_reattest_command_and_it_works() {
    let w = diverged();
    let r = w.git_notty(["rebase", "main"]);
    assert_ne!(r.code, 0, "the rebase stops at the conflict");
    resolve(&w);
    let r = w.git_notty(["rebase", "--continue"]).expect(0);
    // No advice mid-rebase that points at a commit that is about to move.
    assert!(!r.stderr.contains("--amend"), "{}", r.stderr);
    let v = w.verify("main..topic").expect(1);
    assert!(v.stdout.contains("[attestation.change]"), "{}", v.stdout);
    let args = named_command(&r.stderr);
    assert_eq!(args[0], "reattest");
    assert!(args[1].ends_with("..topic"), "{args:?}");
    w.avow(&args).expect(0);
    w.avow(["verify", "main..topic", "--no-fast-path"]).expect(0);
    // In place: trees, authors and statements as they were.
    assert_eq!(w.git(["rev-list", "--count", "main..topic"]), "2");
    assert_eq!(w.git(["show", "-s", "--format=%s", "topic~1"]), "Change two on topic");
    assert_eq!(w.git(["status", "--porcelain"]), "");
}

#[test]
fn pull_rebase_conflict_on_a_terminal_asks_then_re_signs() {
    let w = diverged();
    // topic's upstream is main: `git pull --rebase` rebases onto it.
    w.git(["remote", "add", "origin", "."]);
    w.git(["fetch", "-q", "origin"]);
    w.git(["branch", "-q", "--set-upstream-to=origin/main"]);
    assert_ne!(w.git_notty(["pull", "-q", "--rebase"]).code, 0);
    resolve(&w);
    let (code, screen) = w.on_terminal("git rebase --continue", "y", &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Re-sign your statements"), "{screen}");
    w.avow(["verify", "origin/main..topic", "--no-fast-path"]).expect(0);
}

#[test]
fn declining_on_the_terminal_leaves_the_command() {
    let w = diverged();
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0);
    resolve(&w);
    let (code, screen) = w.on_terminal("git rebase --continue", "n", &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("git avow reattest "), "{screen}");
    w.verify("main..topic").expect(1);
}

#[test]
fn cherry_pick_conflict_of_your_own_commit() {
    let w = diverged();
    w.git(["switch", "-q", "main"]);
    assert_ne!(w.git_notty(["cherry-pick", "topic~1"]).code, 0);
    resolve(&w);
    let r = w.git_notty(["cherry-pick", "--continue"]).expect(0);
    // The hook kept the old signature (no terminal to confirm) and names
    // the one command.
    assert!(r.stderr.contains("git commit --amend --no-edit"), "{}", r.stderr);
    w.verify("base..main").expect(1);
    w.commit(&["--amend", "--no-edit"]).expect(0);
    w.verify("base..main").expect(0);
}

/// The same rebase in a SHA-256 repository: post-rewrite's record of
/// which commit git made from which holds 64-digit ids. avow read them as
/// SHA-1 ids, found no record, and treated your own rebased commit as a
/// stranger's (`reattest --sign`, "not made here from a commit you signed").
#[test]
fn rebase_conflict_in_a_sha256_repository_is_re_signed_from_the_record() {
    let w = diverged_in(TestRepo::new_sha256());
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0, "the rebase stops at the conflict");
    resolve(&w);
    let r = w.git_notty(["rebase", "--continue"]).expect(0);
    assert!(!r.stderr.contains("not made here"), "{}", r.stderr);
    let args = named_command(&r.stderr);
    assert_eq!(args[..2], ["reattest".to_owned(), format!("{}..topic", w.git(["rev-parse", "--short", "main"]))]);
    w.avow(&args).expect(0);
    w.avow(["verify", "main..topic", "--no-fast-path"]).expect(0);
    // A resolved cherry-pick is recorded and re-signed the same way.
    w.git(["switch", "-q", "-c", "picked", "main"]);
    w.git(["reset", "-q", "--hard", "main~1"]);
    w.change("f.txt", "one\ntwo, picked\nthree\n", "Change two for the pick");
    assert_ne!(w.git_notty(["cherry-pick", "topic~1"]).code, 0, "the pick conflicts");
    resolve(&w);
    w.git_notty(["cherry-pick", "--continue"]).expect(0);
    w.verify("main~1..picked").expect(1);
    w.avow(["reattest", "main~1..picked"]).expect(0);
    w.avow(["verify", "main~1..picked", "--no-fast-path"]).expect(0);
}

/// Cherry-picks of your own attested commits, one with a conflict resolved
/// without a terminal: git runs no post-rewrite after a cherry-pick, so
/// commit-msg recorded what the resolved one was picked from, and
/// reattest re-signs it without asking, as after a rebase.
/// A cherry-pick that applies cleanly runs no commit-msg hook: when part of
/// the change is already there, the picked statement no longer matches what
/// is committed. prepare-commit-msg says so before git makes the commit
/// (avow installs no post-commit hook), and the command it names fixes it.
#[test]
fn a_clean_cherry_pick_whose_change_differs_names_the_command() {
    let w = World::adopted("disclose");
    w.git(["tag", "-f", "base"]);
    w.git(["switch", "-q", "-c", "topic"]);
    w.write("f.txt", "f\n");
    w.write("g.txt", "g\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add f and g"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    w.change("h.txt", "h\n", "Add h");
    w.git(["switch", "-q", "main"]);
    w.change("g.txt", "g\n", "Add g");
    // The same change as signed: nothing to say.
    let r = w.git_notty(["cherry-pick", "topic"]).expect(0);
    assert_eq!(r.stderr, "");
    // Half of it was already here.
    let r = w.git_notty(["cherry-pick", "topic~1"]).expect(0);
    assert!(
        r.stderr.contains("the commit's attestation will not verify (a cherry-pick runs no commit-msg hook)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("re-sign it with `git commit --amend --no-edit`"), "{}", r.stderr);
    w.verify("base..main").expect(1);
    w.git_notty(["commit", "-q", "--amend", "--no-edit"]).expect(0);
    w.verify("base..main").expect(0);
}

#[test]
fn reattest_re_signs_a_resolved_cherry_pick_of_your_own_commit() {
    let w = diverged();
    w.git(["switch", "-q", "main"]);
    assert_ne!(w.git_notty(["cherry-pick", "base..topic"]).code, 0, "the first pick conflicts");
    resolve(&w);
    w.git_notty(["cherry-pick", "--continue"]).expect(0);
    assert_eq!(w.git(["show", "-s", "--format=%s", "HEAD"]), "Add g");
    let v = w.verify("base..main").expect(1);
    assert!(v.stdout.contains("[attestation.change]"), "{}", v.stdout);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = w.avow(["reattest", "base..main"]).expect(0);
    assert!(r.stderr.contains("re-signed 1 statement"), "{}", r.stderr);
    assert_ne!(w.git(["rev-parse", "HEAD"]), before);
    w.avow(["verify", "base..main", "--no-fast-path"]).expect(0);
    assert_eq!(w.git(["rev-list", "--count", "base..main"]), "3");
}

/// Your own commit (your key signed its statement) is yours to re-sign:
/// on a terminal the hook asks, and `y` signs the resolution.
#[test]
fn cherry_pick_conflict_of_your_own_commit_on_a_terminal_asks() {
    let w = diverged();
    w.git(["switch", "-q", "main"]);
    assert_ne!(w.git_notty(["cherry-pick", "topic~1"]).code, 0);
    resolve(&w);
    let (code, screen) = w.on_terminal("git cherry-pick --continue", "y", &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Re-sign your statement for the change as it is now? [y/N]"), "{screen}");
    w.verify("base..main").expect(0);
}

/// Bob, in the keyring, with his key; returns the key.
fn add_bob(w: &World) -> PathBuf {
    let bob = w.keygen("bob");
    w.avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--key", &format!("{}.pub", bob.display())])
        .expect(0);
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Add Bob to the keyring",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Bob contributes from now on, so his commits must verify.",
    ])
    .expect(0);
    bob
}

fn as_bob(w: &World, bob: &std::path::Path, args: &[&str]) -> Run {
    let mut all: Vec<String> = vec![
        "-c".into(),
        format!("user.name={BOB_NAME}"),
        "-c".into(),
        format!("user.email={BOB_EMAIL}"),
        "-c".into(),
        format!("avow.signingKey={}", bob.display()),
    ];
    all.extend(args.iter().map(|s| (*s).to_owned()));
    let mut c = w.repo.command("setsid");
    c.arg("-w").arg("git").args(&all).env("GIT_AUTHOR_NAME", BOB_NAME).env("GIT_AUTHOR_EMAIL", BOB_EMAIL);
    c.output().unwrap().into()
}

/// Bob's commit on `topic` and a conflicting one of Alice's on main.
pub(crate) fn bobs_topic() -> World {
    let w = World::adopted("disclose");
    let bob = add_bob(&w);
    w.change("f.txt", "one\ntwo\nthree\n", "Add f");
    w.git(["tag", "-f", "base"]);
    w.git(["switch", "-q", "-c", "topic"]);
    w.write("f.txt", "one\ntwo, by Bob\nthree\n");
    w.git(["add", "f.txt"]);
    as_bob(
        &w,
        &bob,
        &[
            "commit",
            "-q",
            "-m",
            "Bob changes two",
            "--trailer",
            "Authorship: human",
            "--trailer",
            "Rationale: Two must say who changed it, so the log reads right.",
        ],
    )
    .expect(0);
    w.git(["switch", "-q", "main"]);
    w.change("f.txt", "one\ntwo, from main\nthree\n", "Change two on main");
    w
}

#[test]
fn cherry_pick_conflict_never_re_signs_another_persons_statement() {
    let w = bobs_topic();
    let before = w.trailer("topic", "Avow-Signature").unwrap();
    assert_ne!(w.git_notty(["cherry-pick", "topic"]).code, 0);
    resolve(&w);
    let r = w.git_notty(["cherry-pick", "--continue"]).expect(0);
    assert!(r.stderr.contains("Bob Example <bob@example.org>'s"), "{}", r.stderr);
    // Bob's statement and signature are exactly as Bob made them.
    assert_eq!(w.trailer("HEAD", "Avow-Signature").unwrap(), before);
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), "Bob Example <bob@example.org>");
    // reattest refuses, naming the commit.
    let r = w.avow(["reattest", "base..main"]).expect(1);
    let short = w.git(["rev-parse", "--short", "HEAD"]);
    assert!(
        r.stderr.contains(&format!("{short} Bob changes two: the statement is Bob Example <bob@example.org>'s")),
        "{}",
        r.stderr
    );
    assert_eq!(w.trailer("HEAD", "Avow-Signature").unwrap(), before, "nothing changed");
    // --vouch needs the policy's consent.
    let r = w.avow(["reattest", "base..main", "--vouch"]).expect(2);
    assert!(r.stderr.contains("understood-by = \"keyring\""), "{}", r.stderr);
}

/// `git commit --fixup=amend:REV` of Bob's commit copies Bob's statement
/// and signature into the amend! commit. The hook refused it as an attempt
/// to sign Bob's statement and advised `git commit --amend`, which would
/// have amended Alice's own HEAD. An amend! commit waits to be folded in,
/// as a fixup! does: the hook lets it through with Bob's statement as it
/// is, unsigned by Alice, and after the autosquash Bob re-signs the
/// changed commit, as post-rewrite says.
#[test]
fn fixup_amend_of_another_persons_commit_waits_like_a_fixup() {
    let w = bobs_topic();
    w.git(["switch", "-q", "topic"]);
    let bobs = w.git(["rev-parse", "HEAD"]);
    w.write("f.txt", "one\ntwo, by Bob\nthree, fixed by Alice\n");
    w.git(["add", "f.txt"]);
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "commit", "-q", "--fixup=amend:HEAD"]).env("GIT_EDITOR", "true");
    let r = Run::from(c.output().unwrap()).expect(0);
    assert_eq!(
        r.stderr,
        "avow: an amend! commit carries Bob Example <bob@example.org>'s statement as it is, not signed by you; after `git rebase -i --autosquash`, they re-sign the commit it is folded into if its change changed\n"
    );
    assert_eq!(w.git(["rev-parse", "HEAD~1"]), bobs, "the amend! commit was made");
    let v = w.verify("base..topic").expect(1);
    assert!(v.stdout.contains("[attestation.fixup]"), "{}", v.stdout);
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "rebase", "-q", "-i", "--autosquash", "base"]).env("GIT_SEQUENCE_EDITOR", "true");
    let r = Run::from(c.output().unwrap()).expect(0);
    assert!(
        r.stderr.contains("Bob changes two: the statement is Bob Example <bob@example.org>'s, not yours"),
        "{}",
        r.stderr
    );
    let bob = w.scratch().join("bob");
    // Bob reads what Alice folded into his commit (reattest lists it:
    // no rewrite of his recorded it) and signs it with the command shown.
    let as_bob =
        format!("git -c 'user.name={BOB_NAME}' -c user.email={BOB_EMAIL} -c avow.signingKey={}", bob.display());
    let r = Run::from(w.shell(&format!("{as_bob} avow reattest base..topic")).output().unwrap()).expect(1);
    assert!(r.stderr.contains("files:  M f.txt"), "{}", r.stderr);
    let sign = named_command(&r.stderr).join(" ");
    assert!(sign.starts_with("reattest --sign "), "{sign}");
    Run::from(w.shell(&format!("{as_bob} avow {sign}")).output().unwrap()).expect(0);
    w.avow(["verify", "base..topic", "--no-fast-path"]).expect(0);
}

/// The policy in the work tree (not committed) lets keyring people vouch.
fn let_keyring_people_vouch(w: &World) {
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let policy = policy.replace("understood-by = \"author\"", "understood-by = \"keyring\"");
    assert!(policy.contains("understood-by = \"keyring\""), "{policy}");
    std::fs::write(w.path().join(".avow/policy.toml"), policy).unwrap();
}

/// A resolved cherry-pick the hook recorded is a recorded rewrite of the
/// commit it was picked from, which Bob's key attested for its own
/// change: `--vouch` takes it over without asking, as after a rebase.
#[test]
fn vouching_for_a_recorded_cherry_pick_needs_no_question() {
    let w = bobs_topic();
    assert_ne!(w.git_notty(["cherry-pick", "topic"]).code, 0);
    resolve(&w);
    w.git_notty(["cherry-pick", "--continue"]).expect(0);
    let_keyring_people_vouch(&w);
    let r = w.avow(["reattest", "base..main", "--vouch"]).expect(0);
    assert!(r.stderr.contains("now vouched for by you"), "{}", r.stderr);
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), "Alice Example <alice@example.org>");
}

#[test]
fn vouching_for_others_when_the_policy_allows_it() {
    let w = bobs_topic();
    assert_ne!(w.git_notty(["cherry-pick", "topic"]).code, 0);
    resolve(&w);
    // Committed where the hooks do not run: nothing records the pick.
    w.git_notty(["-c", "core.hooksPath=/nonexistent", "cherry-pick", "--continue"]).expect(0);
    let_keyring_people_vouch(&w);
    // What you would vouch for is listed, with the command that signs it
    // explicitly.
    let r = w.avow(["reattest", "base..main", "--vouch"]).expect(1);
    assert!(
        r.stderr.contains("Bob changes two\n      author: Bob Example <bob@example.org>\n      files:  M f.txt"),
        "{}",
        r.stderr
    );
    let args = named_command(&r.stderr);
    assert_eq!(args[..2], ["reattest", "--vouch"]);
    let r = w.avow(&args).expect(0);
    assert!(r.stderr.contains("now vouched for by you"), "{}", r.stderr);
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), "Alice Example <alice@example.org>");
    // Verified under a base whose policy allows it.
    w.git(["stash", "-q"]);
    w.git(["switch", "-q", "-c", "trust"]);
    w.git(["stash", "pop", "-q"]);
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Let keyring people vouch",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Maintainers re-sign resolved cherry-picks of others' work.",
    ])
    .expect(0);
    w.avow(["verify", "base..main", "--trust", "trust"]).expect(0);
}

#[test]
fn am_conflict_names_the_exact_command() {
    let w = diverged();
    let patches = w.scratch().join("patches");
    w.git(["format-patch", "-q", "-o", patches.to_str().unwrap(), "main..topic"]);
    // Bring topic's patches onto main, where the first conflicts.
    let files: Vec<String> =
        std::fs::read_dir(&patches).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    let mut files = files;
    files.sort();
    w.git(["switch", "-q", "-c", "applied", "main"]);
    let mut args = vec!["am".to_owned(), "-q".to_owned(), "-3".to_owned()];
    args.extend(files);
    assert_ne!(w.git_notty(&args).code, 0);
    resolve(&w);
    let r = w.git_notty(["am", "--continue"]).expect(0);
    w.verify("main..applied").expect(1);
    let args = named_command(&r.stderr);
    w.avow(&args).expect(0);
    w.verify("main..applied").expect(0);
}

#[test]
fn fixup_commits_need_no_statement_and_autosquash_re_signs() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    w.write("a.txt", "first, fixed\n");
    w.git(["add", "a.txt"]);
    let r = w.commit(&["--fixup", "HEAD~1"]).expect(0);
    assert_eq!(r.stderr, "", "no advice for a fixup commit");
    let v = w.verify("base..HEAD").expect(1);
    assert!(v.stdout.contains("[attestation.fixup]"), "{}", v.stdout);
    assert!(v.stdout.contains("git rebase -i --autosquash"), "{}", v.stdout);
    // reattest will not sign it either.
    let r = w.avow(["reattest", "base..HEAD"]).expect(1);
    assert!(r.stderr.contains("fixup! Add a: a fixup!/squash!/amend! commit"), "{}", r.stderr);
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "rebase", "-q", "-i", "--autosquash", "base"]).env("GIT_SEQUENCE_EDITOR", "true");
    let r: Run = c.output().unwrap().into();
    let r = r.expect(0);
    assert!(r.stderr.contains("re-signed 1 statement"), "{}", r.stderr);
    assert_eq!(w.git(["rev-list", "--count", "base..HEAD"]), "2");
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
}

/// `git commit --fixup=amend:REV` rewords an older commit's statement
/// (and brings a change), then `rebase --autosquash` folds it in. The
/// hook signed the amend! commit's statement under its own subject
/// `amend! Add a`, which git drops when it folds; post-rewrite then took
/// the folded statement for one that only names you ("you did not sign
/// it") and named `git commit --amend`, which reaches HEAD, not the
/// folded commit. It is your own amend! commit, made here: re-signed
/// without asking, as for `--fixup`.
#[test]
fn fixup_amend_rewords_an_older_statement_and_autosquash_re_signs() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    w.write("a.txt", "first, fixed\n");
    w.git(["add", "a.txt"]);
    let reworded = "Rationale: Add a with the fix folded in; the file must end fixed for the reader.";
    let editor = w.scratch().join("reword");
    std::fs::write(&editor, format!("#!/bin/sh\nsed -i 's/^Rationale: .*/{reworded}/' \"$1\"\n")).unwrap();
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "commit", "-q", "--fixup=amend:HEAD~1"]).env("GIT_EDITOR", format!("sh {}", editor.display()));
    Run::from(c.output().unwrap()).expect(0);
    let v = w.verify("base..HEAD").expect(1);
    assert!(v.stdout.contains("[attestation.fixup]"), "{}", v.stdout);
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "rebase", "-q", "-i", "--autosquash", "base"]).env("GIT_SEQUENCE_EDITOR", "true");
    let r = Run::from(c.output().unwrap()).expect(0);
    assert!(r.stderr.contains("re-signed 1 statement"), "{}", r.stderr);
    assert_eq!(w.git(["log", "--format=%s", "base..HEAD"]), "Add b\nAdd a");
    assert_eq!(w.trailer("HEAD~1", "Rationale").as_deref(), reworded.strip_prefix("Rationale: "));
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
}

/// A `--squash` and a `--fixup=reword:` of the same commit: git keeps the
/// commit's own message (statement and signature) in the body and puts the
/// reworded statement after it. post-rewrite re-signed the trailer block
/// and said so, leaving the old signature in the body, where verify
/// refuses it for good (`attestation.misplaced`). The re-signing drops a
/// signature left in the body, as the hook does after a squash.
#[test]
fn squash_and_reword_of_one_commit_autosquash_to_a_commit_that_verifies() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    w.write("a.txt", "first, fixed\n");
    w.git(["add", "a.txt"]);
    let editor = [("GIT_EDITOR", "true"), ("GIT_SEQUENCE_EDITOR", "true")];
    let git = |args: &[&str]| {
        let mut c = w.repo.command("setsid");
        c.arg("-w").arg("git").args(args).envs(editor);
        Run::from(c.output().unwrap()).expect(0)
    };
    git(&["commit", "-q", "--squash", "HEAD~1"]);
    git(&["commit", "-q", "--fixup=reword:HEAD~2"]);
    let r = git(&["rebase", "-q", "-i", "--autosquash", "base"]);
    assert!(r.stderr.contains("re-signed 1 statement"), "{}", r.stderr);
    assert_eq!(w.git(["log", "--format=%s", "base..HEAD"]), "Add b\nAdd a");
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
}

/// `git rebase -i` squashing two of your commits (the editor kept both
/// messages): the later commit's statement now stands under the first
/// one's subject. post-rewrite said "you did not sign it (no signature of
/// your key over it)", which was not true; it says which subject your key
/// signed it for, and its hint, followed on the squashed commit (not
/// HEAD), makes the branch verify.
#[test]
fn a_squash_in_rebase_i_names_the_subject_you_signed_and_the_fix_works() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    w.change("c.txt", "c\n", "Add c");
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "rebase", "-q", "-i", "base"])
        .env("GIT_EDITOR", "true")
        .env("GIT_SEQUENCE_EDITOR", "sed -i '2s/^pick/squash/'");
    let r = Run::from(c.output().unwrap()).expect(0);
    let squashed = w.git(["rev-parse", "--short", "HEAD~1"]);
    assert!(
        r.stderr.contains(&format!(
            "{squashed} Add a: your key signed this statement for another subject (\"Add b\"; commits were squashed together): read the message as it now reads; if you stand behind it, sign it with `git rebase -i {squashed}~1`, change `pick` to `edit` on the line of {squashed}, then `git commit --amend` and `git rebase --continue`\n"
        )),
        "{}",
        r.stderr
    );
    w.verify("base..HEAD").expect(1);
    let editor = w.scratch().join("mark-edit");
    std::fs::write(&editor, format!("#!/bin/sh\nsed -i 's/^pick {squashed} /edit {squashed} /' \"$1\"\n")).unwrap();
    w.git(["config", "sequence.editor", &format!("sh {}", editor.display())]);
    w.git(["config", "core.editor", "true"]);
    for command in quoted_commands(&r.stderr) {
        let r: Run = w.shell(&command).output().unwrap().into();
        assert_eq!(r.code, 0, "{command}: {}", r.stderr);
    }
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
}

#[test]
fn a_revert_without_a_terminal_is_refused_and_the_named_command_finishes_it() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    let r = w.git_notty(["revert", "--no-edit", "HEAD"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("revert refused"), "{}", r.stderr);
    assert_eq!(w.git(["rev-list", "--count", "base..HEAD"]), "1", "nothing committed");
    // Follow the hint, with the placeholder filled in.
    let line = r.stderr.lines().map(str::trim).find(|l| l.starts_with("git commit -F")).unwrap().to_owned();
    assert_eq!(
        line,
        "git commit -F .git/MERGE_MSG --trailer \"Authorship: human\" --trailer \"Rationale: <why it is reverted>\""
    );
    w.commit(&[
        "-F",
        ".git/MERGE_MSG",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Adding a broke the build on the release branch; take it out until it is fixed.",
    ])
    .expect(0);
    assert!(w.message("HEAD").starts_with("Revert \"Add a\"\n\nThis reverts commit "), "{}", w.message("HEAD"));
    w.verify("base..HEAD").expect(0);
}

/// The statement given with the revert, without a terminal: the refusal
/// names `git revert --no-commit REV && git commit --no-edit --trailer …`,
/// and that line, typed as printed (the placeholder filled in), reverts,
/// keeps git's message and signs — for one commit, and for several
/// reverted in one commit.
#[test]
fn a_reverts_statement_on_the_command_line() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    let r = w.git_notty(["revert", "--no-edit", "HEAD"]);
    assert_ne!(r.code, 0);
    let short = w.git(["rev-parse", "--short", "HEAD"]);
    let line = r.stderr.lines().map(str::trim).find(|l| l.starts_with("git revert --no-commit")).unwrap().to_owned();
    assert_eq!(
        line,
        format!(
            "git revert --no-commit {short} && git commit --no-edit --trailer \"Authorship: human\" --trailer \"Rationale: <why it is reverted>\""
        )
    );
    // Start again from a clean state, giving the statement up front.
    w.git(["reset", "-q", "--hard", "HEAD"]);
    let rationale = "Adding a broke the build on the release branch; take it out until it is fixed.";
    let typed = line.replace("<why it is reverted>", rationale);
    let run: Run = w.shell(&typed).output().unwrap().into();
    run.expect(0);
    assert!(w.message("HEAD").starts_with("Revert \"Add a\"\n\nThis reverts commit "), "{}", w.message("HEAD"));
    assert_eq!(w.trailer("HEAD", "Rationale").as_deref(), Some(rationale));
    w.verify("base..HEAD").expect(0);
    // Several commits, reverted as one.
    w.change("b.txt", "b\n", "Add b");
    w.change("c.txt", "c\n", "Add c");
    let both = "git revert --no-commit HEAD~1 HEAD && git commit --no-edit --trailer \"Authorship: human\" --trailer \"Rationale: b and c go together, and both wait for the new parser.\"";
    let run: Run = w.shell(both).output().unwrap().into();
    run.expect(0);
    w.verify("base..HEAD").expect(0);
    assert_eq!(w.git(["status", "--porcelain"]), "");
}

#[test]
fn a_revert_on_a_terminal_asks_and_signs() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    let (code, screen) = w.on_terminal(
        "git revert --no-edit HEAD",
        "1\nAdding a broke the release build; take it out until fixed.",
        &[],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("a revert is a change too"), "{screen}");
    w.verify("base..HEAD").expect(0);
    assert_eq!(w.git(["show", "-s", "--format=%s", "HEAD"]), "Revert \"Add a\"");
}

#[test]
fn reattest_refuses_mid_rebase_and_outside_head() {
    let w = diverged();
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0);
    let r = w.avow(["reattest", "main..HEAD"]).expect(2);
    assert!(r.stderr.contains("a rebase is in progress"), "{}", r.stderr);
    w.git(["rebase", "--abort"]);
    let r = w.avow(["reattest", "base..main"]).expect(2);
    assert!(r.stderr.contains("does not end at HEAD"), "{}", r.stderr);
    // The hint names the branch that ends the range; followed as printed,
    // the same reattest runs.
    assert!(
        r.stderr.ends_with(
            "hint: check out the branch first (`git switch main`) and run it again, or end the range at HEAD\n"
        ),
        "{}",
        r.stderr
    );
    for command in quoted_commands(&r.stderr) {
        Run::from(w.shell(&command).output().unwrap()).expect(0);
    }
    let r = w.avow(["reattest", "base..main"]).expect(0);
    assert!(r.stderr.contains("nothing to re-sign"), "{}", r.stderr);
    // No range and no upstream: the hint names the branch topic goes
    // into (on main itself, the last commit), and its range works.
    let r = w.avow(["reattest"]).expect(2);
    assert!(
        r.stderr.contains("hint: give the range to re-sign, e.g. `git avow reattest HEAD~1..HEAD`"),
        "{}",
        r.stderr
    );
    w.git(["switch", "-q", "topic"]);
    let r = w.avow(["reattest"]).expect(2);
    assert!(r.stderr.contains("hint: give the range to re-sign, e.g. `git avow reattest main..HEAD`"), "{}", r.stderr);
    assert_eq!(quoted_commands(&r.stderr), ["git avow reattest main..HEAD"]);
    Run::from(w.shell("git avow reattest main..HEAD").output().unwrap()).expect(0);
}

#[test]
fn a_fetched_fixup_is_not_re_signed_without_asking() {
    let w = World::adopted("disclose");
    w.change("a.txt", "first\n", "Add a");
    // Someone else's clone makes a fixup, authored in Alice's name.
    let other = w.scratch().join("other");
    w.git(["clone", "-q", w.path().to_str().unwrap(), other.to_str().unwrap()]);
    let o = other.to_str().unwrap();
    std::fs::write(other.join("a.txt"), "first, and a line nobody reviewed\n").unwrap();
    w.git(["-C", o, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-a", "--fixup", "HEAD"]);
    w.git(["fetch", "-q", o, "main"]);
    w.git(["reset", "-q", "--hard", "FETCH_HEAD"]);
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "rebase", "-q", "-i", "--autosquash", "base"]).env("GIT_SEQUENCE_EDITOR", "true");
    let r: Run = c.output().unwrap().into();
    let r = r.expect(0);
    assert!(!r.stderr.contains("re-signed"), "{}", r.stderr);
    assert!(r.stderr.contains("not made here from a commit you signed; read them"), "{}", r.stderr);
    assert!(r.stderr.contains("files:  A a.txt"), "{}", r.stderr);
    assert_eq!(named_command(&r.stderr)[..2], ["reattest", "--sign"]);
    w.verify("base..HEAD").expect(1);
    // reattest, later and without a terminal, does not sign it either: the
    // record shows your commit folded with a fixup you did not make.
    let before = w.git(["rev-parse", "HEAD"]);
    w.avow(["reattest", "base..HEAD"]).expect(1);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before);
}

/// A hook manager that does not hand git's old → new lines on (pre-commit
/// passes no standard input to post-rewrite hooks): avow takes the
/// rebased commits from `ORIG_HEAD`.
#[test]
fn post_rewrite_without_its_standard_input_still_names_the_command() {
    let w = diverged();
    let hook = w.path().join(".git/hooks/post-rewrite");
    std::fs::write(&hook, format!("#!/bin/sh\nexec '{}' hook post-rewrite \"$@\" </dev/null\n", avow_bin().display()))
        .unwrap();
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0);
    resolve(&w);
    let r = w.git_notty(["rebase", "--continue"]).expect(0);
    let args = named_command(&r.stderr);
    // The rebase's own list of what it rewrote stands in for the lines
    // the hook did not get: your commits are carried without --sign.
    assert_eq!(args.len(), 2, "{args:?}");
    w.avow(&args).expect(0);
    w.verify("main..topic").expect(0);
}

/// Rebased twice before re-signing: post-rewrite's record leads from the
/// second rewrite through the first (same signature) to the commit you
/// signed, so the named command re-signs without asking.
#[test]
fn reattest_follows_the_recorded_rewrites_back_to_your_commit() {
    let w = diverged();
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0);
    resolve(&w);
    w.git_notty(["rebase", "--continue"]).expect(0);
    // main moves on elsewhere; topic is rebased again, without conflict.
    w.git(["switch", "-q", "main"]);
    w.change("h.txt", "h\n", "Add h");
    w.git(["switch", "-q", "topic"]);
    let r = w.git_notty(["rebase", "main"]).expect(0);
    let args = named_command(&r.stderr);
    assert_eq!(args[..2], ["reattest".to_owned(), format!("{}..topic", w.git(["rev-parse", "--short", "main"]))]);
    w.avow(&args).expect(0);
    w.avow(["verify", "main..topic", "--no-fast-path"]).expect(0);
}

/// A rebase by a tool that ran no hooks leaves no record: reattest cannot
/// tell the commits from copies, so it names them with what they change
/// and the command that signs them explicitly, which works as printed.
#[test]
fn a_rewrite_without_hooks_is_signed_by_naming_the_commits() {
    let w = diverged();
    let no_hooks = ["-c", "core.hooksPath=/dev/null"];
    assert_ne!(w.git_notty(no_hooks.iter().chain(&["rebase", "main"])).code, 0);
    resolve(&w);
    w.git_notty(no_hooks.iter().chain(&["-c", "core.editor=true", "rebase", "--continue"])).expect(0);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = w.avow(["reattest", "main..topic"]).expect(1);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing changed");
    let first = w.git(["rev-parse", "--short", "topic~1"]);
    assert!(r.stderr.contains(&format!("  {first} Change two on topic\n      author: ")), "{}", r.stderr);
    assert!(r.stderr.contains("files:  M f.txt\n"), "{}", r.stderr);
    // Naming a commit outside the range is bad input.
    let r2 = w.avow(["reattest", "--sign", "main", "main..topic"]).expect(2);
    assert!(r2.stderr.contains("--sign main: names no commit of `main..topic`"), "{}", r2.stderr);
    let args = named_command(&r.stderr);
    assert_eq!(args[..3], ["reattest".to_owned(), "--sign".to_owned(), first]);
    w.avow(&args).expect(0);
    w.avow(["verify", "main..topic", "--no-fast-path"]).expect(0);
}
