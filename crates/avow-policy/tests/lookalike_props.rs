//! `message.lookalike-trailer` on ordinary text: messages in many scripts,
//! with the trailers projects use, are never refused, and neither is a real
//! statement trailer however git allows it to be spelled.

use avow_policy::facts::CommitFacts;
use avow_policy::findings::MESSAGE_LOOKALIKE_TRAILER;
use proptest::prelude::*;

fn lookalike(message: &str) -> bool {
    let facts = CommitFacts { message: message.to_owned(), ..CommitFacts::default() };
    avow_policy::text::check(&facts).iter().any(|f| f.rule == MESSAGE_LOOKALIKE_TRAILER.id)
}

/// Words and trailers of ordinary commit messages, in several scripts. No
/// statement key is among them: followed by a fullwidth colon, or after a
/// no-break space, it would be one of the attacks.
fn word() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Fix",
        "the",
        "parser",
        "author",
        "ship",
        "rational",
        "reason:",
        "because",
        "assisted",
        "by",
        "understood",
        "signature",
        "avow",
        "Authors:",
        "note:",
        "é",
        "Ünïcödé",
        "naïve",
        "Straße",
        "Привет",
        "мир",
        "Αλφα",
        "βήτα",
        "Բարեւ",
        "աշխարհ",
        "日本語",
        "テスト",
        "中文",
        "עברית",
        "العربية",
        "—",
        "–",
        "…",
        "«",
        "»",
        "“",
        "”",
        "·",
        "•",
        ":",
        "：",
        "∶",
        "-",
        "\u{a0}",
        "\t",
        "  ",
        "1.",
        "2)",
        "TODO:",
        "See:",
        "Note:",
        "http://x.org/a:b",
        "12:30",
    ])
}

fn trailer() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Signed-off-by: Alice <a@example.org>",
        "Co-authored-by: Bob <b@example.org>",
        "Reviewed-by: Carol <c@example.org>",
        "Fixes: #123",
        "Closes: https://example.org/issues/4",
        "Change-Id: I0123456789abcdef",
        "Auteur: Éloïse",
        "Автор: Иван",
        "Assisted-by-tooling: none",
        "Authorships: plural",
    ])
}

proptest! {
    #[test]
    fn ordinary_messages_are_not_refused(
        lines in prop::collection::vec(prop::collection::vec(word(), 0..10), 0..8),
        trailers in prop::collection::vec(trailer(), 0..4),
    ) {
        let body: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
        let msg = format!("Title\n\n{}\n\n{}\n", body.join("\n"), trailers.join("\n"));
        prop_assert!(!lookalike(&msg), "{:?}", msg);
    }

    #[test]
    fn real_statement_trailers_are_not_refused(
        key in prop::sample::select(vec!["Authorship", "Assisted-by", "Rationale", "Understood-by", "Avow-Signature"]),
        upper in prop::collection::vec(any::<bool>(), 14),
        space in "[ \t]{0,3}",
        value in "[ -~]{0,40}",
        indent in "[ \t]{0,4}",
    ) {
        let key: String = key.chars().zip(upper).map(|(c, u)| if u { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect();
        // Indented: a statement quoted in a squash or revert message.
        let msg = format!("Title\n\nBody.\n\n{indent}{key}{space}: {value}\n");
        prop_assert!(!lookalike(&msg), "{:?}", msg);
    }
}
