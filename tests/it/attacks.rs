//! The attack catalogue of `docs/threat-model.md`: each test performs one
//! attack with real git and real ssh-keygen on a real repository and shows
//! the verifier refusing it, naming the rule that decided (exit 1), or
//! stopping with an error (exit 2) where the input is not something a
//! verdict can be given on. The doc links each entry to its test by name,
//! so rename a test only together with the doc.
//!
//! Forgeries are made the way an attacker would: the message is rewritten
//! without the hooks, and where the attacker holds a key the canonical
//! payload (as `git avow show --format json` prints it) is re-signed with
//! `ssh-keygen -Y sign`.

use std::path::{Path, PathBuf};

use crate::policy::{adopt, msg, verdicts, BOB_EMAIL, BOB_NAME};
use crate::support::*;

/// Alice's attested change on top of the trusted base `base`.
fn attested() -> World {
    let w = World::adopted("disclose");
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser");
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Fix the parser: accepted"]);
    w
}

/// `git avow verify RANGE` refuses (exit 1); one `SUBJECT: VERDICT rules…`
/// line per commit, checked against the human output too.
#[track_caller]
fn refused(w: &World, range: &str) -> Vec<String> {
    verdicts(w, &[range], 1)
}

/// `git avow verify ARGS` stops with exit 2 and exactly this one-line
/// reason and hint on stderr, nothing on stdout.
#[track_caller]
fn stops(w: &World, args: &[&str], stderr: &str) {
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
fn set_sig_field(w: &World, k: &str, value: &str) {
    let old = format!(" {k}={}", sig_field(w, k));
    w.tamper_message(|m| m.replacen(&old, &format!(" {k}={value}"), 1));
}

/// The canonical payload avow rebuilds from HEAD (needs the change to
/// match `p=` and a well-formed statement).
fn payload(w: &World) -> String {
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
fn with_bob() -> (World, PathBuf) {
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
fn bob_commits(w: &World, bob: &Path, file: &str, subject: &str) {
    w.write(file, subject);
    w.git(["add", "--", file]);
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
fn tree_binding_copied_to_force_the_fast_path() {
    let w = attested();
    edit_the_diff(&w);
    // b= now names the edited commit's trees, so the verifier would take
    // the fast path and trust p= — but b= is signed.
    let repo = git2::Repository::open(w.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let parent_tree = head.parent(0).unwrap().tree_id();
    set_sig_field(&w, "b", &avow_verify::commit::tree_binding(Some(parent_tree), head.tree_id()));
    assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"]);
}

#[test]
fn patch_id_rewritten_to_match_an_edited_diff() {
    let w = attested();
    edit_the_diff(&w);
    let diff = w.git_output(["diff-tree", "-p", "--root", "--no-renames", "--full-index", "--binary", "HEAD^", "HEAD"]);
    let id = w.git_stdin(["patch-id", "--stable"], &diff.stdout);
    let id = String::from_utf8(id).unwrap().split(' ').next().unwrap().to_owned();
    assert_ne!(id, sig_field(&w, "p"));
    set_sig_field(&w, "p", &id);
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
}

#[test]
fn signature_by_non_ed25519_keys() {
    let w = attested();
    for kind in ["ecdsa", "rsa"] {
        // A valid SSHSIG over the right payload, in the right namespace.
        let key = keygen_type(&w, "alice", kind);
        let s = ssh_sign(&w, &key, "avow-attestation@v1", &payload(&w));
        let old = sig_field(&w, "s");
        set_sig_field(&w, "s", &s);
        assert_eq!(refused(&w, "base..HEAD"), ["Fix the parser: rejected signature.invalid"], "{kind}");
        let out = w.avow(["verify", "base..HEAD"]).stdout;
        let ty = if kind == "rsa" { "ssh-rsa" } else { "ecdsa-sha2-nistp256" };
        assert!(out.contains(&format!("{ty} key")), "{kind}:\n{out}");
        set_sig_field(&w, "s", &old);
    }
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
fn case_variant_email_registered_twice_in_the_keyring() {
    let (w, _) = with_bob();
    let mallory = w.keygen("mallory");
    // `keyring add` refuses, so the attacker edits the file by hand.
    let line = format!("key = \"{}\"", std::fs::read_to_string(format!("{}.pub", mallory.display())).unwrap().trim());
    let path = w.path().join(".avow/keyring.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "\n[[person]]\nname = \"Alice Example\"\nemail = \"{}\"\nrole = \"maintainer\"\n\n[[person.key]]\n{line}\n",
        AUTHOR_EMAIL.to_uppercase()
    ));
    std::fs::write(&path, text).unwrap();
    w.git(["commit", "-q", "--no-verify", "-am", "Add another Alice"]);
    w.git(["tag", "-f", "trusted"]);
    w.change("a.c", "a\n", "Alice's change");
    stops(
        &w,
        &["trusted..HEAD"],
        &format!(
            "git-avow: error: .avow/keyring.toml@trusted:28: person[2].email: {:?} is already used by person[0] (line 8)\n\
             hint: fix the file in a trusted commit; docs/keyring.md and docs/policy.md describe the format\n",
            AUTHOR_EMAIL.to_uppercase()
        ),
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
