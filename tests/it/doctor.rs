//! `git avow doctor`: every check, and the fix it prints for each problem.

use std::path::Path;

use crate::support::*;

/// A PATH with git, setsid and ssh-keygen, and git-avow only when asked.
fn path(with_avow: bool) -> std::ffi::OsString {
    let system = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = Vec::new();
    if with_avow {
        dirs.push(avow_bin().parent().unwrap().to_path_buf());
    }
    for tool in ["git", "setsid", "ssh-keygen", "ssh-add"] {
        if let Some(d) = std::env::split_paths(&system).find(|d| d.join(tool).is_file()) {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    std::env::join_paths(dirs).unwrap()
}

/// Runs `git avow doctor` in `dir` with git-avow on PATH (or not) and
/// returns its exit code and output with paths, fingerprints and the git
/// version replaced.
fn doctor_in(w: &World, dir: &Path, with_avow: bool) -> (i32, String) {
    doctor_unset(w, dir, with_avow, &[])
}

/// [`doctor_in`] with environment variables removed (the hermetic helper
/// gives git an identity in `GIT_AUTHOR_*`/`GIT_COMMITTER_*`).
fn doctor_unset(w: &World, dir: &Path, with_avow: bool, unset: &[&str]) -> (i32, String) {
    let mut c = w.command("setsid");
    c.current_dir(dir).arg("-w").arg(avow_bin()).arg("doctor").env("PATH", path(with_avow));
    for var in unset {
        c.env_remove(var);
    }
    let r = Run::from(c.output().unwrap());
    assert_eq!(r.stderr, "", "doctor reports on stdout");
    let mut out = r
        .stdout
        .replace(&w.path().display().to_string(), "<repo>")
        .replace(&w.scratch().display().to_string(), "<scratch>")
        .replace(&avow_bin().parent().unwrap().display().to_string(), "<bin>");
    out = out
        .split_inclusive(['\n', ' '])
        .map(|word| {
            let end = word.len() - word.trim_end_matches(['\n', ' ', ',']).len();
            let (core, rest) = word.split_at(word.len() - end);
            if core.starts_with("SHA256:") {
                format!("<fpr>{rest}")
            } else if core.starts_with("AAAA") {
                format!("<key>{rest}")
            } else {
                word.to_owned()
            }
        })
        .collect();
    let out = out
        .lines()
        .map(|l| if l.starts_with("ok    git: git version ") { "ok    git: <version>" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    (r.code, out + "\n")
}

/// The hook lines (not their fixes) of `git avow doctor`.
pub fn hook_lines(w: &World) -> Vec<String> {
    hook_lines_of(&w.avow(["doctor"]).stdout)
}

/// Runs, as printed, every `git avow install --hook …` fix doctor names
/// (the hooks a hook manager does not run: post-rewrite, post-applypatch);
/// returns them.
pub fn follow_install_fixes(w: &World) -> Vec<String> {
    let out = w.avow(["doctor"]).stdout;
    let fixes: Vec<String> = out
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("fix: "))
        .flat_map(quoted_commands)
        .filter(|c| c.starts_with("git avow install --hook "))
        .collect();
    for fix in &fixes {
        let r: Run = w.shell(fix).output().unwrap().into();
        r.expect(0);
    }
    fixes
}

fn hook_lines_of(out: &str) -> Vec<String> {
    out.lines().filter(|l| l.contains(" hook ") && !l.starts_with(' ')).map(str::to_owned).collect()
}

fn doctor(w: &World) -> (i32, String) {
    doctor_in(w, &w.path(), true)
}

#[test]
fn all_good_in_an_adopted_repository() {
    let w = World::adopted("disclose");
    let (code, out) = doctor(&w);
    assert_eq!(
        out,
        "ok    git: <version>\n\
         ok    git-avow: <bin>/git-avow is on PATH\n\
         ok    identity: Alice Example <alice@example.org>\n\
         ok    hook commit-msg: avow's\n\
         ok    hook prepare-commit-msg: avow's\n\
         ok    hook post-rewrite: avow's\n\
         ok    hook post-applypatch: avow's\n\
         ok    signing key: <fpr> from avow.signingKey (<scratch>/alice), signing from the key file\n\
         ok    keyring: <fpr> belongs to Alice Example <alice@example.org> (maintainer)\n\
         ok    policy: .avow/policy.toml accepts human, assisted, generated\n\
         -     allowed_signers: gpg.ssh.allowedSignersFile is not set (optional: lets `ssh-keygen -Y verify` and git check signatures)\n\
         avow doctor: all good\n"
    );
    assert_eq!(code, 0);
}

#[test]
fn a_fresh_repository_lists_every_problem_with_its_fix() {
    let w = World::bare();
    w.git(["config", "--unset", "avow.signingKey"]);
    let (code, out) = doctor_in(&w, &w.path(), false);
    assert_eq!(
        out,
        "ok    git: <version>\n\
         warn  git-avow: not on PATH, so `git avow …`, the scripts in hooks/ and the pre-commit hooks cannot find it (hooks from `git avow install` use this binary's path)\n\
         \x20     fix: install it with `cargo install --path .` in avow's repository, or add its directory to PATH\n\
         ok    identity: Alice Example <alice@example.org>\n\
         FAIL  hooks: none of commit-msg, prepare-commit-msg is in <repo>/.git/hooks; commits will not be attested\n\
         \x20     fix: `git avow install`, or run `git avow hook …` from your hook manager (docs/integrations.md)\n\
         FAIL  signing key: no SSH signing key found (no avow.signingKey, no agent, no ~/.ssh/id_ed25519)\n\
         \x20     fix: create one with `ssh-keygen -t ed25519` or point to yours with `git config avow.signingKey ~/.ssh/KEY`\n\
         FAIL  keyring: .avow/keyring.toml does not exist: this repository has not adopted avow\n\
         \x20     fix: a maintainer runs `git avow init` and commits .avow/\n\
         -     allowed_signers: gpg.ssh.allowedSignersFile is not set (optional: lets `ssh-keygen -Y verify` and git check signatures)\n\
         avow doctor: 3 problems to fix\n"
    );
    assert_eq!(code, 1);
}

/// Only the lines of `out` that are not `ok`, with their fixes.
fn problems(out: &str) -> String {
    let mut keep = String::new();
    let mut on = false;
    for l in out.lines() {
        if !l.starts_with(' ') {
            on = !l.starts_with("ok ") && !l.starts_with("- ");
        }
        if on {
            keep.push_str(l);
            keep.push('\n');
        }
    }
    keep
}

#[test]
fn a_key_missing_from_the_keyring_says_what_to_send_the_maintainer() {
    let w = World::adopted("disclose");
    let other = w.keygen("laptop");
    w.git(["config", "avow.signingKey", other.to_str().unwrap()]);
    let (code, out) = doctor(&w);
    assert_eq!(
        problems(&out),
        "FAIL  keyring: your key <fpr> is not in .avow/keyring.toml, so the verifier will reject your commits\n\
         \x20     fix: send your public key to a maintainer, who runs `git avow keyring add --email alice@example.org --key \"ssh-ed25519 <key> laptop\"`\n\
         avow doctor: 1 problem to fix\n"
    );
    assert_eq!(code, 1);
}

#[test]
fn a_revoked_key_and_a_foreign_email_fail() {
    let w = World::adopted("disclose");
    let fpr = w.avow(["keyring", "list", "--format", "json"]).expect(0).stdout;
    let v: serde_json::Value = serde_json::from_str(&fpr).unwrap();
    let fpr = v["people"][0]["keys"][0]["fingerprint"].as_str().unwrap_or_else(|| panic!("{v}")).to_owned();
    w.git(["config", "user.email", "alice@elsewhere.example"]);
    let (code, out) = doctor(&w);
    assert_eq!(
        problems(&out),
        "FAIL  keyring: your key <fpr> belongs to Alice Example <alice@example.org>, but user.email is \"alice@elsewhere.example\"; your commits' author must be the key's owner\n\
         \x20     fix: git config user.email alice@example.org\n\
         avow doctor: 1 problem to fix\n"
    );
    assert_eq!(code, 1);
    w.avow(["keyring", "revoke", &fpr, "--reason", "laptop stolen"]).expect(0);
    let (code, out) = doctor(&w);
    assert!(
        problems(&out).starts_with("FAIL  keyring: your key <fpr> (Alice Example <alice@example.org>) is revoked on "),
        "{out}"
    );
    assert!(problems(&out).ends_with(": laptop stolen\n      fix: create a new key (`ssh-keygen -t ed25519`) and ask a maintainer to add it (`git avow keyring rotate`)\navow doctor: 1 problem to fix\n"), "{out}");
    assert_eq!(code, 1);
}

#[test]
fn a_broken_key_setting_fails_and_a_locked_key_is_not_prompted_for() {
    let w = World::adopted("disclose");
    w.git(["config", "avow.signingKey", "/nonexistent/id_ed25519"]);
    let (code, out) = doctor(&w);
    let p = problems(&out);
    assert!(
        p.starts_with("FAIL  signing key: cannot use the key from avow.signingKey (/nonexistent/id_ed25519): "),
        "{p}"
    );
    // Doctor's own advice does not send its reader to doctor.
    assert!(p.ends_with("      fix: point avow.signingKey at an ed25519, ECDSA or RSA key: make one with `ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519`, then `git config avow.signingKey ~/.ssh/id_ed25519`\navow doctor: 1 problem to fix\n"), "{p}");
    assert_eq!(code, 1);

    let locked = w.keygen_with_passphrase("locked", "secret words");
    w.git(["config", "avow.signingKey", locked.to_str().unwrap()]);
    let (_, out) = doctor(&w);
    assert!(
        out.contains("\nok    signing key: <fpr> from <scratch>/locked, passphrase-protected (the hook asks for it)\n"),
        "{out}"
    );
}

#[test]
fn disabled_hooks_and_foreign_hooks_fail() {
    let w = World::adopted("disclose");
    w.git(["config", "avow.enabled", "false"]);
    let (code, out) = doctor(&w);
    assert_eq!(
        problems(&out),
        "FAIL  hooks: avow.enabled is false, so the hooks do nothing\n\
         \x20     fix: git config --unset avow.enabled\n\
         avow doctor: 1 problem to fix\n"
    );
    assert_eq!(code, 1);
    w.git(["config", "--unset", "avow.enabled"]);
    w.avow(["uninstall"]).expect(0);
    std::fs::write(w.path().join(".git/hooks/commit-msg"), "#!/bin/sh\nexit 0\n").unwrap();
    let (code, out) = doctor(&w);
    assert_eq!(
        problems(&out),
        format!(
        "FAIL  hook commit-msg: <repo>/.git/hooks/commit-msg is not executable, so git skips it; commits will not be attested\n\
         \x20     fix: `git avow install` (it keeps and chains a hook that is there), or run `git avow hook commit-msg` from your hook manager (docs/integrations.md)\n\
         warn  hook prepare-commit-msg: no prepare-commit-msg hook in <repo>/.git/hooks\n\
         \x20     fix: `git avow install` (it keeps and chains a hook that is there), or run `git avow hook prepare-commit-msg` from your hook manager (docs/integrations.md)\n\
         {POST_REWRITE_MISSING}\
         {POST_APPLYPATCH_MISSING}\
         avow doctor: 1 problem to fix\n")
    );
    assert_eq!(code, 1);
    // Once installed, the user's hook is chained and doctor says so.
    w.avow(["install"]).expect(0);
    let (code, out) = doctor(&w);
    assert!(
        out.contains("\nok    hook commit-msg: avow's, after your own <repo>/.git/hooks/commit-msg.avow-chained\n"),
        "{out}"
    );
    assert_eq!(code, 0);
}

/// Doctor's lines for a missing post-rewrite and post-applypatch hook,
/// each with its fix.
const POST_REWRITE_MISSING: &str = "warn  hook post-rewrite: no post-rewrite hook in <repo>/.git/hooks; after a rebase that changes your commits' changes (a conflict resolved), nothing re-signs them or names `git avow reattest`\n\
     \x20     fix: `git avow install --hook post-rewrite` (it keeps and chains a hook that is there, and adds only this one beside a hook manager), or run `git avow hook post-rewrite` from your hook manager (docs/integrations.md)\n";
const POST_APPLYPATCH_MISSING: &str = "warn  hook post-applypatch: no post-applypatch hook in <repo>/.git/hooks; after `git am` with conflicts, nothing names `git avow reattest` for the changed commits\n\
     \x20     fix: `git avow install --hook post-applypatch` (it keeps and chains a hook that is there, and adds only this one beside a hook manager), or run `git avow hook post-applypatch` from your hook manager (docs/integrations.md)\n";

/// A repository set up before avow wrote post-rewrite and post-applypatch
/// (or one where they were removed): doctor warns about each, and its fix,
/// typed as printed, installs them; the rebase that follows a conflict
/// then names the command that re-signs.
#[test]
fn missing_post_rewrite_and_post_applypatch_hooks_are_named_and_fixed() {
    let w = World::adopted("disclose");
    for hook in ["post-rewrite", "post-applypatch"] {
        std::fs::remove_file(w.path().join(".git/hooks").join(hook)).unwrap();
    }
    let (code, out) = doctor(&w);
    assert_eq!(
        problems(&out),
        format!("{POST_REWRITE_MISSING}{POST_APPLYPATCH_MISSING}avow doctor: no problems, 2 warnings\n")
    );
    assert_eq!(code, 0, "warnings only: commits are still attested");
    let fixes: Vec<String> = problems(&out)
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("fix: "))
        .flat_map(quoted_commands)
        .filter(|c| c.starts_with("git avow install"))
        .collect();
    assert_eq!(fixes, ["git avow install --hook post-rewrite", "git avow install --hook post-applypatch"]);
    for fix in &fixes {
        let r: Run = w.shell(fix).output().unwrap().into();
        r.expect(0);
    }
    let (code, out) = doctor(&w);
    assert_eq!(problems(&out), "avow doctor: all good\n");
    assert_eq!(code, 0);
    // The installed post-rewrite speaks after a rebase that changed a commit.
    w.change("f.txt", "one\n", "Add f");
    w.git(["switch", "-q", "-c", "topic"]);
    w.change("f.txt", "one, topic\n", "Change f on topic");
    w.git(["switch", "-q", "main"]);
    w.change("f.txt", "one, main\n", "Change f on main");
    w.git(["switch", "-q", "topic"]);
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0);
    w.write("f.txt", "one, both\n");
    w.git(["add", "f.txt"]);
    let r = w.git_notty(["rebase", "--continue"]).expect(0);
    assert!(r.stderr.contains("git avow reattest "), "{}", r.stderr);
}

#[test]
fn hooks_run_by_husky_count_when_they_call_avow() {
    let w = World::adopted("disclose");
    w.avow(["uninstall"]).expect(0);
    // husky 9's layout: core.hooksPath=.husky/_ whose scripts run .husky/NAME.
    w.git(["config", "core.hooksPath", ".husky/_"]);
    for hook in ["commit-msg", "prepare-commit-msg", "post-commit"] {
        w.write(&format!(".husky/_/{hook}"), "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n");
        std::process::Command::new("chmod").arg("+x").arg(w.path().join(format!(".husky/_/{hook}"))).status().unwrap();
    }
    w.write(".husky/commit-msg", "git avow hook commit-msg \"$1\"\n");
    w.write(".husky/prepare-commit-msg", "git avow hook prepare-commit-msg \"$@\"\n");
    w.write(".husky/post-commit", "npm test\n");
    let (code, out) = doctor(&w);
    assert_eq!(
        hook_lines_of(&out),
        [
            "ok    hook commit-msg: run by husky (.husky/commit-msg)",
            "ok    hook prepare-commit-msg: run by husky (.husky/prepare-commit-msg)",
            "warn  hook post-rewrite: no post-rewrite hook in <repo>/.husky/_; after a rebase that changes your commits' changes (a conflict resolved), nothing re-signs them or names `git avow reattest`",
            "warn  hook post-applypatch: no post-applypatch hook in <repo>/.husky/_; after `git am` with conflicts, nothing names `git avow reattest` for the changed commits",
        ]
    );
    assert_eq!(code, 0);
}

#[test]
fn allowed_signers_file_must_list_the_key_when_set() {
    let w = World::adopted("disclose");
    let file = w.scratch().join("allowed_signers");
    std::fs::write(&file, "").unwrap();
    w.git(["config", "gpg.ssh.allowedSignersFile", file.to_str().unwrap()]);
    let (code, out) = doctor(&w);
    assert_eq!(
        problems(&out),
        "warn  allowed_signers: <scratch>/allowed_signers does not list your key <fpr>\n\
         \x20     fix: git avow keyring export --allowed-signers -o <scratch>/allowed_signers\n\
         avow doctor: no problems, 1 warning\n"
    );
    assert_eq!(code, 0);
    w.avow(["keyring", "export", "--allowed-signers", "-o", file.to_str().unwrap()]).expect(0);
    let (code, out) = doctor(&w);
    assert!(out.contains("\nok    allowed_signers: <scratch>/allowed_signers (1 entry)\n"), "{out}");
    assert_eq!(code, 0);
}

#[test]
fn outside_a_repository_the_machine_checks_still_run() {
    let w = World::bare();
    let (code, out) = doctor_in(&w, &w.scratch(), true);
    assert_eq!(
        out,
        format!(
            "ok    git: <version>\n\
             ok    git-avow: <bin>/git-avow is on PATH\n\
             FAIL  repository: not a git repository: <scratch>\n\
             \x20     fix: run this inside a git repository (or create one with `git init`)\n\
             avow doctor: 1 problem to fix\n"
        )
    );
    assert_eq!(code, 1);
}

#[test]
fn a_missing_email_and_a_broken_keyring_fail() {
    let w = World::adopted("disclose");
    w.git(["config", "--unset", "user.email"]);
    w.write(".avow/keyring.toml", "[[person]\n");
    let unset = ["GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL", "EMAIL"];
    let (code, out) = doctor_unset(&w, &w.path(), true, &unset);
    let p = problems(&out);
    let lines: Vec<&str> = p.lines().collect();
    assert_eq!(lines[0], "FAIL  identity: user.email is not set");
    assert_eq!(lines[1], "      fix: set it with `git config user.email you@example.org`");
    assert!(lines[2].starts_with("FAIL  keyring: "), "{p}");
    assert!(lines[2].contains(".avow/keyring.toml"), "{p}");
    assert_eq!(lines[3], "      fix: fix .avow/keyring.toml (docs/keyring.md)");
    assert_eq!(lines[4], "avow doctor: 2 problems to fix");
    assert_eq!(code, 1);
}

#[test]
fn hooks_whose_binary_is_gone_fail_until_reinstalled() {
    let w = World::adopted("disclose");
    let hooks = w.path().join(".git/hooks");
    for hook in ["commit-msg", "prepare-commit-msg"] {
        let path = hooks.join(hook);
        let text = std::fs::read_to_string(&path).unwrap();
        // git runs the binary of the hook's `#!` line directly.
        let moved = text.replace(&format!("#!{} hook-direct", avow_bin().display()), "#!/gone/git-avow hook-direct");
        assert_ne!(moved, text);
        std::fs::write(&path, moved).unwrap();
    }
    for on_path in [false, true] {
        let (code, out) = doctor_in(&w, &w.path(), on_path);
        let failing = hook_lines_of(&problems(&out));
        assert_eq!(
            failing,
            [
                "FAIL  hook commit-msg: <repo>/.git/hooks/commit-msg runs /gone/git-avow, which is gone, and git runs it directly (git-avow on PATH does not stand in); commits will not be attested",
                "warn  hook prepare-commit-msg: <repo>/.git/hooks/prepare-commit-msg runs /gone/git-avow, which is gone, and git runs it directly (git-avow on PATH does not stand in)",
            ]
        );
        assert_eq!(code, 1);
    }
    // The hint, followed literally: `git avow install` rewrites the hooks.
    assert!(std::fs::read_to_string(hooks.join("commit-msg")).unwrap().contains("/gone/"));
    w.avow(["install"]).expect(0);
    let (code, out) = doctor_in(&w, &w.path(), false);
    assert_eq!(hook_lines_of(&problems(&out)), Vec::<String>::new(), "{out}");
    assert_eq!(code, 0);
}

#[test]
fn a_key_trusted_only_in_the_work_tree_fails_against_the_upstream() {
    let w = World::adopted("disclose");
    w.remote("origin");
    let (code, out) = doctor(&w);
    assert!(
        out.contains("\nok    trusted keyring: <fpr> is in origin/main's .avow/keyring.toml, which CI trusts\n"),
        "{out}"
    );
    assert_eq!(code, 0);
    // A second key, added to the keyring on this branch only.
    let laptop = w.keygen("laptop");
    let pubkey = format!("{}.pub", laptop.display());
    w.avow(["keyring", "add", "--name", AUTHOR_NAME, "--email", AUTHOR_EMAIL, "--key", &pubkey]).expect(0);
    w.git(["config", "avow.signingKey", laptop.to_str().unwrap()]);
    let (code, out) = doctor(&w);
    assert_eq!(
        problems(&out),
        "FAIL  trusted keyring: <fpr> is not in origin/main's .avow/keyring.toml, which `git avow verify origin/main..HEAD` trusts\n\
         \x20     fix: ask a maintainer to add your key on the main branch; a key added only in your own branch is not trusted\n\
         avow doctor: 1 problem to fix\n"
    );
    assert_eq!(code, 1);
}

/// A typo in the work tree's policy refuses every commit; doctor names the
/// file, line and field with the hook's own hint, and a deleted policy
/// with the command that restores it, which works as printed.
#[test]
fn a_broken_or_missing_policy_is_a_problem_with_its_fix() {
    let w = World::adopted("disclose");
    let policy = w.path().join(".avow/policy.toml");
    let good = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, good.replace("merges = \"skip\"", "merge = \"skip\"")).unwrap();
    let line = |out: &str| out.lines().skip_while(|l| !l.contains(" policy: ")).take(2).collect::<Vec<_>>().join("\n");
    let (code, out) = doctor(&w);
    assert_eq!(code, 1);
    assert_eq!(
        line(&out),
        "FAIL  policy: .avow/policy.toml:9: merge: unknown field; expected one of version, merges, understood-by, binding, understood-by-name, unsigned-statement, keys, authorship, markers, adoption, exempt, dco, rationale, size, path, newcomer\n\
         \x20     fix: fix .avow/policy.toml (docs/policy.md describes every field)"
    );
    // The hook refuses a commit with the same words.
    let r = w.commit(&[&["--allow-empty", "-m", "Nothing yet"][..], &HUMAN].concat());
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("git-avow: error: .avow/policy.toml:9: merge: unknown field"), "{}", r.stderr);
    std::fs::remove_file(&policy).unwrap();
    let (code, out) = doctor(&w);
    assert_eq!(code, 1);
    assert_eq!(
        line(&out),
        "FAIL  policy: .avow/policy.toml does not exist, and verify needs it beside the keyring\n\
         \x20     fix: restore it from git: `git checkout HEAD -- .avow/policy.toml`"
    );
    let fix = quoted_commands(&out);
    assert_eq!(fix, ["git checkout HEAD -- .avow/policy.toml"]);
    let done: Run = w.shell(&fix[0]).output().unwrap().into();
    done.expect(0);
    let (code, out) = doctor(&w);
    assert_eq!(
        (code, line(&out).lines().next().unwrap()),
        (0, "ok    policy: .avow/policy.toml accepts human, assisted, generated")
    );
}
