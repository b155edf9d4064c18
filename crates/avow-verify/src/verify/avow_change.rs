//! `trust.avow-change`: a commit that changes `.avow/` (the keyring or the
//! policy), under any name a checkout writes there, needs a maintainer's
//! attestation.

use avow_policy::facts::CommitFacts;
use avow_policy::findings;
use avow_policy::keyring::Role;

use super::{deny, Report, Verifier};
use crate::trust::AVOW_DIR;

/// `.avow` or a path under it, under any name a checkout may write there:
/// any ASCII letter case (case-insensitive file systems), with trailing
/// dots and spaces or as the 8.3 short name `AVOW~1`…`AVOW~4` (NTFS), and
/// with the code points HFS+ ignores in names (as git guards `.git`).
pub fn is_avow_path(path: &str) -> bool {
    const HFS_IGNORED: [char; 16] = [
        '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
        '\u{206A}', '\u{206B}', '\u{206C}', '\u{206D}', '\u{206E}', '\u{206F}', '\u{FEFF}',
    ];
    let first = path.split('/').next().unwrap_or_default();
    let name: std::borrow::Cow<'_, str> = if first.is_ascii() {
        first.into()
    } else {
        first.chars().filter(|c| !HFS_IGNORED.contains(c)).collect::<String>().into()
    };
    let name = name.trim_end_matches(['.', ' ']);
    name.eq_ignore_ascii_case(AVOW_DIR)
        || matches!(name.as_bytes(), [a, v, o, w, b'~', b'1'..=b'4'] if [*a, *v, *o, *w].eq_ignore_ascii_case(b"avow"))
}

impl Verifier<'_> {
    /// A change to `.avow/` (in any letter case, which a case-insensitive
    /// checkout would write to the same files) needs a maintainer.
    pub(super) fn check_avow_change(&self, facts: &CommitFacts, report: &mut Report) {
        if facts.change.paths.iter().any(|p| is_avow_path(p)) {
            let by_maintainer = report.signer.as_ref().is_some_and(|s| s.role == Role::Maintainer);
            if !by_maintainer {
                report.findings.push(deny(
                    &findings::TRUST_AVOW_CHANGE,
                    format!(
                        "the commit changes .avow/ (keyring or policy) but is not attested by a maintainer of the trusted keyring at {}",
                        self.trusted.rev
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_avow_path;

    #[test]
    fn avow_paths_in_any_case() {
        for p in [
            ".avow",
            ".avow/keyring.toml",
            ".AVOW/keyring.toml",
            ".Avow",
            ".aVoW/x/y",
            ".avow./keyring.toml",
            ".avow . /x",
            "AVOW~1/keyring.toml",
            "avow~4",
            ".av\u{200c}ow/keyring.toml",
            "\u{feff}.avow\u{206f}",
        ] {
            assert!(is_avow_path(p), "{p}");
        }
        for p in [
            ".avowed",
            ".avow.toml",
            "src/.avow/keyring.toml",
            ".avo",
            "",
            "é.avow",
            "avow~5",
            "AVOW~12",
            "avow",
            "avow~1x",
        ] {
            assert!(!is_avow_path(p), "{p}");
        }
    }
}
