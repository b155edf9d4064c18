//! Attacks through the number of refs one push updates: git hands the
//! server's pre-receive hook every ref of a push at once, and a ref costs
//! the pusher one line.

use std::fmt::Write as _;

use crate::server::{origin, push, remote_rev};
use crate::support::*;

/// Processor time (user + system, seconds) of `git push origin ARGS`,
/// the server hook's included; and what the push printed.
fn push_cpu(w: &World, args: &[String], code: i32) -> (f64, String) {
    let out = w
        .command("bash")
        .args(["-c", r#"TIMEFORMAT="%3U %3S"; { time git push -q origin "$@" 2>"$0"; } 2>&1"#])
        .arg(w.scratch().join("push.err"))
        .args(args)
        .output()
        .expect("bash");
    let printed = std::fs::read_to_string(w.scratch().join("push.err")).unwrap();
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    let times: Vec<f64> = status.split_whitespace().map(|t| t.parse().expect("seconds")).collect();
    assert_eq!(times.len(), 2, "{status}");
    assert_eq!(out.status.code(), Some(code), "{printed}");
    (times[0] + times[1], printed)
}

/// Anyone who may push makes one huge commit (20 files of 20,000 lines)
/// with a statement copied from the project's history and pushes it to 60
/// new branches at once: 60 lines of the push, one commit. Each branch was
/// judged on its own, so the huge commit's change was digested 60 times,
/// for a push the server refuses. Once a ref of the push is refused, the
/// push is refused whole (pre-receive decides for all of them), and the
/// refs after it are named without verifying the commits again.
#[test]
fn one_huge_commit_pushed_to_many_new_branches_is_verified_once() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let statement = w.message("base").split_once("\n\n").unwrap().1.to_owned();
    w.git(["switch", "-q", "-c", "tables"]);
    for f in 0..20 {
        let text = (0..20_000).fold(String::new(), |mut text, l| {
            _ = writeln!(text, "entry {f} {l} of the generated parser tables");
            text
        });
        w.write(&format!("tables/{f}.txt"), text);
    }
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", &format!("Vendor the parser tables\n\n{statement}")]);
    let (one, out) = push_cpu(&w, &["HEAD:refs/heads/tables".to_owned()], 1);
    assert!(out.contains("refs/heads/tables: 1 commit: 0 accepted, 1 rejected"), "{out}");
    let many: Vec<String> = (0..60).map(|i| format!("HEAD:refs/heads/tables-{i}")).collect();
    let (all, out) = push_cpu(&w, &many, 1);
    assert!(out.contains("refs/heads/tables-0: 1 commit: 0 accepted, 1 rejected"), "{out}");
    assert!(all < 1.5 * one, "the push to 60 branches took {all:.2} s of processor time, to one {one:.2} s");
    assert!(out.contains("refs/heads/tables-59: not verified: the push is refused already (see above)"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "tables-59"), "");
    // A push the hook accepts still has every ref judged.
    w.git(["switch", "-q", "main"]);
    w.change("a.txt", "a\n", "Add a");
    let accepted = push(&w, &["main:refs/heads/one", "main:refs/heads/two"], 0);
    assert!(
        accepted.contains("refs/heads/one: 1 commit: 1 accepted")
            && accepted.contains("refs/heads/two: 1 commit: 1 accepted"),
        "{accepted}"
    );
}
