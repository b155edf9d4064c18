//! A maintainer's side, in the order maintainers do things: adopting avow
//! on a project with history, adding contributors' keys, a contributor
//! leaving, rotating one's own key, checking a release range. Every hint
//! printed is followed as written.

use avow_testutil::NOW;

use crate::keyring::{as_bob, as_bob_at, fingerprint, with_bob};
use crate::policy::{hook_accepts, msg, verdicts, BOB_EMAIL, BOB_NAME};
use crate::support::*;

/// `sh -c LINE` at the test clock plus `later` seconds, expecting success.
fn at(w: &World, later: i64, line: &str) -> Run {
    let mut c = w.shell(line);
    c.env("AVOW_TEST_NOW", (NOW + later).to_string());
    Run::from(c.output().unwrap()).expect(0)
}

/// A maintainer rotates her own key and commits the rotation a second
/// later, with the old key as `rotate` says. The work tree's keyring then
/// calls that key expired, and the hook used to warn and tell her to
/// switch to the new key and amend — which signs the change to `.avow/`
/// with a key the keyring before it does not know, so the rotation no
/// longer verified. The hook now says the commit is checked against the
/// keyring before it, and names the new key for the commits after it;
/// following that, both verify.
#[test]
fn committing_ones_own_rotation_is_not_told_to_amend_with_the_new_key() {
    let w = World::adopted("disclose");
    let new = w.keygen("alice-new");
    let (old_fpr, new_fpr) = (fingerprint(&w, &w.key), fingerprint(&w, &new));
    w.avow(["keyring", "rotate", &old_fpr, "--key", &format!("{}.pub", new.display())]).expect(0);
    let r = at(
        &w,
        1,
        "git commit -q -a -m 'Rotate my key' --trailer 'Authorship: human' --trailer 'Rationale: The laptop is retired; the new key signs from now on.'",
    );
    let said = r.stderr.replace(&old_fpr, "OLD").replace(&new_fpr, "NEW");
    assert!(!said.contains("warning"), "{said}");
    let (note, fix) = said.split_once("; for the commits after it, ").expect(&said);
    assert!(
        note.starts_with("avow: note: this commit makes .avow/keyring.toml say your key OLD is expired on "),
        "{said}"
    );
    assert_eq!(
        fix,
        "sign with your key that it trusts (NEW): `git config avow.signingKey ~/.ssh/KEY`, naming its private key file\n"
    );
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), vec!["Rotate my key: accepted".to_owned()]);
    w.git(["tag", "rotated"]);
    // The fix, followed with the new key's file: the next commit verifies.
    let commands = quoted_commands(fix);
    assert_eq!(commands.len(), 1, "{fix}");
    at(&w, 2, &commands[0].replace("~/.ssh/KEY", new.to_str().unwrap()));
    w.write("later.txt", "later\n");
    w.git(["add", "later.txt"]);
    let r = at(
        &w,
        2,
        "git commit -q -m 'Work after the rotation' --trailer 'Authorship: human' --trailer 'Rationale: The first change signed with the new key after the rotation.'",
    );
    assert_eq!(r.stderr, "");
    assert_eq!(verdicts(&w, &["rotated..HEAD"], 0), vec!["Work after the rotation: accepted".to_owned()]);
}

/// A contributor leaves. The maintainer's first reach is `revoke`, which
/// refuses everything the key ever signed — Bob's merged work would fail
/// every later audit. `revoke` now says which commits on HEAD the key
/// signed and, for a key that is only retired, names `keyring expire`;
/// followed as printed, Bob's earlier work still verifies and anything he
/// signs afterwards does not.
#[test]
fn a_contributor_leaving_is_expired_not_revoked_and_their_work_still_verifies() {
    let (w, bob) = with_bob();
    as_bob(&w, &bob, "bob.c", "Bob's last change");
    let bob_fpr = fingerprint(&w, &bob);
    let r = w.avow(["keyring", "revoke", &bob_fpr[..16], "--reason", "left the project"]).expect(0);
    let head = w.git(["rev-parse", "--short=12", "HEAD"]);
    assert_eq!(
        r.stderr.replace(&bob_fpr, "BOB"),
        format!(
            "avow: warning: this key signed 1 commit on HEAD ({} \"Bob's last change\"); once the revocation is committed they no longer verify, whenever they were signed. \
             If the key is not in someone else's hands (its owner left the project, a machine was retired), expire it instead, which keeps them valid: \
             `git restore .avow/keyring.toml`, then `git avow keyring expire BOB`\n",
            head.trim()
        )
    );
    let commands = quoted_commands(&r.stderr);
    assert_eq!(commands.len(), 2, "{}", r.stderr);
    for c in &commands {
        at(&w, 1, c);
    }
    let listed = w.avow(["keyring", "list"]).expect(0).stdout;
    assert!(listed.contains(&format!("{bob_fpr}  ssh-ed25519  valid")), "expires one second later:\n{listed}");
    hook_accepts(&w, &[], &msg("Bob left the project", "human", &["-a"]), &[]);
    w.git(["tag", "bob-left"]);
    // An audit of the whole history against the new keyring: Bob's work stands.
    let all = verdicts(&w, &["trusted..HEAD", "--trust", "HEAD"], 0);
    assert!(all.contains(&"Bob's last change: accepted".to_owned()), "{all:?}");
    // What his key signs after it expired is refused.
    as_bob_at(&w, &bob, "late.c", "Bob signs after leaving", NOW + 2);
    assert_eq!(
        verdicts(&w, &["bob-left..HEAD"], 1),
        vec!["Bob signs after leaving: rejected signature.key-status".to_owned()]
    );
}

/// A key that signed nothing here: `revoke` says nothing more.
#[test]
fn revoking_a_key_that_signed_nothing_here_warns_of_nothing() {
    let (w, bob) = with_bob();
    let r = w.avow(["keyring", "revoke", &format!("{}.pub", bob.display()), "--reason", "token lost"]).expect(0);
    assert_eq!(r.stderr, "");
}

/// A release check across the adoption: `verify v0.9..v1.1`, where v0.9
/// predates `.avow/`. The error's generic hint (`git avow init`, or
/// `--trust REV`, which the base cannot vouch for either) led in a circle;
/// it now names the commit that adopted avow and the range after it, with
/// the release as the trusted revision (a contributor added during the
/// release is known there). Followed as printed, the release verifies.
#[test]
fn a_release_range_from_before_adoption_names_the_range_that_verifies() {
    let w = World::bare();
    for n in 1..=3 {
        w.write(&format!("old{n}.txt"), "old\n");
        w.git(["add", "-A"]);
        w.git(["commit", "-q", "-m", &format!("Old work {n}")]);
    }
    w.git(["tag", "v0.9"]);
    w.avow(["init", "--preset", "disclose"]).expect(0);
    w.avow(["install"]).expect(0);
    w.git(["add", ".avow"]);
    hook_accepts(&w, &[], &msg("Adopt avow", "human", &[]), &[]);
    let bob = w.keygen("bob");
    let pubkey = format!("{}.pub", bob.display());
    w.avow(["keyring", "add", "--name", "Bob Example", "--email", "bob@example.org", "--key", &pubkey]).expect(0);
    hook_accepts(&w, &[], &msg("Add Bob", "human", &["-a"]), &[]);
    as_bob(&w, &bob, "bob.c", "Bob's feature");
    w.git(["tag", "v1.1"]);
    let r = w.avow(["verify", "v0.9..v1.1"]).expect(2);
    let adoption = w.git(["rev-parse", "--short=12", "HEAD~2"]);
    assert_eq!(
        r.stderr,
        format!(
            "git-avow: error: there is no .avow/keyring.toml at v0.9\n\
             hint: v0.9 is from before this project adopted avow: {a} (\"Adopt avow\") added .avow/; verify what came after it: `git avow verify {a}..v1.1 --trust v1.1`\n",
            a = adoption.trim()
        )
    );
    // `--trust` names the same way out.
    let r = w.avow(["verify", "v0.9..v1.1", "--trust", "v1.1"]).expect(2);
    let commands = quoted_commands(&r.stderr);
    assert_eq!(commands, vec![format!("git avow verify {}..v1.1 --trust v1.1", adoption.trim())], "{}", r.stderr);
    let out = Run::from(w.shell(&commands[0]).output().unwrap()).expect(0).stdout;
    let summary = format!("avow: 2 commits: 2 accepted, 0 rejected (range {}..v1.1, trust v1.1)\n", adoption.trim());
    assert!(out.ends_with(&summary), "{out}");
}

/// Adopting avow with the `allowed_signers` file the project already keeps
/// for git's SSH commit signatures: its lines say `namespaces="git"`, which
/// import rightly skips — but it used to skip them silently ("imported 0
/// keys"). Each skipped entry is now named with the `keyring add` that
/// takes the key on purpose; followed as printed, it is in the keyring.
#[test]
fn importing_gits_allowed_signers_names_each_skipped_key_and_how_to_add_it() {
    let w = World::adopted("disclose");
    let (bob, carol) = (w.keygen("bob"), w.keygen("carol"));
    let line = |k: &std::path::Path| std::fs::read_to_string(format!("{}.pub", k.display())).unwrap().trim().to_owned();
    let file = w.scratch().join("allowed_signers");
    std::fs::write(
        &file,
        format!("bob@example.org {}\ncarol@example.org namespaces=\"git\" {}\n", line(&bob), line(&carol)),
    )
    .unwrap();
    let r = w.avow(["keyring", "import", "--allowed-signers", file.to_str().unwrap()]).expect(0);
    assert_eq!(
        r.stdout.replace(file.to_str().unwrap(), "FILE"),
        "avow: imported 1 key from FILE; commit .avow/keyring.toml for it to take effect (signed by your key: a change to .avow/ needs a maintainer's)\n"
    );
    let (said, command) = r.stderr.split_once(": `").unwrap();
    assert_eq!(
        said,
        "avow: skipped line 2 (carol@example.org): its namespaces=\"git\" do not include avow-attestation@v1; if the key should sign attestations here too, add it"
    );
    let commands = quoted_commands(&r.stderr);
    assert_eq!(commands.len(), 1, "{command}");
    at(&w, 0, &commands[0]);
    let listed = w.avow(["keyring", "list"]).expect(0).stdout;
    assert!(
        listed.contains(&format!(
            "carol <carol@example.org> (contributor)\n  {}  ssh-ed25519  valid",
            fingerprint(&w, &carol)
        )),
        "{listed}"
    );
    // Importing again: nothing new, nothing skipped that is already there.
    let r = w.avow(["keyring", "import", "--allowed-signers", file.to_str().unwrap()]).expect(0);
    assert_eq!(r.stderr, "");
    assert_eq!(r.stdout.replace(file.to_str().unwrap(), "FILE"), "avow: imported 0 keys from FILE\n");
}

/// The maintainer adds a contributor's key and merges their work, then
/// pushes both to the server: the work is judged against the branch as it
/// is, without the key, and refused — with only "fix what each line above
/// names". The server now says that the key is added by a commit of the
/// same push and how to push in two steps; followed as printed, both land.
#[test]
fn the_server_says_when_a_key_is_added_in_the_same_push_and_two_pushes_land() {
    let w = World::adopted("disclose");
    let remote = crate::server::origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let erin = w.keygen("erin");
    let pubkey = format!("{}.pub", erin.display());
    w.avow(["keyring", "add", "--name", "Erin", "--email", "erin@example.org", "--key", &pubkey]).expect(0);
    hook_accepts(&w, &[], &msg("Add Erin", "human", &["-a"]), &[]);
    let adder = w.git(["rev-parse", "--short=12", "HEAD"]).trim().to_owned();
    w.write("erin.c", "erin\n");
    commit_as(&w, "Erin", "erin@example.org", &erin, "Erin's first change", &[]);
    let work = w.git(["rev-parse", "--short=12", "HEAD"]).trim().to_owned();
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    let note = format!(
        "remote: avow: note: the key of {work} is added by {adder} (\"Add Erin\") in this same push, and a key counts only once the commit adding it is on the branch: push up to it first, `git push origin {adder}:refs/heads/main` (origin: the remote you push to), then push again"
    );
    assert!(r.stderr.lines().any(|l| l.trim_end() == note), "{}", r.stderr);
    let commands = quoted_commands(&r.stderr);
    assert_eq!(commands, vec![format!("git push origin {adder}:refs/heads/main")], "{}", r.stderr);
    at(&w, 0, &commands[0]);
    at(&w, 0, "git push -q origin main");
    assert_eq!(crate::server::remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]).trim());
}

/// A release check, `verify v1.0..v1.1`, where a maintainer added a
/// contributor's key during the release: against v1.0's keyring alone the
/// contributor's work is `signature.unknown-key`, and the finding says
/// only that a maintainer adds keys in a trusted commit — which one did.
/// verify now notes that v1.1's keyring has the key and names
/// `--trust v1.1`; followed as printed, the release verifies. A key that
/// no maintainer added (a pull request adding its own) gets no such note.
#[test]
fn a_release_with_a_contributor_added_during_it_names_the_trust_that_verifies() {
    let (w, bob) = with_bob();
    w.git(["tag", "v1.0"]);
    let erin = w.keygen("erin");
    let pubkey = format!("{}.pub", erin.display());
    w.avow(["keyring", "add", "--name", "Erin", "--email", "erin@example.org", "--key", &pubkey]).expect(0);
    hook_accepts(&w, &[], &msg("Add Erin", "human", &["-a"]), &[]);
    w.write("erin.c", "erin\n");
    commit_as(&w, "Erin", "erin@example.org", &erin, "Erin's first change", &[]);
    w.git(["tag", "v1.1"]);
    let r = w.avow(["verify", "v1.0..v1.1"]).expect(1);
    let erins = w.git(["rev-parse", "--short=12", "v1.1"]).trim().to_owned();
    let adder = w.git(["rev-parse", "--short=12", "v1.1~1"]).trim().to_owned();
    assert_eq!(
        r.stderr,
        format!("avow: note: the key of {erins} is added by {adder} (\"Add Erin\") within the range and a key counts only once the commit adding it is in the trusted base. \
                 For work not merged yet (a pull request), land that commit first, alone: a pull request of its own or a push of it to the target branch; then run this check again; \
                 to judge history already merged (a release) against the keyring it shipped with: `git avow verify v1.0..v1.1 --trust v1.1`\n")
    );
    let commands = quoted_commands(&r.stderr);
    assert_eq!(commands.len(), 1);
    let out = Run::from(w.shell(&commands[0]).output().unwrap()).expect(0).stdout;
    assert!(out.ends_with("avow: 2 commits: 2 accepted, 0 rejected (range v1.0..v1.1, trust v1.1)\n"), "{out}");
    // Bob adds Carol's key himself and she commits: no maintainer did, so
    // `--trust` would be refused, and verify does not suggest it.
    let carol = w.keygen("carol");
    let pubkey = format!("{}.pub", carol.display());
    w.avow(["keyring", "add", "--name", "Carol", "--email", "carol@example.org", "--key", &pubkey]).expect(0);
    commit_as(&w, BOB_NAME, BOB_EMAIL, &bob, "Bob adds Carol", &["-a"]);
    w.write("carol.c", "carol\n");
    commit_as(&w, "Carol", "carol@example.org", &carol, "Carol's first change", &[]);
    let r = w.avow(["verify", "v1.1..HEAD"]).expect(1);
    assert!(r.stdout.contains("[trust.avow-change]") && r.stdout.contains("[signature.unknown-key]"), "{}", r.stdout);
    assert_eq!(r.stderr, "");
    // Trusting that tip anyway is refused (threat model, entry 126).
    let r = w.avow(["verify", "v1.1..HEAD", "--trust", "HEAD"]).expect(2);
    assert!(r.stderr.contains("is not reachable from the base v1.1 through trusted changes"), "{}", r.stderr);
}

/// Commits what is staged (and `extra`, e.g. `-a`) as `name <email>`,
/// signing with `key`, through the hook.
pub(crate) fn commit_as(w: &World, name: &str, email: &str, key: &std::path::Path, subject: &str, extra: &[&str]) {
    w.git(["add", "-A"]);
    let (user, mail, sign) =
        (format!("user.name={name}"), format!("user.email={email}"), format!("avow.signingKey={}", key.display()));
    let mut args: Vec<String> =
        ["-c", &user, "-c", &mail, "-c", &sign, "commit", "-q"].iter().map(|s| (*s).to_owned()).collect();
    args.push(format!("--author={name} <{email}>"));
    args.extend(msg(subject, "human", extra));
    w.git_notty(&args).expect(0);
}
