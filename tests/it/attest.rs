//! The contributor's side: the hook refuses, asks, completes and signs.

use crate::support::*;

#[test]
fn unattested_commit_is_refused_without_a_terminal_and_its_message_survives() {
    let w = World::adopted("disclose");
    let before = w.git(["rev-parse", "HEAD"]);
    w.write("src/lib.rs", "pub fn answer() -> u32 { 42 }\n");
    w.git(["add", "-A"]);
    let body = "Add the answer\n\nA long body the contributor wrote carefully.\n";
    let r = w.commit(&["-m", body]).expect(1);
    assert!(
        r.stderr.contains("commit refused: the message lacks an `Authorship:` trailer and a `Rationale:` trailer"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("git commit --trailer \"Authorship: human\" --trailer \"Rationale:"), "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "no commit was made");
    let kept = std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap();
    assert!(kept.starts_with(body), "message lost: {kept:?}");
}

#[test]
fn trailers_on_the_command_line_are_completed_and_signed() {
    let w = World::adopted("disclose");
    w.change("a.txt", "one\n", "Add a");
    let msg = w.message("HEAD");
    let lines: Vec<&str> = msg.lines().collect();
    assert_eq!(lines[0], "Add a");
    assert_eq!(lines[2], "Authorship: human");
    assert!(lines[3].starts_with("Rationale: Add a, because"), "{msg}");
    assert_eq!(lines[4], format!("Understood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>"));
    assert!(lines[5].starts_with("Avow-Signature: v2 t="), "{msg}");
    assert_eq!(lines.len(), 6, "{msg}");
    w.verify("base..HEAD").expect(0);
}

#[test]
fn assisted_needs_a_tool_and_human_refuses_one() {
    let w = World::adopted("disclose");
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    let r = w
        .commit(&[
            "-m",
            "Add a",
            "--trailer",
            "Authorship: assisted",
            "--trailer",
            "Rationale: Explains the change well enough for review.",
        ])
        .expect(1);
    assert!(r.stderr.contains("`Assisted-by:`"), "{}", r.stderr);
    let r = w
        .commit(&[
            "-m",
            "Add a",
            "--trailer",
            "Authorship: human",
            "--trailer",
            "Assisted-by: Claude:claude-opus-4-5",
            "--trailer",
            "Rationale: Explains the change well enough for review.",
        ])
        .expect(1);
    assert!(r.stderr.contains("`Authorship: human` must not carry `Assisted-by:`"), "{}", r.stderr);
    w.commit(&[
        "-m",
        "Add a",
        "--trailer",
        "Authorship: assisted",
        "--trailer",
        "Assisted-by: Claude:claude-opus-4-5",
        "--trailer",
        "Rationale: Explains the change well enough for review.",
    ])
    .expect(0);
    let r = w.avow(["verify", "base..HEAD", "--format", "json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["commits"][0]["authorship"], "assisted");
    assert_eq!(v["commits"][0]["assisted_by"][0], "Claude:claude-opus-4-5");
    assert_eq!(v["commits"][0]["verdict"], "accepted");
}

#[test]
fn signed_trailers_are_placed_before_comments_and_the_scissors_line() {
    let w = World::adopted("disclose");
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    // An editor that leaves git's comments and the -v diff in place; the
    // hook must sign the message above them, and git strips them after.
    let editor = w.scratch().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nf=\"$1\"\n{ printf 'Add a\\n\\nAuthorship: human\\nRationale: Editors leave comments; the hook signs above them.\\n'; cat \"$f\"; } > \"$f.new\" && mv \"$f.new\" \"$f\"\n",
    )
    .unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&editor).status().unwrap();
    let out =
        w.command("setsid").args(["-w", "git", "commit", "-q", "-v"]).env("GIT_EDITOR", &editor).output().unwrap();
    Run::from(out).expect(0);
    let msg = w.message("HEAD");
    assert!(!msg.contains('#'), "comments stripped: {msg}");
    assert!(msg.lines().last().unwrap().starts_with("Avow-Signature: v2 "), "{msg}");
    w.verify("base..HEAD").expect(0);
}

#[test]
fn prompts_on_the_terminal_for_what_is_missing() {
    let w = World::adopted("disclose");
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    // `script` gives the commit a pseudo-terminal; our answers go to it.
    let answers = "2\nClaude:claude-opus-4-5\nThe answers typed on the terminal become trailers and are signed.\n";
    let (code, screen) = w.on_terminal("git commit -q -m 'Add a'", answers, &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("How was this change written?"), "{screen}");
    assert_eq!(w.trailer("HEAD", "Authorship").as_deref(), Some("assisted"));
    assert_eq!(w.trailer("HEAD", "Assisted-by").as_deref(), Some("Claude:claude-opus-4-5"));
    assert_eq!(
        w.trailer("HEAD", "Rationale").as_deref(),
        Some("The answers typed on the terminal become trailers and are signed.")
    );
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_passphrase_protected_key_is_unlocked_on_the_terminal() {
    let w = World::adopted("disclose");
    let locked = w.keygen_with_passphrase("alice-locked", "correct horse");
    let pubkey = format!("{}.pub", locked.display());
    w.avow(["keyring", "add", "--name", AUTHOR_NAME, "--email", AUTHOR_EMAIL, "--key", &pubkey]).expect(0);
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Add Alice's second key",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Alice signs from a second machine with a protected key.",
    ])
    .expect(0);
    w.git(["config", "avow.signingKey", locked.to_str().unwrap()]);
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    // Without a terminal there is nobody to ask: a clear error, no commit.
    let r = w.commit(&[
        "-m",
        "Add a",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Signed with the protected key after typing its passphrase.",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("is protected by a passphrase and none was given"), "{}", r.stderr);
    // With a terminal, the passphrase is asked for there.
    let (code, screen) = w.on_terminal(
        "git commit -q -m 'Add a' --trailer 'Authorship: human' --trailer 'Rationale: Signed with the protected key after typing its passphrase.'",
        "correct horse\n",
        &[],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Enter passphrase for"), "{screen}");
    assert!(!screen.contains("correct horse"), "the passphrase is not echoed: {screen}");
    // The new key is trusted from the commit that added it on.
    w.verify("HEAD~1..HEAD").expect(0);
}
