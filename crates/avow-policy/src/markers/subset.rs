//! The plain subset of TOML the embedded marker list is written in, read
//! line by line: comment lines, `version = 1`, `[[marker]]` headers and
//! `key = "value"` lines whose value has no escape, quote or control
//! character other than tab. Anything outside it makes [`read`] answer
//! `None`, and the caller falls back to the TOML parser.
//!
//! No dependencies, because the build script includes this file too
//! (`build.rs`): it reads the embedded list when avow is built and writes
//! its entries out as a table in the source, so that no hook reads 23 KB of
//! text at every start. [`super::builtin`] reads the same way at run time
//! (the fallback, and what the tests hold the table and the TOML parser to).

/// The values of one `[[marker]]` table, as written: `tool`, `kind`,
/// `pattern` and `source` are required, `class` and `note` optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Raw<'t> {
    pub tool: &'t str,
    pub kind: &'t str,
    pub pattern: &'t str,
    pub source: &'t str,
    pub class: Option<&'t str>,
    pub note: Option<&'t str>,
}

/// The entries of a marker list written in the plain subset; `None` when
/// the text leaves the subset (or lacks a required field or `version = 1`).
pub fn read(text: &str) -> Option<Vec<Raw<'_>>> {
    // TOML allows no control character but tab in a comment or a basic
    // string: checked once over the whole text, not per line.
    if text.bytes().any(|b| b != b'\n' && ((b < 0x20 && b != b'\t') || b == 0x7f)) {
        return None;
    }
    let mut entries = Vec::new();
    let mut version = false;
    let mut current: Option<Fields<'_>> = None;
    for line in text.split('\n') {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[marker]]" {
            if let Some(fields) = current.replace(Fields::default()) {
                entries.push(fields.raw()?);
            }
            continue;
        }
        let (key, value) = line.split_once(" = ")?;
        if key.contains(['=', ' ']) {
            return None;
        }
        let Some(fields) = current.as_mut() else {
            // Only `version` stands before the first table.
            if key != "version" || value != "1" || version {
                return None;
            }
            version = true;
            continue;
        };
        let value = value.strip_prefix('"')?.strip_suffix('"')?;
        if value.contains(['"', '\\']) {
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
        entries.push(fields.raw()?);
    }
    version.then_some(entries)
}

#[derive(Default)]
struct Fields<'t> {
    tool: Option<&'t str>,
    kind: Option<&'t str>,
    pattern: Option<&'t str>,
    source: Option<&'t str>,
    class: Option<&'t str>,
    note: Option<&'t str>,
}

impl<'t> Fields<'t> {
    fn raw(self) -> Option<Raw<'t>> {
        Some(Raw {
            tool: self.tool?,
            kind: self.kind?,
            pattern: self.pattern?,
            source: self.source?,
            class: self.class,
            note: self.note,
        })
    }
}
