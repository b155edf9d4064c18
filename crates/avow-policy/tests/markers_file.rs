//! The marker data file: every entry is documented and is found by a commit
//! built from its own pattern; people named like agents are not.

use avow_core::trailer::{parse, ParseOptions};
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::markers::{MarkerClass, MarkerEntry, MarkerKind, Markers};
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

/// A commit that carries `entry`, built from the entry's own pattern
/// (branch markers: a merge whose subject names such a branch).
fn synthetic(entry: &MarkerEntry) -> CommitFacts {
    let p = &*entry.pattern;
    let body = "Make the retry loop back off exponentially\n\nThe client hammered the server after a 503.\n";
    match entry.kind {
        MarkerKind::AuthorEmail => commit(("Some Tool", &instance(p, "x")), HUMAN, body),
        MarkerKind::Identity => {
            commit(HUMAN, HUMAN, &format!("{body}\nCo-authored-by: Some Tool <{}>\n", instance(p, "x")))
        }
        MarkerKind::Name => commit((p, "someone@example.org"), HUMAN, body),
        MarkerKind::Generic => match p {
            "emoji-generated-footer" => commit(HUMAN, HUMAN, &format!("{body}\n🦊 Generated with Foxcode\n")),
            "agent-account" => commit(("builder-agent", "builder-agent@example.org"), HUMAN, body),
            "ai-bot-login" => commit(("some-ai[bot]", "1+some-ai[bot]@users.noreply.github.com"), HUMAN, body),
            "vendor-noreply" => {
                commit(HUMAN, HUMAN, &format!("{body}\nCo-authored-by: Foxcode <noreply@foxcode.dev>\n"))
            }
            other => panic!("no synthetic commit for the generic rule {other}"),
        },
        MarkerKind::CommitterEmail => commit(HUMAN, ("Some Tool", &instance(p, "x")), body),
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
        MarkerKind::BranchPrefix => {
            let mut merge =
                commit(HUMAN, HUMAN, &format!("Merge pull request #74 from org/{p}some-task-1a2b\n\n{body}"));
            merge.parent_count = 2;
            merge
        }
    }
}

#[test]
fn every_entry_is_documented_and_found_by_its_own_pattern() {
    let markers = Markers::builtin();
    assert!(!markers.entries().is_empty());
    for (i, entry) in markers.entries().iter().enumerate() {
        assert!(
            entry.source.starts_with("https://") && !entry.source.contains(char::is_whitespace),
            "entry {} ({}) does not cite a public URL: {:?}",
            i + 1,
            entry.tool,
            entry.source
        );
        let facts = synthetic(entry);
        let hits = markers.scan_all(&facts);
        if entry.kind == MarkerKind::BranchPrefix {
            let branch = markers.scan_branch(&format!("{}some-task-1a2b", entry.pattern));
            assert!(branch.iter().any(|h| h.tool == entry.tool), "entry {} not found in a branch name", i + 1);
        }
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
    let tools: Vec<&str> = Markers::builtin().entries().iter().map(|e| &*e.tool).collect();
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
        "Gemini CLI",
        "Crush",
        "termai",
        "Factory Droid",
        "Sisyphus (oh-my-opencode)",
        "claude-flow",
        "CodeRabbit",
        "Copilot Autofix",
        "Dependabot",
        "Renovate",
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
            ("Claude Code", "identity", "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"),
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
    assert_eq!(kinds, ["identity", "name-suffix", "subject-prefix"]);
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

fn tools(facts: &CommitFacts) -> Vec<(String, String)> {
    Markers::builtin().scan(facts).into_iter().map(|h| (h.tool, h.kind)).collect()
}

#[test]
fn agents_as_author_or_committer_are_matched() {
    let claude = commit(("Claude", "noreply@anthropic.com"), ("Claude", "noreply@anthropic.com"), "Fix typo\n");
    assert_eq!(tools(&claude), [("Claude Code".to_owned(), "identity".to_owned())]);
    let cursor = commit(HUMAN, ("Cursor Agent", "cursoragent@cursor.com"), "Fix typo\n");
    assert_eq!(Markers::builtin().scan(&cursor)[0].evidence, "committer Cursor Agent <cursoragent@cursor.com>");
    let codex = commit(("Codex", "someone@gmail.example"), ("Codex", "someone@gmail.example"), "Fix typo\n");
    assert_eq!(tools(&codex), [("OpenAI Codex".to_owned(), "name".to_owned())]);
}

#[test]
fn merge_subjects_name_agent_branches() {
    let mut merge = commit(HUMAN, HUMAN, "Merge pull request #74 from org/devin/1712345678-fix-login\n\nFix login\n");
    merge.parent_count = 2;
    assert_eq!(tools(&merge), [("Devin".to_owned(), "branch-prefix".to_owned())]);
    let mut local = commit(HUMAN, HUMAN, "Merge branch 'claude/design-task-symbols' into main\n");
    local.parent_count = 2;
    assert_eq!(tools(&local), [("Claude Code".to_owned(), "branch-prefix".to_owned())]);
    // Branches that only start like an agent's word, and the target branch.
    for subject in [
        "Merge pull request #232 from mitchellh/cursor-vis",
        "Merge pull request #9 from ruvnet/claude-code-integration",
        "Merge branch 'main' into claude/x",
        "Merge pull request #3 from meimingqi222/feat/copilot-billing",
    ] {
        let mut m = commit(HUMAN, HUMAN, &format!("{subject}\n"));
        m.parent_count = 2;
        assert_eq!(tools(&m), [], "{subject}");
    }
}

#[test]
fn generic_rules_catch_unlisted_agents_only() {
    let footer = commit(HUMAN, HUMAN, "Add a cache\n\nBody.\n\n🦊 Generated with Foxcode\n");
    assert_eq!(tools(&footer), [("unlisted agent".to_owned(), "generic".to_owned())]);
    let account = commit(("joestump-agent", "agent@stump.example"), HUMAN, "Fix typo\n");
    assert_eq!(tools(&account), [("unlisted agent".to_owned(), "generic".to_owned())]);
    let noreply = commit(HUMAN, HUMAN, "Fix typo\n\nCo-authored-by: Foxcode <noreply@foxcode.dev>\n");
    assert_eq!(tools(&noreply), [("unlisted agent".to_owned(), "generic".to_owned())]);
    let bot = commit(("foxcode-ai[bot]", "1+foxcode-ai[bot]@users.noreply.github.com"), HUMAN, "Fix typo\n");
    assert_eq!(tools(&bot), [("unlisted agent".to_owned(), "generic".to_owned())]);
    // A listed agent: the generic rules stay silent.
    let listed = commit(HUMAN, HUMAN, "Fix\n\n💘 Generated with Crush\n\nCo-Authored-By: Crush <crush@charm.land>\n");
    assert!(tools(&listed).iter().all(|(t, _)| t == "Crush"), "{:?}", tools(&listed));
    // Look-alikes that are people, forges or scripts.
    for (who, message) in [
        (("Alice", "alice@example.org"), "Regenerate bindings\n\nGenerated with ./scripts/gen.sh\n"),
        (("Dhairya Joshi", "1+TheRAWagent@users.noreply.github.com"), "Fix typo\n"),
        (("truffle", "truffleagent@gmail.example"), "Fix typo\n"),
        (("Alice", "alice@example.org"), "Merge\n\nCo-authored-by: GitHub <noreply@github.com>\n"),
        (("Alice", "alice@example.org"), "Translate\n\nCo-authored-by: Weblate <noreply@weblate.org>\n"),
        (("Your Name", "noreply@example.com"), "Fix typo\n"),
        (("Tim Culverhouse", "tfc@ampcode.com"), "Fix typo\n\nCo-authored-by: Tim Culverhouse <tfc@ampcode.com>\n"),
    ] {
        let c = commit(who, ("GitHub", "noreply@github.com"), message);
        assert_eq!(tools(&c), [], "{who:?} {message:?}");
    }
}

#[test]
fn ordinary_bots_are_automation_not_ai() {
    let dependabot = commit(
        ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        ("GitHub", "noreply@github.com"),
        "Bump serde from 1.0.1 to 1.0.2\n",
    );
    assert_eq!(Markers::builtin().scan(&dependabot), []);
    let all = Markers::builtin().scan_all(&dependabot);
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].tool.as_str(), all[0].class), ("Dependabot", MarkerClass::Automation));
}

#[test]
fn a_disclosure_is_a_marker_unless_an_avow_statement_declares_it() {
    let bare = commit(HUMAN, HUMAN, "Fix typo\n\nAssisted-by: Crush:glm-5.2\n");
    assert_eq!(tools(&bare), [("AI disclosure (Linux kernel)".to_owned(), "trailer".to_owned())]);
    let attested = commit(HUMAN, HUMAN, "Fix typo\n\nAuthorship: assisted\nAssisted-by: Crush:glm-5.2\n");
    assert_eq!(tools(&attested), []);
}

#[test]
fn sweeps_nightly_bot_with_an_id_only_noreply_email() {
    let m = "Update docs\n\nCo-authored-by: sweep-nightly[bot] <135734467+sweep-nightly@users.noreply.github.com>\n";
    assert_eq!(tools(&commit(HUMAN, HUMAN, m)), [("Sweep".to_owned(), "bot-login".to_owned())]);
    // A person whose login is `sweep-nightly` would have no `[bot]` name.
    let person = commit(("Sam", "135734467+sweep-nightly@users.noreply.github.com"), HUMAN, "Fix typo\n");
    assert_eq!(tools(&person), []);
}

#[test]
fn a_project_adds_its_own_markers() {
    let extra: Vec<MarkerEntry> = vec![MarkerEntry {
        tool: "Our review bot".into(),
        kind: MarkerKind::Identity,
        pattern: "*@bots.example.org".into(),
        source: "https://example.org/bots".into(),
        class: MarkerClass::Agent,
        note: None,
    }];
    let markers = Markers::builtin().with_extra(&extra).unwrap();
    let c = commit(HUMAN, HUMAN, "Fix typo\n\nCo-authored-by: Reviewer <r2@bots.example.org>\n");
    assert_eq!(markers.scan(&c)[0].tool, "Our review bot");
    assert_eq!(Markers::builtin().scan(&c), []);
}

proptest! {
    #[test]
    fn scan_never_panics(name in ".*", email in ".*", message in ".*", branch in ".*") {
        let facts = commit((&name, &email), (&email, &name), &message);
        let _ = Markers::builtin().scan(&facts);
        let _ = Markers::builtin().scan_branch(&branch);
    }

    #[test]
    fn merge_subjects_and_generic_rules_never_panic(
        subject in "Merge (pull request #[0-9]{0,3} from |branch '|remote-tracking branch ')?.{0,40}",
        line in "\\PC{0,3}[Gg]enerated with .{0,20}",
        who in ".{0,20}(\\[bot\\])?",
        email in "([0-9]{1,4}\\+)?.{0,12}(@users\\.noreply\\.github\\.com|@.{0,10})?",
    ) {
        let _ = avow_policy::markers::merged_branch(&subject);
        let mut facts = commit((&who, &email), (&who, &email), &format!("{subject}\n\n{line}\nCo-authored-by: {who} <{email}>\n"));
        facts.parent_count = 2;
        let _ = Markers::builtin().scan_all(&facts);
    }

    #[test]
    fn parse_never_panics(text in ".*") {
        let _ = Markers::parse(&text);
    }
}
