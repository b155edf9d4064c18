//! Hints that name a command, followed exactly as printed (`sh -c` with
//! `git-avow` on PATH, no terminal), and the problem seen gone afterwards.
//! Hints other modules already follow stay with their topic; these are
//! the ones no test ran before.

use crate::support::*;

/// Runs every backticked `git …` command of `text` as printed; each must
/// succeed.
#[track_caller]
fn follow(w: &World, text: &str) -> Vec<String> {
    let commands = quoted_commands(text);
    assert!(!commands.is_empty(), "no command to follow in {text:?}");
    for c in &commands {
        let r: Run = w.shell(c).output().expect("run the hint").into();
        assert_eq!(r.code, 0, "`{c}` failed\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    }
    commands
}

/// The one `hint:` line of an error.
#[track_caller]
fn hint(r: &Run) -> String {
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    lines[1].strip_prefix("hint: ").expect("a hint line").to_owned()
}

/// On a topic branch without an upstream.
fn on_topic() -> World {
    let w = World::adopted("disclose");
    w.git(["switch", "-q", "-c", "topic"]);
    w.change("t.txt", "topic\n", "Add the topic file");
    w
}

#[test]
fn verify_and_report_without_an_upstream() {
    let w = on_topic();
    for command in ["verify", "report"] {
        let h = hint(&w.avow([command]));
        assert_eq!(h, format!("give a range, e.g. `git avow {command} main..HEAD`"));
        follow(&w, &h);
    }
    // And the range it names is the topic's commit.
    let r = w.avow(["verify", "main..HEAD"]).expect(0);
    assert!(r.stdout.contains("1 commit: 1 accepted"), "{}", r.stdout);
}

#[test]
fn verify_a_single_revision_names_the_trust() {
    let w = on_topic();
    let h = hint(&w.avow(["verify", "HEAD"]));
    assert_eq!(h, "name a trusted revision: `git avow verify HEAD --trust main`");
    follow(&w, &h);
}

#[test]
fn init_again_starts_over_with_the_same_choices() {
    let w = World::bare();
    let public = format!("{}.pub", w.key.display());
    w.avow(["init", "--preset", "no-ai", "--key", &public]).expect(0);
    std::fs::write(w.path().join(".avow/policy.toml"), "garbage = [\n").unwrap();
    let h = hint(&w.avow(["init", "--preset", "no-ai", "--key", &public]));
    assert_eq!(h, format!("edit it, or start over with `git avow init --preset no-ai --key {public} --force`"));
    follow(&w, &h);
    // Started over: the preset asked for, not the default one, and it reads.
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    assert!(!policy.contains("garbage"), "{policy}");
    let again = World::bare();
    again.avow(["init", "--preset", "no-ai"]).expect(0);
    assert_eq!(std::fs::read_to_string(again.path().join(".avow/policy.toml")).unwrap(), policy);
}

#[test]
fn keyring_before_init() {
    let w = World::bare();
    let bob = format!("{}.pub", w.repo.keygen("bob").display());
    let add = ["keyring", "add", "--name", "Bob", "--email", "bob@example.org", "--key", &bob];
    let h = hint(&w.avow(add));
    assert_eq!(h, "create it with `git avow init`");
    follow(&w, &h);
    w.avow(add).expect(0);
}

#[test]
fn attest_over_a_note_replaces_it_as_printed() {
    let w = World::adopted("disclose");
    w.write("a.txt", "web editor\n");
    w.git(["add", "a.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Edit a in the web editor"]);
    let first = "I read the web edit; it fixes the typo the docs had.";
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", first]).expect(0);
    let second = "I read it again: it also fixes the link that went nowhere.";
    let h = hint(&w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", second]));
    let short = w.git(["rev-parse", "--short", "HEAD"]);
    let commands = follow(&w, &h);
    assert_eq!(
        commands,
        [
            format!("git notes --ref avow show {short}"),
            format!("git avow attest HEAD --authorship human --rationale '{second}' --force"),
        ]
    );
    let note = w.git(["notes", "--ref", "avow", "show", "HEAD"]);
    assert!(note.contains(second) && !note.contains(first), "{note}");
    let r = w.verify("base..HEAD").expect(0);
    assert!(r.stdout.contains("(attested by a note in refs/notes/avow)"), "{}", r.stdout);
}

/// An RSA key file whose parts disagree (n is not p·q) reads, then fails
/// to sign; the hook's hint sends the user to `git avow doctor`, which
/// said the key was fine. It now signs once and names the problem.
#[test]
fn a_key_that_cannot_sign_fails_in_doctor() {
    use avow_sign::ssh_key::{private::KeypairData, LineEnding, PrivateKey};
    let w = World::adopted("disclose");
    let rsa = w.repo.keygen_typed("rsa", &["-t", "rsa", "-b", "2048"], "");
    let key = PrivateKey::from_openssh(std::fs::read_to_string(&rsa).unwrap()).unwrap();
    let KeypairData::Rsa(mut pair) = key.key_data().clone() else { panic!("an RSA key") };
    pair.private.p = pair.private.q.clone();
    let damaged = PrivateKey::new(KeypairData::Rsa(pair), "damaged").unwrap();
    std::fs::write(&rsa, damaged.to_openssh(LineEnding::LF).unwrap().as_bytes()).unwrap();
    w.git(["config", "avow.signingKey", rsa.to_str().unwrap()]);
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    let r = w.commit(&args).expect(1);
    assert!(r.stderr.contains("the RSA key is inconsistent"), "{}", r.stderr);
    let line = r.stderr.lines().find(|l| l.starts_with("hint: ")).unwrap();
    assert_eq!(line, "hint: `git avow doctor` checks the key set-up");
    let doctor: Run = w.shell("git avow doctor").output().unwrap().into();
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    let lines: Vec<&str> = doctor
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL  signing key") || l.contains("fix: the key file"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", doctor.stdout);
    assert!(lines[0].starts_with("FAIL  signing key: ") && lines[0].contains("cannot sign"), "{}", lines[0]);
    assert_eq!(
        lines[1].trim(),
        "fix: the key file is damaged: make a new key with `ssh-keygen -t ed25519` and have a maintainer rotate to it (`git avow keyring rotate`)"
    );
}

/// A message in Latin-1 with no encoding declared: the hook refuses it
/// and names the setting; set as printed, the same commit goes through and
/// verifies.
#[test]
fn a_latin1_message_declares_its_encoding() {
    let w = World::adopted("disclose");
    let f = w.scratch().join("latin1");
    std::fs::write(
        &f,
        b"Caf\xe9 menu\n\nAuthorship: human\nRationale: The caf\xe9 menu file needs its accented name kept as Latin-1.\n",
    )
    .unwrap();
    w.write("menu.txt", "menu\n");
    w.git(["add", "-A"]);
    let r = w.commit(&["-F", f.to_str().unwrap()]).expect(1);
    let h = r.stderr.lines().find_map(|l| l.strip_prefix("hint: ")).expect("a hint").to_owned();
    assert_eq!(follow(&w, &h), ["git config i18n.commitEncoding ISO-8859-1"]);
    w.commit(&["-F", f.to_str().unwrap()]).expect(0);
    w.verify("base..HEAD").expect(0);
}

/// The work tree's policy is not UTF-8, or a directory stands in its
/// place: the hook said "check the file's permissions". It now names the
/// committed file's restore, which works as printed from a subdirectory.
#[test]
fn a_broken_work_tree_policy_is_restored() {
    let w = World::adopted("disclose");
    let policy = w.path().join(".avow/policy.toml");
    let sub = w.path().join("src");
    std::fs::create_dir_all(&sub).unwrap();
    let mut args = vec!["--allow-empty", "-m", "Empty"];
    args.extend_from_slice(&HUMAN);
    let breakages: [&dyn Fn(); 2] = [&|| std::fs::write(&policy, b"version = \"\xff\"\n").unwrap(), &|| {
        std::fs::remove_file(&policy).unwrap();
        std::fs::create_dir_all(policy.join("inner")).unwrap();
    }];
    for (i, breakage) in breakages.iter().enumerate() {
        breakage();
        let r = w.commit(&args).expect(1);
        let h = r.stderr.lines().find_map(|l| l.strip_prefix("hint: ")).expect("a hint").to_owned();
        assert_eq!(h, "restore the committed one: `git checkout HEAD -- :/.avow/policy.toml`", "{}", r.stderr);
        for c in quoted_commands(&h) {
            Run::from(w.shell(&c).current_dir(&sub).output().unwrap()).expect(0);
        }
        let mut again = args.clone();
        let subject = format!("Empty {i}");
        again[2] = &subject;
        w.commit(&again).expect(0);
    }
}

/// A keyring in the work tree (a pull request's branch checked out to
/// review it) can give a person any name. The hook's warning about a name
/// that differs printed `git config user.name "…"` with Rust's double
/// quotes, inside which the shell runs `$(…)`: followed as printed, the
/// name ran a command. Names in hints are now single-quoted words.
#[test]
fn a_keyring_name_in_a_hint_runs_nothing() {
    let w = World::adopted("disclose");
    let keyring = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&keyring).unwrap();
    let evil = "Alice $(touch pwned); touch pwned2";
    let edited = text.replace(&format!("name = \"{AUTHOR_NAME}\""), &format!("name = \"{evil}\""));
    assert_ne!(edited, text);
    std::fs::write(&keyring, edited).unwrap();
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    let mut args = vec!["-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    let r = w.commit(&args).expect(0);
    let commands = quoted_commands(&r.stderr);
    assert_eq!(commands[0], "git config user.name 'Alice $(touch pwned); touch pwned2'", "{}", r.stderr);
    Run::from(w.shell(&commands[0]).output().unwrap()).expect(0);
    assert!(!w.path().join("pwned").exists() && !w.path().join("pwned2").exists(), "the hint ran a command");
    assert_eq!(w.git(["config", "user.name"]), evil);
}

/// Reverting two commits without a terminal: git stops at each, and the
/// refusal names `git commit -F …` and then `git revert --continue`.
/// Followed as printed at each stop (the placeholder filled in), both
/// reverts are committed and signed, and the sequence is over.
#[test]
fn a_revert_sequence_goes_on_with_revert_continue() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    let rationale = "The two changes broke the release build; take them out until the parser is fixed.";
    let mut r = w.git_notty(["revert", "--no-edit", "HEAD~1", "HEAD"]);
    for stop in 0..2 {
        assert_ne!(r.code, 0, "stop {stop}: {}", r.stderr);
        assert!(r.stderr.starts_with("avow: revert refused"), "{}", r.stderr);
        assert!(!r.stderr.contains("--no-commit"), "{}", r.stderr);
        let line = r.stderr.lines().map(str::trim).find(|l| l.starts_with("git commit -F")).unwrap();
        let why = format!("{rationale} ({} of 2)", stop + 1);
        Run::from(w.shell(&line.replace("<why it is reverted>", &why)).output().unwrap()).expect(0);
        let then: Vec<String> = quoted_commands(&r.stderr).into_iter().filter(|c| c.contains("--continue")).collect();
        assert_eq!(then, ["git revert --continue"]);
        r = w.shell(&then[0]).output().unwrap().into();
    }
    r.expect(0);
    assert!(!w.path().join(".git/sequencer").exists());
    assert_eq!(w.git(["log", "-2", "--format=%s"]), "Revert \"Add b\"\nRevert \"Add a\"");
    assert_eq!(w.git(["status", "--porcelain"]), "");
    let v = w.verify("base..HEAD").expect(0);
    assert!(v.stdout.contains("4 commits: 4 accepted"), "{}", v.stdout);
}

/// Standard output that cannot take the output (a full disk): the hint
/// repeats the command run with its output redirected to a file, and that
/// command, as printed, writes the whole output there.
#[test]
fn a_full_standard_output_names_the_command_redirected() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    let r: Run = w.shell("git avow verify --trust base 'base..HEAD' > /dev/full").output().unwrap().into();
    let h = hint(&r);
    assert_eq!(
        h,
        "redirect the output to a file or pipe that can take it, e.g. `git avow verify --trust base base..HEAD > avow-output.txt`"
    );
    follow(&w, &h);
    let written = std::fs::read_to_string(w.path().join("avow-output.txt")).unwrap();
    assert_eq!(written, w.avow(["verify", "--trust", "base", "base..HEAD"]).expect(0).stdout);
    assert!(written.contains("1 commit: 1 accepted"), "{written}");
}

/// The command a hint repeats carries its arguments, and a ref name is the
/// pusher's choice: git allows a branch named ``x$(touch${IFS}pwned)``.
/// A CI job verifying `base..BRANCH` into a full disk prints the hint with
/// the range as one quoted word; copied and run, it writes the output and
/// runs nothing.
#[test]
fn a_repeated_command_line_runs_nothing_a_ref_name_holds() {
    let w = World::adopted("disclose");
    let branch = "x$(touch${IFS}pwned)`touch${IFS}pwned2`";
    w.git(["switch", "-q", "-c", branch]);
    w.change("a.txt", "a\n", "Add a");
    let range = format!("base..{branch}");
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = w.repo.command(avow_bin()).args(["verify", &range]).stdout(full).output().unwrap();
    let h = hint(&Run::from(out));
    assert_eq!(
        h,
        "redirect the output to a file or pipe that can take it, e.g. `git avow verify 'base..x$(touch${IFS}pwned)`touch${IFS}pwned2`' > avow-output.txt`"
    );
    // The backticks inside the quoted word end the hint's own quoting:
    // what is copied is the whole command, up to the last backtick.
    let start = h.find("`git avow").unwrap() + 1;
    let command = &h[start..h.len() - 1];
    let r: Run = w.shell(command).output().unwrap().into();
    r.expect(0);
    assert!(!w.path().join("pwned").exists() && !w.path().join("pwned2").exists(), "the hint ran a command");
    let written = std::fs::read_to_string(w.path().join("avow-output.txt")).unwrap();
    assert!(written.contains("1 commit: 1 accepted"), "{written}");
}

/// `git avow hook update` run by hand (no arguments from git): the hint
/// names the install that makes git's update hook run it. Run as printed
/// in the server's repository, a push is judged: an unattested commit is
/// refused, an attested one goes in.
#[test]
fn the_update_command_by_hand_names_its_install() {
    let w = World::adopted("disclose");
    let remote = crate::server::origin(&w);
    let r: Run =
        w.shell("git avow hook update refs/heads/main main HEAD").current_dir(&remote).output().unwrap().into();
    let h = hint(&r);
    assert_eq!(
        h,
        "this command is run by git's update hook (`git avow install --hook update`), which passes these arguments"
    );
    let commands = quoted_commands(&h);
    assert_eq!(commands, ["git avow install --hook update"]);
    Run::from(w.shell(&commands[0]).current_dir(&remote).output().unwrap()).expect(0);
    crate::server::unattested(&w, "b.txt", "Sneak a change in");
    let out = crate::server::push(&w, &["main"], 1);
    assert!(out.contains(" ! [remote rejected] main -> main (hook declined)\n"), "{out}");
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    w.change("a.txt", "a\n", "Add a");
    crate::server::push(&w, &["main"], 0);
    assert_eq!(crate::server::remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

/// `git avow init` ends with the next steps; done as printed (the commit
/// with a statement, as any commit), the adopting commit is signed and the
/// hook signs the commits after it.
#[test]
fn init_names_the_next_steps() {
    let w = World::bare();
    let out = w.avow(["init"]).expect(0).stdout;
    let last = out.lines().last().unwrap();
    assert_eq!(last, "avow: next: `git avow install`, then commit .avow/ — the first attested commit");
    assert_eq!(follow(&w, last), ["git avow install"]);
    w.git(["add", ".avow"]);
    let mut args = vec!["-m", "Adopt avow"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    assert!(w.trailer("HEAD", "Avow-Signature").is_some(), "{}", w.message("HEAD"));
    w.change("a.txt", "a\n", "Add a");
    let r = w.verify("HEAD~1..HEAD").expect(0);
    assert!(r.stdout.contains("1 commit: 1 accepted"), "{}", r.stdout);
}

/// A second key for a person already in the keyring, under another name:
/// the refusal names the `keyring add` that adds the key to them as they
/// are; run as printed, the person has both keys, named as before.
#[test]
fn a_second_key_under_another_name_is_added_as_printed() {
    let w = World::adopted("disclose");
    let laptop = format!("{}.pub", w.repo.keygen("alice-laptop").display());
    let h = hint(&w.avow(["keyring", "add", "--name", "Alice E.", "--email", AUTHOR_EMAIL, "--key", &laptop]));
    assert_eq!(follow(&w, &h), [format!("git avow keyring add --email {AUTHOR_EMAIL} --key {laptop}")], "{h}");
    let keyring = std::fs::read_to_string(w.path().join(".avow/keyring.toml")).unwrap();
    assert_eq!(keyring.matches(&format!("name = \"{AUTHOR_NAME}\"")).count(), 1, "{keyring}");
    assert!(!keyring.contains("Alice E."), "{keyring}");
    let listed = w.avow(["keyring", "list"]).expect(0).stdout;
    assert!(listed.starts_with(&format!("{AUTHOR_NAME} <{AUTHOR_EMAIL}> (maintainer)\n")), "{listed}");
    assert_eq!(listed.matches("  ssh-ed25519  valid").count(), 2, "{listed}");
}

/// `git avow attest` ends by naming the push that shares the notes, to
/// the branch's remote; run as printed, the remote has the notes (and a
/// clone that fetches them verifies the commit). Without a remote it names
/// none that would fail.
#[test]
fn attest_names_the_push_that_shares_the_notes() {
    let w = World::adopted("disclose");
    w.write("a.txt", "web editor\n");
    w.git(["add", "a.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Edit a in the web editor"]);
    let rationale = "I read the web edit; it fixes the typo the docs had.";
    let r = w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", rationale]).expect(0);
    assert_eq!(
        r.stderr.lines().last().unwrap(),
        "avow: share the notes once the repository has a remote: `git push REMOTE refs/notes/avow`"
    );
    let remote = w.scratch().join("fork.git");
    w.git(["init", "-q", "--bare", remote.to_str().unwrap()]);
    w.git(["remote", "add", "fork", remote.to_str().unwrap()]);
    w.git(["push", "-q", "--no-verify", "-u", "fork", "main"]);
    let r = w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", rationale, "--force"]).expect(0);
    let last = r.stderr.lines().last().unwrap();
    assert_eq!(follow(&w, last), ["git push fork refs/notes/avow"]);
    assert_eq!(
        w.git(["--git-dir", remote.to_str().unwrap(), "rev-parse", "refs/notes/avow"]),
        w.git(["rev-parse", "refs/notes/avow"])
    );
    let clone = w.scratch().join("clone");
    w.git(["clone", "-q", "-b", "main", remote.to_str().unwrap(), clone.to_str().unwrap()]);
    w.git(["-C", clone.to_str().unwrap(), "fetch", "-q", "origin", "refs/notes/avow:refs/notes/avow"]);
    let v = w.avow_in(&clone, ["verify", "HEAD~1..HEAD", "--trust", "HEAD~1"]).expect(0);
    assert!(v.stdout.contains("(attested by a note in refs/notes/avow)"), "{}", v.stdout);
}

/// `reattest` given one revision, not a range: the hint names the range
/// from the branch the work goes into; run as printed, it re-signs.
#[test]
fn reattest_of_one_revision_names_the_range() {
    let w = on_topic();
    let h = hint(&w.avow(["reattest", "HEAD"]));
    assert_eq!(h, "name the commit below the first one to re-sign, e.g. `git avow reattest main..HEAD`");
    follow(&w, &h);
    w.verify("main..HEAD").expect(0);
}

/// A cherry-picked series of your own commits whose first pick conflicts,
/// resolved without a terminal: the hook keeps your statement and names
/// the reattest to run when the sequence ends, from where the picks
/// started (a bare `git avow reattest` needs an upstream, which this
/// branch lacks). Run as printed after the sequence, the branch verifies.
#[test]
fn a_resolved_pick_in_a_sequence_names_the_reattest_range() {
    let w = crate::workflows::diverged();
    w.git(["switch", "-q", "main"]);
    let start = w.git(["rev-parse", "HEAD"]);
    assert_ne!(w.git_notty(["cherry-pick", "base..topic"]).code, 0, "the first pick conflicts");
    crate::workflows::resolve(&w);
    let r = w.git_notty(["cherry-pick", "--continue"]).expect(0);
    let line = r.stderr.lines().find(|l| l.contains("no longer matches the resolved change")).unwrap();
    let commands = quoted_commands(line);
    assert_eq!(commands.len(), 1, "{line}");
    let range = commands[0].strip_prefix("git avow reattest ").unwrap();
    let (from, to) = range.split_once("..").unwrap();
    assert!(start.starts_with(from) && to == "HEAD", "{line}");
    w.verify("base..main").expect(1);
    follow(&w, line);
    w.avow(["verify", "base..main", "--no-fast-path"]).expect(0);
}

/// The only key is the default `~/.ssh/id_ed25519`, passphrase-protected,
/// and there is no terminal: the hint said to set avow.signingKey to that
/// very key, which then fails the same way. It now names the `ssh-add`
/// that unlocks it, after starting an agent (none runs); run as printed
/// (the passphrase given to ssh-add) in the shell that commits, the commit
/// is signed.
#[test]
fn a_locked_default_key_names_the_ssh_add_that_unlocks_it() {
    let w = World::adopted("disclose");
    let default = w.home().join(".ssh/id_ed25519");
    std::fs::copy(&w.key, &default).unwrap();
    std::fs::copy(format!("{}.pub", w.key.display()), w.home().join(".ssh/id_ed25519.pub")).unwrap();
    let locked: Run = w
        .command("ssh-keygen")
        .args(["-q", "-p", "-P", "", "-N", "correct horse", "-f"])
        .arg(&default)
        .output()
        .unwrap()
        .into();
    locked.expect(0);
    w.git(["config", "--unset", "avow.signingKey"]);
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    let r = w.commit(&args).expect(1);
    let h = r.stderr.lines().find_map(|l| l.strip_prefix("hint: ")).expect("a hint");
    assert_eq!(
        h,
        format!(
            "start ssh-agent (`eval \"$(ssh-agent)\"`) and add the key to ssh-agent once per session, `ssh-add {}`, and avow signs without asking (in IDEs and scripts too)",
            default.display()
        ),
        "{}",
        r.stderr
    );
    let steps: Vec<&str> = h.split('`').skip(1).step_by(2).take(2).collect();
    let askpass = w.scratch().join("askpass");
    std::fs::write(&askpass, "#!/bin/sh\necho 'correct horse'\n").unwrap();
    std::fs::set_permissions(&askpass, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let line = format!(
        "{} >/dev/null && trap 'ssh-agent -k >/dev/null' EXIT && {} && git commit -q -m 'Add a' --trailer '{}' --trailer '{}'",
        steps[0], steps[1], HUMAN[1], HUMAN[3]
    );
    let run: Run =
        w.shell(&line).env("SSH_ASKPASS", &askpass).env("SSH_ASKPASS_REQUIRE", "force").output().unwrap().into();
    run.expect(0);
    w.verify("base..HEAD").expect(0);
}

/// Junk on `git avow hook pre-receive`'s standard input (run by hand, or
/// by a hand-written hook): the hint names the install that makes git run
/// it with git's lines; run as printed in the server's repository, a push
/// is judged.
#[test]
fn the_pre_receive_command_by_hand_names_its_install() {
    let w = World::adopted("disclose");
    let remote = crate::server::origin(&w);
    let r: Run = w.shell("echo main | git avow hook pre-receive").current_dir(&remote).output().unwrap().into();
    let h = hint(&r);
    let commands = quoted_commands(&h);
    assert_eq!(commands, ["git avow install --server"], "{h}");
    Run::from(w.shell(&commands[0]).current_dir(&remote).output().unwrap()).expect(0);
    crate::server::unattested(&w, "b.txt", "Sneak a change in");
    let out = crate::server::push(&w, &["main"], 1);
    assert!(out.contains(" ! [remote rejected] main -> main (pre-receive hook declined)\n"), "{out}");
}

/// A server whose HEAD names no existing branch refuses a new branch and
/// offers two fixes; the second, `git config avow.receive.defaultBranch
/// main` (the first is followed in server.rs), run as printed in the
/// receiving repository, lets the same push through, verified.
#[test]
fn the_default_branch_setting_the_server_names_works() {
    let w = World::adopted("disclose");
    let remote = w.remote("origin");
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    w.git(["checkout", "-q", "-b", "feature"]);
    w.change("f.txt", "f\n", "Add f");
    let out = crate::server::push(&w, &["feature"], 1);
    let hint = out.lines().find_map(|l| l.strip_prefix("remote: hint: ")).expect("a hint");
    let commands = quoted_commands(hint);
    assert_eq!(commands, ["git symbolic-ref HEAD refs/heads/main", "git config avow.receive.defaultBranch main"]);
    crate::server::in_remote(&w, &remote, &commands[1]).expect(0);
    assert_eq!(
        crate::server::push(&w, &["feature"], 0),
        "remote: avow: refs/heads/feature: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
}

/// doctor with no user.name: its fix, run as printed, names you.
#[test]
fn doctor_without_a_name_sets_it_as_printed() {
    let w = World::adopted("disclose");
    w.git(["config", "--unset", "user.name"]);
    let before = w.avow(["doctor"]);
    let fix = before
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("FAIL  identity"))
        .find_map(|l| l.trim().strip_prefix("fix: "))
        .unwrap_or_else(|| panic!("{}", before.stdout));
    assert_eq!(follow(&w, fix), ["git config --global user.name \"Your Name\""]);
    let after = w.avow(["doctor"]).stdout;
    assert!(after.lines().any(|l| l == format!("ok    identity: Your Name <{AUTHOR_EMAIL}>")), "{after}");
}

/// Under `unsigned-statement = "deny"`, a note attests a commit whose
/// message displays another statement nobody signed: verify refuses it and
/// says to put the statement in the commit itself with `git commit
/// --amend`. Run as printed (no terminal: the message's statement is
/// complete), the commit is attested by its own signature and verifies.
#[test]
fn a_note_under_another_statement_is_fixed_by_amend_under_deny() {
    let w = World::adopted("disclose");
    let policy = w.path().join(".avow/policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let denied = text.replace("unsigned-statement = \"warn\"", "unsigned-statement = \"deny\"");
    assert_ne!(denied, text, "{text}");
    std::fs::write(&policy, denied).unwrap();
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Refuse notes under another statement"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    w.git(["tag", "deny"]);
    w.write("a.txt", "web editor\n");
    w.git(["add", "a.txt"]);
    w.git([
        "-c",
        "core.hooksPath=/dev/null",
        "commit",
        "-q",
        "-m",
        "Edit a\n\nAuthorship: human\nRationale: The web editor's fix of the typo in a, read and kept as it is.",
    ]);
    let note = "I read the web edit and it fixes the typo the docs had, nothing else.";
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", note]).expect(0);
    let v = w.verify("deny..HEAD").expect(1);
    let line =
        v.stdout.lines().find(|l| l.contains("[message.unsigned-statement]")).unwrap_or_else(|| panic!("{}", v.stdout));
    assert!(line.contains("put the statement in the commit itself (`git commit --amend`)"), "{line}");
    let commands: Vec<String> = quoted_commands(line).into_iter().filter(|c| c.starts_with("git commit")).collect();
    assert_eq!(commands, ["git commit --amend"]);
    follow(&w, &format!("`{}`", commands[0]));
    w.verify("deny..HEAD").expect(0);
}
