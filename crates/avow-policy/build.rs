//! Reads the embedded marker list (`data/agent-markers.toml`) when avow is
//! built and writes its entries out as a Rust table (`GENERATED` in
//! `src/markers/builtin.rs`), so that a commit hook does not read 23 KB of
//! text at every start. The reader is the crate's own, `src/markers/subset.rs`;
//! a list outside its plain subset gives `None`, and the list is then read
//! at run time as before.

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
    let dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let path = std::path::Path::new(&dir).join("builtin_markers.rs");
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
