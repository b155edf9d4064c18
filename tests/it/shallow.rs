//! Shallow clones, as CI checks out: a range that reaches past the shallow
//! boundary is an error (exit 2) that says how much history to fetch, never
//! a verdict on a cut history. Each suggested fetch is then run and shown to
//! make the range verify.

use std::path::{Path, PathBuf};

use crate::golden::normalise;
use crate::support::*;

/// Runs git in `dir` (hermetic); panics when it fails.
pub fn git_in(w: &World, dir: &Path, args: &[&str]) {
    let out = w.command("git").args(args).current_dir(dir).output().expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Three attested commits on top of the adopted base (tag `base`), then a
/// `git clone --depth DEPTH` of it, with the base fetched one commit deep
/// when `with_base`.
fn shallow_clone(depth: &str, with_base: bool) -> (World, PathBuf) {
    let w = World::adopted("disclose");
    w.change("src/a.rs", "fn a() {}\n", "Add a");
    w.change("src/b.rs", "fn b() {}\n", "Add b");
    w.change("src/c.rs", "fn c() {}\n", "Add c");
    let clone = w.scratch().join("clone");
    let url = format!("file://{}", w.path().display());
    git_in(&w, &w.scratch(), &["clone", "-q", "--depth", depth, &url, clone.to_str().unwrap()]);
    if with_base {
        git_in(&w, &clone, &["fetch", "-q", "--depth", "1", "origin", "refs/tags/base:refs/tags/base"]);
    }
    (w, clone)
}

#[test]
fn one_commit_short_names_the_exact_depth() {
    let (w, clone) = shallow_clone("3", true);
    let run = w.avow_in(&clone, ["verify", "base..HEAD"]).expect(2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        normalise(&w, &run.stderr),
        "git-avow: error: this repository is a shallow clone and `base..HEAD` reaches past its boundary at <short-2> (depth 3 from HEAD); fetch with `git fetch --deepen=1` (depth 4 from HEAD) / `fetch-depth: 0`\n\
         hint: the clone has 3 commits of history from HEAD and the range needs at least 4; in GitHub Actions set `fetch-depth: 0` on actions/checkout, in GitLab CI `GIT_DEPTH: 0`\n"
    );
    // `report` resolves ranges the same way.
    assert_eq!(w.avow_in(&clone, ["report", "base..HEAD"]).expect(2).stderr, run.stderr);
    git_in(&w, &clone, &["fetch", "-q", "--deepen=1"]);
    let ok = w.avow_in(&clone, ["verify", "-q", "base..HEAD"]).expect(0);
    assert_eq!(ok.stdout, "avow: 3 commits: 3 accepted, 0 rejected (range base..HEAD, trust base)\n");
}

/// The refusal in a clone of `depth` (with the base fetched) whose boundary
/// does not join the base: `git fetch --unshallow` is the advice.
fn unshallow_refusal(depth: &str) -> (World, PathBuf, String) {
    let (w, clone) = shallow_clone(depth, true);
    let run = w.avow_in(&clone, ["verify", "base..HEAD"]).expect(2);
    let stderr = normalise(&w, &run.stderr);
    (w, clone, stderr)
}

#[test]
fn an_unknown_distance_asks_for_the_whole_history() {
    let (w, clone, stderr) = unshallow_refusal("2");
    assert_eq!(
        stderr,
        "git-avow: error: this repository is a shallow clone and `base..HEAD` reaches past its boundary at <short-3> (depth 2 from HEAD); fetch with `git fetch --unshallow` / `fetch-depth: 0`\n\
         hint: the clone has 2 commits of history from HEAD and the range needs at least 3; in GitHub Actions set `fetch-depth: 0` on actions/checkout, in GitLab CI `GIT_DEPTH: 0`\n"
    );
    git_in(&w, &clone, &["fetch", "-q", "--unshallow"]);
    w.avow_in(&clone, ["verify", "base..HEAD"]).expect(0);
}

#[test]
fn a_single_commit_clone_counts_its_tip() {
    // The boundary is HEAD itself: depth 1, not "1 commit below HEAD".
    let (_w, _clone, stderr) = unshallow_refusal("1");
    assert_eq!(
        stderr,
        "git-avow: error: this repository is a shallow clone and `base..HEAD` reaches past its boundary at <short-4> (depth 1 from HEAD); fetch with `git fetch --unshallow` / `fetch-depth: 0`\n\
         hint: the clone has 1 commit of history from HEAD and the range needs at least 2; in GitHub Actions set `fetch-depth: 0` on actions/checkout, in GitLab CI `GIT_DEPTH: 0`\n"
    );
}

#[test]
fn a_base_missing_from_a_shallow_clone_says_to_fetch_it() {
    let (w, clone) = shallow_clone("1", false);
    let run = w.avow_in(&clone, ["verify", "base..HEAD"]).expect(2);
    assert_eq!(
        run.stderr,
        "git-avow: error: unknown revision `base`\n\
         hint: this is a shallow clone: fetch the base first, `git fetch --unshallow --tags origin` (a branch is then named as the remote has it, e.g. `origin/main`; GitHub Actions: `fetch-depth: 0`)\n"
    );
    // Followed as printed in the clone, the range verifies (the hint said
    // `git fetch --unshallow origin main`, which brings no tag).
    let fetch = quoted_commands(&run.stderr);
    assert_eq!(fetch, ["git fetch --unshallow --tags origin"]);
    let r: Run = w.shell(&fetch[0]).current_dir(&clone).output().unwrap().into();
    r.expect(0);
    w.avow_in(&clone, ["verify", "base..HEAD"]).expect(0);
}

/// A base named as a remote's branch that a single-branch shallow clone
/// never fetched: the hint fetches exactly it, into that name.
#[test]
fn a_remote_branch_missing_from_a_shallow_clone_is_fetched_by_name() {
    let (w, clone) = shallow_clone("1", false);
    w.git(["branch", "release", "base"]);
    let run = w.avow_in(&clone, ["verify", "origin/release..HEAD"]).expect(2);
    let fetch = quoted_commands(&run.stderr);
    assert_eq!(
        fetch,
        ["git fetch --unshallow origin refs/heads/release:refs/remotes/origin/release"],
        "{}",
        run.stderr
    );
    let r: Run = w.shell(&fetch[0]).current_dir(&clone).output().unwrap().into();
    r.expect(0);
    w.avow_in(&clone, ["verify", "origin/release..HEAD"]).expect(0);
}

#[test]
fn a_range_inside_the_shallow_history_verifies() {
    let (w, clone) = shallow_clone("2", false);
    let run = w.avow_in(&clone, ["verify", "-q", "HEAD~1..HEAD"]).expect(0);
    assert_eq!(run.stdout, "avow: 1 commit: 1 accepted, 0 rejected (range HEAD~1..HEAD, trust HEAD~1)\n");
}

/// A project that adopted avow with history behind it has `adoption.since`
/// (written by `git avow init`) naming a commit a shallow clone cuts off:
/// verify stopped at "unknown revision <id>" with a hint to fetch the base
/// branch, which does not bring it. The error names adoption.since and
/// the fetch that does; followed, the range verifies.
#[test]
fn an_adoption_point_past_the_boundary_names_the_fetch_that_brings_it() {
    let repo = TestRepo::new();
    repo.write("old.txt", "history before avow\n");
    repo.git(["add", "-A"]);
    repo.git(["commit", "-q", "-m", "History before avow"]);
    let w = World::adopted_in(repo, "disclose");
    w.change("src/a.rs", "fn a() {}\n", "Add a");
    w.change("src/b.rs", "fn b() {}\n", "Add b");
    let since = w.git(["rev-parse", "HEAD~3"]);
    let clone = w.scratch().join("clone");
    let url = format!("file://{}", w.path().display());
    git_in(&w, &w.scratch(), &["clone", "-q", "--depth", "2", &url, clone.to_str().unwrap()]);
    let run = w.avow_in(&clone, ["verify", "HEAD~1..HEAD"]).expect(2);
    assert_eq!(
        run.stderr,
        format!(
            "git-avow: error: adoption.since = {since:?} in .avow/policy.toml at HEAD~1 names no commit in this repository (it is past this shallow clone's boundary)\n\
             hint: fetch the history: `git fetch --unshallow` (GitHub Actions: `fetch-depth: 0` on actions/checkout, GitLab CI: `GIT_DEPTH: 0`)\n"
        )
    );
    let fetch = quoted_commands(&run.stderr);
    assert_eq!(fetch, ["git fetch --unshallow"]);
    let args: Vec<&str> = fetch[0].split(' ').skip(1).collect();
    git_in(&w, &clone, &args);
    w.avow_in(&clone, ["verify", "HEAD~1..HEAD"]).expect(0);
}
