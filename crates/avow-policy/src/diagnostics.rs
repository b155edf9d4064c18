//! Pointing at a problem in a TOML file: the 1-based line of a byte offset,
//! a parser's message on one line, and the `path:line: field: message`
//! shape every keyring, policy and markers error is printed in; and the
//! field at a byte offset, for errors toml reports by position only.
//!
//! There are two field locators, [`locate`] (the keyring) and
//! [`locate_in_document`] (the policy), and they stay two because they
//! answer different questions over different spans:
//! - [`locate`] walks the spans serde's toml parser gives every value, in
//!   which a table spans its whole body; it picks the *smallest value whose
//!   span contains the error's span*, among those a predicate accepts (a
//!   `missing field` error spans the whole table that lacks it, which at
//!   the top of the file is as large as the root, so the keyring chooses
//!   the table by what the field belongs to), and names entries by index
//!   (`person[1].key[0]`), as the keyring's own checks do.
//! - [`locate_in_document`] walks a `toml_edit` document, whose spans are
//!   those of the tokens (a table's span is its header); it names the
//!   *field whose key or value holds the byte*, falling back to the table
//!   whose header holds it, and names `[[path]]` entries by their glob
//!   (`path[crypto/**].authorship`), as the policy's rule ids do.
//!
//! One walker would need both span models and both naming schemes as
//! parameters, and would risk changing which field some keyring errors
//! name; those errors are printed and tested word for word.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;
use toml_edit::{Item, TableLike, Value};

/// 1-based line of byte offset `pos` in `text` (the last line when `pos` is
/// past the end).
pub(crate) fn line_of(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()[..pos].split(|&b| b == b'\n').count()
}

/// A (TOML parser's) message on one line: lines trimmed, blank ones
/// dropped, the rest joined with `; `.
pub(crate) fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// A problem at a place in a keyring, `allowed_signers` or policy file,
/// printed as `path:line: field: message` (or `path:line: message` without
/// a field). [`KeyringError::Invalid`](crate::keyring::KeyringError::Invalid)
/// and [`PolicyError::Invalid`](crate::policy::PolicyError::Invalid) carry
/// one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_invalid(path, *line, field, message))]
pub struct Invalid {
    /// The file, as given to the parser.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// The field: `person[1].key[0].expires` in a keyring, `size.action`
    /// or `path[crypto/**].glob` in a policy; empty when the problem is not
    /// inside a field (a TOML syntax error, a broken table header).
    pub field: String,
    /// What is wrong, without the location.
    pub message: String,
}

/// `path:line: field: message`, or `path:line: message` without a field
/// (a TOML syntax error).
fn render_invalid(path: &Path, line: usize, field: &str, message: &str) -> String {
    if field.is_empty() {
        format!("{}:{line}: {message}", path.display())
    } else {
        format!("{}:{line}: {field}: {message}", path.display())
    }
}

// ---------------------------------------------------------------------------
// Locating the field at a byte offset: in what serde (toml) parsed, for the
// keyring, and in a toml_edit document, for the policy.

/// Just enough of a TOML document's structure to name the field at a byte
/// offset (used only to locate errors toml reports).
pub(crate) enum Shape {
    Leaf,
    Array(Vec<Spanned<Shape>>),
    Table(Vec<(String, Spanned<Shape>)>),
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

/// The key under which toml hands a datetime to `visit_map`.
const TOML_DATETIME_FIELD: &str = "$__toml_private_datetime";

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any TOML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Leaf)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Shape>>()? {
            items.push(item);
        }
        Ok(Shape::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == TOML_DATETIME_FIELD {
                map.next_value::<IgnoredAny>()?;
                return Ok(Shape::Leaf);
            }
            let value = map.next_value::<Spanned<Shape>>()?;
            entries.push((key, value));
        }
        Ok(Shape::Table(entries))
    }
}

/// The path (`person[1].key[0].expires`) of the smallest value whose span
/// contains `span`, among those `accept(is_table, path)` takes; empty for
/// the root.
pub(crate) fn locate(root: &Shape, span: &Range<usize>, accept: &dyn Fn(bool, &str) -> bool) -> String {
    fn walk(
        shape: &Shape,
        path: &str,
        span: &Range<usize>,
        accept: &dyn Fn(bool, &str) -> bool,
        best: &mut Option<(usize, String)>,
    ) {
        let mut visit = |child: &Spanned<Shape>, child_path: String| {
            let s = child.span();
            let is_table = matches!(child.get_ref(), Shape::Table(_));
            if s.start <= span.start && span.end <= s.end.max(s.start + 1) && accept(is_table, &child_path) {
                let len = s.end - s.start;
                if best.as_ref().is_none_or(|(l, _)| len <= *l) {
                    *best = Some((len, child_path.clone()));
                }
            }
            walk(child.get_ref(), &child_path, span, accept, best);
        };
        match shape {
            Shape::Leaf => {}
            Shape::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    visit(item, format!("{path}[{i}]"));
                }
            }
            Shape::Table(entries) => {
                for (key, value) in entries {
                    visit(value, if path.is_empty() { key.clone() } else { format!("{path}.{key}") });
                }
            }
        }
    }
    let mut best = None;
    walk(root, "", span, accept, &mut best);
    best.map(|(_, path)| path).unwrap_or_default()
}

fn contains(span: Option<Range<usize>>, pos: usize) -> bool {
    span.is_some_and(|s| s.start <= pos && pos < s.end.max(s.start + 1))
}

/// The label of an entry of an array of tables: `path[GLOB]` when it has a
/// string `glob`, else `path[#N]` (1-based).
fn entry_label(prefix: &str, index: usize, table: &dyn TableLike) -> String {
    match table.get("glob").and_then(Item::as_str) {
        Some(glob) => format!("{prefix}[{glob}]"),
        None => format!("{prefix}[#{}]", index + 1),
    }
}

/// The dotted field whose key or value holds byte `pos`; a table whose
/// header holds it when no field does.
pub(crate) fn locate_in_document(table: &dyn TableLike, pos: usize, prefix: &str) -> Option<String> {
    for (name, _) in table.iter() {
        let Some((key, item)) = table.get_key_value(name) else { continue };
        let here = if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") };
        if contains(key.span(), pos) {
            return Some(here);
        }
        let found = match item {
            Item::None => None,
            Item::Table(sub) => {
                locate_in_document(sub, pos, &here).or_else(|| contains(sub.span(), pos).then(|| here.clone()))
            }
            Item::ArrayOfTables(array) => array.iter().enumerate().find_map(|(i, sub)| {
                let label = entry_label(&here, i, sub);
                locate_in_document(sub, pos, &label).or_else(|| contains(sub.span(), pos).then_some(label))
            }),
            Item::Value(Value::InlineTable(sub)) => {
                locate_in_document(sub, pos, &here).or_else(|| contains(sub.span(), pos).then(|| here.clone()))
            }
            Item::Value(Value::Array(array)) => array
                .iter()
                .enumerate()
                .find_map(|(i, v)| match v {
                    Value::InlineTable(sub) if contains(v.span(), pos) => {
                        let label = entry_label(&here, i, sub);
                        Some(locate_in_document(sub, pos, &label).unwrap_or(label))
                    }
                    _ => None,
                })
                .or_else(|| contains(array.span(), pos).then(|| here.clone())),
            Item::Value(v) => contains(v.span(), pos).then(|| here.clone()),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based_and_clamped() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }

    #[test]
    fn messages_fold_onto_one_line() {
        assert_eq!(one_line("  expected `=`\n\n   at the key \r\n"), "expected `=`; at the key");
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn field_is_left_out_when_empty() {
        assert_eq!(render_invalid(Path::new("p.toml"), 3, "", "bad"), "p.toml:3: bad");
        assert_eq!(render_invalid(Path::new("p.toml"), 3, "size.action", "bad"), "p.toml:3: size.action: bad");
    }
}
