//! Odd repositories: every shape of history, content and layout avow must
//! handle, each built with real git, attested through the real hooks and
//! checked with the real `git avow verify` / `show` / `report`.

use std::path::Path;

use crate::support::*;

/// Replaces every commit id (12 to 64 hex digits standing alone) with `ID`,
/// so whole outputs can be compared although signing times (and so commit
/// ids) differ from run to run.
fn mask_ids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= 12 && word.len() <= 64 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push_str("ID");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `git avow show REV --format json` (trusting `base`), parsed.
fn show_json(w: &World, rev: &str) -> serde_json::Value {
    let r = w.avow(["show", rev, "--trust", "base", "--format", "json"]).expect(0);
    serde_json::from_str(&r.stdout).unwrap()
}

/// avow's change digest agrees with docs/payload.md recomputed by hand
/// from git's output, and the signed `c=` is that digest.
#[track_caller]
fn change_agrees(w: &World, rev: &str) -> Option<String> {
    let shown = show_json(w, rev);
    let ours = shown["change"].as_str().map(str::to_owned);
    assert_eq!(ours, w.change_digest_by_hand(rev), "change digest of {rev}");
    let signed = shown["signature"].as_str().unwrap().split(' ').find_map(|f| f.strip_prefix("c=")).unwrap().to_owned();
    assert_eq!(signed, ours.clone().unwrap_or_else(|| "none".into()), "signed change digest of {rev}");
    ours
}

/// `git commit` of what is staged with a human statement, through the
/// hooks; `extra` arguments come first.
fn commit_human(w: &World, extra: &[&str], subject: &str, rationale: &str) -> Run {
    let rationale = format!("Rationale: {rationale}");
    let mut args = extra.to_vec();
    args.extend(["-m", subject, "--trailer", "Authorship: human", "--trailer", &rationale]);
    w.commit(&args)
}

/// Commits what is staged with a human statement, through the hooks.
fn attest_staged(w: &World, subject: &str) {
    commit_human(w, &[], subject, &format!("{subject}; the odd-repository suite checks that avow attests it."))
        .expect(0);
}

/// `git -C DIR ARGS` with the hooks on and no terminal.
fn git_at(w: &World, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["-C", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    w.git_notty(all)
}

/// The error and hint lines git-avow printed.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("git-avow:") || l.starts_with("hint:")).collect()
}

/// The human verify output for `range`, ids masked.
fn verify_masked(w: &World, range: &str, code: i32) -> String {
    mask_ids(&w.verify(range).expect(code).stdout)
}

/// The finding for a signature that no longer matches its commit.
fn bad_signature(w: &World) -> String {
    let out = w.command("ssh-keygen").arg("-lf").arg(w.key.with_extension("pub")).output().unwrap();
    let listing = String::from_utf8(out.stdout).unwrap();
    let fingerprint = listing.split(' ').nth(1).unwrap();
    // Masked like the output it is compared with.
    mask_ids(&format!(
        "        the signature does not verify: bad signature by key {fingerprint}: the signed statement or the commit \
         changed after signing; re-attest the commit [signature.invalid]\n"
    ))
}

fn ok_line(subject: &str) -> String {
    format!("ok      ID  {subject}  [human, {AUTHOR_NAME} <{AUTHOR_EMAIL}>]\n")
}

#[test]
fn root_commit_is_attested_and_verified_against_the_empty_tree() {
    let w = World::adopted("disclose");
    assert_eq!(w.git(["rev-list", "--count", "base"]), "1", "base is a root commit");
    assert!(change_agrees(&w, "base").is_some());
    let r = w.avow(["verify", "base", "--trust", "base"]).expect(0);
    assert_eq!(
        mask_ids(&r.stdout),
        format!("{}avow: 1 commit: 1 accepted, 0 rejected (range base, trust base)\n", ok_line("Adopt avow"))
    );
}

#[test]
fn empty_commit_signs_change_none() {
    let w = World::adopted("disclose");
    let why = "The release is cut from here; an empty commit marks the decision in history.";
    commit_human(&w, &["--allow-empty"], "Record the release decision", why).expect(0);
    assert_eq!(change_agrees(&w, "HEAD"), None);
    assert_eq!(
        verify_masked(&w, "base..HEAD", 0),
        format!(
            "{}avow: 1 commit: 1 accepted, 0 rejected (range base..HEAD, trust base)\n",
            ok_line("Record the release decision")
        )
    );
    // The same empty statement cannot be moved onto a commit with a change.
    let msg = w.message("HEAD");
    w.write("a.txt", "a change\n");
    w.git(["add", "-A"]);
    let f = w.scratch().join("copied");
    std::fs::write(&f, msg).unwrap();
    w.git(["commit", "-q", "--no-verify", "-F", f.to_str().unwrap()]);
    let r = w.verify("HEAD~1..HEAD").expect(1);
    assert!(mask_ids(&r.stdout).starts_with("FAIL    ID  Record the release decision\n"), "{}", r.stdout);
}

#[test]
fn octopus_merge_is_attested_when_the_policy_requires_merges() {
    let w = World::adopted("disclose");
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    w.write(".avow/policy.toml", policy.replace("merges = \"skip\"", "merges = \"require\""));
    w.git(["add", "-A"]);
    attest_staged(&w, "Require attested merges");
    // The new policy is the trust base from here on.
    w.git(["tag", "-f", "base"]);
    for branch in ["one", "two", "three"] {
        w.git(["checkout", "-q", "-b", branch, "base"]);
        w.write(&format!("{branch}.txt"), format!("{branch}\n"));
        w.git(["add", "-A"]);
        attest_staged(&w, &format!("Add {branch}"));
    }
    w.git(["checkout", "-q", "main"]);
    w.write("main.txt", "main\n");
    w.git(["add", "-A"]);
    attest_staged(&w, "Add main");
    // git merge takes no --trailer: stop before committing, then commit
    // the merge with the statement (the hooks run on both paths).
    w.git_notty(["merge", "-q", "--no-ff", "--no-commit", "one", "two", "three"]).expect(0);
    attest_staged(&w, "Merge one, two and three");
    assert_eq!(w.git(["rev-list", "--parents", "-n", "1", "HEAD"]).split(' ').count(), 5, "an octopus merge");
    assert!(change_agrees(&w, "HEAD").is_some(), "first-parent diff of an octopus");
    let out = verify_masked(&w, "base..HEAD", 0);
    assert!(out.ends_with("avow: 5 commits: 5 accepted, 0 rejected (range base..HEAD, trust base)\n"), "{out}");
    assert!(out.contains(&ok_line("Merge one, two and three")), "{out}");
}

#[test]
fn binary_files_renames_and_mode_changes_agree_with_git() {
    let w = World::adopted("disclose");
    let mut image: Vec<u8> = (0..4096u32).map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[1]).collect();
    image[0] = 0;
    w.write("assets/logo.png", &image);
    w.write("tools/build.sh", "#!/bin/sh\necho build\n");
    w.write("docs/guide.txt", (1..=40).map(|i| format!("guide line {i}")).collect::<Vec<_>>().join("\n") + "\n");
    w.git(["add", "-A"]);
    attest_staged(&w, "Add the logo, a build script and the guide");
    assert!(change_agrees(&w, "HEAD").is_some());

    image[2000] ^= 0xff;
    w.write("assets/logo.png", &image);
    w.git(["add", "-A"]);
    attest_staged(&w, "Touch up one pixel of the logo");
    let one_byte = change_agrees(&w, "HEAD");

    w.git(["mv", "docs/guide.txt", "docs/handbook.txt"]);
    attest_staged(&w, "Rename the guide to handbook");
    change_agrees(&w, "HEAD");

    w.git(["update-index", "--chmod=+x", "tools/build.sh"]);
    attest_staged(&w, "Make the build script executable");
    change_agrees(&w, "HEAD");

    w.git(["mv", "assets/logo.png", "assets/logo-old.png"]);
    w.write("assets/logo-old.png", b"\0\x01\x02 replaced binary\n");
    w.git(["add", "-A"]);
    attest_staged(&w, "Rename the logo and replace its bytes");
    assert_ne!(change_agrees(&w, "HEAD"), one_byte);

    let out = verify_masked(&w, "base..HEAD", 0);
    assert!(out.ends_with("avow: 5 commits: 5 accepted, 0 rejected (range base..HEAD, trust base)\n"), "{out}");
    // Recomputing every change digest (no tree-binding shortcut) agrees.
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
    // A rebase onto other work keeps binary, rename and mode changes valid.
    w.git(["checkout", "-q", "-b", "other", "base"]);
    w.write("unrelated.txt", "elsewhere\n");
    w.git(["add", "-A"]);
    attest_staged(&w, "Unrelated work");
    w.git(["checkout", "-q", "main"]);
    w.git(["rebase", "-q", "other"]);
    let out = verify_masked(&w, "other..HEAD", 0);
    assert!(out.ends_with("avow: 5 commits: 5 accepted, 0 rejected (range other..HEAD, trust other)\n"), "{out}");
}

#[test]
fn symlinks_are_attested_as_git_sees_them() {
    let w = World::adopted("disclose");
    w.write("target.txt", "t\n");
    std::os::unix::fs::symlink("target.txt", w.path().join("link")).unwrap();
    w.git(["add", "-A"]);
    attest_staged(&w, "Add a link to the target");
    change_agrees(&w, "HEAD");
    std::fs::remove_file(w.path().join("link")).unwrap();
    std::os::unix::fs::symlink("elsewhere.txt", w.path().join("link")).unwrap();
    w.git(["add", "-A"]);
    attest_staged(&w, "Point the link elsewhere");
    change_agrees(&w, "HEAD");
    w.verify("base..HEAD").expect(0);
}

#[test]
fn submodule_bumps_are_attested_and_a_different_bump_is_not() {
    let w = World::adopted("disclose");
    // A real submodule repository, cloned in through `git submodule add`.
    let lib = TestRepo::new();
    lib.write("lib.c", "int lib(void) { return 1; }\n");
    let first = lib.commit_all("lib v1");
    lib.write("lib.c", "int lib(void) { return 2; }\n");
    let second = lib.commit_all("lib v2");
    let url = lib.path().display().to_string();
    w.git(["-c", "protocol.file.allow=always", "submodule", "add", "-q", &url, "vendor/lib"]);
    w.git(["-C", "vendor/lib", "checkout", "-q", &first]);
    w.git(["add", "-A"]);
    attest_staged(&w, "Vendor the lib at v1");
    change_agrees(&w, "HEAD");
    w.git(["-C", "vendor/lib", "checkout", "-q", &second]);
    w.git(["add", "vendor/lib"]);
    attest_staged(&w, "Bump the lib to v2");
    let bump = change_agrees(&w, "HEAD");
    assert!(bump.is_some());
    w.verify("base..HEAD").expect(0);
    // The same statement on a bump to another commit: the gitlink is bound.
    let msg = w.message("HEAD");
    w.git(["reset", "-q", "--soft", "HEAD~1"]);
    w.git(["update-index", "--cacheinfo", &format!("160000,{},vendor/lib", "3".repeat(40))]);
    let f = w.scratch().join("bump");
    std::fs::write(&f, msg).unwrap();
    w.git(["commit", "-q", "--no-verify", "-F", f.to_str().unwrap()]);
    let r = w.verify("HEAD~1..HEAD").expect(1);
    assert_eq!(
        mask_ids(&r.stdout),
        "FAIL    ID  Bump the lib to v2\n        the change is not the one that was signed (change digest ID, signed ID): the diff \
         was edited after signing (or a conflict resolved); if the statement is yours, re-sign it with \
         `git commit --amend --no-edit` (HEAD) or `git avow reattest BASE..HEAD` (a branch) [attestation.change]\n\
         avow: 1 commit: 0 accepted, 1 rejected (range HEAD~1..HEAD, trust HEAD~1)\n"
    );
}

#[test]
fn linked_worktree_runs_the_hooks_and_verifies() {
    let w = World::adopted("disclose");
    let wt = w.scratch().join("wt");
    w.git(["worktree", "add", "-q", "-b", "topic", wt.to_str().unwrap()]);
    std::fs::write(wt.join("topic.txt"), "from the worktree\n").unwrap();
    let in_wt = |args: &[&str]| git_at(&w, &wt, args);
    in_wt(&["add", "-A"]).expect(0);
    // Unattested: the hook (installed in the common .git/hooks) refuses.
    let r = in_wt(&["commit", "-q", "-m", "Work in a worktree"]).expect(1);
    assert!(r.stderr.contains("commit refused: the message lacks"), "{}", r.stderr);
    in_wt(&[
        "commit",
        "-q",
        "-m",
        "Work in a worktree",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Linked worktrees share hooks and objects; the commit is attested all the same.",
    ])
    .expect(0);
    let r = w.avow_in(&wt, ["verify", "base..HEAD"]).expect(0);
    assert_eq!(
        mask_ids(&r.stdout),
        format!(
            "{}avow: 1 commit: 1 accepted, 0 rejected (range base..HEAD, trust base)\n",
            ok_line("Work in a worktree")
        )
    );
    // Amending in the worktree re-attests against the right parent.
    std::fs::write(wt.join("topic.txt"), "from the worktree, amended\n").unwrap();
    in_wt(&["add", "-A"]).expect(0);
    in_wt(&["commit", "-q", "--amend", "--no-edit"]).expect(0);
    w.avow_in(&wt, ["verify", "base..HEAD"]).expect(0);
    // The main work tree sees the worktree's branch too.
    w.verify("base..topic").expect(0);
}

#[test]
fn bare_clone_verifies_shows_and_reports() {
    let w = World::adopted("disclose");
    w.change("src/lib.rs", "pub fn answer() -> u32 { 42 }\n", "Add the answer");
    w.change("src/lib.rs", "pub fn answer() -> u32 { 43 }\n", "Change the answer");
    let bare = w.scratch().join("mirror.git");
    w.git(["clone", "-q", "--bare", w.path().to_str().unwrap(), bare.to_str().unwrap()]);
    let r = w.avow_in(&bare, ["verify", "base..main"]).expect(0);
    assert_eq!(
        mask_ids(&r.stdout),
        format!(
            "{}{}avow: 2 commits: 2 accepted, 0 rejected (range base..main, trust base)\n",
            ok_line("Add the answer"),
            ok_line("Change the answer")
        )
    );
    let shown = w.avow_in(&bare, ["show", "main", "--format", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(v["change"].as_str().map(str::to_owned), w.change_digest_by_hand("main"));
    w.avow_in(&bare, ["report", "base..main"]).expect(0);
    // A tampered commit pushed to the bare repository is caught there.
    w.tamper_message(|m| m.replace("Change the answer", "Change the answer again"));
    w.git(["push", "-q", "--force", bare.to_str().unwrap(), "main"]);
    let r = w.avow_in(&bare, ["verify", "base..main"]).expect(1);
    assert_eq!(
        mask_ids(&r.stdout),
        format!(
            "{}FAIL    ID  Change the answer again\n{}avow: 2 commits: 1 accepted, 1 rejected (range base..main, trust base)\n",
            ok_line("Add the answer"),
            bad_signature(&w)
        )
    );
}

#[test]
fn crlf_message_written_verbatim_is_attested_and_keeps_its_line_endings() {
    let w = World::adopted("disclose");
    w.write("crlf.txt", "x\n");
    w.git(["add", "-A"]);
    // A Windows editor's message file, kept as is by --cleanup=verbatim.
    let msg = "Handle Windows line endings\r\n\r\nThe body, written on Windows.\r\n\r\nAuthorship: human\r\n\
               Rationale: Messages written with CRLF line endings must attest like any other.\r\n";
    let f = w.scratch().join("crlf-msg");
    std::fs::write(&f, msg).unwrap();
    w.commit(&["--cleanup=verbatim", "-F", f.to_str().unwrap()]).expect(0);
    let raw = String::from_utf8(w.git_stdin(["cat-file", "commit", "HEAD"], b"")).unwrap();
    let body = raw.split_once("\n\n").unwrap().1;
    assert!(body.starts_with(msg), "the message is kept: {body:?}");
    let added = &body[msg.len()..];
    assert!(added.starts_with(&format!("Understood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>\r\nAvow-Signature: v2 t=")));
    assert!(added.ends_with("\r\n") && added.matches('\n').count() == 2, "{added:?}");
    assert_eq!(
        verify_masked(&w, "base..HEAD", 0),
        format!(
            "{}avow: 1 commit: 1 accepted, 0 rejected (range base..HEAD, trust base)\n",
            ok_line("Handle Windows line endings")
        )
    );
    // git reads the same trailers (values without the carriage return).
    assert_eq!(w.trailer("HEAD", "Authorship").as_deref(), Some("human"));
}

#[test]
fn crlf_message_with_default_cleanup_is_attested() {
    let w = World::adopted("disclose");
    w.write("crlf.txt", "x\n");
    w.git(["add", "-A"]);
    let msg = "Handle Windows line endings\r\n\r\nAuthorship: human\r\n\
               Rationale: git strips the carriage returns itself under the default cleanup.\r\n";
    let f = w.scratch().join("crlf-msg");
    std::fs::write(&f, msg).unwrap();
    w.commit(&["-F", f.to_str().unwrap()]).expect(0);
    w.verify("base..HEAD").expect(0);
}

/// A repository whose commits are stored in ISO-8859-1.
fn latin1_world() -> World {
    let w = World::adopted("disclose");
    w.git(["config", "i18n.commitEncoding", "ISO-8859-1"]);
    w
}

#[test]
fn latin1_commit_encoding_attests_and_verifies() {
    let w = latin1_world();
    w.write("caf\u{e9}.txt", "x\n");
    w.git(["add", "-A"]);
    // "Corrige l'accent de café" and a rationale with é, à, ü in Latin-1.
    let mut msg = b"Corrige l'accent de caf\xe9\n\nAuthorship: human\n".to_vec();
    msg.extend_from_slice(b"Rationale: Le mot caf\xe9 perdait son accent \xe0 l'affichage; m\xfcsli aussi.\n");
    let f = w.scratch().join("latin1-msg");
    std::fs::write(&f, &msg).unwrap();
    w.commit(&["-F", f.to_str().unwrap()]).expect(0);
    let raw = w.git_stdin(["cat-file", "commit", "HEAD"], b"");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("\nencoding ISO-8859-1\n"), "{text}");
    let body = &raw[raw.windows(2).position(|p| p == b"\n\n").unwrap() + 2..];
    assert!(body.starts_with(&msg), "the message stays Latin-1, byte for byte: {:?}", String::from_utf8_lossy(body));
    assert!(std::str::from_utf8(body).is_err(), "not re-encoded to UTF-8");
    assert_eq!(
        verify_masked(&w, "base..HEAD", 0),
        format!(
            "{}avow: 1 commit: 1 accepted, 0 rejected (range base..HEAD, trust base)\n",
            ok_line("Corrige l'accent de caf\u{e9}")
        )
    );
    let shown = show_json(&w, "HEAD");
    assert_eq!(shown["rationale"], "Le mot caf\u{e9} perdait son accent \u{e0} l'affichage; m\u{fc}sli aussi.");
    assert!(
        shown["payload"].as_str().unwrap().contains("\nsubject Corrige l'accent de caf\u{e9}\n"),
        "the payload binds the text, in UTF-8: {}",
        shown["payload"]
    );
    // Editing one Latin-1 byte breaks the signature.
    let tampered: Vec<u8> = msg.iter().map(|&b| if b == 0xfc { 0xfb } else { b }).collect();
    let full = w.git_stdin(["log", "-1", "--format=%B", "--encoding=ISO-8859-1"], b"");
    let mut edited = tampered.clone();
    edited.extend_from_slice(&full[msg.len()..]);
    std::fs::write(&f, &edited).unwrap();
    w.git(["commit", "-q", "--amend", "--no-verify", "--cleanup=verbatim", "-F", f.to_str().unwrap()]);
    let r = w.verify("base..HEAD").expect(1);
    assert_eq!(
        mask_ids(&r.stdout),
        format!(
            "FAIL    ID  Corrige l'accent de caf\u{e9}\n{}avow: 1 commit: 0 accepted, 1 rejected (range base..HEAD, trust base)\n",
            bad_signature(&w)
        )
    );
}

#[test]
fn latin1_refuses_a_name_latin1_cannot_write() {
    let w = latin1_world();
    w.git(["config", "user.name", "\u{141}ukasz \u{17b}\u{f3}\u{142}w"]);
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = commit_human(&w, &[], "Add a", "A name outside Latin-1 cannot be written into this message.").expect(1);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before);
    assert_eq!(
        error_lines(&r.stderr).first().copied().unwrap_or_default(),
        "git-avow: error: the attestation cannot be written in the commit encoding ISO-8859-1 (i18n.commitEncoding): \
         it contains \u{141}, which ISO-8859-1 cannot represent",
        "{}",
        r.stderr
    );
}

#[test]
fn unsupported_commit_encoding_is_a_clear_error() {
    let w = World::adopted("disclose");
    w.git(["config", "i18n.commitEncoding", "Shift_JIS"]);
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    let r = commit_human(&w, &[], "Add a", "An encoding avow cannot read must not be signed blindly.").expect(1);
    let lines = error_lines(&r.stderr);
    assert_eq!(
        lines,
        [
            "git-avow: error: the commit encoding Shift_JIS (i18n.commitEncoding) is not supported",
            "hint: write commit messages in UTF-8 (unset i18n.commitEncoding) or ISO-8859-1",
        ],
        "{}",
        r.stderr
    );
}

#[test]
fn non_utf8_message_without_an_encoding_is_a_clear_error() {
    let w = World::adopted("disclose");
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    let f = w.scratch().join("bytes");
    std::fs::write(&f, b"Caf\xe9 without a declared encoding\n\nAuthorship: human\nRationale: Latin-1 bytes but git thinks the message is UTF-8.\n").unwrap();
    let r = w.commit(&["-F", f.to_str().unwrap()]).expect(1);
    let lines = error_lines(&r.stderr);
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines[0].starts_with("git-avow: error: the commit message in ") && lines[0].ends_with(" is not UTF-8"),
        "{}",
        r.stderr
    );
    assert_eq!(
        lines[1],
        "hint: write the message in UTF-8, or declare its encoding with `git config i18n.commitEncoding ISO-8859-1`"
    );
}

#[test]
fn sha256_repository_attests_verifies_and_agrees_with_git() {
    let w = World::adopted_in(TestRepo::new_sha256(), "disclose");
    assert_eq!(w.git(["rev-parse", "--show-object-format"]), "sha256");
    let mut image: Vec<u8> = (0..3000u32).map(|i| i.wrapping_mul(40_503).to_le_bytes()[1]).collect();
    image[0] = 0;
    w.write("bin/blob.dat", &image);
    w.write("tool.sh", "#!/bin/sh\n");
    w.git(["add", "-A"]);
    attest_staged(&w, "Add a binary file and a script");
    let exec = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(w.path().join("tool.sh"), exec).unwrap();
    w.git(["mv", "bin/blob.dat", "bin/moved.dat"]);
    w.git(["add", "-A"]);
    attest_staged(&w, "Make the script executable and move the blob");
    w.commit(&[
        "--allow-empty",
        "-m",
        "Mark the sha256 release",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: An empty commit in a SHA-256 repository signs change none.",
    ])
    .expect(0);
    for rev in ["base", "HEAD~2", "HEAD~1", "HEAD"] {
        let digest = change_agrees(&w, rev);
        assert!(digest.as_ref().is_none_or(|d| d.len() == 64), "a change digest: {digest:?}");
    }
    let out = verify_masked(&w, "base..HEAD", 0);
    assert_eq!(
        out,
        format!(
            "{}{}{}avow: 3 commits: 3 accepted, 0 rejected (range base..HEAD, trust base)\n",
            ok_line("Add a binary file and a script"),
            ok_line("Make the script executable and move the blob"),
            ok_line("Mark the sha256 release")
        )
    );
    let full = w.git(["rev-parse", "HEAD"]);
    assert_eq!(full.len(), 64);
    w.avow(["show", &full, "--trust", "base"]).expect(0);
    // A rebase recomputes the change digests; a bare clone verifies too.
    w.git(["checkout", "-q", "-b", "other", "base"]);
    w.write("other.txt", "o\n");
    w.git(["add", "-A"]);
    attest_staged(&w, "Other work");
    w.git(["checkout", "-q", "main"]);
    w.git(["rebase", "-q", "other"]);
    w.avow(["verify", "other..main", "--no-fast-path"]).expect(0);
    let bare = w.scratch().join("sha256.git");
    w.git(["clone", "-q", "--bare", w.path().to_str().unwrap(), bare.to_str().unwrap()]);
    w.avow_in(&bare, ["verify", "other..main"]).expect(0);
    let report = w.avow(["report", "other..main", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(report["commits"].as_array().map(Vec::len), Some(3), "{report}");
    // Tampering is caught as in SHA-1 repositories.
    let f = w.scratch().join("tampered");
    std::fs::write(&f, w.message("HEAD").replace("signs change none", "signs nothing at all")).unwrap();
    w.git(["commit", "-q", "--amend", "--no-verify", "--allow-empty", "--cleanup=verbatim", "-F", f.to_str().unwrap()]);
    let r = w.verify("other..HEAD").expect(1);
    assert_eq!(
        mask_ids(&r.stdout),
        format!(
            "{}{}FAIL    ID  Mark the sha256 release\n{}avow: 3 commits: 2 accepted, 1 rejected (range other..HEAD, trust other)\n",
            ok_line("Add a binary file and a script"),
            ok_line("Make the script executable and move the blob"),
            bad_signature(&w)
        )
    );
}

#[test]
fn unknown_object_format_is_a_clear_error() {
    let w = World::adopted("disclose");
    // A future object format neither libgit2 nor this git knows.
    let config = w.path().join(".git/config");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("repositoryformatversion = 0", "repositoryformatversion = 1")
            + "[extensions]\n\tobjectFormat = sha512\n",
    )
    .unwrap();
    let expected = format!(
        "git-avow: error: {} uses the SHA-512 object format (extensions.objectFormat = sha512), which avow does not support\n\
         hint: avow works in SHA-1 and SHA-256 repositories; see docs/odd-repositories.md\n",
        w.path().join(".git").display()
    );
    for args in [&["verify", "base..HEAD"][..], &["show"], &["report", "base..HEAD"], &["install"], &["init"]] {
        let r = w.avow(args).expect(2);
        assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", expected.as_str()), "{args:?}");
    }
    // From a subdirectory, and as the hook git would call.
    std::fs::create_dir_all(w.path().join("src")).unwrap();
    let msg = w.scratch().join("msg");
    std::fs::write(&msg, "Subject\n\nAuthorship: human\nRationale: A hook in a repository of an unknown format.\n")
        .unwrap();
    let r = w.avow_in(&w.path().join("src"), ["hook", "commit-msg", msg.to_str().unwrap()]).expect(2);
    assert_eq!(r.stderr, expected);
}

#[test]
fn message_without_a_log_message_before_the_divider_is_refused() {
    let w = World::adopted("disclose");
    let f = w.scratch().join("msg");
    let text = "---\nnot a subject\n\nAuthorship: human\nRationale: Trailers would land above the divider line.\n";
    std::fs::write(&f, text).unwrap();
    let r = w.avow(["hook", "commit-msg", f.to_str().unwrap()]).expect(1);
    assert_eq!(
        r.stderr,
        "avow: commit refused: the message has no subject line before its trailers or its `---` line; \
         start it with a one-line summary\n"
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), text, "the message is left as it was");
}

#[test]
fn verify_names_an_encoding_it_cannot_read() {
    let w = World::adopted("disclose");
    // Commits made past the hook: one declares Shift_JIS, one carries
    // Latin-1 bytes while declaring nothing (so UTF-8).
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    w.git(["-c", "i18n.commitEncoding=Shift_JIS", "commit", "-q", "--no-verify", "-m", "Declared Shift_JIS"]);
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    // git commit would re-encode invalid UTF-8 as Latin-1; write the
    // object by hand, as another tool might.
    let tree = w.git(["write-tree"]);
    let parent = w.git(["rev-parse", "HEAD"]);
    let ident = format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}> 1764000000 +0000");
    let mut object = format!("tree {tree}\nparent {parent}\nauthor {ident}\ncommitter {ident}\n\n").into_bytes();
    object.extend_from_slice(b"Caf\xe9 undeclared\n");
    let id = w.git_stdin(["hash-object", "-w", "-t", "commit", "--stdin"], &object);
    w.git(["update-ref", "HEAD", String::from_utf8(id).unwrap().trim()]);
    let out = verify_masked(&w, "base..HEAD", 1);
    assert_eq!(
        out.lines().filter(|l| l.contains("[message.encoding]")).map(str::trim).collect::<Vec<_>>(),
        [
            "the commit message is in Shift_JIS, which avow cannot read (UTF-8 and ISO-8859-1 are supported), so it \
             cannot carry an attestation; re-commit it as UTF-8 [message.encoding]",
            "the commit message is not valid in its encoding, so it cannot carry an attestation; re-commit it as UTF-8 \
             [message.encoding]",
        ],
        "{out}"
    );
    assert!(out.ends_with("avow: 2 commits: 0 accepted, 2 rejected (range base..HEAD, trust base)\n"), "{out}");
}

#[test]
fn latin1_editor_template_gets_the_guidance_in_latin1() {
    let w = latin1_world();
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    // The editor (`true`) leaves only comments: git aborts the commit and
    // keeps the message file the hooks prepared.
    w.commit(&[]).expect(1);
    let bytes = std::fs::read(w.path().join(".git/COMMIT_EDITMSG")).unwrap();
    let guidance: Vec<&[u8]> =
        bytes.split(|&b| b == b'\n').filter(|l| l.starts_with(b"# avow: ") || l.starts_with(b"#   ")).collect();
    assert_eq!(
        guidance.iter().map(|l| String::from_utf8(l.to_vec()).unwrap()).collect::<Vec<_>>(),
        [
            "# avow: end the message with your attestation, in your own words:",
            "#   Authorship: human | assisted | generated",
            "#   Assisted-by: AGENT:MODEL [TOOL...]   (when not human)",
            "#   Rationale: why the change is needed and how it works",
        ]
    );
}

/// reattest and attest store what they write through git (a pack of the
/// new objects, `git notes`): in a SHA-256 repository too.
#[test]
fn reattest_and_attest_write_their_objects_in_a_sha256_repository() {
    let w = World::adopted_in(avow_testutil::TestRepo::new_sha256(), "disclose");
    w.change("a.txt", "a\n", "Add a");
    w.write("a.txt", "a, amended without the hook\n");
    w.git(["commit", "-q", "-a", "--amend", "--no-edit", "--no-verify"]);
    w.verify("base..HEAD").expect(1);
    let stale = w.git(["rev-parse", "HEAD"]);
    w.avow(["reattest", "--sign", &stale, "base..HEAD"]).expect(0);
    w.verify("base..HEAD").expect(0);
    w.git(["fsck", "--no-progress", "--strict"]);
    w.write("b.txt", "b\n");
    w.git(["add", "b.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add b"]);
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", "Added without the hook, attested by note."])
        .expect(0);
    w.verify("base..HEAD").expect(0);
    w.git(["fsck", "--no-progress", "--strict"]);
}
