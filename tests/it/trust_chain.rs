//! Changes to the keyring inside the range verified: a maintainer's key
//! rotation, a contributor added, a keyring change replayed from elsewhere.
//! Trust comes from the range's base only (docs/keyring.md, "Changes to
//! the keyring inside a range"): a change in the range vouches for nothing
//! after it until it is in the base. Each failure says what to do, and
//! following it literally works; an outsider's ways around the rule
//! (threat model, entries 139-141) fail.

use avow_testutil::NOW;

use crate::keyring::fingerprint;
use crate::maintainer::commit_as;
use crate::policy::{hook_accepts, msg, verdicts, BOB_EMAIL, BOB_NAME};
use crate::server::{origin, push, remote_rev};
use crate::support::*;

/// `sh -c LINE` at the test clock plus `later` seconds, expecting `code`.
fn at(w: &World, later: i64, line: &str, code: i32) -> Run {
    let mut c = w.shell(line);
    c.env("AVOW_TEST_NOW", (NOW + later).to_string());
    Run::from(c.output().unwrap()).expect(code)
}

fn short(w: &World, rev: &str) -> String {
    w.git(["rev-parse", "--short=12", rev]).trim().to_owned()
}

/// Alice, the only maintainer, rotates her key on a topic branch (the
/// rotation committed with the old key a second later, as `rotate` says)
/// and goes on working there with the new key: the rotation, then one
/// commit of work.
fn rotation_then_work(w: &World) -> std::path::PathBuf {
    let (new, _) = rotation(w);
    w.git(["config", "avow.signingKey", new.to_str().unwrap()]);
    w.write("work.txt", "work\n");
    w.git(["add", "work.txt"]);
    at(
        w,
        2,
        "git commit -q -m 'Work after the rotation' --trailer 'Authorship: human' --trailer 'Rationale: The first change signed with the new key, in the same pull request.'",
        0,
    );
    new
}

/// The rotation alone, on a new branch `topic`: the new key's file and
/// the commit's run (the hook's notes on its standard error).
fn rotation(w: &World) -> (std::path::PathBuf, Run) {
    let new = w.keygen("alice-new");
    w.git(["switch", "-q", "-c", "topic"]);
    let old_fpr = fingerprint(w, &w.key);
    w.avow(["keyring", "rotate", &old_fpr, "--key", &format!("{}.pub", new.display())]).expect(0);
    let run = at(
        w,
        1,
        "git commit -q -a -m 'Rotate my key' --trailer 'Authorship: human' --trailer 'Rationale: The laptop is retired; the new key signs from now on.'",
        0,
    );
    (new, run)
}

/// On HEAD, a revert of the rotation at `rotation` signed with `key`, then
/// work signed with the `old` key.
fn revert_then_old_work(w: &World, rotation: &str, key: &std::path::Path, old: &std::path::Path) {
    w.git(["config", "avow.signingKey", key.to_str().unwrap()]);
    w.git(["revert", "--no-commit", rotation]);
    at(
        w,
        5,
        "git commit -q -m 'Revert \"Rotate my key\"' --trailer 'Authorship: human' --trailer 'Rationale: Undo the rotation: the old laptop key signs again.'",
        0,
    );
    w.git(["config", "avow.signingKey", old.to_str().unwrap()]);
    w.write("old.txt", "old\n");
    w.git(["add", "old.txt"]);
    at(
        w,
        6,
        "git commit -q -m 'Old laptop work' --trailer 'Authorship: human' --trailer 'Rationale: Work signed with the old key once the rotation is undone.'",
        0,
    );
}

/// The pull request's check, `verify origin/main..topic` (and CI's form,
/// `--trust` the base's id): the work after the rotation is refused, since
/// the base does not know the new key, and the note names the rotation
/// and the two ways that verify. Both, followed as printed, verify: the
/// release form (`--trust` the tip, which needs the rotation itself to
/// verify against the keyring it wrote: entry 139), and landing the
/// rotation first, then checking again.
#[test]
fn a_rotation_in_a_pull_request_verifies_once_landed_as_the_note_says() {
    let w = World::adopted("disclose");
    origin(&w);
    rotation_then_work(&w);
    let (rot, work) = (short(&w, "topic~1"), short(&w, "topic"));
    let r = w.avow(["verify", "origin/main..topic"]).expect(1);
    let note = format!(
        "avow: note: the key of {work} is added by {rot} (\"Rotate my key\") within the range and a key counts only once the commit adding it is in the trusted base. \
         For work not merged yet (a pull request), land that commit first, alone: `git push origin {rot}:refs/heads/main && git fetch origin` (or a pull request of its own); \
         then run this check again; to judge history already merged (a release) against the keyring it shipped with: `git avow verify origin/main..topic --trust topic`\n"
    );
    assert_eq!(r.stderr, note);
    assert_eq!(
        verdicts(&w, &["origin/main..topic"], 1),
        vec![
            "Rotate my key: accepted".to_owned(),
            "Work after the rotation: rejected signature.unknown-key".to_owned()
        ]
    );
    // CI names the base by id and trusts it: the same note, without the
    // remote to push to.
    let base = w.git(["rev-parse", "origin/main"]).trim().to_owned();
    let r = w.avow(["verify", &format!("{base}..topic"), "--trust", &base]).expect(1);
    assert!(
        r.stderr.contains(&format!(
            "land that commit first, alone: a pull request of its own or a push of it to the target branch; then run this check again; \
             to judge history already merged (a release) against the keyring it shipped with: `git avow verify {base}..topic --trust topic`"
        )),
        "{}",
        r.stderr
    );
    let commands = quoted_commands(&note);
    assert_eq!(commands.len(), 2, "{note}");
    // The release form verifies: the rotation, signed after the expiry it
    // writes, is not refused for it.
    let out = at(&w, 3, &commands[1], 0).stdout;
    assert!(
        out.ends_with("avow: 2 commits: 2 accepted, 0 rejected (range origin/main..topic, trust topic)\n"),
        "{out}"
    );
    // Landing the rotation first, then checking again: the work verifies.
    at(&w, 3, &commands[0], 0);
    assert_eq!(w.git(["rev-parse", "--short=12", "origin/main"]).trim(), rot);
    assert_eq!(verdicts(&w, &["origin/main..topic"], 0), vec!["Work after the rotation: accepted".to_owned()]);
}

/// The same maintainer pushes the rotation and the work in one push to a
/// server with avow's hook: refused, with the two pushes that land; both,
/// as printed, do. An audit of the whole history against the tip (CI's
/// scheduled run) then accepts the rotation, which was signed after the
/// expiry it wrote (entry 139).
#[test]
fn the_server_takes_a_rotation_and_the_work_after_it_in_the_two_pushes_it_names() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    rotation_then_work(&w);
    let (rot, work) = (short(&w, "topic~1"), short(&w, "topic"));
    let r = w.git_notty(["push", "-q", "origin", "topic:main"]).expect(1);
    let note = format!(
        "remote: avow: note: the key of {work} is added by {rot} (\"Rotate my key\") in this same push, and a key counts only once the commit adding it is on the branch: push up to it first, `git push origin {rot}:refs/heads/main` (origin: the remote you push to), then push again"
    );
    assert!(r.stderr.lines().any(|l| l.trim_end() == note), "{}", r.stderr);
    assert!(r.stderr.contains("[signature.unknown-key]"), "{}", r.stderr);
    let commands = quoted_commands(&note);
    assert_eq!(commands.len(), 1);
    at(&w, 3, &commands[0], 0);
    at(&w, 3, "git push -q origin topic:main", 0);
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "topic"]).trim());
    assert_eq!(
        verdicts(&w, &["topic", "--trust", "topic"], 0),
        vec![
            "Adopt avow: accepted".to_owned(),
            "Rotate my key: accepted".to_owned(),
            "Work after the rotation: accepted".to_owned()
        ]
    );
}

/// A forge's squash of the pull request (rotation and work in one
/// unattested commit, `(#7)`): verified as a squash of the pull request's
/// commits against the same base, whose keyring lacks the new key, so it
/// is refused, as the commits would be. Landing the rotation first, as
/// verify's note says, and squashing the rest: accepted.
#[test]
fn a_squash_of_a_rotation_and_its_work_is_refused_until_the_rotation_lands() {
    let w = World::adopted("disclose");
    rotation_then_work(&w);
    w.git(["update-ref", "refs/pull/7/head", "topic"]);
    w.git(["switch", "-q", "main"]);
    w.git(["tag", "before-merge"]);
    w.git(["merge", "-q", "--squash", "topic"]);
    crate::forge::forge_commit(&w, "Rotate my key and work (#7)\n", crate::forge::GITHUB);
    let out = w.verify("before-merge..main").expect(1).stdout;
    assert!(out.contains("[squash.source]"), "{out}");
    // Merged anyway, it is history: the audit against the tip (CI's
    // scheduled run) judges the squash's commits by the keyring that has
    // the new key, and accepts it.
    let out = w.avow(["verify", "main", "--trust", "main"]).expect(0).stdout;
    assert!(out.contains("squash of refs/pull/7/head"), "{out}");
    // The rotation alone first, then the rest squashed.
    w.git(["reset", "-q", "--hard", "before-merge"]);
    w.git(["merge", "-q", "--ff-only", "topic~1"]);
    w.git(["tag", "rotated"]);
    w.git(["merge", "-q", "--squash", "topic"]);
    crate::forge::forge_commit(&w, "Work after the rotation (#7)\n", crate::forge::GITHUB);
    let out = w.verify("rotated..main").expect(0).stdout;
    assert!(out.contains("squash of refs/pull/7/head"), "{out}");
}

/// Entry 139: the rotation's own expiry is not held against the rotation
/// commit, and nothing else. A clone still signing with the old key after
/// the rotation is refused, also when its commit changes the keyring; so
/// is a key that revokes itself; and an expiry moved earlier by a later
/// commit refuses the commit that wrote the first one.
#[test]
fn only_the_commit_that_writes_its_keys_expiry_is_spared_it() {
    let w = World::adopted("disclose");
    let old = w.key.clone();
    rotation_then_work(&w);
    // A stale clone, still on the old key, adds a contributor a second
    // after the rotation: the keyring before it already expired the key.
    w.git(["config", "avow.signingKey", old.to_str().unwrap()]);
    let erin = w.keygen("erin");
    w.avow([
        "keyring",
        "add",
        "--name",
        "Erin",
        "--email",
        "erin@example.org",
        "--key",
        &format!("{}.pub", erin.display()),
    ])
    .expect(0);
    at(
        &w,
        3,
        "git commit -q -a -m 'Add Erin from the old laptop' --trailer 'Authorship: human' --trailer 'Rationale: Erin joins; signed on the laptop whose key was rotated.'",
        0,
    );
    let audit = verdicts(&w, &["topic", "--trust", "topic"], 1);
    assert_eq!(
        audit[1..],
        [
            "Rotate my key: accepted".to_owned(),
            "Work after the rotation: accepted".to_owned(),
            "Add Erin from the old laptop: rejected signature.key-status".to_owned()
        ]
    );
    // A maintainer's key that revokes itself: refused whatever it wrote.
    let w = World::adopted("disclose");
    let fpr = fingerprint(&w, &w.key);
    let second = w.keygen("alice-desktop");
    let add = ["keyring", "add", "--email", AUTHOR_EMAIL, "--key"];
    w.avow(add.iter().copied().chain([format!("{}.pub", second.display()).as_str()])).expect(0);
    hook_accepts(&w, &[], &msg("Add Alice's desktop key", "human", &["-a"]), &[]);
    w.avow(["keyring", "revoke", &fpr, "--reason", "laptop stolen"]).expect(0);
    at(
        &w,
        1,
        "git commit -q -a -m 'Revoke my laptop key' --trailer 'Authorship: human' --trailer 'Rationale: The laptop was stolen; its key must sign nothing more.'",
        0,
    );
    assert_eq!(
        verdicts(&w, &["base..HEAD", "--trust", "HEAD"], 1),
        vec![
            "Add Alice's desktop key: rejected signature.key-status".to_owned(),
            "Revoke my laptop key: rejected signature.key-status".to_owned()
        ]
    );
    // An expiry moved earlier by a later commit: the commit that wrote
    // the first expiry is judged by the one the trusted keyring holds.
    let w = World::adopted("disclose");
    let fpr = fingerprint(&w, &w.key);
    let second = w.keygen("alice-desktop");
    w.avow(add.iter().copied().chain([format!("{}.pub", second.display()).as_str()])).expect(0);
    hook_accepts(&w, &[], &msg("Add Alice's desktop key", "human", &["-a"]), &[]);
    w.git(["tag", "desk"]);
    at(&w, 10, &format!("git avow keyring expire {fpr}"), 0);
    at(
        &w,
        11,
        "git commit -q -a -m 'Retire my laptop key' --trailer 'Authorship: human' --trailer 'Rationale: The laptop is retired; the desktop key signs from now on.'",
        0,
    );
    assert_eq!(verdicts(&w, &["desk..HEAD", "--trust", "HEAD"], 0), vec!["Retire my laptop key: accepted".to_owned()]);
    w.git(["config", "avow.signingKey", second.to_str().unwrap()]);
    at(&w, 12, &format!("git avow keyring expire {fpr} --at 2025-11-24T16:00:05Z"), 0);
    at(
        &w,
        13,
        "git commit -q -a -m 'Retire it earlier' --trailer 'Authorship: human' --trailer 'Rationale: The laptop was retired before the record said; correct the date.'",
        0,
    );
    assert_eq!(
        verdicts(&w, &["desk..HEAD", "--trust", "HEAD"], 1),
        vec![
            "Retire my laptop key: rejected signature.key-status".to_owned(),
            "Retire it earlier: accepted".to_owned()
        ]
    );
}

/// Entry 141, the rotation undone: once a rotation is in the base, a
/// revert of it made with the retired key (a stale clone, or whoever has
/// the old laptop) is refused for the key's expiry — the revert writes no
/// expiry of its own, so entry 139's exception does not reach it — and the
/// old key's later work is refused with it. The same revert made with the
/// new key is a maintainer's change like any other, and still vouches for
/// nothing in its own range: the old key stays expired there.
#[test]
fn a_revert_of_a_landed_rotation_vouches_for_nothing_after_it() {
    let w = World::adopted("disclose");
    let old = w.key.clone();
    let new = rotation_then_work(&w);
    w.git(["tag", "rotated"]);
    for (key, code, revert) in [(&old, 1, "rejected signature.key-status"), (&new, 1, "accepted")] {
        w.git(["switch", "-q", "--detach", "rotated"]);
        revert_then_old_work(&w, "rotated~1", key, &old);
        assert_eq!(
            verdicts(&w, &["rotated..HEAD"], code),
            vec![
                format!("Revert \"Rotate my key\": {revert}"),
                "Old laptop work: rejected signature.key-status".to_owned()
            ]
        );
    }
}

/// The hook's note on the rotation commit says to land it first, alone,
/// and names the push; followed as printed, the work the new key signs
/// afterwards on the same branch verifies against `main`, where without
/// it (the previous test) it is refused until the rotation lands.
#[test]
fn the_hook_says_to_land_a_rotation_first_and_the_push_it_names_works() {
    let w = World::adopted("disclose");
    origin(&w);
    let old_fpr = fingerprint(&w, &w.key);
    let (new, r) = rotation(&w);
    let new_fpr = fingerprint(&w, &new);
    let said = r.stderr.replace(&old_fpr, "OLD").replace(&new_fpr, "NEW");
    let (_, rest) = said.split_once(" so sign it as you do now, ").expect(&said);
    assert_eq!(
        rest,
        "and land it first, alone, since what a key it adds signs verifies only once it is in the trusted base: \
         `git push origin HEAD:refs/heads/main` once it is committed (or a pull request of its own); \
         for the commits after it, sign with your key that it trusts (NEW): `git config avow.signingKey ~/.ssh/KEY`, naming its private key file\n"
    );
    let commands = quoted_commands(rest);
    assert_eq!(commands.len(), 2, "{rest}");
    at(&w, 2, &commands[0], 0);
    assert_eq!(w.git(["rev-parse", "origin/main"]), w.git(["rev-parse", "HEAD"]));
    at(&w, 2, &commands[1].replace("~/.ssh/KEY", new.to_str().unwrap()), 0);
    w.write("work.txt", "work\n");
    w.git(["add", "work.txt"]);
    at(
        &w,
        3,
        "git commit -q -m 'Work after the rotation' --trailer 'Authorship: human' --trailer 'Rationale: The first change signed with the new key, in the same pull request.'",
        0,
    );
    assert_eq!(verdicts(&w, &["origin/main..topic"], 0), vec!["Work after the rotation: accepted".to_owned()]);
}

/// A commit refused for an expired key (Bob's, expired on `main`, with
/// nothing in the range making it valid again) ahead of the work a
/// rotation's new key signs: the note on the rotation is still printed,
/// for the first commit of each kind is looked at, not the first refused
/// for its key.
#[test]
fn an_expired_key_earlier_in_the_range_keeps_the_rotations_note() {
    let (w, bob) = crate::keyring::with_bob();
    let bob_fpr = fingerprint(&w, &bob);
    at(&w, 0, &format!("git avow keyring expire {bob_fpr}"), 0);
    hook_accepts(&w, &[], &msg("Bob left the project", "human", &["-a"]), &[]);
    origin(&w);
    crate::keyring::as_bob_at(&w, &bob, "late.c", "Bob signs after leaving", NOW + 2);
    rotation_then_work(&w);
    let (rot, work) = (short(&w, "topic~1"), short(&w, "topic"));
    let r = w.avow(["verify", "origin/main..topic"]).expect(1);
    assert_eq!(
        r.stderr,
        format!(
            "avow: note: the key of {work} is added by {rot} (\"Rotate my key\") within the range and a key counts only once the commit adding it is in the trusted base. \
             For work not merged yet (a pull request), land that commit first, alone: `git push origin {rot}:refs/heads/main && git fetch origin` (or a pull request of its own); \
             then run this check again; to judge history already merged (a release) against the keyring it shipped with: `git avow verify origin/main..topic --trust topic`\n"
        )
    );
    assert_eq!(
        verdicts(&w, &["origin/main..topic"], 1),
        vec![
            "Bob signs after leaving: rejected signature.key-status".to_owned(),
            "Rotate my key: accepted".to_owned(),
            "Work after the rotation: rejected signature.unknown-key".to_owned()
        ]
    );
}

/// The rotation undone on purpose: once the rotation is on `main`, the
/// maintainer reverts it on a branch, signing with the new key (a
/// maintainer's change `main` accepts), and works there with the old key
/// again. That work is refused against `main`, whose keyring expired the
/// old key, and the note names the revert and the push that lands it
/// first, alone; followed as printed, the work verifies. The same revert
/// signed with the retired key (entry 141's attacker) is refused itself,
/// and no note offers to land it.
#[test]
fn the_work_after_a_revert_of_a_rotation_verifies_once_the_revert_lands_as_the_note_says() {
    let w = World::adopted("disclose");
    origin(&w);
    let old = w.key.clone();
    let new = rotation_then_work(&w);
    w.git(["push", "-q", "--no-verify", "origin", "topic:main"]);
    w.git(["fetch", "-q", "origin"]);
    for (key, note) in [(&old, false), (&new, true)] {
        w.git(["switch", "-q", "-C", "undo", "origin/main"]);
        revert_then_old_work(&w, "origin/main~1", key, &old);
        let r = w.avow(["verify", "origin/main..undo"]).expect(1);
        if !note {
            assert_eq!(r.stderr, "", "no note for a revert the base does not accept");
            continue;
        }
        let (revert, work) = (short(&w, "undo~1"), short(&w, "undo"));
        let expected = format!(
            "avow: note: the key of {work} was not valid in the trusted base's keyring when it signed, and {revert} (\"Revert \\\"Rotate my key\\\"\") within the range makes it valid again; \
             a key's status counts only once the commit changing it is in the trusted base. \
             For work not merged yet (a pull request), land that commit first, alone: `git push origin {revert}:refs/heads/main && git fetch origin` (or a pull request of its own); \
             then run this check again; to judge history already merged (a release) against the keyring it shipped with: `git avow verify origin/main..undo --trust undo`\n"
        );
        assert_eq!(r.stderr, expected);
        assert_eq!(
            verdicts(&w, &["origin/main..undo"], 1),
            vec![
                "Revert \"Rotate my key\": accepted".to_owned(),
                "Old laptop work: rejected signature.key-status".to_owned()
            ]
        );
        let commands = quoted_commands(&r.stderr);
        at(&w, 7, &commands[0], 0);
        assert_eq!(verdicts(&w, &["origin/main..undo"], 0), vec!["Old laptop work: accepted".to_owned()]);
    }
}

/// Mallory's block, cut out of the keyring by hand (no `keyring remove`
/// exists: a maintainer deletes the lines), as a maintainer commit.
fn remove_person_by_hand(w: &World, email: &str, subject: &str) {
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let blocks: Vec<&str> = text.split("\n[[person]]").collect();
    let kept: Vec<&str> = blocks.into_iter().filter(|b| !b.contains(&format!("email = \"{email}\""))).collect();
    std::fs::write(&path, kept.join("\n[[person]]")).unwrap();
    hook_accepts(w, &[], &msg(subject, "human", &["-a"]), &[]);
}

fn add_person(w: &World, name: &str, email: &str, key: &std::path::Path, role: &str) {
    let pubkey = format!("{}.pub", key.display());
    w.avow(["keyring", "add", "--name", name, "--email", email, "--key", &pubkey, "--role", role]).expect(0);
}

/// Entry 140: an outsider replays a maintainer's signed keyring change
/// into their own pull request — an attestation binds the change, not its
/// place, so it survives `git cherry-pick` — and signs the rest with the
/// key it adds: the commit that once added Mallory, whose block a
/// maintainer later deleted by hand; or, merged in, the side branch of a
/// pull request the maintainers closed, which adds her again with a new
/// key (a merge whose parents carry different keyrings). The replayed
/// change verifies, and vouches for nothing: her commits are refused by
/// verify, CI's form and the server, and the note tells the reviewer the
/// change was moved from where it was signed.
#[test]
fn a_replayed_keyring_change_vouches_for_nothing_in_its_pull_request() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let (mallory, mallory2) = (w.keygen("mallory"), w.keygen("mallory2"));
    add_person(&w, "Mallory", "mallory@example.org", &mallory, "contributor");
    hook_accepts(&w, &[], &msg("Add Mallory", "human", &["-a"]), &[]);
    w.git(["tag", "add-mallory"]);
    remove_person_by_hand(&w, "mallory@example.org", "Remove Mallory");
    // A pull request the maintainers closed: Alice had added Mallory back
    // with a new key on a branch of her own.
    w.git(["switch", "-q", "-c", "closed-pr"]);
    add_person(&w, "Mallory", "mallory@example.org", &mallory2, "contributor");
    hook_accepts(&w, &[], &msg("Add Mallory again", "human", &["-a"]), &[]);
    w.git(["switch", "-q", "main"]);
    hook_accepts(&w, &[("docs.txt", "docs\n")], &msg("Document the keyring", "human", &[]), &[]);
    at(&w, 0, "git push -q origin main", 0);
    w.git(["fetch", "-q", "origin"]);

    // The cherry-pick: the maintainer's attestation still verifies.
    w.git(["switch", "-q", "-c", "mallory", "main"]);
    w.git(["cherry-pick", "add-mallory"]);
    w.write("mallory.c", "mallory\n");
    commit_as(&w, "Mallory", "mallory@example.org", &mallory, "Mallory's change", &[]);
    assert_eq!(
        verdicts(&w, &["origin/main..mallory"], 1),
        vec!["Add Mallory: accepted".to_owned(), "Mallory's change: rejected signature.unknown-key".to_owned()]
    );
    let r = w.avow(["verify", "origin/main..mallory"]).expect(1);
    assert!(
        r.stderr.contains(&format!(
            "is added by {} (\"Add Mallory\") within the range — it was moved here from where its maintainer signed it (rebased or cherry-picked): make sure they made it for this branch — and a key counts only once",
            short(&w, "mallory~1")
        )),
        "{}",
        r.stderr
    );
    let base = w.git(["rev-parse", "origin/main"]).trim().to_owned();
    let ci = verdicts(&w, &[&format!("{base}..mallory"), "--trust", &base], 1);
    assert_eq!(ci[1], "Mallory's change: rejected signature.unknown-key");
    let out = push(&w, &["mallory:refs/heads/main"], 1);
    assert!(out.contains("[signature.unknown-key]"), "{out}");
    let out = push(&w, &["mallory"], 1);
    assert!(out.contains("[signature.unknown-key]"), "{out}");

    // The closed pull request merged in: a merge of two keyrings.
    w.git(["switch", "-q", "-c", "mallory-merge", "main"]);
    w.git(["merge", "-q", "--no-edit", "closed-pr"]);
    w.write("mallory2.c", "mallory\n");
    commit_as(&w, "Mallory", "mallory@example.org", &mallory2, "Mallory's second change", &[]);
    assert_eq!(
        verdicts(&w, &["origin/main..mallory-merge"], 1),
        vec![
            "Add Mallory again: accepted".to_owned(),
            "Merge branch 'closed-pr' into mallory-merge: skipped".to_owned(),
            "Mallory's second change: rejected signature.unknown-key".to_owned()
        ]
    );
    // That commit sits at the trees it was signed at, so nothing can say
    // it was replayed: the note names it like any other.
    let r = w.avow(["verify", "origin/main..mallory-merge"]).expect(1);
    assert!(r.stderr.contains("(\"Add Mallory again\") within the range and a key counts"), "{}", r.stderr);
    let out = push(&w, &["mallory-merge:refs/heads/main"], 1);
    assert!(out.contains("[signature.unknown-key]"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "main"), base);
}

/// Entry 141: a maintainer the base no longer trusts extends nothing, and
/// a push of several refs is judged ref by ref against what the server
/// already trusts. Bob, a maintainer when his branch forked, is demoted on
/// `main` (or his key revoked); his branch adds Carol, signed by him, and
/// carries her work: refused in CI's form with no note (the chain check
/// fails), `--trust` his tip is refused, and so is his push. Alice pushes
/// `main` adding Erin together with a new branch holding Erin's work: the
/// branch is judged against `main` as the server has it, not as the same
/// push would leave it; the two pushes the note names land.
#[test]
fn a_maintainer_the_base_no_longer_trusts_extends_nothing_nor_does_another_ref_of_the_push() {
    for revoke in [false, true] {
        let w = World::adopted("disclose");
        let remote = origin(&w);
        w.avow_in(&remote, ["install", "--server"]).expect(0);
        let (bob, carol) = (w.keygen("bob"), w.keygen("carol"));
        add_person(&w, BOB_NAME, BOB_EMAIL, &bob, "maintainer");
        hook_accepts(&w, &[], &msg("Add Bob as a maintainer", "human", &["-a"]), &[]);
        w.git(["branch", "bob-topic"]);
        if revoke {
            w.avow(["keyring", "revoke", &fingerprint(&w, &bob), "--reason", "laptop stolen"]).expect(0);
        } else {
            let path = w.path().join(".avow/keyring.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            let at = text.rfind("role = \"maintainer\"").unwrap();
            std::fs::write(&path, format!("{}role = \"contributor\"{}", &text[..at], &text[at + 19..])).unwrap();
        }
        hook_accepts(&w, &[], &msg("Bob steps down", "human", &["-a"]), &[]);
        at(&w, 0, "git push -q origin main", 0);
        w.git(["switch", "-q", "bob-topic"]);
        add_person(&w, "Carol", "carol@example.org", &carol, "contributor");
        commit_as(&w, BOB_NAME, BOB_EMAIL, &bob, "Bob adds Carol", &["-a"]);
        w.write("carol.c", "carol\n");
        commit_as(&w, "Carol", "carol@example.org", &carol, "Carol's change", &[]);
        let base = w.git(["rev-parse", "main"]).trim().to_owned();
        let bob_refused = if revoke { "signature.key-status" } else { "trust.avow-change" };
        assert_eq!(
            verdicts(&w, &[&format!("{base}..bob-topic"), "--trust", &base], 1),
            vec![
                format!("Bob adds Carol: rejected {bob_refused}"),
                "Carol's change: rejected signature.unknown-key".to_owned()
            ]
        );
        let r = w.avow(["verify", &format!("{base}..bob-topic"), "--trust", &base]).expect(1);
        assert_eq!(r.stderr, "", "no note names a way around");
        let r = w.avow(["verify", &format!("{base}..bob-topic"), "--trust", "bob-topic"]).expect(2);
        assert!(r.stderr.contains("is not reachable from the base"), "{}", r.stderr);
        let out = push(&w, &["bob-topic"], 1);
        assert!(out.contains(&format!("[{bob_refused}]")) && out.contains("[signature.unknown-key]"), "{out}");
        assert_eq!(remote_rev(&w, &remote, "bob-topic"), "");
    }

    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let erin = w.keygen("erin");
    add_person(&w, "Erin", "erin@example.org", &erin, "contributor");
    hook_accepts(&w, &[], &msg("Add Erin", "human", &["-a"]), &[]);
    w.git(["switch", "-q", "-c", "erin"]);
    w.write("erin.c", "erin\n");
    commit_as(&w, "Erin", "erin@example.org", &erin, "Erin's change", &[]);
    let before = remote_rev(&w, &remote, "main");
    let r = w.git_notty(["push", "-q", "origin", "main", "erin"]).expect(1);
    assert!(r.stderr.contains("[signature.unknown-key]"), "{}", r.stderr);
    assert_eq!((remote_rev(&w, &remote, "main"), remote_rev(&w, &remote, "erin")), (before, String::new()));
    let commands = quoted_commands(&r.stderr);
    assert_eq!(commands, vec![format!("git push origin {}:refs/heads/erin", short(&w, "main"))], "{}", r.stderr);
    at(&w, 0, &commands[0], 0);
    at(&w, 0, "git push -q origin main erin", 0);
    assert_eq!(remote_rev(&w, &remote, "erin"), w.git(["rev-parse", "erin"]).trim());
}
