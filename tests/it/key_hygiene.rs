//! The hook warns, as ssh does, when the private key it signs with can be
//! read by others; it still signs (the warning is not an error).

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::support::*;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Commits a change through the hooks; returns git's stderr.
fn attest(w: &World, file: &str) -> String {
    w.write(file, "x\n");
    w.git(["add", "-A"]);
    let rationale = format!("Rationale: {file} is signed with a key whose file permissions are under test.");
    let r =
        w.commit(&["-m", &format!("Add {file}"), "--trailer", "Authorship: human", "--trailer", &rationale]).expect(0);
    r.stderr
}

fn warning(key: &Path, mode: u32) -> String {
    format!(
        "avow: warning: private key {} is readable by others (mode {mode:04o}); restrict it with chmod 600 {}\n",
        key.display(),
        key.display()
    )
}

#[test]
fn readable_private_key_is_warned_about_and_still_signs() {
    let w = World::adopted("disclose");
    assert_eq!(attest(&w, "a.txt"), "", "no warning for mode 0600");
    chmod(&w.key, 0o644);
    assert_eq!(attest(&w, "b.txt"), warning(&w.key, 0o644));
    chmod(&w.key, 0o640);
    assert_eq!(attest(&w, "c.txt"), warning(&w.key, 0o640));
    w.verify("base..HEAD").expect(0);
}

#[test]
fn public_key_setting_warns_about_the_private_key_beside_it() {
    let w = World::adopted("disclose");
    w.git(["config", "avow.signingKey", w.key.with_extension("pub").to_str().unwrap()]);
    assert_eq!(attest(&w, "a.txt"), "");
    chmod(&w.key, 0o604);
    assert_eq!(attest(&w, "b.txt"), warning(&w.key, 0o604), "once, naming the private key");
    w.verify("base..HEAD").expect(0);
}
