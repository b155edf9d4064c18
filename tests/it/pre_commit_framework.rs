//! avow under the real pre-commit framework (from the Python package index), driven by the
//! `.pre-commit-hooks.yaml` of this repository.
//!
//! `pre-commit` is taken from PATH when there, otherwise installed once
//! into a virtual environment under the target directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::*;

/// The pre-commit release the tests install when none is on PATH.
const PRE_COMMIT: &str = "pre-commit==4.5.1";

/// A command that runs pre-commit: `[program, args…]`.
fn pre_commit() -> &'static [PathBuf] {
    static CMD: OnceLock<Vec<PathBuf>> = OnceLock::new();
    CMD.get_or_init(|| {
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join("pre-commit")).find(|p| p.is_file()));
        if let Some(Some(exe)) = on_path {
            return vec![exe];
        }
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-venv");
        let python = venv.join("bin/python");
        if !python.exists() {
            install_venv(&venv);
        }
        vec![python, "-m".into(), "pre_commit".into()]
    })
}

/// Builds the virtual environment beside `venv` and renames it into place,
/// so a concurrent test run either sees a complete one or none. Run as
/// `bin/python -m pre_commit`, which does not care where the venv was built.
fn install_venv(venv: &Path) {
    let home = tempfile::tempdir().unwrap();
    let building = venv.with_extension(format!("building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let run = |program: &Path, args: &[&str]| {
        let mut c = Command::new(program);
        avow_testutil::hermetic(&mut c, home.path());
        let out = c.args(args).env("PIP_DISABLE_PIP_VERSION_CHECK", "1").output().unwrap();
        assert!(out.status.success(), "{} {args:?}: {}", program.display(), String::from_utf8_lossy(&out.stderr));
    };
    run(Path::new("python3"), &["-m", "venv", building.to_str().unwrap()]);
    run(&building.join("bin/python"), &["-m", "pip", "install", "-q", PRE_COMMIT]);
    if std::fs::rename(&building, venv).is_err() {
        // Another run finished first; use its environment.
        let _ = std::fs::remove_dir_all(&building);
    }
}

/// A git repository holding this checkout's `.pre-commit-hooks.yaml` and
/// `hooks/`, as pre-commit would clone avow's; returns its path and commit.
fn hook_repository(w: &World) -> (PathBuf, String) {
    let dir = w.scratch().join("avow-hooks");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("hooks")).unwrap();
    std::fs::copy(source.join(".pre-commit-hooks.yaml"), dir.join(".pre-commit-hooks.yaml")).unwrap();
    for entry in std::fs::read_dir(source.join("hooks")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("hooks").join(entry.file_name())).unwrap();
    }
    let git = |args: &[&str]| {
        let mut c = w.command("git");
        c.current_dir(&dir).args(args);
        Run::from(c.output().unwrap()).expect(0).stdout
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "avow hooks"]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_owned();
    (dir, rev)
}

/// PATH with the binary under test first, as after `cargo install`.
fn path_with_avow() -> std::ffi::OsString {
    let mut dirs = vec![avow_bin().parent().unwrap().to_path_buf()];
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(dirs).unwrap()
}

/// Runs `git commit` (no terminal) with pre-commit's hooks and git-avow on PATH.
fn commit(w: &World, args: &[&str]) -> Run {
    let mut c = w.command("setsid");
    c.args(["-w", "git", "commit", "-q"])
        .args(args)
        .env("PATH", path_with_avow())
        .env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    c.output().unwrap().into()
}

/// An adopted repository whose hooks are pre-commit's, configured to run
/// avow's hooks from a local clone of this repository's hook files.
fn with_pre_commit() -> World {
    let w = World::bare();
    w.avow(["init", "--preset", "disclose"]).expect(0);
    let (hooks, rev) = hook_repository(&w);
    w.write(
        ".pre-commit-config.yaml",
        format!(
            "default_install_hook_types: [prepare-commit-msg, commit-msg, post-commit]\n\
             repos:\n\
             \x20 - repo: {}\n\
             \x20   rev: {rev}\n\
             \x20   hooks:\n\
             \x20     - id: avow-prepare-commit-msg\n\
             \x20     - id: avow-commit-msg\n\
             \x20     - id: avow-post-commit\n",
            hooks.display()
        ),
    );
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Adopt avow through pre-commit"]);
    w.git(["tag", "base"]);
    let cmd = pre_commit();
    let mut c = w.command(&cmd[0]);
    c.args(&cmd[1..]).arg("install").env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    let out = Run::from(c.output().unwrap()).expect(0);
    assert_eq!(
        out.stdout,
        "pre-commit installed at .git/hooks/prepare-commit-msg\n\
         pre-commit installed at .git/hooks/commit-msg\n\
         pre-commit installed at .git/hooks/post-commit\n"
    );
    w
}

#[test]
fn pre_commit_runs_avow_refusing_an_unattested_commit_and_signing_an_attested_one() {
    let w = with_pre_commit();
    let before = w.git(["rev-parse", "HEAD"]);
    w.write("src/lib.rs", "pub fn answer() -> u32 { 42 }\n");
    w.git(["add", "-A"]);

    let r = commit(&w, &["-m", "Add the answer"]).expect(1);
    assert_eq!(
        r.stderr.replace(&w.scratch().display().to_string(), "<scratch>"),
        "[INFO] Initializing environment for <scratch>/avow-hooks.\n\
         avow attestation guidance................................................Passed\n\
         avow attestation (check and sign)........................................Failed\n\
         - hook id: avow-commit-msg\n\
         - exit code: 1\n\
         \n\
         avow: commit refused: the message lacks an `Authorship:` trailer and a `Rationale:` trailer.\n\
         Say how the change was written and why it is right, in your own words, for example:\n\
         \n  git commit --trailer \"Authorship: human\" --trailer \"Rationale: <why the change is needed and how it works>\"\n\
         \nWith AI assistance (every line read and understood):\n\
         \n  git commit --trailer \"Authorship: assisted\" --trailer \"Assisted-by: AGENT:MODEL\" --trailer \"Rationale: …\"\n\
         \nYour message is kept in .git/COMMIT_EDITMSG: reuse it with `git commit -e -F .git/COMMIT_EDITMSG --trailer …`.\n\
         \n"
    );
    assert_eq!(w.git(["rev-parse", "HEAD"]), before, "no commit was made");
    // The message given with -m is kept as it was: pre-commit passes no
    // message source, and avow must not add guidance no editor will strip.
    assert_eq!(std::fs::read_to_string(w.path().join(".git/COMMIT_EDITMSG")).unwrap(), "Add the answer\n");

    let mut args = vec!["-m", "Add the answer"];
    args.extend_from_slice(&HUMAN);
    let r = commit(&w, &args).expect(0);
    assert_eq!(
        r.stderr,
        "avow attestation guidance................................................Passed\n\
         avow attestation (check and sign)........................................Passed\n\
         avow attestation self-check..............................................Passed\n\
         - hook id: avow-post-commit\n\
         - duration: <d>\n"
            .replace("<d>", r.stderr.lines().last().unwrap().trim_start_matches("- duration: "))
    );
    let msg = w.message("HEAD");
    assert!(w.trailer("HEAD", "Avow-Signature").is_some(), "{msg}");
    w.verify("base..HEAD").expect(0);
    // doctor sees the hooks pre-commit runs avow from.
    let out = w.avow(["doctor"]).stdout;
    assert_eq!(
        out.lines().filter(|l| l.contains(" hook ")).collect::<Vec<_>>(),
        [
            "ok    hook commit-msg: run by pre-commit (.pre-commit-config.yaml)",
            "ok    hook prepare-commit-msg: run by pre-commit (.pre-commit-config.yaml)",
            "ok    hook post-commit: run by pre-commit (.pre-commit-config.yaml)",
        ]
    );
}

#[test]
fn pre_commit_adds_guidance_only_when_an_editor_opens() {
    let w = with_pre_commit();
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    // The editor keeps a copy of what it was shown, then writes the message.
    let seen = w.scratch().join("seen");
    let editor = w.scratch().join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\ncp \"$1\" '{}'\nprintf 'Add a\\n\\nAuthorship: human\\nRationale: Editors get guidance; the hook signs what was written.\\n' > \"$1\"\n",
            seen.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&editor).status().unwrap();
    let mut c = w.command("setsid");
    c.args(["-w", "git", "commit", "-q"])
        .env("GIT_EDITOR", &editor)
        .env("PATH", path_with_avow())
        .env("PRE_COMMIT_HOME", w.scratch().join("pre-commit-cache"));
    Run::from(c.output().unwrap()).expect(0);
    let shown = std::fs::read_to_string(&seen).unwrap();
    assert!(
        shown.starts_with(
            "\n# avow: end the message with your attestation, in your own words:\n\
             #   Authorship: human | assisted | generated\n"
        ),
        "{shown}"
    );
    w.verify("base..HEAD").expect(0);
}
