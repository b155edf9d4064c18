//! The attack catalogue of `docs/threat-model.md`: each test performs one
//! attack with real git and real ssh-keygen on a real repository and shows
//! the verifier refusing it, naming the rule that decided (exit 1), or
//! stopping with an error (exit 2) where the input is not something a
//! verdict can be given on. The doc links each entry to its test by name,
//! so rename a test only together with the doc. Attacks on the trust base,
//! merges and path rules are in [`crate::attacks_trust`].
//!
//! Forgeries are made the way an attacker would: the message is rewritten
//! without the hooks, and where the attacker holds a key the canonical
//! payload (as `git avow show --format json` prints it) is re-signed with
//! `ssh-keygen -Y sign`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use avow_policy::findings::{MESSAGE_DIVIDER, MESSAGE_LOOKALIKE_TRAILER, MESSAGE_UNSAFE_CHARACTERS};

use crate::policy::{adopt, hook_refuses, msg, verdicts, BOB_EMAIL, BOB_NAME};
use crate::support::*;

/// Alice's attested change on top of the trusted base `base`.
pub(crate) fn attested() -> World {
    let w = World::adopted("disclose");
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser");
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Fix the parser: accepted"]);
    w
}

/// `git avow verify RANGE` refuses (exit 1); one `SUBJECT: VERDICT rules…`
/// line per commit, checked against the human output too.
#[track_caller]
pub(crate) fn refused(w: &World, range: &str) -> Vec<String> {
    verdicts(w, &[range], 1)
}

/// `git avow verify ARGS` stops with exit 2 and exactly this one-line
/// reason and hint on stderr, nothing on stdout.
#[track_caller]
pub(crate) fn stops(w: &World, args: &[&str], stderr: &str) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let r = w.avow(&all).expect(2);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, stderr);
}

/// The `k=` field of HEAD's `Avow-Signature:` trailer.
fn sig_field(w: &World, k: &str) -> String {
    let v = w.trailer("HEAD", "Avow-Signature").expect("an Avow-Signature trailer");
    let prefix = format!("{k}=");
    v.split(' ').find_map(|f| f.strip_prefix(&prefix)).expect("field").to_owned()
}

/// Replaces the `k=` field of HEAD's signature trailer (no re-signing).
pub(crate) fn set_sig_field(w: &World, k: &str, value: &str) {
    let old = format!(" {k}={}", sig_field(w, k));
    w.tamper_message(|m| m.replacen(&old, &format!(" {k}={value}"), 1));
}

/// The canonical payload avow rebuilds from HEAD (needs the change to
/// match `c=` and a well-formed statement).
pub(crate) fn payload(w: &World) -> String {
    let r = w.avow(["show", "HEAD", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("show json");
    v["payload"].as_str().expect("a payload").to_owned()
}

/// `ssh-keygen -Y sign -n NAMESPACE` of `data` with `key`: the base64 body
/// of the armoured signature.
fn ssh_sign(w: &World, key: &Path, namespace: &str, data: &str) -> String {
    let file = w.scratch().join(format!("signed-{}", data.len()));
    std::fs::write(&file, data).unwrap();
    let out = w.command("ssh-keygen").args(["-q", "-Y", "sign", "-n", namespace, "-f"]).arg(key).arg(&file).output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let armored = std::fs::read_to_string(format!("{}.sig", file.display())).unwrap();
    std::fs::remove_file(format!("{}.sig", file.display())).unwrap();
    armored.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// The attacker's forgery: rewrites HEAD's message with `edit`, then signs
/// the payload avow rebuilds from it with `key`, as the holder of `key`
/// would. Returns the new signature.
fn forge(w: &World, key: &Path, edit: impl FnOnce(String) -> String) -> String {
    w.tamper_message(edit);
    let s = ssh_sign(w, key, "avow-attestation@v1", &payload(w));
    set_sig_field(w, "s", &s);
    s
}

/// An ssh-keygen key of `kind` (`-t`), without passphrase.
fn keygen_type(w: &World, name: &str, kind: &str) -> PathBuf {
    let path = w.home().join(format!("{name}-{kind}"));
    let out = w.command("ssh-keygen").args(["-q", "-N", "", "-t", kind, "-C", name, "-f"]).arg(&path).output();
    assert!(out.unwrap().status.success());
    path
}

/// A trusted base (`trusted`) whose keyring has Alice (maintainer) and Bob
/// (contributor); returns Bob's key.
pub(crate) fn with_bob() -> (World, PathBuf) {
    let w = adopt("disclose", None);
    let bob = w.keygen("bob");
    let pubkey = format!("{}.pub", bob.display());
    w.avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--key", &pubkey]).expect(0);
    w.git(["commit", "-q", "--no-verify", "-am", "Add Bob"]);
    w.git(["tag", "-f", "trusted"]);
    (w, bob)
}

/// Git configuration arguments that make the next commit Bob's.
fn as_bob(bob: &Path) -> Vec<String> {
    [
        "-c".to_owned(),
        format!("user.name={BOB_NAME}"),
        "-c".to_owned(),
        format!("user.email={BOB_EMAIL}"),
        "-c".to_owned(),
        format!("avow.signingKey={}", bob.display()),
    ]
    .into()
}

/// Bob commits `file` through the hook (his attestation, his key).
pub(crate) fn bob_commits(w: &World, bob: &Path, file: &str, subject: &str) {
    w.write(file, subject);
    w.git(["add", "--", file]);
    bob_commits_staged(w, bob, subject);
}

/// Bob commits what is staged through the hook.
pub(crate) fn bob_commits_staged(w: &World, bob: &Path, subject: &str) {
    let mut args = as_bob(bob);
    args.extend(["commit".to_owned(), "-q".to_owned(), format!("--author={BOB_NAME} <{BOB_EMAIL}>")]);
    args.extend(msg(subject, "human", &[]));
    w.git_notty(&args).expect(0);
}

/// Amends HEAD's change without the hooks, keeping its message.
fn edit_the_diff(w: &World) {
    w.write("src/parse.rs", "fn parse() { evil() }\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
}

/// The first 12 hex digits of a revision.
pub(crate) fn short(w: &World, rev: &str) -> String {
    w.git(["rev-parse", "--short=12", rev])
}

/// A rationale for commits whose words do not matter.
pub(crate) const RESOLUTION: &str = "Rationale: The merge adds the glue both branches need to build together.";

// ------------------------------------------------------------ replay

#[test]
fn replay_on_other_repository() {
    let w = attested();
    let message = w.message("HEAD");
    let author = format!("--author={AUTHOR_NAME} <{AUTHOR_EMAIL}>");
    // Another project, whose keyring lists its own Alice key, not this one.
    let other = World::adopted("disclose");
    let file = other.scratch().join("replayed");
    std::fs::write(&file, &message).unwrap();
    let replay = |contents: &str| {
        other.write("src/parse.rs", contents);
        other.git(["add", "-A"]);
        other.git(["commit", "-q", "--no-verify", "--cleanup=verbatim", &author, "-F", file.to_str().unwrap()]);
    };
    // The very same change: the signature verifies, the key is not trusted.
    replay("fn parse() {}\n");
    assert_eq!(refused(&other, "base..HEAD"), ["Fix the parser: rejected signature.unknown-key"]);
    // Another change under the same words: it is not what was signed.
    other.git(["reset", "-q", "--hard", "base"]);
    replay("fn parse() { evil() }\n");
    assert_eq!(refused(&other, "base..HEAD"), ["Fix the parser: rejected attestation.change"]);
}

// ------------------------------------------------- the signature trailer

#[test]
fn whitespace_only_edit_after_signing() {
    for (binding, code, verdict) in [
        // The change digest binds every content line byte for byte (git's
        // patch-id, which bound v1 attestations, ignored whitespace inside
        // lines, so a re-indented line kept the attestation).
        ("change", 1, "Guard the cleanup: rejected attestation.change"),
        // A project that binds exact trees refuses it before any digest.
        ("trees", 1, "Guard the cleanup: rejected attestation.trees"),
    ] {
        let w = adopt("disclose", Some(&format!("version = 1\nbinding = \"{binding}\"\n")));
        let rationale = "Rationale: Only remove the file when it exists, so that a second run does not fail.";
        w.write("clean.py", "if exists(path):\n    check(path)\n    remove(path)\n");
        w.git(["add", "-A"]);
        w.commit(&["-m", "Guard the cleanup", "--trailer", "Authorship: human", "--trailer", rationale]).expect(0);
        // Dedent one line: in Python, `remove` now runs unconditionally.
        w.write("clean.py", "if exists(path):\n    check(path)\nremove(path)\n");
        w.git(["add", "-A"]);
        w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
        assert_eq!(verdicts(&w, &["trusted..HEAD"], code), [verdict], "{binding}");
    }
}

#[test]
fn tree_binding_copied_to_force_the_fast_path() {
    let w = attested();
    edit_the_diff(&w);
    // b= now names the edited commit's trees, so the verifier would take
    // the fast path and trust c= — but b= is signed, so the signature
    // fails, and the verifier then computes the digest after all and names
    // the edit, exactly as without the fast path.
    let repo = git2::Repository::open(w.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let parent_tree = head.parent(0).unwrap().tree_id();
    set_sig_field(&w, "b", &avow_verify::change::tree_binding(Some(parent_tree), head.tree_id()).to_string());
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected attestation.change"]);
    assert_eq!(verdicts(&w, &["base..HEAD", "--no-fast-path"], 1), ["Fix the parser: rejected attestation.change"]);
}

#[test]
fn change_digest_rewritten_to_match_an_edited_diff() {
    let w = attested();
    edit_the_diff(&w);
    // `git avow show` prints the edited commit's own change digest.
    let show = w.avow(["show", "HEAD"]);
    let id = show.stdout.lines().find_map(|l| l.strip_prefix("change ")).expect("a change line").to_owned();
    assert_ne!(id, sig_field(&w, "c"));
    set_sig_field(&w, "c", &id);
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
}

#[test]
fn signing_time_edited_after_signing() {
    let w = attested();
    let t: i64 = sig_field(&w, "t").parse().unwrap();
    set_sig_field(&w, "t", &(t - 86_400 * 30).to_string());
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
}

#[test]
fn truncated_signature() {
    let w = attested();
    let s = sig_field(&w, "s");
    set_sig_field(&w, "s", &s[..s.len() - 8]);
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
}

#[test]
fn padded_signature() {
    let w = attested();
    let s = sig_field(&w, "s");
    // Four more bytes after the SSHSIG blob, still canonical base64.
    set_sig_field(&w, "s", &format!("{s}AAAAAA=="));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
    // A megabyte of signature is refused before it is decoded.
    set_sig_field(&w, "s", &"A".repeat(1 << 20));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
}

#[test]
fn wrong_type_blob_as_signature() {
    let w = attested();
    // Valid base64 of another SSH structure: Alice's public key blob.
    let pubkey = std::fs::read_to_string(format!("{}.pub", w.key.display())).unwrap();
    set_sig_field(&w, "s", pubkey.split(' ').nth(1).unwrap());
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
    let out = w.avow(["verify", "base..HEAD"]).stdout;
    assert!(out.contains("does not start with SSHSIG"), "{out}");
}

#[test]
fn signature_by_other_key_types() {
    let w = attested();
    let old = sig_field(&w, "s");
    // A valid SSHSIG over the right payload, in the right namespace, by an
    // ECDSA or RSA key: a supported type, but not a keyring key.
    for (kind, ty) in [("ecdsa", "ecdsa-sha2-nistp256"), ("rsa", "ssh-rsa")] {
        let key = keygen_type(&w, "alice", kind);
        let s = ssh_sign(&w, &key, "avow-attestation@v1", &payload(&w));
        set_sig_field(&w, "s", &s);
        assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.unknown-key"], "{ty}");
        set_sig_field(&w, "s", &old);
    }
    // DSA: refused as a type, before any keyring lookup.
    let key = keygen_type(&w, "alice", "dsa");
    let s = ssh_sign(&w, &key, "avow-attestation@v1", &payload(&w));
    set_sig_field(&w, "s", &s);
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
    let out = w.avow(["verify", "base..HEAD"]).stdout;
    assert!(out.contains("ssh-dss key"), "{out}");
    set_sig_field(&w, "s", &old);
}

#[test]
fn duplicate_signature_trailers() {
    let w = attested();
    let line = format!("Avow-Signature: {}", w.trailer("HEAD", "Avow-Signature").unwrap());
    w.tamper_message(|m| format!("{}\n{line}\n", m.trim_end()));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected attestation.duplicate"]);
}

#[test]
fn conflicting_duplicate_statement_trailers() {
    let w = attested();
    // A second, lower-case `authorship:` after signing: git reads both.
    w.tamper_message(|m| format!("{}\nauthorship: generated\n", m.trim_end()));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected attestation.statement"]);
}

#[test]
fn signature_trailer_outside_the_trailer_block() {
    let w = attested();
    // The signature moved into the body: git no longer reads it as a
    // trailer, and a reader of the log may still believe it is one.
    let line = format!("Avow-Signature: {}", w.trailer("HEAD", "Avow-Signature").unwrap());
    w.tamper_message(|m| {
        let m = m.replace(&line, "").trim_end().to_owned();
        m.replacen("Fix the parser\n\n", &format!("Fix the parser\n\n{line}\nThis paragraph is not a trailer.\n\n"), 1)
    });
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected attestation.misplaced attestation.missing"]);
}

#[test]
fn continuation_line_added_to_the_rationale() {
    let w = attested();
    w.tamper_message(|m| {
        m.replace("it is small and reviewed.\n", "it is small and reviewed.\n and it also disables the checks.\n")
    });
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
}

// ------------------------------------------------------- identities

#[test]
fn backdated_signature_by_an_expired_key() {
    use chrono::Days;
    let today = chrono::DateTime::from_timestamp(avow_testutil::NOW, 0).unwrap().date_naive();
    let (added, expires) = (today - Days::new(2), today - Days::new(1));
    let w = adopt("disclose", None);
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let dated = format!("added = \"{added}\"\nexpires = \"{expires}\"\n");
    let start = text.find(&format!("added = \"{today}T")).unwrap();
    let end = start + text[start..].find('\n').unwrap() + 1;
    std::fs::write(&path, text.replace(&text[start..end], &dated)).unwrap();
    w.git(["commit", "-q", "--no-verify", "-am", "Alice's key expired yesterday"]);
    w.git(["tag", "-f", "trusted"]);
    w.change("a.c", "a\n", "Alice's work");
    assert_eq!(refused(&w, "trusted..HEAD"), ["Alice's work: rejected signature.key-status"]);
    // Alice still holds the key and writes a t= inside its window: the
    // signing time is the signer's word, so this is accepted — a limit.
    let t = sig_field(&w, "t");
    let inside = added.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp().to_string();
    forge(&w, &w.key, |m| m.replacen(&format!(" t={t} "), &format!(" t={inside} "), 1));
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), ["Alice's work: accepted"]);
}

#[test]
fn understood_by_names_a_maintainer_but_a_contributor_signed() {
    let (w, bob) = with_bob();
    bob_commits(&w, &bob, "b.c", "Bob's change");
    // Bob re-signs a statement claiming Alice, the maintainer, vouches.
    forge(&w, &bob, |m| m.replace(&format!("Understood-by: {BOB_NAME} <{BOB_EMAIL}>"), &understood_by_alice()));
    assert_eq!(refused(&w, "trusted..HEAD"), ["Bob's change: rejected understood-by.signer understood-by"]);
}

fn understood_by_alice() -> String {
    format!("Understood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>")
}

#[test]
fn homoglyph_email_of_another_keyring_person() {
    let (w, bob) = with_bob();
    bob_commits(&w, &bob, "b.c", "Bob's change");
    // Author and Understood-by as Alice, with a Cyrillic `а` in the email.
    let fake = AUTHOR_EMAIL.replacen('a', "\u{430}", 1);
    assert_ne!(fake, AUTHOR_EMAIL);
    let author = format!("--author={AUTHOR_NAME} <{fake}>");
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit", &author]);
    forge(&w, &bob, |m| {
        m.replace(
            &format!("Understood-by: {BOB_NAME} <{BOB_EMAIL}>"),
            &format!("Understood-by: {AUTHOR_NAME} <{fake}>"),
        )
    });
    assert_eq!(refused(&w, "trusted..HEAD"), ["Bob's change: rejected understood-by.signer"]);
}

#[test]
fn understood_by_with_another_name_on_the_signers_email() {
    for name in ["Linus Torvalds", "Alice Ex\u{430}mple"] {
        let w = attested();
        // Alice's own key and email, under a famous or a homoglyph name.
        forge(&w, &w.key, |m| m.replace(&understood_by_alice(), &format!("Understood-by: {name} <{AUTHOR_EMAIL}>")));
        // The key and email are Alice's: by default a warning that shows
        // the keyring's name beside the signed one, so a reviewer sees it.
        let out = w.avow(["verify", "base..HEAD"]).expect(0).stdout;
        assert!(
            out.contains(&format!("warning: `Understood-by:` gives the name {name:?}, but the keyring names the signer \"Alice Example\" <{AUTHOR_EMAIL}>")),
            "{out}"
        );
        assert!(out.contains("[understood-by.name]"), "{out}");
        // A project that wants names to match refuses it.
        deny_other_names(&w);
        assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected understood-by.name"], "{name}");
    }
}

/// Moves `base` to a commit whose trusted policy sets
/// `understood-by-name = "deny"` (the range's commits are rebased onto it
/// unchanged: their patch-ids and signatures still match).
fn deny_other_names(w: &World) {
    let policy = w.git(["show", "base:.avow/policy.toml"]);
    let tip = w.git(["rev-parse", "HEAD"]).trim().to_owned();
    w.git(["checkout", "-q", "base"]);
    w.write(".avow/policy.toml", policy.replace("understood-by-name = \"warn\"", "understood-by-name = \"deny\""));
    w.git(["commit", "-q", "--no-verify", "-am", "Names must match"]);
    w.git(["tag", "-f", "base"]);
    w.git(["-c", "core.hooksPath=/dev/null", "cherry-pick", &format!("{tip}~1..{tip}")]);
}

/// A trusted keyring (Alice, Bob) with one more person written by hand
/// (`keyring add` refuses these): `extra` gives their email and key from
/// the world and Bob's key. Verify stops with exit 2 and the error that
/// `error` builds from that key's fingerprint.
#[track_caller]
fn keyring_with_extra_person(
    extra: impl FnOnce(&World, &Path) -> (String, PathBuf),
    error: impl FnOnce(&str) -> String,
) {
    let (w, bob) = with_bob();
    let (email, key) = extra(&w, &bob);
    let pubkey = format!("{}.pub", key.display());
    let fpr = w.command("ssh-keygen").arg("-lf").arg(&pubkey).output().unwrap().stdout;
    let fpr = String::from_utf8(fpr).unwrap().split(' ').nth(1).unwrap().to_owned();
    let path = w.path().join(".avow/keyring.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "\n[[person]]\nname = \"Alice Example\"\nemail = \"{email}\"\nrole = \"maintainer\"\n\n[[person.key]]\nkey = \"{}\"\n",
        std::fs::read_to_string(&pubkey).unwrap().trim()
    ));
    std::fs::write(&path, text).unwrap();
    w.git(["commit", "-q", "--no-verify", "-am", "Add another Alice"]);
    w.git(["tag", "-f", "trusted"]);
    w.change("a.c", "a\n", "Alice's change");
    stops(
        &w,
        &["trusted..HEAD"],
        &format!(
            "git-avow: error: .avow/keyring.toml@trusted:{}\n\
             hint: fix the file in a trusted commit; docs/keyring.md and docs/policy.md describe the format\n",
            error(&fpr)
        ),
    );
}

#[test]
fn understood_by_name_differs_from_the_keyring_through_the_hook() {
    let w = World::adopted("disclose");
    // An honest mismatch: git's user.name is not the keyring's name. The
    // hook signs but says what verification will make of it.
    w.git(["config", "user.name", "A. Example"]);
    w.write("a.c", "a\n");
    w.git(["add", "-A"]);
    let r = w.commit(&["-m", "Add a", "--trailer", "Authorship: human", "--trailer", RESOLUTION]).expect(0);
    let hint = format!("`git config user.name '{AUTHOR_NAME}'`, then `git commit --amend --no-edit`");
    assert_eq!(
        r.stderr,
        format!(
            "avow: warning: `Understood-by: A. Example <{AUTHOR_EMAIL}>` gives another name than .avow/keyring.toml (\"{AUTHOR_NAME}\"); \
             verify will warn about it [understood-by.name]; to use the keyring's name: {hint}\n"
        )
    );
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Add a: accepted warning understood-by.name"]);
    // The printed fix, followed literally, removes the warning: the hook
    // re-attests its own Understood-by with the new name.
    w.git(["config", "user.name", AUTHOR_NAME]);
    let r = w.commit(&["--amend", "--no-edit"]).expect(0);
    assert_eq!(r.stderr, "");
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}>"));
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Add a: accepted"]);
}

#[test]
fn case_variant_email_registered_twice_in_the_keyring() {
    let upper = AUTHOR_EMAIL.to_uppercase();
    keyring_with_extra_person(
        |w, _| (upper.clone(), w.keygen("mallory")),
        |_| format!("28: person[2].email: {upper:?} is already used by person[0] (line 8)"),
    );
}

#[test]
fn one_key_listed_for_two_people_in_the_keyring() {
    // Bob's key again, under a maintainer: whose signature would it be?
    keyring_with_extra_person(
        |_, bob| ("mallory@example.org".to_owned(), bob.to_path_buf()),
        |fpr| format!("32: person[2].key[0].key: key {fpr} is already listed at person[1].key[0] (line 23)"),
    );
}

#[test]
fn unsupported_key_in_the_keyring() {
    keyring_with_extra_person(
        |w, _| ("mallory@example.org".to_owned(), keygen_type(w, "mallory", "dsa")),
        |_| {
            "32: person[2].key[0].key: ssh-dss keys are not accepted: avow accepts ed25519, ECDSA (nistp256, nistp384, nistp521), their security-key (sk-) forms and RSA keys of 2048 to 4096 bits"
                .to_owned()
        },
    );
}

// ---------------------------------------------- namespace confusion

#[test]
fn attestation_presented_as_a_git_commit_signature() {
    let w = attested();
    // Put the attestation's SSHSIG into a commit object as its `gpgsig`.
    let s = sig_field(&w, "s");
    let raw = w.git(["cat-file", "commit", "HEAD"]);
    let (header, body) = raw.split_once("\n\n").unwrap();
    let mut armored = String::from("-----BEGIN SSH SIGNATURE-----");
    for chunk in s.as_bytes().chunks(70) {
        armored.push_str("\n ");
        armored.push_str(std::str::from_utf8(chunk).unwrap());
    }
    armored.push_str("\n -----END SSH SIGNATURE-----");
    let object = format!("{header}\ngpgsig {armored}\n\n{body}\n");
    let id = w.git_stdin(["hash-object", "-t", "commit", "-w", "--stdin"], object.as_bytes());
    let id = String::from_utf8(id).unwrap().trim().to_owned();
    let signers = w.scratch().join("allowed_signers");
    std::fs::write(&signers, w.avow(["keyring", "export", "--allowed-signers"]).expect(0).stdout).unwrap();
    let allowed = format!("gpg.ssh.allowedSignersFile={}", signers.display());
    let r = w.git_output(["-c", "gpg.format=ssh", "-c", &allowed, "verify-commit", &id]);
    assert!(!r.status.success(), "git accepted an attestation as a commit signature");
    // ssh-keygen refuses the payload itself in git's namespace, and accepts
    // it in avow's: the namespace is what keeps the two apart.
    let sig_file = w.scratch().join("payload.sig");
    let payload_file = w.scratch().join("payload");
    std::fs::write(&payload_file, payload(&w)).unwrap();
    std::fs::write(&sig_file, format!("{}\n", armored.replace("\n ", "\n"))).unwrap();
    let check = |ns: &str| {
        let stdin = std::fs::File::open(&payload_file).unwrap();
        w.command("ssh-keygen")
            .args(["-Y", "check-novalidate", "-n", ns, "-s"])
            .arg(&sig_file)
            .stdin(stdin)
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(check("avow-attestation@v1"));
    assert!(!check("git"));
}

// ------------------------------------------- text that reads differently

#[test]
fn terminal_escape_sequences_in_the_subject() {
    let w = attested();
    // Signed by a valid key holder: cursor up, erase line, a fake "ok".
    let evil = "Fix the parser\u{1b}[1A\u{1b}[2Kok      000000000000  Harmless";
    forge(&w, &w.key, |m| m.replacen("Fix the parser", evil, 1));
    assert_eq!(refused(&w, "base..HEAD"), [format!("{evil}: rejected message.unsafe-characters")]);
    let out = w.avow(["verify", "base..HEAD"]).expect(1).stdout.replace(&short(&w, "HEAD"), "ID");
    assert_eq!(
        out,
        "FAIL    ID  Fix the parser\\u{1b}[1A\\u{1b}[2Kok      000000000000  Harmless\n        \
         the subject contains the control character U+001B, which can make text read differently on a terminal or in review; \
         write it without control or bidirectional characters and re-commit [message.unsafe-characters]\n\
         avow: 1 commit: 0 accepted, 1 rejected (range base..HEAD, trust base)\n"
    );
    // `show` and `report` print the commit's text too, never its escapes.
    for args in [["show", "HEAD"], ["report", "base..HEAD"]] {
        let out = w.avow(args).stdout;
        assert!(out.contains("Fix the parser\\u{1b}[1A"), "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
    }
}

#[test]
fn bidi_override_in_the_rationale() {
    let w = attested();
    // U+202E shows "reviewed" backwards-reordered text to a reviewer.
    forge(&w, &w.key, |m| m.replace("it is small and reviewed", "it is small and \u{202e}deweiver ton\u{202c}"));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected message.unsafe-characters"]);
    let finding = w.avow(["verify", "base..HEAD"]).stdout;
    assert!(finding.contains("Rationale contains the control character U+202E"), "{finding}");
    // The hook refuses to sign it in the first place.
    let args = [
        "-m",
        "Add b",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: b is \u{2067}needed by the parser tests\u{2069}.",
    ];
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    hook_refuses(&w, &[("b.rs", "b\n")], &args, &[MESSAGE_UNSAFE_CHARACTERS.id]);
}

// ------------------------------------------------ git's own mechanisms

#[test]
fn git_replace_substitutes_an_attested_commit() {
    let w = World::adopted("disclose");
    // An unattested commit, and an attested twin on a side branch.
    w.write("src/parse.rs", "fn parse() {}\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Fix the parser"]);
    let unattested = w.git(["rev-parse", "HEAD"]);
    w.git(["checkout", "-q", "-b", "twin", "base"]);
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser");
    let twin = w.git(["rev-parse", "HEAD"]);
    w.git(["checkout", "-q", "main"]);
    // `git replace` makes git show the twin wherever the commit is.
    w.git(["replace", &unattested, &twin]);
    assert!(w.message("HEAD").contains("Avow-Signature: v2 "));
    // The verifier reads the objects, not the replacement.
    assert_eq!(refused(&w, "base..main"), ["Fix the parser: rejected attestation.missing"]);
}

#[test]
fn trailers_after_a_nul_byte() {
    let w = attested();
    // git refuses such an object (fsck: nulInCommit) unless forced; its
    // tools read the message up to the NUL, and so does avow.
    let raw = w.git(["cat-file", "commit", "HEAD"]);
    let (header, message) = raw.split_once("\n\n").unwrap();
    let forged = format!("{header}\n\nFix the parser\n\nNothing to see.\0{message}\n");
    let id = w.git_stdin(["hash-object", "--literally", "-t", "commit", "-w", "--stdin"], forged.as_bytes());
    let id = String::from_utf8(id).unwrap();
    w.git(["reset", "-q", "--hard", id.trim()]);
    assert_eq!(w.message("HEAD"), "Fix the parser\n\nNothing to see.");
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected attestation.missing"]);
}

#[test]
fn comment_character_hides_a_statement_trailer() {
    let w = attested();
    // A `#` line is a comment to git's trailer parser: the reader of the
    // log still sees the line, git does not count it, nor does avow.
    w.tamper_message(|m| m.replace("Authorship: human", "# Authorship: human"));
    let trailers = w.git_stdin(["interpret-trailers", "--parse"], w.message("HEAD").as_bytes());
    assert!(!String::from_utf8(trailers).unwrap().contains("Authorship"));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected attestation.statement"]);
}

/// Alice's attested commit with a generated statement, signed off.
fn generated_and_attested() -> World {
    let w = World::adopted("disclose");
    w.write("gen.rs", "fn generated() {}\n");
    w.git(["add", "-A"]);
    let args = ["-s", "-m", "Add the generated code", "--trailer", "Authorship: generated"];
    let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let rationale = "Rationale: The bindings are generated from the schema, which is the source of truth.";
    args.extend(["--trailer".into(), "Assisted-by: Devin:unknown".into(), "--trailer".into(), rationale.into()]);
    crate::policy::commit(&w, &[], &args).expect(0);
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Add the generated code: accepted"]);
    w
}

#[test]
fn lookalike_statement_trailer_added_after_signing() {
    // A generated change, signed off, as the hook attests it.
    let w = generated_and_attested();
    // A line that reads `Authorship: human` (Cyrillic А). With a
    // Signed-off-by in the block git keeps reading the real trailers and
    // ignores this line; the log shows it to every reader.
    w.tamper_message(|m| m.replacen("Authorship: generated", "\u{410}uthorship: human\nAuthorship: generated", 1));
    let trailers = String::from_utf8(w.git_stdin(["interpret-trailers", "--parse"], w.message("HEAD").as_bytes()));
    let trailers = trailers.unwrap();
    assert!(trailers.contains("\nAuthorship: generated\n") && !trailers.contains("human"), "{trailers}");
    assert_eq!(refused(&w, "base..HEAD"), ["Add the generated code: rejected message.lookalike-trailer"]);
}

/// The six forms an outside review got past the old look-alike table,
/// each written above the signed `Authorship: generated` after signing.
const REVIEWED_LOOKALIKES: [(&str, &str); 6] = [
    ("a no-break space before the colon", "Authorship\u{a0}: human"),
    ("a fullwidth colon", "Authorship\u{ff1a} human"),
    ("the ratio sign as a colon", "Authorship\u{2236} human"),
    ("a leading no-break space", "\u{a0}Authorship: human"),
    ("an Armenian letter in the key", "Auth\u{585}rship: human"),
    ("a space and a zero-width space before the colon", "Authorship \u{200b}: human"),
];

#[test]
fn lookalike_forms_the_review_found() {
    let w = generated_and_attested();
    let signed = w.message("HEAD");
    for (form, line) in REVIEWED_LOOKALIKES {
        w.tamper_message(|_| signed.replacen("Authorship: generated", &format!("{line}\nAuthorship: generated"), 1));
        // git reads the signed statement and nothing of the added line.
        let parsed = w.git_stdin(["interpret-trailers", "--parse"], w.message("HEAD").as_bytes());
        let parsed = String::from_utf8(parsed).unwrap();
        assert!(parsed.contains("\nAuthorship: generated\n") && !parsed.contains("human"), "{form}: {parsed}");
        assert_eq!(refused(&w, "base..HEAD"), ["Add the generated code: rejected message.lookalike-trailer"], "{form}");
    }
    // The hook refuses each too, before signing.
    for (i, (_, line)) in REVIEWED_LOOKALIKES.iter().enumerate() {
        let args = msg(&format!("Change {i}"), "human", &["-m", &format!("Notes.\n\n{line}")]);
        hook_refuses(&w, &[("x.rs", &format!("{i}\n"))], &args, &[MESSAGE_LOOKALIKE_TRAILER.id]);
    }
    // And the message names the line, its characters spelled out.
    w.tamper_message(|_| signed.replacen("Authorship: generated", "Authorship\u{a0}: human\nAuthorship: generated", 1));
    let out = w.verify("base..HEAD").stdout;
    assert!(
        out.contains(
            "the line \"Authorship\\u{a0}: human\" is written to look like an `Authorship:` trailer, \
             but git does not read it as one; remove the line [message.lookalike-trailer]"
        ),
        "{out}"
    );
}

#[test]
fn trailers_after_a_cut_line() {
    let w = attested();
    // `---` starts the patch part of a message for git: what follows is
    // not a trailer, however much it looks like one.
    w.tamper_message(|m| m.replacen("\n\nAuthorship:", "\n\n---\n\nAuthorship:", 1));
    assert_eq!(w.git_stdin(["interpret-trailers", "--parse"], w.message("HEAD").as_bytes()), b"");
    assert_eq!(
        refused(&w, "base..HEAD"),
        [concat!(
            "Fix the parser: rejected attestation.statement attestation.statement attestation.statement ",
            "attestation.misplaced attestation.missing message.divider"
        )]
    );
}

#[test]
fn divider_makes_git_log_show_an_unsigned_statement() {
    let w = generated_and_attested();
    // An unsigned paragraph after a `---` line, below the signed trailers.
    w.tamper_message(|m| format!("{m}\n---\n\nAuthorship: human\n"));
    // git's two readers, on the real commit: interpret-trailers stops at
    // the divider and reads the signed statement; git log reads on.
    let parsed = String::from_utf8(w.git_stdin(["interpret-trailers", "--parse"], w.message("HEAD").as_bytes()));
    assert!(parsed.unwrap().contains("Authorship: generated\n"));
    assert_eq!(w.git(["log", "-1", "--format=%(trailers:key=Authorship,valueonly)"]).trim(), "human");
    assert_eq!(refused(&w, "base..HEAD"), ["Add the generated code: rejected message.divider"]);
    let out = w.verify("base..HEAD").stdout;
    assert!(
        out.contains(
            "a `---` line makes git's trailer readers disagree on the statement: \
             `git log --format=%(trailers)` reads `Authorship: human`, `git interpret-trailers --parse` does not; \
             remove or indent the `---` line and commit again [message.divider]"
        ),
        "{out}"
    );
}

#[test]
fn divider_above_the_trailers_is_refused_by_the_hook() {
    let w = World::adopted("disclose");
    let body = "Notes from the review:\n---\nthe parser skipped the last element";
    let args = msg("Fix the parser", "human", &["-m", body]);
    // git commit --trailer reads the message as git log does and appends
    // the statement below the `---` line, where interpret-trailers --parse
    // (and the verifier) would not read it.
    crate::policy::hook_refuses(&w, &[("src/parse.rs", "fn parse() {}\n")], &args, &[MESSAGE_DIVIDER.id]);
    let args = msg("Fix the parser", "human", &["-m", &body.replace("\n---\n", "\n ---\n")]);
    crate::policy::hook_accepts(&w, &[], &args, &[]);
    assert_eq!(w.git(["log", "-1", "--format=%(trailers:key=Authorship,valueonly)"]).trim(), "human");
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Fix the parser: accepted"]);
}

#[test]
fn carriage_returns_written_after_signing() {
    let w = attested();
    // CRLF line ends: git reads the same trailers, so the statement and
    // the signature are unchanged — nothing to refuse.
    w.tamper_message(|m| m.replace('\n', "\r\n"));
    assert!(w.message("HEAD").contains("\r\n"));
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Fix the parser: accepted"]);
    // A lone CR inside the rationale would make a terminal print the rest
    // of the line over its start.
    w.tamper_message(|m| m.replace("\r\n", "\n").replace("small and reviewed", "small\rand unreviewed"));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected attestation.payload message.unsafe-characters"]);
}

#[test]
fn encoding_header_that_makes_git_read_the_message_otherwise() {
    let w = World::adopted("disclose");
    w.repo.write("src/parse.rs", "fn parse() {}\n");
    w.repo.git(["add", "-A"]);
    let rationale =
        "Rationale: The naïve parser stopped one element early; iterate to the end so the last item is read.";
    w.commit(&["-m", "Fix the parser", "--trailer", "Authorship: human", "--trailer", rationale]).expect(0);
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Fix the parser: accepted"]);
    // Same bytes, but the object now tells git they are Latin-1 (`git
    // commit --amend` would re-encode them; an attacker writes the object
    // by hand): git shows the UTF-8 "ï" as two other characters, so the
    // statement a reader sees is not the one that was signed.
    let object = w.git(["cat-file", "commit", "HEAD"]);
    let (header, body) = object.split_once("\n\n").unwrap();
    let relabelled = format!("{header}\nencoding ISO-8859-1\n\n{body}\n");
    let id = w.git_stdin(["hash-object", "-t", "commit", "-w", "--stdin"], relabelled.as_bytes());
    w.git(["reset", "-q", "--soft", String::from_utf8(id).unwrap().trim()]);
    assert!(w.git(["log", "-1", "--format=%B"]).contains("naÃ¯ve"), "git reads it as Latin-1");
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
}

#[test]
fn encoding_header_on_ascii_text_changes_nothing() {
    let w = attested();
    // ASCII reads the same in Latin-1: git shows the statement that was
    // signed, so the relabelled commit keeps its attestation.
    w.git(["-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    assert!(w.git(["cat-file", "commit", "HEAD"]).contains("\nencoding ISO-8859-1\n"));
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Fix the parser: accepted"]);
}

#[test]
fn signature_fields_out_of_range() {
    let w = attested();
    for t in ["99999999999999999999", "-1x", ""] {
        let old = sig_field(&w, "t");
        set_sig_field(&w, "t", t);
        assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.malformed"], "t={t}");
        set_sig_field(&w, "t", &old);
    }
}

// --------------------------------------------------------------- size

#[test]
fn huge_message() {
    let w = attested();
    // A 4 MB paragraph in the body, and 100 000 more signature trailers:
    // refused, in bounded time, without a panic. Committed as an attacker
    // does, without any hook (avow's post-commit would read it too), and
    // verified once in human form: the JSON form of the same verdict is
    // 48 MB of trailers, and both forms come from the same report.
    let line = format!("\nAvow-Signature: {}", w.trailer("HEAD", "Avow-Signature").unwrap());
    let body = format!("\n\n{}\n\nAuthorship:", "x".repeat(4 << 20));
    let message =
        format!("{}{}", w.message("HEAD").trim_end().replacen("\n\nAuthorship:", &body, 1), line.repeat(100_000));
    let file = w.scratch().join("huge-msg");
    std::fs::write(&file, &message).unwrap();
    let amend = ["-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "--cleanup=verbatim", "-F"];
    w.git([&amend[..], &[file.to_str().unwrap()]].concat());
    let trailers = w.git_stdin(["interpret-trailers", "--parse"], message.as_bytes());
    assert_eq!(String::from_utf8(trailers).unwrap().lines().count(), 100_004);
    let out = w.verify("base..HEAD").expect(1).stdout.replace(&short(&w, "HEAD"), "ID");
    assert_eq!(
        out,
        "FAIL    ID  Fix the parser\n        \
         100001 `Avow-Signature:` trailers; a commit carries exactly one [attestation.duplicate]\n\
         avow: 1 commit: 0 accepted, 1 rejected (range base..HEAD, trust base)\n"
    );
    // No clock is asserted (the house measures speed with the benchmark,
    // not in tests): this takes about 4 s of CPU in a debug build, while a
    // quadratic reading of 100 000 trailers would take hours and time the
    // suite out.
}

#[test]
fn huge_diff() {
    let w = World::adopted("disclose");
    // 200 000 lines, each replaced by a different one, and a 16 MB blob:
    // an attested change of this size verifies and an edited one is refused.
    let text = |tag: &str| {
        (0..200_000).fold(String::new(), |mut s, i| {
            _ = writeln!(s, "{tag} {i}");
            s
        })
    };
    w.write("big.txt", text("old"));
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Big file"]);
    w.git(["tag", "-f", "base"]);
    w.write("big.txt", text("new"));
    w.write("blob.bin", (0..16u32 << 20).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    w.git(["add", "-A"]);
    w.commit(&["-m", "Rewrite the big file", "--trailer", "Authorship: human", "--trailer", RESOLUTION]).expect(0);
    assert_eq!(verdicts(&w, &["base..HEAD", "--no-fast-path"], 0), ["Rewrite the big file: accepted"]);
    w.write("blob.bin", "small now\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    assert_eq!(refused(&w, "base..HEAD"), ["Rewrite the big file: rejected attestation.change"]);
}

// ------------------------------------------------------------- notes

/// `git avow ARGS` as Bob: his name, email and signing key.
fn avow_as_bob(w: &World, bob: &Path, args: &[&str]) -> Run {
    let mut c = w.repo.command("setsid");
    c.arg("-w").arg(avow_bin()).args(args).current_dir(w.path());
    for (i, (k, v)) in [("user.name", BOB_NAME), ("user.email", BOB_EMAIL), ("avow.signingKey", bob.to_str().unwrap())]
        .iter()
        .enumerate()
    {
        c.env(format!("GIT_CONFIG_KEY_{i}"), k).env(format!("GIT_CONFIG_VALUE_{i}"), v);
    }
    c.env("GIT_CONFIG_COUNT", "3");
    c.output().unwrap().into()
}

/// Bob's commit (no hook) whose message displays Alice's statement —
/// `Authorship: human`, her `Understood-by:` and a signature of hers
/// copied from another commit — while the note Bob signs for it in
/// refs/notes/avow says `generated`: what `git log` shows is not what
/// anyone signed for this commit.
fn note_under_another_persons_statement() -> (World, PathBuf) {
    note_under_another_persons_statement_then("")
}

/// [`note_under_another_persons_statement`], with `tail` after Alice's
/// statement in the message (a last paragraph that is not trailers takes
/// the statement out of git's trailer block, not out of sight).
fn note_under_another_persons_statement_then(tail: &str) -> (World, PathBuf) {
    let (w, bob) = with_bob();
    w.change("a.txt", "a\n", "Alice's change");
    let alice_signature = w.trailer("HEAD", "Avow-Signature").unwrap();
    w.write("src/fast.rs", "unsafe fn fast() {}\n");
    w.git(["add", "src/fast.rs"]);
    let message = format!(
        "Speed up the parser\n\nAuthorship: human\nRationale: I read every line of the new fast path; the bounds checks hold.\n\
         {}\nAvow-Signature: {alice_signature}\n{tail}",
        understood_by_alice()
    );
    let f = w.scratch().join("bob-msg");
    std::fs::write(&f, message).unwrap();
    let author = format!("--author={BOB_NAME} <{BOB_EMAIL}>");
    w.git(["commit", "-q", "--no-verify", "--cleanup=verbatim", &author, "-F", f.to_str().unwrap()]);
    let rationale = "The fast path came from the agent; the tests pass.";
    let attest =
        ["attest", "HEAD", "--authorship", "generated", "--assisted-by", "Claude:claude-opus-4-5", "--rationale"];
    let r = avow_as_bob(&w, &bob, &[&attest[..], &[rationale]].concat()).expect(0);
    assert!(
        r.stderr.contains(&format!(
            "avow: warning: its message displays another statement (Authorship: human; Rationale: I read every line of the new fast path; \
             the bounds checks hold.; {}), which `git avow verify` reports beside this note's [message.unsigned-statement]\n",
            understood_by_alice()
        )),
        "{}",
        r.stderr
    );
    // What git shows a reader: Alice, human (as trailers, or above the
    // last paragraph).
    let log = w.git(["log", "-1", "--format=%B"]);
    assert!(log.contains("Authorship: human\n") && log.contains(&understood_by_alice()), "{log}");
    let trailers =
        w.git(["log", "-1", "--format=%(trailers:key=Understood-by,valueonly)%(trailers:key=Authorship,valueonly)"]);
    let expected = if tail.is_empty() { format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}>\nhuman\n") } else { String::new() };
    assert_eq!(trailers, expected);
    (w, bob)
}

/// The statement signed for a commit and the one its message displays are
/// not the same when a note attests it: the verifier says so, shows what
/// was signed and by whom, and a strict policy refuses it.
#[test]
fn note_by_bob_under_a_message_naming_alice() {
    let (w, bob) = note_under_another_persons_statement();
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        ["Alice's change: accepted", "Speed up the parser: accepted warning message.unsigned-statement"]
    );
    let id = short(&w, "HEAD");
    let warning = format!(
        "warning: the message displays a statement nobody signed for this commit (Authorship: human; \
         Rationale: I read every line of the new fast path; the bounds checks hold.; Understood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>); \
         the signed statement is the note in refs/notes/avow, by {BOB_NAME} <{BOB_EMAIL}>: Authorship: generated; \
         Assisted-by: Claude:claude-opus-4-5; Rationale: The fast path came from the agent; the tests pass.; \
         Understood-by: {BOB_NAME} <{BOB_EMAIL}> (read it with `git notes --ref avow show {id}`) [message.unsigned-statement]"
    );
    let out = w.verify("trusted..HEAD").stdout.replace(&id, "ID");
    let line = format!(
        "warn    ID  Speed up the parser  [generated, {BOB_NAME} <{BOB_EMAIL}>]  (attested by a note in refs/notes/avow)\n        {}\n",
        warning.replace(&id, "ID")
    );
    assert!(out.contains(&line), "{out}");
    // JSON: the statement fields are what was signed (the note's); the
    // trailers are what the message carries.
    let json = w.avow(["verify", "trusted..HEAD", "--format", "json"]).expect(0).stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c = &doc["commits"][1];
    assert_eq!(
        (c["authorship"].as_str(), c["understood_by"].as_str(), c["via"].as_str()),
        (Some("generated"), Some(&*format!("{BOB_NAME} <{BOB_EMAIL}>")), Some("attested by a note in refs/notes/avow"))
    );
    let authorship: Vec<&str> = c["trailers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["key"] == "Authorship")
        .filter_map(|t| t["value"].as_str())
        .collect();
    assert_eq!(authorship, ["human"]);
    // SARIF carries the same words.
    let sarif = w.avow(["verify", "trusted..HEAD", "--format", "sarif"]).expect(0).stdout;
    let doc: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif}");
    assert_eq!(results[0]["ruleId"], "message.unsigned-statement");
    assert_eq!(results[0]["level"], "warning");
    let text = results[0]["message"]["text"].as_str().unwrap();
    assert!(
        text.ends_with(warning.trim_start_matches("warning: ").trim_end_matches(" [message.unsigned-statement]")),
        "{text}"
    );
    strict_policy_refuses_it_until_bob_amends(
        &w,
        &bob,
        "Speed up the parser: rejected attestation.change understood-by message.unsigned-statement",
    );
}

/// Entry 105: entry 97's message with a last paragraph that is not
/// trailers ("Thanks to …"), so that git reads no trailer block and Alice's
/// statement — still shown by `git log` above it — was no statement to the
/// rule: Bob's note passed without a word, even under
/// `unsigned-statement = "deny"`. Every line that reads as a statement
/// trailer is what the message displays.
#[test]
fn note_by_bob_under_alices_statement_outside_the_trailer_block() {
    let (w, bob) = note_under_another_persons_statement_then("\nThanks to everyone who benchmarked it.\n");
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        ["Alice's change: accepted", "Speed up the parser: accepted warning message.unsigned-statement"]
    );
    let out = w.verify("trusted..HEAD").stdout;
    assert!(
        out.contains(&format!(
            "warning: the message displays a statement nobody signed for this commit (Authorship: human; \
             Rationale: I read every line of the new fast path; the bounds checks hold.; Understood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>); \
             the signed statement is the note in refs/notes/avow, by {BOB_NAME} <{BOB_EMAIL}>"
        )),
        "{out}"
    );
    // The message's own findings differ (its statement is out of place).
    strict_policy_refuses_it_until_bob_amends(
        &w,
        &bob,
        "Speed up the parser: rejected attestation.statement attestation.statement attestation.statement attestation.misplaced attestation.missing message.unsigned-statement",
    );
}

/// A policy with `unsigned-statement = "deny"` (tag `strict`) refuses the
/// note-attested HEAD of `main` (its verdict: `rejected`); following its hint, Bob amends the commit
/// with the statement he signs, and it passes.
fn strict_policy_refuses_it_until_bob_amends(w: &World, bob: &Path, rejected: &str) {
    // A project that wants what it displays signed refuses it.
    let policy = w.git(["show", "trusted:.avow/policy.toml"]);
    w.git(["checkout", "-q", "trusted"]);
    w.write(".avow/policy.toml", policy.replace("unsigned-statement = \"warn\"", "unsigned-statement = \"deny\""));
    w.git(["add", ".avow"]);
    w.commit(&msg("Display only what is signed", "human", &[]).iter().map(String::as_str).collect::<Vec<_>>())
        .expect(0);
    w.git(["tag", "strict"]);
    w.git(["checkout", "-q", "main"]);
    assert_eq!(verdicts(w, &["trusted..main", "--trust", "strict"], 1), ["Alice's change: accepted", rejected]);
    let out = w.avow(["verify", "trusted..main", "--trust", "strict"]).stdout;
    assert!(out.contains("the policy refuses a note under another statement (`unsigned-statement = \"deny\"`): put the statement in the commit itself (`git commit --amend`)"), "{out}");
    // Following that: Bob amends the commit with the statement he signs.
    let mut amend = as_bob(bob);
    amend.extend(["commit", "--amend", "-q"].map(str::to_owned));
    amend.extend(msg("Speed up the parser", "generated", &[]));
    w.git_notty(&amend).expect(0);
    assert_eq!(
        verdicts(w, &["trusted..main", "--trust", "strict"], 0),
        ["Alice's change: accepted", "Speed up the parser: accepted"]
    );
}

// ----------------------------------------------------------- the doc

/// Every row of the catalogue in docs/threat-model.md links at least one
/// test, and every link names a `#[test]` function in the linked file, so
/// that renaming a test without the doc fails here.
#[test]
fn every_catalogue_entry_links_a_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/threat-model.md")).unwrap();
    let rows: Vec<&str> = doc
        .lines()
        .filter(|l| l.strip_prefix("| ").and_then(|r| r.split(' ').next()).is_some_and(|n| n.parse::<u32>().is_ok()))
        .collect();
    assert!(rows.len() >= 30, "{} entries", rows.len());
    for (i, row) in rows.iter().enumerate() {
        assert!(row.starts_with(&format!("| {} |", i + 1)), "entries are numbered in order: {row}");
        let mut links = 0;
        for link in row.split("[`").skip(1) {
            let (name, rest) = link.split_once("`](").expect("[`module::test`](path)");
            let path = rest.split_once(')').unwrap().0;
            let func = name.rsplit("::").next().unwrap();
            let source = std::fs::read_to_string(root.join("docs").join(path)).unwrap();
            assert!(source.contains(&format!("#[test]\nfn {func}()")), "{name} is not a test in {path}");
            links += 1;
        }
        assert!(links > 0, "no test linked: {row}");
    }
}
