use super::*;

fn err(text: &str) -> String {
    Policy::parse(text, Path::new(".avow/policy.toml")).unwrap_err().to_string()
}

#[test]
fn default_is_disclose() {
    assert_eq!(Policy::default(), Policy::preset("disclose").unwrap());
    assert_eq!(Policy::parse("version = 1\n", Path::new("p")).unwrap(), Policy::default());
}

#[test]
fn errors_point_at_line_and_field() {
    assert_eq!(
        err("version = 1\n[size]\naction = \"block\"\n"),
        r#".avow/policy.toml:3: size.action: "block" is not one of warn, deny"#
    );
    assert_eq!(
        err("version = 1\nsize = { max-lines = -3 }\n"),
        ".avow/policy.toml:2: size.max-lines: expected a non-negative integer, found integer -3"
    );
    assert_eq!(
        err("version = 1\n[[path]]\nglob = \"a/**\"\n\n[[path]]\nmax-lines = 3\n"),
        ".avow/policy.toml:5: path[#2].glob: required field is missing"
    );
    assert_eq!(
        err("[size]\n"),
        ".avow/policy.toml:1: version: required field is missing; add `version = 1` at the top"
    );
    assert_eq!(err("version = 1\n[size\n"), ".avow/policy.toml:2: invalid table header; expected `.`, `]`");
}

#[test]
fn kernel_format() {
    for ok in ["Claude:claude-3-opus coccinelle sparse", "Cursor:gpt-5", "ollama:llama3:8b", "x:openai/gpt-4o"] {
        assert!(is_kernel_assisted_by(ok), "{ok}");
    }
    for bad in [
        "GitHub Copilot",
        "Claude Code:claude-opus-4",
        "Claude:",
        ":model",
        "https://claude.ai",
        "",
        "Claude <noreply@anthropic.com>",
    ] {
        assert!(!is_kernel_assisted_by(bad), "{bad}");
    }
}

#[test]
fn normalization() {
    assert_eq!(normalize("  Fix the BUG!  "), "fix the bug");
    assert_eq!(normalize("fix--the\nbug"), "fix the bug");
    // The ASCII fast path and the Unicode path agree (and below, on any ASCII text).
    assert_eq!(normalize("Fix ÉTÉ the BUG"), "fix été the bug");
    assert_eq!(normalize("x\u{7f}Y_z9"), "x y z9");
    assert_eq!(visible_len("  a  b\n   c "), 5);
    assert!(repeats_subject("fix the off by one in the parser", "parser: Fix the off-by-one in the parser"));
    assert!(!repeats_subject("fix the off by one", "two words: fix the off-by-one"));
}

proptest::proptest! {
    #[test]
    fn normalize_fast_path_is_the_unicode_path(text in "[ -~\t\n]{0,60}") {
        let mut slow = String::new();
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            if !slow.is_empty() {
                slow.push(' ');
            }
            slow.extend(word.chars().flat_map(char::to_lowercase));
        }
        proptest::prop_assert_eq!(normalize(&text), slow);
    }

    /// What the boilerplate check's length test relies on: an ASCII
    /// phrase normalizes to no more bytes than it has, so a longer
    /// rationale never equals it; and a phrase that does equal a rationale
    /// passes the test.
    #[test]
    fn ascii_phrase_normalizes_no_longer(phrase in "[ -~\t\n]{0,60}", text in "(\\PC|[\t\n]){0,60}") {
        let norm = normalize(&phrase);
        proptest::prop_assert!(norm.len() <= phrase.len());
        if normalized(&phrase).eq(normalize(&text).chars()) {
            proptest::prop_assert!(normalize(&text).len() <= phrase.len());
        }
    }

    #[test]
    fn normalized_yields_normalize(text in "(\\PC|[\t\n])*") {
        proptest::prop_assert_eq!(normalized(&text).collect::<String>(), normalize(&text));
    }
}

/// Every field set to something other than its default.
const EVERY_FIELD: &str = r#"
version = 1
merges = "require"
understood-by = "keyring"
binding = "trees"
understood-by-name = "deny"
unsigned-statement = "deny"

[authorship]
allowed = ["human", "assisted"]
assisted-by-format = "free"

[markers]
refuse = true
mismatch = "deny"

[[markers.extra]]
tool = "House Bot"
kind = "footer"
pattern = "Made by *House Bot*"
source = "https://example.org/bot"
class = "automation"
note = "ours"

[keys]
types = ["ssh-ed25519", "ecdsa-sha2-nistp256"]
rsa-min-bits = 3072

[adoption]
since = "v2.4.0"

[exempt]
emails = ["49699333+dependabot[bot]@users.noreply.github.com", "*@ci.example.org"]

[dco]
required = true

[rationale]
min-length = 0
reject-subject-copy = false
reject-reuse = false
boilerplate = ["nothing to see", "trust me"]

[size]
max-lines = 400
max-files = 20
action = "deny"

[[path]]
glob = "crypto/**"
authorship = ["human"]
max-lines = 200
max-files = 3
require-dco = true
refuse-markers = true

[[path]]
glob = "docs/*.md"

[newcomer]
attested-commits = 5
max-lines = 150
max-files = 4
authorship = ["human", "assisted"]
"#;

/// The record of a policy reads back as the same policy: the presets, a
/// file that sets every field, and each of its sections alone.
#[test]
fn records_read_back_as_the_policy() {
    let mut texts: Vec<String> = Policy::PRESETS.iter().map(|p| Policy::preset_toml(p).unwrap().to_owned()).collect();
    texts.push("version = 1\n".into());
    texts.push(EVERY_FIELD.into());
    for section in EVERY_FIELD.split("\n[").skip(1) {
        texts.push(format!("version = 1\n[{section}"));
    }
    for text in &texts {
        let policy = Policy::parse(text, Path::new("p")).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let record = policy.to_record();
        assert!(!record.contains('\n'), "one line: {record}");
        assert_eq!(Policy::from_record(&record).as_ref(), Some(&policy), "{record}");
    }
    // The defaults a file need not write are left out of the record.
    assert_eq!(
        Policy::default().to_record().len(),
        Policy::parse("version = 1", Path::new("p")).unwrap().to_record().len()
    );
    assert!(!Policy::default().to_record().contains("fix bug"), "{}", Policy::default().to_record());
}

/// A record says nothing a policy file could not: what the file's checks
/// refuse, a record is refused for too.
#[test]
fn records_are_checked_as_files_are() {
    let good = Policy::parse(EVERY_FIELD, Path::new("p")).unwrap().to_record();
    assert!(Policy::from_record(&good).is_some());
    for (from, to) in [
        (r#""version":1"#, r#""version":2"#),
        (r#""merges":"require""#, r#""merges":"sometimes""#),
        (r#""allowed":["human","assisted"]"#, r#""allowed":[]"#),
        (r#""boilerplate":["nothing to see","trust me"]"#, r#""boilerplate":["!!"]"#),
        (r#""types":["ssh-ed25519","ecdsa-sha2-nistp256"]"#, r#""types":["ssh-dss"]"#),
        (r#""rsa-min-bits":3072"#, r#""rsa-min-bits":1024"#),
        (r#""glob":"crypto/**""#, r#""glob":"crypto/[""#),
        (r#""attested-commits":5"#, r#""attested-commits":0"#),
        (r#""kind":"footer""#, r#""kind":"nonsense""#),
        (r#""pattern":"Made by *House Bot*""#, r#""pattern":"***""#),
        (r#""since":"v2.4.0""#, r#""since":" v2""#),
        (r#""dco":{"required":true}"#, r#""dco":{"required":true,"extra":1}"#),
    ] {
        assert!(good.contains(from), "{from} not in {good}");
        let bad = good.replace(from, to);
        assert_eq!(Policy::from_record(&bad), None, "{bad}");
    }
    for bad in ["", "{}", "null", "[2]", &good[..good.len() - 1], "version = 1"] {
        assert_eq!(Policy::from_record(bad), None, "{bad}");
    }
}
