//! What a new user trips over when following README.md and docs/ for the
//! first time: each message names the command they ran and the fix.

use crate::support::*;

/// The hints name a branch that exists (the one the work goes into), or,
/// in a repository with one branch, the branch itself; each works as
/// printed.
#[test]
fn report_without_a_range_suggests_report() {
    let w = World::adopted("disclose");
    let r = w.avow(["report"]).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: no range given and the current branch has no upstream\n\
         hint: give a range, BASE..HEAD; with no other branch to take as base, check this one whole against its own keyring and policy: `git avow report HEAD --trust HEAD`\n"
    );
    sh(&w, &quoted_commands(&r.stderr)[0]).expect(0);
    let r = w.avow(["report", "HEAD"]).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: `HEAD` has no base to take the keyring and policy from\n\
         hint: name a trusted revision: `git avow report HEAD --trust HEAD`\n"
    );
    sh(&w, &quoted_commands(&r.stderr)[0]).expect(0);
    // On a topic branch, the branch it came from.
    w.git(["switch", "-q", "-c", "topic"]);
    w.change("t.txt", "t\n", "Add t");
    let r = w.avow(["report"]).expect(2);
    assert_eq!(r.stderr.lines().nth(1), Some("hint: give a range, e.g. `git avow report main..HEAD`"));
    let r = sh(&w, &quoted_commands(&r.stderr)[0]).expect(0);
    assert!(r.stdout.contains("Add t"), "{}", r.stdout);
    let r = w.avow(["verify", "HEAD"]).expect(2);
    assert_eq!(r.stderr.lines().nth(1), Some("hint: name a trusted revision: `git avow verify HEAD --trust main`"));
    sh(&w, &quoted_commands(&r.stderr)[0]).expect(0);
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
    // The test clock's day (`avow_testutil::NOW`).
    let revoked_on = "2025-11-24";
    w.avow(["keyring", "revoke", &bob_fpr, "--reason", "left", "--at", revoked_on]).expect(0);
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
hint: give an ed25519, ECDSA or RSA (2048 to 4096 bits) public key: a `.pub` file or a line like `ssh-ed25519 AAAA…` (`ssh-keygen -t ed25519` makes one)
git-avow: error: email: \"carol\" is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)
hint: correct the value on the command line; `git avow keyring SUBCOMMAND --help` describes each
git-avow: error: no key SHA256:nope in the keyring; `git avow keyring list` shows the fingerprints
hint: copy the fingerprint (SHA256:…, or enough of it to be unique) from `git avow keyring list`, or give the key's .pub file
git-avow: error: key FPR is already revoked (on {revoked_on}T00:00:00Z)
hint: nothing to do: `git avow keyring list` shows each key's state
git-avow: error: no key SHA256:nope in the keyring; `git avow keyring list` shows the fingerprints
hint: copy the fingerprint (SHA256:…, or enough of it to be unique) from `git avow keyring list`, or give the key's .pub file
git-avow: error: $SCRATCH/garbage.pub:1: key: missing public key
hint: fix or remove that line of the allowed_signers file, then import again
"
        )
    );
}

/// The shell commands of README.md's `## {title}` section: every `sh` code
/// block, one entry per logical line (backslash continuations joined).
fn readme_commands(title: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find(&format!("\n## {title}\n")).unwrap_or_else(|| panic!("README.md has no `## {title}`"));
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in section.lines() {
        match (in_sh, line) {
            (false, "```sh") => in_sh = true,
            (true, "```") => in_sh = false,
            (true, _) => {
                pending.push_str(line);
                pending.push('\n');
                if !line.ends_with('\\') {
                    commands.push(std::mem::take(&mut pending));
                }
            }
            (false, _) => {}
        }
    }
    assert!(!commands.is_empty(), "README.md's `## {title}` has no sh block");
    commands
}

/// Runs one documented command line with `sh` in `dir`, `git-avow` on PATH, no
/// terminal, as `who` (name, email) when given; it must succeed. Returns
/// its stdout.
fn run_documented(w: &World, dir: &std::path::Path, who: Option<(&str, &str)>, line: &str) -> String {
    let bin_dir = avow_bin().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut c = w.repo.command("setsid");
    c.args(["-w", "sh", "-c", line]).current_dir(dir).env("PATH", path);
    if let Some((name, email)) = who {
        for role in ["AUTHOR", "COMMITTER"] {
            c.env(format!("GIT_{role}_NAME"), name).env(format!("GIT_{role}_EMAIL"), email);
        }
    }
    let r = Run::from(c.output().expect("run sh"));
    assert_eq!(r.code, 0, "documented command failed: {line}\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r.stdout
}

/// README.md's two quick starts, run literally: the maintainer adopts avow
/// and adds Bob's key; Bob (whose key is `~/.ssh/id_ed25519`) follows the
/// contributor's steps in a clone and pushes `pr-branch`; the maintainer
/// verifies it. Every line must succeed, and the verdicts accept both
/// commits.
#[test]
fn readme_quick_starts_work_as_written() {
    let w = World::bare();
    let bob_key = w.home().join(".ssh/id_ed25519");
    let out = w
        .repo
        .command("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f"])
        .arg(&bob_key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::copy(bob_key.with_extension("pub"), w.path().join("bob.pub")).unwrap();

    let maintainer = readme_commands("Quick start: maintainer");
    let verify_at = maintainer.iter().position(|l| l.starts_with("git avow verify")).expect("a verify line");
    for line in &maintainer[..verify_at] {
        run_documented(&w, &w.path(), None, line);
    }

    let clone = w.scratch().join("bob");
    w.git(["clone", "-q", w.path().to_str().unwrap(), clone.to_str().unwrap()]);
    let bob = Some(("Bob", "bob@example.org"));
    let in_clone = |args: &[&str]| run_documented(&w, &clone, bob, &format!("git {}", args.join(" ")));
    in_clone(&["config", "user.name", "Bob"]);
    in_clone(&["config", "user.email", "bob@example.org"]);
    for (i, line) in readme_commands("Quick start: contributor").iter().enumerate() {
        if line.starts_with("git commit") {
            std::fs::write(clone.join(format!("parser{i}.c")), "int last = len;\n").unwrap();
            in_clone(&["add", "-A"]);
        }
        run_documented(&w, &clone, bob, line);
    }
    in_clone(&["push", "-q", "origin", "HEAD:pr-branch"]);

    let mut verdicts = Vec::new();
    for line in &maintainer[verify_at..] {
        let out = run_documented(&w, &w.path(), None, line);
        if line.starts_with("git avow verify") {
            verdicts.push(out.lines().last().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(verdicts, ["avow: 1 commit: 1 accepted, 0 rejected (range main..pr-branch, trust main)"]);
}

/// End of input (Ctrl-D) at the hook's question ends the question's line
/// before the refusal, instead of running on from `Choice [1-3]: `.
#[test]
fn end_of_input_at_the_prompt_ends_the_line() {
    let w = World::adopted("disclose");
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    // `script` gives the commit a terminal; its standard input is empty, so
    // the terminal reads end of input.
    // `timeout` bounds it: a prompt that missed the end of input fails the
    // test instead of hanging it.
    let out =
        w.command("timeout").args(["60", "script", "-qec", "git commit -q -m 'Add a'", "/dev/null"]).output().unwrap();
    // What the screen shows: carriage returns move nothing here. Whether
    // the end of input reaches avow before it asks (a newline through the
    // terminal's output processing, "\r\n") or while it waits in raw mode
    // (its own "\r\n", which the still-on output processing makes
    // "\r\r\n") depends on timing; both end the line.
    let screen = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert_eq!(
        screen,
        "\
avow: this commit needs an authorship statement.
How was this change written?
  1) human      every line written by you
  2) assisted   AI tools used interactively; you read and understood every line
  3) generated  substantial parts produced by an autonomous tool
Choice [1-3]: 
avow: commit refused: no answer on the terminal; your message is kept in .git/COMMIT_EDITMSG
"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// A failed command's stderr (exit 2, one reason line and one hint line),
/// with the scratch directory and work tree shortened.
fn error_lines(w: &World, r: &Run) -> String {
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    r.stderr.replace(&w.scratch().display().to_string(), "$SCRATCH").replace(&w.path().display().to_string(), "$REPO")
}

#[test]
fn file_errors_of_init_keyring_and_demo_have_hints() {
    let w = World::adopted("disclose");
    let empty = w.scratch().join("empty.pub");
    std::fs::write(&empty, "\n# nothing here\n").unwrap();
    let no_dir = w.scratch().join("no/such/dir/allowed_signers");
    let mut out = String::new();
    for args in [
        vec!["keyring", "export", "--allowed-signers", "-o", no_dir.to_str().unwrap()],
        vec!["keyring", "import", "--allowed-signers", w.scratch().to_str().unwrap()],
        vec!["init", "--force", "--key", empty.to_str().unwrap()],
    ] {
        out.push_str(&error_lines(&w, &w.avow(&args)));
    }
    // Something in the way of .avow/policy.toml.
    std::fs::remove_file(w.path().join(".avow/policy.toml")).unwrap();
    std::fs::create_dir(w.path().join(".avow/policy.toml")).unwrap();
    out.push_str(&error_lines(&w, &w.avow(["init", "--force"])));
    // A file where the .avow directory should be.
    std::fs::remove_dir_all(w.path().join(".avow")).unwrap();
    std::fs::write(w.path().join(".avow"), "").unwrap();
    out.push_str(&error_lines(&w, &w.avow(["init"])));
    // No temporary directory for the demo.
    let mut demo = w.repo.command(avow_bin());
    demo.arg("demo").env("TMPDIR", w.scratch().join("no-such-tmp"));
    let demo = error_lines(&w, &Run::from(demo.output().unwrap()));
    // tempfile names the directory it tried with a random suffix.
    let random = demo.find("avow-demo").map_or(0..0, |at| at + 9..at + 15);
    out.push_str(&format!("{}XXXXXX{}", &demo[..random.start], &demo[random.end..]));
    assert_eq!(
        out,
        "\
git-avow: error: cannot write $SCRATCH/no/such/dir/allowed_signers: No such file or directory (os error 2)
hint: give --output a path in a directory you can write to
git-avow: error: cannot read $SCRATCH: Is a directory (os error 21)
hint: give --allowed-signers the path of an OpenSSH allowed_signers file
git-avow: error: $SCRATCH/empty.pub holds no public key
hint: give the `.pub` file `ssh-keygen -t ed25519` wrote, or an `ssh-ed25519 AAAA…` line
git-avow: error: cannot write $REPO/.avow/policy.toml: Is a directory (os error 21)
hint: move away whatever is in the way, or make .avow/ writable
git-avow: error: cannot create $REPO/.avow: File exists (os error 17)
hint: move away whatever is in the way (a file named .avow?), or make the work tree writable
git-avow: error: cannot create a temporary directory: No such file or directory (os error 2) at path \"$SCRATCH/no-such-tmp/avow-demoXXXXXX\"
hint: point TMPDIR at a writable directory with some free space
"
    );
}

/// Deletes the loose object `id` (a test repository's objects are loose).
fn delete_object(w: &World, id: &str) {
    std::fs::remove_file(w.path().join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
}

#[test]
fn missing_objects_are_errors_with_a_hint() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    let blob = w.git(["rev-parse", "HEAD:b.txt"]);
    let parent = w.git(["rev-parse", "HEAD~1"]);
    delete_object(&w, &blob);
    let report = error_lines(&w, &w.avow(["report", "base..HEAD"]));
    delete_object(&w, &parent);
    let verify = error_lines(&w, &w.verify("base..HEAD"));
    assert_eq!(
        format!("{report}{verify}").replace(&blob, "BLOB").replace(&parent, "PARENT"),
        "\
git-avow: error: counting changed lines: object not found - cannot read header for (BLOB); class=Odb (9); code=NotFound (-3)
hint: check the repository with `git fsck`; if git finds nothing wrong, please report this to avow
git-avow: error: walking history: object not found - no match for id (PARENT); class=Odb (9); code=NotFound (-3)
hint: check the repository with `git fsck`; if git finds nothing wrong, please report this to avow
"
    );
}

#[test]
fn a_revision_naming_a_tree_or_blob_is_not_called_unknown() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.git(["tag", "-a", "-m", "a tree", "tree-tag", "HEAD^{tree}"]);
    let mut out = String::new();
    for args in [
        &["show", "HEAD:a.txt"][..],
        &["show", "HEAD^{tree}"],
        &["show", "tree-tag"],
        &["verify", "HEAD:a.txt..HEAD"],
        &["verify", "base..HEAD", "--trust", "tree-tag"],
        &["report", "base..tree-tag"],
    ] {
        let r = w.avow(args).expect(2);
        out.push_str(&r.stderr);
    }
    let hint = "hint: name a commit: a branch, a tag of a commit, or a commit id\n";
    assert_eq!(
        out,
        [
            "git-avow: error: `HEAD:a.txt` names a blob, not a commit\n",
            hint,
            "git-avow: error: `HEAD^{tree}` names a tree, not a commit\n",
            hint,
            "git-avow: error: `tree-tag` names a tree, not a commit\n",
            hint,
            "git-avow: error: `HEAD:a.txt` names a blob, not a commit\n",
            hint,
            "git-avow: error: `tree-tag` names a tree, not a commit\n",
            hint,
            "git-avow: error: `tree-tag` names a tree, not a commit\n",
            hint,
        ]
        .concat()
    );
}

/// Without `user.name` (git itself falls back to the login name), doctor
/// fails the identity check, and the keyring command it suggests is one
/// `keyring add` takes; the hook refuses to sign a nameless
/// `Understood-by:`, which the verifier would reject.
#[test]
fn doctor_without_user_name_suggests_a_command_that_works() {
    let w = World::adopted("disclose");
    w.git(["config", "--unset", "user.name"]);
    let stranger = w.repo.keygen("stranger");
    w.git(["config", "avow.signingKey", stranger.to_str().unwrap()]);
    let r = w.avow(["doctor"]).expect(1);
    let key = std::fs::read_to_string(stranger.with_extension("pub")).unwrap();
    let key = key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let lines: Vec<String> = r
        .stdout
        .lines()
        .filter(|l| l.contains("identity") || l.contains("keyring") || l.starts_with("      fix: send"))
        .map(|l| l.replace(&key, "KEY"))
        .map(|l| l.split(' ').map(|w| if w.starts_with("SHA256:") { "FPR" } else { w }).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        [
            "FAIL  identity: user.name is not set: the hook cannot name you in `Understood-by:` (only <alice@example.org>)",
            "FAIL  keyring: your key FPR is not in .avow/keyring.toml, so the verifier will reject your commits",
            "      fix: send your public key to a maintainer, who runs `git avow keyring add --email alice@example.org --key \"KEY stranger\"`",
        ]
    );
    // The maintainer's side of that advice works as printed.
    let fix = r.stdout.lines().find(|l| l.starts_with("      fix: send")).unwrap();
    let command = fix.split('`').nth(1).unwrap();
    run_documented(&w, &w.path(), None, command);
    let r = w.avow(["doctor"]).expect(1);
    assert_eq!(r.stdout.lines().filter(|l| l.starts_with("FAIL")).count(), 1, "only identity: {}", r.stdout);
    // The hook refuses rather than sign what verify would reject.
    let args = [&["--allow-empty", "-m", "Nothing yet"][..], &HUMAN].concat();
    let r = w.commit(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "git-avow: error: user.name is not set, so `Understood-by: <alice@example.org>` would name nobody and verification would reject it\n\
         hint: set it to your name as the keyring has it: `git config --global user.name \"Your Name\"`\n"
    );
    w.git(["config", "user.name", AUTHOR_NAME]);
    w.commit(&args).expect(0);
    w.avow(["doctor"]).expect(0);
}

/// `show` on the commit that adopts avow (its parent has no .avow/) and on
/// a root commit: say why there is no keyring and how to check anyway.
#[test]
fn show_says_why_there_is_no_trust_base() {
    let repo = TestRepo::new();
    repo.commit_all("Initial");
    let w = World::adopted_in(repo, "disclose");
    let trust_line = |rev: &str| {
        let r = w.avow(["show", rev]).expect(1);
        r.stdout.lines().find(|l| l.starts_with("trust ")).unwrap().replace(&w.git(["rev-parse", "HEAD"]), "<adoption>")
    };
    assert_eq!(
        [trust_line("HEAD"), trust_line("HEAD~1")],
        [
            "trust (none): there is no .avow/keyring.toml at <adoption>^; every key is unknown (check against a keyring with --trust REV, e.g. --trust HEAD)",
            "trust (none): a root commit has no parent to take a keyring from; every key is unknown (check against a keyring with --trust REV, e.g. --trust HEAD~1)",
        ]
    );
    // The advice works for the adoption commit: its own keyring knows its key.
    w.avow(["show", "--trust", "HEAD", "HEAD"]).expect(0);
}

/// Before the first commit, `HEAD` is not an unknown name to fetch: say
/// that the branch has no commits yet.
#[test]
fn head_before_the_first_commit() {
    let w = World::bare();
    let mut out = String::new();
    for args in [&["show"][..], &["verify", "--trust", "HEAD", "HEAD"], &["report", "HEAD~1..HEAD"]] {
        out.push_str(&w.avow(args).expect(2).stderr);
    }
    // A name that does not exist is still unknown.
    out.push_str(&w.avow(["show", "nope"]).expect(2).stderr);
    assert_eq!(
        out,
        "\
git-avow: error: `HEAD` names nothing yet: the current branch has no commits
hint: make the first commit, then run this again
git-avow: error: `HEAD` names nothing yet: the current branch has no commits
hint: make the first commit, then run this again
git-avow: error: `HEAD` names nothing yet: the current branch has no commits
hint: make the first commit, then run this again
git-avow: error: unknown revision `nope`
hint: check the name with `git rev-parse`; in CI, fetch the base branch first (e.g. `git fetch origin main`)
"
    );
}

/// Runs `line` with `sh -c` in the work tree, no terminal, git-avow on PATH.
fn sh(w: &World, line: &str) -> Run {
    w.shell(line).output().unwrap().into()
}

/// `git commit -v` without a terminal is refused for the missing
/// statement; the kept message has git's scissors line and the diff under
/// it. The command the refusal prints commits it, statement added, and
/// the diff stays out of the message.
#[test]
fn the_message_kept_from_commit_v_commits_as_printed() {
    let w = World::adopted("disclose");
    w.write("src/a.rs", "fn a() {}\n");
    w.git(["add", "-A"]);
    let editor = w.scratch().join("write-subject");
    std::fs::write(&editor, "#!/bin/sh\n{ echo 'Add a'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n").unwrap();
    w.repo.command("chmod").arg("+x").arg(&editor).status().unwrap();
    let r = sh(&w, &format!("GIT_EDITOR='{}' git commit -v", editor.display()));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let kept = std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap();
    assert!(kept.contains("diff --git a/src/a.rs"), "{kept}");
    let hint = r.stderr.lines().find(|l| l.starts_with("Your message is kept")).unwrap();
    assert_eq!(
        hint,
        "Your message is kept in .git/COMMIT_EDITMSG: reuse it with `git commit -v -e -F .git/COMMIT_EDITMSG --trailer …`."
    );
    let rationale = "Rationale: The parser needs a function a; it is empty until the caller lands.";
    let command = hint
        .split('`')
        .nth(1)
        .unwrap()
        .replace("--trailer …", &format!("--trailer 'Authorship: human' --trailer '{rationale}'"));
    sh(&w, &command).expect(0);
    let message = w.message("HEAD");
    assert!(message.starts_with(&format!("Add a\n\nAuthorship: human\n{rationale}\nUnderstood-by: ")), "{message}");
    w.verify("base..HEAD").expect(0);
}

/// The passphrase is not echoed, but Enter still ends its line: what
/// follows (git's summary) starts on a line of its own instead of running
/// on from `Enter passphrase for …: `.
#[test]
fn enter_after_a_hidden_passphrase_ends_the_line() {
    let w = World::adopted("disclose");
    let key = w.key.display().to_string();
    w.repo.command("ssh-keygen").args(["-q", "-p", "-P", "", "-N", "correct horse", "-f", &key]).status().unwrap();
    w.write("a.txt", "x\n");
    w.git(["add", "-A"]);
    let command = format!("git commit -m 'Add a' {}", HUMAN.map(|a| format!("'{a}'")).join(" "));
    let (code, screen) = w.on_terminal(&command, "correct horse\n", &[]);
    assert_eq!(code, 0, "{screen}");
    // Carriage returns move nothing here; the line ends are what matter.
    let screen = screen.replace('\r', "");
    let prompt = format!("Enter passphrase for {key}: ");
    let after = screen.split_once(&prompt).unwrap_or_else(|| panic!("{screen}")).1;
    assert!(after.starts_with("\n[main "), "{screen:?}");
    assert!(!screen.contains("correct horse"), "{screen}");
}

/// The line `git avow init` writes for `adoption.since`, if any.
fn since_line(w: &World) -> Option<String> {
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    policy.lines().find(|l| l.starts_with("since = ")).map(str::to_owned)
}

/// A maintainer adopts avow in a project with history: init exempts the
/// commits before adoption (`adoption.since`), so that a check of the whole
/// branch — the Action's scheduled audit, `verify main --trust main` —
/// judges only what came after. With unpublished commits on top, the
/// adoption point is where HEAD leaves its upstream: a forge's squash or
/// rebase of the adoption keeps that commit in the default branch.
#[test]
fn init_in_a_project_with_history_exempts_the_history() {
    for preset in ["disclose", "no-ai", "no-autonomous"] {
        let repo = TestRepo::new();
        repo.commit_all("Existing 1");
        let published = repo.commit_all("Existing 2");
        let w = World::bare_in(repo);
        w.remote("origin");
        w.write("local.txt", "not pushed yet\n");
        w.git(["add", "-A"]);
        w.git(["commit", "-q", "-m", "Local work"]);
        let r = w.avow(["init", "--preset", preset]).expect(0);
        assert_eq!(
            r.stdout.lines().nth(1).unwrap(),
            format!(
                "avow: commits up to {} (the history before adopting) are exempt: adoption.since in .avow/policy.toml",
                &published[..12]
            )
        );
        assert_eq!(since_line(&w), Some(format!("since = \"{published}\"")), "{preset}");
    }
    // Everything published: the history up to HEAD, and an audit of the
    // whole branch after adoption passes.
    let repo = TestRepo::new();
    repo.commit_all("Existing 1");
    repo.commit_all("Existing 2");
    let w = World::adopted_in(repo, "disclose");
    w.change("a.txt", "a\n", "Add a");
    let r = w.avow(["verify", "main", "--trust", "main"]).expect(0);
    assert!(
        r.stdout.ends_with("avow: 4 commits: 2 accepted, 0 rejected, 2 exempt (range main, trust main)\n"),
        "{}",
        r.stdout
    );
    // Without history, and on `init --force` after adoption: nothing exempt.
    assert_eq!(since_line(&World::adopted("disclose")), None);
    w.avow(["init", "--force"]).expect(0);
    assert_eq!(since_line(&w), None);
}

/// The statement `reattest` asks for, with the placeholder of its Rationale
/// filled in as the person would.
fn fill_rationale(command: &str) -> String {
    command.replace(
        "<why the change is needed and how it works>",
        "The parser needs a function a; it is empty until the caller lands.",
    )
}

/// An adopted repository whose HEAD, "Add a", was committed without the
/// hook (`--no-verify`).
fn unattested_add_a() -> World {
    let w = World::adopted("disclose");
    w.write("src/a.rs", "fn a() {}\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add a"]);
    w
}

/// A commit made without the hook (`--no-verify`) has no statement for
/// reattest to re-sign. On HEAD its hint is one amend with the trailers,
/// which works without a terminal (an interactive rebase needs one).
#[test]
fn reattest_on_an_unattested_last_commit_names_an_amend_that_works() {
    let w = unattested_add_a();
    let r = sh(&w, "git avow reattest base..HEAD");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let fixes = quoted_commands(&r.stderr);
    assert_eq!(
        fixes,
        [
            "git commit --amend --no-edit --trailer \"Authorship: human\" --trailer \"Rationale: <why the change is needed and how it works>\"",
        ],
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--trailer \"Assisted-by: AGENT:MODEL\""), "{}", r.stderr);
    let r = sh(&w, &fill_rationale(&fixes[0]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(crate::policy::verdicts(&w, &["base..HEAD"], 0), ["Add a: accepted"]);
}

/// On an older commit the amend must happen where the commit is: the hint
/// names it and an interactive rebase that stops there (the person marks
/// its line `edit`); the commit after it keeps its attestation.
#[test]
fn reattest_on_an_older_unattested_commit_names_a_rebase_that_works() {
    let w = unattested_add_a();
    let older = w.git(["rev-parse", "HEAD"]).trim().to_owned();
    w.write("src/b.rs", "fn b() {}\n");
    w.git(["add", "-A"]);
    w.commit(&[&["-m", "Add b"][..], &HUMAN].concat()).expect(0);
    let r = sh(&w, "git avow reattest base..HEAD");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let short = w.git(["rev-parse", "--short", &older]).trim().to_owned();
    let amend = "git commit --amend --no-edit --trailer \"Authorship: human\" --trailer \"Rationale: <why the change is needed and how it works>\"";
    let fixes = quoted_commands(&r.stderr);
    assert_eq!(
        fixes,
        [format!("git rebase -i {short}~1"), amend.to_owned(), "git rebase --continue".to_owned()],
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("change `pick` to `edit` on the line of {short}")), "{}", r.stderr);
    w.mark_edit_in_rebase(&older);
    for command in &fixes {
        let r = sh(&w, &fill_rationale(command));
        assert_eq!(r.code, 0, "{command}: {}", r.stderr);
    }
    assert_eq!(crate::policy::verdicts(&w, &["base..HEAD"], 0), ["Add a: accepted", "Add b: accepted"]);
}
