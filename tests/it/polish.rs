//! The command line's manners: shell completions, manual pages, colour only
//! for terminals (and never with `NO_COLOR`), a progress bar only on a
//! terminal and only for long ranges, and `--quiet`/`--verbose` together
//! refused.

use crate::golden::normalise;
use crate::support::*;

/// Every command `git avow --help` lists (except `help`).
const COMMANDS: [&str; 14] = [
    "init",
    "install",
    "uninstall",
    "hook",
    "keyring",
    "verify",
    "reattest",
    "attest",
    "show",
    "report",
    "demo",
    "doctor",
    "completions",
    "man",
];

/// Runs a bash script (hermetic) and returns its output.
fn bash(w: &World, script: &str) -> Run {
    Run::from(w.command("bash").args(["--norc", "--noprofile", "-c", script]).output().expect("run bash"))
}

/// Runs `command` under `script(1)`, so that it has a terminal; returns the
/// transcript (standard output and error as the terminal saw them).
fn on_terminal(w: &World, command: &str, env: &[(&str, &str)]) -> String {
    // `timeout` bounds it, so a prompt that waits fails the test instead of
    // hanging it.
    let mut c = w.command("timeout");
    c.args(["60", "script", "-qec", command, "/dev/null"]).env("SHELL", "/bin/sh").env("TERM", "xterm");
    for (k, v) in env {
        c.env(k, v);
    }
    let run = Run::from(c.output().expect("run script"));
    run.stdout.replace("\r\n", "\n")
}

fn avow_cmd(args: &str) -> String {
    format!("'{}' {args}", avow_bin().display())
}

#[test]
fn bash_completion_parses_and_completes_both_spellings() {
    let w = World::bare();
    let script = w.avow(["completions", "bash"]).expect(0).stdout;
    let file = w.scratch().join("git-avow.bash");
    std::fs::write(&file, &script).unwrap();
    bash(&w, &format!("bash -n '{}'", file.display())).expect(0);
    let probe = format!(
        r#"source '{}'
complete -p git-avow
COMP_WORDS=(git avow ver); COMP_CWORD=2; _git_avow; echo "git avow ver: ${{COMPREPLY[*]}}"
COMP_WORDS=(git avow verify --fo); COMP_CWORD=3; _git_avow; echo "git avow verify --fo: ${{COMPREPLY[*]}}"
COMP_WORDS=(git-avow verify --format ''); COMP_CWORD=3; _git__avow git-avow '' --format; echo "git-avow verify --format: ${{COMPREPLY[*]}}"
COMP_WORDS=(git-avow keyring li); COMP_CWORD=2; _git__avow git-avow li keyring; echo "git-avow keyring li: ${{COMPREPLY[*]}}"
"#,
        file.display()
    );
    let run = bash(&w, &probe).expect(0);
    assert_eq!(
        run.stdout,
        "complete -o bashdefault -o default -o nosort -F _git__avow git-avow\n\
         git avow ver: verify\n\
         git avow verify --fo: --format\n\
         git-avow verify --format: human json github sarif\n\
         git-avow keyring li: list\n"
    );
}

#[test]
fn completions_for_every_shell_name_the_commands() {
    let w = World::bare();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = w.avow(["completions", shell]).expect(0).stdout;
        let missing: Vec<&str> = COMMANDS.iter().copied().filter(|c| !out.contains(c)).collect();
        assert!(missing.is_empty(), "{shell} completion lacks {missing:?}");
    }
    let run = w.avow(["completions", "tcsh"]).expect(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: invalid value 'tcsh' for '<SHELL>'\n"), "{}", run.stderr);
}

#[test]
fn the_man_page_renders_and_lists_every_command() {
    let w = World::bare();
    let page = w.avow(["man"]).expect(0).stdout;
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq\n"), "not roff:\n{page}");
    for command in COMMANDS {
        assert!(page.contains(&format!("git\\-avow\\-{command}(1)")), "no {command} in\n{page}");
    }
    let file = w.scratch().join("git-avow.1");
    std::fs::write(&file, &page).unwrap();
    if bash(&w, "command -v man").code != 0 {
        eprintln!("man(1) is not installed: the page was checked as roff only");
        return;
    }
    // man(1) formats it as a reader would see it.
    let mut c = w.command("man");
    c.arg("-l").arg(&file).env("MANWIDTH", "100").env("MAN_KEEP_FORMATTING", "0").env("PAGER", "cat");
    let rendered = Run::from(c.output().expect("run man")).expect(0).stdout;
    assert!(rendered.starts_with("git-avow(1)"), "{rendered}");
    for command in COMMANDS {
        assert!(rendered.contains(&format!("git-avow-{command}(1)")), "no {command} in\n{rendered}");
    }
}

#[test]
fn man_dir_writes_a_page_per_command() {
    let w = World::bare();
    let dir = w.scratch().join("man1");
    let run = w.avow(["man", "--dir", dir.to_str().unwrap()]).expect(0);
    assert_eq!(run.stdout.replace(dir.to_str().unwrap(), "<dir>"), "avow: wrote 30 manual pages to <dir>\n");
    let mut files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(
        files.join(" "),
        "git-avow-attest.1 git-avow-completions.1 git-avow-demo.1 git-avow-doctor.1 git-avow-hook-commit-msg.1 \
         git-avow-hook-post-applypatch.1 git-avow-hook-post-commit.1 git-avow-hook-post-rewrite.1 git-avow-hook-pre-push.1 git-avow-hook-pre-receive.1 git-avow-hook-prepare-commit-msg.1 git-avow-hook-update.1 git-avow-hook.1 git-avow-init.1 git-avow-install.1 \
         git-avow-keyring-add.1 git-avow-keyring-expire.1 git-avow-keyring-export.1 git-avow-keyring-import.1 git-avow-keyring-list.1 \
         git-avow-keyring-revoke.1 git-avow-keyring-rotate.1 git-avow-keyring.1 git-avow-man.1 \
         git-avow-reattest.1 git-avow-report.1 git-avow-show.1 git-avow-uninstall.1 git-avow-verify.1 git-avow.1"
    );
    let verify = std::fs::read_to_string(dir.join("git-avow-verify.1")).unwrap();
    assert!(verify.contains("\\fBgit avow verify\\fR"), "{verify}");
}

#[test]
fn man_dir_that_cannot_be_created_is_an_error() {
    let w = World::bare();
    let file = w.scratch().join("a-file");
    std::fs::write(&file, "").unwrap();
    let run = w.avow(["man", "--dir", file.join("man1").to_str().unwrap()]).expect(2);
    assert_eq!(
        run.stderr.replace(w.scratch().to_str().unwrap(), "<scratch>"),
        "git-avow: error: cannot create <scratch>/a-file/man1: Not a directory (os error 20)\nhint: give a writable directory to --dir\n"
    );
}

#[test]
fn quiet_and_verbose_together_are_a_usage_error() {
    let w = World::adopted("disclose");
    let run = w.avow(["verify", "-q", "-v", "base..HEAD"]).expect(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("error: the argument '--quiet' cannot be used with '--verbose'\n"),
        "{}",
        run.stderr
    );
}

/// One accepted commit, verified with `env` set, stdout not a terminal.
fn verify_piped(w: &World, env: &[(&str, &str)]) -> String {
    let mut c = w.command(avow_bin());
    c.args(["verify", "base..HEAD"]);
    for (k, v) in env {
        c.env(k, v);
    }
    normalise(w, &Run::from(c.output().unwrap()).expect(0).stdout)
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let w = World::adopted("disclose");
    w.change("src/a.rs", "fn a() {}\n", "Add a");
    let plain = "ok      <short-2>  Add a  [human, Alice Example <alice@example.org>]\n\
                 avow: 1 commit: 1 accepted, 0 rejected (range base..HEAD, trust base)\n";
    let coloured = "\x1b[32mok    \x1b[0m  <short-2>  Add a  [human, Alice Example <alice@example.org>]\n\
                    avow: 1 commit: 1 accepted, 0 rejected (range base..HEAD, trust base)\n";
    assert_eq!(verify_piped(&w, &[]), plain);
    assert_eq!(verify_piped(&w, &[("CLICOLOR_FORCE", "1")]), coloured);
    assert_eq!(verify_piped(&w, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), plain);
    assert_eq!(verify_piped(&w, &[("CLICOLOR_FORCE", "0")]), plain);
    let cmd = avow_cmd("verify base..HEAD");
    assert_eq!(normalise(&w, &on_terminal(&w, &cmd, &[])), coloured);
    assert_eq!(normalise(&w, &on_terminal(&w, &cmd, &[("NO_COLOR", "1")])), plain);
    assert_eq!(normalise(&w, &on_terminal(&w, &cmd, &[("CLICOLOR", "0")])), plain);
}

/// 501 unattested commits on top of the base, made with fast-import.
fn long_range(w: &World) {
    let mut stream = String::new();
    for i in 0..501 {
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter A <a@example.org> 1764000000 +0000\ndata 3\nc{}\n",
            i % 10
        ));
        if i == 0 {
            stream.push_str("from refs/heads/main^0\n");
        }
        stream.push_str(&format!("M 644 inline f.txt\ndata {}\n{i}\n", i.to_string().len() + 1));
    }
    w.git_stdin(["fast-import", "--quiet"], stream.as_bytes());
    w.git(["reset", "-q", "--hard"]);
}

#[test]
fn a_progress_bar_on_a_terminal_for_long_ranges_only() {
    let w = World::adopted("disclose");
    long_range(&w);
    // Standard output is thrown away: the transcript is what stderr drew.
    let tty = on_terminal(&w, &avow_cmd("verify --format json base..HEAD >/dev/null"), &[("NO_COLOR", "1")]);
    assert!(tty.starts_with("verifying ") && tty.contains(" 0/501 commits"), "no progress bar in {tty:?}");
    assert!(tty.ends_with("\r\x1b[2K"), "the bar is not cleared at the end: {tty:?}");
    let quiet = on_terminal(&w, &avow_cmd("verify --quiet base..HEAD >/dev/null"), &[]);
    assert_eq!(quiet, "");
    let report = on_terminal(&w, &avow_cmd("report base..HEAD >/dev/null"), &[("NO_COLOR", "1")]);
    assert!(report.starts_with("reading ") && report.contains(" 0/501 commits"), "no progress bar in {report:?}");
    // Not a terminal: nothing on stderr.
    let piped = w.avow(["verify", "--format", "json", "base..HEAD"]).expect(1);
    assert_eq!(piped.stderr, "");
    // 500 commits is not long: no bar on a terminal either.
    let short = on_terminal(&w, &avow_cmd("verify HEAD~500..HEAD >/dev/null; echo rc=$?"), &[]);
    assert_eq!(short, "rc=1\n");
}

#[test]
fn man_page_that_cannot_be_written_is_an_error() {
    let w = World::bare();
    let dir = w.scratch().join("man1");
    // A directory where the first page should go: the write fails.
    std::fs::create_dir_all(dir.join("git-avow.1")).unwrap();
    let run = w.avow(["man", "--dir", dir.to_str().unwrap()]).expect(2);
    assert_eq!(
        run.stderr.replace(dir.to_str().unwrap(), "<dir>"),
        "git-avow: error: cannot write <dir>/git-avow.1: Is a directory (os error 21)\nhint: give a writable directory to --dir\n"
    );
}

#[test]
fn a_full_standard_output_is_an_error_not_a_panic() {
    let w = World::bare();
    for command in ["man", "completions bash"] {
        let run = bash(&w, &format!("{} > /dev/full; echo rc=$?", avow_cmd(command)));
        assert_eq!(run.stdout, "rc=2\n", "{command}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "git-avow: error: cannot write to standard output: No space left on device (os error 28)\n\
                 hint: redirect the output to a file or pipe that can take it, e.g. `git avow {command} > avow-output.txt`\n"
            )
        );
    }
}

/// Runs its arguments with standard output a pipe whose read end is
/// already closed; prints the exit code and passes standard error on.
const CLOSED_PIPE: &str = "import os, subprocess, sys\n\
r, w = os.pipe(); os.close(r)\n\
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)\n\
print(\"rc=%d\" % p.returncode); sys.stderr.write(p.stderr.decode())";

#[test]
fn output_to_a_closed_pipe_or_a_full_disk_never_panics() {
    let w = World::adopted("disclose");
    for i in 0..3 {
        w.change(&format!("src/{i}.rs"), "fn f() {}\n", &format!("Add file {i}"));
    }
    for command in [
        "verify base..HEAD",
        "report base..HEAD",
        "show HEAD",
        "show --format json HEAD",
        "keyring list",
        "keyring list --format json",
        "keyring export --allowed-signers",
    ] {
        // A pipe whose reader is gone before the first write (as after
        // `| head -1`): nothing more to say, exit 0.
        let closed = bash(&w, &format!("python3 -c '{CLOSED_PIPE}' {}", avow_cmd(command)));
        assert_eq!((closed.stdout.as_str(), closed.stderr.as_str()), ("rc=0\n", ""), "{command}");
        let full = bash(&w, &format!("{} > /dev/full; echo rc=$?", avow_cmd(command)));
        assert_eq!(full.stdout, "rc=2\n", "{command}");
    }
}

/// `git avow --help` (and so the manual page) names the key types README
/// promises, not ed25519 alone: an RSA or ECDSA user must not read that
/// their key will not do.
#[test]
fn the_help_names_the_key_types_the_readme_does() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let types = "(ed25519, ECDSA or RSA, from a file or ssh-agent)";
    assert!(readme.replace('\n', " ").contains(&format!("SSH key {types}")), "README changed");
    let w = World::bare();
    let help = w.avow(["--help"]).expect(0).stdout.replace('\n', " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains(&format!("sign that statement with their SSH key {types}.")), "{help}");
}
