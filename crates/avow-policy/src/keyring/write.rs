//! Writing a keyring back as TOML, in a fixed layout.

use super::*;

pub(super) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => _ = write!(out, "\\u{:04X}", u32::from(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Keyring {
    /// The keyring as TOML: a fixed layout with a header comment and each
    /// key's fingerprint as a comment. [`Keyring::parse`] reads it back to an
    /// equal keyring. Comments of a hand-edited file are not kept.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(HEADER);
        _ = writeln!(out, "version = {KEYRING_VERSION}");
        for person in &self.people {
            out.push_str("\n[[person]]\n");
            _ = writeln!(out, "name = {}", toml_string(&person.name));
            _ = writeln!(out, "email = {}", toml_string(&person.email));
            _ = writeln!(out, "role = {}", toml_string(person.role.as_str()));
            for key in &person.keys {
                out.push_str("\n[[person.key]]\n");
                _ = writeln!(out, "# {}", key.fingerprint);
                _ = writeln!(out, "key = {}", toml_string(&key.openssh_line()));
                let dates = [
                    ("added", key.added),
                    ("valid-after", key.valid_after),
                    ("expires", key.expires),
                    ("revoked", key.revoked.as_ref().map(|r| r.at)),
                ];
                for (name, date) in dates {
                    if let Some(date) = date {
                        _ = writeln!(out, "{name} = {}", toml_string(&format_date(date)));
                    }
                }
                if let Some(r) = key.revoked.as_ref().filter(|r| !r.reason.is_empty()) {
                    _ = writeln!(out, "revoked-reason = {}", toml_string(&r.reason));
                }
                if let Some(s) = &key.succeeds {
                    _ = writeln!(out, "succeeds = {}", toml_string(s));
                }
            }
        }
        out
    }
}
