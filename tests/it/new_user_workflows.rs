//! Workflows new contributors and maintainers really go through, in the
//! order they do them (docs/workflows.md): a merge whose conflict is
//! resolved and concluded with `git merge --continue`, partial commits
//! (`-p`, `--only`, `-i`, `-a`), a contributor whose key is added after
//! they signed, a fork and its pull request. Real git, real hooks; the
//! printed hints are run as printed.

use crate::support::*;

/// `main` and `side` both write `c.txt`: merging `side` conflicts.
fn conflicting_branches() -> World {
    let w = World::adopted("disclose");
    w.git(["switch", "-q", "-c", "side"]);
    w.change("c.txt", "side\n", "Write c on side");
    w.git(["switch", "-q", "main"]);
    w.change("c.txt", "main\n", "Write c on main");
    assert_ne!(w.git_notty(["merge", "-q", "side"]).code, 0, "the merge conflicts");
    w.write("c.txt", "main and side\n");
    w.git(["add", "c.txt"]);
    w
}

/// The one line of `stderr` that is a `git commit` command to run.
fn printed_commit_command(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| l.starts_with("git commit ")).collect();
    assert!(!lines.is_empty(), "no command printed:\n{stderr}");
    lines[0].replace("<why the change is needed and how it works>", "Both sides wrote c; the resolution keeps both.")
}

/// A resolved conflict is a change nobody attested: under `merges =
/// "skip"` the verifier checks such a merge like any commit
/// (`merge.unclean`), so `git merge --continue` must not let it through
/// unsigned. The refusal's command, run as printed, concludes the merge.
#[test]
fn a_resolved_merge_conflict_needs_a_statement_and_the_printed_command_concludes_it() {
    let w = conflicting_branches();
    let before = w.git(["rev-parse", "HEAD"]);
    let r = w.git_notty(["merge", "--continue"]).expect(1);
    assert!(r.stderr.contains("avow: commit refused: the message lacks an `Authorship:` trailer"), "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing was committed");
    assert!(w.path().join(".git/MERGE_HEAD").exists(), "the merge is still in progress");
    let command = printed_commit_command(&r.stderr);
    let r: Run = w.shell(&command).output().unwrap().into();
    let r = r.expect(0);
    assert_eq!(w.git(["rev-list", "--count", "--merges", "HEAD~1..HEAD"]), "1", "{}", r.stderr);
    assert_eq!(w.git(["log", "-1", "--format=%s"]), "Merge branch 'side'");
    w.verify("base..HEAD").expect(0);
}

/// On a terminal, `git merge --continue` asks for the statement of the
/// resolution, as any commit does, and signs it.
#[test]
fn a_resolved_merge_conflict_on_a_terminal_asks_and_signs() {
    let w = conflicting_branches();
    let (code, screen) = w.on_terminal(
        "git merge --continue",
        "1\nBoth sides wrote c; the resolution keeps both of their lines.\n",
        &[],
    );
    assert_eq!(code, 0, "{screen}");
    assert_eq!(w.trailer("HEAD", "Authorship").as_deref(), Some("human"), "{screen}");
    w.verify("base..HEAD").expect(0);
}

/// A clean merge still needs no statement: the verifier skips it.
#[test]
fn a_clean_merge_needs_no_statement() {
    let w = World::adopted("disclose");
    w.git(["switch", "-q", "-c", "side"]);
    w.change("s.txt", "side\n", "Add s on side");
    w.git(["switch", "-q", "main"]);
    w.change("m.txt", "main\n", "Add m on main");
    let r = w.git_notty(["merge", "-q", "--no-edit", "side"]).expect(0);
    assert!(!r.stderr.contains("avow:"), "{}", r.stderr);
    assert_eq!(w.trailer("HEAD", "Authorship"), None);
    w.verify("base..HEAD").expect(0);
    // `--no-commit`, then a change of the merge's own: that needs one.
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    w.git(["merge", "-q", "--no-commit", "side"]);
    w.write("m.txt", "main, and something slipped into the merge\n");
    w.git(["add", "m.txt"]);
    let r = w.commit(&["--no-edit"]).expect(1);
    assert!(r.stderr.contains("avow: commit refused: the message lacks"), "{}", r.stderr);
}
