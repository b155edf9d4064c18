//! Attacks through the squash check (docs/workflows.md, "squash merges";
//! docs/threat-model.md): a rejected commit whose message names a pull
//! request (`(#N)`, `See merge request …!N`) is tried as the squash of
//! the pull ref's branch. Whoever writes the message chooses the ref, and
//! with push access whoever pushes chooses where the ref points.

use std::path::PathBuf;

use crate::server::{origin, push, push_cpu, remote_rev, write_parser_tables};
use crate::support::*;

/// A server with avow's hook whose `main` carries, after the adoption
/// commit `base`, a big attested commit (`tables/`, 20 files of 20,000
/// lines) and a few small ones; pushed through the hook.
fn server_with_a_big_history() -> (World, PathBuf) {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    write_parser_tables(&w);
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Vendor the parser tables"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    for i in 0..3 {
        w.change(&format!("notes/{i}.txt"), "a note\n", &format!("Add note {i}"));
    }
    push(&w, &["main"], 0);
    (w, remote)
}

/// `n` unattested one-line commits on top of `base`, each with `suffix`
/// after its subject, as branch `branch` (made without the hooks).
fn small_commits(w: &World, branch: &str, n: usize, suffix: &str) {
    w.git(["switch", "-q", "-c", branch, "base"]);
    for i in 0..n {
        w.write("small.txt", format!("{i}\n"));
        w.git(["add", "small.txt"]);
        w.git(["commit", "-q", "--no-verify", "-m", &format!("Small change {i}{suffix}")]);
    }
    w.git(["switch", "-q", "main"]);
}

/// Anyone who may push points `refs/pull/7/head` at `main` (the push adds
/// no commit, so nothing refuses it), then pushes 60 unattested one-line
/// commits forked from the adoption commit, each subject ending in `(#7)`.
/// Each is rejected, and each was then tried as the squash of pull request
/// 7: the cumulative change of `main` since the fork — the whole history,
/// a big vendored commit included — was digested again for every one of
/// them, though a one-file commit cannot be the squash of a branch that
/// changes two dozen files. The push cost sixty times that history; now a
/// source whose changed paths outnumber the squash's is given up after a
/// tree walk that stops there.
#[test]
fn many_commits_naming_a_pull_ref_over_a_big_history_cost_what_plain_ones_cost() {
    let (w, remote) = server_with_a_big_history();
    let main = w.git(["rev-parse", "main"]);
    push(&w, &["main:refs/pull/7/head"], 0);
    assert_eq!(remote_rev(&w, &remote, "refs/pull/7/head"), main);
    small_commits(&w, "plain", 60, "");
    small_commits(&w, "named", 60, " (#7)");
    let (plain, out) = push_cpu(&w, &["plain"], 1);
    assert!(out.contains("refs/heads/plain: 60 commits: 0 accepted, 60 rejected"), "{out}");
    let (named, out) = push_cpu(&w, &["named"], 1);
    assert!(out.contains("refs/heads/named: 60 commits: 0 accepted, 60 rejected"), "{out}");
    assert_eq!(out.matches("[squash.change]").count(), 60, "{out}");
    assert!(
        named < 1.5 * plain + 0.5,
        "the push naming the pull request took {named:.2} s of processor time, the same commits without it {plain:.2} s"
    );
    assert_eq!(remote_rev(&w, &remote, "named"), "");
}

/// Entry 117 with sources that do match: 60 unattested commits forked from
/// the adoption commit, naming pull request 7 (`main`), that add all of
/// `main`'s files and take them away again in turn — the same tree objects
/// each time, so the push carries them once. Every other commit is the
/// change of `main` since the fork, so it is (rightly) accepted as the
/// squash of those attested commits; the others change the same paths
/// back. Each one digested its own change and `main`'s whole change again,
/// and each accepted one verified `main`'s commits again: sixty times what
/// the push carries. What a run has learnt about a source (its commits,
/// its change, their verdicts) and a squash's change is kept for the run.
#[test]
fn commits_that_add_and_remove_a_pull_refs_whole_change_in_turn_cost_it_once() {
    let (w, remote) = server_with_a_big_history();
    push(&w, &["main:refs/pull/7/head"], 0);
    let (base, main) = (w.git(["rev-parse", "base^{tree}"]), w.git(["rev-parse", "main^{tree}"]));
    let chain = |branch: &str, suffix: &str| {
        let mut head = w.git(["rev-parse", "base"]);
        for i in 0..60 {
            let tree = if i % 2 == 0 { &main } else { &base };
            let subject = format!("{} the parser tables, round {i}{suffix}", if i % 2 == 0 { "Add" } else { "Drop" });
            head = w.git(["commit-tree", tree, "-p", &head, "-m", &subject]);
        }
        w.git(["update-ref", &format!("refs/heads/{branch}"), &head]);
    };
    chain("plain", "");
    chain("named", " (#7)");
    let (plain, out) = push_cpu(&w, &["plain"], 1);
    assert!(out.contains("refs/heads/plain: 60 commits: 0 accepted, 60 rejected"), "{out}");
    let (named, out) = push_cpu(&w, &["named"], 1);
    assert!(out.contains("refs/heads/named: 60 commits: 30 accepted, 30 rejected"), "{out}");
    assert_eq!(out.matches("[squash.change]").count(), 30, "{out}");
    // What the squash checks learn once: two changes of the size of
    // main's, its commits' verdicts.
    assert!(
        named < plain + 3.0,
        "the push naming the pull request took {named:.2} s of processor time, the same commits without it {plain:.2} s"
    );
    assert_eq!(remote_rev(&w, &remote, "named"), "");
}

/// What a squash's message shows, with one attested pull request pushed
/// as `refs/pull/7/head`: Alice's two attested commits on `feature`, and a
/// server whose `main` has moved on (the push of the pull ref is verified
/// as a branch is, and accepted).
fn server_with_an_attested_pull_request() -> (World, PathBuf) {
    let w = crate::forge::pull_request();
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    push(&w, &["main", "feature:refs/pull/7/head"], 0);
    (w, remote)
}

/// The squash of `feature` onto `main`, committed as a forge commits it
/// (no hook) with `message`.
fn squash_with_message(w: &World, message: &str) -> String {
    w.git(["reset", "-q", "--hard", "before-merge"]);
    crate::forge::squash_feature(w);
    crate::forge::forge_commit(w, message, crate::forge::GITHUB);
    w.git(["rev-parse", "HEAD"])
}

/// Anyone who may push (no key needed) takes an attested pull request
/// and pushes its squash to `main` under a message of their own: a subject
/// whose terminal escapes move the cursor up and erase the line (so that a
/// terminal shows `ok` over whatever `git log` or avow printed there), and
/// a body that displays a rationale nobody signed. The first check of the
/// squash found both (`message.unsafe-characters`, entry 49), but a
/// squash accepted for its pull request's commits dropped every finding
/// of its own first check, the message's included, and was accepted
/// without a word: the server took it. Now the findings about the message
/// stand, and a statement line the squash displays that none of the
/// squashed commits carries is `message.unsigned-statement` — a warning
/// by default, as for a note (entry 97), refused under
/// `unsigned-statement = "deny"`.
#[test]
fn a_squash_keeps_what_its_own_message_is_refused_or_warned_for() {
    let (w, remote) = server_with_an_attested_pull_request();
    let before = remote_rev(&w, &remote, "main");
    let escapes = "Widgets\u{1b}[1A\u{1b}[2K ok (#7)\n\nThe widget learns to count to three.\n";
    squash_with_message(&w, escapes);
    let out = push(&w, &["main"], 1);
    assert!(out.contains("[message.unsafe-characters]"), "{out}");
    assert!(!out.contains("[attestation.missing]"), "the squash's own attestation is not the reason: {out}");
    assert_eq!(remote_rev(&w, &remote, "main"), before);
    // The same squash under the pull request's title is accepted, as before.
    let honest = squash_with_message(&w, "Widgets (#7)\n\nThe widget learns to count to three.\n");
    let r = w.verify("before-merge..main").expect(0);
    assert!(!r.stdout.contains("warning"), "{}", r.stdout);
    push(&w, &["main"], 0);
    assert_eq!(remote_rev(&w, &remote, "main"), honest);
    // A squash that displays a rationale none of Alice's commits gave: a
    // warning naming the lines, by default.
    w.git(["tag", "-f", "before-merge", "main"]);
    w.git(["switch", "-q", "-c", "feature2", "main"]);
    w.change("gadget.txt", "one\n", "Add the gadget");
    w.git(["switch", "-q", "main"]);
    push(&w, &["feature2:refs/pull/8/head"], 0);
    w.git(["update-ref", "refs/pull/8/head", "feature2"]);
    let lie = "Gadgets (#8)\n\nAuthorship: human\nRationale: Reviewed line by line by the security team before merging.\nUnderstood-by: Alice <alice@example.org>\n";
    w.git(["reset", "-q", "--hard", "before-merge"]);
    w.git(["merge", "-q", "--squash", "feature2"]);
    crate::forge::forge_commit(&w, lie, crate::forge::GITHUB);
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("squash of refs/pull/8/head"), "{}", r.stdout);
    assert!(
        r.stdout.contains("warning: the squash's message displays statement lines none of the 1 commit(s) of refs/pull/8/head carries, so nobody signed them (Rationale: Reviewed line by line by the security team before merging.;"),
        "{}",
        r.stdout
    );
    // Nor do the outputs give the squash's own words as its statement
    // (the trailers git reads stay listed as such).
    let json = w.avow(["verify", "before-merge..main", "--format", "json"]).expect(0).stdout;
    for field in ["\"authorship\": null", "\"rationale\": null", "\"understood_by\": null"] {
        assert!(json.contains(field), "{field}: {json}");
    }
    // Under `unsigned-statement = "deny"`, refused by the server, with how
    // to squash instead; and what the hint says is accepted.
    let squash = w.git(["rev-parse", "HEAD"]);
    w.git(["reset", "-q", "--hard", "before-merge"]);
    let policy = w.git(["show", "HEAD:.avow/policy.toml"]);
    w.write(".avow/policy.toml", policy.replace("unsigned-statement = \"warn\"", "unsigned-statement = \"deny\""));
    w.git(["add", ".avow"]);
    let mut args = vec!["-q", "-m", "Display only what is signed"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    push(&w, &["main"], 0);
    w.git(["tag", "-f", "before-merge", "main"]);
    w.git(["cherry-pick", "--no-commit", &squash]);
    crate::forge::forge_commit(&w, lie, crate::forge::GITHUB);
    let out = push(&w, &["main"], 1);
    assert!(out.contains("[message.unsigned-statement]"), "{out}");
    assert!(
        out.contains("squash with the pull request's title and description, or its commits' own messages"),
        "{out}"
    );
    w.git(["reset", "-q", "--hard", "before-merge"]);
    w.git(["cherry-pick", "--no-commit", &squash]);
    crate::forge::forge_commit(&w, "Gadgets (#8)\n\nThe gadget arrives.\n", crate::forge::GITHUB);
    push(&w, &["main"], 0);
}
