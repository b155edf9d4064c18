//! The marker data file: every entry is documented and is found by a commit
//! built from its own pattern; people named like agents are not.

use avow_core::trailer::{parse, ParseOptions};
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::markers::{MarkerEntry, MarkerKind, Markers};
use proptest::prelude::*;

const HUMAN: (&str, &str) = ("Alice Example", "alice@example.org");

fn commit(author: (&str, &str), committer: (&str, &str), message: &str) -> CommitFacts {
    CommitFacts {
        id: "0123456789abcdef0123456789abcdef01234567".into(),
        author: Ident { name: author.0.into(), email: author.1.into() },
        committer: Ident { name: committer.0.into(), email: committer.1.into() },
        subject: message.lines().next().unwrap_or("").into(),
        message: message.into(),
        trailers: parse(message, &ParseOptions::default()),
        ..CommitFacts::default()
    }
}

/// A concrete string for a wildcard pattern: every `*` becomes `fill`.
fn instance(pattern: &str, fill: &str) -> String {
    pattern.replace('*', fill)
}

/// A commit that carries `entry` and nothing else from the entry's own
/// pattern, or `None` for branch markers (which commits do not carry).
fn synthetic(entry: &MarkerEntry) -> Option<CommitFacts> {
    let p = entry.pattern.as_str();
    let body = "Make the retry loop back off exponentially\n\nThe client hammered the server after a 503.\n";
    Some(match entry.kind {
        MarkerKind::AuthorEmail => commit(("Some Agent", &instance(p, "x")), HUMAN, body),
        MarkerKind::CommitterEmail => commit(HUMAN, ("Some Agent", &instance(p, "x")), body),
        MarkerKind::BotLogin => {
            // As GitHub records an app's commit: numeric id + login.
            let email = format!("41898282+{p}@users.noreply.github.com");
            commit(("Some App", &email), HUMAN, body)
        }
        MarkerKind::Trailer => {
            let line = if p.contains(':') {
                instance(p, "Claude Opus 4.5 ")
            } else {
                format!("{p}: https://example.invalid/T-1")
            };
            commit(HUMAN, HUMAN, &format!("{body}\n{line}\n"))
        }
        MarkerKind::Footer => commit(HUMAN, HUMAN, &format!("{body}\n{}\n", instance(p, "abc"))),
        MarkerKind::SubjectPrefix => commit(HUMAN, HUMAN, &format!("{p}Make the retry loop back off\n\nBody.\n")),
        MarkerKind::NameSuffix => commit((&format!("Alice Example{p}"), HUMAN.1), HUMAN, body),
        MarkerKind::BranchPrefix => return None,
    })
}

#[test]
fn every_entry_is_documented_and_found_by_its_own_pattern() {
    let markers = Markers::builtin();
    assert!(!markers.entries().is_empty());
    for (i, entry) in markers.entries().iter().enumerate() {
        assert!(!entry.source.trim().is_empty(), "entry {} ({}) has no source", i + 1, entry.tool);
        let hits = match synthetic(entry) {
            Some(facts) => markers.scan(&facts),
            None => markers.scan_branch(&format!("{}some-task-1a2b", entry.pattern)),
        };
        assert!(
            hits.iter().any(|h| h.tool == entry.tool && h.kind == entry.kind.as_str() && h.source == entry.source),
            "entry {} ({}, {}, {:?}) is not found by a commit built from its pattern; hits: {hits:?}",
            i + 1,
            entry.tool,
            entry.kind,
            entry.pattern
        );
    }
}

#[test]
fn every_row_of_the_facts_table_is_covered() {
    let tools: Vec<&str> = Markers::builtin().entries().iter().map(|e| e.tool.as_str()).collect();
    for row in [
        "Claude Code",
        "Claude Code (web)",
        "Claude apps",
        "Copilot coding agent",
        "Copilot",
        "OpenAI Codex",
        "OpenAI Codex (cloud)",
        "Devin",
        "Google Jules",
        "Cursor",
        "Cursor cloud agent",
        "aider",
        "OpenHands",
        "Amp",
        "Replit Agent",
        "Sweep",
        "Amazon Q Developer",
        "Gemini Code Assist",
        "Mistral Vibe",
        "Qwen Code",
        "opencode",
    ] {
        assert!(tools.contains(&row), "no entry for {row}");
    }
}

#[test]
fn claude_code_commit_as_written_by_the_agent() {
    let message = "Add exponential backoff to the HTTP client\n\n\
        Retry idempotent requests up to five times with jittered backoff.\n\n\
        🤖 Generated with [Claude Code](https://claude.ai/code)\n\n\
        Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n";
    let hits = Markers::builtin().scan(&commit(HUMAN, HUMAN, message));
    let got: Vec<(&str, &str, &str)> =
        hits.iter().map(|h| (h.tool.as_str(), h.kind.as_str(), h.evidence.as_str())).collect();
    assert_eq!(
        got,
        [
            ("Claude Code", "trailer", "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"),
            ("Claude Code", "footer", "🤖 Generated with [Claude Code](https://claude.ai/code)"),
        ]
    );
}

#[test]
fn aider_commit() {
    let facts = commit(
        ("Alice Example (aider)", "alice@example.org"),
        ("Alice Example (aider)", "alice@example.org"),
        "aider: Handle empty config files\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>\n",
    );
    let kinds: Vec<String> = Markers::builtin().scan(&facts).into_iter().map(|h| h.kind).collect();
    assert_eq!(kinds, ["trailer", "name-suffix", "subject-prefix"]);
}

#[test]
fn people_named_like_agents_are_not_matched() {
    let markers = Markers::builtin();
    let shannon = commit(
        HUMAN,
        HUMAN,
        "Explain Claude Shannon's entropy bound in the docs\n\n\
         The compressor docs cite Claude Shannon (1948) and now say why the\n\
         bound holds. Thanks to Devin and Amp for the review; Jules tested it.\n\n\
         Co-authored-by: Claude Shannon <claude.shannon@bell-labs.example>\n\
         Signed-off-by: Alice Example <alice@example.org>\n",
    );
    assert_eq!(markers.scan(&shannon), []);
    let devin = commit(
        ("Devin Smith", "devin.smith@example.com"),
        ("Devin Smith", "devin.smith@example.com"),
        "Fix the Devin build on Windows\n\nReviewed-by: Amp Example <amp@example.net>\n",
    );
    assert_eq!(markers.scan(&devin), []);
    // A human whose GitHub login is `claude` (no `[bot]`).
    let login = commit(("Claude", "1234+claude@users.noreply.github.com"), HUMAN, "Fix typo\n");
    assert_eq!(markers.scan(&login), []);
    // `Replit-Commit-Author: User` marks a human's commit.
    let replit = commit(HUMAN, HUMAN, "Fix typo\n\nReplit-Commit-Author: User\n");
    assert_eq!(markers.scan(&replit), []);
}

#[test]
fn trailer_keys_must_start_a_line() {
    let quoted = commit(
        HUMAN,
        HUMAN,
        "Document agent trailers\n\nWe now strip lines like\n  Amp-Thread-ID: x\nand > Made-with: Cursor\n",
    );
    assert_eq!(Markers::builtin().scan(&quoted), []);
}

proptest! {
    #[test]
    fn scan_never_panics(name in ".*", email in ".*", message in ".*", branch in ".*") {
        let facts = commit((&name, &email), (&email, &name), &message);
        let _ = Markers::builtin().scan(&facts);
        let _ = Markers::builtin().scan_branch(&branch);
    }

    #[test]
    fn parse_never_panics(text in ".*") {
        let _ = Markers::parse(&text);
    }
}
