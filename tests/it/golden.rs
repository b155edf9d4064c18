//! Golden files: whole outputs compared with files under `tests/it/golden/`,
//! after replacing what changes from run to run (commit ids, which depend on
//! per-test keys and signatures; signing times; key fingerprints; the temp
//! directory) with stable placeholders.
//!
//! A mismatch prints a diff. `AVOW_BLESS=1 cargo test --test it` rewrites
//! the golden files from the actual output; review the change with git diff.

use std::path::PathBuf;

use crate::support::World;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/golden").join(name)
}

/// Compares `actual` with the golden file `name`, or rewrites it when
/// `AVOW_BLESS` is set.
#[track_caller]
pub fn assert_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("AVOW_BLESS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let Ok(expected) = std::fs::read_to_string(&path) else {
        panic!("no golden file {}; run with AVOW_BLESS=1 to create it from:\n{actual}", path.display());
    };
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .context_radius(3)
            .header(&format!("golden/{name}"), "actual")
            .to_string();
        panic!("output differs from tests/it/golden/{name} (AVOW_BLESS=1 accepts the new output):\n{diff}");
    }
}

/// Replaces the characters from `start` while `keep` holds with `with`.
fn replace_run(text: &str, marker: &str, keep: impl Fn(char) -> bool, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        out.push_str(&rest[..i + marker.len()]);
        rest = &rest[i + marker.len()..];
        let end = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        if end > 0 {
            out.push_str(with);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn base64ish(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
}

/// Stable placeholders for what varies between runs: every commit of the
/// repository becomes `<commit-N>` (`<short-N>` for its 12-digit form), N
/// its position in `git rev-list --reverse --topo-order --all`; signing
/// times, signatures, tree bindings and key fingerprints become fixed
/// words; the
/// repository's path becomes `<repo>`.
pub fn normalise(w: &World, text: &str) -> String {
    let ids = w.git(["rev-list", "--reverse", "--topo-order", "--all"]);
    let mut out = text.to_owned();
    for (n, id) in ids.lines().enumerate() {
        out = out.replace(id, &format!("<commit-{}>", n + 1));
        out = out.replace(&id[..12], &format!("<short-{}>", n + 1));
    }
    out = out.replace(w.path().to_str().expect("utf-8 temp path"), "<repo>");
    out = replace_run(&out, "SHA256:", base64ish, "<fingerprint>");
    out = replace_run(&out, " s=", base64ish, "<signature>");
    out = replace_run(&out, " t=", |c| c.is_ascii_digit(), "<time>");
    // The trees hold .avow/keyring.toml, with the test's own key.
    out = replace_run(&out, " b=", |c| c.is_ascii_hexdigit(), "<tree-binding>");
    out = replace_run(&out, "\"signed_at\": ", |c| c.is_ascii_digit(), "\"<time>\"");
    out
}
