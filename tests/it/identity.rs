//! Onboarding without traps (issue 13): who attests, and every hint avow
//! prints in these flows followed literally, with `sh`, as the person it
//! is printed to, until the problem is gone.
//!
//! The hermetic helper gives git an identity in `GIT_AUTHOR_*` and
//! `GIT_COMMITTER_*`; the people here are their repository configuration,
//! as on a contributor's machine, so those variables are removed.

use avow_policy::findings::AUTHORSHIP_MISMATCH;

use crate::policy::verdicts;
use crate::support::*;

const BOB: &str = "bob@example.org";
const RATIONALE: &str = "Rationale: The parser stopped one element early; iterating to len parses the last item too.";

/// Runs one shell command line in the work tree as the repository's
/// configured person (no identity in the environment), `git-avow` on PATH,
/// no terminal.
fn sh(w: &World, line: &str) -> Run {
    let mut c = w.shell(line);
    for var in ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"] {
        c.env_remove(var);
    }
    Run::from(c.output().unwrap())
}

/// The commands of the indented lines (`  git …`) of a refusal.
fn indented_commands(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.strip_prefix("  ")).filter(|c| c.starts_with("git ")).map(str::to_owned).collect()
}

/// Alice adopts avow and adds Bob with the README's command (`--name
/// "Bob"`), tagged `with-bob`; then the repository is Bob's, configured
/// with `user_name`, his email and his key.
fn bob_added_as_in_the_readme(user_name: &str) -> World {
    let w = World::adopted("disclose");
    let bob = w.keygen("bob");
    w.avow(["keyring", "add", "--name", "Bob", "--email", BOB, "--key", &format!("{}.pub", bob.display())]).expect(0);
    w.git(["add", ".avow"]);
    w.commit(&[&["-m", "Add Bob's key"][..], &HUMAN].concat()).expect(0);
    w.git(["tag", "with-bob"]);
    w.git(["config", "user.name", user_name]);
    w.git(["config", "user.email", BOB]);
    w.git(["config", "avow.signingKey", bob.to_str().unwrap()]);
    w
}

fn bob_commits(w: &World, file: &str) -> Run {
    sh(
        w,
        &format!(
            "echo change > {file} && git add {file} && git commit -q -m 'Fix the parser' --trailer 'Authorship: human' --trailer '{RATIONALE}'"
        ),
    )
}

/// The doctor line of `what` and the `fix:` line under it, if any.
fn doctor_check(w: &World, what: &str) -> (String, Option<String>) {
    let out = sh(w, "git avow doctor").stdout;
    let mut lines = out.lines().skip_while(|l| !l.contains(&format!(" {what}: ")));
    let line = lines.next().unwrap_or_else(|| panic!("no {what} check in\n{out}")).to_owned();
    let fix = lines.next().and_then(|l| l.trim_start().strip_prefix("fix: ")).map(str::to_owned);
    (line, fix)
}

/// README's `keyring add --name "Bob"` for a contributor whose user.name is
/// "Bob Contributor": commits are accepted with a warning (the email and
/// key are the identity), doctor warns, and the fix both print — `git
/// config user.name "Bob"`, then `git commit --amend --no-edit` — works as
/// printed: the hook refreshes its own `Understood-by:`.
#[test]
fn a_name_other_than_the_keyrings_warns_and_the_printed_fix_works() {
    let w = bob_added_as_in_the_readme("Bob Contributor");
    let r = bob_commits(&w, "b.txt");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "avow: warning: `Understood-by: Bob Contributor <bob@example.org>` gives another name than .avow/keyring.toml (\"Bob\"); \
         verify will warn about it [understood-by.name]; to use the keyring's name: `git config user.name Bob`, then `git commit --amend --no-edit`\n"
    );
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted warning understood-by.name"]);
    let (line, fix) = doctor_check(&w, "keyring");
    assert!(line.starts_with("warn  keyring: ") && line.contains("user.name is \"Bob Contributor\""), "{line}");
    assert_eq!(fix.as_deref(), Some("git config user.name Bob"));

    // Follow the hook's advice, literally.
    let fixes = quoted_commands(&r.stderr);
    assert_eq!(fixes, ["git config user.name Bob", "git commit --amend --no-edit"]);
    for command in &fixes {
        let r = sh(&w, command);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{command}");
    }
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), format!("Bob <{BOB}>"));
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted"]);
    let (line, fix) = doctor_check(&w, "keyring");
    assert!(line.starts_with("ok    keyring: "), "{line}");
    assert_eq!(fix, None);
    assert!(sh(&w, "git avow doctor").stdout.ends_with("avow doctor: all good\n"));
}

/// The name warning on a commit that is not HEAD: verify's hint names that
/// commit and an interactive rebase that stops at it (a plain amend would
/// re-attest HEAD, not it). Followed as printed — the person's only part is
/// changing `pick` to `edit` on the named line — the warning is gone and
/// the later commit still verifies.
#[test]
fn the_name_warning_on_an_older_commit_names_a_fix_that_reaches_it() {
    let w = bob_added_as_in_the_readme("Bob Contributor");
    assert_eq!(bob_commits(&w, "b.txt").code, 0);
    let older = w.git(["rev-parse", "HEAD"]).trim().to_owned();
    w.git(["config", "user.name", "Bob"]);
    let r = sh(&w, "echo more > c.txt && git add c.txt && git commit -q -m 'Test the parser' --trailer 'Authorship: human' --trailer 'Rationale: The last item was never parsed; this test keeps it parsed.'");
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(
        verdicts(&w, &["with-bob..HEAD"], 0),
        ["Fix the parser: accepted warning understood-by.name", "Test the parser: accepted"]
    );
    let out = w.verify("with-bob..HEAD").expect(0).stdout;
    let fixes = quoted_commands(&out);
    let short = &older[..12];
    assert_eq!(
        fixes,
        [
            "git config user.name Bob",
            "git commit --amend --no-edit",
            &format!("git rebase -i {short}~1"),
            "git commit --amend --no-edit",
            "git rebase --continue"
        ],
        "{out}"
    );
    assert!(out.contains(&format!("change `pick` to `edit` on the line of {short}")), "{out}");
    // user.name is already "Bob". An amend re-attests HEAD, not the older
    // commit: the warning stays.
    assert_eq!(sh(&w, &fixes[1]).code, 0);
    assert_eq!(
        verdicts(&w, &["with-bob..HEAD"], 0),
        ["Fix the parser: accepted warning understood-by.name", "Test the parser: accepted"]
    );
    // The commit is not HEAD: the rebase.
    w.mark_edit_in_rebase(&older);
    for command in &fixes[2..] {
        let r = sh(&w, command);
        assert_eq!(r.code, 0, "{command}: {}", r.stderr);
    }
    assert_eq!(w.trailer("HEAD~1", "Understood-by").unwrap(), format!("Bob <{BOB}>"));
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted", "Test the parser: accepted"]);
}

/// Doctor's fix, followed before the first commit, prevents the warning.
#[test]
fn doctors_name_fix_works_as_printed() {
    let w = bob_added_as_in_the_readme("Bob Contributor");
    let (_, fix) = doctor_check(&w, "keyring");
    let r = sh(&w, &fix.unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = bob_commits(&w, "b.txt");
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted"]);
}

/// A project that wants names to match: the hook refuses (nothing is
/// committed), and its advice — set user.name, run the same commit again —
/// works as printed.
#[test]
fn with_understood_by_name_deny_the_refusal_says_what_works() {
    let w = bob_added_as_in_the_readme("Bob Contributor");
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let strict = policy.replace("understood-by-name = \"warn\"", "understood-by-name = \"deny\"");
    assert_ne!(strict, policy);
    w.write(".avow/policy.toml", strict);
    w.git(["add", ".avow"]);
    w.git([
        "-c",
        "user.name=Alice Example",
        "-c",
        "user.email=alice@example.org",
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "Names must match",
    ]);
    w.git(["tag", "-f", "with-bob"]);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = bob_commits(&w, "b.txt");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing committed");
    assert!(
        r.stderr.starts_with(
            "avow: refused: `Understood-by: Bob Contributor <bob@example.org>` gives another name than .avow/keyring.toml (\"Bob\"), which this project refuses [understood-by.name]; \
             set `git config user.name Bob` and run the same `git commit` again"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(quoted_commands(&r.stderr), ["git config user.name Bob", "git commit"]);
    assert_eq!(sh(&w, "git config user.name Bob").code, 0);
    let r = bob_commits(&w, "b.txt");
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted"]);
}

/// Bob's attested commit (its id returned), then Alice (the maintainer)
/// on the same clone.
fn bobs_commit_then_alice() -> (World, String) {
    let w = bob_added_as_in_the_readme("Bob");
    assert_eq!(bob_commits(&w, "b.txt").code, 0);
    let bobs = w.git(["rev-parse", "HEAD"]);
    w.git(["config", "user.name", AUTHOR_NAME]);
    w.git(["config", "user.email", AUTHOR_EMAIL]);
    w.git(["config", "avow.signingKey", w.key.to_str().unwrap()]);
    (w, bobs)
}

/// A maintainer amending a contributor's commit does not re-sign Bob's
/// statement with her key: refused, HEAD unchanged; the take-over the
/// refusal prints works as printed and verifies.
#[test]
fn a_maintainer_amending_a_contributors_commit_is_refused_and_can_take_it_over() {
    let (w, bobs) = bobs_commit_then_alice();
    let r = sh(&w, "git commit -q --amend --no-edit");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), bobs, "Bob's commit is untouched");
    assert!(r.stderr.starts_with(&format!(
        "avow: commit refused: the message carries the attestation of Bob <{BOB}>, and you are <{AUTHOR_EMAIL}>: signing it would put your key under their statement.\n"
    )), "{}", r.stderr);
    let take_over = indented_commands(&r.stderr);
    assert_eq!(take_over, ["git -c avow.takeOver=true commit --amend --no-edit --reset-author"]);
    let r = sh(&w, &take_over[0]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}>"));
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted"]);
}

/// The same refusal for a new commit that reuses Bob's message (`git
/// commit -C BOBS`): the take-over it printed was the amend above, which
/// would fold Alice's staged change into HEAD under HEAD's message. It
/// repeats the command she ran, taking the statement over; run as printed
/// it makes the new commit, which verifies.
#[test]
fn reusing_a_contributors_message_is_refused_and_the_take_over_makes_the_new_commit() {
    let (w, bobs) = bobs_commit_then_alice();
    w.write("c.txt", "Alice's follow-up\n");
    w.git(["add", "c.txt"]);
    let r = sh(&w, &format!("git commit -q -C {bobs}"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), bobs, "nothing committed");
    let take_over = indented_commands(&r.stderr);
    assert_eq!(take_over, [format!("git -c avow.takeOver=true commit -C {bobs} --reset-author")]);
    let r = sh(&w, &take_over[0]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(w.git(["rev-parse", "HEAD~1"]), bobs, "a new commit on top of Bob's");
    assert_eq!(w.git(["show", "-s", "--format=%ae", "HEAD"]), AUTHOR_EMAIL);
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}>"));
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted", "Fix the parser: accepted"]);
}

/// Amending one's own commit after a name change refreshes the name; the
/// email must stay the same person (a different email is someone else).
#[test]
fn amending_ones_own_commit_refreshes_only_ones_own_understood_by() {
    let w = bob_added_as_in_the_readme("Bob");
    assert_eq!(bob_commits(&w, "b.txt").code, 0);
    w.git(["config", "user.name", "bob"]);
    let r = sh(&w, "git commit -q --amend --no-edit");
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), format!("bob <{BOB}>"));
    assert_eq!(w.git(["log", "-1", "--format=%(trailers:key=Understood-by,valueonly)"]).trim(), format!("bob <{BOB}>"));
}

/// An identity given to git only in the environment (CI jobs, scripts) is
/// the committer: no user.name or user.email configured anywhere.
#[test]
fn an_identity_given_only_in_the_environment_attests() {
    let w = World::adopted("disclose");
    w.git(["config", "--unset", "user.name"]);
    w.git(["config", "--unset", "user.email"]);
    for (vars, rev) in [
        (&["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"][..], "a"),
        (&["GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"][..], "b"),
        (&["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"][..], "c"),
    ] {
        let mut c = w.command("setsid");
        let line = format!(
            "echo {rev} > {rev}.txt && git add {rev}.txt && git commit -q -m 'Add {rev}' --trailer 'Authorship: human' --trailer '{RATIONALE} ({rev})'"
        );
        c.args(["-w", "sh", "-c", &line]).current_dir(w.path());
        for var in ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"] {
            if !vars.contains(&var) {
                c.env_remove(var);
            }
        }
        // git itself needs an email for whichever of author and committer
        // the environment does not give; EMAIL is git's last resort.
        c.env("EMAIL", AUTHOR_EMAIL);
        let r = Run::from(c.output().unwrap());
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{vars:?}");
        assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}>"), "{vars:?}");
    }
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Add a: accepted", "Add b: accepted", "Add c: accepted"]);
}

/// `--preset no-ai` requires a sign-off: a refused new commit is told to
/// commit again with `--signoff` (there is nothing to amend), which works.
#[test]
fn no_ai_refusal_advises_a_signoff_that_works_for_a_new_commit() {
    let w = crate::policy::adopt("no-ai", None);
    let line = format!("echo a > a.txt && git add a.txt && git commit -q -m 'Add a' --trailer 'Authorship: human' --trailer '{RATIONALE}'");
    w.git(["config", "user.name", AUTHOR_NAME]);
    w.git(["config", "user.email", AUTHOR_EMAIL]);
    let r = sh(&w, &line);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("--amend"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "no `Signed-off-by:` trailer; the author <{AUTHOR_EMAIL}> must certify the DCO: run the `git commit` again with `--signoff` (`-s`) [dco.required]"
        )),
        "{}",
        r.stderr
    );
    let r = sh(&w, &line.replace("git commit -q", "git commit -q --signoff"));
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), ["Add a: accepted"]);
}

/// `Authorship: human` beside an agent's `Co-Authored-By:`: a warning when
/// committing and in verify (so CI shows it, also as a GitHub annotation);
/// `[markers] mismatch = "deny"` refuses it; declaring the assistance, as
/// the finding says, is accepted.
#[test]
fn human_beside_agent_markers_is_flagged_when_committing_and_by_verify() {
    let w = World::adopted("disclose");
    let claude = "Co-Authored-By: Claude <noreply@anthropic.com>";
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    let r = w
        .commit(&["-m", "Add a", "--trailer", "Authorship: human", "--trailer", RATIONALE, "--trailer", claude])
        .expect(0);
    assert!(r.stderr.starts_with("avow: warning: `Authorship: human` beside a Claude Code marker ("), "{}", r.stderr);
    assert!(r.stderr.trim_end().ends_with("[authorship.mismatch]"), "{}", r.stderr);
    assert_eq!(verdicts(&w, &["base..HEAD"], 0), ["Add a: accepted warning authorship.mismatch"]);
    let github = w.avow(["verify", "base..HEAD", "--format", "github"]).expect(0).stdout;
    assert!(github.contains("::warning") && github.contains(AUTHORSHIP_MISMATCH.id), "{github}");

    // Refusable by policy, in the hook and in verify.
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let strict = policy.replace("mismatch = \"warn\"", "mismatch = \"deny\"");
    assert_ne!(strict, policy, "the preset has a [markers] table");
    w.write(".avow/policy.toml", &strict);
    w.git(["add", ".avow"]);
    w.commit(&[&["-m", "Refuse mismatches"][..], &HUMAN].concat()).expect(0);
    w.git(["tag", "-f", "strict"]);
    w.write("b.txt", "b\n");
    w.git(["add", "b.txt"]);
    let r = w
        .commit(&["-m", "Add b", "--trailer", "Authorship: human", "--trailer", RATIONALE, "--trailer", claude])
        .expect(1);
    assert!(r.stderr.contains("avow: refused: `Authorship: human` beside a Claude Code marker"), "{}", r.stderr);
    // What the finding advises: declare the assistance.
    w.commit(&[
        "-m",
        "Add b",
        "--trailer",
        "Authorship: assisted",
        "--trailer",
        "Assisted-by: Claude:claude-opus-4-5",
        "--trailer",
        RATIONALE,
        "--trailer",
        claude,
    ])
    .expect(0);
    assert_eq!(verdicts(&w, &["strict..HEAD"], 0), ["Add b: accepted"]);
    // A human claim with the marker, committed past the hook, is rejected.
    w.write("c.txt", "c\n");
    w.git(["add", "c.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add c", "--trailer", "Authorship: human", "--trailer", claude]);
    let v = verdicts(&w, &["strict..HEAD"], 1);
    assert_eq!(v[0], "Add b: accepted");
    assert!(v[1].starts_with("Add c: rejected"), "{v:?}");
}

/// Bob commits from a machine whose git has his work email: the hook
/// warns that verification will refuse it, and its fix — the keyring's
/// email, then an amend that takes the statement (and, as the author must
/// vouch, the authorship) over — works as printed.
#[test]
fn an_email_other_than_the_keyrings_warns_and_the_printed_fix_works() {
    let w = bob_added_as_in_the_readme("Bob");
    w.git(["config", "user.email", "bob@work.example"]);
    let r = bob_commits(&w, "b.txt");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "avow: warning: your key belongs to Bob <bob@example.org> in .avow/keyring.toml, but you sign as <bob@work.example>; \
         verification will refuse it [understood-by.signer]: `git config user.email bob@example.org`, then \
         `git -c avow.takeOver=true commit --amend --no-edit --reset-author`\n"
    );
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 1), ["Fix the parser: rejected understood-by.signer"]);
    let fixes = quoted_commands(&r.stderr);
    assert_eq!(fixes.len(), 2, "{}", r.stderr);
    for command in &fixes {
        let r = sh(&w, command);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{command}");
    }
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), format!("Bob <{BOB}>"));
    assert_eq!(w.git(["log", "-1", "--format=%ae"]), BOB);
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted"]);
}

/// Makes the repository's configured person the one given (as on their
/// own machine).
fn be(w: &World, name: &str, email: &str, key: &std::path::Path) {
    w.git(["config", "user.name", name]);
    w.git(["config", "user.email", email]);
    w.git(["config", "avow.signingKey", key.to_str().unwrap()]);
}

/// The rest of a contributor's keyring change as printed: Bob drops it
/// from his work tree (`git restore`), Alice (maintainer) runs `command`
/// he sent her and commits the file as her output says, with the hook.
fn bob_drops_it_and_alice_commits(w: &World, command: &str, subject: &str, rationale: &str) {
    assert_eq!(sh(w, "git restore .avow/keyring.toml").code, 0);
    assert_eq!(w.git(["status", "--porcelain"]).trim(), "", "nothing left to commit");
    be(w, AUTHOR_NAME, AUTHOR_EMAIL, &w.key);
    let r = sh(w, command);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.ends_with(
            "; commit .avow/keyring.toml for it to take effect (signed by your key: a change to .avow/ needs a maintainer's)\n"
        ),
        "{}",
        r.stdout
    );
    let r = sh(
        w,
        &format!("git commit -q -a -m \"{subject}\" --trailer 'Authorship: human' --trailer 'Rationale: {rationale}'"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// README's "Ask a maintainer to add your public key (`git avow keyring
/// add`)", run by the contributor in their clone: the change cannot take
/// effect by their commit (verify refuses a change to .avow/ they sign), so
/// the output says so and gives the command for a maintainer. Followed as
/// printed — the contributor drops the change, the maintainer runs the
/// command and commits as her output says — Bob's next commit verifies.
#[test]
fn keyring_add_by_a_contributor_says_a_maintainer_must_commit_it() {
    let w = World::adopted("disclose");
    let bob = w.keygen("bob");
    be(&w, "Bob", BOB, &bob);
    let r = sh(&w, &format!("git avow keyring add --name Bob --email {BOB} --key {}.pub", bob.display()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            " in this work tree only: a change to .avow/ takes effect only in a commit a maintainer signs, and your signing key is not a maintainer's in .avow/keyring.toml."
        ),
        "{}",
        r.stdout
    );
    let for_maintainer = indented_commands(&r.stdout);
    let line = std::fs::read_to_string(format!("{}.pub", bob.display())).unwrap();
    assert_eq!(
        for_maintainer,
        [format!("git avow keyring add --name Bob --email {BOB} --key '{}'", line.trim())],
        "{}",
        r.stdout
    );
    assert_eq!(quoted_commands(&r.stdout), ["git restore .avow/keyring.toml"]);

    // What the output says not to rely on: Bob's own commit of the change
    // is refused by verify. (Undone afterwards, keeping the change.)
    let r = sh(&w, &format!("git commit -q -a -m 'Add my key' --trailer 'Authorship: human' --trailer '{RATIONALE}'"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verdicts(&w, &["base..HEAD"], 1), ["Add my key: rejected signature.unknown-key trust.avow-change"]);
    w.git(["reset", "-q", "HEAD~1"]);

    bob_drops_it_and_alice_commits(
        &w,
        &for_maintainer[0],
        "Add Bob's key",
        "Bob contributes from now on; his commits must verify.",
    );
    w.git(["tag", "with-bob"]);
    assert_eq!(verdicts(&w, &["base..with-bob"], 0), ["Add Bob's key: accepted"]);
    be(&w, "Bob", BOB, &bob);
    assert_eq!(bob_commits(&w, "b.txt").code, 0);
    assert_eq!(verdicts(&w, &["with-bob..HEAD"], 0), ["Fix the parser: accepted"]);
}

/// A contributor revoking their own key (a stolen laptop) gets the same
/// advice: the revocation takes effect only in a maintainer's commit, and
/// the command they send her, run and committed as printed, revokes it.
#[test]
fn keyring_revoke_by_a_contributor_gives_the_command_for_a_maintainer() {
    let w = bob_added_as_in_the_readme("Bob");
    assert_eq!(bob_commits(&w, "b.txt").code, 0);
    let bob = w.git(["config", "avow.signingKey"]).trim().to_owned();
    let r = sh(&w, &format!("git avow keyring revoke {bob}.pub --reason 'laptop stolen'"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(" in this work tree only: a change to .avow/ takes effect only in a commit a maintainer signs"),
        "{}",
        r.stdout
    );
    let for_maintainer = indented_commands(&r.stdout);
    assert_eq!(for_maintainer.len(), 1, "{}", r.stdout);
    assert!(for_maintainer[0].starts_with("git avow keyring revoke SHA256:"), "{}", r.stdout);
    assert!(for_maintainer[0].ends_with(" --reason 'laptop stolen'"), "{}", r.stdout);
    assert_eq!(quoted_commands(&r.stdout), ["git restore .avow/keyring.toml"]);
    bob_drops_it_and_alice_commits(
        &w,
        &for_maintainer[0],
        "Revoke Bob's key",
        "The laptop of Bob was stolen; nothing his key signs may verify.",
    );
    assert_eq!(
        verdicts(&w, &["with-bob..HEAD", "--trust", "HEAD"], 1),
        ["Fix the parser: rejected signature.key-status", "Revoke Bob's key: accepted"]
    );
}
