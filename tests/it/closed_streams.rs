//! No panic when the output goes nowhere: every subcommand run with its
//! standard output (or error) a pipe whose reader has already gone
//! (`git avow init | true`), and with standard output a full disk.

use std::fmt::Write as _;
use std::process::Stdio;

use crate::support::*;

/// Which stream gets the closed pipe.
#[derive(Clone, Copy)]
enum Closed {
    Stdout,
    Stderr,
}

/// Runs git-avow in `w`'s work tree with `closed` a pipe nobody reads;
/// the other stream is captured.
fn run_closed(w: &World, closed: Closed, args: &[&str]) -> Run {
    // The write end of a pipe whose only reader, `true`, has exited.
    let mut reader = w.repo.command("true").stdin(Stdio::piped()).spawn().expect("run true");
    let writer = reader.stdin.take().expect("pipe to true");
    reader.wait().expect("wait for true");
    let mut c = w.repo.command(avow_bin());
    c.args(args);
    match closed {
        Closed::Stdout => c.stdout(writer).stderr(Stdio::piped()),
        Closed::Stderr => c.stderr(writer).stdout(Stdio::piped()),
    };
    let out = c.output().expect("run git-avow");
    Run::from(out)
}

/// Every subcommand, in an order where each finds what it needs; the
/// keyring commands change `.avow/keyring.toml` in the work tree only.
fn every_subcommand(w: &World) -> Vec<Vec<String>> {
    let bob = w.repo.keygen("bob");
    let carol = w.repo.keygen("carol");
    let bob_pub = format!("{}.pub", bob.display());
    let carol_pub = format!("{}.pub", carol.display());
    let fpr_of = |pub_path: &str| {
        let out =
            w.repo.command("ssh-keygen").args(["-l", "-E", "sha256", "-f", pub_path]).output().expect("ssh-keygen -l");
        String::from_utf8(out.stdout).expect("utf-8").split_whitespace().nth(1).expect("fingerprint").to_owned()
    };
    let signers = w.scratch().join("allowed_signers");
    let dave = w.repo.keygen("dave");
    let dave_line = std::fs::read_to_string(format!("{}.pub", dave.display())).unwrap();
    std::fs::write(&signers, format!("dave@example.org {dave_line}")).unwrap();
    let msg = w.scratch().join("msg");
    std::fs::write(
        &msg,
        "Add a\n\nAuthorship: human\nRationale: The parser stopped one element early; iterate to the end.\n",
    )
    .unwrap();
    let head = w.git(["rev-parse", "HEAD"]);
    let man_dir = w.scratch().join("man");
    let s = |v: &[&str]| v.iter().map(|&a| a.to_owned()).collect::<Vec<_>>();
    vec![
        s(&["--help"]),
        s(&["--version"]),
        s(&["help", "verify"]),
        s(&["init", "--force", "--preset", "disclose"]),
        s(&["install"]),
        s(&["uninstall"]),
        s(&["install"]),
        s(&["keyring", "add", "--name", "Bob", "--email", "bob@example.org", "--key", &bob_pub]),
        s(&["keyring", "rotate", "--key", &carol_pub, &fpr_of(&bob_pub)]),
        s(&["keyring", "revoke", "--reason", "left", &fpr_of(&carol_pub)]),
        s(&["keyring", "import", "--allowed-signers", signers.to_str().unwrap()]),
        s(&["keyring", "list"]),
        s(&["keyring", "list", "--format", "json"]),
        s(&["keyring", "export", "--allowed-signers"]),
        s(&["hook", "prepare-commit-msg", msg.to_str().unwrap()]),
        s(&["hook", "commit-msg", msg.to_str().unwrap()]),
        s(&["hook", "post-commit"]),
        s(&["hook", "pre-push", "origin", "/nowhere"]),
        s(&["hook", "post-rewrite", "rebase"]),
        s(&["hook", "post-applypatch"]),
        s(&["attest", "--force", "--authorship", "human", "--rationale", "Vouched for after the fact.", "HEAD"]),
        s(&["reattest", "base..HEAD"]),
        s(&["verify", "base..HEAD"]),
        s(&["verify", "--format", "json", "base..HEAD"]),
        s(&["verify", "--format", "github", "base..HEAD"]),
        s(&["verify", "--format", "sarif", "base..HEAD"]),
        s(&["show", &head]),
        s(&["show", "--format", "json", &head]),
        s(&["report", "base..HEAD"]),
        s(&["doctor"]),
        s(&["completions", "bash"]),
        s(&["man"]),
        s(&["man", "--dir", man_dir.to_str().unwrap()]),
        s(&["demo"]),
        // errors have somewhere to go, or not
        s(&["show", "no-such-revision"]),
        s(&["no-such-command"]),
    ]
}

/// One line per command: its arguments (scratch paths shortened) and exit
/// code, so the whole table is compared at once.
fn table(w: &World, closed: Closed) -> String {
    let scratch = w.scratch().display().to_string();
    let mut out = String::new();
    for args in every_subcommand(w) {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run_closed(w, closed, &argv);
        let other = match closed {
            Closed::Stdout => &r.stderr,
            Closed::Stderr => &r.stdout,
        };
        assert!(!other.contains("panicked"), "git avow {}: {other}", args.join(" "));
        let shown = args.join(" ").replace(&scratch, "$SCRATCH");
        let shown =
            shown.split_whitespace().map(|a| if a.starts_with("SHA256:") { "FPR" } else { a }).collect::<Vec<_>>();
        let shown = shown.join(" ").replace(&w.git(["rev-parse", "HEAD"]), "HEAD_ID");
        writeln!(out, "{} -> {}", shown, r.code).unwrap();
    }
    out
}

const EXPECTED: &str = "\
--help -> 0
--version -> 0
help verify -> 0
init --force --preset disclose -> 0
install -> 0
uninstall -> 0
install -> 0
keyring add --name Bob --email bob@example.org --key $SCRATCH/bob.pub -> 0
keyring rotate --key $SCRATCH/carol.pub FPR -> 0
keyring revoke --reason left FPR -> 0
keyring import --allowed-signers $SCRATCH/allowed_signers -> 0
keyring list -> 0
keyring list --format json -> 0
keyring export --allowed-signers -> 0
hook prepare-commit-msg $SCRATCH/msg -> 0
hook commit-msg $SCRATCH/msg -> 0
hook post-commit -> 0
hook pre-push origin /nowhere -> 0
hook post-rewrite rebase -> 0
hook post-applypatch -> 0
attest --force --authorship human --rationale Vouched for after the fact. HEAD -> 0
reattest base..HEAD -> 0
verify base..HEAD -> 0
verify --format json base..HEAD -> 0
verify --format github base..HEAD -> 0
verify --format sarif base..HEAD -> 0
show HEAD_ID -> 0
show --format json HEAD_ID -> 0
report base..HEAD -> 0
doctor -> 0
completions bash -> 0
man -> 0
man --dir $SCRATCH/man -> 0
demo -> 0
show no-such-revision -> 2
no-such-command -> 2
";

fn world() -> World {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w
}

#[test]
fn closed_stdout_is_no_panic() {
    let w = world();
    assert_eq!(table(&w, Closed::Stdout), EXPECTED);
}

#[test]
fn closed_stderr_is_no_panic() {
    let w = world();
    assert_eq!(table(&w, Closed::Stderr), EXPECTED);
}

#[test]
fn full_disk_on_stdout_is_an_error() {
    let w = world();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let out = w.repo.command(avow_bin()).args(["keyring", "list"]).stdout(full).output().expect("run git-avow");
    let r = Run::from(out).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: cannot write to standard output: No space left on device (os error 28)\n\
         hint: redirect the output to a file or pipe that can take it, e.g. `git avow keyring list > avow-output.txt`\n"
    );
}
