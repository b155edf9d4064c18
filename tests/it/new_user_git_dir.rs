//! A repository used through `--git-dir`/`--work-tree` or `GIT_DIR`, as
//! people keep their dotfiles: a bare repository whose work tree is named
//! on every command (`git --git-dir=~/.dotfiles --work-tree=~`). git reads
//! `--work-tree` over the repository's `core.bare`; libgit2 did not, and
//! `git avow init` called the repository bare.

use std::path::Path;

use crate::support::*;

/// `git ARGS` in `dir`, hooks on, no terminal.
fn git_in(w: &World, dir: &Path, args: &[&str]) -> Run {
    let bin_dir = avow_bin().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut c = w.repo.command("setsid");
    c.arg("-w").arg("git").args(args).current_dir(dir).env("PATH", path);
    c.output().unwrap().into()
}

#[test]
fn a_bare_repository_with_a_work_tree_named_on_each_command_adopts_and_verifies() {
    let w = World::bare();
    let bare = w.scratch().join("dotfiles.git");
    let home = w.scratch().join("home");
    std::fs::create_dir_all(&home).unwrap();
    w.git(["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()]);
    std::fs::write(home.join(".bashrc"), "alias ll='ls -l'\n").unwrap();
    let git_dir = format!("--git-dir={}", bare.display());
    // Relative, as typed in the work tree: git passes it on as it is.
    let dotfiles = |args: &[&str]| {
        let mut all = vec![git_dir.as_str(), "--work-tree=."];
        all.extend_from_slice(args);
        git_in(&w, &home, &all)
    };
    dotfiles(&["config", "avow.signingKey", w.key.to_str().unwrap()]).expect(0);
    dotfiles(&["avow", "init"]).expect(0);
    assert!(home.join(".avow/keyring.toml").is_file(), "init wrote into the work tree");
    dotfiles(&["avow", "install"]).expect(0);
    dotfiles(&["add", ".avow", ".bashrc"]).expect(0);
    let commit = |subject: &str, why: &str| {
        let rationale = format!("Rationale: {why}");
        dotfiles(&["commit", "-q", "-m", subject, "--trailer", "Authorship: human", "--trailer", &rationale])
    };
    commit("Adopt avow for the dotfiles", "Dotfiles are attested as any project is, from the first commit on.")
        .expect(0);
    std::fs::write(home.join(".bashrc"), "alias ll='ls -la'\n").unwrap();
    dotfiles(&["add", ".bashrc"]).expect(0);
    // Without a statement the hook refuses, as in any clone: it runs.
    dotfiles(&["commit", "-q", "-m", "List hidden files too"]).expect(1);
    commit("List hidden files too", "ll should show dot files, which is what this directory is full of.").expect(0);
    let v = dotfiles(&["avow", "verify", "HEAD", "--trust", "HEAD~1"]).expect(0);
    assert!(v.stdout.contains("2 commits: 2 accepted"), "{}", v.stdout);
    // From anywhere else, through the environment.
    let mut c = w.repo.command(avow_bin());
    c.args(["verify", "--no-fast-path", "HEAD", "--trust", "HEAD~1"])
        .current_dir(w.scratch())
        .env("GIT_DIR", &bare)
        .env("GIT_WORK_TREE", &home);
    Run::from(c.output().unwrap()).expect(0);
}

/// `GIT_DIR` pointing at an ordinary clone from another directory: the
/// hook finds the repository's policy and signs, and verify agrees.
#[test]
fn git_dir_from_outside_the_work_tree_signs_and_verifies() {
    let w = World::adopted("disclose");
    let elsewhere = w.scratch().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    w.write("b.txt", "b\n");
    let git_dir = format!("--git-dir={}", w.path().join(".git").display());
    let work_tree = format!("--work-tree={}", w.path().display());
    git_in(&w, &elsewhere, &[&git_dir, &work_tree, "add", "b.txt"]).expect(0);
    git_in(
        &w,
        &elsewhere,
        &[
            &git_dir,
            &work_tree,
            "commit",
            "-q",
            "-m",
            "Add b",
            "--trailer",
            "Authorship: human",
            "--trailer",
            "Rationale: A file b, committed from outside the work tree.",
        ],
    )
    .expect(0);
    assert!(w.trailer("HEAD", "Avow-Signature").is_some(), "the hook signed");
    git_in(&w, &elsewhere, &[&git_dir, "avow", "verify", "--no-fast-path", "base..HEAD"]).expect(0);
}
