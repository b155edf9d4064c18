//! The `message.divider` rule against git's two trailer readers on real
//! commits: it refuses a message exactly when `git interpret-trailers
//! --parse` and `git log --format=%(trailers)` see different statement or
//! signature trailers.

use avow_policy::facts::CommitFacts;
use avow_policy::findings::MESSAGE_DIVIDER;
use avow_testutil::TestRepo;
use proptest::prelude::*;

const STATEMENT: [&str; 5] = ["authorship", "assisted-by", "rationale", "understood-by", "avow-signature"];

/// The statement trailers in `key: value` lines as git prints them, in
/// order of their text: what the statement says, however it is ordered.
fn statement(lines: &str) -> Vec<String> {
    let mut out: Vec<String> = lines
        .lines()
        .filter(|l| l.split_once(':').is_some_and(|(k, _)| STATEMENT.contains(&k.to_ascii_lowercase().as_str())))
        .map(str::to_owned)
        .collect();
    out.sort();
    out
}

/// Whether git's readers disagree on `message`, read from a real commit.
fn git_readers_disagree(repo: &TestRepo, message: &str) -> bool {
    let tree = repo.git(["hash-object", "-t", "tree", "/dev/null"]);
    let f = repo.scratch().join("msg");
    std::fs::write(&f, message).unwrap();
    let commit = repo.git(["commit-tree", &tree, "-F", f.to_str().unwrap()]);
    let log = repo.git(["log", "-1", "--format=%(trailers:only,unfold)", &commit]);
    let stored = repo.git_stdin(["cat-file", "commit", &commit], b"");
    let body = &stored[stored.windows(2).position(|w| w == b"\n\n").unwrap() + 2..];
    let parse = String::from_utf8(repo.git_stdin(["interpret-trailers", "--parse"], body)).unwrap();
    statement(&log) != statement(&parse)
}

fn refused(message: &str) -> bool {
    let facts = CommitFacts { message: message.to_owned(), ..CommitFacts::default() };
    avow_policy::text::check(&facts).iter().any(|f| f.rule == MESSAGE_DIVIDER.id)
}

#[test]
fn the_reviewers_message_is_refused_and_plain_ones_are_not() {
    let repo = TestRepo::new();
    let signed = "Add the generated code\n\nAuthorship: generated\nAssisted-by: Devin:unknown\nRationale: The bindings are generated from the schema.\n";
    let attack = format!("{signed}\n---\n\nAuthorship: human\n");
    for (msg, refuse) in [
        (signed.to_owned(), false),
        (attack, true),
        // A `---` in the body above the trailers cuts them off for one reader.
        ("Title\n\nNotes\n---\nmore\n\nAuthorship: human\n".to_owned(), true),
        // One reader sees the statement twice (a Signed-off-by makes git
        // log take the divider and what follows as part of the block).
        ("Title\n\nAuthorship: human\nSigned-off-by: A <a@x>\n---\nAuthorship: human\n".to_owned(), true),
        // A `---` with nothing statement-like on either side is harmless.
        ("Title\n\nNotes\n---\nmore\n".to_owned(), false),
        // An indented one is no divider for git.
        ("Title\n\nNotes\n ---\nmore\n\nAuthorship: human\n".to_owned(), false),
    ] {
        assert_eq!(git_readers_disagree(&repo, &msg), refuse, "git: {msg:?}");
        assert_eq!(refused(&msg), refuse, "avow: {msg:?}");
    }
}

fn line() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Authorship: human\n",
        "Authorship: generated\n",
        "authorship: assisted\n",
        "Rationale: because\n",
        " continued\n",
        "Avow-Signature: v1 t=1 s=x\n",
        "Signed-off-by: A <a@x>\n",
        "Other: value\n",
        "prose line\n",
        "\n",
        "---\n",
        "--- \n",
        "---x\n",
        "# comment\n",
        "# ------------------------ >8 ------------------------\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn refused_exactly_when_gits_readers_disagree(lines in prop::collection::vec(line(), 0..14)) {
        let repo = TestRepo::new();
        let msg = format!("Title\n\n{}", lines.concat());
        prop_assert_eq!(refused(&msg), git_readers_disagree(&repo, &msg), "message: {:?}", msg);
    }

    /// Ordinary messages without a `---` line are never refused by it.
    #[test]
    fn never_without_a_divider(body in "[a-zA-Z :\n-]{0,200}") {
        let msg = format!("Title\n\n{body}\n\nAuthorship: human\nRationale: a reason\n");
        prop_assume!(!msg.lines().any(|l| l.starts_with("---")));
        prop_assert!(!refused(&msg), "{:?}", msg);
    }
}
