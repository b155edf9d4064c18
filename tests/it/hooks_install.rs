//! `git avow install` / `uninstall` next to hooks the user already has:
//! `core.hooksPath` (relative and absolute), chaining, idempotence, exact
//! restoration, worktrees.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::support::*;

/// A user's own commit-msg hook: records that it ran (and its argument's
/// file name) in `log`, then exits with `code`.
fn user_hook(path: &Path, log: &Path, code: i32, mode: u32) -> Vec<u8> {
    let text = format!(
        "#!/bin/sh\n# the user's own hook \u{2014} kept byte for byte\necho \"user hook: $(basename \"$1\")\" >> '{}'\nexit {code}\n",
        log.display()
    );
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, &text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    text.into_bytes()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Every file in `dir` with its mode, sorted: the whole state of a hooks
/// directory.
fn listing(dir: &Path) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), mode(&e.path()))
        })
        .filter(|(n, _)| !n.ends_with(".sample"))
        .collect();
    out.sort();
    out
}

fn names(list: &[(String, u32)]) -> Vec<&str> {
    list.iter().map(|(n, _)| n.as_str()).collect()
}

/// A repository with avow adopted (but no hooks yet) and a scratch log.
fn adopted_without_hooks() -> (World, PathBuf) {
    let w = World::bare();
    w.avow(["init", "--preset", "disclose"]).expect(0);
    w.git(["add", ".avow"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Adopt avow"]);
    w.git(["tag", "base"]);
    let log = w.scratch().join("hook.log");
    (w, log)
}

fn attested_commit(w: &World, file: &str) -> Run {
    w.write(file, "x\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add a file"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args)
}

/// Installs into `dir` over an existing user hook, checks both hooks run,
/// re-installs, then uninstalls and checks the user's hook is back exactly.
fn chain_and_restore(w: &World, dir: &Path, log: &Path) {
    let hook = dir.join("commit-msg");
    let original = user_hook(&hook, log, 0, 0o750);
    let out = w.avow(["install"]).expect(0);
    let note = if dir.starts_with(w.path()) && !dir.starts_with(w.path().join(".git")) {
        "avow: note: these hooks are inside the work tree and name this machine's git-avow; do not commit them (to share hooks, commit ones that run `git avow hook …`, see docs/integrations.md)\n"
    } else {
        ""
    };
    let installed_line = format!(
        "avow: installed commit-msg, prepare-commit-msg, post-rewrite, post-applypatch in {}\n{note}",
        dir.display()
    );
    assert_eq!(
        out.stdout,
        format!(
            "avow: kept your commit-msg hook; it now runs first, from {}\n{installed_line}",
            dir.join("commit-msg.avow-chained").display(),
        )
    );
    let installed = listing(dir);
    assert_eq!(
        names(&installed),
        ["commit-msg", "commit-msg.avow-chained", "post-applypatch", "post-rewrite", "prepare-commit-msg"]
    );
    assert_eq!(std::fs::read(dir.join("commit-msg.avow-chained")).unwrap(), original);

    // Both hooks run: the user's first (it saw the message file), then
    // avow's (the commit is signed and verifies).
    attested_commit(w, "a.txt").expect(0);
    assert_eq!(std::fs::read_to_string(log).unwrap(), "user hook: COMMIT_EDITMSG\n");
    assert!(w.trailer("HEAD", "Avow-Signature").is_some(), "{}", w.message("HEAD"));
    w.verify("base..HEAD").expect(0);

    // Idempotent: a second install changes nothing and chains nothing twice.
    let scripts: Vec<Vec<u8>> = installed.iter().map(|(n, _)| std::fs::read(dir.join(n)).unwrap()).collect();
    let again = w.avow(["install"]).expect(0);
    assert_eq!(again.stdout, installed_line);
    assert_eq!(listing(dir), installed);
    let rescripts: Vec<Vec<u8>> = installed.iter().map(|(n, _)| std::fs::read(dir.join(n)).unwrap()).collect();
    assert_eq!(rescripts, scripts);

    // Uninstall: the user's hook is back, same bytes, same mode; nothing of
    // avow's is left.
    let out = w.avow(["uninstall"]).expect(0);
    assert_eq!(
        out.stdout,
        format!("avow: restored your commit-msg hook\navow: removed 4 hooks from {}\n", dir.display())
    );
    assert_eq!(names(&listing(dir)), ["commit-msg"]);
    assert_eq!(std::fs::read(&hook).unwrap(), original);
    assert_eq!(mode(&hook), 0o750);

    // And only the user's hook runs now: an unattested commit goes through.
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    w.commit(&["-m", "Unattested"]).expect(0);
    assert_eq!(std::fs::read_to_string(log).unwrap(), "user hook: COMMIT_EDITMSG\nuser hook: COMMIT_EDITMSG\n");
    assert_eq!(w.trailer("HEAD", "Avow-Signature"), None);
}

#[test]
fn chains_an_existing_hook_in_the_default_hooks_directory() {
    let (w, log) = adopted_without_hooks();
    chain_and_restore(&w, &w.path().join(".git/hooks"), &log);
}

#[test]
fn chains_an_existing_hook_under_a_relative_core_hooks_path() {
    let (w, log) = adopted_without_hooks();
    w.git(["config", "core.hooksPath", ".githooks"]);
    chain_and_restore(&w, &w.path().join(".githooks"), &log);
    // Nothing went to the directory git does not use.
    assert!(!w.path().join(".git/hooks/commit-msg").exists());
}

#[test]
fn chains_an_existing_hook_under_an_absolute_core_hooks_path() {
    let (w, log) = adopted_without_hooks();
    let dir = w.scratch().join("shared hooks");
    w.git(["config", "core.hooksPath", dir.to_str().unwrap()]);
    chain_and_restore(&w, &dir, &log);
    assert!(!w.path().join(".git/hooks/commit-msg").exists());
}

#[test]
fn install_from_a_subdirectory_and_a_worktree_uses_the_shared_hooks() {
    let (w, log) = adopted_without_hooks();
    user_hook(&w.path().join(".git/hooks/commit-msg"), &log, 0, 0o755);
    w.write("sub/dir/keep", "");
    w.avow_in(&w.path().join("sub/dir"), ["install"]).expect(0);
    let wt = w.scratch().join("wt");
    w.git(["worktree", "add", "-q", "-b", "feature", wt.to_str().unwrap()]);
    // From the linked worktree, install finds the same (common) hooks.
    let out = w.avow_in(&wt, ["install"]).expect(0);
    assert_eq!(
        out.stdout,
        format!(
            "avow: installed commit-msg, prepare-commit-msg, post-rewrite, post-applypatch in {}\n",
            w.path().join(".git/hooks").display()
        )
    );
    std::fs::write(wt.join("w.txt"), "w\n").unwrap();
    let mut c = w.command("setsid");
    c.current_dir(&wt).args(["-w", "git", "add", "-A"]);
    Run::from(c.output().unwrap()).expect(0);
    let mut args = vec!["-w", "git", "commit", "-q", "-m", "Work in a worktree"];
    args.extend_from_slice(&HUMAN);
    let mut c = w.command("setsid");
    c.current_dir(&wt).args(&args);
    Run::from(c.output().unwrap()).expect(0);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "user hook: COMMIT_EDITMSG\n");
    w.verify("base..feature").expect(0);
}

#[test]
fn a_failing_chained_hook_refuses_the_commit_before_avow_signs() {
    let (w, log) = adopted_without_hooks();
    user_hook(&w.path().join(".git/hooks/commit-msg"), &log, 3, 0o755);
    w.avow(["install"]).expect(0);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = attested_commit(&w, "a.txt");
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.stderr, "");
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "no commit was made");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "user hook: COMMIT_EDITMSG\n");
    // avow never touched the message: it was not run.
    let kept = std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap();
    assert!(!kept.contains("Avow-Signature"), "{kept}");
}

#[test]
fn a_non_executable_user_hook_stays_disabled_as_git_would_treat_it() {
    let (w, log) = adopted_without_hooks();
    let original = user_hook(&w.path().join(".git/hooks/commit-msg"), &log, 1, 0o644);
    w.avow(["install"]).expect(0);
    attested_commit(&w, "a.txt").expect(0);
    assert!(!log.exists(), "git ignores a hook that is not executable; so does the chain");
    w.avow(["uninstall"]).expect(0);
    assert_eq!(std::fs::read(w.path().join(".git/hooks/commit-msg")).unwrap(), original);
    assert_eq!(mode(&w.path().join(".git/hooks/commit-msg")), 0o644);
}

#[test]
fn a_symlinked_hook_is_kept_as_a_link_even_when_dangling() {
    let (w, _log) = adopted_without_hooks();
    let hooks = w.path().join(".git/hooks");
    std::os::unix::fs::symlink("../../tools/missing-hook", hooks.join("commit-msg")).unwrap();
    w.avow(["install"]).expect(0);
    assert!(!w.path().join("tools/missing-hook").exists(), "install wrote through the link");
    assert_eq!(
        std::fs::read_link(hooks.join("commit-msg.avow-chained")).unwrap(),
        Path::new("../../tools/missing-hook")
    );
    w.avow(["uninstall"]).expect(0);
    assert_eq!(std::fs::read_link(hooks.join("commit-msg")).unwrap(), Path::new("../../tools/missing-hook"));
}

#[test]
fn uninstall_restores_a_chained_hook_whose_avow_hook_was_deleted() {
    let (w, log) = adopted_without_hooks();
    let hooks = w.path().join(".git/hooks");
    let original = user_hook(&hooks.join("commit-msg"), &log, 0, 0o755);
    w.avow(["install"]).expect(0);
    std::fs::remove_file(hooks.join("commit-msg")).unwrap();
    let out = w.avow(["uninstall"]).expect(0);
    assert_eq!(
        out.stdout,
        format!("avow: restored your commit-msg hook\navow: removed 3 hooks from {}\n", hooks.display())
    );
    assert_eq!(std::fs::read(hooks.join("commit-msg")).unwrap(), original);
}

#[test]
fn install_refuses_when_both_a_hook_and_a_chained_one_exist_and_changes_nothing() {
    let (w, log) = adopted_without_hooks();
    let hooks = w.path().join(".git/hooks");
    user_hook(&hooks.join("prepare-commit-msg"), &log, 0, 0o755);
    user_hook(&hooks.join("prepare-commit-msg.avow-chained"), &log, 0, 0o755);
    let before = listing(&hooks);
    let r = w.avow(["install"]).expect(2);
    assert_eq!(
        r.stderr,
        format!(
            "git-avow: error: {0}/prepare-commit-msg exists and so does {0}/prepare-commit-msg.avow-chained; refusing to overwrite either\n\
             hint: merge them by hand (or remove the stale one), then run `git avow install` again\n",
            hooks.display()
        )
    );
    assert_eq!(listing(&hooks), before, "nothing half-installed");
}

#[test]
fn install_and_uninstall_outside_a_repository_fail_with_a_hint() {
    let w = World::bare();
    let outside = w.scratch();
    for cmd in ["install", "uninstall"] {
        let r = w.avow_in(&outside, [cmd]).expect(2);
        assert_eq!(
            r.stderr,
            format!(
                "git-avow: error: not a git repository: {}\nhint: run this inside a git repository (or create one with `git init`)\n",
                outside.display()
            )
        );
    }
}

#[test]
fn chains_an_existing_hook_under_a_core_hooks_path_in_the_home_directory() {
    let (w, log) = adopted_without_hooks();
    w.git(["config", "core.hooksPath", "~/githooks"]);
    chain_and_restore(&w, &w.home().join("githooks"), &log);
}

/// A global `core.hooksPath`: install says its hooks reach every
/// repository; following its advice installs for this repository only;
/// and in a repository without `.avow/` avow's hooks do nothing.
#[test]
fn install_names_a_global_hooks_path_and_hooks_do_nothing_without_avow() {
    let w = World::adopted("disclose");
    let global = w.home().join("global-hooks");
    w.git(["config", "--global", "core.hooksPath", global.to_str().unwrap()]);
    let r = w.avow(["install"]).expect(0);
    let note = "avow: note: core.hooksPath is set in your global git configuration, so these hooks run in every repository that uses it (they do nothing where there is no .avow/); for this repository only: `git config core.hooksPath .git/hooks && git avow install`";
    assert!(r.stdout.contains(note), "{}", r.stdout);
    // Another repository of the same user, without .avow/: commits as usual.
    let other = w.scratch().join("other");
    w.git(["init", "-q", other.to_str().unwrap()]);
    let out = w
        .command("setsid")
        .args(["-w", "git", "commit", "-q", "--allow-empty", "-m", "Plain"])
        .current_dir(&other)
        .output()
        .unwrap();
    let r = Run::from(out).expect(0);
    assert_eq!(r.stderr, "");
    // The advice, followed literally.
    let out = w
        .command("sh")
        .args(["-c", "git config core.hooksPath .git/hooks && git avow install"])
        .env(
            "PATH",
            format!("{}:{}", crate::support::avow_bin().parent().unwrap().display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    let r = Run::from(out).expect(0);
    assert!(!r.stdout.contains("note: core.hooksPath"), "{}", r.stdout);
    assert!(w.path().join(".git/hooks/commit-msg").exists());
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    w.commit(&["-m", "Add a"]).expect(1);
}

/// An earlier install wrote a post-commit hook, which now only costs every
/// commit a process: install removes it and puts back the user's own hook
/// it had chained; `--hook post-commit` still installs it on request.
#[test]
fn install_removes_an_earlier_installs_post_commit_hook() {
    let (w, log) = adopted_without_hooks();
    let hooks = w.path().join(".git/hooks");
    let original = user_hook(&hooks.join("post-commit"), &log, 0, 0o755);
    w.avow(["install", "--hook", "post-commit"]).expect(0);
    assert!(hooks.join("post-commit.avow-chained").exists());
    let out = w.avow(["install"]).expect(0);
    assert_eq!(
        out.stdout,
        format!(
            "avow: installed commit-msg, prepare-commit-msg, post-rewrite, post-applypatch in {}\n\
             avow: removed the post-commit hook an earlier install wrote (prepare-commit-msg now does its checks); your own post-commit hook is back in its place\n",
            hooks.display()
        )
    );
    assert_eq!(std::fs::read(hooks.join("post-commit")).unwrap(), original);
    assert!(!hooks.join("post-commit.avow-chained").exists());
    // Without a hook of the user's, nothing is left in its place.
    std::fs::remove_file(hooks.join("post-commit")).unwrap();
    w.avow(["install", "--hook", "post-commit"]).expect(0);
    w.avow(["install"]).expect(0);
    assert!(!hooks.join("post-commit").exists());
    attested_commit(&w, "a.txt").expect(0);
    w.verify("base..HEAD").expect(0);
}

/// post-rewrite and post-applypatch are direct hooks too (no shell at each
/// `commit --amend`, rebase and `git am`), and post-rewrite's standard
/// input — git's `OLD NEW` lines — reaches both a chained hook and avow,
/// which records the rewrite that kept the signature.
#[test]
fn a_direct_post_rewrite_gives_git_s_lines_to_a_chained_hook_and_to_avow() {
    let (w, log) = adopted_without_hooks();
    let dir = w.path().join(".git/hooks");
    let copy = w.scratch().join("chained-input");
    std::fs::create_dir_all(&dir).unwrap();
    let user = format!("#!/bin/sh\necho \"chained: $1\" >> '{}'\ncat > '{}'\n", log.display(), copy.display());
    std::fs::write(dir.join("post-rewrite"), &user).unwrap();
    std::fs::set_permissions(dir.join("post-rewrite"), std::fs::Permissions::from_mode(0o755)).unwrap();
    w.avow(["install"]).expect(0);
    for hook in ["post-rewrite", "post-applypatch"] {
        let text = std::fs::read_to_string(dir.join(hook)).unwrap();
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("#!/") && first.ends_with(" hook-direct"), "{hook}: {text}");
    }
    assert_eq!(std::fs::read_to_string(dir.join("post-rewrite.avow-chained")).unwrap(), user);

    attested_commit(&w, "a.txt").expect(0);
    let old = w.git(["rev-parse", "HEAD"]);
    w.write("a.txt", "y\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-edit", "--no-verify"]);
    let new = w.git(["rev-parse", "HEAD"]);
    assert_ne!(old, new);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "chained: amend\n");
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), format!("{old} {new}\n"));
    let record = std::fs::read_to_string(w.path().join(".git/avow/rewritten")).unwrap();
    assert!(record.contains(&format!("{old} {new}")), "{record}");

    // A chained hook that fails is the hook's failure, as the shell
    // script's `|| exit $?` made it (git reports it and goes on).
    std::fs::write(dir.join("post-rewrite.avow-chained"), "#!/bin/sh\nexit 3\n").unwrap();
    let r: Run = w.shell("git commit -q --amend --no-edit --no-verify; echo \"git: $?\"").output().unwrap().into();
    assert!(r.stdout.contains("git: 0"), "{}", r.stdout);
    let newer = w.git(["rev-parse", "HEAD"]);
    let record = std::fs::read_to_string(w.path().join(".git/avow/rewritten")).unwrap();
    assert!(!record.contains(&format!("{new} {newer}")), "avow ran after a failed chained hook: {record}");

    // Uninstalling puts the user's hook back as it was.
    w.avow(["uninstall"]).expect(0);
    assert_eq!(std::fs::read_to_string(dir.join("post-rewrite")).unwrap(), "#!/bin/sh\nexit 3\n");
}
