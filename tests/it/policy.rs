//! Every preset and policy option on real repositories: a commit the rule
//! allows passes and one that breaks it is refused, naming the rule — by
//! the `commit-msg` hook (work-tree policy) and by `git avow verify`
//! (the policy of the trusted base).
//!
//! Each test adopts avow with a policy committed as the trusted base
//! (`trusted`). Commits the hook refuses are then made again with a looser
//! policy in the work tree ([`sneak`]), as a contributor whose checkout
//! disagrees with the project would, so that the verifier — which reads the
//! trusted policy, never the work tree — is shown refusing them too.

use avow_policy::findings::{
    ATTESTATION_MISSING, AUTHORSHIP_ALLOWED, AUTHORSHIP_ASSISTED_BY_FORMAT, DCO_REQUIRED, MARKERS_REFUSE,
    RATIONALE_BOILERPLATE, RATIONALE_MIN_LENGTH, RATIONALE_REJECT_SUBJECT_COPY, SIZE_MAX_FILES, SIZE_MAX_LINES,
};

use crate::support::*;

/// A policy that refuses nothing the hook checks, for [`sneak`].
const LOOSE: &str = r#"version = 1
understood-by = "keyring"

[authorship]
assisted-by-format = "free"

[rationale]
min-length = 0
reject-subject-copy = false
boilerplate = []
reject-reuse = false
"#;

pub const BOB_NAME: &str = "Bob Example";
pub const BOB_EMAIL: &str = "bob@example.org";

/// `git avow init --preset PRESET` (Alice as maintainer), hooks installed,
/// `.avow/policy.toml` replaced by `policy` when given, and `.avow/`
/// committed as the trusted base, tagged `trusted`. The base is the root
/// of trust: it is committed without the hook (it is never verified).
pub fn adopt(preset: &str, policy: Option<&str>) -> World {
    let w = World::bare();
    w.avow(["init", "--preset", preset]).expect(0);
    w.avow(["install"]).expect(0);
    if let Some(p) = policy {
        w.write(".avow/policy.toml", p);
    }
    w.git(["add", ".avow"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Adopt avow"]);
    w.git(["tag", "trusted"]);
    w
}

/// A repository whose trusted policy is `policy`.
fn with_policy(policy: &str) -> World {
    adopt("disclose", Some(policy))
}

/// Arguments for `git commit`: the subject, a statement with a rationale of
/// its own (so that no two commits share one), then `extra`.
pub fn msg(subject: &str, authorship: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = vec!["-m".into(), subject.into(), "--trailer".into(), format!("Authorship: {authorship}")];
    if authorship != "human" {
        v.extend(["--trailer".into(), "Assisted-by: Claude:claude-opus-4-5".into()]);
    }
    v.extend([
        "--trailer".into(),
        format!("Rationale: {subject}, needed because this test drives the policy on a real repository."),
    ]);
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

/// Writes and stages `files`, then `git commit -q ARGS` with the hooks on.
pub fn commit(w: &World, files: &[(&str, &str)], args: &[String]) -> Run {
    for (f, c) in files {
        w.write(f, c);
        w.git(["add", "--", f]);
    }
    let mut all: Vec<&str> = vec!["commit", "-q"];
    all.extend(args.iter().map(String::as_str));
    w.git_notty(all)
}

fn head(w: &World) -> String {
    w.git(["rev-parse", "HEAD"])
}

/// The hook's findings as `refused [rule]` / `warning [rule]`.
pub fn hook_findings(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let (level, rest) = l
                .strip_prefix("avow: refused: ")
                .map(|r| ("refused", r))
                .or_else(|| l.strip_prefix("avow: warning: ").map(|r| ("warning", r)))?;
            let rule = rest.rsplit_once(" [")?.1.strip_suffix(']')?;
            Some(format!("{level} [{rule}]"))
        })
        .collect()
}

/// The hook lets the commit through, with exactly these warnings.
#[track_caller]
pub fn hook_accepts(w: &World, files: &[(&str, &str)], args: &[String], warnings: &[&str]) {
    let before = head(w);
    let r = commit(w, files, args).expect(0);
    assert_ne!(head(w), before, "a commit was made");
    let want: Vec<String> = warnings.iter().map(|r| format!("warning [{r}]")).collect();
    assert_eq!(hook_findings(&r.stderr), want, "{}", r.stderr);
}

/// The hook refuses the commit (git exits 1, nothing is committed) naming
/// exactly these rules.
#[track_caller]
pub fn hook_refuses(w: &World, files: &[(&str, &str)], args: &[String], rules: &[&str]) {
    let before = head(w);
    let r = commit(w, files, args).expect(1);
    assert_eq!(head(w), before, "nothing was committed");
    let want: Vec<String> = rules.iter().map(|r| format!("refused [{r}]")).collect();
    assert_eq!(hook_findings(&r.stderr), want, "{}", r.stderr);
    assert!(
        r.stderr.ends_with("avow: commit refused by .avow/policy.toml; your message is kept in .git/COMMIT_EDITMSG\n"),
        "{}",
        r.stderr
    );
}

/// Commits with [`LOOSE`] in the work tree (not staged), so the hook signs
/// what the trusted policy refuses; puts the committed policy back.
#[track_caller]
pub fn sneak(w: &World, files: &[(&str, &str)], args: &[String]) {
    w.write(".avow/policy.toml", LOOSE);
    commit(w, files, args).expect(0);
    w.git(["checkout", "--", ".avow/policy.toml"]);
}

/// `git avow verify ARGS` in human and JSON form. Asserts the exit code,
/// that both forms agree, and that the human output names every rule in
/// brackets. One line per commit: `SUBJECT: VERDICT [rule, …] [warning rule, …]`.
#[track_caller]
pub fn verdicts(w: &World, args: &[&str], code: i32) -> Vec<String> {
    let mut human = vec!["verify"];
    human.extend_from_slice(args);
    let h = w.avow(&human).expect(code);
    human.extend(["--format", "json"]);
    let j = w.avow(&human).expect(code);
    let doc: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    let mut out = Vec::new();
    for c in doc["commits"].as_array().expect("commits") {
        let mut line = format!("{}: {}", c["subject"].as_str().unwrap(), c["verdict"].as_str().unwrap());
        for (key, tag, label) in [("problems", "", ""), ("warnings", "warning: ", "warning ")] {
            for p in c[key].as_array().unwrap() {
                let rule = p["rule"].as_str().unwrap();
                let message = p["message"].as_str().unwrap();
                assert!(
                    h.stdout.contains(&format!("        {tag}{message} [{rule}]\n")),
                    "{rule} not in\n{}",
                    h.stdout
                );
                line.push_str(&format!(" {label}{rule}"));
            }
        }
        out.push(line);
    }
    out
}

/// What `verify` finds in a commit without any attestation: the three
/// statement trailers and the signature are missing.
const UNATTESTED: &str = ATTESTATION_MISSING.id;

pub fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------- presets

#[test]
fn preset_no_ai() {
    let w = adopt("no-ai", None);
    hook_accepts(&w, &[("a.c", "a\n")], &msg("Human work", "human", &["-s"]), &[]);
    let assisted = msg("Assisted work", "assisted", &["-s"]);
    hook_refuses(&w, &[("b.c", "b\n")], &assisted, &[AUTHORSHIP_ALLOWED.id]);
    sneak(&w, &[("b.c", "b\n")], &assisted);
    let unsigned = msg("Work without sign-off", "human", &[]);
    hook_refuses(&w, &[("c.c", "c\n")], &unsigned, &[DCO_REQUIRED.id]);
    sneak(&w, &[("c.c", "c\n")], &unsigned);
    let agent =
        msg("Work with an agent", "human", &["-s", "--trailer", "Co-authored-by: Claude <noreply@anthropic.com>"]);
    hook_refuses(&w, &[("d.c", "d\n")], &agent, &[MARKERS_REFUSE.id]);
    sneak(&w, &[("d.c", "d\n")], &agent);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Human work: accepted",
            "Assisted work: rejected authorship.allowed",
            "Work without sign-off: rejected dco.required",
            "Work with an agent: rejected markers.refuse",
        ])
    );
}

#[test]
fn preset_disclose() {
    let w = adopt("disclose", None);
    hook_accepts(&w, &[("a.c", "a\n")], &msg("Human work", "human", &[]), &[]);
    hook_accepts(&w, &[("b.c", "b\n")], &msg("Assisted work", "assisted", &[]), &[]);
    hook_accepts(&w, &[("c.c", "c\n")], &msg("Generated work", "generated", &[]), &[]);
    // Disclosure must name the tool in the kernel's format.
    let vague = [
        "-m",
        "Vaguely disclosed work",
        "--trailer",
        "Authorship: assisted",
        "--trailer",
        "Assisted-by: an AI chatbot",
        "--trailer",
        "Rationale: The vague disclosure still explains why this change is needed.",
    ];
    hook_refuses(&w, &[("d.c", "d\n")], &strs(&vague), &[AUTHORSHIP_ASSISTED_BY_FORMAT.id]);
    sneak(&w, &[("d.c", "d\n")], &strs(&vague));
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Human work: accepted",
            "Assisted work: accepted",
            "Generated work: accepted",
            "Vaguely disclosed work: rejected authorship.assisted-by-format",
        ])
    );
}

#[test]
fn preset_no_autonomous() {
    let w = adopt("no-autonomous", None);
    hook_accepts(&w, &[("a.c", "a\n")], &msg("Human work", "human", &[]), &[]);
    hook_accepts(&w, &[("b.c", "b\n")], &msg("Assisted work", "assisted", &[]), &[]);
    let generated = msg("Generated work", "generated", &[]);
    hook_refuses(&w, &[("c.c", "c\n")], &generated, &[AUTHORSHIP_ALLOWED.id]);
    sneak(&w, &[("c.c", "c\n")], &generated);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Human work: accepted", "Assisted work: accepted", "Generated work: rejected authorship.allowed"])
    );
    // The whole human output, commit ids filtered.
    let out = w.verify("trusted..HEAD").expect(1).stdout;
    let ids: Vec<String> =
        w.git(["log", "--format=%h", "--abbrev=12", "trusted..HEAD"]).lines().map(str::to_owned).collect();
    let mut out = out;
    for id in ids {
        out = out.replace(&id, "ID");
    }
    assert_eq!(
        out,
        "ok      ID  Human work  [human, Alice Example <alice@example.org>]\n\
         ok      ID  Assisted work  [assisted, Alice Example <alice@example.org>]\n\
         FAIL    ID  Generated work\n        \
         `Authorship: generated` is not accepted by this project (allowed: human, assisted); submit only changes made that way, and declare them honestly [authorship.allowed]\n\
         avow: 3 commits: 2 accepted, 1 rejected (range trusted..HEAD, trust trusted)\n"
    );
}

// ---------------------------------------------------------------- options

#[test]
fn authorship_allowed() {
    let w = with_policy("version = 1\n[authorship]\nallowed = [\"human\", \"generated\"]\n");
    hook_accepts(&w, &[("a.c", "a\n")], &msg("Generated work", "generated", &[]), &[]);
    let assisted = msg("Assisted work", "assisted", &[]);
    hook_refuses(&w, &[("b.c", "b\n")], &assisted, &[AUTHORSHIP_ALLOWED.id]);
    sneak(&w, &[("b.c", "b\n")], &assisted);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Generated work: accepted", "Assisted work: rejected authorship.allowed"])
    );
}

fn assisted_by(subject: &str, tool: &str) -> Vec<String> {
    strs(&[
        "-m",
        subject,
        "--trailer",
        "Authorship: assisted",
        "--trailer",
        &format!("Assisted-by: {tool}"),
        "--trailer",
        &format!("Rationale: {subject}: the tool is named so reviewers know what helped."),
    ])
}

#[test]
fn assisted_by_format_kernel_and_free() {
    let w = with_policy("version = 1\n[authorship]\nassisted-by-format = \"kernel\"\n");
    hook_accepts(&w, &[("a.c", "a\n")], &assisted_by("Kernel style", "Claude:claude-3-opus coccinelle sparse"), &[]);
    let fedora = assisted_by("Fedora style", "generic LLM chatbot");
    hook_refuses(&w, &[("b.c", "b\n")], &fedora, &[AUTHORSHIP_ASSISTED_BY_FORMAT.id]);
    sneak(&w, &[("b.c", "b\n")], &fedora);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Kernel style: accepted", "Fedora style: rejected authorship.assisted-by-format"])
    );
    // `free` accepts the same disclosure.
    let w = with_policy("version = 1\n[authorship]\nassisted-by-format = \"free\"\n");
    hook_accepts(&w, &[("b.c", "b\n")], &fedora, &[]);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), strs(&["Fedora style: accepted"]));
}

#[test]
fn markers_refuse_trailer_and_footer() {
    let w = with_policy("version = 1\n[markers]\nrefuse = true\n");
    hook_accepts(&w, &[("a.c", "a\n")], &msg("Plain work", "human", &[]), &[]);
    let trailer = msg("Co-authored work", "assisted", &["--trailer", "Co-authored-by: Claude <noreply@anthropic.com>"]);
    hook_refuses(&w, &[("b.c", "b\n")], &trailer, &[MARKERS_REFUSE.id]);
    sneak(&w, &[("b.c", "b\n")], &trailer);
    let mut footer = msg("Work with a footer", "assisted", &[]);
    footer.splice(2..2, strs(&["-m", "🤖 Generated with [Claude Code](https://claude.com/claude-code)"]));
    hook_refuses(&w, &[("c.c", "c\n")], &footer, &[MARKERS_REFUSE.id]);
    sneak(&w, &[("c.c", "c\n")], &footer);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Plain work: accepted",
            "Co-authored work: rejected markers.refuse",
            "Work with a footer: rejected markers.refuse",
        ])
    );
    // Without `refuse`, the same commits are accepted.
    let w = with_policy("version = 1\n");
    hook_accepts(&w, &[("b.c", "b\n")], &trailer, &[]);
    hook_accepts(&w, &[("c.c", "c\n")], &footer, &[]);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        strs(&["Co-authored work: accepted", "Work with a footer: accepted"])
    );
}

#[test]
fn adoption_since_exempts_history_before_it() {
    let w = World::bare();
    w.write("old.txt", "1\n");
    w.commit_all("Old work");
    w.write("old.txt", "2\n");
    w.commit_all("More old work");
    w.git(["tag", "v1"]);
    w.avow(["init"]).expect(0);
    w.avow(["install"]).expect(0);
    let mut policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    policy = policy.replace("# since = \"v1.4.0\"", "since = \"v1\"");
    w.write(".avow/policy.toml", &policy);
    w.git(["add", ".avow"]);
    hook_accepts(&w, &[], &msg("Adopt avow", "human", &[]), &[]);
    w.git(["tag", "trusted"]);
    hook_accepts(&w, &[("new.txt", "1\n")], &msg("Attested work", "human", &[]), &[]);
    w.write("new.txt", "2\n");
    w.git(["commit", "-q", "-a", "--no-verify", "-m", "Unattested work"]);
    // The whole history against the trusted policy: before v1 is exempt.
    assert_eq!(
        verdicts(&w, &["HEAD", "--trust", "trusted"], 1),
        strs(&[
            "Old work: exempt",
            "More old work: exempt",
            "Adopt avow: accepted",
            "Attested work: accepted",
            &format!("Unattested work: rejected {UNATTESTED}"),
        ])
    );
    // Without an adoption point, the old history is checked too.
    w.write(".avow/policy.toml", "version = 1\n");
    w.git(["add", ".avow"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Drop the adoption point"]);
    assert_eq!(
        verdicts(&w, &["v1", "--trust", "HEAD"], 1),
        strs(&[&format!("Old work: rejected {UNATTESTED}"), &format!("More old work: rejected {UNATTESTED}")])
    );
}

#[test]
fn exempt_emails_dependabot() {
    let w = with_policy("version = 1\n[exempt]\nemails = [\"49699333+dependabot[bot]@users.noreply.github.com\"]\n");
    w.write("Cargo.lock", "serde 1.0.1\n");
    w.git(["add", "-A"]);
    w.git([
        "commit",
        "-q",
        "--no-verify",
        "--author",
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        "-m",
        "Bump serde from 1.0.0 to 1.0.1",
    ]);
    w.write("Cargo.lock", "serde 1.0.2\n");
    w.git(["add", "-A"]);
    w.git([
        "commit",
        "-q",
        "--no-verify",
        "--author",
        "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
        "-m",
        "Update serde to 1.0.2",
    ]);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Bump serde from 1.0.0 to 1.0.1: exempt", &format!("Update serde to 1.0.2: rejected {UNATTESTED}")])
    );
    let out = w.verify("trusted..HEAD~1").expect(0).stdout;
    assert!(
        out.contains("  (author 49699333+dependabot[bot]@users.noreply.github.com is exempt by the policy)\n"),
        "{out}"
    );
}

/// Two attested branches, ready for `git merge --no-ff feature`.
fn diverged(policy: &str) -> World {
    let w = with_policy(policy);
    w.git(["checkout", "-q", "-b", "feature"]);
    hook_accepts(&w, &[("feature.txt", "f\n")], &msg("Feature work", "human", &[]), &[]);
    w.git(["checkout", "-q", "main"]);
    hook_accepts(&w, &[("main.txt", "m\n")], &msg("Main work", "human", &[]), &[]);
    w
}

#[test]
fn merges_skip() {
    let w = diverged("version = 1\nmerges = \"skip\"\n");
    // The hook lets an unattested merge through: the verifier skips it.
    let r = w.git_notty(["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]).expect(0);
    assert_eq!(r.stderr, "");
    assert_eq!(w.git(["rev-list", "--count", "--merges", "HEAD"]), "1");
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        strs(&["Main work: accepted", "Feature work: accepted", "Merge feature: skipped"])
    );
}

#[test]
fn merges_require() {
    let w = diverged("version = 1\nmerges = \"require\"\n");
    let r = w.git_notty(["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]).expect(1);
    assert!(r.stderr.contains("commit refused: the message lacks an `Authorship:` trailer"), "{}", r.stderr);
    w.git(["merge", "--abort"]);
    let attested = "Merge feature\n\nAuthorship: human\nRationale: The feature is reviewed and main needs it before the release.\n";
    w.git_notty(["merge", "-q", "--no-ff", "-m", attested, "feature"]).expect(0);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        strs(&["Main work: accepted", "Feature work: accepted", "Merge feature: accepted"])
    );
    // An unattested merge (hooks bypassed) is rejected.
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    w.git(["merge", "-q", "--no-ff", "--no-verify", "-m", "Merge feature again", "feature"]);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Main work: accepted",
            "Feature work: accepted",
            &format!("Merge feature again: rejected {UNATTESTED}")
        ])
    );
}

/// `binding = "trees"`: a rebased branch needs a new attestation on every
/// commit, and each commit's refusal names what reaches it — an amend on
/// HEAD, an interactive rebase that stops at an older one. Followed as
/// printed (the person's part is marking the line `edit`), one commit at
/// a time, the branch verifies.
#[test]
fn binding_trees_hints_reach_every_commit_of_a_rebased_branch() {
    let w = with_policy("version = 1\nbinding = \"trees\"\n");
    w.git(["checkout", "-q", "-b", "feature"]);
    hook_accepts(&w, &[("a.txt", "a\n")], &msg("Feature part one", "human", &[]), &[]);
    hook_accepts(&w, &[("b.txt", "b\n")], &msg("Feature part two", "human", &[]), &[]);
    w.git(["checkout", "-q", "main"]);
    hook_accepts(&w, &[("main.txt", "m\n")], &msg("Main work", "human", &[]), &[]);
    w.git(["checkout", "-q", "feature"]);
    w.git_notty(["rebase", "-q", "main"]).expect(0);
    let rejected = "rejected attestation.trees";
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Main work: accepted",
            &format!("Feature part one: {rejected}"),
            &format!("Feature part two: {rejected}")
        ])
    );
    let hint_of = |subject: &str| -> Vec<String> {
        let doc: serde_json::Value =
            serde_json::from_str(&w.avow(["verify", "trusted..HEAD", "--format", "json"]).expect(1).stdout).unwrap();
        let c = doc["commits"].as_array().unwrap().iter().find(|c| c["subject"] == subject).unwrap().clone();
        quoted_commands(c["problems"][0]["message"].as_str().unwrap())
    };
    let sh = |line: &str| Run::from(w.shell(line).output().unwrap());

    // The older commit: a plain amend would re-attest HEAD instead.
    let older = w.git(["rev-parse", "HEAD~1"]).trim().to_owned();
    let short = &older[..12];
    let fixes = hint_of("Feature part one");
    assert_eq!(
        fixes,
        [
            "git commit --amend --no-edit",
            &format!("git rebase -i {short}~1"),
            "git commit --amend --no-edit",
            "git rebase --continue"
        ]
    );
    w.mark_edit_in_rebase(&older);
    for command in &fixes[1..] {
        let r = sh(command);
        assert_eq!(r.code, 0, "{command}: {}", r.stderr);
    }
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Main work: accepted", "Feature part one: accepted", &format!("Feature part two: {rejected}")])
    );

    // HEAD: the amend alone.
    let fixes = hint_of("Feature part two");
    assert_eq!(fixes[0], "git commit --amend --no-edit");
    let r = sh(&fixes[0]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        strs(&["Main work: accepted", "Feature part one: accepted", "Feature part two: accepted"])
    );
}

/// `binding = "trees"`, at the server: a rebased branch is refused and the
/// refusal names `git avow reattest`. Followed literally, reattest reads
/// the binding from the policy the range is verified against and re-signs
/// every commit the rebase moved (their change still matches; the
/// post-rewrite hook recorded the rebase, so without asking), and the push
/// goes through. A clean rebase alone re-signs nothing: re-attesting is
/// the contributor's step.
#[test]
fn binding_trees_a_rebased_branch_is_re_signed_by_the_reattest_the_server_names() {
    let w = with_policy("version = 1\nbinding = \"trees\"\n");
    let origin = crate::server::origin(&w);
    w.avow_in(&origin, ["install", "--server"]).expect(0);
    w.git(["checkout", "-q", "-b", "feature"]);
    hook_accepts(&w, &[("a.txt", "a\n")], &msg("Feature part one", "human", &[]), &[]);
    hook_accepts(&w, &[("b.txt", "b\n")], &msg("Feature part two", "human", &[]), &[]);
    w.git_notty(["push", "-q", "origin", "feature"]).expect(0);
    w.git(["checkout", "-q", "main"]);
    hook_accepts(&w, &[("main.txt", "m\n")], &msg("Main work", "human", &[]), &[]);
    w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    w.git(["checkout", "-q", "feature"]);
    w.git_notty(["rebase", "-q", "main"]).expect(0);
    let rejected = "rejected attestation.trees";
    let moved = [format!("Feature part one: {rejected}"), format!("Feature part two: {rejected}")];
    assert_eq!(verdicts(&w, &["main..HEAD"], 1), moved);

    let r = w.git_notty(["push", "-q", "-f", "origin", "feature"]).expect(1);
    let hint = r.stderr.lines().find(|l| l.contains("push refused: re-sign your statements with")).expect(&r.stderr);
    let command = hint.split('`').nth(1).unwrap();
    assert!(command.starts_with("git switch feature && git avow reattest "), "{command}");
    let out = w.shell(command).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{command}: {stderr}");
    assert!(stderr.contains("avow: re-signed 2 statement(s):"), "{stderr}");
    assert_eq!(verdicts(&w, &["main..HEAD"], 0), strs(&["Feature part one: accepted", "Feature part two: accepted"]));
    w.git_notty(["push", "-q", "-f", "origin", "feature"]).expect(0);
    // Once re-signed, nothing is left to do.
    let again = w.avow(["reattest", "main..HEAD"]).expect(0);
    assert_eq!(again.stderr, "avow: every commit in the range verifies; nothing to re-sign\n");
}

#[test]
fn dco_required() {
    let w = with_policy("version = 1\n[dco]\nrequired = true\n");
    hook_accepts(&w, &[("a.c", "a\n")], &msg("Signed-off work", "human", &["-s"]), &[]);
    let missing = msg("Work without sign-off", "human", &[]);
    hook_refuses(&w, &[("b.c", "b\n")], &missing, &[DCO_REQUIRED.id]);
    sneak(&w, &[("b.c", "b\n")], &missing);
    let other =
        msg("Work signed off by someone else", "human", &["--trailer", "Signed-off-by: Bob Example <bob@example.org>"]);
    hook_refuses(&w, &[("c.c", "c\n")], &other, &[DCO_REQUIRED.id]);
    sneak(&w, &[("c.c", "c\n")], &other);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Signed-off work: accepted",
            "Work without sign-off: rejected dco.required",
            "Work signed off by someone else: rejected dco.required",
        ])
    );
}

/// Bob's unattested patch, mailed, applied by Alice with `git am`, then
/// attested by Alice with `git commit --amend` (author stays Bob).
fn apply_bobs_patch(w: &World) -> Run {
    w.git(["checkout", "-q", "-b", "bob"]);
    w.write("bob.txt", "bob's fix\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "--author", "Bob Example <bob@example.org>", "-m", "Fix Bob's bug"]);
    let patches = w.scratch().join("bob-patches");
    w.git(["format-patch", "-q", "-o", patches.to_str().unwrap(), "main..bob"]);
    w.git(["checkout", "-q", "main"]);
    let patch = std::fs::read_dir(&patches).unwrap().next().unwrap().unwrap().path();
    w.git(["am", "-q", patch.to_str().unwrap()]);
    assert_eq!(w.git(["log", "-1", "--format=%an <%ae>"]), "Bob Example <bob@example.org>");
    w.git_notty([
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Bob's patch fixes the bug; I reviewed it line by line and stand behind it.",
    ])
}

#[test]
fn understood_by_keyring_lets_a_maintainer_vouch_for_an_applied_patch() {
    let w = with_policy("version = 1\nunderstood-by = \"keyring\"\n");
    apply_bobs_patch(&w).expect(0);
    assert_eq!(w.git(["log", "-1", "--format=%an"]), "Bob Example");
    assert_eq!(w.trailer("HEAD", "Understood-by").as_deref(), Some("Alice Example <alice@example.org>"));
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), strs(&["Fix Bob's bug: accepted"]));
}

#[test]
fn understood_by_author_refuses_a_maintainer_vouching_for_someone_else() {
    let w = with_policy("version = 1\nunderstood-by = \"author\"\n");
    let r = apply_bobs_patch(&w).expect(1);
    assert_eq!(hook_findings(&r.stderr), strs(&["refused [understood-by]"]), "{}", r.stderr);
    // Attested under a looser work-tree policy, refused by the trusted one.
    w.write(".avow/policy.toml", LOOSE);
    w.git_notty([
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Bob's patch fixes the bug; I reviewed it line by line and stand behind it.",
    ])
    .expect(0);
    w.git(["checkout", "--", ".avow/policy.toml"]);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 1), strs(&["Fix Bob's bug: rejected understood-by"]));
}

fn rationale(subject: &str, text: &str) -> Vec<String> {
    strs(&["-m", subject, "--trailer", "Authorship: human", "--trailer", &format!("Rationale: {text}")])
}

#[test]
fn rationale_min_length() {
    let w = with_policy("version = 1\n[rationale]\nmin-length = 40\n");
    let long = rationale("Add the cache", "Lookups hit the disk each time; keep them in memory.");
    hook_accepts(&w, &[("a.c", "a\n")], &long, &[]);
    let short = rationale("Add the index", "Lookups were slow on disk.");
    hook_refuses(&w, &[("b.c", "b\n")], &short, &[RATIONALE_MIN_LENGTH.id]);
    sneak(&w, &[("b.c", "b\n")], &short);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Add the cache: accepted", "Add the index: rejected rationale.min-length"])
    );
}

#[test]
fn rationale_reject_subject_copy() {
    let w = with_policy("version = 1\n[rationale]\nreject-subject-copy = true\n");
    let why =
        rationale("http: back off on 503 responses", "Servers send 503 when overloaded; retrying at once adds load.");
    hook_accepts(&w, &[("a.c", "a\n")], &why, &[]);
    let copy = rationale("http: retry on 502 responses", "Retry on 502 responses.");
    hook_refuses(&w, &[("b.c", "b\n")], &copy, &[RATIONALE_REJECT_SUBJECT_COPY.id]);
    sneak(&w, &[("b.c", "b\n")], &copy);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "http: back off on 503 responses: accepted",
            "http: retry on 502 responses: rejected rationale.reject-subject-copy",
        ])
    );
}

#[test]
fn rationale_boilerplate_default_and_custom() {
    let w = with_policy("version = 1\n");
    let boiler = rationale("Rework the parser", "Address review comments.");
    hook_refuses(&w, &[("a.c", "a\n")], &boiler, &[RATIONALE_BOILERPLATE.id]);
    sneak(&w, &[("a.c", "a\n")], &boiler);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 1), strs(&["Rework the parser: rejected rationale.boilerplate"]));
    // A project's own list replaces the default one.
    let w = with_policy("version = 1\n[rationale]\nboilerplate = [\"as discussed on the list\"]\n");
    hook_accepts(&w, &[("a.c", "a\n")], &boiler, &[]);
    let listed = rationale("Rework the lexer", "As discussed on the list!");
    hook_refuses(&w, &[("b.c", "b\n")], &listed, &[RATIONALE_BOILERPLATE.id]);
    sneak(&w, &[("b.c", "b\n")], &listed);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Rework the parser: accepted", "Rework the lexer: rejected rationale.boilerplate"])
    );
}

#[test]
fn rationale_reject_reuse_is_judged_over_the_range() {
    let w = with_policy("version = 1\n[rationale]\nreject-reuse = true\n");
    let text = "The retry loop never gave up; cap it at five attempts with backoff.";
    // The hook sees one commit at a time: both pass it.
    hook_accepts(&w, &[("a.c", "a\n")], &rationale("Cap retries in the client", text), &[]);
    hook_accepts(&w, &[("b.c", "b\n")], &rationale("Cap retries in the server", text), &[]);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&["Cap retries in the client: accepted", "Cap retries in the server: rejected rationale.reject-reuse"])
    );
    let w = with_policy("version = 1\n[rationale]\nreject-reuse = false\n");
    hook_accepts(&w, &[("a.c", "a\n")], &rationale("Cap retries in the client", text), &[]);
    hook_accepts(&w, &[("b.c", "b\n")], &rationale("Cap retries in the server", text), &[]);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        strs(&["Cap retries in the client: accepted", "Cap retries in the server: accepted"])
    );
}

const THREE_FILES: &[(&str, &str)] = &[("x.c", "1\n2\n3\n"), ("y.c", "1\n"), ("z.c", "1\n")];

#[test]
fn size_limits_warn() {
    let w = with_policy("version = 1\n[size]\nmax-lines = 4\nmax-files = 2\naction = \"warn\"\n");
    hook_accepts(&w, &[("a.c", "1\n2\n")], &msg("Small change", "human", &[]), &[]);
    hook_accepts(&w, THREE_FILES, &msg("Large change", "human", &[]), &[SIZE_MAX_LINES.id, SIZE_MAX_FILES.id]);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 0),
        strs(&["Small change: accepted", "Large change: accepted warning size.max-lines warning size.max-files"])
    );
}

#[test]
fn size_limits_deny() {
    let w = with_policy("version = 1\n[size]\nmax-lines = 4\nmax-files = 2\naction = \"deny\"\n");
    hook_accepts(&w, &[("a.c", "1\n2\n")], &msg("Small change", "human", &[]), &[]);
    let large = msg("Large change", "human", &[]);
    hook_refuses(&w, THREE_FILES, &large, &[SIZE_MAX_LINES.id, SIZE_MAX_FILES.id]);
    sneak(&w, THREE_FILES, &large);
    let many = msg("Many small files", "human", &[]);
    let files = [("p.c", "1\n"), ("q.c", "1\n"), ("r.c", "1\n")];
    hook_refuses(&w, &files, &many, &[SIZE_MAX_FILES.id]);
    sneak(&w, &files, &many);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Small change: accepted",
            "Large change: rejected size.max-lines size.max-files",
            "Many small files: rejected size.max-files",
        ])
    );
}

#[test]
fn path_rules_keep_crypto_human() {
    let w = with_policy(
        "version = 1\n\n[[path]]\nglob = \"crypto/**\"\nauthorship = [\"human\"]\nmax-lines = 3\nrequire-dco = true\n",
    );
    hook_accepts(&w, &[("crypto/aes/key.c", "k\n")], &msg("Harden key setup", "human", &["-s"]), &[]);
    hook_accepts(&w, &[("docs/crypto.md", "d\n")], &msg("Document the ciphers", "assisted", &[]), &[]);
    let assisted = msg("Speed up AES", "assisted", &["-s"]);
    hook_refuses(&w, &[("crypto/aes/fast.c", "f\n")], &assisted, &["path[crypto/**].authorship"]);
    sneak(&w, &[("crypto/aes/fast.c", "f\n")], &assisted);
    let big = msg("Rewrite the RNG", "human", &[]);
    let rng = [("crypto/rng.c", "1\n2\n3\n4\n")];
    hook_refuses(&w, &rng, &big, &["path[crypto/**].max-lines", "path[crypto/**].require-dco"]);
    sneak(&w, &rng, &big);
    assert_eq!(
        verdicts(&w, &["trusted..HEAD"], 1),
        strs(&[
            "Harden key setup: accepted",
            "Document the ciphers: accepted",
            "Speed up AES: rejected path[crypto/**].authorship",
            "Rewrite the RNG: rejected path[crypto/**].max-lines path[crypto/**].require-dco",
        ])
    );
}

// ------------------------------------------------------ trust of .avow/

#[test]
fn a_pull_request_cannot_loosen_the_policy_it_is_judged_by() {
    let w = adopt("no-autonomous", None);
    // Alice, a maintainer, adds Bob as a contributor: an attested change
    // to .avow/ that the verifier accepts.
    let bob = w.keygen("bob");
    w.avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--key", &format!("{}.pub", bob.display())])
        .expect(0);
    hook_accepts(&w, &[], &msg("Add Bob to the keyring", "human", &["-a"]), &[]);
    assert_eq!(verdicts(&w, &["trusted..HEAD"], 0), strs(&["Add Bob to the keyring: accepted"]));
    w.git(["tag", "with-bob"]);
    // Bob's pull request: first allow `generated`, then use it.
    w.git(["checkout", "-q", "-b", "pr"]);
    w.git(["config", "user.name", BOB_NAME]);
    w.git(["config", "user.email", BOB_EMAIL]);
    w.git(["config", "avow.signingKey", bob.to_str().unwrap()]);
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let loose =
        policy.replace("allowed = [\"human\", \"assisted\"]", "allowed = [\"human\", \"assisted\", \"generated\"]");
    assert_ne!(loose, policy);
    let author = format!("--author={BOB_NAME} <{BOB_EMAIL}>");
    hook_accepts(
        &w,
        &[(".avow/policy.toml", &loose)],
        &msg("Allow generated changes", "human", &[author.as_str()]),
        &[],
    );
    // Bob's work tree now allows it, so his hook does too.
    hook_accepts(&w, &[("gen.c", "g\n")], &msg("Generated parser", "generated", &[author.as_str()]), &[]);
    assert_eq!(
        verdicts(&w, &["with-bob..pr"], 1),
        strs(
            &["Allow generated changes: rejected trust.avow-change", "Generated parser: rejected authorship.allowed",]
        )
    );
    // The same change attested by Alice, a maintainer, is accepted; from
    // then on it is the trusted policy.
    w.git(["checkout", "-q", "main"]);
    w.git(["config", "user.name", AUTHOR_NAME]);
    w.git(["config", "user.email", AUTHOR_EMAIL]);
    w.git(["config", "avow.signingKey", w.key.to_str().unwrap()]);
    hook_accepts(&w, &[(".avow/policy.toml", &loose)], &msg("Allow generated changes", "human", &[]), &[]);
    assert_eq!(verdicts(&w, &["with-bob..main"], 0), strs(&["Allow generated changes: accepted"]));
}

// ---------------------------------------------------------------- errors

/// Broken policies, each with the one-line error the CLI must give.
const BROKEN: &[(&str, &str, &str)] = &[
    (
        "unknown field",
        "version = 1\n\n[size]\ncolour = \"red\"\n",
        ":4: size.colour: unknown field; expected one of max-lines, max-files, action",
    ),
    (
        "wrong type",
        "version = 1\n[size]\nmax-lines = \"400\"\n",
        ":3: size.max-lines: expected a non-negative integer, found string \"400\"",
    ),
    (
        "bad glob",
        "version = 1\n\n[[path]]\nglob = \"crypto/[\"\n",
        ":4: path[crypto/[].glob: \"crypto/[\" is not a valid glob: unclosed character class; missing ']'",
    ),
];

#[test]
fn a_broken_trusted_policy_stops_verify_with_file_line_and_field() {
    for (what, text, error) in BROKEN {
        let w = with_policy(text);
        w.write("later.txt", "later\n");
        w.git(["add", "-A"]);
        w.git(["commit", "-q", "--no-verify", "-m", "Later work"]);
        let r = w.verify("trusted..HEAD").expect(2);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{what}: {}", r.stderr);
        assert_eq!(lines[0], format!("git-avow: error: .avow/policy.toml@trusted{error}"), "{what}");
        assert!(lines[1].starts_with("hint: "), "{what}: {}", r.stderr);
    }
}

#[test]
fn a_broken_work_tree_policy_stops_the_hook_with_file_line_and_field() {
    for (what, text, error) in BROKEN {
        let w = adopt("disclose", None);
        w.write(".avow/policy.toml", text);
        let before = head(&w);
        let r = commit(&w, &[("a.c", "a\n")], &msg("Some work", "human", &[])).expect(1);
        assert_eq!(head(&w), before, "{what}");
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{what}: {}", r.stderr);
        assert_eq!(lines[0], format!("git-avow: error: .avow/policy.toml{error}"), "{what}");
        assert_eq!(lines[1], "hint: fix .avow/policy.toml (docs/policy.md describes every field)", "{what}");
    }
}

#[test]
fn unknown_preset() {
    let w = World::bare();
    let r = w.avow(["init", "--preset", "no-llm"]).expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: unknown preset `no-llm`; known presets: no-ai, disclose, no-autonomous\n\
         hint: choose one of: no-ai, disclose, no-autonomous\n"
    );
    assert!(!w.path().join(".avow").exists());
}

// ------------------------------------------------------------ docs agree

/// The preset table of docs/policy.md matches what `init --preset` writes.
#[test]
fn init_writes_the_presets_docs_policy_md_describes() {
    use avow_policy::policy::{MergeMode, Policy, UnderstoodBy};
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/policy.md")).unwrap();
    for name in ["no-ai", "disclose", "no-autonomous"] {
        let w = World::bare();
        w.avow(["init", "--preset", name]).expect(0);
        let text = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
        let p = Policy::parse(&text, std::path::Path::new(".avow/policy.toml")).unwrap();
        assert_eq!(p, Policy::preset(name).unwrap(), "{name}");
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` ")))
            .unwrap_or_else(|| panic!("docs/policy.md has no preset row for {name}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let allowed = if p.authorship.allowed.len() == 3 {
            "all three".to_owned()
        } else {
            let names: Vec<String> = p.authorship.allowed.iter().map(|a| format!("\"{a}\"")).collect();
            format!("`[{}]`", names.join(", "))
        };
        assert_eq!(cells[2], allowed, "{name}: authorship.allowed");
        assert_eq!(cells[3], format!("`{}`", p.markers.refuse), "{name}: markers.refuse");
        assert_eq!(cells[4], format!("`{}`", p.dco.required), "{name}: dco.required");
        // "All three keep the other defaults".
        assert_eq!((p.merges, p.understood_by), (MergeMode::Skip, UnderstoodBy::Author), "{name}");
        assert!(p.rationale.reject_subject_copy && p.rationale.reject_reuse && p.rationale.min_length == 20);
        assert!(p.size.max_lines.is_none() && p.size.max_files.is_none() && p.paths.is_empty(), "{name}");
    }
}
