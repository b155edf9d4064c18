//! Settings avow reads from git's configuration are read as git reads
//! them, so that the hook sees the message git will store.

use crate::support::*;

/// `commit.verbose` is a boolean or a level to git: `2` shows the diff
/// below the scissors line (and git cuts there). The hook read only the
/// boolean words, took `2` for "not verbose", read the diff as the end of
/// the message and refused a commit whose trailers were there.
#[test]
fn commit_verbose_as_a_level() {
    let w = World::adopted("disclose");
    let editor = w.scratch().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\n{ printf 'Change b\\n\\nAuthorship: human\\nRationale: %s\\n' \"$RATIONALE\"; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
    )
    .unwrap();
    for (i, level) in ["2", "0x1", "true"].iter().enumerate() {
        w.write("b.txt", format!("{i}\n"));
        w.git(["add", "b.txt"]);
        let line = format!(
            "RATIONALE='b.txt holds {i} now, the value the level {level} case needs.' GIT_EDITOR='sh {}' git -c commit.verbose={level} commit -q",
            editor.display()
        );
        let r: Run = w.shell(&line).output().unwrap().into();
        assert_eq!(r.code, 0, "commit.verbose={level}: {}", r.stderr);
        let message = w.message("HEAD");
        assert!(!message.contains("diff --git"), "the diff is cut off: {message}");
    }
    let r = w.verify("base..HEAD");
    assert_eq!(r.code, 0, "{}", r.stdout);
}

/// Runs `git commit -q` through `sh -c`, after `before` (variables, other
/// commands) and with `git_args` before `commit` (`-c …`), the message
/// typed in the editor, which only the message file keeps.
fn commit_in_editor(w: &World, before: &str, git_args: &str) -> Run {
    let editor = w.scratch().join("typed.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'Typed in the editor\\n\\nAuthorship: human\\nRationale: The editor is the only place this message was ever written down, case %s.\\n' \"$(cat b.txt)\" > \"$1\"\n",
    )
    .unwrap();
    let line = format!("{before} GIT_EDITOR='sh {}' git {git_args} commit -q", editor.display());
    w.shell(&line).output().unwrap().into()
}

/// An `avow.*` boolean (or `AVOW_AMEND`) that avow cannot read, set in
/// each place git takes settings from: the commit stops, never taking the
/// default quietly (`avow.enabled=flase` meant off), with one error naming
/// the value and where it is set, and a hint that, followed literally,
/// sets it right. prepare-commit-msg stops on `avow.enabled` before the
/// editor opens; the settings only commit-msg reads stop it after, and its
/// hint then names the message file, whose message, followed, is
/// committed: it is never lost.
#[test]
fn a_setting_avow_cannot_read_stops_the_commit_and_its_hint_recovers_the_message() {
    let w = World::adopted("disclose");
    w.git(["config", "extensions.worktreeConfig", "true"]);
    // What is set, how git is run, the error, the fix, and whether the
    // editor had opened (prepare-commit-msg reads only `avow.enabled`).
    let cases = [
        (
            "git config avow.enabled flase;",
            "",
            "avow.enabled is \"flase\" in the repository's configuration",
            "git config avow.enabled true",
            false,
        ),
        (
            "git config --global avow.prompt sometimes;",
            "",
            "avow.prompt is \"sometimes\" in your global configuration",
            "git config --global avow.prompt true",
            true,
        ),
        (
            "git config --worktree avow.takeOver 2x;",
            "",
            "avow.takeOver is \"2x\" in the worktree's configuration",
            "git config --worktree avow.takeOver false",
            true,
        ),
        (
            "",
            "-c avow.enabled=maybe",
            "avow.enabled is \"maybe\" given with `git -c`",
            "git -c avow.enabled=true …",
            false,
        ),
        ("", "-c avow.prompt=maybe", "avow.prompt is \"maybe\" given with `git -c`", "git -c avow.prompt=true …", true),
        (
            "export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=avow.prompt GIT_CONFIG_VALUE_0=nope;",
            "",
            "avow.prompt is \"nope\" in the environment (GIT_CONFIG_VALUE_0)",
            "export GIT_CONFIG_VALUE_0=true",
            true,
        ),
        (
            "export AVOW_AMEND=yes;",
            "",
            "AVOW_AMEND is \"yes\" in the environment, which is neither 1 nor 0",
            "unset AVOW_AMEND",
            true,
        ),
    ];
    for (i, (before, git_args, error, fix, kept)) in cases.into_iter().enumerate() {
        let head = w.git(["rev-parse", "HEAD"]);
        w.write("b.txt", format!("{i}\n"));
        w.git(["add", "b.txt"]);
        let r = commit_in_editor(&w, before, git_args);
        assert_eq!(r.code, 1, "{before}{git_args}: {}", r.stderr);
        assert_eq!(w.git(["rev-parse", "HEAD"]), head, "{before}{git_args}: committed");
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{}", r.stderr);
        assert!(lines[0].starts_with(&format!("git-avow: error: {error}")), "{}", r.stderr);
        let hint = lines[1];
        assert!(hint.starts_with("hint: set it to "), "{hint}");
        let commands: Vec<&str> = hint.split('`').skip(1).step_by(2).collect();
        // Followed literally: `…` is the rest of the command run, and a
        // variable is set in the same shell.
        let (first, rest) = match fix.strip_suffix(" …") {
            Some(git_c) => (":", git_c.strip_prefix("git ").unwrap()),
            None => (fix, ""),
        };
        let r = if kept {
            assert_eq!(commands, [fix, "git commit -e -F .git/COMMIT_EDITMSG"], "{hint}");
            let line = format!("{before} {first}; git {rest} commit -q -e -F .git/COMMIT_EDITMSG");
            w.shell(&line).output().unwrap().into()
        } else {
            assert_eq!(commands, [fix], "{hint}");
            commit_in_editor(&w, &format!("{before} {first};"), rest)
        };
        assert_eq!(r.code, 0, "{fix}: {}", r.stderr);
        assert!(w.message("HEAD").starts_with("Typed in the editor\n"), "{}", w.message("HEAD"));
        assert!(w.trailer("HEAD", "Avow-Signature").is_some(), "{fix}: the commit is attested");
    }
    w.verify("base..HEAD").expect(0);
}

/// `doctor` names a value avow cannot read as its hooks check, with the
/// same fix, which works when followed.
#[test]
fn doctor_names_a_setting_avow_cannot_read() {
    let w = World::adopted("disclose");
    w.git(["config", "avow.enabled", "of"]);
    let out = w.avow(["doctor"]).stdout;
    assert!(
        out.contains("FAIL  hooks: avow.enabled is \"of\" in the repository's configuration, which is not a boolean\n      fix: set it to true or false: `git config avow.enabled true`\n"),
        "{out}"
    );
    let fix: Vec<String> = quoted_commands(&out).into_iter().filter(|c| c.contains("avow.enabled")).collect();
    assert_eq!(fix, ["git config avow.enabled true"], "{out}");
    Run::from(w.shell(&fix[0]).output().unwrap()).expect(0);
    let out = w.avow(["doctor"]).stdout;
    assert!(out.contains("ok    hook commit-msg: avow's"), "{out}");
}

/// `AVOW_PACK_READER` that names no reader is an error, not the default:
/// whoever set it was choosing a reader (to measure one, or to work around
/// one). Its hint, followed, runs the verification.
#[test]
fn an_unknown_pack_reader_is_an_error_with_a_hint_that_works() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    for reader in ["avow", "libgit2", ""] {
        let r: Run = w.shell(&format!("AVOW_PACK_READER={reader} git-avow verify base..HEAD")).output().unwrap().into();
        assert_eq!(r.code, 0, "{reader:?}: {}", r.stderr);
    }
    let r: Run = w.shell("export AVOW_PACK_READER=avow2; git-avow verify base..HEAD").output().unwrap().into();
    assert_eq!(
        r.stderr,
        "git-avow: error: AVOW_PACK_READER is \"avow2\" in the environment, which names no pack reader (avow or libgit2)\n\
         hint: set it to avow or libgit2, or leave the choice to avow: `unset AVOW_PACK_READER`\n"
    );
    assert_eq!(r.code, 2);
    let fix = r.stderr.split('`').nth(1).unwrap();
    let r: Run =
        w.shell(&format!("export AVOW_PACK_READER=avow2; {fix}; git-avow verify base..HEAD")).output().unwrap().into();
    assert_eq!(r.code, 0, "{}", r.stderr);
}
