//! Names that a Windows (NTFS) or macOS (HFS+) checkout writes to `.avow/`
//! although git sees another path: trailing dots and spaces, the 8.3 short
//! name, and code points HFS+ ignores. Like `.AVOW/`, a commit adding one
//! changes the trust files of whoever checks it out there, so it needs a
//! maintainer (`trust.avow-change`).

use crate::attacks::{bob_commits_staged, refused, with_bob};

#[test]
fn avow_dir_aliases_of_other_file_systems_need_a_maintainer() {
    for (subject, dir) in [
        ("Add a dotted keyring", ".avow."),
        ("Add a spaced keyring", ".avow  "),
        ("Add a short-named keyring", "AVOW~1"),
        ("Add a joined keyring", ".av\u{200c}ow"),
        ("Add a marked keyring", "\u{feff}.AVOW"),
    ] {
        let (w, bob) = with_bob();
        w.write(&format!("{dir}/keyring.toml"), "version = 1\n");
        w.git(["add", "-A"]);
        bob_commits_staged(&w, &bob, subject);
        assert_eq!(refused(&w, "trusted..HEAD"), [format!("{subject}: rejected trust.avow-change")], "{dir:?}");
    }
}
