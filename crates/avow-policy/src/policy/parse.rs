//! Reading `.avow/policy.toml` and the presets, with errors in the
//! policy's terms.

use super::*;

impl Policy {
    /// The preset names, for `git avow init --preset NAME`.
    pub const PRESETS: &'static [&'static str] = &["no-ai", "disclose", "no-autonomous"];

    /// Parses a policy file's text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Policy, PolicyError> {
        let invalid = |span: Option<Range<usize>>, field: String, message: String| {
            PolicyError::Invalid(Invalid {
                path: path.to_owned(),
                line: span.map_or(1, |s| line_of(text, s.start)),
                field,
                message,
            })
        };
        // The document with its spans is only needed to explain an error:
        // a valid file (every commit hook reads one) is parsed once.
        let policy = toml::from_str::<Policy>(text).map_err(|e| {
            let doc = match toml_edit::ImDocument::parse(text) {
                Ok(doc) => doc,
                Err(e) => return invalid(e.span(), String::new(), one_line(e.message())),
            };
            let span = e.span();
            let located = span.as_ref().and_then(|s| locate_in_document(doc.as_table(), s.start, ""));
            let message = one_line(e.message());
            if let Some(missing) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
                // `version` is the only required field at the top level.
                if missing == "version" {
                    return invalid(
                        None,
                        missing.into(),
                        "required field is missing; add `version = 1` at the top".into(),
                    );
                }
                let field = match &located {
                    Some(table) => format!("{table}.{missing}"),
                    None => missing.to_owned(),
                };
                return invalid(span, field, "required field is missing".into());
            }
            invalid(span, located.unwrap_or_default(), explain(&message))
        })?;
        if let Some(Err(MarkersError::BadEntry { index, message, .. })) =
            (!policy.markers.extra.is_empty()).then(|| Markers::builtin().with_extra(&policy.markers.extra))
        {
            let line = text.match_indices("[[markers.extra]]").nth(index - 1).map(|(at, _)| at);
            return Err(invalid(line.map(|at| at..at), format!("markers.extra[{index}]"), message));
        }
        Ok(policy)
    }

    /// The policy as a parsed-policy record keeps it (one line of JSON,
    /// fields as the policy file names them, defaults the file would not
    /// need left out), for a hook that would otherwise parse the same
    /// TOML at every commit; [`Policy::from_record`] reads it back. Empty
    /// if it cannot be written (nothing is then recorded).
    pub fn to_record(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A policy from [`Policy::to_record`]'s text: read through the same
    /// field checks as the policy file (and its `[[markers.extra]]` checked
    /// as [`Policy::parse`] checks them), so that a record says nothing a
    /// policy file could not; `None` for anything else.
    pub fn from_record(text: &str) -> Option<Policy> {
        let policy: Policy = serde_json::from_str(text).ok()?;
        if !policy.markers.extra.is_empty() && Markers::builtin().with_extra(&policy.markers.extra).is_err() {
            return None;
        }
        Some(policy)
    }

    /// The markers in force: the built-in list plus the project's
    /// `[[markers.extra]]` (checked when the policy was parsed).
    pub fn markers(&self) -> std::borrow::Cow<'static, Markers> {
        if self.markers.extra.is_empty() {
            return std::borrow::Cow::Borrowed(Markers::builtin());
        }
        match Markers::builtin().with_extra(&self.markers.extra) {
            Ok(m) => std::borrow::Cow::Owned(m),
            // `parse` refuses bad entries; a policy built in code with one
            // falls back to the built-in list rather than failing late.
            Err(_) => std::borrow::Cow::Borrowed(Markers::builtin()),
        }
    }

    /// Reads and parses a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| PolicyError::Read { path: path.to_owned(), source })?;
        Policy::parse(&text, path)
    }

    /// A preset: `no-ai`, `disclose` or `no-autonomous` (see
    /// docs/policy.md).
    pub fn preset(name: &str) -> Result<Policy, PolicyError> {
        let mut p = Policy::default();
        match name {
            "disclose" => {}
            "no-ai" => {
                p.authorship.allowed = vec![Authorship::Human];
                p.markers.refuse = true;
                p.dco.required = true;
            }
            "no-autonomous" => p.authorship.allowed = vec![Authorship::Human, Authorship::Assisted],
            _ => return Err(PolicyError::UnknownPreset { name: name.to_owned() }),
        }
        Ok(p)
    }

    /// The commented `.avow/policy.toml` text that `git avow init --preset
    /// NAME` writes; it parses to [`Policy::preset`].
    pub fn preset_toml(name: &str) -> Result<&'static str, PolicyError> {
        match name {
            "no-ai" => Ok(include_str!("../../data/presets/no-ai.toml")),
            "disclose" => Ok(include_str!("../../data/presets/disclose.toml")),
            "no-autonomous" => Ok(include_str!("../../data/presets/no-autonomous.toml")),
            _ => Err(PolicyError::UnknownPreset { name: name.to_owned() }),
        }
    }

    /// The adoption point (`[adoption] since`), if any: commits that are
    /// it or its ancestors are exempt.
    pub fn adoption_since(&self) -> Option<&str> {
        self.adoption.since.as_deref()
    }

    /// Whether any rule reads the number of changed lines, which costs a
    /// content diff; the verifier skips that diff otherwise.
    pub fn needs_line_counts(&self) -> bool {
        self.size.max_lines.is_some()
            || self.paths.iter().any(|p| p.max_lines.is_some())
            || self.newcomer.as_ref().is_some_and(|n| n.max_lines.is_some())
    }
}

/// Rewrites serde's messages in the policy's terms (field names without
/// backticks, TOML type names).
pub(super) fn explain(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let expected = rest.split_once("`, ").map_or("", |(_, e)| e).replace('`', "");
        return if expected.is_empty() { "unknown field".into() } else { format!("unknown field; {expected}") };
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((found, expected)) = message.strip_prefix(prefix).and_then(|r| r.rsplit_once(", expected ")) {
            return format!("expected {}, found {}", toml_type(expected), found.replace('`', ""));
        }
    }
    message.to_owned()
}

pub(super) fn toml_type(serde_name: &str) -> &str {
    match serde_name {
        "usize" | "u64" | "u32" | "u16" | "u8" => "a non-negative integer",
        "i64" | "i32" => "an integer",
        "a sequence" => "an array",
        "a map" => "a table",
        s if s.starts_with("struct ") => "a table",
        s => s,
    }
}
