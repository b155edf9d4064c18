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

/// The statement for a `git commit` line in a shell.
const STATEMENT: &str =
    "--trailer 'Authorship: human' --trailer 'Rationale: Only this part is ready; the rest waits for its own review.'";

/// git commits another index than the one staged for `-p`, `--only`, `-i`
/// and `-a` (a temporary one, named by `GIT_INDEX_FILE`): the hook must
/// sign the change git commits, not what is staged, or the commit does
/// not verify. Each is checked with the change digest recomputed.
#[test]
fn partial_commits_sign_the_change_git_commits() {
    let w = World::adopted("disclose");
    w.change("f.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "Add f");
    w.git(["tag", "-f", "start"]);
    let commit = |line: &str| {
        let r: Run = w.shell(line).output().unwrap().into();
        r.expect(0);
        w.avow(["verify", "--no-fast-path", "HEAD~1..HEAD"]).expect(0);
    };
    // `-p`: the first hunk of two, and not g.txt.
    w.write("f.txt", "one\n2\n3\n4\n5\n6\n7\n8\nnine\n");
    w.write("g.txt", "g\n");
    w.git(["add", "g.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add g, unattested, to modify it next"]);
    w.write("g.txt", "g, changed\n");
    commit(&format!("printf 'y\\nn\\nn\\n' | git commit -q -p -m 'Spell out one' {STATEMENT}"));
    assert_eq!(w.git(["show", "HEAD:f.txt"]), "one\n2\n3\n4\n5\n6\n7\n8\n9");
    assert_eq!(w.git(["diff", "--name-only"]), "f.txt\ng.txt", "what -p left unstaged");
    // `--only PATH` while something else is staged: only PATH.
    w.write("h.txt", "h\n");
    w.git(["add", "h.txt"]);
    commit(&format!("git commit -q --only g.txt -m 'Change g only' {STATEMENT}"));
    assert_eq!(w.git(["show", "--format=", "--name-only", "HEAD"]), "g.txt");
    // `-i PATH`: PATH with what is staged.
    commit(&format!("git commit -q -i f.txt -m 'Add h and spell out nine' {STATEMENT}"));
    assert_eq!(w.git(["show", "--format=", "--name-only", "HEAD"]), "f.txt\nh.txt");
    // `-a`: every tracked change, not the untracked file.
    w.write("f.txt", "one\n2\n3\n4\n5\n6\n7\n8\nnine, again\n");
    w.write("untracked.txt", "u\n");
    commit(&format!("git commit -q -a -m 'Change f again' {STATEMENT}"));
    assert_eq!(w.git(["status", "--porcelain"]), "?? untracked.txt");
}

/// A maintainer starting a project: `git init`, a branch of their own
/// name before the first commit (`git switch -c trunk`, no HEAD yet),
/// avow adopted in the root commit, then an empty commit. With no
/// upstream and no other branch, the hints of `verify` and `reattest`
/// name what exists, and work as printed.
#[test]
fn the_first_commits_of_a_new_repository_on_a_branch_of_its_own() {
    let w = World::bare();
    w.git(["switch", "-q", "-c", "trunk"]);
    w.avow(["init", "--preset", "disclose"]).expect(0);
    w.avow(["install"]).expect(0);
    w.write("README", "A new project\n");
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Start the project",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: The project starts with avow adopted, so every commit is attested.",
    ])
    .expect(0);
    assert_eq!(w.git(["rev-list", "--count", "HEAD"]), "1");
    w.commit(&[
        "--allow-empty",
        "-m",
        "Mark the start",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: An empty commit marks where the first release is cut from.",
    ])
    .expect(0);
    assert!(w.trailer("HEAD", "Avow-Signature").is_some());

    let r = w.avow(["verify"]).expect(2);
    let printed = quoted_commands(&r.stderr);
    assert_eq!(printed, ["git avow verify HEAD --trust HEAD"], "{}", r.stderr);
    let r: Run = w.shell(&printed[0]).output().unwrap().into();
    assert!(r.expect(0).stdout.contains("2 commits: 2 accepted, 0 rejected"));

    let r = w.avow(["reattest"]).expect(2);
    let printed = quoted_commands(&r.stderr);
    assert_eq!(printed, ["git avow reattest HEAD~1..HEAD"], "{}", r.stderr);
    let r: Run = w.shell(&printed[0]).output().unwrap().into();
    r.expect(0);
    assert!(!w.git(["branch", "--list", "main"]).contains("main"), "no main branch was made");
}

/// A monorepo's sparse checkout with a sparse index (`git sparse-checkout
/// set --sparse-index`, as scalar clones are made), which leaves `.avow/`
/// out of the work tree: libgit2 cannot read such an index, so git
/// writes the staged tree, and the project's policy and keyring are read
/// as HEAD has them (here `no-ai` refuses `assisted`, which the default
/// policy would let through, for verify to reject later). Commit, revert
/// and doctor work as in a full checkout.
#[test]
fn a_sparse_checkout_with_a_sparse_index_attests_with_the_projects_policy() {
    let w = crate::policy::adopt("no-ai", None);
    w.write("src/a.c", "a\n");
    w.write("docs/a.md", "docs\n");
    w.git(["add", "-A"]);
    let line = "git commit -q -s -m 'Add src and docs' --trailer 'Authorship: human' --trailer 'Rationale: Two directories, so that a sparse checkout has one to leave out.'";
    w.shell(line).output().map(Run::from).unwrap().expect(0);
    w.git(["sparse-checkout", "set", "--sparse-index", "src"]);
    assert!(!w.path().join(".avow").exists() && !w.path().join("docs").exists());
    assert!(w.git(["ls-files", "--sparse"]).lines().any(|l| l == ".avow/"), "the index is sparse");

    w.write("src/a.c", "a, changed\n");
    let assisted = "git commit -q -s -a -m 'Change a' --trailer 'Authorship: assisted' --trailer 'Assisted-by: Claude:claude-opus-4-5' --trailer 'Rationale: The tool wrote it and I read every line of it before committing.'";
    let r = w.shell(assisted).output().map(Run::from).unwrap().expect(1);
    assert!(r.stderr.contains("[authorship.allowed]"), "the project's policy refused it:\n{}", r.stderr);
    let human = "git commit -q -s -a -m 'Change a' --trailer 'Authorship: human' --trailer 'Rationale: The function changed its output; callers in src expect the new one.'";
    w.shell(human).output().map(Run::from).unwrap().expect(0);
    w.verify("trusted..HEAD").expect(0);

    let revert = "git revert --no-commit HEAD && git commit -q -s --no-edit --trailer 'Authorship: human' --trailer 'Rationale: The change broke a caller outside src; revert it until that is fixed.'";
    w.shell(revert).output().map(Run::from).unwrap().expect(0);
    w.verify("trusted..HEAD").expect(0);

    let r = w.avow(["doctor"]);
    assert!(!r.stdout.contains("does not exist"), "{}", r.stdout);
    assert!(r.stdout.contains("ok    policy: .avow/policy.toml accepts human\n"), "{}", r.stdout);
}

/// `sh -c LINE` in `dir`, as `World::shell` runs it in the work tree.
fn sh_in(w: &World, dir: &std::path::Path, line: &str) -> Run {
    w.shell(line).current_dir(dir).output().unwrap().into()
}

/// A library the project vendors as a submodule, which has adopted avow
/// too, fixed from inside the submodule's checkout, as people do: its
/// hooks live in the superproject's `.git/modules/…`, where `git avow
/// install` in the superproject put none; doctor says so there, its fix
/// works as printed, and both the library's commit and the bump verify.
#[test]
fn a_commit_inside_a_submodule_is_attested_once_doctors_fix_is_run() {
    let w = World::adopted("disclose");
    // The key in the global configuration, as a contributor has it, so
    // that the submodule's checkout finds it too.
    w.git(["config", "--global", "avow.signingKey", w.key.to_str().unwrap()]);
    let statement = "--trailer 'Authorship: human' --trailer 'Rationale: The library returned the wrong value; callers need the right one.'";
    let lib = w.scratch().join("lib");
    for line in [
        "git init -q -b main lib".to_owned(),
        "cd lib && git avow init --preset disclose >/dev/null && git avow install >/dev/null".to_owned(),
        format!("cd lib && echo 'int lib(void) {{ return 1; }}' > lib.c && git add -A && git commit -q -m 'Start the library' {statement}"),
    ] {
        sh_in(&w, &w.scratch(), &line).expect(0);
    }
    w.git(["-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.to_str().unwrap(), "vendor/lib"]);
    w.commit(&[
        "-m",
        "Vendor the library",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: The project needs the library; vendored so that its version is pinned.",
    ])
    .expect(0);

    let sub = w.path().join("vendor/lib");
    let r = sh_in(&w, &sub, "git avow doctor").expect(1);
    let fail = r.stdout.lines().skip_while(|l| !l.starts_with("FAIL  hooks:")).take(2).collect::<Vec<_>>();
    assert!(fail.len() == 2 && fail[0].contains("/.git/modules/vendor/lib/hooks"), "{}", r.stdout);
    let fix = quoted_commands(fail[1]);
    assert_eq!(fix.first().map(String::as_str), Some("git avow install"), "{}", fail[1]);
    sh_in(&w, &sub, &fix[0]).expect(0);

    std::fs::write(sub.join("lib.c"), "int lib(void) { return 2; }\n").unwrap();
    sh_in(&w, &sub, &format!("git commit -q -a -m 'Return two' {statement}")).expect(0);
    sh_in(&w, &sub, "git avow verify HEAD~1..HEAD").expect(0);
    w.git(["add", "vendor/lib"]);
    w.commit(&[
        "-m",
        "Bump the library",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Take the library's fix: callers of lib() need two, which it now returns.",
    ])
    .expect(0);
    w.verify("base..HEAD").expect(0);
}
