//! The early exit before start-up (`src/hook_start.c`): prepare-commit-msg
//! of a plain `git commit -m`/`-F` ends before the C library starts, and
//! every other run — a spelling of `--no-verify`, a cherry-pick, a revert,
//! a chained hook, an editor — reaches the program and gets its answer, as
//! before. `AVOW_TRACE_START` makes the early exit say so on standard
//! error; the builds without it (no static glibc archives: build.rs) are
//! held to the second half only.

use crate::support::*;

/// What the early exit prints with `AVOW_TRACE_START` set.
const EARLY: &str = "avow: prepare-commit-msg: nothing to do (before start-up)";

/// Whether this build's binary has the early exit (build.rs says).
fn built_with_early_exit() -> bool {
    option_env!("AVOW_HOOK_START") == Some("1")
}

/// `git ARGS` with hooks, no terminal, and the trace asked for.
fn git_traced(w: &World, args: &[&str]) -> Run {
    git_traced_env(w, args, &[])
}

fn git_traced_env(w: &World, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = w.repo.command("setsid");
    c.arg("-w").arg("git").args(args).env("AVOW_TRACE_START", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run setsid git").into()
}

/// Marks a script executable.
fn executable(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[test]
fn a_plain_commit_ends_prepare_commit_msg_before_start_up_and_is_signed() {
    let w = World::adopted("disclose");
    let forms: [&[&str]; 4] = [
        &["commit", "-m", "Add a"],
        &["commit", "-q", "-m", "Add a"],
        &["commit", "-F", "MSG"],
        &["-c", "core.abbrev=12", "commit", "-s", "--amend", "-m", "Add a"],
    ];
    for (i, form) in forms.into_iter().enumerate() {
        w.write(&format!("f{i}.txt"), "one\n");
        w.git(["add", "-A"]);
        let msg = w.scratch().join("msg");
        std::fs::write(&msg, "Add a\n").unwrap();
        let rationale = format!("Rationale: Form {i} of a plain commit, signed by commit-msg after the early exit.");
        let mut args = Vec::new();
        args.extend(form.iter().map(|a| if *a == "MSG" { msg.to_str().unwrap() } else { a }));
        args.extend(["--trailer", "Authorship: human", "--trailer", &rationale]);
        let r = git_traced(&w, &args).expect(0);
        let early = r.stderr.lines().filter(|l| *l == EARLY).count();
        assert_eq!(early, usize::from(built_with_early_exit()), "{form:?}: {}", r.stderr);
        // commit-msg still ran: the commit is signed and verifies.
        assert!(w.trailer("HEAD", "Avow-Signature").is_some(), "{form:?}");
    }
    w.verify("base..HEAD").expect(0);
}

#[test]
fn every_spelling_of_no_verify_reaches_the_program_and_is_warned() {
    let w = World::adopted("disclose");
    let forms: [&[&str]; 8] = [
        &["commit", "--no-verify", "-m", "Add x"],
        &["commit", "-n", "-m", "Add x"],
        &["commit", "-qn", "-m", "Add x"],
        &["commit", "-nm", "Add x"],
        &["commit", "--no-ver", "-m", "Add x"],
        &["commit", "--no-verify=", "-m", "Add x"],
        &["-c", "core.abbrev=12", "commit", "-q", "--no-verify", "-m", "Add x"],
        &["-C", ".", "commit", "-n", "-m", "Add x"],
    ];
    for (i, form) in forms.into_iter().enumerate() {
        w.write(&format!("x{i}.txt"), "x\n");
        w.git(["add", "-A"]);
        let r = git_traced(&w, form);
        assert!(!r.stderr.contains(EARLY), "{form:?} ended early: {}", r.stderr);
        if r.code == 0 {
            assert!(r.stderr.contains("the commit will not be attested"), "{form:?}: {}", r.stderr);
        }
    }
}

/// `--attr-source` takes a value as a word of its own (`git --attr-source
/// TREE-ISH CMD`), like `-C`: a tag named `commit` as that value made the
/// early exit read a revert as `git commit` and answer for it, and the
/// revert was made with no statement asked for.
#[test]
fn a_value_of_gits_own_options_is_not_read_as_the_command() {
    let w = World::adopted("disclose");
    let head = w.change("f.txt", "f\n", "Add f");
    w.git(["tag", "commit"]);
    let r = git_traced(&w, &["--attr-source", "commit", "revert", "--no-edit", "HEAD"]);
    assert!(!r.stderr.contains(EARLY), "{}", r.stderr);
    // As without the option: with no terminal, the revert is refused
    // with the way to give the statement, and nothing is committed.
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("git revert --no-commit"), "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), head);
}

#[test]
fn what_only_looks_like_no_verify_reaches_the_program_and_is_signed() {
    // A message `-n` is not --no-verify: the early exit does not parse
    // git's options exactly, so it leaves this to the program, which
    // signs as usual (commit-msg runs).
    let w = World::adopted("disclose");
    w.write("n.txt", "n\n");
    w.git(["add", "-A"]);
    let mut args = vec!["commit", "-q", "-m", "-n"];
    args.extend_from_slice(&HUMAN);
    let r = git_traced(&w, &args).expect(0);
    assert!(!r.stderr.contains(EARLY), "{}", r.stderr);
    assert!(w.trailer("HEAD", "Avow-Signature").is_some());
    w.verify("base..HEAD").expect(0);
}

#[test]
fn cherry_pick_revert_chained_hooks_and_the_editor_reach_the_program() {
    let w = World::adopted("disclose");
    // A clean cherry-pick runs no commit-msg: prepare-commit-msg checks
    // the commit (here one whose statement still verifies: no warning).
    w.git(["checkout", "-q", "-b", "side"]);
    let picked = w.change("side.txt", "side\n", "Add a side file");
    w.git(["checkout", "-q", "main"]);
    let r = git_traced(&w, &["cherry-pick", &picked]).expect(0);
    assert!(!r.stderr.contains(EARLY), "{}", r.stderr);
    // A revert without a terminal is refused by prepare-commit-msg.
    let r = git_traced(&w, &["revert", "--no-edit", "HEAD"]);
    assert!(!r.stderr.contains(EARLY), "{}", r.stderr);
    assert!(r.stderr.contains("revert refused"), "{}", r.stderr);
    w.git(["reset", "-q", "--hard"]);
    // A chained hook is run by the program.
    let hooks = w.path().join(".git/hooks");
    let chained = hooks.join("prepare-commit-msg.avow-chained");
    std::fs::write(&chained, "#!/bin/sh\necho chained ran >&2\n").unwrap();
    executable(&chained);
    w.write("c.txt", "c\n");
    w.git(["add", "-A"]);
    let mut args = vec!["commit", "-q", "-m", "Add c"];
    args.extend_from_slice(&HUMAN);
    let r = git_traced(&w, &args).expect(0);
    assert!(!r.stderr.contains(EARLY), "{}", r.stderr);
    assert!(r.stderr.contains("chained ran"), "{}", r.stderr);
    std::fs::remove_file(&chained).unwrap();
    // With an editor (no -m), prepare-commit-msg adds its guidance.
    w.write("e.txt", "e\n");
    w.git(["add", "-A"]);
    let editor = w.scratch().join("editor.sh");
    let seen = w.scratch().join("seen");
    std::fs::write(&editor, format!("#!/bin/sh\ncp \"$1\" '{}'\nexit 1\n", seen.display())).unwrap();
    executable(&editor);
    let r = git_traced_env(&w, &["commit"], &[("GIT_EDITOR", editor.to_str().unwrap())]);
    assert!(!r.stderr.contains(EARLY), "{}", r.stderr);
    let shown = std::fs::read_to_string(&seen).unwrap();
    assert!(shown.contains("avow: end the message with your attestation"), "{shown}");
}

/// `--` is where git's options end only when it is not an option's value:
/// in `git commit -m -- -n` it is the message, and `-n` is --no-verify
/// (git runs no commit-msg hook). The early exit stopped reading at any
/// `--`, took the commit for a plain one and ended prepare-commit-msg
/// before it could warn that the commit is not attested (threat-model
/// entry 131); now a `--` does not end its reading, and the program,
/// which parses git's options exactly, warns.
#[test]
fn no_verify_after_a_double_dash_that_is_an_options_value_reaches_the_program() {
    let w = World::adopted("disclose");
    let forms: [&[&str]; 3] = [
        &["commit", "-m", "--", "-n"],
        &["commit", "-q", "--message", "--", "--no-verify"],
        &["commit", "-m", "--", "-qn"],
    ];
    for (i, form) in forms.into_iter().enumerate() {
        w.write(&format!("d{i}.txt"), "d\n");
        w.git(["add", "-A"]);
        let r = git_traced(&w, form).expect(0);
        assert!(!r.stderr.contains(EARLY), "{form:?} ended early: {}", r.stderr);
        assert!(r.stderr.contains("the commit will not be attested"), "{form:?}: {}", r.stderr);
        // git did skip commit-msg: the commit carries no signature.
        assert!(w.trailer("HEAD", "Avow-Signature").is_none(), "{form:?}");
        assert_eq!(w.git(["log", "-1", "--format=%s"]), "--");
    }
    // A real `--` (pathspecs after it) still ends git's options: the
    // commit is signed, whichever path the hook took.
    w.write("p.txt", "p\n");
    w.git(["add", "-A"]);
    let mut args = vec!["commit", "-q", "-m", "Add p"];
    args.extend_from_slice(&HUMAN);
    args.extend(["--", "p.txt"]);
    git_traced(&w, &args).expect(0);
    assert!(w.trailer("HEAD", "Avow-Signature").is_some());
}

/// The early exit against the program, on command lines neither was
/// written for: a parent process that reads as `git -c … commit ARGS…`
/// (a shell whose `argv[0]` is `git`) runs prepare-commit-msg for a `-m`
/// commit, once as the kernel starts it and, when that ends before
/// start-up, once more with a chained hook, which sends it to the program.
/// Whenever the early exit says "nothing to do", the program — which
/// parses git's options exactly — must not have found a `--no-verify`
/// to warn about.
#[cfg(unix)]
#[test]
fn the_early_exit_never_ends_a_hook_the_program_would_warn_in() {
    // Few words, so that the ones that matter meet: options that take a
    // value, `--`, spellings of --no-verify and what merely looks like one.
    const WORDS: &[&str] = &[
        "-m",
        "-F",
        "--message",
        "--",
        "x",
        "-n",
        "-qn",
        "--no-verify",
        "--no-ver",
        "--verify",
        "--no-no-verify",
        "--end-of-options",
        "-q",
        "--n",
        "-mn",
        "",
    ];
    use proptest::prelude::*;
    use std::os::unix::process::CommandExt as _;
    if !built_with_early_exit() {
        return;
    }
    let w = World::adopted("disclose");
    w.write("p.txt", "p\n");
    w.git(["add", "-A"]);
    let msg = w.scratch().join("COMMIT_EDITMSG");
    std::fs::write(&msg, "Add p\n").unwrap();
    let hook = w.path().join(".git/hooks/prepare-commit-msg");
    let chained = w.path().join(".git/hooks/prepare-commit-msg.avow-chained");
    let hook_run = |args: &[&str]| -> Run {
        let script = r#""$AVOW_BIN" hook-direct "$HOOK" "$MSG" message; exit $?"#;
        let mut c = w.repo.command("/bin/sh");
        c.arg0("git").args(["-c", script, "commit"]).args(args);
        c.env("AVOW_BIN", avow_bin()).env("HOOK", &hook).env("MSG", &msg).env("AVOW_TRACE_START", "1");
        c.output().expect("run the hook under a parent named git").into()
    };
    let early_seen = std::cell::Cell::new(0_u32);
    let config = ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(picks in proptest::collection::vec(0..WORDS.len(), 0..6))| {
        let args: Vec<&str> = picks.iter().map(|&i| WORDS[i]).collect();
        let direct = hook_run(&args);
        if direct.stderr.contains(EARLY) {
            early_seen.set(early_seen.get() + 1);
            std::fs::write(&chained, "#!/bin/sh\nexit 0\n").unwrap();
            executable(&chained);
            let program = hook_run(&args);
            std::fs::remove_file(&chained).unwrap();
            prop_assert!(!program.stderr.contains(EARLY), "{args:?}");
            prop_assert!(
                !program.stderr.contains("the commit will not be attested"),
                "{args:?}: the early exit ended a hook the program warns in: {}",
                program.stderr
            );
        }
    });
    // The harness reaches the early exit at all (a plain `-m x` does).
    assert!(hook_run(&["-m", "x"]).stderr.contains(EARLY));
    assert!(early_seen.get() > 0);
}

/// Words a `git commit` command line may carry after `-m MSG`: every way
/// to ask for `--no-verify` (grouped, abbreviated, stuck to a value, after
/// a negation) and words that only look like it (values of options).
const WORDS: &[&[&str]] = &[
    &["--no-verify"],
    &["--no-veri"],
    &["--no-v"],
    &["--verify"],
    &["-n"],
    &["-qn"],
    &["-nq"],
    &["-nm", "n"],
    &["-mn"],
    &["-m", "-n"],
    &["-m", "--no-verify"],
    &["--message=--no-verify"],
    &["--trailer", "Ack: -n"],
    &["-q"],
    &["--amend"],
    &["--no-edit"],
    &["--cleanup=strip"],
    &["-C", "HEAD"],
    &["--allow-empty"],
];

/// The C parser of git's command line against git itself: on random
/// `git commit` command lines run through real git with avow's hooks,
/// whenever prepare-commit-msg ended before start-up, git ran commit-msg
/// (which signs); so a commit that skips commit-msg always reaches the
/// program, which warns.
#[test]
fn the_early_exit_never_answers_for_a_commit_that_skips_commit_msg() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let w = World::adopted("disclose");
    let early_seen = std::cell::Cell::new(0);
    let case = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(Config { cases: 40, failure_persistence: None, ..Config::default() });
    let words = proptest::collection::vec(proptest::sample::select(WORDS), 0..4);
    runner
        .run(&words, |chosen| {
            case.set(case.get() + 1);
            let subject = format!("Commit {}", case.get());
            let rationale =
                format!("Rationale: Case {} of the command lines the early exit must read right.", case.get());
            let mut args = vec![
                "commit",
                "--allow-empty",
                "-m",
                &subject,
                "--trailer",
                "Authorship: human",
                "--trailer",
                &rationale,
            ];
            args.extend(chosen.iter().flat_map(|w| w.iter()));
            let r = git_traced_env(&w, &args, &[("GIT_TRACE", "1")]);
            let early = r.stderr.lines().any(|l| l == EARLY);
            let commit_msg =
                r.stderr.lines().any(|l| l.contains("trace: run_command:") && l.contains("hooks/commit-msg "));
            early_seen.set(early_seen.get() + usize::from(early));
            prop_assert!(!early || commit_msg, "{:?} ended early, and git ran no commit-msg:\n{}", args, r.stderr);
            Ok(())
        })
        .unwrap();
    // The property was put to the test: some lines did end early.
    assert_eq!(early_seen.get() > 0, built_with_early_exit());
}
