//! Attacks on what an attestation binds (docs/threat-model.md, "The change
//! binding"): each builds, with real git, a commit that git's patch-id —
//! which bound v1 attestations — takes for the signed change, shows that
//! git's own `git patch-id --stable` cannot tell them apart, and shows the
//! verifier refusing it, because v2 attestations bind the change digest of
//! docs/payload.md instead. The last test refuses a v1 attestation and
//! follows the hint that says how to re-attest.

use crate::attacks::refused;
use crate::policy::verdicts;
use crate::support::*;

/// `git patch-id --stable` of `rev` against its first parent, as git
/// prints it (v1 attestations bound this).
fn git_patch_id(w: &World, rev: &str) -> String {
    let diff =
        w.git_stdin(["diff-tree", "-p", "--no-renames", "--full-index", "--binary", &format!("{rev}^"), rev], b"");
    let out = w.git_stdin(["patch-id", "--stable"], &diff);
    String::from_utf8(out).unwrap().split(' ').next().unwrap().to_owned()
}

/// The change digest `git avow show` prints for `rev`.
fn change_digest(w: &World, rev: &str) -> String {
    let show = w.avow(["show", rev]);
    show.stdout.lines().find_map(|l| l.strip_prefix("change ")).expect("a change line").to_owned()
}

/// The attacker's replay: a commit on `base` that changes `files` (path,
/// contents) and carries `message` — a maintainer's attested message,
/// trailers and signature included — verbatim, with the maintainer as
/// author, made without hooks and without any key.
fn replay(w: &World, base: &str, files: &[(&str, &str)], message: &str) {
    w.git(["checkout", "-q", "--detach", base]);
    for (path, contents) in files {
        w.write(path, contents);
    }
    w.git(["add", "-A"]);
    let file = w.scratch().join("replayed-message");
    std::fs::write(&file, message).unwrap();
    let author = format!("--author={AUTHOR_NAME} <{AUTHOR_EMAIL}>");
    w.git(["commit", "-q", "--no-verify", "--cleanup=verbatim", &author, "-F", file.to_str().unwrap()]);
}

/// A 160-bit little-endian integer from a SHA-1 patch-id, as git's
/// `flush_one_hunk` adds them.
fn le160(hex: &str) -> [u8; 20] {
    let mut out = [0; 20];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

/// `a + b` modulo 2^(8·N), little-endian, with carry: git's patch-id sum.
fn add_le<const N: usize>(a: [u8; N], b: [u8; N]) -> [u8; N] {
    let mut out = [0; N];
    let mut carry = 0u16;
    for i in 0..N {
        carry += u16::from(a[i]) + u16::from(b[i]);
        out[i] = carry.to_le_bytes()[0];
        carry >>= 8;
    }
    out
}

/// Keyless forgery through git's patch-id, the property it rests on.
///
/// git's `--stable` patch-id is the *sum* modulo 2^160 of one SHA-1 per
/// changed file. Wagner's generalized birthday algorithm turns such a sum
/// into a forgery: with a few hundred filler files of chosen content it
/// finds, in about 2^26 SHA-1 evaluations (a minute on one core), a change
/// with any wanted patch-id — the outside review gave a keyring change the
/// patch-id of a maintainer's attested commit that way. That search is too
/// slow for a test, so this test shows, on real commits and with git's own
/// `git patch-id`, the linearity it exploits: for two contents A, C of one
/// file and B, D of another, patch-id(A+B) + patch-id(C+D) =
/// patch-id(A+D) + patch-id(C+B). avow's change digest (a SHA-256 of the
/// sorted per-file SHA-256s) has no such relation, and the cheapest real
/// forgery — the free collision in the next test — is refused.
#[test]
fn patch_id_is_a_sum_of_file_hashes() {
    let w = World::adopted("disclose");
    let mut pid = Vec::new();
    let mut digest = Vec::new();
    for (one, two) in [("A", "B"), ("C", "D"), ("A", "D"), ("C", "B")] {
        w.git(["checkout", "-q", "--detach", "base"]);
        w.write("one.txt", format!("contents {one}\n"));
        w.write("two.txt", format!("contents {two}\n"));
        w.git(["add", "-A"]);
        w.commit(&[
            "-m",
            &format!("Write {one} and {two}"),
            "--trailer",
            "Authorship: human",
            "--trailer",
            &format!("Rationale: Write {one} to one.txt and {two} to two.txt, to compare digests."),
        ])
        .expect(0);
        pid.push(le160(&git_patch_id(&w, "HEAD")));
        digest.push(change_digest(&w, "HEAD"));
    }
    assert_eq!(add_le(pid[0], pid[1]), add_le(pid[2], pid[3]), "git's patch-id is a sum of per-file hashes");
    let digests: Vec<[u8; 32]> = digest.iter().map(|d| avow_verify::change::Digest::from_hex(d).unwrap().0).collect();
    assert_ne!(add_le(digests[0], digests[1]), add_le(digests[2], digests[3]), "the change digest is not");
}

/// The path-whitespace replay: git's patch-id hashes the `diff --git`,
/// `---` and `+++` lines with all whitespace removed, so a change adding
/// an inert `.github/work flows/release.yml` has the patch-id of the same
/// file added as the live workflow `.github/workflows/release.yml` — a
/// collision for free. The attacker replays the maintainer's attestation
/// of the inert file on the live one, with no key.
#[test]
fn path_with_whitespace_replayed_as_another_path() {
    let w = World::adopted("disclose");
    let workflow = "on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./publish --token \"$TOKEN\"\n";
    w.change(".github/work flows/release.yml", workflow, "Keep a draft of the release workflow");
    let message = w.message("HEAD");
    let signed = w.git(["rev-parse", "HEAD"]);
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Keep a draft of the release workflow: accepted"]);
    replay(&w, "base", &[(".github/workflows/release.yml", workflow)], &message);
    assert_eq!(git_patch_id(&w, "HEAD"), git_patch_id(&w, &signed), "git's patch-id does not see the difference");
    assert_eq!(refused(&w, "base..HEAD"), ["Keep a draft of the release workflow: rejected attestation.change"]);
}

/// A space inserted inside a signed line after signing: `rm -rf
/// /usr/lib/app` becomes `rm -rf /usr /lib/app`. git's patch-id hashes
/// content lines with all whitespace removed, so it is unchanged; the
/// change digest binds every line byte for byte.
#[test]
fn whitespace_inserted_inside_a_line() {
    let w = World::adopted("disclose");
    w.change("uninstall.sh", "#!/bin/sh\nrm -rf /usr/lib/app\n", "Remove the installed files on uninstall");
    let signed = w.git(["rev-parse", "HEAD"]);
    w.write("uninstall.sh", "#!/bin/sh\nrm -rf /usr /lib/app\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    assert_eq!(git_patch_id(&w, "HEAD"), git_patch_id(&w, &signed), "git's patch-id does not see the space");
    assert_eq!(refused(&w, "base..HEAD"), ["Remove the installed files on uninstall: rejected attestation.change"]);
}

/// A hunk moved to an identical section of the same file: the signed
/// change turns off TLS verification in `[staging]`; the attacker applies
/// the very same hunk (same context lines, same removed and added lines)
/// to the identical `[production]` section. git's patch-id does not hash
/// hunk positions, so it is unchanged; the change digest binds which
/// occurrence of the hunk's pre-image the hunk applies to, and refuses.
#[test]
fn hunk_moved_to_an_identical_section() {
    let w = World::adopted("disclose");
    let section =
        "host = example.org\nport = 443\nretries = 3\nverify_tls = true\ntimeout = 30\nkeepalive = yes\nlog = info\n";
    let config = |staging: &str, production: &str| format!("[staging]\n{staging}\n[production]\n{production}");
    let insecure = section.replace("verify_tls = true", "verify_tls = false");
    w.change("deploy.ini", &config(section, section), "Describe the deployments");
    w.git(["tag", "sections"]);
    w.change("deploy.ini", &config(&insecure, section), "Let staging use self-signed certificates");
    let message = w.message("HEAD");
    let signed = w.git(["rev-parse", "HEAD"]);
    replay(&w, "sections", &[("deploy.ini", &config(section, &insecure))], &message);
    assert_eq!(git_patch_id(&w, "HEAD"), git_patch_id(&w, &signed), "git's patch-id does not see the move");
    assert_eq!(
        refused(&w, "sections..HEAD"),
        ["Let staging use self-signed certificates: rejected attestation.change"]
    );
    // The signed change itself, rebased onto a base that changed elsewhere
    // in the file, keeps its attestation: the digest has no line numbers.
    w.git(["checkout", "-q", "--detach", "sections"]);
    w.change("deploy.ini", &format!("# Deployment targets\n{}", config(section, section)), "Add a heading");
    w.git(["cherry-pick", "--allow-empty", &signed]);
    assert_eq!(
        verdicts(&w, &["sections..HEAD"], 0),
        ["Add a heading: accepted", "Let staging use self-signed certificates: accepted"]
    );
}

/// A v1 attestation (bound by git's patch-id) is refused with the way to
/// re-attest the branch, and following that hint literally makes the
/// branch verify.
#[test]
fn v1_attestation_is_refused_with_how_to_reattest() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    // Rewrite both signatures into the v1 form older avow wrote (hooks
    // skipped: the `-x` command commits with --no-verify).
    let v1 = format!("Avow-Signature: v1 t=\\1 p={} b={} ", "3f".repeat(20), "9a".repeat(16));
    let to_v1 = format!(
        "git log -1 --format=%B | sed -E 's/^Avow-Signature: v2 t=([0-9]+) c=[^ ]+ b=[^ ]+ /{v1}/' > ../v1-msg \
         && git commit -q --amend --no-verify --cleanup=verbatim -F ../v1-msg"
    );
    w.git(["rebase", "-q", "-x", &to_v1, "base"]);
    assert!(w.message("HEAD~1").contains("Avow-Signature: v1 "));
    assert_eq!(
        refused(&w, "base..HEAD"),
        ["Add a: rejected attestation.version", "Add b: rejected attestation.version"]
    );
    let out = w.verify("base..HEAD").expect(1).stdout;
    let hint = "re-sign your statements on the branch: `git avow reattest BASE..HEAD`";
    assert!(out.contains(&format!("the attestation is of version v1, which this avow no longer accepts (v1 bound the change by git's patch-id, which can be forged; see docs/threat-model.md); {hint}")), "{out}");
    // The hint, literally, with BASE the commit the branch starts from.
    // A v1 signature binds no change avow can check, so nothing shows it
    // was made for these commits (it could be copied from any of yours):
    // reattest names them and the command that signs them explicitly.
    let r = w.avow(["reattest", "base..HEAD"]).expect(1);
    assert!(
        r.stderr.contains("Add a\n      author: Alice Example <alice@example.org>\n      files:  A a.txt"),
        "{}",
        r.stderr
    );
    let line = r.stderr.lines().map(str::trim).find(|l| l.starts_with("git avow reattest --sign ")).unwrap();
    w.avow(line.split(' ').skip(2)).expect(0);
    assert!(w.message("HEAD").contains("Avow-Signature: v2 "));
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Add a: accepted", "Add b: accepted"]);
}
