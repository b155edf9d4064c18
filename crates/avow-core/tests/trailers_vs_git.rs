//! avow's trailer reader against `git interpret-trailers --parse`, on many
//! messages: every one must agree, or the signature would bind something
//! other than what git shows.

use avow_core::trailer::{self, ParseOptions, Trailer};
use avow_testutil::TestRepo;
use proptest::prelude::*;

fn git_parse(repo: &TestRepo, message: &str) -> Vec<Trailer> {
    let out = repo.git_stdin(["interpret-trailers", "--parse"], message.as_bytes());
    String::from_utf8(out)
        .expect("git prints UTF-8 for UTF-8 input")
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(':').expect("git prints key: value");
            Trailer::new(k, v.strip_prefix(' ').unwrap_or(v))
        })
        .collect()
}

/// The message as a real commit (`git commit-tree` keeps it byte for
/// byte), read by git's other trailer reader, `git log
/// --format=%(trailers)`, which does not stop at a `---` line.
fn git_log_trailers(repo: &TestRepo, message: &str) -> Vec<Trailer> {
    let tree = repo.git(["hash-object", "-t", "tree", "/dev/null"]);
    let f = repo.scratch().join("log-msg");
    std::fs::write(&f, message).unwrap();
    let commit = repo.git(["commit-tree", &tree, "-F", f.to_str().unwrap()]);
    assert!(repo.git_stdin(["cat-file", "commit", &commit], b"").ends_with(message.as_bytes()));
    let out = repo.git(["log", "-1", "--format=%(trailers:only,unfold)", &commit]);
    out.lines()
        .map(|l| {
            let (k, v) = l.split_once(':').expect("git prints key: value");
            Trailer::new(k, v.strip_prefix(' ').unwrap_or(v))
        })
        .collect()
}

fn git_add(repo: &TestRepo, message: &str, key: &str, value: &str) -> String {
    let out = repo.git_stdin(
        [
            "-c",
            "trailer.ifexists=addIfDifferentNeighbor",
            "interpret-trailers",
            "--trailer",
            &format!("{key}: {value}"),
        ],
        message.as_bytes(),
    );
    String::from_utf8(out).unwrap()
}

const MESSAGES: &[&str] = &[
    "",
    "Title only",
    "Title only\n",
    "Title\n\nBody without trailers.\n",
    "Title\n\nKey: value\n",
    "Title\n\nKey: value",
    "Title\nKey: on the title paragraph\n",
    "Title\n\nBody.\n\nSigned-off-by: A <a@example.org>\n",
    "Title\n\nSigned-off-by: A <a@example.org>\nSome prose in the block\n",
    "Title\n\nprose one\nprose two\nprose three\nSigned-off-by: A <a@x>\n",
    "Title\n\nprose one\nprose two\nprose three\nprose four\nSigned-off-by: A <a@x>\n",
    "Title\n\nprose\nKey: value\n",
    "Title\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n",
    "Title\n\nprose\nprose\n(cherry picked from commit 0123456789abcdef)\n",
    "Title\n\nRationale: first line\n second line\n\tthird line\n",
    "Title\n\nRationale: first line\n    \n second after blank-ish\n",
    "Title\n\n continuation without a trailer\nKey: v\n",
    "Title\r\n\r\nAuthorship: human\r\nRationale: crlf\r\n",
    "Title\r\n\r\nRationale: wrapped\r\n  crlf\r\n",
    "Title\n\nKey: value   \nOther:   spaced   \n",
    "Title\n\nKey: value\n# a comment\nOther: x\n",
    "Title\n\nKey: value\n\n# Please enter the commit message\n# Lines starting with '#' are ignored\n",
    "Title\n\nKey: value\n---\n a/file | 2 +-\n",
    "Title\n\nKey: value\n--- \ndiff --git a/x b/x\n",
    "Title\n\nBody\n---not a divider\nKey: value\n",
    "Title\n\nKey: value\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\nFoo: bar\n",
    "Title\n\nUrl: https://example.org/a:b?c=d\nTime: 12:30:45\n",
    "Title\n\nKey : value\nOther\t: tabbed\n",
    "Title\n\nKey:value\nEmpty:\nEmpty2: \n",
    "Title\n\nFirst paragraph\nKey: value\n\nSecond paragraph is prose.\n",
    "Title\n\nA: 1\n\nB: 2\n",
    "Title\n\nA: 1\nnot a trailer\nB: 2\n",
    "Title\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    "Title\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
    "Titre accentué\n\nRaison: éèà — ünïcödé\nКлюч: значение\n",
    "Title\n\nKey with space: no\n",
    "Title\n\n-Dash: leading dash\n",
    "Title\n\nx: single char key\n",
    "Title\n\nConflicts:\n\tsrc/a.rs\n\tsrc/b.rs\n",
    "Title\n\nKey: v\n\nConflicts:\n\tsrc/a.rs\n",
    "\n\nTitle after blank lines\n\nKey: v\n",
    "# comment first\nTitle\n\nKey: v\n",
    "Title\n\nKey: v\n\n\n\n",
    "Title\n\nKey: v\n   \n",
    "Title\n\nLong: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "Title\n\nSigned-off-by: A <a@x>\n(cherry picked from commit abc)\nReviewed-by: B <b@x>\n",
    "Title\n\nAuthorship: human\nAuthorship: generated\n",
    "Title\n\nauthorship: human\nAUTHORSHIP: human\n",
    "Title\n\nBody mentions Avow-Signature: v1 in prose\n\nAuthorship: human\n",
    "Title\n\nKey: v\n\tcontinued with tab\n  and spaces\n",
    "Title\n\n\tindented first line\nKey: v\n",
    "Title\n\nKey: v\nNext: w\n continued\n# comment inside\n",
    "Subject line\nsecond subject line\n\nKey: v\n",
    "Title\n\nKey: v \\\n",
    "Title\n\nKey: a: b: c\n",
    "Title\n\n:no key\nKey: v\n",
    "Title\n\nKey: v\n#comment-no-space\n",
    "Title\n\nBody\n\nSigned-off-by: A <a@x>\nnot trailer 1\nnot trailer 2\nnot trailer 3\n",
    "Title\n\nBody\n\nSigned-off-by: A <a@x>\nnot trailer 1\nnot trailer 2\nnot trailer 3\nnot trailer 4\n",
    "Title\n\nRationale: ends without newline\n continued",
];

#[test]
fn parse_agrees_with_git_on_every_message() {
    let repo = TestRepo::new();
    let opts = ParseOptions::default();
    assert!(MESSAGES.len() >= 60);
    for msg in MESSAGES {
        assert_eq!(trailer::parse(msg, &opts), git_parse(&repo, msg), "message: {msg:?}");
    }
}

/// avow's `no_divider` reading is git's second reader, on real commits:
/// the `message.divider` rule compares the two, so both must be exact.
#[test]
fn no_divider_parse_agrees_with_git_log_on_real_commits() {
    let repo = TestRepo::new();
    let opts = ParseOptions { no_divider: true, ..ParseOptions::default() };
    let mut disagree = 0;
    for msg in MESSAGES {
        let ours = trailer::parse(msg, &opts);
        assert_eq!(ours, git_log_trailers(&repo, msg), "message: {msg:?}");
        let out = repo.git_stdin(["interpret-trailers", "--parse", "--no-divider"], msg.as_bytes());
        let flag = String::from_utf8(out).unwrap();
        let lines: Vec<String> = ours.iter().map(ToString::to_string).collect();
        assert_eq!(lines, flag.lines().collect::<Vec<_>>(), "message: {msg:?}");
        disagree += usize::from(ours != trailer::parse(msg, &ParseOptions::default()));
    }
    // The list holds messages on which the two readers part.
    assert!(disagree >= 2, "{disagree}");
}

#[test]
fn appending_agrees_with_git() {
    let repo = TestRepo::new();
    let opts = ParseOptions::default();
    let mut checked = 0;
    for msg in MESSAGES {
        // git cannot place trailers in an empty message the way a commit
        // would; those are never signed (the hook stops on an empty subject).
        if msg.trim().is_empty() {
            continue;
        }
        let ours = trailer::rewrite(msg, &opts, |_| true, &[Trailer::new("Avow-Test", "appended value")]);
        assert_eq!(ours, git_add(&repo, msg, "Avow-Test", "appended value"), "message: {msg:?}");
        checked += 1;
    }
    assert!(checked >= 20);
}

#[test]
fn subject_agrees_with_git_log() {
    let repo = TestRepo::new();
    let opts = ParseOptions::default();
    for msg in ["Plain subject\n\nBody\n", "Two line\nsubject\n\nBody\n", "  Padded subject  \n", "Subject\n"] {
        let f = repo.scratch().join("msg");
        std::fs::write(&f, msg).unwrap();
        repo.git(["commit", "-q", "--allow-empty", "--no-verify", "-F", f.to_str().unwrap()]);
        assert_eq!(trailer::subject(msg, &opts, false), repo.git(["log", "-1", "--format=%s"]), "{msg:?}");
    }
}

fn line_kind() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Key: value\n",
        "Signed-off-by: A <a@x>\n",
        "(cherry picked from commit abc)\n",
        " continuation\n",
        "\tcontinuation\n",
        "prose line\n",
        "\n",
        "# comment\n",
        "---\n",
        "Other : spaced\n",
        "Url: http://x:y\n",
        "Key:\r\n",
        "x\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn parse_agrees_with_git_on_random_messages(lines in prop::collection::vec(line_kind(), 0..12)) {
        let repo = TestRepo::new();
        let msg = format!("Title\n\n{}", lines.concat());
        prop_assert_eq!(trailer::parse(&msg, &ParseOptions::default()), git_parse(&repo, &msg), "message: {:?}", msg);
        let whole = ParseOptions { no_divider: true, ..ParseOptions::default() };
        prop_assert_eq!(trailer::parse(&msg, &whole), git_log_trailers(&repo, &msg), "message: {:?}", msg);
    }
}

proptest! {
    #[test]
    fn never_panics(body in "(?s).{0,300}", prefix in "[#;]{0,2}") {
        let msg = format!("Title\n\n{body}");
        let opts = ParseOptions { comment_prefix: prefix, no_divider: false };
        let _ = trailer::block(&msg, &opts);
        let _ = trailer::subject(&msg, &opts, true);
        let parsed = trailer::parse(&msg, &opts);
        let added = trailer::rewrite(&msg, &opts, |_| true, &[Trailer::new("Avow-Test", "v")]);
        let reparsed = trailer::parse(&added, &opts);
        prop_assert_eq!(reparsed.last(), Some(&Trailer::new("Avow-Test", "v")), "{:?}", added);
        // Whatever was a trailer stays one, with the same value.
        prop_assert_eq!(&reparsed[..reparsed.len() - 1], &parsed[..], "{:?}", added);
    }
}
