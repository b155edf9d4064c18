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
    assert_eq!(visible_len("  a  b\n   c "), 5);
    assert!(repeats_subject("fix the off by one in the parser", "parser: Fix the off-by-one in the parser"));
    assert!(!repeats_subject("fix the off by one", "two words: fix the off-by-one"));
}
