//! The hook signs exactly what git stores (issue 14): every clean-up mode
//! from configuration and command line, comment characters (`auto` as git
//! chooses it), with and without an editor, `-m`, `-F`, `-t`, `-v`. Each
//! commit is made twice, with hooks off and on, and the two messages must
//! differ only by the trailers avow adds; the hooked one must verify.

use std::path::PathBuf;

use crate::support::{Run, World};

const RATIONALE: &str = "Rationale: The parser stopped one element early; iterate to the end so the last item is read.";

/// The message of `rev` exactly as git stores it.
fn stored(w: &World, rev: &str) -> String {
    let out = w.repo.git_output(["cat-file", "commit", rev]);
    let raw = String::from_utf8(out.stdout).unwrap();
    raw.split_once("\n\n").map(|(_, m)| m.to_owned()).unwrap_or_default()
}

/// An editor that inserts `$TEXT` before the first line starting with
/// `$AT` (git's comment block), or appends it.
fn inserting_editor(w: &World) -> PathBuf {
    let editor = w.scratch().join("insert-editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nawk 'BEGIN{t=ENVIRON[\"TEXT\"]; a=ENVIRON[\"AT\"]} !d && a != \"\" && index($0, a) == 1 {print t; d=1} {print} END{if (!d) print t}' \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
    )
    .unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&editor).status().unwrap();
    editor
}

fn git_commit(w: &World, hooks: bool, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git"]);
    if !hooks {
        c.args(["-c", "core.hooksPath=/dev/null"]);
    }
    c.args(["commit", "-q", "--allow-empty"]).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap().into()
}

/// Makes the commit with hooks off, then with hooks on; the hooked
/// message is the other plus avow's `Understood-by:` and signature, and
/// verifies. Returns the hooked message.
#[track_caller]
fn same_as_without_hooks(w: &World, args: &[&str], env: &[(&str, &str)]) -> String {
    let base = w.git(["rev-parse", "HEAD"]);
    git_commit(w, false, args, env).expect(0);
    let off = stored(w, "HEAD");
    w.git(["reset", "-q", "--soft", &base]);
    let r = git_commit(w, true, args, env);
    assert_eq!(r.code, 0, "hooked commit {args:?} {env:?} failed:\n{}", r.stderr);
    let on = stored(w, "HEAD");
    let added = |l: &str| l.starts_with("Understood-by: ") || l.starts_with("Avow-Signature: ");
    let without: String = on.split_inclusive('\n').filter(|l| !added(l)).collect();
    assert_eq!(without, off, "{args:?} {env:?}: hooked message differs beyond avow's trailers:\n{on}");
    assert_eq!(on.matches("Avow-Signature: ").count(), 1, "{on}");
    w.verify(&format!("{base}..HEAD")).expect(0);
    on
}

#[test]
fn a_subject_starting_with_the_comment_character_is_signed_as_git_stores_it() {
    let w = World::adopted("disclose");
    // Without an editor git keeps `#` lines: `#123 …` is the subject.
    let msg = same_as_without_hooks(
        &w,
        &["-m", "#123 Fix the parser", "-m", "body", "--trailer", "Authorship: human", "--trailer", RATIONALE],
        &[],
    );
    assert!(msg.starts_with("#123 Fix the parser\n\nbody\n\n"), "{msg}");
    let msg =
        same_as_without_hooks(&w, &["-m", "#124 Alone", "--trailer", "Authorship: human", "--trailer", RATIONALE], &[]);
    assert!(msg.starts_with("#124 Alone\n\n"), "{msg}");
    // The same from a file (-F), and with --cleanup=strip git drops it.
    let f = w.scratch().join("msg");
    std::fs::write(&f, format!("#125 From a file\n\nAuthorship: human\n{RATIONALE}\n")).unwrap();
    same_as_without_hooks(&w, &["-F", f.to_str().unwrap()], &[]);
    std::fs::write(&f, format!("# a comment git strips\nFrom a file, stripped\n\nAuthorship: human\n{RATIONALE}\n"))
        .unwrap();
    let msg = same_as_without_hooks(&w, &["--cleanup=strip", "-F", f.to_str().unwrap()], &[]);
    assert!(msg.starts_with("From a file, stripped\n"), "{msg}");
}

#[test]
fn every_cleanup_mode_with_an_editor_stores_what_was_signed_and_no_guidance() {
    let w = World::adopted("disclose");
    let editor = inserting_editor(&w);
    let text = format!("Edit in the editor\n\nAuthorship: human\n{RATIONALE}\n");
    let env = [("GIT_EDITOR", editor.to_str().unwrap()), ("TEXT", text.as_str()), ("AT", "#")];
    for mode in ["strip", "whitespace", "verbatim", "scissors", "default"] {
        for verbose in [false, true] {
            let cleanup = format!("--cleanup={mode}");
            let mut args = vec![cleanup.as_str()];
            if verbose {
                args.push("-v");
            }
            let msg = same_as_without_hooks(&w, &args, &env);
            assert!(!msg.contains("avow:"), "{mode}: avow's guidance was stored:\n{msg}");
            // The same mode from configuration.
            w.git(["config", "commit.cleanup", mode]);
            let args: Vec<&str> = if verbose { vec!["-v"] } else { vec![] };
            let msg = same_as_without_hooks(&w, &args, &env);
            assert!(!msg.contains("avow:"), "commit.cleanup={mode}: avow's guidance was stored:\n{msg}");
            w.git(["config", "--unset", "commit.cleanup"]);
        }
    }
}

#[test]
fn comment_characters_are_the_ones_git_uses_auto_included() {
    let w = World::adopted("disclose");
    let editor = inserting_editor(&w);
    let text = format!("Edit in the editor\n\nAuthorship: human\n{RATIONALE}\n");
    for (setting, at) in [("core.commentChar", ";"), ("core.commentString", "//"), ("core.commentChar", "#")] {
        w.git(["config", setting, at]);
        let env = [("GIT_EDITOR", editor.to_str().unwrap()), ("TEXT", text.as_str()), ("AT", at)];
        let msg = same_as_without_hooks(&w, &[], &env);
        assert!(!msg.contains("avow:"), "{setting}={at}: {msg}");
        same_as_without_hooks(&w, &["-v"], &env);
        w.git(["config", "--unset", setting]);
    }
    // `auto` with a template holding `#` lines: git chooses `;`, keeps the
    // `#` lines and strips its own `;` block.
    w.git(["config", "core.commentChar", "auto"]);
    let template = w.scratch().join("template");
    std::fs::write(&template, "Subject from the template\n# kept: not a comment under auto\n").unwrap();
    let text = format!("\nAuthorship: human\n{RATIONALE}");
    let env = [("GIT_EDITOR", editor.to_str().unwrap()), ("TEXT", text.as_str()), ("AT", ";")];
    let msg = same_as_without_hooks(&w, &["-t", template.to_str().unwrap()], &env);
    assert!(msg.contains("# kept: not a comment under auto\n"), "{msg}");
    assert!(!msg.contains("avow:") && !msg.lines().any(|l| l.starts_with(';')), "{msg}");
    // Without an editor, `auto` means `#` to git.
    same_as_without_hooks(
        &w,
        &["-m", "#126 auto without an editor", "--trailer", "Authorship: human", "--trailer", RATIONALE],
        &[],
    );
}

#[test]
fn an_empty_message_allowed_by_git_does_not_pass_unattested() {
    let w = World::adopted("disclose");
    let before = w.git(["rev-parse", "HEAD"]);
    let r = git_commit(&w, true, &["--allow-empty-message", "-m", ""], &[]).expect(1);
    assert!(r.stderr.contains("avow: commit refused: the message is empty"), "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before);
    // Without --allow-empty-message git refuses it itself, as with hooks off.
    let r = git_commit(&w, true, &["-m", ""], &[]).expect(1);
    assert!(r.stderr.contains("Aborting commit due to empty commit message"), "{}", r.stderr);
}

#[test]
fn a_squash_leaves_no_old_signature_in_the_body_when_re_signed() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    // rebase -i squashing the two attested commits, hooks not run (as rebase does).
    let seq = w.scratch().join("seq.sh");
    std::fs::write(&seq, "#!/bin/sh\nsed -i '2s/^pick/squash/' \"$1\"\n").unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&seq).status().unwrap();
    let out = w
        .repo
        .command("setsid")
        .args(["-w", "git", "rebase", "-q", "-i", "base"])
        .env("GIT_SEQUENCE_EDITOR", &seq)
        .output()
        .unwrap();
    Run::from(out).expect(0);
    assert_eq!(stored(&w, "HEAD").matches("Avow-Signature: ").count(), 2);
    // The advised re-sign.
    w.commit(&["--amend", "--no-edit"]).expect(0);
    let msg = stored(&w, "HEAD");
    assert_eq!(msg.matches("Avow-Signature: ").count(), 1, "{msg}");
    assert!(msg.lines().last().unwrap().starts_with("Avow-Signature: "), "{msg}");
    w.verify("base..HEAD").expect(0);
}

#[test]
fn authorship_in_another_case_is_accepted_and_a_bad_value_is_named() {
    let w = World::adopted("disclose");
    let r = git_commit(&w, true, &["-m", "Capitalised", "--trailer", "Authorship: Human", "--trailer", RATIONALE], &[])
        .expect(0);
    assert_eq!(r.stderr, "");
    assert_eq!(w.trailer("HEAD", "Authorship").as_deref(), Some("human"));
    w.verify("base..HEAD").expect(0);
    let r = git_commit(&w, true, &["-m", "Misspelt", "--trailer", "Authorship: humn", "--trailer", RATIONALE], &[])
        .expect(1);
    assert_eq!(r.stderr, "avow: commit refused: `Authorship: humn` is not one of human, assisted, generated\n");
}

/// Two people commit in one `--shared=group` repository, each through the
/// hook: every commit works, avow leaves each file with the mode and group
/// git left it (compared with the same commit made with hooks off), and
/// every loose-object directory stays the group's. Deterministic: the
/// objects are packed first, so the hooked commit of a new file needs new
/// directories, made under the first user's umask 022
/// (`crate::shared_repo` says why that matters).
#[test]
fn a_shared_repository_keeps_working_for_two_users() {
    use std::os::unix::fs::MetadataExt as _;
    let Some(s) = crate::shared_repo::Shared::new() else { return };
    let w = &s.w;
    w.write("new.txt", "a file\n");
    s.run(false, "002", &["git", "add", "new.txt"]).expect(0);
    s.commit(false, "002", "Commit one", &[]).expect(0);
    s.pack_everything();
    w.write("new.txt", "a file no commit had\n");
    s.commit(false, "022", "Commit one and a half", &["-a"]).expect(0);
    assert!(s.assert_objects_shared("a hooked commit") > 0, "the commit wrote no object");
    s.second_user_rewrites("HEAD^{tree}");
    let editmsg = w.path().join(".git/COMMIT_EDITMSG");
    let r = s.commit(true, "002", "Commit two", &["--allow-empty"]);
    assert_eq!(r.code, 0, "the second user's commit failed:\n{}{}", r.stderr, r.stdout);
    s.commit(false, "002", "Commit three", &["--allow-empty"]).expect(0);
    let r = s.commit(true, "002", "Commit four", &["--allow-empty", "--no-verify"]);
    assert_eq!(r.code, 0, "the second user's --no-verify commit failed:\n{}", r.stderr);
    // What git itself leaves, for comparison.
    s.commit(false, "002", "Commit five", &["--allow-empty", "--no-verify"]).expect(0);
    let plain = std::fs::metadata(&editmsg).unwrap();
    s.commit(false, "002", "Commit six", &["--allow-empty"]).expect(0);
    let hooked = std::fs::metadata(&editmsg).unwrap();
    assert_eq!(
        (hooked.mode() & 0o7777, hooked.gid()),
        (plain.mode() & 0o7777, plain.gid()),
        "COMMIT_EDITMSG after the hook differs from git's own"
    );
    let leftovers: Vec<_> = std::fs::read_dir(w.path().join(".git"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(".avow"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}
