//! What a new user trips over when following README.md and docs/ for the
//! first time: each message names the command they ran and the fix.

use crate::support::*;

#[test]
fn report_without_a_range_suggests_report() {
    let w = World::adopted("disclose");
    let r = w.avow(["report"]).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: no range given and the current branch has no upstream\n\
         hint: give a range, e.g. `git avow report main..HEAD`\n"
    );
    let r = w.avow(["report", "HEAD"]).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: `HEAD` has no base to take the keyring and policy from\n\
         hint: name a trusted revision: `git avow report HEAD --trust main`\n"
    );
}

/// Runs a keyring command that must fail; returns its stderr with
/// fingerprints and scratch paths replaced.
fn keyring_refusal(w: &World, args: &[&str]) -> String {
    let r = w.avow(args).expect(2);
    let scratch = w.scratch().display().to_string();
    r.stderr
        .replace(&scratch, "$SCRATCH")
        .split(' ')
        .map(|word| if word.starts_with("SHA256:") && word.len() > 40 { "FPR" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_keyring_refusal_has_a_hint() {
    let w = World::adopted("disclose");
    let bob = format!("{}.pub", w.repo.keygen("bob").display());
    let garbage = w.scratch().join("garbage.pub");
    std::fs::write(&garbage, "garbage\n").unwrap();
    let garbage = garbage.to_str().unwrap();
    w.avow(["keyring", "add", "--name", "Bob", "--email", "bob@example.org", "--key", &bob]).expect(0);
    let bob_fpr =
        w.avow(["keyring", "list"]).stdout.lines().nth(3).unwrap().split_whitespace().next().unwrap().to_owned();
    let revoked_on = chrono::Utc::now().format("%Y-%m-%d").to_string();
    w.avow(["keyring", "revoke", &bob_fpr, "--reason", "left", "--at", &revoked_on]).expect(0);
    let out: Vec<String> = [
        vec!["keyring", "add", "--name", "Bob", "--email", "bob@example.org", "--key", &bob],
        vec!["keyring", "add", "--name", "Carol", "--email", "carol@example.org", "--key", garbage],
        vec!["keyring", "add", "--name", "Carol", "--email", "carol", "--key", &bob],
        vec!["keyring", "revoke", "SHA256:nope", "--reason", "gone"],
        vec!["keyring", "revoke", &bob_fpr, "--reason", "again"],
        vec!["keyring", "rotate", "SHA256:nope", "--key", &bob],
        vec!["keyring", "import", "--allowed-signers", garbage],
    ]
    .iter()
    .map(|args| keyring_refusal(&w, args))
    .collect();
    assert_eq!(
        out.join(""),
        format!(
            "\
git-avow: error: key FPR is already in the keyring (for bob@example.org)
hint: a key belongs to one person: `git avow keyring list` shows whose it is; to replace a key use `git avow keyring rotate`
git-avow: error: \"garbage\" is not an OpenSSH public key (expected \"ssh-ed25519 AAAA… comment\"): length invalid
hint: give an ed25519 public key: a `.pub` file or an `ssh-ed25519 AAAA…` line (`ssh-keygen -t ed25519` makes one)
git-avow: error: email: \"carol\" is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)
hint: correct the value on the command line; `git avow keyring SUBCOMMAND --help` describes each
git-avow: error: no key SHA256:nope in the keyring; `git avow keyring list` shows the fingerprints
hint: copy the fingerprint (SHA256:…) from `git avow keyring list`
git-avow: error: key FPR is already revoked (on {revoked_on})
hint: nothing to do: `git avow keyring list` shows each key's state
git-avow: error: no key SHA256:nope in the keyring; `git avow keyring list` shows the fingerprints
hint: copy the fingerprint (SHA256:…) from `git avow keyring list`
git-avow: error: $SCRATCH/garbage.pub:1: key: missing public key
hint: fix or remove that line of the allowed_signers file, then import again
"
        )
    );
}
