//! Every error: exit 2, one line of reason naming the file or value, a
//! hint, never a panic.

use crate::support::*;

#[track_caller]
#[expect(clippy::needless_pass_by_value, reason = "call sites read better")]
fn error(r: Run, reason: &str) {
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "one reason line and one hint line: {:?}", r.stderr);
    assert!(lines[0].starts_with("git-avow: error: "), "{}", lines[0]);
    assert!(lines[0].contains(reason), "{:?} does not contain {reason:?}", lines[0]);
    assert!(lines[1].starts_with("hint: "), "{}", lines[1]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn unknown_revision() {
    let w = World::adopted("disclose");
    error(w.verify("base..no-such-branch"), "unknown revision `no-such-branch`");
    error(w.avow(["show", "nope"]), "unknown revision `nope`");
}

#[test]
fn not_a_repository() {
    let w = World::bare();
    let outside = w.scratch();
    error(w.avow_in(&outside, ["verify", "a..b"]), "not a git repository");
}

#[test]
fn no_range_and_no_upstream() {
    let w = World::adopted("disclose");
    error(w.avow(["verify"]), "no upstream");
}

#[test]
fn single_revision_needs_trust() {
    let w = World::adopted("disclose");
    error(w.avow(["verify", "HEAD"]), "has no base");
}

#[test]
fn missing_key_file() {
    let w = World::adopted("disclose");
    w.git(["config", "avow.signingKey", "/nonexistent/id_ed25519"]);
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    let r = w.commit(&args);
    assert_eq!(r.code, 1, "git reports the hook's failure as 1: {}", r.stderr);
    assert!(
        r.stderr.contains("git-avow: error: cannot use the key from avow.signingKey (/nonexistent/id_ed25519)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    // the hook itself exits 2
    let msg = w.scratch().join("msg");
    std::fs::write(&msg, "Add a\n\nAuthorship: human\nRationale: A rationale that is long enough.\n").unwrap();
    error(w.avow(["hook", "commit-msg", msg.to_str().unwrap()]), "/nonexistent/id_ed25519");
}

#[test]
fn no_keyring_at_the_trusted_revision() {
    let w = World::bare();
    w.repo.commit_all("first");
    w.repo.commit_all("second");
    error(w.verify("HEAD~1..HEAD"), "there is no .avow/keyring.toml at HEAD~1");
}

#[test]
fn malformed_keyring_names_file_and_line() {
    let w = World::adopted("disclose");
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n[[person]]\nname = 3\n")).unwrap();
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "break keyring"]);
    let line = text.lines().count() + 3;
    error(w.verify("HEAD..HEAD"), &format!(".avow/keyring.toml@HEAD:{line}"));
}

#[test]
fn malformed_policy_names_file_and_line() {
    let w = World::adopted("disclose");
    let path = w.path().join(".avow/policy.toml");
    std::fs::write(&path, "version = 1\nno-such-field = true\n").unwrap();
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "break policy"]);
    error(w.verify("HEAD..HEAD"), ".avow/policy.toml@HEAD:2");
    // the hook reads the work tree's policy and says the same
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    let msg = w.scratch().join("msg");
    std::fs::write(&msg, "Add a\n\nAuthorship: human\nRationale: A rationale that is long enough.\n").unwrap();
    error(w.avow(["hook", "commit-msg", msg.to_str().unwrap()]), ".avow/policy.toml:2");
}

#[test]
fn unknown_preset() {
    let w = World::bare();
    error(w.avow(["init", "--preset", "yolo"]), "yolo");
}

#[test]
fn init_refuses_to_overwrite() {
    let w = World::adopted("disclose");
    error(w.avow(["init"]), ".avow/policy.toml already exists");
}

#[test]
fn unreadable_message_file() {
    let w = World::adopted("disclose");
    error(w.avow(["hook", "commit-msg", "/nonexistent/COMMIT_EDITMSG"]), "/nonexistent/COMMIT_EDITMSG");
}

#[test]
fn bad_arguments_exit_2() {
    let w = World::adopted("disclose");
    let r = w.avow(["verify", "--format", "xml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = w.avow(["no-such-command"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// A signing key path that is not UTF-8, in the repository's config or
/// given with `git -c`: refused naming the setting, never skipped for the
/// next key avow finds (here `~/.ssh/id_ed25519`, which would sign).
#[test]
fn signing_key_path_not_utf8_is_not_skipped() {
    use std::os::unix::ffi::OsStrExt as _;
    let w = World::adopted("disclose");
    let ssh = w.home().join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::copy(&w.key, ssh.join("id_ed25519")).unwrap();
    let bad = std::ffi::OsStr::from_bytes(b"/nonexistent/k\xff");
    let mut args = vec!["-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    w.repo.git([std::ffi::OsStr::new("config"), std::ffi::OsStr::new("avow.signingKey"), bad]);
    let r = w.commit(&args);
    assert_eq!(r.code, 1, "the hook refuses: {}", r.stderr);
    assert!(
        r.stderr.contains("git-avow: error: cannot use the key from avow.signingKey (/nonexistent/k\u{fffd})"),
        "{}",
        r.stderr
    );
    // The same through `git -c`, beside another `-c` that is UTF-8.
    w.git(["config", "avow.signingKey", w.key.to_str().unwrap()]);
    let mut with_c = vec![std::ffi::OsString::from("-c"), std::ffi::OsString::from("user.name=Alice Example")];
    with_c.push("-c".into());
    let mut setting = std::ffi::OsString::from("avow.signingKey=");
    setting.push(bad);
    with_c.push(setting);
    with_c.extend(["commit", "-q"].iter().chain(&args).map(std::ffi::OsString::from));
    let r = w.git_notty(with_c);
    assert_eq!(r.code, 1, "the hook refuses: {}", r.stderr);
    assert!(r.stderr.contains("avow.signingKey (/nonexistent/k\u{fffd})"), "{}", r.stderr);
    assert_eq!(w.git(["rev-list", "--count", "HEAD"]), "1", "nothing was committed");
}

/// An argument that is not UTF-8 (a range, a value): the usual one line
/// naming it and a hint, not clap's paragraph that names nothing.
#[test]
fn argument_not_utf8() {
    use std::os::unix::ffi::OsStrExt as _;
    let w = World::adopted("disclose");
    let bad = std::ffi::OsStr::from_bytes(b"base..caf\xe9");
    error(w.avow([std::ffi::OsStr::new("verify"), bad]), "the argument \"base..caf\u{fffd}\" is not UTF-8");
    let r = w.avow([std::ffi::OsStr::new("report"), std::ffi::OsStr::new("--trust"), bad]);
    error(r, "the argument \"base..caf\u{fffd}\" is not UTF-8");
}
