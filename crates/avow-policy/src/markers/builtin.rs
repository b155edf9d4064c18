//! A quick reader for the embedded marker list.
//!
//! Every commit hook and every `verify` needs the built-in list, and the
//! TOML parser takes about 3 million instructions for its 23 KB — most of
//! what a hook spends before it signs anything. The embedded file only uses
//! a plain subset of TOML (comment lines, `version = 1`, `[[marker]]`
//! headers and `key = "value"` lines whose value has no escape, quote or
//! control character other than tab), which this reads line by line. Anything outside
//! that subset makes it answer `None`, and the caller falls back to the
//! TOML parser; so the subset decides only how fast the list is read, never
//! what it says (tests check both readers agree on the embedded file, and
//! on mutations of it that one or both refuse).

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::Deserialize as _;

use super::{MarkerClass, MarkerEntry, MarkerKind};

/// The entries of a marker list written in the plain subset, as the TOML
/// parser would read them; `None` when the text leaves the subset (or is
/// not a valid list), for the TOML parser to read or refuse.
pub(super) fn entries(text: &str) -> Option<Vec<MarkerEntry>> {
    // Once over the whole text (a pass the compiler vectorises), so that no
    // line needs a check of its own: TOML allows no control character but
    // tab in a comment or a basic string.
    if text.bytes().fold(false, |bad, b| bad | (b != b'\n' && forbidden(b))) {
        return None;
    }
    let mut entries = Vec::new();
    let mut version = None;
    let mut current: Option<Fields> = None;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len())) {
        let line = &text[start..end];
        start = end + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[marker]]" {
            if let Some(fields) = current.replace(Fields::default()) {
                entries.push(fields.entry()?);
            }
            continue;
        }
        let (key, value) = line.split_at(memchr::memchr(b'=', line.as_bytes())?);
        let (key, value) = (key.strip_suffix(' ')?, value.strip_prefix("= ")?);
        let Some(fields) = current.as_mut() else {
            // Only `version` stands before the first table.
            if key != "version" || value != "1" || version.replace(1).is_some() {
                return None;
            }
            continue;
        };
        let value = value.strip_prefix('"')?.strip_suffix('"')?;
        if memchr::memchr2(b'"', b'\\', value.as_bytes()).is_some() {
            return None;
        }
        let slot = match key {
            "tool" => &mut fields.tool,
            "kind" => &mut fields.kind,
            "pattern" => &mut fields.pattern,
            "source" => &mut fields.source,
            "class" => &mut fields.class,
            "note" => &mut fields.note,
            _ => return None,
        };
        // A key given twice is a TOML error: the parser says so.
        if slot.replace(value).is_some() {
            return None;
        }
    }
    if let Some(fields) = current {
        entries.push(fields.entry()?);
    }
    version.map(|_| entries)
}

/// A byte TOML allows in neither a comment nor a basic string: a control
/// character other than tab (in UTF-8 each is a single byte).
fn forbidden(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

/// The values of one `[[marker]]` table, as written.
#[derive(Default)]
struct Fields<'t> {
    tool: Option<&'t str>,
    kind: Option<&'t str>,
    pattern: Option<&'t str>,
    source: Option<&'t str>,
    class: Option<&'t str>,
    note: Option<&'t str>,
}

impl Fields<'_> {
    fn entry(self) -> Option<MarkerEntry> {
        // The enums are read by their own `Deserialize`, so a name means
        // here exactly what it means in the TOML file.
        let kind = MarkerKind::deserialize(StrDeserializer::<ValueError>::new(self.kind?)).ok()?;
        let class = match self.class {
            Some(c) => MarkerClass::deserialize(StrDeserializer::<ValueError>::new(c)).ok()?,
            None => MarkerClass::default(),
        };
        Some(MarkerEntry {
            tool: self.tool?.to_owned(),
            kind,
            pattern: self.pattern?.to_owned(),
            source: self.source?.to_owned(),
            class,
            note: self.note.map(str::to_owned),
        })
    }
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
        assert_eq!(Some(quick), by_toml(BUILTIN_TOML));
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
