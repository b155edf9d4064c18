//! Every preset and every policy option: one commit that passes, one that
//! fails with the finding naming the rule; policy file errors; presets'
//! TOML text.

use std::path::Path;

use avow_core::attestation::Statement;
use avow_core::trailer::{parse, ParseOptions};
use avow_policy::facts::{ChangeStats, CommitFacts, Ident};
use avow_policy::findings::{
    AUTHORSHIP_ALLOWED, AUTHORSHIP_ASSISTED_BY_FORMAT, AUTHORSHIP_MISMATCH, DCO_REQUIRED, KEYS_TYPES, MARKERS_REFUSE,
    NEWCOMER_AUTHORSHIP, NEWCOMER_MAX_LINES, RATIONALE_BOILERPLATE, RATIONALE_MIN_LENGTH, RATIONALE_REJECT_REUSE,
    RATIONALE_REJECT_SUBJECT_COPY, SIZE_MAX_FILES, SIZE_MAX_LINES, UNDERSTOOD_BY,
};
use avow_policy::policy::{Finding, MergeMode, Policy, Severity, UnderstoodBy};
use proptest::prelude::*;

const ALICE: (&str, &str) = ("Alice Example", "alice@example.org");
const SUBJECT: &str = "http: back off exponentially when the server answers 503";
const BODY: &str = "The client retried a 503 at once, up to ten times in a row.";
const RATIONALE: &str = "Rationale: Retrying a 503 at once overloads a server that is recovering; waiting 2^n seconds with jitter spreads the retries out.";
const ALICE_UNDERSTOOD: &str = "Understood-by: Alice Example <alice@example.org>";
const ALICE_SOB: &str = "Signed-off-by: Alice Example <alice@example.org>";

fn message(subject: &str, trailers: &[&str]) -> String {
    format!("{subject}\n\n{BODY}\n\n{}\n", trailers.join("\n"))
}

fn commit_by(author: (&str, &str), message: &str) -> CommitFacts {
    let trailers = parse(message, &ParseOptions::default());
    let statement = Statement::from_trailers(&trailers).ok();
    CommitFacts {
        id: "4f1c2a9e0b7d3c5a8e6f1d2b3c4a5e6f7a8b9c0d".into(),
        author: Ident { name: author.0.into(), email: author.1.into() },
        committer: Ident { name: author.0.into(), email: author.1.into() },
        subject: message.lines().next().unwrap().into(),
        message: message.into(),
        trailers,
        statement,
        parent_count: 1,
        change: ChangeStats {
            lines_added: 40,
            lines_removed: 12,
            paths: vec!["src/http/client.rs".into()],
            kept: Vec::new(),
        },
        author_time: 1_764_000_000,
    }
}

fn commit(trailers: &[&str]) -> CommitFacts {
    commit_by(ALICE, &message(SUBJECT, trailers))
}

fn human() -> CommitFacts {
    commit(&["Authorship: human", ALICE_UNDERSTOOD, RATIONALE, ALICE_SOB])
}

fn assisted() -> CommitFacts {
    commit(&["Authorship: assisted", "Assisted-by: Claude:claude-sonnet-4-5 rg", ALICE_UNDERSTOOD, RATIONALE])
}

fn generated() -> CommitFacts {
    commit(&["Authorship: generated", "Assisted-by: Codex:gpt-5-codex", ALICE_UNDERSTOOD, RATIONALE])
}

fn with_rationale(rationale: &str) -> CommitFacts {
    let line = format!("Rationale: {rationale}");
    commit(&["Authorship: human", ALICE_UNDERSTOOD, &line])
}

fn policy(toml: &str) -> Policy {
    Policy::parse(&format!("version = 1\n{toml}"), Path::new(".avow/policy.toml")).unwrap()
}

fn check(p: &Policy, facts: &CommitFacts) -> Vec<Finding> {
    assert!(
        facts.statement.is_some() || !facts.message.contains("Authorship:"),
        "test commit's statement is malformed"
    );
    p.check(facts, &p.markers())
}

fn deny(rule: &str, message: &str) -> Finding {
    Finding { rule: rule.into(), severity: Severity::Deny, message: message.into() }
}

fn warn(rule: &str, message: &str) -> Finding {
    Finding { rule: rule.into(), severity: Severity::Warn, message: message.into() }
}

const CLAUDE_MSG: &str = "Add exponential backoff to the HTTP client\n\n\
    Retry idempotent requests up to five times with jittered backoff.\n\n\
    🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n\
    Authorship: human\n\
    Understood-by: Alice Example <alice@example.org>\n\
    Rationale: Retrying a 503 at once overloads a server that is recovering; back off instead.\n\
    Co-Authored-By: Claude <noreply@anthropic.com>\n\
    Signed-off-by: Alice Example <alice@example.org>\n";

// ---- presets --------------------------------------------------------------

#[test]
fn preset_disclose() {
    let p = Policy::preset("disclose").unwrap();
    for ok in [human(), assisted(), generated()] {
        assert_eq!(check(&p, &ok), []);
    }
    // Agent markers are not refused: disclosure is what counts; beside a
    // `human` claim they are a warning (authorship.mismatch).
    let mismatch = check(&p, &commit_by(ALICE, CLAUDE_MSG));
    assert_eq!(
        mismatch.iter().map(|f| (f.rule.as_str(), f.severity)).collect::<Vec<_>>(),
        [(AUTHORSHIP_MISMATCH.id, Severity::Warn)]
    );
    let bad = commit(&["Authorship: assisted", "Assisted-by: GitHub Copilot", ALICE_UNDERSTOOD, RATIONALE]);
    assert_eq!(
        check(&p, &bad),
        [deny(
            AUTHORSHIP_ASSISTED_BY_FORMAT.id,
            "`Assisted-by: GitHub Copilot` is not in the kernel format AGENT_NAME:MODEL_VERSION [TOOL1] [TOOL2], e.g. `Assisted-by: Claude:claude-sonnet-4-5 coccinelle`"
        )]
    );
}

#[test]
fn preset_no_ai() {
    let p = Policy::preset("no-ai").unwrap();
    assert_eq!(check(&p, &human()), []);
    assert_eq!(
        check(&p, &assisted()),
        [
            deny(AUTHORSHIP_ALLOWED.id, "`Authorship: assisted` is not accepted by this project (allowed: human); submit only changes made that way, and declare them honestly"),
            deny(DCO_REQUIRED.id, "no `Signed-off-by:` trailer; the author <alice@example.org> must certify the DCO: `git commit --amend --signoff`"),
        ]
    );
    // Declared human, but the agent's own marks say otherwise.
    assert_eq!(
        check(&p, &commit_by(ALICE, CLAUDE_MSG)),
        [
            deny(MARKERS_REFUSE.id, "Claude Code marker (identity `Co-Authored-By: Claude <noreply@anthropic.com>`): this project refuses AI-agent contributions; submit only work you wrote yourself, without the agent's trailers or identity"),
            deny(MARKERS_REFUSE.id, "Claude Code marker (footer `🤖 Generated with [Claude Code](https://claude.com/claude-code)`): this project refuses AI-agent contributions; submit only work you wrote yourself, without the agent's trailers or identity"),
        ]
    );
}

#[test]
fn preset_no_autonomous() {
    let p = Policy::preset("no-autonomous").unwrap();
    assert_eq!(check(&p, &human()), []);
    assert_eq!(check(&p, &assisted()), []);
    assert_eq!(
        check(&p, &generated()),
        [deny(AUTHORSHIP_ALLOWED.id, "`Authorship: generated` is not accepted by this project (allowed: human, assisted); submit only changes made that way, and declare them honestly")]
    );
}

#[test]
fn presets_toml_text_parses_to_the_preset() {
    for name in Policy::PRESETS {
        let text = Policy::preset_toml(name).unwrap();
        assert!(text.starts_with(&format!("# avow policy (.avow/policy.toml), preset \"{name}\".")));
        assert_eq!(
            Policy::parse(text, Path::new(".avow/policy.toml")).unwrap(),
            Policy::preset(name).unwrap(),
            "{name}"
        );
    }
    assert_eq!(Policy::default(), Policy::preset("disclose").unwrap());
}

#[test]
fn unknown_preset() {
    let msg = "unknown preset `no-llm`; known presets: no-ai, disclose, no-autonomous";
    assert_eq!(Policy::preset("no-llm").unwrap_err().to_string(), msg);
    assert_eq!(Policy::preset_toml("no-llm").unwrap_err().to_string(), msg);
}

// ---- options --------------------------------------------------------------

#[test]
fn authorship_allowed() {
    let p = policy("[authorship]\nallowed = [\"human\", \"generated\"]\n");
    assert_eq!(check(&p, &generated()), []);
    assert_eq!(
        check(&p, &assisted()),
        [deny(AUTHORSHIP_ALLOWED.id, "`Authorship: assisted` is not accepted by this project (allowed: human, generated); submit only changes made that way, and declare them honestly")]
    );
}

#[test]
fn assisted_by_format() {
    let odd = commit(&["Authorship: assisted", "Assisted-by: Claude Code (Opus 4.5)", ALICE_UNDERSTOOD, RATIONALE]);
    let free = policy("[authorship]\nassisted-by-format = \"free\"\n");
    assert_eq!(check(&free, &odd), []);
    let kernel = policy("[authorship]\nassisted-by-format = \"kernel\"\n");
    assert_eq!(check(&kernel, &assisted()), []);
    assert_eq!(
        check(&kernel, &odd),
        [deny(
            AUTHORSHIP_ASSISTED_BY_FORMAT.id,
            "`Assisted-by: Claude Code (Opus 4.5)` is not in the kernel format AGENT_NAME:MODEL_VERSION [TOOL1] [TOOL2], e.g. `Assisted-by: Claude:claude-sonnet-4-5 coccinelle`"
        )]
    );
}

#[test]
fn markers_refuse() {
    let p = policy("[markers]\nrefuse = true\n");
    assert_eq!(check(&p, &human()), []);
    let copilot = commit_by(
        ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
        &message("Fix flaky retry test", &["Co-authored-by: Alice Example <alice@example.org>"]),
    );
    let got = check(&p, &copilot);
    assert_eq!(
        got[0],
        deny(MARKERS_REFUSE.id, "Copilot coding agent marker (identity `author copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>`): this project refuses AI-agent contributions; submit only work you wrote yourself, without the agent's trailers or identity")
    );
    assert_eq!(got.len(), 2, "identity, bot-login: {got:?}");
    // Off: markers are information for `report`, not a rule.
    assert_eq!(check(&policy("[markers]\nrefuse = false\n"), &copilot), []);
}

#[test]
fn adoption_since_and_merges_are_exposed() {
    let p = policy("merges = \"require\"\n[adoption]\nsince = \"v2.4.0\"\n");
    assert_eq!(p.adoption.since.as_deref(), Some("v2.4.0"));
    assert_eq!(p.merges, MergeMode::Require);
    let d = Policy::default();
    assert_eq!((d.adoption.since, d.merges), (None, MergeMode::Skip));
}

#[test]
fn exempt_emails() {
    let p = policy("[exempt]\nemails = [\"49699333+dependabot[bot]@users.noreply.github.com\", \"*[bot]@users.noreply.github.com\", \"release@example.org\"]\n");
    assert!(p.is_exempt("49699333+Dependabot[bot]@users.noreply.github.com"));
    assert!(p.is_exempt("29139614+renovate[bot]@users.noreply.github.com"));
    assert!(p.is_exempt("RELEASE@example.org"));
    assert!(!p.is_exempt("alice@example.org"));
    assert!(!p.is_exempt("renovateb@users.noreply.github.com"), "brackets are literal, not a character class");
    assert!(!Policy::default().is_exempt("49699333+dependabot[bot]@users.noreply.github.com"));
}

#[test]
fn dco_required() {
    let p = policy("[dco]\nrequired = true\n");
    assert_eq!(check(&p, &human()), []);
    // The DCO app accepts a case-insensitive email match; so does avow.
    let upper =
        commit(&["Authorship: human", ALICE_UNDERSTOOD, RATIONALE, "Signed-off-by: A. Example <Alice@Example.org>"]);
    assert_eq!(check(&p, &upper), []);
    let other =
        commit(&["Authorship: human", ALICE_UNDERSTOOD, RATIONALE, "Signed-off-by: Bob Other <bob@example.org>"]);
    assert_eq!(
        check(&p, &other),
        [deny(DCO_REQUIRED.id, "`Signed-off-by: Bob Other <bob@example.org>` is not the author <alice@example.org>; the author must sign off: `git commit --amend --signoff`")]
    );
    assert_eq!(check(&policy("[dco]\nrequired = false\n"), &other), []);
}

#[test]
fn understood_by() {
    let by_maintainer = commit(&["Authorship: human", "Understood-by: Bob Maintainer <bob@example.org>", RATIONALE]);
    let keyring = policy("understood-by = \"keyring\"\n");
    assert_eq!(keyring.understood_by, UnderstoodBy::Keyring);
    assert_eq!(check(&keyring, &by_maintainer), []);
    let author = policy("understood-by = \"author\"\n");
    assert_eq!(check(&author, &human()), []);
    let mixed_case = commit(&["Authorship: human", "Understood-by: Alice <ALICE@example.org>", RATIONALE]);
    assert_eq!(check(&author, &mixed_case), []);
    assert_eq!(
        check(&author, &by_maintainer),
        [deny(UNDERSTOOD_BY.id, "`Understood-by: Bob Maintainer <bob@example.org>` is not the commit author <alice@example.org>; the author must vouch for their own change (or the policy must set understood-by = \"keyring\")")]
    );
}

#[test]
fn rationale_min_length() {
    let p = policy("[rationale]\nmin-length = 40\nboilerplate = []\n");
    assert_eq!(check(&p, &human()), []);
    assert_eq!(
        check(&p, &with_rationale("Avoids hammering the   server.")),
        [deny(RATIONALE_MIN_LENGTH.id, "the rationale has 28 characters, fewer than the 40 required; say in your own words why the change is needed and how it works")]
    );
    assert_eq!(check(&policy("[rationale]\nmin-length = 0\n"), &with_rationale("Avoids hammering.")), []);
}

#[test]
fn rationale_reject_subject_copy() {
    let p = policy("[rationale]\nreject-subject-copy = true\n");
    assert_eq!(check(&p, &human()), []);
    let copy = with_rationale("Back off exponentially when the server answers 503.");
    assert_eq!(
        check(&p, &copy),
        [deny(
            RATIONALE_REJECT_SUBJECT_COPY.id,
            "the rationale repeats the subject; say why the change is needed and how it works, not what it is"
        )]
    );
    assert_eq!(check(&policy("[rationale]\nreject-subject-copy = false\n"), &copy), []);
}

#[test]
fn rationale_boilerplate() {
    let default = Policy::default();
    assert_eq!(check(&default, &human()), []);
    assert_eq!(
        check(&default, &with_rationale("Implemented the requested changes.")),
        [deny(RATIONALE_BOILERPLATE.id, "the rationale is the boilerplate \"implemented the requested changes\"; say in your own words why the change is needed and how it works")]
    );
    let custom = policy("[rationale]\nboilerplate = [\"Per the ticket's instructions\"]\n");
    assert_eq!(check(&custom, &with_rationale("Implemented the requested changes.")), []);
    assert_eq!(
        check(&custom, &with_rationale("per the ticket's instructions!")),
        [deny(RATIONALE_BOILERPLATE.id, "the rationale is the boilerplate \"Per the ticket's instructions\"; say in your own words why the change is needed and how it works")]
    );
}

#[test]
fn rationale_reject_reuse() {
    let p = policy("[rationale]\nreject-reuse = true\n");
    let r = "Retrying a 503 at once overloads a recovering server.";
    let range = [
        ("1111111111111111111111111111111111111111", "alice@example.org", r),
        ("2222222222222222222222222222222222222222", "bob@example.org", r),
        ("3333333333333333333333333333333333333333", "alice@example.org", "A different reason, in her own words."),
    ];
    assert_eq!(p.check_reuse(range), []);
    let reused = [
        ("1111111111111111111111111111111111111111", "alice@example.org", r),
        (
            "2222222222222222222222222222222222222222",
            "ALICE@example.org",
            "retrying a 503 at once overloads a recovering server",
        ),
    ];
    assert_eq!(
        p.check_reuse(reused),
        [(
            "2222222222222222222222222222222222222222",
            deny(RATIONALE_REJECT_REUSE.id, "<ALICE@example.org> gave the same rationale on commit 111111111111; describe this change in its own words")
        )]
    );
    assert_eq!(policy("[rationale]\nreject-reuse = false\n").check_reuse(reused), []);
}

fn sized(lines: usize, files: usize, first: &str) -> CommitFacts {
    let mut f = human();
    f.change.lines_added = lines;
    f.change.lines_removed = 0;
    f.change.paths = std::iter::once(first.to_owned()).chain((1..files).map(|i| format!("src/f{i}.rs"))).collect();
    f
}

#[test]
fn size_limits_and_action() {
    let p = policy("[size]\nmax-lines = 400\nmax-files = 10\n");
    assert_eq!(check(&p, &sized(400, 10, "src/a.rs")), []);
    let big = sized(812, 31, "src/a.rs");
    assert_eq!(
        check(&p, &big),
        [
            warn(SIZE_MAX_LINES.id, "812 changed lines, more than the 400 allowed; split the change into smaller commits that can be reviewed on their own"),
            warn(SIZE_MAX_FILES.id, "31 changed files, more than the 10 allowed; split the change into smaller commits that can be reviewed on their own"),
        ]
    );
    let p = policy("[size]\nmax-lines = 400\naction = \"deny\"\n");
    assert_eq!(
        check(&p, &big),
        [deny(SIZE_MAX_LINES.id, "812 changed lines, more than the 400 allowed; split the change into smaller commits that can be reviewed on their own")]
    );
}

const CRYPTO: &str = "[[path]]\nglob = \"crypto/**\"\n";

#[test]
fn path_authorship() {
    let p = policy(&format!("{CRYPTO}authorship = [\"human\"]\n"));
    let mut ok = assisted();
    ok.change.paths = vec!["docs/retry.md".into()];
    assert_eq!(check(&p, &ok), []);
    let mut bad = assisted();
    bad.change.paths = vec!["src/http/client.rs".into(), "crypto/aes/gcm.c".into()];
    assert_eq!(
        check(&p, &bad),
        [deny(
            "path[crypto/**].authorship",
            "`Authorship: assisted` is not accepted for changes to crypto/** (crypto/aes/gcm.c); allowed there: human"
        )]
    );
}

#[test]
fn path_size() {
    let p = policy(&format!("{CRYPTO}max-lines = 200\nmax-files = 2\n"));
    assert_eq!(check(&p, &sized(500, 5, "src/a.rs")), []);
    assert_eq!(check(&p, &sized(200, 2, "crypto/aes.c")), []);
    assert_eq!(
        check(&p, &sized(312, 3, "crypto/aes.c")),
        [
            deny("path[crypto/**].max-lines", "312 changed lines touching crypto/** (crypto/aes.c), more than the 200 allowed there; split the change"),
            deny("path[crypto/**].max-files", "3 changed files touching crypto/** (crypto/aes.c), more than the 2 allowed there; split the change"),
        ]
    );
}

#[test]
fn path_require_dco() {
    let p = policy(&format!("{CRYPTO}require-dco = true\n"));
    let mut unsigned = with_rationale("Constant-time comparison closes the tag timing side channel.");
    assert_eq!(check(&p, &unsigned), []);
    unsigned.change.paths = vec!["crypto/aes/gcm.c".into()];
    assert_eq!(
        check(&p, &unsigned),
        [deny("path[crypto/**].require-dco", "changes to crypto/** need a DCO sign-off: no `Signed-off-by:` trailer; the author <alice@example.org> must certify the DCO: `git commit --amend --signoff`")]
    );
    let mut signed = human();
    signed.change.paths = vec!["crypto/aes/gcm.c".into()];
    assert_eq!(check(&p, &signed), []);
}

#[test]
fn path_refuse_markers() {
    let p = policy(&format!("{CRYPTO}refuse-markers = true\n"));
    let mut f = commit_by(ALICE, CLAUDE_MSG);
    // Outside the paths: only the `human` claim beside the marker, a warning.
    assert_eq!(check(&p, &f).iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), [AUTHORSHIP_MISMATCH.id]);
    f.change.paths = vec!["crypto/aes/gcm.c".into()];
    let got = check(&p, &f);
    assert_eq!(
        got[0],
        deny("path[crypto/**].refuse-markers", "Claude Code marker (identity `Co-Authored-By: Claude <noreply@anthropic.com>`): changes to crypto/** refuse AI-agent contributions; submit only work you wrote yourself")
    );
    assert_eq!(got.len(), 2);
}

#[test]
fn without_a_statement_only_statement_free_rules_apply() {
    let p = Policy::preset("no-ai").unwrap();
    // An agent commit with no attestation at all: markers and DCO still apply.
    let f = commit_by(
        ("Alice Example (aider)", "alice@example.org"),
        "aider: Handle empty config files\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>\n",
    );
    assert!(f.statement.is_none());
    let rules: Vec<String> = check(&p, &f).into_iter().map(|f| f.rule).collect();
    assert_eq!(rules, [MARKERS_REFUSE.id, MARKERS_REFUSE.id, MARKERS_REFUSE.id, DCO_REQUIRED.id]);
}

// ---- errors ---------------------------------------------------------------

fn err(text: &str) -> String {
    Policy::parse(text, Path::new(".avow/policy.toml")).unwrap_err().to_string()
}

#[test]
fn error_messages() {
    let cases = [
        (
            "version = 1\n\n[size]\nmax-lines = 400\ncolour = \"red\"\n",
            ".avow/policy.toml:5: size.colour: unknown field; expected one of max-lines, max-files, action",
        ),
        (
            "version = 1\nunderstood = \"author\"\n",
            ".avow/policy.toml:2: understood: unknown field; expected one of version, merges, understood-by, binding, understood-by-name, unsigned-statement, keys, authorship, markers, adoption, exempt, dco, rationale, size, path, newcomer",
        ),
        (
            "version = 1\n[size]\nmax-lines = \"400\"\n",
            ".avow/policy.toml:3: size.max-lines: expected a non-negative integer, found string \"400\"",
        ),
        ("version = 1\n[dco]\nrequired = \"yes\"\n", ".avow/policy.toml:3: dco.required: expected a boolean, found string \"yes\""),
        ("version = 1\nrationale = 3\n", ".avow/policy.toml:2: rationale: expected a table, found integer 3"),
        (
            "version = 1\n[size]\nmax-lines = 400\n# bigger changes are rejected\naction = \"block\"\n",
            ".avow/policy.toml:5: size.action: \"block\" is not one of warn, deny",
        ),
        ("version = 1\nmerges = \"squash\"\n", ".avow/policy.toml:2: merges: \"squash\" is not one of skip, require"),
        (
            "version = 1\n[authorship]\nallowed = [\"human\", \"robot\"]\n",
            ".avow/policy.toml:3: authorship.allowed: \"robot\" is not one of human, assisted, generated",
        ),
        (
            "version = 1\n\n[[path]]\nglob = \"docs/**\"\n\n[[path]]\nglob = \"crypto/[\"\nauthorship = [\"human\"]\n",
            ".avow/policy.toml:7: path[crypto/[].glob: \"crypto/[\" is not a valid glob: unclosed character class; missing ']'",
        ),
        (
            "version = 1\n[[path]]\nglob = \"crypto/**\"\nmax-line = 3\n",
            ".avow/policy.toml:4: path[crypto/**].max-line: unknown field; expected one of glob, authorship, max-lines, max-files, require-dco, refuse-markers",
        ),
        ("version = 2\n", ".avow/policy.toml:1: version: 2 is not supported (this avow reads version 1); write `version = 1`"),
        ("# policy\n[dco]\nrequired = true\n", ".avow/policy.toml:1: version: required field is missing; add `version = 1` at the top"),
        ("version = 1\n[dco]\nrequired = true\n[dco]\n", ".avow/policy.toml:4: invalid table header; duplicate key `dco` in document root"),
        ("version = 1\nmerges = skip\n", ".avow/policy.toml:2: invalid string; expected `\"`, `'`"),
    ];
    for (text, want) in cases {
        assert_eq!(err(text), want, "{text}");
    }
}

#[test]
fn load_reports_the_path() {
    let dir = avow_testutil::TempDir::new().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "version = 1\n[size]\naction = \"block\"\n").unwrap();
    assert_eq!(
        Policy::load(&path).unwrap_err().to_string(),
        format!("{}:3: size.action: \"block\" is not one of warn, deny", path.display())
    );
    std::fs::write(&path, Policy::preset_toml("no-ai").unwrap()).unwrap();
    assert_eq!(Policy::load(&path).unwrap(), Policy::preset("no-ai").unwrap());
    assert!(Policy::load(&dir.path().join("missing.toml"))
        .unwrap_err()
        .to_string()
        .contains("missing.toml: cannot read the policy"));
}

proptest! {
    #[test]
    fn parse_never_panics(text in ".*") {
        let _ = Policy::parse(&text, Path::new(".avow/policy.toml"));
    }

    #[test]
    fn parse_never_panics_on_near_policies(
        key in "[a-z-]{1,12}",
        value in prop_oneof![Just("1".to_owned()), Just("\"x\"".to_owned()), Just("[\"human\"]".to_owned()), Just("{ a = 1 }".to_owned()), "[ -~]{0,12}"],
        section in prop_oneof![Just(""), Just("[size]\n"), Just("[[path]]\nglob = \"a/**\"\n"), Just("[rationale]\n"), Just("[authorship]\n")],
    ) {
        let text = format!("version = 1\n{section}{key} = {value}\n");
        let _ = Policy::parse(&text, Path::new(".avow/policy.toml"));
    }
}

#[test]
fn project_markers_are_added_and_refused_like_built_in_ones() {
    let p = policy(
        "[markers]\nrefuse = true\n\n[[markers.extra]]\ntool = \"Our review bot\"\nkind = \"identity\"\n\
         pattern = \"*@bots.example.org\"\nsource = \"https://example.org/bots\"\n",
    );
    let c = commit_by(("Review Bot", "r2@bots.example.org"), &message("Fix flaky retry test", &[]));
    let got = check(&p, &c);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].message.starts_with("Our review bot marker (identity `author Review Bot <r2@bots.example.org>`)"));
    // Without the extra entry the same commit carries no marker.
    assert_eq!(check(&policy("[markers]\nrefuse = true\n"), &c), []);
}

#[test]
fn a_bad_project_marker_names_its_entry_and_line() {
    let text =
        "version = 1\n\n[[markers.extra]]\ntool = \"X\"\nkind = \"identity\"\npattern = \"Claude\"\nsource = \"s\"\n";
    let err = Policy::parse(text, std::path::Path::new(".avow/policy.toml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        ".avow/policy.toml:3: markers.extra[1]: \"Claude\" is not an email address (never match bare display names)"
    );
}

#[test]
fn newcomer_rules_apply_below_the_record_only() {
    let p = policy("[newcomer]\nattested-commits = 3\nmax-lines = 0\nauthorship = [\"human\"]\n");
    let c = assisted();
    let rules =
        |record| p.check_newcomer(&c, "alice@example.org", record).into_iter().map(|f| f.rule).collect::<Vec<_>>();
    assert_eq!(rules(0), [NEWCOMER_MAX_LINES.id, NEWCOMER_AUTHORSHIP.id].map(String::from));
    assert_eq!(rules(2), [NEWCOMER_MAX_LINES.id, NEWCOMER_AUTHORSHIP.id].map(String::from));
    assert_eq!(rules(3), Vec::<String>::new());
    // Without the section nobody is a newcomer.
    assert_eq!(policy("").check_newcomer(&c, "alice@example.org", 0), []);
    let err =
        Policy::parse("version = 1\n[newcomer]\nattested-commits = 0\n", Path::new(".avow/policy.toml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        ".avow/policy.toml:3: newcomer.attested-commits: 0 would make nobody a newcomer; give at least 1 (LLVM's practice suggests a few)"
    );
}

#[test]
fn mismatch_keys_and_name_options() {
    let p = policy("understood-by-name = \"deny\"\n[markers]\nmismatch = \"deny\"\n[keys]\ntypes = [\"ssh-ed25519\"]\nrsa-min-bits = 3072\n");
    assert_eq!(p.understood_by_name, Severity::Deny);
    let got = check(&p, &commit_by(ALICE, CLAUDE_MSG));
    assert_eq!(
        got.iter().map(|f| (f.rule.as_str(), f.severity)).collect::<Vec<_>>(),
        [(AUTHORSHIP_MISMATCH.id, Severity::Deny)]
    );
    // A human claim without markers, or a disclosed one with them: nothing.
    assert_eq!(check(&p, &human()), []);
    let ed = avow_sign_free_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAATe3tswxR6uiQ3R8FN5ds32RSsJyXQgnBgkG7O7ytl a");
    assert_eq!(p.check_key(&ed), None);
    let sk = avow_sign_free_key("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAATe3tswxR6uiQ3R8FN5ds32RSsJyXQgnBgkG7O7ytlAAAABHNzaDo= a");
    assert_eq!(p.check_key(&sk).map(|f| f.rule), Some(KEYS_TYPES.id.to_owned()));
    for (text, message) in [
        ("version = 1\n[keys]\ntypes = []\n", "must name at least one key type"),
        ("version = 1\n[keys]\ntypes = [\"ssh-dss\"]\n", "\"ssh-dss\" is not a key type avow accepts"),
        ("version = 1\n[keys]\nrsa-min-bits = 1024\n", "1024 is not between 2048 and 4096"),
        ("version = 1\nunderstood-by-name = \"maybe\"\n", "\"maybe\" is not one of warn, deny"),
    ] {
        let e = Policy::parse(text, Path::new(".avow/policy.toml")).unwrap_err().to_string();
        assert!(e.contains(message), "{e}");
    }
}

fn avow_sign_free_key(line: &str) -> ssh_key::PublicKey {
    ssh_key::PublicKey::from_openssh(line).unwrap()
}
