//! Attestations survive the history operations that keep the change.

use crate::support::*;

fn two_branches() -> World {
    let w = World::adopted("disclose");
    w.git(["checkout", "-q", "-b", "feature"]);
    w.change("feature.txt", "feature work\n", "Add the feature");
    w.change("feature.txt", "feature work\nmore\n", "Extend the feature");
    w.git(["checkout", "-q", "main"]);
    w.change("main.txt", "main moves on\n", "Unrelated main work");
    w.git(["checkout", "-q", "feature"]);
    w
}

#[test]
fn rebase_keeps_attestations_valid() {
    let w = two_branches();
    let before = w.git(["rev-parse", "HEAD"]);
    w.git(["rebase", "-q", "main"]);
    assert_ne!(w.git(["rev-parse", "HEAD"]), before, "rebase rewrote the commits");
    let r = w.verify("main..HEAD").expect(0);
    assert!(r.stdout.contains("2 commits: 2 accepted, 0 rejected"), "{}", r.stdout);
    // …and the slow path (recomputing each change digest) agrees.
    w.avow(["verify", "main..HEAD", "--no-fast-path"]).expect(0);
}

#[test]
fn cherry_pick_keeps_attestations_valid() {
    let w = two_branches();
    w.git(["checkout", "-q", "main"]);
    w.git(["cherry-pick", "feature~1"]);
    let r = w.verify("main~1..HEAD").expect(0);
    assert!(r.stdout.contains("1 commit: 1 accepted"), "{}", r.stdout);
}

#[test]
fn format_patch_and_am_keep_attestations_valid() {
    let w = two_branches();
    let patches = w.scratch().join("patches");
    w.git(["format-patch", "-q", "-o", patches.to_str().unwrap(), "base..feature"]);
    w.git(["checkout", "-q", "main"]);
    w.git(["tag", "before-am"]);
    let mut files: Vec<_> = std::fs::read_dir(&patches).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut args = vec!["am".to_owned(), "-q".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    w.git(args);
    let r = w.verify("before-am..HEAD").expect(0);
    assert!(r.stdout.contains("2 commits: 2 accepted"), "{}", r.stdout);
}

/// A kernel-style series: signed off (`commit -s`, the project requires
/// the DCO), declaring `Assisted-by: AGENT:MODEL`, mailed with
/// format-patch and applied by the maintainer with `git am -s -m`, which
/// appends their own `Signed-off-by:` and the mail's `Message-ID:` after
/// the contributor's signature. Trailers after the statement are not
/// part of what was signed: every commit still verifies, under the DCO.
#[test]
fn a_mailed_series_applied_with_am_signoff_and_message_id_verifies() {
    let w = World::adopted("disclose");
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    w.write(".avow/policy.toml", policy.replacen("required = false", "required = true", 1));
    w.git(["add", "-A"]);
    let sob = format!("Signed-off-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>");
    let args = [
        "-m",
        "Require the DCO",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Kernel-style patches are signed off from now on.",
        "--trailer",
        &sob,
    ];
    w.commit(&args).expect(0);
    w.git(["tag", "-f", "base"]);
    w.git(["checkout", "-q", "-b", "series"]);
    for n in 1..=2 {
        w.write("drv.c", "line\n".repeat(n));
        w.git(["add", "-A"]);
        let rationale = format!("Rationale: the driver needs line {n} so that the device initialises step {n}.");
        let args = [
            "-s",
            "-m",
            "drv: add a line",
            "--trailer",
            "Authorship: assisted",
            "--trailer",
            "Assisted-by: Claude:claude-opus-4-5",
            "--trailer",
            &rationale,
        ];
        w.commit(&args).expect(0);
    }
    let patches = w.scratch().join("series");
    w.git(["format-patch", "-q", "--cover-letter", "-o", patches.to_str().unwrap(), "base..series"]);
    let mut files: Vec<_> = std::fs::read_dir(&patches).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for (n, f) in files.iter().enumerate() {
        let mail = std::fs::read_to_string(f).unwrap();
        std::fs::write(f, mail.replacen("\nSubject:", &format!("\nMessage-ID: <{n}@lists.example.org>\nSubject:"), 1))
            .unwrap();
    }
    w.git(["checkout", "-q", "-b", "applied", "base"]);
    let mut args = vec!["am".to_owned(), "-q".to_owned(), "-s".to_owned(), "-m".to_owned()];
    args.extend(files.iter().skip(1).map(|f| f.display().to_string()));
    w.git_notty(args).expect(0);
    let last = w.message("HEAD");
    assert!(last.trim_end().ends_with(&format!("\nMessage-ID: <2@lists.example.org>\n{sob}")), "{last}");
    let r = w.avow(["verify", "base..applied", "--no-fast-path"]).expect(0);
    assert!(r.stdout.contains("2 commits: 2 accepted, 0 rejected"), "{}", r.stdout);
}
