//! Squash merges as forges make them (no hook, a committer in no keyring),
//! and attestations kept in notes under refs/notes/avow (docs/workflows.md).

use crate::support::*;

/// A pull request: `feature` (two attested commits of Alice's) off `main`,
/// main moved on meanwhile (another file), and the forge's pull ref
/// `refs/pull/7/head` at the branch tip.
pub(crate) fn pull_request() -> World {
    let w = World::adopted("disclose");
    w.git(["switch", "-q", "-c", "feature"]);
    w.change("widget.txt", "one\ntwo\n", "Add the widget");
    w.change("widget.txt", "one\ntwo\nthree\n", "Teach the widget three");
    w.git(["switch", "-q", "main"]);
    w.change("other.txt", "unrelated\n", "Touch another file");
    w.git(["tag", "-f", "before-merge"]);
    w.git(["update-ref", "refs/pull/7/head", "feature"]);
    w
}

/// Commits the staged squash as a forge does: no hooks, committed by
/// "GitHub", authored by the pull request's author, with `message` as is.
pub(crate) fn forge_commit(w: &World, message: &str, committer: (&str, &str)) {
    let f = w.scratch().join("squash-msg");
    std::fs::write(&f, message).unwrap();
    let mut c = w.repo.command("git");
    c.args(["-c", "core.hooksPath=/dev/null", "commit", "-q", "--cleanup=verbatim", "-F", f.to_str().unwrap()])
        .env("GIT_COMMITTER_NAME", committer.0)
        .env("GIT_COMMITTER_EMAIL", committer.1);
    let r: Run = c.output().unwrap().into();
    r.expect(0);
}

pub(crate) const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");

/// The message GitHub builds in "pull request title and commit details"
/// mode: the title with ` (#N)`, then each commit as `* subject` followed
/// by its body (trailers included), separated by blank lines.
fn github_commit_details(w: &World, title: &str, n: u32) -> String {
    let mut out = format!("{title} (#{n})\n\n");
    let commits = w.git(["rev-list", "--reverse", "main..feature"]);
    let bodies: Vec<String> = commits
        .lines()
        .map(|id| {
            let subject = w.git(["show", "-s", "--format=%s", id]);
            let body = w.git(["show", "-s", "--format=%b", id]);
            format!("* {subject}\n\n{}", body.trim_end())
        })
        .collect();
    out.push_str(&bodies.join("\n\n"));
    out.push('\n');
    out
}

pub(crate) fn squash_feature(w: &World) {
    w.git(["merge", "-q", "--squash", "feature"]);
}

#[test]
fn github_squash_with_commit_details_verifies_against_the_pull_request() {
    let w = pull_request();
    // Without the pull request's commits, the squash fails as the issue
    // describes (its message carries the last commit's trailers).
    squash_feature(&w);
    let message = github_commit_details(&w, "Widgets", 7);
    assert!(message.contains("\n* Teach the widget three\n\nAuthorship: human\n"), "{message}");
    forge_commit(&w, &message, GITHUB);
    assert_eq!(w.git(["show", "-s", "--format=%cn <%ce>", "HEAD"]), "GitHub <noreply@github.com>");
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("Widgets (#7)  (squash of refs/pull/7/head: its 2 commit(s) verify"), "{}", r.stdout);
    // The pull ref is what vouches: without it, refused.
    w.git(["update-ref", "-d", "refs/pull/7/head"]);
    let r = w.verify("before-merge..main").expect(1);
    assert!(r.stdout.contains("[attestation.change]"), "{}", r.stdout);
    // Named explicitly, the branch vouches as well.
    w.avow(["verify", "before-merge..main", "--squash-source", "feature"]).expect(0);
}

#[test]
fn github_squash_with_title_and_description_verifies() {
    let w = pull_request();
    squash_feature(&w);
    forge_commit(&w, "Widgets (#7)\n\nThe widget learns to count to three.\n", GITHUB);
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("squash of refs/pull/7/head"), "{}", r.stdout);
    let json = w.avow(["verify", "before-merge..main", "--format", "json"]).expect(0).stdout;
    assert!(json.contains("\"via\": \"squash of refs/pull/7/head"), "{json}");
}

/// The pull request squashed by GitHub with one line more than its
/// commits carry (the merger's).
fn squash_with_an_extra_line() -> World {
    let w = pull_request();
    squash_feature(&w);
    w.write("widget.txt", "one\ntwo\nthree\nfour\n");
    w.git(["add", "widget.txt"]);
    forge_commit(&w, "Widgets (#7)\n\nThe widget learns to count to three.\n", GITHUB);
    w
}

#[test]
fn a_squash_carrying_one_extra_line_is_refused() {
    let w = squash_with_an_extra_line();
    let r = w.verify("before-merge..main").expect(1);
    assert!(r.stdout.contains("[squash.change]"), "{}", r.stdout);
    assert!(r.stdout.contains("the squash's change is not the whole change of refs/pull/7/head"), "{}", r.stdout);
}

/// The pull request's last commit made without the hook, the whole
/// request squashed by the forge: returns the `squash.source` line, the
/// squash's id and the unattested commit's.
fn squash_of_an_unattested_commit(w: &World) -> (String, String, String) {
    w.git(["switch", "-q", "feature"]);
    w.write("widget.txt", "one\ntwo\nthree\nfour\n");
    w.git(["add", "widget.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Count to four"]);
    let four = w.git(["rev-parse", "HEAD"]);
    w.git(["update-ref", "refs/pull/7/head", "feature"]);
    w.git(["switch", "-q", "main"]);
    squash_feature(w);
    forge_commit(w, "Widgets (#7)\n", GITHUB);
    let squash = w.git(["rev-parse", "HEAD"]);
    let r = w.verify("before-merge..main").expect(1);
    let line = r.stdout.lines().find(|l| l.contains("[squash.source]")).unwrap_or_else(|| panic!("{}", r.stdout));
    (line.trim().to_owned(), squash, four)
}

/// `sh -c COMMAND` as printed, expecting `code`.
#[track_caller]
fn typed(w: &World, command: &str, code: i32) -> Run {
    let r: Run = w.shell(command).output().unwrap().into();
    r.expect(code)
}

/// A squash whose pull request holds a commit that does not verify says
/// why that matters and the two ways out; the first, followed: the
/// source's own check names the commit's fix (its author's note), and
/// with it done the squash verifies as the pull request's.
#[test]
fn a_squash_of_a_branch_with_an_unattested_commit_is_refused_and_its_commit_attested_as_printed() {
    let w = pull_request();
    w.remote("origin");
    let (line, squash, four) = squash_of_an_unattested_commit(&w);
    let merge_base = w.git(["merge-base", "before-merge", "feature"]);
    let (squash, four, merge_base) = (&squash[..12], &four[..12], &merge_base[..12]);
    assert_eq!(
        line,
        format!(
            "the squash's change is that of refs/pull/7/head, but these of its commits do not verify: {four}; a squash is accepted only on its commits' statements, so nobody vouches for what these changed: \
             `git avow verify {merge_base}..{four}` says why each is rejected and what fixes it (then check this again), \
             or the squash's author reads it (`git show {squash}`) and attests it as it is: `git avow attest {squash}` (a note; share it with `git push origin refs/notes/avow`) [squash.source]"
        )
    );
    let commands = quoted_commands(&line);
    let out = typed(&w, &commands[0], 1).stdout;
    let why = out.lines().find(|l| l.contains("[attestation.missing]")).unwrap_or_else(|| panic!("{out}"));
    assert_eq!(why.trim(), crate::no_hook::missing_without_hook(four));
    // Its author's note, as that line prints it (the statement given on
    // the command line, as attest without a terminal says to).
    let fix = quoted_commands(why);
    assert_eq!(
        fix[..3],
        [format!("git show {four}"), format!("git avow attest {four}"), "git push origin refs/notes/avow".to_owned()]
    );
    typed(&w, &fix[0], 0);
    let attest = hint_of(&typed(&w, &fix[1], 2));
    typed(&w, &attest.replace("<why the change is right>", "Four is the count the widget was missing; I wrote it."), 0);
    typed(&w, &fix[2], 0);
    typed(&w, &commands[0], 0);
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("Widgets (#7)  (squash of refs/pull/7/head: its 3 commit(s) verify"), "{}", r.stdout);
}

/// The second way: the squash's author attests the squash itself.
#[test]
fn a_squash_of_a_branch_with_an_unattested_commit_is_attested_itself_as_printed() {
    let w = pull_request();
    w.remote("origin");
    let (line, squash, _) = squash_of_an_unattested_commit(&w);
    let commands = quoted_commands(&line);
    let squash = &squash[..12];
    assert_eq!(
        commands[1..],
        [
            format!("git show {squash}"),
            format!("git avow attest {squash}"),
            "git push origin refs/notes/avow".to_owned()
        ]
    );
    typed(&w, &commands[1], 0);
    let attest = hint_of(&typed(&w, &commands[2], 2));
    typed(
        &w,
        &attest.replace("<why the change is right>", "The widget counts to four now; I read the whole pull request."),
        0,
    );
    typed(&w, &commands[3], 0);
    let r = w.verify("before-merge..main").expect(0);
    assert!(
        r.stdout.contains(
            "  Widgets (#7)  [human, Alice Example <alice@example.org>]  (attested by a note in refs/notes/avow)"
        ),
        "{}",
        r.stdout
    );
}

/// The command in attest's `hint:` line (no terminal, no statement given).
#[track_caller]
fn hint_of(r: &Run) -> String {
    let hint = r.stderr.lines().find_map(|l| l.strip_prefix("hint: ")).unwrap_or_else(|| panic!("{}", r.stderr));
    let commands = quoted_commands(hint);
    assert_eq!(commands.len(), 1, "{hint}");
    commands[0].clone()
}

#[test]
fn gitlab_squash_names_its_merge_request() {
    let w = pull_request();
    w.git(["update-ref", "-d", "refs/pull/7/head"]);
    w.git(["update-ref", "refs/merge-requests/3/head", "feature"]);
    squash_feature(&w);
    forge_commit(
        &w,
        "Widgets\n\nThe widget learns to count to three.\n\nSee merge request group/widgets!3\n",
        ("GitLab", "gitlab@example.org"),
    );
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("squash of refs/merge-requests/3/head"), "{}", r.stdout);
}

#[test]
fn local_merge_squash_is_attested_by_the_merger() {
    let w = pull_request();
    squash_feature(&w);
    // git's SQUASH_MSG lists the commits, indented; the merger adds their
    // own statement (the hook signs it) — no terminal here, so as trailers.
    w.commit(&[
        "--no-edit",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: The widget branch lands as one commit; I reviewed both of its changes.",
    ])
    .expect(0);
    assert!(w.message("HEAD").starts_with("Squashed commit of the following:"), "{}", w.message("HEAD"));
    w.verify("before-merge..main").expect(0);
}

#[test]
fn a_note_attests_a_commit_made_without_the_hook() {
    let w = World::adopted("disclose");
    w.write("a.txt", "web editor\n");
    w.git(["add", "a.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Edit a in the web editor"]);
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[attestation.missing]"), "{}", r.stdout);
    // Without a terminal or a statement, attest says how to give one: the
    // command as typed, with what it lacks; followed as printed, it attests.
    let r = w.avow(["attest", "HEAD"]).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: no statement given and no terminal to ask for one\n\
         hint: give it on the command line: `git avow attest HEAD --authorship human --rationale \"<why the change is right>\"`\n"
    );
    let head = w.git(["rev-parse", "HEAD"]);
    let command = quoted_commands(&r.stderr)[0]
        .replace("<why the change is right>", "I read the web edit; it fixes the typo the docs had.");
    let done: Run = w.shell(&command).output().unwrap().into();
    done.expect(0);
    assert_eq!(w.git(["rev-parse", "HEAD"]), head, "the commit is not rewritten");
    let r = w.verify("base..HEAD").expect(0);
    assert!(r.stdout.contains("(attested by a note in refs/notes/avow)"), "{}", r.stdout);
    // A second attest refuses to overwrite; --force replaces.
    let r = w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", "Again."]).expect(2);
    assert!(r.stderr.contains("already has a note"), "{}", r.stderr);
    // The note travels with `git push origin refs/notes/avow`.
    let remote = w.remote("origin");
    w.git(["push", "-q", "--no-verify", "origin", "main", "refs/notes/avow"]);
    let clone = w.scratch().join("clone");
    w.git(["clone", "-q", "-b", "main", remote.to_str().unwrap(), clone.to_str().unwrap()]);
    w.avow_in(&clone, ["verify", "HEAD~1..HEAD"]).expect(1);
    w.git(["-C", clone.to_str().unwrap(), "fetch", "-q", "origin", "refs/notes/avow:refs/notes/avow"]);
    w.avow_in(&clone, ["verify", "HEAD~1..HEAD"]).expect(0);
}

#[test]
fn a_note_copied_onto_another_commit_does_not_verify() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.write("b.txt", "b\n");
    w.git(["add", "b.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Add b"]);
    w.avow(["attest", "HEAD~1", "--authorship", "human", "--rationale", "Vouching for a after the fact."]).expect(0);
    // An attacker who can push notes copies a good note onto their commit.
    w.git(["notes", "--ref", "avow", "copy", "HEAD~1", "HEAD"]);
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[attestation.missing]"), "the commit's own finding stands: {}", r.stdout);
}

#[test]
fn a_note_by_a_contributor_cannot_change_avow() {
    let w = World::adopted("disclose");
    let bob = w.keygen("bob");
    w.avow([
        "keyring",
        "add",
        "--name",
        "Bob Example",
        "--email",
        "bob@example.org",
        "--key",
        &format!("{}.pub", bob.display()),
    ])
    .expect(0);
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Add Bob",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Bob contributes from now on.",
    ])
    .expect(0);
    w.git(["tag", "with-bob"]);
    let policy = w.path().join(".avow/policy.toml");
    let mut text = std::fs::read_to_string(&policy).unwrap();
    text.push_str("\n# loosened\n");
    std::fs::write(&policy, text).unwrap();
    w.git(["add", ".avow"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Loosen the policy"]);
    let mut c = w.repo.command(avow_bin());
    c.args(["attest", "HEAD", "--authorship", "human", "--rationale", "Bob vouches for the policy change."])
        .env("GIT_CONFIG_COUNT", "3")
        .env("GIT_CONFIG_KEY_0", "user.name")
        .env("GIT_CONFIG_VALUE_0", "Bob Example")
        .env("GIT_CONFIG_KEY_1", "user.email")
        .env("GIT_CONFIG_VALUE_1", "bob@example.org")
        .env("GIT_CONFIG_KEY_2", "avow.signingKey")
        .env("GIT_CONFIG_VALUE_2", bob.to_str().unwrap());
    let r: Run = c.output().unwrap().into();
    r.expect(0);
    let r = w.verify("with-bob..HEAD").expect(1);
    assert!(r.stdout.contains("[trust.avow-change]"), "{}", r.stdout);
}

#[test]
fn a_maintainer_vouches_for_a_forge_squash_with_a_note() {
    let w = squash_with_an_extra_line();
    w.verify("before-merge..main").expect(1);
    w.avow([
        "attest",
        "HEAD",
        "--authorship",
        "human",
        "--rationale",
        "I added four while merging; the widget must count that far for the release.",
    ])
    .expect(0);
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("attested by a note"), "{}", r.stdout);
}

/// GitHub's "commit details" squash copies every commit's statement into
/// the message (the last one's as its trailer block); a maintainer's note vouching for the squash (here
/// with a line the merger added) still makes it pass — with a warning that
/// the message displays a statement the note did not sign, and the note's
/// statement beside it (docs/workflows.md).
#[test]
fn a_note_on_a_commit_details_squash_passes_with_a_warning() {
    let w = pull_request();
    squash_feature(&w);
    w.write("widget.txt", "one\ntwo\nthree\nfour\n");
    w.git(["add", "widget.txt"]);
    let message = github_commit_details(&w, "Widgets", 7);
    forge_commit(&w, &message, GITHUB);
    w.verify("before-merge..main").expect(1);
    let rationale = "I added four while merging; the widget must count that far for the release.";
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", rationale]).expect(0);
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("attested by a note"), "{}", r.stdout);
    // Every statement the message shows: the squashed commits' (in the
    // body) and the last one's (its trailer block).
    let statement_keys = ["Authorship:", "Assisted-by:", "Rationale:", "Understood-by:"];
    let shown: Vec<&str> = message.lines().filter(|l| statement_keys.iter().any(|k| l.starts_with(k))).collect();
    assert_eq!(shown.len(), 6, "{message}");
    let shown = shown.join("; ");
    let warning = format!(
        "warning: the message displays a statement nobody signed for this commit ({shown}); the signed statement is the note in refs/notes/avow, by \
         {AUTHOR_NAME} <{AUTHOR_EMAIL}>: Authorship: human; Rationale: {rationale}; Understood-by: {AUTHOR_NAME} <{AUTHOR_EMAIL}>"
    );
    assert!(r.stdout.contains(&warning), "{}", r.stdout);
    assert!(r.stdout.contains("[message.unsigned-statement]"), "{}", r.stdout);
}

/// The action's `attestations` step, run exactly as action.yml writes it,
/// in a fresh clone of a repository that keeps pull refs and notes as
/// GitHub does: after it, the squash and the noted commit verify.
#[test]
fn the_action_fetches_pull_refs_and_notes_for_a_push_to_main() {
    use yaml_rust2::YamlLoader;
    let w = pull_request();
    squash_feature(&w);
    forge_commit(&w, "Widgets (#7)\n", GITHUB);
    w.write("web.txt", "edited on the web\n");
    w.git(["add", "web.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Edit web.txt on the web"]);
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", "I checked the web edit before the release."])
        .expect(0);
    let (base, head) = (w.git(["rev-parse", "before-merge"]), w.git(["rev-parse", "HEAD"]));
    let clone = w.scratch().join("runner");
    w.git(["clone", "-q", "-b", "main", &format!("file://{}", w.path().display()), clone.to_str().unwrap()]);
    let verify = |expect: i32| {
        let mut c = w.repo.command(avow_bin());
        c.args(["verify", &format!("{base}..{head}")]).current_dir(&clone);
        let r: Run = c.output().unwrap().into();
        r.expect(expect)
    };
    verify(1);
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let action = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let step = action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str() == Some("attestations"))
        .expect("an `attestations` step")
        .clone();
    let mut c = w.repo.command("bash");
    c.args(["--noprofile", "--norc", "-e", "-c", step["run"].as_str().unwrap()])
        .current_dir(&clone)
        .env("AVOW_RANGE", format!("{base}..{head}"));
    let r: Run = c.output().unwrap().into();
    r.expect(0);
    let r = verify(0);
    assert!(r.stdout.contains("squash of refs/pull/7/head"), "{}", r.stdout);
    assert!(r.stdout.contains("attested by a note"), "{}", r.stdout);
}

/// GitHub's "Rebase and merge": the forge replays the commits onto main
/// (new ids, committer GitHub, no hooks); their changes are unchanged, so
/// their own attestations verify.
#[test]
fn github_rebase_and_merge_keeps_each_attestation() {
    let w = pull_request();
    w.git(["switch", "-q", "feature"]);
    let mut c = w.repo.command("git");
    c.args(["-c", "core.hooksPath=/dev/null", "rebase", "-q", "main"])
        .env("GIT_COMMITTER_NAME", GITHUB.0)
        .env("GIT_COMMITTER_EMAIL", GITHUB.1);
    let r: Run = c.output().unwrap().into();
    r.expect(0);
    w.git(["switch", "-q", "main"]);
    w.git(["merge", "-q", "--ff-only", "feature"]);
    assert_eq!(w.git(["show", "-s", "--format=%cn", "HEAD"]), "GitHub");
    let r = w.avow(["verify", "before-merge..main", "--no-fast-path"]).expect(0);
    assert!(!r.stdout.contains("squash of"), "{}", r.stdout);
}

/// A note cannot launder what the commit says about itself: an agent's
/// trailer in the message is still seen under a policy that refuses them.
#[test]
fn a_note_does_not_hide_the_commits_own_agent_trailer() {
    let w = World::adopted("disclose");
    let policy = w.path().join(".avow/policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap().replace("refuse = false", "refuse = true");
    assert!(text.contains("refuse = true"), "{text}");
    std::fs::write(&policy, text).unwrap();
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Refuse agents",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: This project takes no AI-agent contributions.",
    ])
    .expect(0);
    w.git(["tag", "-f", "base"]);
    w.write("a.txt", "generated\n");
    w.git(["add", "a.txt"]);
    w.git([
        "-c",
        "core.hooksPath=/dev/null",
        "commit",
        "-q",
        "-m",
        "Add a",
        "--trailer",
        "Co-authored-by: Claude <noreply@anthropic.com>",
    ]);
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", "I wrote a myself, the trailer is wrong."])
        .expect(0);
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[markers.refuse]"), "{}", r.stdout);
}

/// A note adds a statement, nothing else: a `Signed-off-by:` slipped into
/// a (validly signed) note does not certify the DCO for the author.
#[test]
fn a_note_cannot_sign_off_for_the_author() {
    let w = World::adopted("disclose");
    let policy = w.path().join(".avow/policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap().replace("required = false", "required = true");
    assert!(text.contains("required = true"), "{text}");
    std::fs::write(&policy, text).unwrap();
    w.git(["add", ".avow"]);
    w.commit(&[
        "-s",
        "-m",
        "Require the DCO",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Contributors must certify the Developer Certificate of Origin.",
    ])
    .expect(0);
    w.git(["tag", "-f", "base"]);
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Add a"]);
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", "I checked a before it landed."]).expect(0);
    let note = w.git(["notes", "--ref", "avow", "show", "HEAD"]);
    let forged = format!("Signed-off-by: Alice Example <alice@example.org>\n{note}\n");
    w.git(["notes", "--ref", "avow", "add", "-f", "-m", &forged, "HEAD"]);
    let r = w.verify("base..HEAD").expect(1);
    assert!(r.stdout.contains("[dco.required]"), "{}", r.stdout);
}

/// A maintainer's clone has the squash but not the pull request's branch:
/// verify says which pull request the squash names and how to fetch it,
/// and the command it prints, run as printed, makes the squash verify.
#[test]
fn a_squash_without_its_pull_ref_names_the_fetch_that_verifies_it() {
    let w = pull_request();
    squash_feature(&w);
    forge_commit(&w, "Widgets (#7)\n\nThe widget learns to count to three.\n", GITHUB);
    w.remote("origin");
    w.git(["push", "-q", "--no-verify", "origin", "refs/pull/7/head:refs/pull/7/head"]);
    w.git(["update-ref", "-d", "refs/pull/7/head"]);
    let r = w.verify("before-merge..main").expect(1);
    let line = r.stdout.lines().find(|l| l.contains("[squash.missing]")).unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(
        line.trim_start(),
        "it names pull request #7, whose branch is not in this repository: if it is that request's squash merge, fetch the branch with `git fetch origin refs/pull/7/head:refs/pull/7/head` and verify again (or name it with --squash-source REV) [squash.missing]"
    );
    let fetch = quoted_commands(line);
    assert_eq!(fetch.len(), 1, "{line}");
    let done: Run = w.shell(&fetch[0]).output().unwrap().into();
    done.expect(0);
    let r = w.verify("before-merge..main").expect(0);
    assert!(r.stdout.contains("(squash of refs/pull/7/head: its 2 commit(s) verify"), "{}", r.stdout);
}

/// attest's hint keeps what was given on the command line: the commit,
/// quoted for the shell, and the authorship and tool. Several commits
/// under one rationale are refused up front, since the reuse rule would
/// reject every note after the first; one at a time, they verify.
#[test]
fn attests_hint_repeats_the_command_with_what_it_lacks() {
    let w = World::adopted("disclose");
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "--allow-empty", "-m", "One"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "--allow-empty", "-m", "Two"]);
    w.git(["tag", "it's"]);
    let tool = ["--authorship", "assisted", "--assisted-by", "Claude:claude-opus-4-5"];
    let rationale = "I asked the assistant for this empty commit and read what it made.";
    let r = w.avow([&["attest", "HEAD~1", "it's"][..], &tool, &["--rationale", rationale]].concat()).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: one statement for 2 commits, but .avow/policy.toml refuses the same rationale on two commits (rationale.reject-reuse)\n\
         hint: attest one commit at a time, each with its own rationale: `git avow attest HEAD~1 …`, then the next\n"
    );
    let r = w.avow([&["attest", "it's"][..], &tool].concat()).expect(2);
    assert_eq!(
        r.stderr.lines().nth(1).unwrap(),
        "hint: give it on the command line: `git avow attest 'it'\\''s' --authorship assisted --assisted-by Claude:claude-opus-4-5 --rationale \"<why the change is right>\"`"
    );
    let command = quoted_commands(&r.stderr)[0].replace("<why the change is right>", rationale);
    let done: Run = w.shell(&command).output().unwrap().into();
    done.expect(0);
    let first = format!("Before it, {rationale}");
    w.avow([&["attest", "HEAD~1"][..], &tool, &["--rationale", &first]].concat()).expect(0);
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_rationale_first_given_in_a_note_is_not_given_again() {
    // The reuse rule keeps a tag per rationale, not its text, and confirms
    // a match by verifying the earlier commit again: the statement found
    // then must be the note's, as it was the first time.
    let w = World::adopted("disclose");
    let why = "The web editor dropped the trailing newline; restore it so diffs stay clean.";
    w.write("a.txt", "web editor\n");
    w.git(["add", "a.txt"]);
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Edit a in the web editor"]);
    let noted = w.git(["rev-parse", "HEAD"]);
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", why]).expect(0);
    w.write("b.txt", "b\n");
    w.git(["add", "b.txt"]);
    let rationale = format!("Rationale: {}", why.to_uppercase());
    w.commit(&["-m", "Add b", "--trailer", "Authorship: human", "--trailer", &rationale]).expect(0);
    let r = w.verify("base..HEAD").expect(1);
    let short = &noted[..12];
    assert!(
        r.stdout.contains(&format!("gave the same rationale on commit {short}")),
        "the later commit names the noted one: {}",
        r.stdout
    );
    assert!(r.stdout.contains("[rationale.reject-reuse]"), "{}", r.stdout);
    // Given once, in the note only, the rationale is nobody's reuse.
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    w.verify("base..HEAD").expect(0);
}

/// A maintainer rebases a contributor's commit onto main ("rebase then
/// fast-forward"), the change moves, and — as this page's forge table
/// said — attests the landed commit with `git avow attest`. Under the
/// default `understood-by = "author"` that note can never verify, and
/// verify said nothing about it: the commit failed as if no note were
/// there. attest now warns and names who can attest it; verify says why
/// the note is rejected; the contributor's note, made as the warning
/// says, verifies.
#[test]
fn a_maintainers_note_on_a_contributors_commit_needs_the_author_under_the_default_policy() {
    let w = World::adopted("disclose");
    let bob = w.keygen("bob");
    let key = format!("{}.pub", bob.display());
    w.avow(["keyring", "add", "--name", "Bob Example", "--email", "bob@example.org", "--key", &key]).expect(0);
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Add Bob",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Bob contributes from now on.",
    ])
    .expect(0);
    w.change("f.txt", "1\n2\n3\n4\n5\n6\n", "Add f");
    w.git(["tag", "-f", "base"]);
    let as_bob = |c: &mut std::process::Command| {
        c.env("GIT_AUTHOR_NAME", "Bob Example")
            .env("GIT_AUTHOR_EMAIL", "bob@example.org")
            .env("GIT_CONFIG_COUNT", "3")
            .env("GIT_CONFIG_KEY_0", "user.name")
            .env("GIT_CONFIG_VALUE_0", "Bob Example")
            .env("GIT_CONFIG_KEY_1", "user.email")
            .env("GIT_CONFIG_VALUE_1", "bob@example.org")
            .env("GIT_CONFIG_KEY_2", "avow.signingKey")
            .env("GIT_CONFIG_VALUE_2", bob.to_str().unwrap());
    };
    w.git(["switch", "-q", "-c", "feature"]);
    w.write("f.txt", "1\n2\n3\n4 bob\n5\n6\n");
    let mut c = w.shell(
        "git commit -q -a -m 'Mark four' --trailer 'Authorship: human' --trailer 'Rationale: Line four carries the mark.'",
    );
    as_bob(&mut c);
    Run::from(c.output().unwrap()).expect(0);
    w.git(["switch", "-q", "main"]);
    w.change("f.txt", "1 alice\n2\n3\n4\n5\n6\n", "Mark one");
    w.git(["switch", "-q", "feature"]);
    w.git(["-c", "core.hooksPath=/dev/null", "rebase", "-q", "main"]);
    let short = w.git(["rev-parse", "--short", "HEAD"]);
    let r =
        w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", "I rebased Bob's mark onto main."]).expect(0);
    assert!(
        r.stderr.contains(&format!(
            "avow: warning: {short} is Bob Example <bob@example.org>'s commit, and .avow/policy.toml has understood-by = \"author\": verify rejects a note by anyone else [understood-by]; the author attests it (`git avow attest {short}` in their clone, then `git push origin refs/notes/avow`), or a project where maintainers vouch for others' changes sets understood-by = \"keyring\"\n"
        )),
        "{}",
        r.stderr
    );
    let v = w.verify("main..feature").expect(1);
    assert!(
        v.stdout.contains(
            "the note in refs/notes/avow is rejected too: `Understood-by: Alice Example <alice@example.org>` is not the commit author <bob@example.org>"
        ),
        "{}",
        v.stdout
    );
    // Bob attests it, as the warning says (in his clone; here with his
    // identity and key), replacing the maintainer's note.
    let mut c = w.shell(&format!(
        "git avow attest {short} --force --authorship human --rationale 'Line four carries the mark, on the new main too.'"
    ));
    as_bob(&mut c);
    Run::from(c.output().unwrap()).expect(0);
    let v = w.verify("main..feature").expect(0);
    assert!(v.stdout.contains("attested by a note"), "{}", v.stdout);
}
