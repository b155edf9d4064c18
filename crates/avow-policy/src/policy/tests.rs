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

    #[test]
    fn normalized_yields_normalize(text in "(\\PC|[\t\n])*") {
        proptest::prop_assert_eq!(normalized(&text).collect::<String>(), normalize(&text));
    }
}
