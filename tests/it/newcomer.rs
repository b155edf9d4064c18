//! The `[newcomer]` rule end to end: stricter limits until a person has a
//! track record of attested commits in the trusted history, counted from
//! the trust base only.

use crate::policy::{adopt, hook_accepts, msg, strs, verdicts, BOB_EMAIL, BOB_NAME};
use crate::support::*;

/// LLVM's newcomer limit, scaled down: two attested commits end it; until
/// then at most 5 changed lines and no `generated` change.
const POLICY: &str = r#"version = 1

[newcomer]
attested-commits = 2
max-lines = 5
authorship = ["human", "assisted"]
"#;

/// Adopts avow with [`POLICY`]; Alice (maintainer) adds Bob's key in an
/// attested commit tagged `with-bob`; the work tree is then Bob's.
fn with_bob() -> World {
    let w = adopt("disclose", Some(POLICY));
    let bob = w.keygen("bob");
    w.avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--key", &format!("{}.pub", bob.display())])
        .expect(0);
    hook_accepts(&w, &[], &msg("Add Bob to the keyring", "human", &["-a"]), &[]);
    w.git(["tag", "with-bob"]);
    w.git(["config", "user.name", BOB_NAME]);
    w.git(["config", "user.email", BOB_EMAIL]);
    w.git(["config", "avow.signingKey", bob.to_str().unwrap()]);
    w
}

fn lines(n: usize, tag: &str) -> String {
    (0..n).fold(String::new(), |mut s, i| {
        s.push_str(&format!("{tag} line {i}\n"));
        s
    })
}

/// Bob commits `file` with `n` lines, attested by his hook.
fn bob_commits(w: &World, file: &str, n: usize, subject: &str, authorship: &str) {
    let author = format!("--author={BOB_NAME} <{BOB_EMAIL}>");
    hook_accepts(w, &[(file, &lines(n, subject))], &msg(subject, authorship, &[author.as_str()]), &[]);
}

#[test]
fn a_first_time_contributors_oversized_commit_is_refused() {
    let w = with_bob();
    w.git(["checkout", "-q", "-b", "pr"]);
    bob_commits(&w, "small.c", 3, "Small fix", "human");
    bob_commits(&w, "big.c", 40, "Large rewrite", "human");
    bob_commits(&w, "gen.c", 2, "Generated helper", "generated");
    assert_eq!(
        verdicts(&w, &["with-bob..pr"], 1),
        strs(&[
            "Small fix: accepted",
            "Large rewrite: rejected newcomer.max-lines",
            "Generated helper: rejected newcomer.authorship",
        ])
    );
    // The finding says why, and what to do.
    let out = w.avow(["verify", "with-bob..pr"]).expect(1).stdout;
    assert!(
        out.contains(
            "bob@example.org has 0 attested commits in the trusted history, fewer than the 2 that end the newcomer rules: 40 changed lines, more than the 5 allowed for a newcomer; split the change into smaller commits, or ask a maintainer to land it [newcomer.max-lines]"
        ),
        "{out}"
    );
    // The report shows the record and the refusal.
    let report = w.avow(["report", "with-bob..pr"]).expect(0).stdout;
    assert!(
        report.contains(
            "Bob Example <bob@example.org>: 3 commits; first seen <short-1> (2025-11-24); 0 commits before this range; first attested commit <short-1> (2025-11-24); 0 attested commits before this range; newcomer: 0 of the 2 attested commits that end the newcomer rules"
                .replace("<short-1>", &w.git(["rev-parse", "--short=12", "pr~2"]))
                .as_str()
        ),
        "{report}"
    );
    assert!(report.contains("more than the 5 allowed for a newcomer"), "{report}");
    let json = w.avow(["report", "with-bob..pr", "--format", "json"]).expect(0).stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["contributors"][0]["newcomer"], serde_json::json!({"record": 0, "needed": 2, "newcomer": true}));
}

#[test]
fn commits_inside_the_verified_range_do_not_count() {
    let w = with_bob();
    w.git(["checkout", "-q", "-b", "pr"]);
    // Two small attested commits would be the record, but they are part of
    // the pull request under test: they cannot vouch for the third.
    bob_commits(&w, "a.c", 2, "First small step", "human");
    bob_commits(&w, "b.c", 2, "Second small step", "human");
    bob_commits(&w, "big.c", 40, "Large rewrite", "human");
    assert_eq!(
        verdicts(&w, &["with-bob..pr"], 1),
        strs(&[
            "First small step: accepted",
            "Second small step: accepted",
            "Large rewrite: rejected newcomer.max-lines"
        ])
    );
    // Nor does naming the pull request's own tip as the trust base: its
    // history then holds the two small commits, but they are the range.
    assert_eq!(
        verdicts(&w, &["with-bob..pr", "--trust", "pr"], 1),
        strs(&[
            "First small step: accepted",
            "Second small step: accepted",
            "Large rewrite: rejected newcomer.max-lines"
        ])
    );
}

#[test]
fn the_same_persons_commit_after_the_track_record_is_accepted() {
    let w = with_bob();
    // Bob's first two small commits land on main (verified and merged).
    bob_commits(&w, "a.c", 2, "First small step", "human");
    bob_commits(&w, "b.c", 2, "Second small step", "human");
    assert_eq!(
        verdicts(&w, &["with-bob..main"], 0),
        strs(&["First small step: accepted", "Second small step: accepted"])
    );
    // His next pull request is judged from main, which holds his record.
    w.git(["checkout", "-q", "-b", "pr"]);
    bob_commits(&w, "big.c", 40, "Large rewrite", "human");
    bob_commits(&w, "gen.c", 2, "Generated helper", "generated");
    assert_eq!(verdicts(&w, &["main..pr"], 0), strs(&["Large rewrite: accepted", "Generated helper: accepted"]));
    // With one commit of record he is still a newcomer.
    assert_eq!(
        verdicts(&w, &["main~1..pr"], 1),
        strs(&[
            "Second small step: accepted",
            "Large rewrite: rejected newcomer.max-lines",
            "Generated helper: rejected newcomer.authorship",
        ])
    );
}

#[test]
fn a_forged_understood_by_in_the_history_counts_for_nobody() {
    let w = with_bob();
    // Two commits on main claim Bob understood them, with a statement but
    // no valid signature of his (committed past the hook).
    for (file, subject) in [("a.c", "Claimed step one"), ("b.c", "Claimed step two")] {
        w.write(file, "x\n");
        w.git(["add", file]);
        w.git([
            "commit",
            "-q",
            "--no-verify",
            "-m",
            subject,
            "--trailer",
            "Authorship: human",
            "--trailer",
            "Rationale: A claim of Bob's record that his key never signed.",
            "--trailer",
            &format!("Understood-by: {BOB_NAME} <{BOB_EMAIL}>"),
            "--trailer",
            "Avow-Signature: v2 t=1764000000 c=none b=0000000000000000000000000000000000000000000000000000000000000000 s=AAAA",
        ]);
    }
    w.git(["checkout", "-q", "-b", "pr"]);
    bob_commits(&w, "big.c", 40, "Large rewrite", "human");
    assert_eq!(verdicts(&w, &["main..pr"], 1), strs(&["Large rewrite: rejected newcomer.max-lines"]));
}
