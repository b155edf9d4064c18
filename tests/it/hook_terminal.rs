//! The hook at a terminal (issue 14, and issue 13's prompt): on a real
//! pseudo-terminal (script(1)), driven byte by byte. Pasted rationales are
//! taken whole and nothing reaches the shell; Ctrl-C restores the terminal,
//! keeps the answers and dies of SIGINT; three passphrase tries; true
//! messages for end of input and bad bytes; the prompt offers what the
//! policy accepts and checks each answer as it is given.

use std::io::Write as _;
use std::time::Duration;

use crate::support::{World, AUTHOR_EMAIL, AUTHOR_NAME};

/// Runs the bash `script` on a pseudo-terminal in the work tree; each step
/// waits its milliseconds, then types its bytes. Returns what the terminal
/// showed (CRLF as LF). A watchdog bounds it.
fn on_pty(w: &World, script: &str, steps: &[(u64, &[u8])]) -> String {
    let file = w.scratch().join("pty-script.sh");
    std::fs::write(&file, script).unwrap();
    let mut child = w
        .repo
        .command("timeout")
        .args(["60", "script", "-qec", &format!("bash {}", file.display()), "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for (wait, bytes) in steps {
        std::thread::sleep(Duration::from_millis(*wait));
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

const SHELL_READS: &str = "if read -r -t 3 line; then echo \"SHELL GOT: $line\"; else echo 'SHELL GOT NOTHING'; fi\n";

fn staged(w: &World) {
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
}

#[test]
fn a_pasted_multi_line_rationale_is_taken_whole_and_the_shell_receives_nothing() {
    let w = World::adopted("disclose");
    staged(&w);
    let script = format!("git commit -q -m 'Add a'\necho \"exit=$?\"\n{SHELL_READS}");
    // Two lines pasted at once (a terminal without bracketed paste).
    let screen = on_pty(
        &w,
        &script,
        &[(1500, b"1\n"), (700, b"The first line of a pasted rationale, long enough.\ntouch pwned\n"), (5000, b"")],
    );
    assert!(screen.contains("exit=0\nSHELL GOT NOTHING\n"), "{screen}");
    assert!(!w.path().join("pwned").exists());
    assert_eq!(
        w.trailer("HEAD", "Rationale").as_deref(),
        Some("The first line of a pasted rationale, long enough. touch pwned")
    );
    w.verify("base..HEAD").expect(0);

    // Bracketed paste, with an empty line inside the paste.
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    let script = format!("git commit -q -m 'Add b'\necho \"exit=$?\"\n{SHELL_READS}");
    let screen = on_pty(
        &w,
        &script,
        &[
            (1500, b"1\n"),
            (700, b"\x1b[200~First paragraph of the rationale.\n\nSecond paragraph, after a blank line.\n\x1b[201~"),
            (300, b"\n"),
            (5000, b""),
        ],
    );
    assert!(screen.contains("exit=0\nSHELL GOT NOTHING\n"), "{screen}");
    assert_eq!(
        w.trailer("HEAD", "Rationale").as_deref(),
        Some("First paragraph of the rationale. Second paragraph, after a blank line.")
    );
    w.verify("base..HEAD").expect(0);
}

#[test]
fn long_lines_are_kept_and_bad_bytes_are_named() {
    let w = World::adopted("disclose");
    staged(&w);
    let long =
        format!("A rationale longer than the terminal's line buffer: {}", "word ".repeat(1200)).trim_end().to_owned();
    let mut line = long.clone().into_bytes();
    line.push(b'\n');
    let screen = on_pty(
        &w,
        "git commit -q -m 'Add a'\necho \"exit=$?\"\n",
        &[(1500, b"1\n"), (700, b"\xff\xfe not text\n"), (700, &line), (3000, b"")],
    );
    assert!(screen.contains("the answer is not valid UTF-8"), "{screen}");
    assert!(screen.contains("exit=0"), "{screen}");
    assert_eq!(w.trailer("HEAD", "Rationale"), Some(long));
    w.verify("base..HEAD").expect(0);
}

/// A key protected by "correct horse", in the keyring.
fn locked_key(w: &World) -> std::path::PathBuf {
    let locked = w.keygen_with_passphrase("alice-locked", "correct horse");
    let pubkey = format!("{}.pub", locked.display());
    w.avow(["keyring", "add", "--name", AUTHOR_NAME, "--email", AUTHOR_EMAIL, "--key", &pubkey]).expect(0);
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Add Alice's locked key",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Alice signs from a second machine with a protected key.",
    ])
    .expect(0);
    w.git(["config", "avow.signingKey", locked.to_str().unwrap()]);
    locked
}

#[test]
fn ctrl_c_at_the_passphrase_restores_the_terminal_keeps_the_answers_and_dies_of_sigint() {
    let w = World::adopted("disclose");
    locked_key(&w);
    staged(&w);
    let script = "trap 'echo trapped' INT\ngit commit -q -m 'Add a'\necho \"exit=$?\"\nstty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?echo'\n";
    let screen = on_pty(
        &w,
        script,
        &[(1500, b"1\n"), (700, b"Typed before the interrupt, and kept by avow.\n"), (1000, b"\x03"), (2000, b"")],
    );
    assert!(screen.contains("exit=130\n"), "git did not die of SIGINT:\n{screen}");
    assert!(screen.contains("\necho\n") && !screen.contains("-echo"), "echo not restored:\n{screen}");
    assert!(screen.contains("your answers are kept as trailers in .git/COMMIT_EDITMSG"), "{screen}");
    let kept = std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap();
    assert_eq!(kept, "Add a\n\nAuthorship: human\nRationale: Typed before the interrupt, and kept by avow.\n");
    // Following the advice commits it.
    let screen = on_pty(
        &w,
        "git commit -q -e -F .git/COMMIT_EDITMSG\necho \"exit=$?\"\n",
        &[(1500, b"correct horse\n"), (3000, b"")],
    );
    assert!(screen.contains("exit=0"), "{screen}");
    // The locked key is trusted from the commit that added it on.
    w.verify("HEAD~1..HEAD").expect(0);
}

#[test]
fn three_passphrase_tries_and_the_answers_survive_the_third_failure() {
    let w = World::adopted("disclose");
    locked_key(&w);
    staged(&w);
    let screen = on_pty(
        &w,
        "git commit -q -m 'Add a'\necho \"exit=$?\"\n",
        &[
            (1500, b"1\n"),
            (700, b"Typed before three wrong passphrases.\n"),
            (1500, b"wrong one\n"),
            (3000, b"wrong two\n"),
            (3000, b"correct horse\n"),
            (4000, b""),
        ],
    );
    assert_eq!(screen.matches("wrong passphrase for").count(), 2, "{screen}");
    assert!(!screen.contains("wrong two") && !screen.contains("correct horse"), "a passphrase was echoed:\n{screen}");
    assert!(screen.contains("exit=0"), "{screen}");
    w.verify("HEAD~1..HEAD").expect(0);

    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    let screen = on_pty(
        &w,
        "git commit -q -m 'Add b'\necho \"exit=$?\"\n",
        &[
            (1500, b"1\n"),
            (700, b"Typed before three wrong passphrases.\n"),
            (1500, b"no\n"),
            (3000, b"nope\n"),
            (3000, b"never\n"),
            (4000, b""),
        ],
    );
    assert!(screen.contains("exit=1"), "{screen}");
    assert!(screen.contains("your answers are kept as trailers in .git/COMMIT_EDITMSG"), "{screen}");
    let kept = std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap();
    assert!(kept.ends_with("Authorship: human\nRationale: Typed before three wrong passphrases.\n"), "{kept}");
}

#[test]
fn end_of_input_at_the_passphrase_says_so_on_a_terminal() {
    let w = World::adopted("disclose");
    locked_key(&w);
    staged(&w);
    let screen = on_pty(
        &w,
        "git commit -q -m 'Add a' --trailer 'Authorship: human' --trailer 'Rationale: End of input at the passphrase prompt.'\necho \"exit=$?\"\n",
        &[(2000, b"\x04"), (2000, b"")],
    );
    assert!(screen.contains("(end of input at the terminal)"), "{screen}");
    assert!(!screen.contains("run the command from a terminal"), "{screen}");
    assert!(screen.contains("exit=1"), "{screen}");
}

/// End of input at the passphrase prompt: the hint offers running the
/// command again and typing the passphrase, or the `ssh-add` that unlocks
/// the key for the session (starting an agent first: none runs). Each is
/// followed as printed on the terminal, and the commit is signed.
#[test]
fn end_of_input_at_the_passphrase_names_two_ways_that_work() {
    let w = World::adopted("disclose");
    let key = locked_key(&w);
    let commit = |subject: &str| {
        format!("git commit -q -m '{subject}' --trailer 'Authorship: human' --trailer 'Rationale: End of input at the passphrase prompt, then {subject}.'")
    };
    let hint = |screen: &str| -> String {
        let line = screen.lines().find_map(|l| l.strip_prefix("hint: ")).unwrap_or_else(|| panic!("{screen}"));
        line.trim_end().to_owned()
    };
    staged(&w);
    let screen = on_pty(&w, &format!("{}\necho \"exit=$?\"\n", commit("Add a")), &[(2000, b"\x04"), (2000, b"")]);
    assert!(screen.contains("exit=1"), "{screen}");
    let printed = hint(&screen);
    assert_eq!(
        printed,
        format!(
            "run it again and type the passphrase, or start ssh-agent (`eval \"$(ssh-agent)\"`) and add the key to ssh-agent with `ssh-add {}`",
            key.display()
        )
    );
    // Run it again and type the passphrase.
    let screen =
        on_pty(&w, &format!("{}\necho \"exit=$?\"\n", commit("Add a")), &[(2000, b"correct horse\n"), (4000, b"")]);
    assert!(screen.contains("exit=0"), "{screen}");
    w.verify("HEAD~1..HEAD").expect(0);

    // Or the two commands, in the shell that commits next; the passphrase
    // is typed once, to ssh-add, and the commit asks for nothing.
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    let screen = on_pty(&w, &format!("{}\necho \"exit=$?\"\n", commit("Add b")), &[(2000, b"\x04"), (2000, b"")]);
    assert!(screen.contains("exit=1"), "{screen}");
    let printed = hint(&screen);
    let steps: Vec<&str> = printed.split('`').skip(1).step_by(2).collect();
    assert_eq!(steps, [r#"eval "$(ssh-agent)""#.to_owned(), format!("ssh-add {}", key.display())]);
    let script = format!(
        "{}\ntrap 'ssh-agent -k >/dev/null' EXIT\n{}\n{}\necho \"exit=$?\"\n",
        steps[0],
        steps[1],
        commit("Add b")
    );
    let screen = on_pty(&w, &script, &[(2000, b"correct horse\n"), (4000, b"")]);
    assert!(screen.contains("exit=0"), "{screen}");
    assert_eq!(screen.matches("Enter passphrase for").count(), 1, "only ssh-add asks:\n{screen}");
    w.verify("HEAD~2..HEAD").expect(0);
    assert_eq!(w.git(["log", "-1", "--format=%s"]), "Add b");
}

#[test]
fn the_prompt_offers_what_the_policy_accepts_and_checks_each_answer_at_once() {
    let w = World::adopted("no-autonomous");
    staged(&w);
    let screen = on_pty(
        &w,
        "git commit -q -m 'Add a'\necho \"exit=$?\"\n",
        &[
            (1500, b"3\n"),
            (700, b"ASSISTED\n"),
            (700, b"claude\n"),
            (700, b"Claude:claude-opus-4-5\n"),
            (700, b"The tool's form is checked before the rationale is typed.\n"),
            (3000, b""),
        ],
    );
    assert!(
        screen.contains("  1) human ") && screen.contains("  2) assisted ") && !screen.contains("generated"),
        "{screen}"
    );
    assert!(screen.contains("Please answer 1, 2 (or human, assisted)."), "{screen}");
    assert!(
        screen.contains(
            "\"claude\" is not in the form AGENT:MODEL [TOOL…] this project asks for, e.g. Claude:claude-opus-4-5."
        ),
        "{screen}"
    );
    assert!(screen.contains("exit=0"), "{screen}");
    assert_eq!(w.trailer("HEAD", "Authorship").as_deref(), Some("assisted"));
    w.verify("base..HEAD").expect(0);

    // A policy accepting human work only (in the work tree, where the hook reads it).
    w.write(".avow/policy.toml", "version = 1\n[authorship]\nallowed = [\"human\"]\n");
    w.write("b.txt", "b\n");
    w.git(["add", "b.txt"]);
    let screen = on_pty(
        &w,
        "git commit -q -m 'Add b'\necho \"exit=$?\"\n",
        &[(1500, b"Only human work is accepted here, so avow does not ask.\n"), (3000, b"")],
    );
    assert!(screen.contains("avow: this project accepts only `Authorship: human`"), "{screen}");
    assert!(!screen.contains("assisted"), "{screen}");
    assert!(screen.contains("exit=0"), "{screen}");
}

#[test]
fn a_signal_at_the_prompt_leaves_the_terminal_as_it_was() {
    let w = World::adopted("disclose");
    staged(&w);
    // SIGTERM to avow while it waits for an answer in raw mode (only the
    // processes of this terminal's session are signalled).
    let script = "git commit -q -m 'Add a' &\nsleep 3\npkill -TERM -s 0 -f 'hook(-direct .*/| )commit-msg'\nwait\necho after\nstty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?echo\\|-\\?icanon\\|-\\?isig'\n";
    let screen = on_pty(&w, script, &[(6000, b"")]);
    assert!(screen.contains("How was this change written?"), "{screen}");
    let after = screen.split("after\n").nth(1).unwrap_or_default();
    assert_eq!(after.lines().collect::<Vec<_>>(), ["isig", "icanon", "echo"], "{screen}");
}

/// SIGTERM or SIGHUP (a closed terminal, a killed session) at the prompt,
/// after one answer: the terminal is restored and the answer is kept as a
/// trailer, with the path and the command to reuse it, as on every other
/// exit path; that command, typed as printed, finishes the commit.
#[test]
fn a_signal_at_the_prompt_keeps_the_answers_given_so_far() {
    for signal in ["TERM", "HUP"] {
        let w = World::adopted("disclose");
        staged(&w);
        let script = format!(
            "git commit -q -m 'Add a' &\npid=$!\nsleep 4\npkill -{signal} -s 0 -f 'hook(-direct .*/| )commit-msg'\nwait $pid\necho \"exit=$?\"\necho after\nstty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?echo\\|-\\?icanon\\|-\\?isig'\n"
        );
        let screen = on_pty(&w, &script, &[(1500, b"1\n"), (5000, b"")]);
        assert!(screen.contains("Rationale: in your own words"), "{signal}: {screen}");
        let after = screen.split("after\n").nth(1).unwrap_or_default();
        assert_eq!(after.lines().collect::<Vec<_>>(), ["isig", "icanon", "echo"], "{signal}: {screen}");
        assert!(!screen.contains("exit=0"), "{signal}: the commit was made:\n{screen}");
        let hint = "avow: your answers are kept as trailers in .git/COMMIT_EDITMSG: commit again with `git commit -e -F .git/COMMIT_EDITMSG`";
        assert!(screen.contains(hint), "{signal}: {screen}");
        let kept = std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap();
        assert_eq!(kept, "Add a\n\nAuthorship: human\n", "{signal}");
        // The command, as printed: only the rationale is left to give.
        let screen = on_pty(
            &w,
            "git commit -q -e -F .git/COMMIT_EDITMSG\necho \"exit=$?\"\n",
            &[(1500, b"Kept through the signal, so only the rationale was asked again.\n"), (3000, b"")],
        );
        assert!(!screen.contains("How was this change written?"), "{signal}: asked again:\n{screen}");
        assert!(screen.contains("exit=0"), "{signal}: {screen}");
        w.verify("base..HEAD").expect(0);
    }
}
