//! An outsider's attacks on what a branch of the server is judged by,
//! where that is the branch's own `.avow/` rather than the default
//! branch's (docs/server.md, threat-model entries 91 and 143).

use crate::attacks_merge_avow::{bob_demoted_on_the_server, git_as_bob};
use crate::policy::{msg, BOB_EMAIL, BOB_NAME};
use crate::server::{push, remote_rev};
use crate::support::*;

/// Entry 91's weaker variant. Bob was a maintainer and is a contributor
/// again on `main`; his key stays valid (he still contributes), so no
/// revocation reaches other branches. He pushes a new branch at the commit
/// where he was a maintainer — it adds no commit, so nothing is verified —
/// and then, on that branch, a commit of his that makes Mallory a
/// maintainer. The branch is judged by its own keyring, where Bob is still
/// a maintainer: his change to `.avow/` was accepted, and every later push
/// to the branch (Mallory's work, the pull requests whose CI trusts the
/// branch as their target, a release tagged there) trusted Mallory. A
/// change to `.avow/` on a ref judged by its own keyring needs a
/// maintainer of the default branch's keyring too.
#[test]
fn a_demoted_maintainer_cannot_change_avow_on_a_branch_from_before() {
    let (w, remote, bob) = bob_demoted_on_the_server();
    assert_eq!(
        push(&w, &["bob-maintainer:refs/heads/old"], 0),
        "remote: avow: refs/heads/old: 0 commits: 0 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    let old = remote_rev(&w, &remote, "old");
    w.git(["switch", "-q", "-c", "old", "bob-maintainer"]);
    let mallory = w.keygen("mallory");
    let mallory_pub = format!("{}.pub", mallory.display());
    w.avow([
        "keyring",
        "add",
        "--name",
        "Mallory Example",
        "--email",
        "mallory@example.org",
        "--role",
        "maintainer",
        "--key",
        &mallory_pub,
    ])
    .expect(0);
    let mut args = vec!["commit", "-q", "-a", "--author", "Bob Example <bob@example.org>"];
    let m = msg("Make Mallory a maintainer", "human", &[]);
    args.extend(m.iter().map(String::as_str));
    git_as_bob(&w, &bob, &args).expect(0);
    assert_eq!(w.git(["show", "-s", "--format=%ae", "HEAD"]), BOB_EMAIL);
    assert!(w.git(["show", "-s", "--format=%B", "HEAD"]).contains(&format!("Understood-by: {BOB_NAME}")));
    // Against the branch's own keyring Bob signed as a maintainer; the
    // default branch's says he is not one.
    let out = push(&w, &["old"], 1);
    let lines: Vec<&str> = out.lines().take(3).collect();
    assert_eq!(lines[0], "remote: FAIL    <id>  Make Mallory a maintainer", "{out}");
    assert_eq!(
        lines[1],
        "remote:         the commit changes .avow/ (keyring or policy), signed by Bob Example <bob@example.org>, who is not a maintainer in the keyring of refs/heads/main (a change to .avow/ on any ref needs a maintainer the default branch trusts) [trust.avow-change]",
        "{out}"
    );
    assert_eq!(
        lines[2], "remote: avow: refs/heads/old: 1 commit: 0 accepted, 1 rejected (trust refs/heads/old)",
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "old"), old, "the branch did not move");
    // Bob's own work on the branch still goes through, and Alice, a
    // maintainer on main, still changes the branch's .avow/.
    w.git(["reset", "-q", "--hard", "bob-maintainer"]);
    w.write("fix.txt", "fix\n");
    w.git(["add", "fix.txt"]);
    let mut args = vec!["commit", "-q", "--author", "Bob Example <bob@example.org>"];
    let m = msg("Fix the old branch", "human", &[]);
    args.extend(m.iter().map(String::as_str));
    git_as_bob(&w, &bob, &args).expect(0);
    w.avow(["keyring", "add", "--name", "Carol Example", "--email", "carol@example.org", "--key", &mallory_pub])
        .expect(0);
    let mut args = vec!["-q", "-a", "-m", "Add Carol"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    assert_eq!(
        push(&w, &["old"], 0),
        "remote: avow: refs/heads/old: 2 commits: 2 accepted, 0 rejected (trust refs/heads/old)\n"
    );
}
