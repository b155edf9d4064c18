//! avow under the real pre-commit framework (from the Python package index), driven by the
//! `.pre-commit-hooks.yaml` of this repository.
//!
//! `pre-commit` comes from PATH or is installed by `python_tools`.

use std::path::{Path, PathBuf};

use crate::python_tools::{answer_on_terminal, path_with, tool};
use crate::support::*;

/// A git repository holding this checkout's `.pre-commit-hooks.yaml` and
/// `hooks/`, as pre-commit would clone avow's; returns its path and commit.
fn hook_repository(w: &World) -> (PathBuf, String) {
    let dir = w.scratch().join("avow-hooks");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("hooks")).unwrap();
    std::fs::copy(source.join(".pre-commit-hooks.yaml"), dir.join(".pre-commit-hooks.yaml")).unwrap();
    for entry in std::fs::read_dir(source.join("hooks")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("hooks").join(entry.file_name())).unwrap();
    }
    let git = |args: &[&str]| {
        let mut c = w.command("git");
        c.current_dir(&dir).args(args);
        Run::from(c.output().unwrap()).expect(0).stdout
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "avow hooks"]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_owned();
    (dir, rev)
}

/// Runs `git commit` (no terminal) with pre-commit's hooks and git-avow on PATH.
fn commit(w: &World, args: &[&str]) -> Run {
    let mut c = w.command("setsid");
    c.args(["-w", "git", "commit", "-q"])
        .args(args)
        .env("PATH", path_with("pre-commit"))
        .env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    c.output().unwrap().into()
}

/// An adopted repository whose hooks are pre-commit's, configured to run
/// avow's hooks from a local clone of this repository's hook files (with
/// the optional post-commit one, which pre-commit still offers).
fn with_pre_commit() -> World {
    let w = World::bare();
    w.avow(["init", "--preset", "disclose"]).expect(0);
    let (hooks, rev) = hook_repository(&w);
    w.write(
        ".pre-commit-config.yaml",
        format!(
            "default_install_hook_types: [prepare-commit-msg, commit-msg, post-commit, post-rewrite, pre-push]\n\
             repos:\n\
             \x20 - repo: {}\n\
             \x20   rev: {rev}\n\
             \x20   hooks:\n\
             \x20     - id: avow-prepare-commit-msg\n\
             \x20     - id: avow-commit-msg\n\
             \x20     - id: avow-post-commit\n\
             \x20     - id: avow-post-rewrite\n\
             \x20 - repo: local\n\
             \x20   hooks:\n\
             \x20     - id: log-push\n\
             \x20       name: log the push\n\
             \x20       entry: sh -c 'echo pushed >> \"$0\"' {}\n\
             \x20       language: system\n\
             \x20       stages: [pre-push]\n\
             \x20       always_run: true\n\
             \x20       pass_filenames: false\n",
            hooks.display(),
            w.scratch().join("push.log").display()
        ),
    );
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Adopt avow through pre-commit"]);
    w.git(["tag", "base"]);
    let mut c = w.command(tool("pre-commit"));
    c.arg("install").env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    let out = Run::from(c.output().unwrap()).expect(0);
    assert_eq!(
        out.stdout,
        "pre-commit installed at .git/hooks/prepare-commit-msg\n\
         pre-commit installed at .git/hooks/commit-msg\n\
         pre-commit installed at .git/hooks/post-commit\n\
         pre-commit installed at .git/hooks/post-rewrite\n\
         pre-commit installed at .git/hooks/pre-push\n"
    );
    w
}

#[test]
fn pre_commit_runs_avow_refusing_an_unattested_commit_and_signing_an_attested_one() {
    let w = with_pre_commit();
    let before = w.git(["rev-parse", "HEAD"]);
    w.write("src/lib.rs", "pub fn answer() -> u32 { 42 }\n");
    w.git(["add", "-A"]);

    let r = commit(&w, &["-m", "Add the answer"]).expect(1);
    assert_eq!(
        without_durations(&r.stderr.replace(&w.scratch().display().to_string(), "<scratch>")),
        "[INFO] Initializing environment for <scratch>/avow-hooks.\n\
         avow attestation guidance................................................Passed\n\
         avow attestation (check and sign)........................................Failed\n\
         - hook id: avow-commit-msg\n\
         - duration: <d>\n\
         - exit code: 1\n\
         \n\
         avow: commit refused: the message lacks an `Authorship:` trailer and a `Rationale:` trailer.\n\
         Say how the change was written and why it is right, in your own words, for example:\n\
         \n  git commit --trailer \"Authorship: human\" --trailer \"Rationale: <why the change is needed and how it works>\"\n\
         \nWith AI assistance (every line read and understood):\n\
         \n  git commit --trailer \"Authorship: assisted\" --trailer \"Assisted-by: AGENT:MODEL\" --trailer \"Rationale: …\"\n\
         \nIn an IDE or other GUI (no terminal), end the commit message itself with the statement, a blank line before it:\n\
         \n  Authorship: human\n  Rationale: <why the change is needed and how it works>\n\
         \nYour message is kept in .git/COMMIT_EDITMSG: reuse it with `git commit -e -F .git/COMMIT_EDITMSG --trailer …`.\n\
         \n"
    );
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "no commit was made");
    // The message given with -m is kept as it was: pre-commit passes no
    // message source, and avow must not add guidance no editor will strip.
    assert_eq!(std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap(), "Add the answer\n");

    let mut args = vec!["-m", "Add the answer"];
    args.extend_from_slice(&HUMAN);
    let r = commit(&w, &args).expect(0);
    assert_eq!(
        without_durations(&r.stderr),
        "avow attestation guidance................................................Passed\n\
         avow attestation (check and sign)........................................Passed\n\
         - hook id: avow-commit-msg\n\
         - duration: <d>\n\
         avow attestation self-check..............................................Passed\n\
         - hook id: avow-post-commit\n\
         - duration: <d>\n"
    );
    let msg = w.message("HEAD");
    assert!(w.trailer("HEAD", "Avow-Signature").is_some(), "{msg}");
    w.verify("base..HEAD").expect(0);
    // doctor sees the hooks pre-commit runs avow from.
    assert_eq!(
        crate::doctor::hook_lines(&w)[..2],
        [
            "ok    hook commit-msg: run by pre-commit (.pre-commit-config.yaml)",
            "ok    hook prepare-commit-msg: run by pre-commit (.pre-commit-config.yaml)",
        ]
    );
    // It has no post-applypatch stage: doctor warns and names the install
    // of avow's own beside it, which, followed, leaves pre-commit's hooks
    // as they were.
    assert_eq!(crate::doctor::follow_install_fixes(&w), ["git avow install --hook post-applypatch"]);
    assert_eq!(
        crate::doctor::hook_lines(&w),
        [
            "ok    hook commit-msg: run by pre-commit (.pre-commit-config.yaml)",
            "ok    hook prepare-commit-msg: run by pre-commit (.pre-commit-config.yaml)",
            "ok    hook post-rewrite: run by pre-commit (.pre-commit-config.yaml)",
            "ok    hook post-applypatch: avow's",
        ]
    );
}

/// `avow-post-rewrite` under pre-commit (which passes no standard input
/// to post-rewrite hooks): an autosquash of your own fixup into your own
/// commit is re-signed at the end of the rebase, and a rebase with a
/// conflict names the one command that re-signs, which works.
#[test]
fn pre_commit_runs_avows_post_rewrite() {
    let w = with_pre_commit();
    let rebase = |args: &[&str]| {
        let mut c = w.command("setsid");
        c.args(["-w", "git", "-c", "sequence.editor=true", "rebase", "-q"])
            .args(args)
            .env("PATH", path_with("pre-commit"))
            .env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
        Run::from(c.output().unwrap())
    };
    let attested = |file: &str, contents: &str, subject: &str| {
        w.write(file, contents);
        w.git(["add", "-A"]);
        let mut args = vec!["-m", subject];
        args.extend_from_slice(&HUMAN);
        commit(&w, &args).expect(0);
    };
    attested("a.txt", "first\n", "Add a");
    w.write("a.txt", "first, fixed\n");
    w.git(["add", "a.txt"]);
    commit(&w, &["--fixup", "HEAD"]).expect(0);
    let r = rebase(&["-i", "--autosquash", "base"]).expect(0);
    assert!(r.stderr.contains("avow re-sign after a rebase"), "{}", r.stderr);
    assert!(r.stderr.contains("re-signed 1 statement"), "{}", r.stderr);
    assert_eq!(w.git(["rev-list", "--count", "base..HEAD"]), "1");
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
    // A conflict: the end of the rebase names the command.
    w.git(["switch", "-q", "-c", "topic"]);
    attested("a.txt", "first, from topic\n", "Change a on topic");
    w.git(["switch", "-q", "main"]);
    attested("a.txt", "first, from main\n", "Change a on main");
    w.git(["switch", "-q", "topic"]);
    assert_ne!(rebase(&["main"]).code, 0, "the rebase conflicts");
    w.write("a.txt", "first, from both\n");
    w.git(["add", "a.txt"]);
    let mut c = w.command("setsid");
    c.args(["-w", "git", "rebase", "--continue"])
        .env("PATH", path_with("pre-commit"))
        .env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    let r = Run::from(c.output().unwrap()).expect(0);
    let named: Vec<&str> = r.stderr.lines().map(str::trim).filter(|l| l.starts_with("git avow reattest")).collect();
    assert_eq!(named.len(), 1, "{}", r.stderr);
    w.verify("main..topic").expect(1);
    let args: Vec<&str> = named[0].split(' ').skip(2).collect();
    w.avow(&args).expect(0);
    w.avow(["verify", "main..topic", "--no-fast-path"]).expect(0);
}

/// pre-commit's output with each `- duration: …` value replaced by `<d>`.
fn without_durations(s: &str) -> String {
    s.split_inclusive('\n').map(|l| if l.starts_with("- duration: ") { "- duration: <d>\n" } else { l }).collect()
}

/// Under pre-commit, avow's warnings on a commit it signs are shown
/// (pre-commit hides the output of hooks that pass unless `verbose`).
#[test]
fn pre_commit_shows_avows_warnings_on_a_signed_commit() {
    let w = with_pre_commit();
    // A key the keyring does not know: avow signs and warns.
    let stranger = w.keygen("stranger");
    w.git(["config", "avow.signingKey", stranger.to_str().unwrap()]);
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add the answer"];
    args.extend_from_slice(&HUMAN);
    let r = commit(&w, &args).expect(0);
    assert!(
        r.stderr.contains("avow: warning: your key SHA256:") && r.stderr.contains("is not in .avow/keyring.toml"),
        "{}",
        r.stderr
    );
}

#[test]
fn pre_commit_adds_guidance_only_when_an_editor_opens() {
    let w = with_pre_commit();
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    // The editor keeps a copy of what it was shown, then writes the message.
    let seen = w.scratch().join("seen");
    let editor = w.scratch().join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\ncp \"$1\" '{}'\nprintf 'Add a\\n\\nAuthorship: human\\nRationale: Editors get guidance; the hook signs what was written.\\n' > \"$1\"\n",
            seen.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&editor).status().unwrap();
    let mut c = w.command("setsid");
    c.args(["-w", "git", "commit", "-q"])
        .env("GIT_EDITOR", &editor)
        .env("PATH", path_with("pre-commit"))
        .env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    Run::from(c.output().unwrap()).expect(0);
    let shown = std::fs::read_to_string(&seen).unwrap();
    assert!(
        shown.starts_with(
            "\n# avow: end the message with your attestation, in your own words:\n\
             #   Authorship: human | assisted | generated\n"
        ),
        "{shown}"
    );
    w.verify("base..HEAD").expect(0);
}

#[test]
fn avows_pre_push_hook_chains_pre_commits() {
    let w = with_pre_commit();
    let remote = w.remote("origin");
    let out = w.avow(["install", "--hook", "pre-push"]).expect(0);
    let hooks = w.path().join(".git/hooks");
    assert_eq!(
        out.stdout,
        format!(
            "avow: kept your pre-push hook; it now runs first, from {}\navow: installed pre-push in {}\n",
            hooks.join("pre-push.avow-chained").display(),
            hooks.display()
        )
    );
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    commit(&w, &args).expect(0);
    commit(&w, &["--no-verify", "--allow-empty", "-m", "Sneak"]).expect(0);
    let mut c = w.command("setsid");
    c.args(["-w", "git", "push", "-q", "origin", "main"])
        .env("PATH", path_with("pre-commit"))
        .env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    let r = Run::from(c.output().unwrap()).expect(1);
    // pre-commit's own pre-push hook ran first, then avow refused.
    assert_eq!(std::fs::read_to_string(w.scratch().join("push.log")).unwrap(), "pushed\n");
    let tail: Vec<&str> = r.stderr.lines().rev().take(3).collect();
    assert_eq!(
        tail,
        [
            format!("error: failed to push some refs to '{}'", remote.display()),
            "avow: push refused: re-sign your statements with `git avow reattest origin/main..HEAD` (it names any commit it cannot re-sign, and what that commit needs), then push again".to_owned(),
            "avow: refs/heads/main → refs/heads/main: 2 commits: 1 accepted, 1 rejected (trust origin's refs/heads/main)".to_owned(),
        ]
    );
}

#[test]
fn under_pre_commit_avow_still_asks_on_the_terminal() {
    let w = with_pre_commit();
    let path = path_with("pre-commit");
    let cache = w.scratch().join("pre-commit-cache");
    answer_on_terminal(&w, "pre-commit", &[("PATH", path.as_os_str()), ("PRE_COMMIT_HOME", cache.as_os_str())]);
}
