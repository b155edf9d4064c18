//! avow under lefthook (from the Python package index), configured with the
//! `lefthook.yml` snippet docs/integrations.md gives.

use crate::python_tools::{answer_on_terminal, path_with, tool};
use crate::support::*;

/// The `lefthook.yml` block of docs/integrations.md, verbatim.
fn documented_config() -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/integrations.md")).unwrap();
    let start = doc.find("```yaml\n# lefthook.yml\n").expect("a ```yaml block starting with `# lefthook.yml`");
    let body = &doc[start + "```yaml\n".len()..];
    body[..body.find("```").unwrap()].to_owned()
}

#[track_caller]
fn assert_says(r: &Run, line: &str) {
    assert!(r.stderr.contains(&format!("{line}\n")), "{line:?} not in:\n{}", r.stderr);
}

fn git_with_lefthook(w: &World, args: &[&str]) -> Run {
    let mut c = w.command("setsid");
    c.arg("-w").arg("git").args(args).env("PATH", path_with("lefthook")).env("NO_COLOR", "1");
    c.output().unwrap().into()
}

/// A repository that adopted avow, with the documented lefthook.yml
/// committed and `lefthook install` run.
fn adopted_with_lefthook() -> World {
    let w = World::bare();
    w.avow(["init", "--preset", "disclose"]).expect(0);
    w.write("lefthook.yml", documented_config());
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Adopt avow with lefthook"]);
    w.git(["tag", "base"]);
    let mut c = w.command(tool("lefthook"));
    c.arg("install").env("PATH", path_with("lefthook"));
    Run::from(c.output().unwrap()).expect(0);
    w
}

#[test]
fn lefthook_runs_avow_at_commit_and_push() {
    let w = adopted_with_lefthook();
    let remote = w.remote("origin");

    // An unattested commit is refused, with avow's explanation.
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = git_with_lefthook(&w, &["commit", "-q", "-m", "Add a"]).expect(1);
    assert_says(&r, "avow: commit refused: the message lacks an `Authorship:` trailer and a `Rationale:` trailer.");
    assert_eq!(w.git(["rev-parse", "HEAD"]), before);

    // An attested one is signed, verifies and is pushed.
    let mut args = vec!["commit", "-q", "-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    git_with_lefthook(&w, &args).expect(0);
    w.verify("base..HEAD").expect(0);
    let r = git_with_lefthook(&w, &["push", "-q", "origin", "main"]).expect(0);
    assert_says(
        &r,
        "avow: refs/heads/main → refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust origin's refs/heads/main)",
    );

    // A commit that skipped the hook is stopped at the push.
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    git_with_lefthook(&w, &["commit", "-q", "--no-verify", "-m", "Sneak b in"]).expect(0);
    let r = git_with_lefthook(&w, &["push", "-q", "origin", "main"]).expect(1);
    assert_says(
        &r,
        "avow: refs/heads/main → refs/heads/main: 1 commit: 0 accepted, 1 rejected (trust origin's refs/heads/main)",
    );
    let out = w.git_output(["--git-dir", remote.to_str().unwrap(), "rev-parse", "main"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), w.git(["rev-parse", "HEAD~1"]));

    // doctor sees lefthook running avow.
    assert_eq!(
        crate::doctor::hook_lines(&w)[..2],
        [
            "ok    hook commit-msg: run by lefthook (lefthook.yml)",
            "ok    hook prepare-commit-msg: run by lefthook (lefthook.yml)",
        ]
    );
    // It does not run post-rewrite and post-applypatch: doctor warns and
    // names the install of avow's own beside it, which, followed, leaves
    // lefthook's hooks as they were.
    assert_eq!(
        crate::doctor::follow_install_fixes(&w),
        ["git avow install --hook post-rewrite", "git avow install --hook post-applypatch"]
    );
    assert_eq!(
        crate::doctor::hook_lines(&w),
        [
            "ok    hook commit-msg: run by lefthook (lefthook.yml)",
            "ok    hook prepare-commit-msg: run by lefthook (lefthook.yml)",
            "ok    hook post-rewrite: avow's",
            "ok    hook post-applypatch: avow's",
        ]
    );
}

#[test]
fn with_lefthook_avow_still_asks_on_the_terminal() {
    let w = adopted_with_lefthook();
    let path = path_with("lefthook");
    answer_on_terminal(&w, "lefthook", &[("PATH", path.as_os_str())]);
}
