//! The commit message file as the hooks see it: bytes in the commit
//! encoding (`i18n.commitEncoding`), with the line endings its editor
//! chose. avow works on the decoded text and writes the message back in
//! the same encoding and with the same line endings, so it never changes a
//! byte of what the contributor wrote (docs/odd-repositories.md).

use std::path::{Path, PathBuf};

use avow_core::encoding::Encoding;

use crate::error::{CliError, Result};
use crate::git::Config;

/// A commit message file, decoded.
#[derive(Clone)]
pub struct MessageFile {
    path: PathBuf,
    /// The message as text.
    pub text: String,
    encoding: Encoding,
    crlf: bool,
}

/// The commit encoding git will record (`i18n.commitEncoding`), or an
/// error when avow cannot read and write it.
pub fn commit_encoding(cfg: &Config) -> Result<Encoding> {
    let Some(label) = cfg.get("i18n.commitEncoding").filter(|l| !l.trim().is_empty()) else {
        return Ok(Encoding::Utf8);
    };
    Encoding::from_label(&label).ok_or_else(|| {
        CliError::new(format!("the commit encoding {label} (i18n.commitEncoding) is not supported"))
            .hint("write commit messages in UTF-8 (unset i18n.commitEncoding) or ISO-8859-1")
    })
}

/// Whether every line of `text` ends in CRLF (and there is at least one).
fn uses_crlf(text: &str) -> bool {
    let lines = text.matches('\n').count();
    lines > 0 && text.matches("\r\n").count() == lines
}

/// `text` with every bare LF turned into CRLF.
fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

impl MessageFile {
    /// Reads and decodes the message file git passed to a hook.
    pub fn read(path: &Path, cfg: &Config) -> Result<MessageFile> {
        let encoding = commit_encoding(cfg)?;
        let bytes = std::fs::read(path).map_err(|e| {
            CliError::new(format!("cannot read the commit message file {}: {e}", path.display()))
                .hint("git passes this file to the hook; run the hook through git")
        })?;
        let text = encoding.decode(&bytes).ok_or_else(|| {
            CliError::new(format!("the commit message in {} is not UTF-8", path.display())).hint(
                "write the message in UTF-8, or declare its encoding with `git config i18n.commitEncoding ISO-8859-1`",
            )
        })?;
        let crlf = uses_crlf(&text);
        Ok(MessageFile { path: path.to_path_buf(), text, encoding, crlf })
    }

    /// Writes `text` back atomically, in the file's encoding, with CRLF
    /// line endings when the file had them.
    pub fn write(&self, text: &str) -> Result<()> {
        let text = if self.crlf { to_crlf(text) } else { text.to_owned() };
        let bytes = self.encoding.encode(&text).map_err(|c| {
            let name = self.encoding.name();
            CliError::new(format!(
                "the attestation cannot be written in the commit encoding {name} (i18n.commitEncoding): it contains {c}, which {name} cannot represent"
            ))
            .hint(format!("write the statement (and user.name) in characters {name} has, or commit in UTF-8 (unset i18n.commitEncoding)"))
        })?;
        crate::atomic::write_message_bytes(&self.path, &bytes)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `text` can be written back in this file's encoding.
    pub fn can_write(&self, text: &str) -> bool {
        self.encoding.encode(text).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_detection_and_conversion() {
        assert!(uses_crlf("a\r\n\r\nb\r\n"));
        assert!(!uses_crlf("a\r\nb\n"));
        assert!(!uses_crlf("a"));
        assert_eq!(to_crlf("a\r\nb\nc\n\n"), "a\r\nb\r\nc\r\n\r\n");
        assert_eq!(to_crlf("no newline"), "no newline");
    }
}
