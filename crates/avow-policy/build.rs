//! Tables worked out when avow is built, so that a commit hook does not
//! work them out at every start:
//!
//! - the embedded marker list (`data/agent-markers.toml`), read into a
//!   Rust table (`GENERATED` in `src/markers/builtin.rs`) by the crate's
//!   own plain-subset reader (`src/markers/subset.rs`); a list outside the
//!   subset gives `None`, and the list is then read at run time as before;
//! - how each character looks (`LOOKS_*` in `src/text.rs`): its UTS #39
//!   skeleton with combining marks dropped, from unicode-security, written
//!   as plain integer arrays. unicode-security's own table holds a pointer
//!   per entry, which a position-independent binary relocates at every
//!   start: about 6,800 relocations and 40 pages written by every hook.

use std::fmt::Write as _;

#[path = "src/markers/subset.rs"]
mod subset;

const LIST: &str = "data/agent-markers.toml";

fn main() {
    println!("cargo:rerun-if-changed={LIST}");
    println!("cargo:rerun-if-changed=src/markers/subset.rs");
    let text = std::fs::read_to_string(LIST).unwrap_or_else(|e| panic!("reading {LIST}: {e}"));
    let mut out =
        String::from("/// The embedded list's entries, read by build.rs.\nconst GENERATED: Option<&[Raw<'static>]> = ");
    match subset::read(&text) {
        Some(entries) => {
            out.push_str("Some(&[\n");
            for e in entries {
                // `{:?}` of a `str` is a Rust string literal.
                let _ = writeln!(
                    out,
                    "    Raw {{ tool: {:?}, kind: {:?}, pattern: {:?}, source: {:?}, class: {:?}, note: {:?} }},",
                    e.tool, e.kind, e.pattern, e.source, e.class, e.note
                );
            }
            out.push_str("]);\n");
        }
        None => out.push_str("None;\n"),
    }
    write("builtin_markers.rs", &out);
    write("looks.rs", &looks());
}

fn write(name: &str, text: &str) {
    let dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let path = std::path::Path::new(&dir).join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Every character whose look is not itself: `LOOKS_KEYS` (sorted), and
/// for each, `LOOKS_AT` (offset into `LOOKS_CHARS` << 8 | length).
fn looks() -> String {
    let (mut keys, mut at, mut chars) = (Vec::new(), Vec::new(), Vec::new());
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let mut one = [0; 4];
        let looks: Vec<char> = unicode_security::skeleton(c.encode_utf8(&mut one))
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .collect();
        if looks != [c] {
            assert!(looks.len() < 256, "the look of {c:?} is too long for the table");
            keys.push(u32::from(c));
            at.push(
                u32::try_from(chars.len()).expect("a small table") << 8 | u32::try_from(looks.len()).expect("short"),
            );
            chars.extend(looks.iter().map(|&c| u32::from(c)));
        }
    }
    let list = |v: &[u32]| {
        v.iter().fold(String::new(), |mut out, n| {
            let _ = write!(out, "{n:#x},");
            out
        })
    };
    format!(
        "/// Characters whose look is not themselves, sorted (build.rs).\n\
         #[allow(clippy::unreadable_literal)]\n\
         static LOOKS_KEYS: [u32; {}] = [{}];\n\
         /// For each of `LOOKS_KEYS`: offset into `LOOKS_CHARS` << 8 | length.\n\
         #[allow(clippy::unreadable_literal)]\n\
         static LOOKS_AT: [u32; {}] = [{}];\n\
         /// The looks, one after another.\n\
         #[allow(clippy::unreadable_literal)]\n\
         static LOOKS_CHARS: [u32; {}] = [{}];\n",
        keys.len(),
        list(&keys),
        at.len(),
        list(&at),
        chars.len(),
        list(&chars)
    )
}
