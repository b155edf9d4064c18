//! The embedded marker list, read without the TOML parser.
//!
//! Every commit hook and every `verify` needs the built-in list, and the
//! TOML parser takes about 3 million instructions for its 23 KB — most of
//! what a hook spends before it signs anything; reading it line by line
//! ([`super::subset`]) still took 0.25 M at every start. So the build
//! script reads it ([`GENERATED`], written to `OUT_DIR`), and a hook only
//! turns that table into entries. The list uses only a plain subset of
//! TOML; outside it the table is `None` and the list is read at run time,
//! by the subset reader or else the TOML parser; so the subset decides
//! only how fast the list is read, never what it says (tests check the
//! table, both readers and the TOML parser agree on the embedded file, and
//! the readers on mutations of it that one or both refuse).

use std::borrow::Cow;

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::Deserialize as _;

use super::subset::{self, Raw};
use super::{MarkerClass, MarkerEntry, MarkerKind};

// `GENERATED: Option<&[Raw<'static>]>`, by build.rs.
include!(concat!(env!("OUT_DIR"), "/builtin_markers.rs"));

/// The embedded list's entries as the build read them, borrowing its
/// text; `None` when it could not (the list left the plain subset).
pub(super) fn generated() -> Option<Vec<MarkerEntry>> {
    GENERATED?.iter().map(|raw| entry(raw, Cow::Borrowed)).collect()
}

/// The entries of a marker list written in the plain subset, as the TOML
/// parser would read them; `None` when the text leaves the subset (or is
/// not a valid list), for the TOML parser to read or refuse.
pub(super) fn entries(text: &str) -> Option<Vec<MarkerEntry>> {
    subset::read(text)?.iter().map(|raw| entry(raw, |s| Cow::Owned(s.to_owned()))).collect()
}

fn entry<'t>(raw: &Raw<'t>, text: impl Fn(&'t str) -> Cow<'static, str>) -> Option<MarkerEntry> {
    // The enums are read by their own `Deserialize`, so a name means
    // here exactly what it means in the TOML file.
    let kind = MarkerKind::deserialize(StrDeserializer::<ValueError>::new(raw.kind)).ok()?;
    let class = match raw.class {
        Some(c) => MarkerClass::deserialize(StrDeserializer::<ValueError>::new(c)).ok()?,
        None => MarkerClass::default(),
    };
    Some(MarkerEntry {
        tool: text(raw.tool),
        kind,
        pattern: text(raw.pattern),
        source: text(raw.source),
        class,
        note: raw.note.map(text),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{MarkerFile, BUILTIN_TOML};
    use super::entries;

    /// What the TOML parser makes of a list: its entries when it is valid.
    fn by_toml(text: &str) -> Option<Vec<super::MarkerEntry>> {
        toml::from_str::<MarkerFile>(text).ok().filter(|f| f.version == 1).map(|f| f.marker)
    }

    #[test]
    fn reads_the_embedded_list_as_the_toml_parser_does() {
        let quick = entries(BUILTIN_TOML).expect("the embedded list stays in the plain subset");
        assert_eq!(Some(quick.clone()), by_toml(BUILTIN_TOML));
        // The table the build wrote is the same list.
        assert_eq!(super::generated(), Some(quick));
    }

    #[test]
    fn leaves_what_it_does_not_know_to_the_toml_parser() {
        let entry = "version = 1\n[[marker]]\ntool = \"T\"\nkind = \"footer\"\npattern = \"P\"\nsource = \"S\"\n";
        assert!(entries(entry).is_some());
        for odd in [
            entry.replace("\"P\"", "\"a \\\"quoted\\\" P\""),
            entry.replace("\"P\"", "'P'"),
            entry.replace("\"P\"", "\"P\" # a comment"),
            entry.replace("pattern = ", "pattern  = "),
            entry.replace("source = \"S\"\n", "source = \"S\"\nsource = \"S\"\n"),
            entry.replace("version = 1\n", ""),
            entry.replace("version = 1\n", "version = 2\n"),
            entry.replace("kind = \"footer\"", "kind = \"unknown-kind\""),
            entry.replace("tool = \"T\"\n", ""),
            format!("{entry}colour = \"red\"\n"),
            entry.replace("[[marker]]", "[[marker]] # first"),
            entry.replace('\n', "\r\n"),
        ] {
            assert_eq!(entries(&odd), None, "{odd}");
        }
    }

    proptest! {
        /// Whatever the quick reader accepts, the TOML parser reads the
        /// same: lines of the embedded list dropped, repeated or edited.
        #[test]
        fn never_disagrees_with_the_toml_parser(
            edits in proptest::collection::vec((0usize..2000, 0u8..4, "[ -~\\t\"\\\\#=\\[\\]]{0,12}"), 1..6)
        ) {
            let mut lines: Vec<String> = BUILTIN_TOML.split('\n').map(str::to_owned).collect();
            for (at, what, text) in edits {
                let i = at % lines.len();
                match what {
                    0 => { lines.remove(i); }
                    1 => { let l = lines[i].clone(); lines.insert(i, l); }
                    2 => lines[i].push_str(&text),
                    _ => {
                        let cut = lines[i].char_indices().map(|(b, _)| b).nth(at % 40).unwrap_or(lines[i].len());
                        lines[i] = format!("{}{text}", &lines[i][..cut]);
                    }
                }
                if lines.is_empty() { lines.push(String::new()); }
            }
            let text = lines.join("\n");
            if let Some(quick) = entries(&text) {
                prop_assert_eq!(Some(quick), by_toml(&text));
            }
        }
    }
}
