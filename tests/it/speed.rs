//! The fast paths — the tree-binding shortcut, the verification cache and
//! parallel verification — never accept what the slow path refuses: the
//! same ranges of good and tampered commits give the same output in every
//! mode. And the cache's own rules: keyed by the trust state, a damaged
//! file is ignored with a warning, an unusable directory is an error.

use std::path::Path;

use crate::support::*;

/// A topic branch from `base` with good and tampered commits, and the
/// same branch rebased onto `base2` (so no tree binding matches there).
fn mixed_history() -> World {
    let w = World::adopted("disclose");
    w.git(["checkout", "-q", "-b", "topic"]);
    w.change("good.txt", "good\n", "Add a good file");
    let good = w.trailer("HEAD", "Avow-Signature").unwrap();
    let good_digest = good.split(' ').find_map(|f| f.strip_prefix("c=")).unwrap().to_owned();
    // The rationale edited after signing (the trees still match the binding).
    w.change("msg.txt", "msg\n", "Add a message file");
    w.tamper_message(|m| m.replace("small and reviewed", "tiny and reviewed"));
    // The diff edited after signing.
    w.change("diff.txt", "diff\n", "Add a diff file");
    w.write("diff.txt", "diff, edited after signing\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--amend", "--no-verify", "--no-edit"]);
    // The signed change digest replaced by another commit's (binding
    // untouched).
    w.change("digest.txt", "digest\n", "Add a digest file");
    w.tamper_message(|m| {
        let at = m.find(" c=").unwrap() + 3;
        let end = at + m[at..].find(' ').unwrap();
        format!("{}{good_digest}{}", &m[..at], &m[end..])
    });
    // Another commit's trailers copied onto a new change.
    let copied = w.message("topic~3");
    w.write("copy.txt", "copy\n");
    w.git(["add", "-A"]);
    let f = w.scratch().join("copied");
    std::fs::write(&f, copied).unwrap();
    w.git(["commit", "-q", "--no-verify", "-F", f.to_str().unwrap()]);
    w.change("last.txt", "last\n", "Add a last file");
    w.git(["tag", "before-rebase"]);
    // Upstream moves on; the topic is rebased onto it.
    w.git(["checkout", "-q", "-b", "upstream", "base"]);
    w.change("upstream.txt", "upstream\n", "Add an upstream file");
    w.git(["tag", "base2"]);
    w.git(["checkout", "-q", "topic"]);
    w.git(["-c", "core.hooksPath=/dev/null", "rebase", "-q", "base2"]);
    w
}

/// Runs git-avow with extra environment variables.
fn avow_env(w: &World, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = w.repo.command("setsid");
    c.arg("-w").arg(avow_bin()).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run git-avow").into()
}

/// A mode: its name, environment variables and extra arguments.
type Mode<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);

/// Every mode's exit code and stdout for `range`, named.
fn all_modes(w: &World, range: &str) -> Vec<(String, Run)> {
    let cache = w.scratch().join("cache");
    let cache_arg = format!("--cache={}", cache.display());
    let modes: [Mode<'_>; 6] = [
        ("default", vec![], vec![]),
        ("no fast path", vec![], vec!["--no-fast-path"]),
        ("one thread", vec![("RAYON_NUM_THREADS", "1")], vec![]),
        ("cache, cold", vec![], vec![&cache_arg]),
        ("cache, warm", vec![], vec![&cache_arg]),
        ("cache from the environment, one thread", vec![("RAYON_NUM_THREADS", "1")], vec![]),
    ];
    let env_dir = cache.display().to_string();
    modes
        .into_iter()
        .map(|(name, mut env, extra)| {
            if name.starts_with("cache from the environment") {
                env.push(("AVOW_CACHE_DIR", env_dir.as_str()));
            }
            let mut args = vec!["verify", range];
            args.extend(extra);
            (name.to_owned(), avow_env(w, &env, &args))
        })
        .collect()
}

#[track_caller]
fn same_in_every_mode(w: &World, range: &str, rejected: usize) {
    let runs = all_modes(w, range);
    let (_, first) = &runs[0];
    assert_eq!(first.code, 1, "{}", first.stdout);
    let summary = first.stdout.lines().last().unwrap();
    assert!(summary.contains(&format!(", {rejected} rejected")), "{summary}");
    for (name, run) in &runs {
        assert_eq!(run.code, first.code, "{name}: {}", run.stderr);
        assert_eq!(run.stdout, first.stdout, "{name} differs from the default mode");
        assert_eq!(run.stderr, "", "{name}");
    }
}

#[test]
fn tampered_commits_are_refused_in_every_mode() {
    let w = mixed_history();
    // Trees as signed: the fast path applies to every commit whose binding matches.
    same_in_every_mode(&w, "base..before-rebase", 4);
    // Rebased: every change digest recomputed.
    same_in_every_mode(&w, "base2..topic", 4);
}

#[test]
fn the_cache_keeps_only_commits_whose_signature_verified() {
    let w = mixed_history();
    let cache = w.scratch().join("cache");
    let arg = format!("--cache={}", cache.display());
    w.avow(["verify", "base..before-rebase", &arg]).expect(1);
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let mut cached: Vec<String> = text.lines().skip(1).map(|l| l.split(' ').next().unwrap().to_owned()).collect();
    cached.sort();
    // The good commit and the last one; every tampered commit fails
    // before or at the signature check and is not kept.
    let mut expected = vec![w.git(["rev-parse", "before-rebase~5"]), w.git(["rev-parse", "before-rebase"])];
    expected.sort();
    assert_eq!(cached, expected);
}

fn cache_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

/// A repository with two attested commits, verified once into a cache.
fn cached_world() -> (World, String) {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    let arg = format!("--cache={}", w.scratch().join("cache").display());
    w.avow(["verify", "base..HEAD", &arg]).expect(0);
    (w, arg)
}

#[test]
fn a_damaged_cache_file_is_ignored_with_a_warning_and_rewritten() {
    let (w, arg) = cached_world();
    let clean = w.verify("base..HEAD").expect(0);
    let file = cache_files(&w.scratch().join("cache")).remove(0);
    let text = std::fs::read_to_string(&file).unwrap();
    // One changed digit of a commit id: the line's checksum no longer fits.
    let damaged = text.replacen(" SHA256:", "0 SHA256:", 1);
    std::fs::write(&file, &damaged).unwrap();
    let r = w.avow(["verify", "base..HEAD", &arg]).expect(0);
    assert_eq!(r.stdout, clean.stdout);
    assert_eq!(
        r.stderr.replace(&file.display().to_string(), "FILE"),
        "avow: warning: ignoring the damaged verification cache FILE (line 2); it is rebuilt from this run\n"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "rewritten as it was");
    let r = w.avow(["verify", "base..HEAD", &arg]).expect(0);
    assert_eq!((r.stdout, r.stderr), (clean.stdout, String::new()));
}

#[test]
fn a_cache_of_another_trust_state_is_not_used() {
    let (w, arg) = cached_world();
    // The maintainer revokes the key that signed both commits; trusting
    // that revision, the commits fail although the cache knows them.
    let fpr = w.avow(["keyring", "list"]).expect(0).stdout;
    let fpr = fpr.split_whitespace().find(|t| t.starts_with("SHA256:")).unwrap().to_owned();
    w.avow(["keyring", "revoke", &fpr, "--reason", "laptop stolen"]).expect(0);
    w.repo.git(["add", ".avow"]);
    // A maintainer attests the change, so the trust chain from the base holds.
    w.commit(&[&["-m", "Revoke"][..], &HUMAN[..]].concat()).expect(0);
    let uncached = w.avow(["verify", "base..HEAD~1", "--trust", "HEAD"]).expect(1);
    let cached = w.avow(["verify", "base..HEAD~1", "--trust", "HEAD", &arg]).expect(1);
    assert_eq!(cached.stdout, uncached.stdout);
    assert!(cached.stdout.contains("[signature.key-status]"), "{}", cached.stdout);
    assert_eq!(cache_files(&w.scratch().join("cache")).len(), 2, "one file per trust state");
    // The policy counts too: a changed policy gets its own file.
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    w.write(".avow/policy.toml", policy.replace("min-length = 20", "min-length = 25"));
    w.repo.git(["add", ".avow"]);
    // A maintainer attests the change, so the trust chain from the base holds.
    w.commit(&[&["-m", "Policy"][..], &HUMAN[..]].concat()).expect(0);
    w.avow(["verify", "base..HEAD~2", "--trust", "HEAD", &arg]).expect(1);
    assert_eq!(cache_files(&w.scratch().join("cache")).len(), 3);
}

#[test]
fn no_cache_overrides_the_environment() {
    let (w, _) = cached_world();
    let dir = w.scratch().join("env-cache");
    let env = [("AVOW_CACHE_DIR", dir.to_str().unwrap())];
    avow_env(&w, &env, &["verify", "base..HEAD", "--no-cache"]).expect(0);
    assert!(!dir.exists());
    avow_env(&w, &env, &["verify", "base..HEAD"]).expect(0);
    assert_eq!(cache_files(&dir).len(), 1);
}

#[test]
fn the_default_cache_lives_in_the_git_dir() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.avow(["verify", "base..HEAD", "--cache"]).expect(0);
    assert_eq!(cache_files(&w.path().join(".git/avow/cache")).len(), 1);
}

#[test]
fn an_unusable_cache_directory_is_an_error() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    let file = w.scratch().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let r = w.avow(["verify", "base..HEAD", &format!("--cache={}", file.display())]).expect(2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr.replace(&file.display().to_string(), "PATH"),
        "git-avow: error: cannot use the verification cache directory PATH: File exists (os error 17)\n\
         hint: point --cache=DIR (or AVOW_CACHE_DIR) at a writable directory, or pass --no-cache\n"
    );
}

#[test]
fn an_unwritable_cache_only_warns() {
    let (w, arg) = cached_world();
    w.change("c.txt", "c\n", "Add c");
    let clean = w.verify("base..HEAD").expect(0);
    // A file-size limit of 0 makes writing the cache fail (for root too);
    // SIGXFSZ ignored, so the write returns an error instead of killing.
    let mut c = w.repo.command("setsid");
    c.args(["-w", "sh", "-c", "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\""]).arg(avow_bin()).args([
        "verify",
        "base..HEAD",
        &arg,
    ]);
    let r: Run = c.output().unwrap().into();
    let r = r.expect(0);
    assert_eq!(r.stdout, clean.stdout);
    let dir = w.scratch().join("cache").display().to_string();
    let stderr = r.stderr.replace(&dir, "DIR");
    let file = stderr.split_whitespace().find(|t| t.starts_with("DIR/")).unwrap_or("DIR/?").trim_end_matches(':');
    assert_eq!(
        stderr.replace(file, "DIR/KEY.v2"),
        "avow: warning: cannot write the verification cache DIR/KEY.v2: File too large (os error 27); the next run checks these commits again\n"
    );
}

/// Runs `git commit` with hooks, no terminal, and `editor` as the editor.
fn commit_with_editor(w: &World, editor: &Path, args: &[&str]) -> Run {
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "commit", "-q"]).args(args).env("GIT_EDITOR", editor);
    c.output().unwrap().into()
}

#[test]
fn the_lean_hook_scripts_still_chain_and_guide() {
    let w = World::adopted("disclose");
    let seen = w.scratch().join("seen");
    let editor = w.scratch().join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\ncp \"$1\" '{}'\nprintf 'Add b\\n\\nAuthorship: human\\nRationale: The editor wrote this rationale so the hook can sign the change.\\n' > \"$1\"\n",
            seen.display()
        ),
    )
    .unwrap();
    let log = w.scratch().join("chained.log");
    let own = w.path().join(".git/hooks/prepare-commit-msg.own");
    std::fs::write(&own, format!("#!/bin/sh\necho \"$2\" >> '{}'\n", log.display())).unwrap();
    for f in [&editor, &own] {
        let mut perms = std::fs::metadata(f).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(f, perms).unwrap();
    }
    // An existing hook of the user's, installed before avow: avow chains it.
    w.avow(["uninstall"]).expect(0);
    std::fs::rename(&own, w.path().join(".git/hooks/prepare-commit-msg")).unwrap();
    w.avow(["install"]).expect(0);
    // With -m avow has nothing to add and is not started; the chained hook runs.
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    commit_with_editor(
        &w,
        &editor,
        &[
            "-m",
            "Add a",
            "--trailer",
            "Authorship: human",
            "--trailer",
            "Rationale: The message came from -m, so no guidance was needed here.",
        ],
    )
    .expect(0);
    assert!(!seen.exists(), "no editor for -m");
    // With the editor, the guidance is there and the chained hook ran too.
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    commit_with_editor(&w, &editor, &[]).expect(0);
    let shown = std::fs::read_to_string(&seen).unwrap();
    assert!(shown.contains("# avow: end the message with your attestation, in your own words:\n"), "{shown}");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "message\n\n");
    w.verify("base..HEAD").expect(0);
}

/// Verdicts come out in range order however the pool's threads finish the
/// signature batches: attested and unattested commits spread over three
/// batches (64 commits each), JSON and human output alike.
#[test]
fn verdicts_come_in_range_order_across_batches() {
    let w = World::adopted("disclose");
    let attested = |i: usize| i % 50 == 7;
    for i in 0..150 {
        if attested(i) {
            w.change(&format!("f{i}.txt"), "x\n", &format!("Add file {i}"));
        } else {
            w.git(["commit", "-q", "--no-verify", "--allow-empty", "-m", &format!("Unattested {i}")]);
        }
    }
    let ids: Vec<String> =
        w.git(["rev-list", "--reverse", "--topo-order", "base..HEAD"]).lines().map(str::to_owned).collect();
    assert_eq!(ids.len(), 150);
    let r = w.avow(["verify", "base..HEAD", "--format", "json"]).expect(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let commits = v["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 150);
    for (i, (c, id)) in commits.iter().zip(&ids).enumerate() {
        assert_eq!(c["commit"], id.as_str(), "{i}");
        assert_eq!(c["verdict"], if attested(i) { "accepted" } else { "rejected" }, "{i}");
    }
    // However many threads verify the three batches — the calling one
    // alone, or more threads than batches — the same reports come out, in
    // the same order.
    for n in ["1", "2", "5"] {
        let run = avow_env(&w, &[("RAYON_NUM_THREADS", n)], &["verify", "base..HEAD", "--format", "json"]);
        assert_eq!((run.code, &run.stdout), (1, &r.stdout), "{n} threads: {}", run.stderr);
    }
    let human = w.avow(["verify", "base..HEAD"]).expect(1).stdout;
    let shown: Vec<&str> =
        human.lines().filter_map(|l| l.split_whitespace().nth(1)).filter(|s| s.len() == 12).collect();
    let short: Vec<&str> = ids.iter().map(|id| &id[..12]).collect();
    assert_eq!(shown, short);
}

/// avow's own pack reader (used for large packs; `AVOW_PACK_READER=avow`
/// uses it for every pack) gives exactly libgit2's output, with objects
/// both in a pack (deltas included) and loose.
#[test]
fn avows_pack_reader_changes_no_output() {
    let w = mixed_history();
    w.git(["repack", "-adq", "--depth=20"]);
    // One more commit, left loose: read by libgit2 beside the reader.
    w.change("after.txt", "after\n", "Add a file after packing");
    for range in ["base..before-rebase", "base2..topic"] {
        for format in ["human", "json"] {
            let args = ["verify", range, "--format", format];
            let ours = avow_env(&w, &[("AVOW_PACK_READER", "avow")], &args);
            let theirs = avow_env(&w, &[("AVOW_PACK_READER", "libgit2")], &args);
            assert_eq!(ours.code, 1, "{}", ours.stderr);
            assert_eq!((ours.code, &ours.stdout, &ours.stderr), (theirs.code, &theirs.stdout, &theirs.stderr));
        }
    }
}

#[test]
fn verdicts_and_the_reuse_rule_hold_while_the_walk_runs_and_after_a_merge() {
    // `verify` verifies a linear range's last commits while it is still
    // walking towards the base, and hands their reports out after the
    // others; a merge on the way makes it walk again with libgit2. Either
    // way: range order, and a rationale first given before the commits
    // verified ahead is reused by one among them.
    let w = World::adopted("disclose");
    let reused = |subject: &str| {
        let rationale = "Rationale: Keep the fixture in step with the parser, as the release notes promise users.";
        w.repo.write(&format!("{subject}.txt"), "x\n");
        w.git(["add", "-A"]);
        w.commit(&["-m", subject, "--trailer", "Authorship: human", "--trailer", rationale]).expect(0);
        w.git(["rev-parse", "HEAD"])
    };
    let empty = |i: usize| w.git(["commit", "-q", "--no-verify", "--allow-empty", "-m", &format!("Unattested {i}")]);
    let check = |first: &str, later: &str| {
        let ids: Vec<String> =
            w.git(["rev-list", "--reverse", "--topo-order", "base..HEAD"]).lines().map(str::to_owned).collect();
        let r = w.avow(["verify", "base..HEAD", "--format", "json"]).expect(1);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let commits = v["commits"].as_array().unwrap();
        let shown: Vec<&str> = commits.iter().map(|c| c["commit"].as_str().unwrap()).collect();
        assert_eq!(shown, ids);
        for c in commits {
            let problems = c["problems"].to_string();
            let id = c["commit"].as_str().unwrap();
            // The policy skips the clean merge.
            let expected = match id {
                _ if c["subject"] == "Merge side" => "skipped",
                _ if id == first => "accepted",
                _ => "rejected",
            };
            assert_eq!(c["verdict"], expected, "{id}: {problems}");
            assert_eq!(id == later, problems.contains("same rationale"), "{id}: {problems}");
            if id == later {
                assert!(problems.contains(&first[..12]), "{problems}");
            }
        }
    };
    for i in 0..3 {
        empty(i);
    }
    let first = reused("first");
    for i in 3..40 {
        empty(i);
    }
    let later = reused("later");
    for i in 40..140 {
        empty(i);
    }
    // 142 commits: the last 128, two batches, are verified while the walk
    // goes on; the reuse is found in the earlier of them.
    check(&first, &later);
    // A merge, then 70 commits: the walk meets the merge after verifying
    // 64 commits ahead and starts again.
    w.git(["branch", "side", "HEAD~2"]);
    w.git(["checkout", "-q", "side"]);
    empty(1000);
    w.git(["checkout", "-q", "-"]);
    w.git(["merge", "-q", "--no-verify", "--no-ff", "-m", "Merge side", "side"]);
    for i in 140..210 {
        empty(i);
    }
    check(&first, &later);
}
