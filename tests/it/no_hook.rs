//! Commits no hook could sign — made in a forge's web editor (committed by
//! the forge, `GitHub <noreply@github.com>`), with `git commit --no-verify`,
//! or in a clone where `git avow install` never ran — and what verify tells
//! their author to do (`attestation.missing`). Each situation is made with
//! real git, and each route verify prints is followed as printed until the
//! range verifies (docs/workflows.md, "a commit made without the hook").

use crate::forge::GITHUB;
use crate::support::*;

/// verify's `attestation.missing` finding, rule id included, for commit
/// `short` (12 digits) made with `--no-verify` or without the hook.
pub(crate) fn missing_without_hook(short: &str) -> String {
    format!(
        "the commit carries no attestation (no Authorship, Rationale or Avow-Signature trailers): no hook signed it (it was committed with --no-verify, or where the hook was never installed); \
         its author reads it (`git show {short}`: anyone can write their name) and attests it as it is: `git avow attest {short}` (a note; share it with `git push origin refs/notes/avow`), or re-commits it with a statement after `git avow install`: \
         `git commit --amend --no-edit` if it is the last commit (HEAD), else `git rebase -i {short}~1`, change `pick` to `edit` on the line of {short}, then `git commit --amend --no-edit` and `git rebase --continue` [attestation.missing]"
    )
}

/// `git-avow`'s directory first on PATH, for a command typed on a terminal.
fn path_with_avow() -> std::ffi::OsString {
    let bin = avow_bin().parent().unwrap().to_path_buf();
    std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap()
}

/// The `[attestation.missing]` line of verify's output.
#[track_caller]
fn missing_line(stdout: &str) -> String {
    stdout.lines().find(|l| l.contains("[attestation.missing]")).unwrap_or_else(|| panic!("{stdout}")).trim().to_owned()
}

/// Runs `command` as printed (no terminal), expecting success.
#[track_caller]
fn run(w: &World, command: &str) {
    let r: Run = w.shell(command).output().unwrap().into();
    assert_eq!(r.code, 0, "`{command}`\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

/// Runs `command` as printed on a terminal, answering the statement prompt
/// (human, then a rationale).
#[track_caller]
fn on_terminal(w: &World, command: &str, rationale: &str) {
    let path = path_with_avow();
    let (code, screen) = w.on_terminal(command, &format!("1\n{rationale}\n"), &[("PATH", path.as_os_str())]);
    assert_eq!(code, 0, "`{command}`:\n{screen}");
}

/// Alice edits a file in GitHub's web editor: the forge commits it on
/// `main` of the repository everyone clones, as her (the author) and as
/// itself (the committer), with no hook. CI's clone refuses it, naming the
/// forge and the way out: Alice fetches the commit into her own clone,
/// attests it there (on a terminal, where attest asks for the statement)
/// and pushes the note. CI fetches the notes, as the Action does, and the
/// range verifies, the commit unchanged.
#[test]
fn a_web_editor_commit_is_attested_by_its_author_as_printed() {
    let w = World::adopted("disclose");
    let origin = w.remote("origin");
    let base = w.git(["rev-parse", "HEAD"]);
    // The forge's side: a checkout of the repository, no hooks, committed
    // by GitHub.
    let forge = w.scratch().join("forge");
    w.git(["clone", "-q", "-b", "main", origin.to_str().unwrap(), forge.to_str().unwrap()]);
    std::fs::write(forge.join("README"), "Fixed in the browser.\n").unwrap();
    let in_forge = |args: &[&str]| {
        let r: Run = w
            .repo
            .command("git")
            .current_dir(&forge)
            .env("GIT_COMMITTER_NAME", GITHUB.0)
            .env("GIT_COMMITTER_EMAIL", GITHUB.1)
            .args(args)
            .output()
            .unwrap()
            .into();
        r.expect(0)
    };
    in_forge(&["add", "README"]);
    in_forge(&["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Update README"]);
    in_forge(&["push", "-q", "origin", "main"]);
    let web = in_forge(&["rev-parse", "HEAD"]).stdout.trim().to_owned();
    let short = &web[..12];
    // CI checks the push in its own clone.
    let ci = w.scratch().join("ci");
    w.git(["clone", "-q", "-b", "main", origin.to_str().unwrap(), ci.to_str().unwrap()]);
    let range = format!("{base}..{web}");
    let r = w.avow_in(&ci, ["verify", &range]).expect(1);
    let line = missing_line(&r.stdout);
    assert_eq!(
        line,
        format!(
            "the commit carries no attestation (no Authorship, Rationale or Avow-Signature trailers): GitHub <noreply@github.com> committed it, where no hook runs (the forge's web editor, a suggestion applied there, a squash merge); \
             its author fetches and reads it, `git fetch origin` and `git show {short}`, then attests it as it is: `git avow attest {short}` (a note; share it with `git push origin refs/notes/avow`) [attestation.missing]"
        )
    );
    // Alice, in her clone, which has never seen the commit.
    assert!(w.repo.git_output(["cat-file", "-e", &web]).status.code() != Some(0));
    let commands = quoted_commands(&line);
    assert_eq!(
        commands,
        [
            "git fetch origin".to_owned(),
            format!("git show {short}"),
            format!("git avow attest {short}"),
            "git push origin refs/notes/avow".to_owned()
        ]
    );
    run(&w, &commands[0]);
    let shown: Run = w.shell(&commands[1]).output().unwrap().into();
    assert!(shown.expect(0).stdout.contains("+Fixed in the browser."), "it shows the change");
    on_terminal(&w, &commands[2], "I made this edit in the browser: the README now says the bug is fixed.");
    run(&w, &commands[3]);
    // CI again, with the notes fetched as the Action fetches them.
    w.git(["-C", ci.to_str().unwrap(), "fetch", "-q", "origin", "+refs/notes/avow:refs/notes/avow"]);
    let r = w.avow_in(&ci, ["verify", &range]).expect(0);
    assert!(r.stdout.contains("(attested by a note in refs/notes/avow)"), "{}", r.stdout);
    assert_eq!(w.git(["-C", ci.to_str().unwrap(), "rev-parse", "origin/main"]), web, "not rewritten");
}

/// A commit made with `git commit --no-verify`, with another commit after
/// it: verify names both routes. Each, followed as printed, verifies.
fn no_verify_then_more(w: &World) -> (String, String) {
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add a"]);
    let id = w.git(["rev-parse", "HEAD"]);
    w.change("b.txt", "b\n", "Add b");
    let line = missing_line(&w.verify("base..HEAD").expect(1).stdout);
    (id, line)
}

#[test]
fn a_no_verify_commit_is_attested_as_printed() {
    let w = World::adopted("disclose");
    w.remote("origin");
    let (id, line) = no_verify_then_more(&w);
    let short = &id[..12];
    assert_eq!(line, missing_without_hook(short));
    // The note route: attest (on a terminal), then share the note.
    let commands = quoted_commands(&line);
    assert_eq!(
        commands[..3],
        [format!("git show {short}"), format!("git avow attest {short}"), "git push origin refs/notes/avow".to_owned()]
    );
    run(&w, &commands[0]);
    on_terminal(&w, &commands[1], "The file a holds the letter the tests look for; written by hand.");
    run(&w, &commands[2]);
    let r = w.verify("base..HEAD").expect(0);
    assert!(r.stdout.contains("(attested by a note in refs/notes/avow)"), "{}", r.stdout);
    assert_eq!(w.git(["rev-parse", "HEAD~1"]), id, "not rewritten");
    let remote = w.scratch().join("origin.git");
    let notes = w.git(["--git-dir", remote.to_str().unwrap(), "rev-parse", "refs/notes/avow"]);
    assert_eq!(notes, w.git(["rev-parse", "refs/notes/avow"]));
}

/// The re-commit route for a commit that is not HEAD: `git avow install`
/// (already installed: it changes nothing), then the rebase that stops at
/// it, the amend (on a terminal, where the hook asks) and the rebase's end.
#[test]
fn a_no_verify_commit_is_recommitted_as_printed() {
    let w = World::adopted("disclose");
    let (id, line) = no_verify_then_more(&w);
    let commands = quoted_commands(&line);
    let short = &id[..12];
    assert_eq!(
        commands[3..],
        [
            "git avow install".to_owned(),
            "git commit --amend --no-edit".to_owned(),
            format!("git rebase -i {short}~1"),
            "git commit --amend --no-edit".to_owned(),
            "git rebase --continue".to_owned()
        ]
    );
    run(&w, &commands[3]);
    // Not the last commit: the rebase, with `pick` changed to `edit` on its line.
    w.mark_edit_in_rebase(short);
    run(&w, &commands[5]);
    on_terminal(&w, &commands[6], "The file a holds the letter the tests look for; written by hand.");
    run(&w, &commands[7]);
    let r = w.verify("base..HEAD").expect(0);
    assert!(!r.stdout.contains("refs/notes/avow"), "{}", r.stdout);
}

/// A clone where the hooks were never installed, the commit HEAD: `git
/// avow install`, then the amend (on a terminal, where the hook asks for
/// the statement), as printed, and it verifies.
#[test]
fn a_commit_from_a_clone_without_the_hook_is_recommitted_as_printed() {
    let w = World::adopted("disclose");
    for hook in std::fs::read_dir(w.path().join(".git/hooks")).unwrap() {
        std::fs::remove_file(hook.unwrap().path()).unwrap();
    }
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    w.commit(&["-m", "Add a"]).expect(0);
    let line = missing_line(&w.verify("base..HEAD").expect(1).stdout);
    let commands = quoted_commands(&line);
    assert_eq!(commands[3..5], ["git avow install".to_owned(), "git commit --amend --no-edit".to_owned()]);
    run(&w, &commands[3]);
    on_terminal(&w, &commands[4], "The file a holds the letter the tests look for; written by hand.");
    w.verify("base..HEAD").expect(0);
}

/// The statement written by hand as trailers, committed with
/// `--no-verify`: nothing signed it. The amend verify names signs it as it
/// stands, without a terminal.
#[test]
fn a_statement_nobody_signed_is_signed_as_printed() {
    let w = World::adopted("disclose");
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    let mut args = vec!["commit", "-q", "--no-verify", "-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    w.git(args);
    let id = w.git(["rev-parse", "HEAD"]);
    let r = w.verify("base..HEAD").expect(1);
    let line = missing_line(&r.stdout);
    let short = &id[..12];
    assert!(
        line.starts_with(&format!(
            "no `Avow-Signature:` trailer, so nobody signed its statement: no hook signed it (it was committed with --no-verify, or where the hook was never installed); its author reads it (`git show {short}`: anyone can write their name) and attests it as it is: `git avow attest {short}`"
        )),
        "{line}"
    );
    let commands = quoted_commands(&line);
    assert_eq!(commands[3..5], ["git avow install".to_owned(), "git commit --amend --no-edit".to_owned()]);
    run(&w, &commands[3]);
    run(&w, &commands[4]);
    w.verify("base..HEAD").expect(0);
}
