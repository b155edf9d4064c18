//! Attacks on re-signing (docs/threat-model.md, "History and forges"):
//! `git avow reattest` and the post-rewrite hook sign with the key of the
//! person who runs them. A statement whose `Understood-by:` names them is
//! not thereby theirs — anyone can write that line — so avow re-signs only
//! a statement their own key signed before.

use crate::attacks::refused;
use crate::support::*;

/// The attacker's pull request, as the maintainer (Alice, whose key the
/// world holds) fetches it: one commit, made without any key, that makes
/// Mallory a maintainer, with a statement naming Alice and Alice's
/// signature copied from another commit. Returns Mallory's public key.
fn pull_request_naming_the_maintainer(w: &World) -> std::path::PathBuf {
    let alices_signature = w.trailer("base", "Avow-Signature").expect("base is attested");
    w.git(["switch", "-q", "-c", "pr", "base"]);
    let public = mallory_as_maintainer(w);
    w.git(["add", ".avow"]);
    let message = format!(
        "Tidy the keyring\n\nAuthorship: human\nRationale: The keyring's entries are sorted and reviewed.\nUnderstood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>\nAvow-Signature: {alices_signature}\n"
    );
    commit_by_hand(w, &message);
    assert_eq!(refused(w, "base..pr"), ["Tidy the keyring: rejected attestation.change trust.avow-change"]);
    public
}

/// Commits what is staged with `message` exactly as given, without the
/// hooks: the attacker's side.
fn commit_by_hand(w: &World, message: &str) {
    let file = w.scratch().join("hand-written-message");
    std::fs::write(&file, message).unwrap();
    w.git(["commit", "-q", "--no-verify", "--cleanup=verbatim", "-F", file.to_str().unwrap()]);
}

/// Adds Mallory's new key to the work tree's keyring as a maintainer (not
/// committed); returns her public key.
fn mallory_as_maintainer(w: &World) -> std::path::PathBuf {
    let public = std::path::PathBuf::from(format!("{}.pub", w.keygen("mallory").display()));
    let key = public.to_str().unwrap();
    let args = ["--name", "Mallory Example", "--email", "mallory@example.net", "--role", "maintainer", "--key", key];
    w.avow(["keyring", "add"].into_iter().chain(args)).expect(0);
    public
}

#[test]
fn reattest_never_signs_a_statement_that_only_names_you() {
    let w = World::adopted("disclose");
    pull_request_naming_the_maintainer(&w);
    let before = w.git(["rev-parse", "HEAD"]);
    // The maintainer re-attests the branch they took over, as
    // docs/workflows.md says to after rebasing a pull request.
    let r = w.avow(["reattest", "base..HEAD"]).expect(1);
    let short = w.git(["rev-parse", "--short", "HEAD"]);
    assert!(
        r.stderr.contains(&format!(
            "{short} Tidy the keyring: the statement names you, but you did not sign it (no signature of your key over it)"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing changed");
    assert_eq!(refused(&w, "base..HEAD"), ["Tidy the keyring: rejected attestation.change trust.avow-change"]);
    // The hint, literally: a maintainer who reads the commit and stands
    // behind it signs it with `git commit --amend`.
    w.commit(&["--amend", "--no-edit"]).expect(0);
    w.verify("base..HEAD").expect(0);
}

/// The same commit under one of the maintainer's own: the hint's
/// `git commit --amend` would reach HEAD, not the commit it names, so it
/// names the interactive rebase that stops there; followed literally (the
/// person marks the line `edit`, reads the message and saves it), the
/// branch verifies.
#[test]
fn the_hint_for_an_older_statement_that_only_names_you_reaches_it() {
    let w = World::adopted("disclose");
    pull_request_naming_the_maintainer(&w);
    let older = w.git(["rev-parse", "--short", "HEAD"]);
    w.change("later.txt", "later\n", "Add a later file");
    let r = w.avow(["reattest", "base..HEAD"]).expect(1);
    assert!(
        r.stderr.contains(&format!(
            "{older} Tidy the keyring: the statement names you, but you did not sign it (no signature of your key over it): read the commit; if you stand behind it, sign it with `git rebase -i {older}~1`, change `pick` to `edit` on the line of {older}, then `git commit --amend` and `git rebase --continue`\n"
        )),
        "{}",
        r.stderr
    );
    let editor = w.scratch().join("mark-edit");
    std::fs::write(&editor, format!("#!/bin/sh\nsed -i 's/^pick {older} /edit {older} /' \"$1\"\n")).unwrap();
    w.git(["config", "sequence.editor", &format!("sh {}", editor.display())]);
    w.git(["config", "core.editor", "true"]);
    for command in quoted_commands(&r.stderr) {
        let r: Run = w.shell(&command).output().unwrap().into();
        assert_eq!(r.code, 0, "{command}: {}", r.stderr);
    }
    w.verify("base..HEAD").expect(0);
}

#[test]
fn autosquash_never_signs_a_fetched_statement_that_only_names_you() {
    let w = World::adopted("disclose");
    pull_request_naming_the_maintainer(&w);
    // The maintainer fixes a typo in the pull request with their own
    // fixup and autosquashes: post-rewrite re-signs your own fixups folded
    // into your own commits without asking.
    w.write("NOTES.md", "typo fixed\n");
    w.git(["add", "NOTES.md"]);
    w.commit(&["--fixup", "HEAD"]).expect(0);
    let r = w.git_notty(["-c", "sequence.editor=true", "rebase", "-q", "-i", "--autosquash", "base"]).expect(0);
    assert!(r.stderr.contains("the statement names you, but you did not sign it"), "{}", r.stderr);
    assert_eq!(refused(&w, "base..HEAD"), ["Tidy the keyring: rejected attestation.change trust.avow-change"]);
}

/// A cherry-pick that conflicts asks, on `--continue`, whether to re-sign
/// "your" statement for the resolved change. The attacker's commit names
/// the maintainer in `Understood-by:` (and carries a signature of theirs
/// copied from another commit): naming you does not make it yours, so the
/// hook neither asks nor signs; it keeps the statement and says why.
#[test]
fn cherry_pick_conflict_never_offers_to_sign_a_statement_that_only_names_you() {
    let w = World::adopted("disclose");
    let (alices_signature, screen) = pick_with_a_conflict(&w, |sig| format!("Avow-Signature: {sig}\n"));
    assert!(!screen.contains("Re-sign your statement"), "asked to sign the attacker's statement:\n{screen}");
    assert!(
        screen.contains(&format!(
            "avow: the statement names you ({AUTHOR_NAME} <{AUTHOR_EMAIL}>), but your key did not sign it; it is kept as it is"
        )),
        "{screen}"
    );
    assert_eq!(w.trailer("HEAD", "Avow-Signature").unwrap(), alices_signature, "not re-signed");
    assert_eq!(refused(&w, "before..main"), ["Change two on main: accepted", "Tidy two: rejected attestation.change"]);
    // The hint, literally: read the commit; standing behind it, amend.
    assert!(screen.contains("if you stand behind it, sign it with `git commit --amend --no-edit`"), "{screen}");
    w.commit(&["--amend", "--no-edit"]).expect(0);
    w.verify("before..main").expect(0);
}

/// The attacker's commit on branch `pr` — a change to f.txt with a
/// statement naming Alice, then `signature(Alice's signature of HEAD)` as
/// its last lines — cherry-picked onto `main` (tag `before`), which changed
/// the same line; the conflict resolved keeping the backdoor and
/// `git cherry-pick --continue` run on a terminal, where the hook could
/// ask: answered with nothing. Returns Alice's signature and the screen.
fn pick_with_a_conflict(w: &World, signature: impl Fn(&str) -> String) -> (String, String) {
    w.change("f.txt", "one\ntwo\nthree\n", "Add f");
    w.git(["tag", "-f", "before"]);
    let alices_signature = w.trailer("HEAD", "Avow-Signature").unwrap();
    w.git(["switch", "-q", "-c", "pr"]);
    w.write("f.txt", "one\ntwo, and a backdoor\nthree\n");
    w.git(["add", "f.txt"]);
    let message = format!(
        "Tidy two\n\nAuthorship: human\nRationale: Two reads better this way; nothing else changes.\nUnderstood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>\n{}",
        signature(&alices_signature)
    );
    commit_by_hand(w, &message);
    // Alice changed the same line meanwhile; she picks the commit up.
    w.git(["switch", "-q", "main"]);
    w.change("f.txt", "one\ntwo, from main\nthree\n", "Change two on main");
    assert_ne!(w.git_notty(["cherry-pick", "pr"]).code, 0, "the cherry-pick conflicts");
    w.write("f.txt", "one\ntwo, from main, and a backdoor\nthree\n");
    w.git(["add", "f.txt"]);
    let (code, screen) = w.on_terminal("git cherry-pick --continue", "", &[]);
    assert_eq!(code, 0, "{screen}");
    (alices_signature, screen)
}

/// The pull request of the copied-message attack: one commit, made
/// without any key, that makes Mallory a maintainer and carries the whole
/// message of the maintainer's earlier commit "Update dependencies" (its
/// subject, statement and signature), with the maintainer as author.
/// Returns that earlier commit, the pull request's base.
fn pull_request_copying_your_earlier_message(w: &World) -> String {
    let earlier = w.change("deps.txt", "serde 1.0.200\n", "Update dependencies");
    let message = w.message(&earlier);
    w.git(["switch", "-q", "-c", "pr", &earlier]);
    mallory_as_maintainer(w);
    w.write("deps.txt", "serde 1.0.201\n");
    w.git(["add", "-A"]);
    commit_by_hand(w, &message);
    assert_eq!(
        refused(w, &format!("{earlier}..pr")),
        ["Update dependencies: rejected attestation.change trust.avow-change"]
    );
    earlier
}

/// The same pull request, and the maintainer tidies it with a fixup of
/// their own and `rebase --autosquash`. post-rewrite re-signs without
/// asking only when every commit folded together is a fixup made here or
/// verified on its own; the copy verifies nowhere, so nothing is signed
/// without the terminal's confirmation, and without a terminal the
/// command is only named.
#[test]
fn autosquash_never_signs_a_copy_of_your_own_earlier_message_unasked() {
    let w = World::adopted("disclose");
    let earlier = pull_request_copying_your_earlier_message(&w);
    w.write("deps.txt", "serde 1.0.202\n");
    w.git(["add", "deps.txt"]);
    w.commit(&["--fixup", "HEAD"]).expect(0);
    let r = w.git_notty(["-c", "sequence.editor=true", "rebase", "-q", "-i", "--autosquash", &earlier]).expect(0);
    assert!(r.stderr.contains("no longer match the change you signed after this rebase; check them"), "{}", r.stderr);
    assert_eq!(
        refused(&w, &format!("{earlier}..HEAD")),
        ["Update dependencies: rejected attestation.change trust.avow-change"]
    );
}

/// The autosquash of the copy on a terminal: post-rewrite shows what it
/// would sign (Mallory's keyring change among the files) and signs nothing
/// on `n`.
#[test]
fn autosquash_of_a_copy_on_a_terminal_shows_its_files_first() {
    let w = World::adopted("disclose");
    let earlier = pull_request_copying_your_earlier_message(&w);
    w.write("deps.txt", "serde 1.0.202\n");
    w.git(["add", "deps.txt"]);
    w.commit(&["--fixup", "HEAD"]).expect(0);
    let (code, screen) =
        w.on_terminal(&format!("git -c sequence.editor=true rebase -q -i --autosquash {earlier}"), "n", &[]);
    assert_eq!(code, 0, "{screen}");
    let screen = screen.replace("\r\n", "\n");
    assert!(screen.contains("files:  M .avow/keyring.toml, M deps.txt"), "{screen}");
    assert!(screen.contains("Sign these changes as yours? [y/N]"), "{screen}");
    assert_eq!(
        refused(&w, &format!("{earlier}..HEAD")),
        ["Update dependencies: rejected attestation.change trust.avow-change"]
    );
}

/// Entry 100's copy cherry-picked instead of rebased, with a conflict the
/// maintainer resolves: commit-msg records the pick (git runs no
/// post-rewrite for it), but the record leads only to the copy, which the
/// maintainer's key never attested for its own change. reattest still
/// signs nothing without asking: it refuses, naming `--sign`.
#[test]
fn cherry_picking_a_copy_does_not_make_it_yours() {
    let w = World::adopted("disclose");
    let earlier = pull_request_copying_your_earlier_message(&w);
    w.git(["switch", "-q", "main"]);
    w.change("deps.txt", "serde 1.0.300\n", "Bump serde again");
    assert_ne!(w.git_notty(["cherry-pick", "pr"]).code, 0, "the cherry-pick conflicts");
    w.write("deps.txt", "serde 1.0.301\n");
    w.git(["add", "deps.txt"]);
    w.git_notty(["cherry-pick", "--continue"]).expect(0);
    let picked = w.git(["rev-parse", "HEAD"]);
    let r = w.avow(["reattest", &format!("{earlier}..HEAD")]).expect(1);
    assert_eq!(w.git(["rev-parse", "HEAD"]), picked, "reattest signed Mallory's change:\n{}", r.stderr);
    let short = w.git(["rev-parse", "--short", "HEAD"]);
    assert!(r.stderr.contains(&format!("--sign {short} ")), "{}", r.stderr);
    assert!(r.stderr.contains("M .avow/keyring.toml, M deps.txt"), "{}", r.stderr);
}

/// Entry 83's attack with the whole message copied: the pull request's
/// commit (which makes Mallory a maintainer) carries, without any key, the
/// message of one of the maintainer's own earlier commits — its subject,
/// statement and signature — and the maintainer as author. That signature
/// *was* made with the maintainer's key over this statement, author and
/// subject (for the other commit's change). The maintainer takes the pull
/// request over, sees `attestation.change` and runs `git avow reattest` as
/// the hint says. Nothing in the commit tells a copy from a rebase of the
/// maintainer's own commit, so reattest re-signs without asking only a
/// commit that post-rewrite recorded git making from a commit the
/// maintainer's key attested for its own change; this one it refuses,
/// showing what signing would take on (Mallory's keyring change).
#[test]
fn reattest_never_signs_a_copy_of_your_own_earlier_message() {
    let w = World::adopted("disclose");
    let earlier = pull_request_copying_your_earlier_message(&w);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = w.avow(["reattest", &format!("{earlier}..HEAD")]);
    let after = w.avow(["verify", &format!("{earlier}..HEAD")]);
    assert_eq!(
        w.git(["rev-parse", "HEAD"]),
        before,
        "reattest signed Mallory's change:\n{}\nverify now says:\n{}",
        r.stderr,
        after.stdout
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(refused(&w, &format!("{earlier}..HEAD")).len(), 1);
    let short = w.git(["rev-parse", "--short", "HEAD"]);
    let shown = format!(
        "  {short} Update dependencies\n      author: {AUTHOR_NAME} <{AUTHOR_EMAIL}>\n      files:  M .avow/keyring.toml, M deps.txt\n"
    );
    assert!(r.stderr.contains(&shown), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("\n  git avow reattest --sign {short} {earlier}..HEAD\n")), "{}", r.stderr);
}

/// The same copy, on a terminal: reattest shows exactly what it would sign
/// — subject, author, the files changed — and signs nothing unless told.
#[test]
fn reattest_shows_a_copy_on_the_terminal_and_signs_only_if_told() {
    let w = World::adopted("disclose");
    let earlier = pull_request_copying_your_earlier_message(&w);
    let before = w.git(["rev-parse", "HEAD"]);
    let command = format!("'{}' reattest {earlier}..HEAD", avow_bin().display());
    let (code, screen) = w.on_terminal(&command, "n", &[]);
    assert_eq!(code, 1, "{screen}");
    let screen = screen.replace("\r\n", "\n");
    assert!(screen.contains("a copy of a signed message, perhaps one of yours"), "{screen}");
    assert!(screen.contains(&format!("author: {AUTHOR_NAME} <{AUTHOR_EMAIL}>")), "{screen}");
    assert!(screen.contains("files:  M .avow/keyring.toml, M deps.txt"), "{screen}");
    assert!(screen.contains("Sign these changes as yours? [y/N]"), "{screen}");
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing changed");
    // Told yes, the change is the signer's own: their attestation now.
    let (code, screen) = w.on_terminal(&command, "y", &[]);
    assert_eq!(code, 0, "{screen}");
    w.verify(&format!("{earlier}..HEAD")).expect(0);
}

/// The record post-rewrite keeps is git's word on what was rewritten from
/// what: a rebase of the pull request leads from the copy back to the
/// copy, which no key attested for its own change, so the copy is still
/// refused after the maintainer rebases it (with a conflict they resolve).
#[test]
fn rebasing_a_copy_does_not_make_it_yours() {
    let w = World::adopted("disclose");
    let earlier = pull_request_copying_your_earlier_message(&w);
    // main moves on in deps.txt; rebasing the pull request conflicts.
    w.git(["switch", "-q", "main"]);
    w.change("deps.txt", "serde 1.0.300\n", "Update serde");
    w.git(["switch", "-q", "pr"]);
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0);
    w.write("deps.txt", "serde 1.0.301\n");
    w.git(["add", "deps.txt"]);
    let r = w.git_notty(["rebase", "--continue"]).expect(0);
    assert!(!r.stderr.contains("re-signed"), "{}", r.stderr);
    let r = w.avow(["reattest", "main..HEAD"]).expect(1);
    assert!(r.stderr.contains("M .avow/keyring.toml"), "{}", r.stderr);
    assert_eq!(
        refused(&w, &format!("{earlier}..HEAD")),
        ["Update serde: accepted", "Update dependencies: rejected attestation.change trust.avow-change"]
    );
}

/// The copy under `--vouch` (the policy lets keyring people vouch for one
/// another): Mallory's change carries the whole message of Bob's earlier
/// commit — his statement and his signature, made for that other change —
/// with Bob as author. `reattest --vouch` would sign Mallory's change in
/// the maintainer's name; a vouched statement, too, is carried unasked only
/// by a recorded rewrite of the commit its signature was made for.
#[test]
fn reattest_vouch_never_signs_a_copy_of_someone_elses_message_unasked() {
    let w = World::adopted("disclose");
    let bob = w.keygen("bob");
    let bob_key = format!("{}.pub", bob.display());
    let add = ["keyring", "add", "--name", "Bob Example", "--email", "bob@example.org", "--key", &bob_key];
    w.avow(add).expect(0);
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let policy = policy.replace("understood-by = \"author\"", "understood-by = \"keyring\"");
    assert!(policy.contains("understood-by = \"keyring\""), "{policy}");
    std::fs::write(w.path().join(".avow/policy.toml"), policy).unwrap();
    w.git(["add", ".avow"]);
    let rationale = "Rationale: Bob contributes, and maintainers vouch for resolved cherry-picks.";
    w.commit(&["-m", "Add Bob", "--trailer", "Authorship: human", "--trailer", rationale]).expect(0);
    // Bob's earlier commit, signed with his key.
    w.write("deps.txt", "serde 1.0.200\n");
    w.git(["add", "deps.txt"]);
    let signing_key = format!("avow.signingKey={}", bob.display());
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "-c", "user.name=Bob Example", "-c", "user.email=bob@example.org", "-c", &signing_key])
        .args(["commit", "-q", "-m", "Update dependencies", "--trailer", "Authorship: human"])
        .args(["--trailer", "Rationale: serde 1.0.200 fixes a panic on empty maps we hit in production."])
        .env("GIT_AUTHOR_NAME", "Bob Example")
        .env("GIT_AUTHOR_EMAIL", "bob@example.org");
    Run::from(c.output().unwrap()).expect(0);
    let earlier = w.git(["rev-parse", "HEAD"]);
    w.verify(&format!("{earlier}~1..{earlier}")).expect(0);
    // Mallory's pull request: Bob's message, Bob as author, her change.
    let message = w.message(&earlier);
    w.git(["switch", "-q", "-c", "pr", &earlier]);
    mallory_as_maintainer(&w);
    w.write("deps.txt", "serde 1.0.201\n");
    w.git(["add", "-A"]);
    let file = w.scratch().join("copied-message");
    std::fs::write(&file, &message).unwrap();
    let commit = ["commit", "-q", "--no-verify", "--cleanup=verbatim", "--author", "Bob Example <bob@example.org>"];
    w.git(commit.into_iter().chain(["-F", file.to_str().unwrap()]));
    let before = w.git(["rev-parse", "HEAD"]);
    let r = w.avow(["reattest", "--vouch", &format!("{earlier}..HEAD")]).expect(1);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing changed:\n{}", r.stderr);
    assert!(r.stderr.contains("files:  M .avow/keyring.toml, M deps.txt"), "{}", r.stderr);
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), "Bob Example <bob@example.org>");
}

/// A pinned defence (entries 96 and 100): the maintainer's own attested
/// commit is on a branch shared with a collaborator, who pushes a
/// `fixup!` of it carrying a change of their own (a new dependency). The
/// maintainer pulls (a fast-forward) and autosquashes, as
/// for their own fixups. The fold leads back, by post-rewrite's record, to
/// the maintainer's commit — but the fixup was not made here (HEAD's
/// reflog says `pull`, not `commit`) and is attested by no one, so nothing
/// is re-signed unasked: post-rewrite names the commit, and `reattest`
/// without a terminal refuses it.
#[test]
fn a_fetched_fixup_of_your_commit_is_not_folded_in_unasked() {
    let w = World::adopted("disclose");
    let remote = w.remote("origin");
    w.git(["switch", "-q", "-c", "shared"]);
    w.change("deps.txt", "serde 1.0.200\n", "Update dependencies");
    w.git(["push", "-q", "--no-verify", "-u", "origin", "shared"]);
    // The collaborator's clone: a fixup of the maintainer's commit.
    let theirs = w.scratch().join("collaborator");
    let clone = w.command("git").arg("clone").arg("-q").arg(&remote).arg(&theirs).output().unwrap();
    assert!(clone.status.success(), "{}", String::from_utf8_lossy(&clone.stderr));
    let in_theirs = |args: &[&str]| {
        let out = w.command("git").args(args).current_dir(&theirs).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    in_theirs(&["switch", "-q", "shared"]);
    std::fs::write(theirs.join("deps.txt"), "serde 1.0.201\nevil 0.1\n").unwrap();
    in_theirs(&["commit", "-q", "--no-verify", "-am", "fixup! Update dependencies"]);
    in_theirs(&["push", "-q", "--no-verify", "origin", "shared"]);
    // The maintainer pulls it and tidies the branch.
    w.git_notty(["pull", "-q", "--ff-only"]).expect(0);
    let r = w.git_notty(["-c", "sequence.editor=true", "rebase", "-q", "-i", "--autosquash", "base"]).expect(0);
    assert!(r.stderr.contains("no longer match the change you signed after this rebase; check them"), "{}", r.stderr);
    assert_eq!(refused(&w, "base..HEAD"), ["Update dependencies: rejected attestation.change"]);
    let before = w.git(["rev-parse", "HEAD"]);
    let r = w.avow(["reattest", "base..HEAD"]).expect(1);
    assert!(r.stderr.contains("--sign"), "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing was signed");
}

/// Entry 100, for `--fixup=amend:`: post-rewrite re-signs unasked a
/// statement folded in from an `amend!` commit of yours only when
/// `git commit` made that amend! commit here. The maintainer pushes a
/// shared branch with their own amend! commit (their key signed its
/// statement under `amend! Update dependencies`); the collaborator swaps
/// its change for their own, keeping the message and signature, and
/// force-pushes; the maintainer takes the branch (`reset --hard`: HEAD's
/// reflog does not say `commit`) and autosquashes. Nothing is signed
/// unasked, and reattest refuses without a terminal.
#[test]
fn a_fetched_amend_commit_carrying_your_signature_is_not_folded_in_unasked() {
    let w = World::adopted("disclose");
    let remote = w.remote("origin");
    w.git(["switch", "-q", "-c", "shared"]);
    w.change("deps.txt", "serde 1.0.200\n", "Update dependencies");
    w.write("deps.txt", "serde 1.0.201\n");
    w.git(["add", "deps.txt"]);
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "commit", "-q", "--fixup=amend:HEAD"]).env("GIT_EDITOR", "true");
    Run::from(c.output().unwrap()).expect(0);
    w.git(["push", "-q", "--no-verify", "-u", "origin", "shared"]);
    let theirs = w.scratch().join("collaborator");
    let clone = w.command("git").arg("clone").arg("-q").arg(&remote).arg(&theirs).output().unwrap();
    assert!(clone.status.success(), "{}", String::from_utf8_lossy(&clone.stderr));
    let in_theirs = |args: &[&str]| {
        let out = w.command("git").args(args).current_dir(&theirs).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    in_theirs(&["switch", "-q", "shared"]);
    std::fs::write(theirs.join("deps.txt"), "serde 1.0.201\nevil 0.1\n").unwrap();
    in_theirs(&["commit", "-q", "--no-verify", "-a", "--amend", "--no-edit"]);
    in_theirs(&["push", "-q", "--no-verify", "--force", "origin", "shared"]);
    w.git(["fetch", "-q", "origin"]);
    w.git(["reset", "-q", "--hard", "origin/shared"]);
    let r = w.git_notty(["-c", "sequence.editor=true", "rebase", "-q", "-i", "--autosquash", "base"]).expect(0);
    assert!(!r.stderr.contains("re-signed"), "{}", r.stderr);
    assert_eq!(w.git(["show", "HEAD:deps.txt"]), "serde 1.0.201\nevil 0.1");
    assert_eq!(refused(&w, "base..HEAD"), ["Update dependencies: rejected attestation.change"]);
    let before = w.git(["rev-parse", "HEAD"]);
    w.avow(["reattest", "base..HEAD"]).expect(1);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "nothing was signed");
}

/// Entry 109. Entry 98's attack with no signature avow can check: the
/// attacker's commit carries a statement naming the maintainer and either
/// no `Avow-Signature:` at all or one of another version (`v1 s=…` with a
/// signature of theirs copied from anywhere). commit-msg, at the
/// cherry-pick's `--continue`, took that statement as one the committer
/// wrote and signed it with their key, without a question — the attacker's
/// change and words under the maintainer's signature, which verify
/// accepted. A statement carried over from the picked commit is now kept
/// as it is and named; the hint, followed, signs it on purpose.
#[test]
fn cherry_pick_conflict_never_signs_a_picked_statement_without_a_signature() {
    let no_signature = |_: &str| String::new();
    let another_version = |sig: &str| {
        let s = sig.split(' ').find_map(|f| f.strip_prefix("s=")).unwrap();
        format!("Avow-Signature: v1 s={s}\n")
    };
    for signature in [&no_signature as &dyn Fn(&str) -> String, &another_version] {
        let w = World::adopted("disclose");
        let (_, screen) = pick_with_a_conflict(&w, signature);
        let ours = w.trailer("HEAD", "Avow-Signature");
        assert!(
            ours.as_deref().is_none_or(|v| !v.starts_with("v2 ")),
            "signed with the maintainer's key: {ours:?}\n{screen}"
        );
        assert!(
            screen.contains(&format!(
                "avow: the statement names you ({AUTHOR_NAME} <{AUTHOR_EMAIL}>), but your key did not sign it; it is kept as it is"
            )),
            "{screen}"
        );
        let refused = refused(&w, "before..main");
        assert_eq!(refused[0], "Change two on main: accepted");
        assert!(refused[1].starts_with("Tidy two: rejected attestation."), "{refused:?}");
        // The hint, literally: a maintainer who read it and stands behind it.
        assert!(screen.contains("sign it with `git commit --amend --no-edit`"), "{screen}");
        w.commit(&["--amend", "--no-edit"]).expect(0);
        w.verify("before..main").expect(0);
    }
}

/// Entry 109 by git's other way to pick a commit by hand: `git cherry-pick
/// -n` then `git commit -C` (or `-c`) with the picked commit's message. The
/// hook signed the statement it carried, naming the maintainer but signed by
/// no one, without a word. It is now kept unsigned and named, as at a
/// cherry-pick's `--continue`.
#[test]
fn a_reused_message_is_not_signed_for_its_statement_alone() {
    for reuse in ["-C", "-c"] {
        let w = World::adopted("disclose");
        w.change("f.txt", "one\ntwo\nthree\n", "Add f");
        w.git(["tag", "-f", "before"]);
        w.git(["switch", "-q", "-c", "pr"]);
        w.write("f.txt", "one\ntwo, and a backdoor\nthree\n");
        w.git(["add", "f.txt"]);
        let message = format!(
            "Tidy two\n\nAuthorship: human\nRationale: Two reads better this way; nothing else changes.\nUnderstood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>\n"
        );
        commit_by_hand(&w, &message);
        w.git(["switch", "-q", "main"]);
        w.git_notty(["cherry-pick", "-n", "pr"]).expect(0);
        let r = w.git_notty(["-c", "core.editor=true", "commit", "-q", reuse, "pr"]).expect(0);
        assert!(w.trailer("HEAD", "Avow-Signature").is_none(), "{reuse}: signed: {}", w.message("HEAD"));
        assert!(
            r.stderr.contains(&format!(
                "avow: the statement names you ({AUTHOR_NAME} <{AUTHOR_EMAIL}>), but your key did not sign it; it is kept as it is"
            )),
            "{reuse}: {}",
            r.stderr
        );
        assert_eq!(refused(&w, "before..main"), ["Tidy two: rejected attestation.missing"]);
        // The hint, literally.
        w.commit(&["--amend", "--no-edit"]).expect(0);
        w.verify("before..main").expect(0);
    }
}

/// Entry 137: the maintainer amends the pull request's commit of entry 83
/// (its statement names them, with a signature of theirs copied from
/// another commit) to fix something small, with `--no-edit`: their key
/// signs the attacker's words, as an amend signs what the message says.
/// The hook warns, naming the commit, and the undo it prints, followed
/// literally, gives the commit back as it was. Amending a commit your key
/// attested, or `git commit -C` of one, says nothing.
#[test]
fn amending_a_statement_your_key_never_signed_warns_and_the_undo_works() {
    let w = World::adopted("disclose");
    pull_request_naming_the_maintainer(&w);
    let before = w.git(["rev-parse", "HEAD"]);
    let short = w.git(["rev-parse", "--short=12", "HEAD"]);
    let r = w.commit(&["--amend", "--no-edit"]).expect(0);
    assert_eq!(
        r.stderr,
        format!(
            "avow: warning: you signed the statement that came with {short} (\"Tidy the keyring\"), which no key of yours had signed: an `Understood-by:` naming you proves nothing, anyone can write it; read what you signed with `git show -s HEAD`, and if it is not yours, undo the commit with `git reset --soft HEAD@{{1}}`\n"
        )
    );
    let commands: Vec<&str> = r.stderr.split('`').skip(1).step_by(2).collect();
    assert_eq!(commands[1], "git show -s HEAD");
    Run::from(w.shell(commands[2]).output().unwrap()).expect(0);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "the undo gives the commit back");

    // Your own commit, amended or reused: no warning.
    w.git(["switch", "-q", "main"]);
    w.change("own.txt", "own\n", "Add a file of my own");
    let own = w.git(["rev-parse", "HEAD"]);
    w.write("own.txt", "own, amended\n");
    w.git(["add", "own.txt"]);
    assert_eq!(w.commit(&["--amend", "--no-edit"]).expect(0).stderr, "");
    w.write("again.txt", "again\n");
    w.git(["add", "again.txt"]);
    let r = w.commit(&["-C", &own]).expect(0);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}
