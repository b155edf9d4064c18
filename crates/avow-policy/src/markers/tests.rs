use super::*;
use crate::facts::{CommitFacts, Ident};

fn facts(author: (&str, &str), message: &str) -> CommitFacts {
    CommitFacts {
        author: Ident { name: author.0.into(), email: author.1.into() },
        committer: Ident { name: author.0.into(), email: author.1.into() },
        subject: message.lines().next().unwrap_or("").into(),
        message: message.into(),
        ..CommitFacts::default()
    }
}

#[test]
fn wildcard() {
    let w = Wildcard::new("*[bot]@users.noreply.github.com");
    assert!(w.is_match("49699333+dependabot[bot]@users.noreply.github.com"));
    assert!(w.is_match("Renovate[Bot]@users.noreply.github.com"));
    assert!(!w.is_match("dependabotb@users.noreply.github.com"));
    assert!(Wildcard::new("a*b*c").is_match("abc"));
    assert!(Wildcard::new("a*b*c").is_match("axxbyyc"));
    assert!(!Wildcard::new("a*b*c").is_match("acb"));
    assert!(!Wildcard::new("ab*ba").is_match("aba"));
    assert!(Wildcard::new("*").is_match(""));
    assert!(Wildcard::new("x@y").is_match("X@Y"));
    assert!(!Wildcard::new("x@y").is_match("x@yz"));
    assert!(Wildcard::new("🤖 *").is_match("🤖 Generated"));
}

/// A glob by definition: `*` any run, everything else itself, ASCII
/// case-insensitively, the whole input.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((c, rest)) => s.first().is_some_and(|d| c.eq_ignore_ascii_case(d)) && glob(rest, &s[1..]),
    }
}

proptest::proptest! {
    /// The compiled pattern (borrowed or owned, lowercase or not) matches
    /// what the definition does, as does its longest part.
    #[test]
    fn wildcard_is_a_glob(p in "[aAbB*@.]{0,8}", s in "[aAbB@.]{0,10}") {
        for w in [Wildcard::new(&p), Wildcard::from_text(std::borrow::Cow::Owned(p.clone()))] {
            proptest::prop_assert_eq!(w.is_match(&s), glob(p.as_bytes(), s.as_bytes()), "{:?} on {:?}", p, s);
            proptest::prop_assert!(p.to_ascii_lowercase().split('*').any(|part| part.as_bytes() == w.longest_part()));
        }
        let leaked: &'static str = Box::leak(p.clone().into_boxed_str());
        let w = Wildcard::from_text(std::borrow::Cow::Borrowed(leaked));
        proptest::prop_assert_eq!(w.is_match(&s), glob(p.as_bytes(), s.as_bytes()));
    }
}

#[test]
fn builtin_parses() {
    assert!(Markers::builtin().entries().len() > 30);
}

#[test]
fn claude_code_commit() {
    let m = "Add retry to the HTTP client\n\nRetries idempotent requests.\n\n\
             🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n\
             Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n";
    let hits = Markers::builtin().scan(&facts(("Bob", "bob@example.org"), m));
    let got: Vec<_> = hits.iter().map(|h| (h.kind.as_str(), h.evidence.as_str())).collect();
    assert_eq!(
        got,
        [
            ("identity", "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"),
            ("footer", "🤖 Generated with [Claude Code](https://claude.com/claude-code)"),
        ]
    );
}

#[test]
fn an_identity_given_again_shows_its_first_evidence() {
    // The agent is the author, and a parsed trailer and a message line
    // name it again: each identity marker shows the author, once.
    let m = "Fix typo\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
    let mut f = facts(("Claude", "noreply@anthropic.com"), m);
    f.trailers = avow_core::trailer::parse(m, &avow_core::trailer::ParseOptions::default());
    let hits = Markers::builtin().scan(&f);
    let identity: Vec<_> = hits.iter().filter(|h| h.kind == "identity").map(|h| h.evidence.as_str()).collect();
    assert_eq!(identity, ["author Claude <noreply@anthropic.com>"]);
    // A human author: the trailer as git parsed it comes first.
    let mut f = facts(("Bob", "bob@example.org"), m);
    f.trailers = avow_core::trailer::parse(m, &avow_core::trailer::ParseOptions::default());
    let hits = Markers::builtin().scan(&f);
    let identity: Vec<_> = hits.iter().filter(|h| h.kind == "identity").map(|h| h.evidence.as_str()).collect();
    assert_eq!(identity, ["Co-Authored-By: Claude <noreply@anthropic.com>"]);
}

#[test]
fn bot_identities_by_login_and_numeric_email() {
    let m = Markers::builtin();
    let f = facts(("claude[bot]", "209825114+claude[bot]@users.noreply.github.com"), "Fix typo\n");
    assert_eq!(m.scan(&f)[0].evidence, "author claude[bot] <209825114+claude[bot]@users.noreply.github.com>");
    let f = facts(("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"), "Fix typo\n");
    let kinds: Vec<_> = m.scan(&f).into_iter().map(|h| h.kind).collect();
    assert_eq!(kinds, ["identity", "bot-login"]);
    // A human whose GitHub login is `claude`.
    let f = facts(("Claude", "12345+claude@users.noreply.github.com"), "Fix typo\n");
    assert_eq!(m.scan(&f), []);
}

#[test]
fn people_named_like_agents_are_not_markers() {
    let m = "Cite Claude Shannon in the entropy docs\n\nAs Devin and Amp suggested.\n\n\
             Co-authored-by: Claude Shannon <claude@bell-labs.example>\n\
             Reviewed-by: Devin Smith <devin@smith.example>\n";
    assert_eq!(Markers::builtin().scan(&facts(("Devin Smith", "devin@smith.example"), m)), []);
    assert_eq!(Markers::builtin().scan_branch("claudette/fix"), []);
}

#[test]
fn branches() {
    let hits = Markers::builtin().scan_branch("refs/remotes/origin/copilot/fix-123");
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].tool.as_str(), hits[0].evidence.as_str()), ("Copilot coding agent", "copilot/fix-123"));
}

#[test]
fn bad_lists() {
    let bad = "version = 1\n[[marker]]\ntool = \"X\"\nkind = \"author-email\"\npattern = \"Claude\"\nsource = \"s\"\n";
    assert_eq!(
        Markers::parse(bad).unwrap_err().to_string(),
        "agent-markers.toml: entry 1 (X, author-email): \"Claude\" is not an email address (never match bare display names)"
    );
    let bad = "version = 1\n[[marker]]\ntool = \"X\"\nkind = \"colour\"\npattern = \"x\"\nsource = \"s\"\n";
    assert_eq!(
        Markers::parse(bad).unwrap_err().to_string(),
        "agent-markers.toml:4: unknown variant `colour`, expected one of `author-email`, `committer-email`, \
         `identity`, `name`, `bot-login`, `trailer`, `footer`, `subject-prefix`, `name-suffix`, `branch-prefix`, \
         `generic`"
    );
}

/// Every footer and bot-login entry of the list is found in any letter
/// case and wherever its line stands, through the scan's shortcuts (a
/// footer's longest piece searched in the whole message first; identities
/// that cannot be an app's never compared with the logins).
#[test]
fn footers_and_bot_logins_are_found_in_any_case_past_the_shortcuts() {
    let m = Markers::builtin();
    let flip = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect::<String>()
    };
    let signature = format!("Avow-Signature: v2 s={}", "Zm9vYmFy".repeat(40));
    for (i, e) in m.entries().iter().enumerate() {
        match e.kind {
            MarkerKind::Footer => {
                let line = e.pattern.replace('*', "x");
                for line in [line.clone(), flip(&line)] {
                    let message = format!("Subject\n\nBody text.\n\n  {line}  \n{signature}\n");
                    let hits = m.scan_all(&facts(("Bob", "bob@example.org"), &message));
                    assert!(
                        hits.iter().any(|h| h.source == e.source && h.evidence == line),
                        "entry {i} ({}) not found in {message:?}: {hits:?}",
                        e.pattern
                    );
                }
            }
            MarkerKind::BotLogin => {
                for name in [e.pattern.to_string(), flip(&e.pattern)] {
                    let hits = m.scan_all(&facts((&name, "someone@example.org"), "Fix\n"));
                    assert!(hits.iter().any(|h| h.kind == "bot-login"), "entry {i} ({name}) not found: {hits:?}");
                    let email = format!("12345+{name}@users.noreply.github.com");
                    let hits = m.scan_all(&facts(("Someone", &email), "Fix\n"));
                    assert!(hits.iter().any(|h| h.kind == "bot-login"), "entry {i} ({email}) not found: {hits:?}");
                }
            }
            _ => {}
        }
    }
}
