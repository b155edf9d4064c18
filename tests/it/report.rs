//! `git avow report`: signals for a reviewer, on repositories built to
//! carry each kind of marker and signal, with the messages agents write.

use serde_json::Value;

use crate::support::*;

/// Someone other than the default author.
struct Who {
    name: &'static str,
    email: &'static str,
}

const BOB: Who = Who { name: "Bob Builder", email: "bob@example.org" };

/// Commits as `who` (author, `user.*` for `Understood-by`) signing with
/// `key`, hooks on, no terminal; `date` is the author date.
fn commit_as(w: &World, who: &Who, key: &std::path::Path, date: Option<&str>, args: &[&str]) -> Run {
    let mut c = w.repo.command("setsid");
    c.args(["-w", "git", "-c"])
        .arg(format!("user.name={}", who.name))
        .arg("-c")
        .arg(format!("user.email={}", who.email))
        .arg("-c")
        .arg(format!("avow.signingKey={}", key.display()))
        .args(["commit", "-q"])
        .args(args)
        .env("GIT_AUTHOR_NAME", who.name)
        .env("GIT_AUTHOR_EMAIL", who.email);
    if let Some(d) = date {
        c.env("GIT_AUTHOR_DATE", d);
    }
    c.output().expect("run git commit").into()
}

/// Commits the staged change with `message` as an agent does: without
/// hooks, with `author` (`Name <email>`).
fn agent_commit(w: &World, author: &str, message: &str) {
    w.git_notty(["commit", "-q", "--no-verify", "--allow-empty", "--author", author, "-m", message]).expect(0);
}

/// Writes `file` and stages everything.
fn stage(w: &World, file: &str, contents: &str) {
    w.write(file, contents);
    w.git(["add", "-A"]);
}

/// `lines` numbered lines.
fn lines(prefix: &str, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!("{prefix} line {i}\n"));
    }
    out
}

fn json(w: &World, range: &str) -> Value {
    let r = w.avow(["report", range, "--format", "json"]).expect(0);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// The markers of each commit as `tool/kind`, in range order.
fn markers(report: &Value) -> Vec<Vec<String>> {
    report["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["markers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| format!("{}/{}", m["tool"].as_str().unwrap(), m["kind"].as_str().unwrap()))
                .collect()
        })
        .collect()
}

/// The findings as `kind: message`.
fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {}", f["kind"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect()
}

/// Replaces commit ids (full and short) by names, key fingerprints by
/// `SHA256:<fpr>`, and the date and age of keys (which depend on today) by
/// placeholders.
fn filter(w: &World, text: &str, names: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (rev, name) in names {
        let id = w.git(["rev-parse", rev]);
        out = out.replace(&id, &format!("<{name}>")).replace(&id[..12], &format!("<{name}>"));
    }
    let mut masked = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find("SHA256:") {
        masked.push_str(&rest[..i]);
        masked.push_str("SHA256:<fpr>");
        let tail = &rest[i + 7..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/')).unwrap_or(tail.len());
        rest = &tail[end..];
    }
    masked.push_str(rest);
    let mut out = String::new();
    let mut rest = masked.as_str();
    while let (Some(i), Some(j)) = (rest.find(" added "), rest.find(" before signing")) {
        if j < i {
            break;
        }
        out.push_str(&rest[..i]);
        out.push_str(" added <date> before signing");
        rest = &rest[j + " before signing".len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn a_clean_human_range_reports_nothing_alarming() {
    let w = World::adopted("disclose");
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser's off-by-one");
    w.change("docs/usage.md", "# Usage\n\nRun it.\n", "Document how to run the tool");
    w.change("src/parse.rs", "fn parse() {}\nfn unparse() {}\n", "Add the inverse of parse");
    let r = w.avow(["report", "base..HEAD"]).expect(0);
    assert_eq!(r.stderr, "");
    let names = [("base", "base"), ("HEAD~2", "c1"), ("HEAD~1", "c2"), ("HEAD", "c3")];
    assert_eq!(
        filter(&w, &r.stdout, &names),
        "\
avow report: base..HEAD (trust: base), 3 commits by 1 contributor

findings: none (no agent markers, rejected attestations, new identities, bursts, oversized changes or weak rationales)

contributors:
  Alice Example <alice@example.org>: 3 commits; first seen <base> (2025-11-24); 1 commit before this range; first attested commit <base> (2025-11-24); 1 attested commit before this range
    key SHA256:<fpr> added <date> before signing; no rotation

commits:
  accepted  <c1>  Fix the parser's off-by-one
            human; +1 -0, 1 file in 1 top-level directory (src); rationale 102 characters
  accepted  <c2>  Document how to run the tool
            human; +3 -0, 1 file in 1 top-level directory (docs); rationale 103 characters
  accepted  <c3>  Add the inverse of parse
            human; +1 -0, 1 file in 1 top-level directory (src); rationale 99 characters
"
    );
    let r = w.avow(["report", "base..HEAD", "--format", "markdown"]).expect(0);
    assert_eq!(
        filter(&w, &r.stdout, &names),
        "\
### avow report for `base..HEAD`

3 commits by 1 contributor, keyring and policy from `base`. Information for the reviewer, not a verdict.

**No findings**: no agent markers, rejected attestations, new identities, bursts, oversized changes or weak rationales.

| contributor | commits here | first seen | earlier commits | attested before | keys |
| --- | --- | --- | --- | --- | --- |
| Alice Example `alice@example.org` | 3 | `<base>` 2025-11-24 | 1 | 1 | `SHA256:<fpr>` (0 days) |

<details><summary>3 commits</summary>

| commit | subject | author | authorship | verdict | change | markers | rationale |
| --- | --- | --- | --- | --- | --- | --- | --- |
| `<c1>` | Fix the parser's off-by-one | Alice Example | human | accepted | +1 −0, 1 file | — | ok |
| `<c2>` | Document how to run the tool | Alice Example | human | accepted | +3 −0, 1 file | — | ok |
| `<c3>` | Add the inverse of parse | Alice Example | human | accepted | +1 −0, 1 file | — | ok |

</details>
"
    );
    let v = json(&w, "base..HEAD");
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["contributors"][0]["earlier_attested"], 1);
    assert_eq!(v["contributors"][0]["new_identity"], false);
}

#[test]
#[expect(clippy::too_many_lines, reason = "one commit per agent, with the message it writes")]
fn every_agent_marker_is_reported() {
    let w = World::adopted("disclose");
    // Claude Code, disclosed and attested: markers, but no mismatch.
    stage(&w, "src/http.rs", "pub fn retry() {}\n");
    w.commit(&[
        "-m",
        "Add retry with exponential backoff to the HTTP client\n\n\
         Transient 503s from the registry failed the whole sync. Retry up to\n\
         five times, doubling the delay from 100 ms.\n\n\
         🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n\
         Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
        "--trailer",
        "Authorship: assisted",
        "--trailer",
        "Assisted-by: Claude:claude-opus-4-5",
        "--trailer",
        "Rationale: The registry answers 503 under load; retrying with backoff rides out the spikes.",
    ])
    .expect(0);
    // Copilot coding agent: its own identity, the human in Co-authored-by.
    stage(&w, "src/config.rs", "pub fn load() {}\n");
    agent_commit(
        &w,
        "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
        "Fix null check in config loader\n\nCo-authored-by: alice <12345+alice@users.noreply.github.com>",
    );
    // aider: the author renamed `(aider)`, its Co-authored-by, and the older
    // `aider: ` subject prefix.
    stage(&w, "src/cli.rs", "pub fn args() {}\n");
    agent_commit(
        &w,
        "Alice Example (aider) <alice@example.org>",
        "feat: Add input validation for CLI arguments\n\nCo-authored-by: aider (anthropic/claude-sonnet-4-5) <aider@aider.chat>",
    );
    stage(&w, "src/cli.rs", "pub fn args() {}\npub fn more() {}\n");
    agent_commit(&w, "Alice Example <alice@example.org>", "aider: Refactor argument parsing into its own function");
    // Cursor agent.
    stage(&w, "src/ui.rs", "pub fn draw() {}\n");
    agent_commit(
        &w,
        "Alice Example <alice@example.org>",
        "Improve error messages in the UI layer\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
    );
    // Amp.
    stage(&w, "src/db.rs", "pub fn query() {}\n");
    agent_commit(
        &w,
        "Alice Example <alice@example.org>",
        "Use prepared statements for user lookups\n\n\
         Amp-Thread-ID: https://ampcode.com/threads/T-4a3f9c1e-2b7d-4e8a-9f01-6c5d2e8b7a90\n\
         Co-authored-by: Amp <amp@ampcode.com>",
    );
    // Replit Agent.
    stage(&w, "main.py", "print('hi')\n");
    agent_commit(
        &w,
        "Alice Example <alice@example.org>",
        "Add a landing page with a signup form\n\n\
         Replit-Commit-Author: Agent\n\
         Replit-Commit-Session-Id: 7f1c6a0e-3d2b-4c5a-8e9f-0a1b2c3d4e5f\n\
         Replit-Commit-Checkpoint-Type: full_checkpoint",
    );
    // OpenAI Codex and OpenHands.
    stage(&w, "src/cache.rs", "pub fn evict() {}\n");
    agent_commit(
        &w,
        "Alice Example <alice@example.org>",
        "Evict stale cache entries on startup\n\nCo-authored-by: Codex <noreply@openai.com>",
    );
    stage(&w, "src/log.rs", "pub fn log() {}\n");
    agent_commit(
        &w,
        "openhands <openhands@all-hands.dev>",
        "Add structured logging\n\nCo-authored-by: openhands <openhands@all-hands.dev>",
    );

    let v = json(&w, "base..HEAD");
    assert_eq!(
        markers(&v),
        vec![
            vec!["Claude Code/identity", "Claude Code/footer"],
            vec!["Copilot coding agent/identity", "Copilot coding agent/bot-login"],
            vec!["aider/identity", "aider/name-suffix"],
            vec!["aider/subject-prefix"],
            vec!["Cursor/identity"],
            vec!["Amp/identity", "Amp/trailer", "Amp/footer"],
            vec!["Replit Agent/trailer", "Replit Agent/trailer", "Replit Agent/trailer"],
            vec!["OpenAI Codex/identity", "OpenAI Codex/name"],
            vec!["OpenHands/identity"],
        ]
    );
    // Every commit is reported as a marker finding, before the one line
    // that sums up the unattested ones; none is a mismatch (none declares
    // human). The two agent identities are new to the repository.
    let f = findings(&v);
    let kinds: Vec<&str> = f.iter().map(|s| s.split(':').next().unwrap()).collect();
    assert_eq!(kinds[..9], ["marker"; 9], "{f:#?}");
    assert_eq!(kinds[9], "rejected", "{f:#?}");
    assert_eq!(
        f[10..],
        ["new-identity: no attested commit before this range", "new-identity: no attested commit before this range",]
    );
    assert_eq!(
        f[0],
        "marker: agent markers: Claude Code identity `Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>`; \
         Claude Code footer `🤖 Generated with [Claude Code](https://claude.com/claude-code)` \
         (declares `Authorship: assisted`, Assisted-by Claude:claude-opus-4-5)"
    );
    assert_eq!(
        f[1],
        "marker: agent markers: Copilot coding agent identity \
         `author copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>`; \
         Copilot coding agent bot-login `author copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>` \
         (no authorship declared)"
    );
    let ids: Vec<String> =
        v["commits"].as_array().unwrap()[1..6].iter().map(|c| c["commit"].as_str().unwrap()[..12].to_owned()).collect();
    assert_eq!(
        f[9],
        format!(
            "rejected: 8 of 9 commits are not attested (no `Avow-Signature:` trailer): {} and 3 more [attestation.missing]",
            ids.join(", ")
        )
    );
    assert!(v["findings"][9]["commit"].is_null() && v["findings"][9]["contributor"].is_null());
    let who: Vec<&str> =
        v["findings"].as_array().unwrap()[10..].iter().map(|f| f["contributor"].as_str().unwrap()).collect();
    assert_eq!(who, ["198982749+Copilot@users.noreply.github.com", "openhands@all-hands.dev"]);
    assert_eq!(v["summary"]["findings"]["marker"], 9);
    assert_eq!(v["summary"]["findings"]["mismatch"], 0);
    // Each marker names where it is documented.
    assert!(v["commits"][1]["markers"][0]["source"].as_str().unwrap().starts_with("https://github.com/"));
}

#[test]
fn a_declared_human_commit_with_agent_markers_is_a_mismatch_reported_first() {
    let w = World::adopted("disclose");
    w.change("src/a.rs", "pub fn a() {}\n", "Add a");
    stage(&w, "src/parser.rs", "pub fn parse() {}\n");
    w.commit(&[
        "-m",
        "Refactor the parser into a state machine\n\n\
         🤖 Generated with [Claude Code](https://claude.ai/code)\n\n\
         Co-Authored-By: Claude <noreply@anthropic.com>",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: A state machine makes the error states explicit and each one testable.",
    ])
    .expect(0);
    // The policy (disclose) does not look at markers: verify accepts it.
    w.verify("base..HEAD").expect(0);
    let r = w.avow(["report", "base..HEAD"]).expect(0);
    let names = [("base", "base"), ("HEAD~1", "a"), ("HEAD", "claude")];
    assert_eq!(
        filter(&w, &r.stdout, &names),
        "\
avow report: base..HEAD (trust: base), 2 commits by 1 contributor

findings (1), most important first:
  MISMATCH      <claude>  declares `Authorship: human` but carries agent markers: Claude Code identity `Co-Authored-By: Claude <noreply@anthropic.com>`; Claude Code footer `🤖 Generated with [Claude Code](https://claude.ai/code)`

contributors:
  Alice Example <alice@example.org>: 2 commits; first seen <base> (2025-11-24); 1 commit before this range; first attested commit <base> (2025-11-24); 1 attested commit before this range
    key SHA256:<fpr> added <date> before signing; no rotation

commits:
  accepted  <a>  Add a
            human; +1 -0, 1 file in 1 top-level directory (src); rationale 80 characters
  accepted  <claude>  Refactor the parser into a state machine
            human; +1 -0, 1 file in 1 top-level directory (src); rationale 70 characters; MISMATCH, markers: Claude Code
"
    );
    let v = json(&w, "base..HEAD");
    assert_eq!(v["commits"][1]["mismatch"], true);
    assert_eq!(v["contributors"][0]["mismatches"][0], w.git(["rev-parse", "HEAD"]));
    let md = w.avow(["report", "base..HEAD", "--format", "markdown"]).expect(0).stdout;
    assert_eq!(
        filter(&w, &md, &names),
        "\
### avow report for `base..HEAD`

2 commits by 1 contributor, keyring and policy from `base`. Information for the reviewer, not a verdict.

**Findings** (1), most important first:

- **MISMATCH** `<claude>`: declares `Authorship: human` but carries agent markers: Claude Code identity `Co-Authored-By: Claude <noreply@anthropic.com>`; Claude Code footer `🤖 Generated with [Claude Code](https://claude.ai/code)`

| contributor | commits here | first seen | earlier commits | attested before | keys |
| --- | --- | --- | --- | --- | --- |
| Alice Example `alice@example.org` | 2 | `<base>` 2025-11-24 | 1 | 1 | `SHA256:<fpr>` (0 days) |

<details><summary>2 commits</summary>

| commit | subject | author | authorship | verdict | change | markers | rationale |
| --- | --- | --- | --- | --- | --- | --- | --- |
| `<a>` | Add a | Alice Example | human | accepted | +1 −0, 1 file | — | ok |
| `<claude>` | Refactor the parser into a state machine | Alice Example | human | accepted | +1 −0, 1 file | **mismatch**: Claude Code | ok |

</details>
"
    );
}

#[test]
fn a_burst_of_large_commits_is_reported() {
    let w = World::adopted("disclose");
    for i in 0..5u32 {
        stage(&w, &format!("src/gen{i}.rs"), &lines("generated", 250));
        let date = format!("{} +0000", 1_764_003_600 + i * 600);
        let subject = format!("Add generated module {i}");
        let rationale = format!("Rationale: Module {i} of the generated bindings; each wraps one C header.");
        let r = w.git_notty([
            "commit",
            "-q",
            "--date",
            &date,
            "-m",
            &subject,
            "--trailer",
            "Authorship: human",
            "--trailer",
            &rationale,
        ]);
        r.expect(0);
    }
    let v = json(&w, "base..HEAD");
    assert_eq!(
        findings(&v),
        vec![
            "burst: 5 commits of 200+ changed lines within 40 minutes \
              (2025-11-24 17:00 UTC to 2025-11-24 17:40 UTC)"
        ]
    );
    assert_eq!(v["contributors"][0]["bursts"][0]["commits"].as_array().unwrap().len(), 5);
    // Four are not a burst.
    let v = json(&w, "base..HEAD~1");
    assert_eq!(findings(&v), Vec::<String>::new());
}

#[test]
fn oversized_and_weak_rationales_are_reported() {
    let w = World::adopted("disclose");
    for dir in ["src", "docs", "tests", "bench"] {
        w.write(&format!("{dir}/big.txt"), lines(dir, 120));
    }
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Vendor the generated fixtures",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Vendor the generated fixtures",
    ])
    .expect(1);
    // The hook refuses a rationale that repeats the subject; an agent skips it.
    agent_commit(&w, "Alice Example <alice@example.org>", "Vendor the generated fixtures\n\nRationale: fix bug");
    let v = json(&w, "base..HEAD");
    let f = findings(&v);
    assert_eq!(f.len(), 3, "{f:#?}");
    assert!(f[0].starts_with("rejected: "), "{}", f[0]);
    assert_eq!(
        f[1..],
        [
            "oversized: 480 changed lines (over 400), 4 top-level directories (over 3)",
            "weak-rationale: the rationale is 7 characters long (under 20); is the boilerplate \"fix bug\"",
        ]
    );
    assert_eq!(v["commits"][0]["change"]["top_level_dirs"], serde_json::json!(["bench", "docs", "src", "tests"]));
}

/// Alice (maintainer) adds Bob's key and rotates her own, then signs with
/// the new one; `base` is moved to that commit. Returns Bob's key.
fn with_bob_and_a_rotated_key(w: &World) -> (std::path::PathBuf, String) {
    let bob = w.keygen("bob");
    w.avow(["keyring", "add", "--name", BOB.name, "--email", BOB.email, "--key", &format!("{}.pub", bob.display())])
        .expect(0);
    let old = w.git(["config", "avow.signingKey"]);
    let out = w.command("ssh-keygen").args(["-l", "-f", &format!("{old}.pub")]).output().unwrap();
    let old_fpr = String::from_utf8(out.stdout).unwrap().split_whitespace().nth(1).unwrap().to_owned();
    let new = w.keygen("alice-2026");
    w.avow(["keyring", "rotate", &old_fpr, "--key", &format!("{}.pub", new.display())]).expect(0);
    // `rotate` records the new key as added at the current instant, with
    // sub-second precision, while signatures carry whole seconds: a
    // signature made in the same second would be "not yet valid". Date the
    // rotation to today, as `keyring add` dates keys.
    let path = w.path().join(".avow/keyring.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text: String = text
        .lines()
        .map(|l| match l.strip_prefix("added = \"") {
            Some(v) if v.contains('T') => format!("added = \"{}\"\n", &v[..10]),
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&path, text).unwrap();
    w.git(["config", "avow.signingKey", new.to_str().unwrap()]);
    w.git(["add", "-A"]);
    w.commit(&[
        "-m",
        "Add Bob's key and rotate Alice's",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Bob joins the project; Alice's laptop was replaced, so her key is rotated.",
    ])
    .expect(0);
    w.git(["tag", "-f", "base"]);
    (bob, old_fpr)
}

#[test]
fn a_new_identity_key_age_and_rotation_are_reported() {
    let w = World::adopted("disclose");
    let (bob, old_fpr) = with_bob_and_a_rotated_key(&w);
    stage(&w, "src/net.rs", "pub fn connect() {}\n");
    let rationale = "Rationale: Connections leaked on timeout; close the socket on every exit path.";
    commit_as(
        &w,
        &BOB,
        &bob,
        None,
        &["-m", "Close sockets on timeout", "--trailer", "Authorship: human", "--trailer", rationale],
    )
    .expect(0);
    w.change("src/a.rs", "pub fn a() {}\n", "Add a");
    let r = w.avow(["report", "base..HEAD"]).expect(0);
    let names = [("base", "base"), ("base~1", "adopt"), ("HEAD~1", "bob"), ("HEAD", "alice")];
    assert_eq!(
        filter(&w, &r.stdout, &names),
        "\
avow report: base..HEAD (trust: base), 2 commits by 2 contributors

findings (1), most important first:
  new identity  <bob@example.org>  no attested commit before this range; first attested commit <bob> (2025-11-24); key SHA256:<fpr> added <date> before signing

contributors:
  Bob Builder <bob@example.org>: 1 commit; first seen <bob> (2025-11-24); 0 commits before this range; first attested commit <bob> (2025-11-24); 0 attested commits before this range
    key SHA256:<fpr> added <date> before signing; no rotation
  Alice Example <alice@example.org>: 1 commit; first seen <adopt> (2025-11-24); 2 commits before this range; first attested commit <adopt> (2025-11-24); 2 attested commits before this range
    key SHA256:<fpr> added <date> before signing; 1 rotation (succeeds SHA256:<fpr>)

commits:
  accepted  <bob>  Close sockets on timeout
            human; +1 -0, 1 file in 1 top-level directory (src); rationale 67 characters
  accepted  <alice>  Add a
            human; +1 -0, 1 file in 1 top-level directory (src); rationale 80 characters
"
    );
    let v = json(&w, "base..HEAD");
    let bob = &v["contributors"][0];
    assert_eq!((bob["new_identity"].as_bool(), bob["earlier_attested"].as_u64()), (Some(true), Some(0)));
    assert_eq!(bob["first_attested"]["commit"], w.git(["rev-parse", "HEAD~1"]));
    assert!(bob["keys"][0]["added"].is_i64() && bob["keys"][0]["age_days"].is_i64(), "{bob}");
    let alice = &v["contributors"][1];
    assert_eq!(alice["keys"][0]["rotations"], serde_json::json!([old_fpr]));
    assert_eq!(alice["first_attested"]["commit"], w.git(["rev-parse", "base~1"]));
}

#[test]
fn a_reused_rationale_is_reported_by_the_same_person_and_by_others() {
    let w = World::adopted("disclose");
    let (bob, _) = with_bob_and_a_rotated_key(&w);
    let rationale = "Rationale: Keeps the code base consistent and easier to maintain going forward.";
    for (file, subject) in [("src/a.rs", "Tidy module a"), ("src/b.rs", "Tidy module b")] {
        stage(&w, file, "// tidy\n");
        w.commit(&["-m", subject, "--trailer", "Authorship: human", "--trailer", rationale]).expect(0);
    }
    stage(&w, "src/c.rs", "// tidy\n");
    commit_as(&w, &BOB, &bob, None, &["-m", "Tidy module c", "--trailer", "Authorship: human", "--trailer", rationale])
        .expect(0);
    let v = json(&w, "base..HEAD");
    let names = [("HEAD~2", "a"), ("HEAD~1", "b"), ("HEAD", "c")];
    let f: Vec<String> = findings(&v).iter().map(|f| filter(&w, f, &names)).collect();
    assert_eq!(
        f,
        [
            "rejected: verify rejects it: <alice@example.org> gave the same rationale on commit <a>; \
             describe this change in its own words [rationale.reject-reuse]",
            "new-identity: no attested commit before this range; first attested commit <c> (2025-11-24); \
             key SHA256:<fpr> added <date> before signing",
            "weak-rationale: the rationale is also the rationale of <b>, <c> (at least one by the same person)",
            "weak-rationale: the rationale is also the rationale of <a>, <c> (at least one by the same person)",
            "weak-rationale: the rationale is also the rationale of <a>, <b> (by others)",
        ]
    );
}

#[test]
fn a_bad_range_is_an_error() {
    let w = World::adopted("disclose");
    let r = w.avow(["report", "nope..HEAD"]).expect(2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "git-avow: error: unknown revision `nope`\n\
         hint: check the name with `git rev-parse`; in CI, fetch the base branch first (e.g. `git fetch origin main`)\n"
    );
}

#[test]
fn an_agent_branch_name_is_reported() {
    let w = World::adopted("disclose");
    w.git(["checkout", "-q", "-b", "claude/fix-parser-off-by-one"]);
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser's off-by-one");
    let v = json(&w, "main..claude/fix-parser-off-by-one");
    assert_eq!(v["branch"], "refs/heads/claude/fix-parser-off-by-one");
    assert_eq!(
        findings(&v),
        ["marker: the branch `claude/fix-parser-off-by-one` is named the way Claude Code names its branches"]
    );
    assert_eq!(v["findings"][0]["contributor"], Value::Null);
    // HEAD on that branch names it too; a commit id does not.
    assert_eq!(json(&w, "main..HEAD")["summary"]["findings"]["marker"], 1);
    let id = w.git(["rev-parse", "HEAD"]);
    assert_eq!(json(&w, &format!("main..{id}"))["findings"], serde_json::json!([]));
}

/// A repository that never adopted avow: a maintainer tries `report` on
/// their own history before adopting anything.
fn unadopted() -> World {
    let w = World::bare();
    stage(&w, "README.md", "hello\n");
    w.git(["commit", "-q", "--no-verify", "-m", "Start the project"]);
    w.git(["tag", "base"]);
    w
}

#[test]
fn report_runs_on_a_repository_that_has_not_adopted_avow() {
    let w = unadopted();
    stage(&w, "src/a.rs", "pub fn a() {}\n");
    agent_commit(
        &w,
        "Alice Example <alice@example.org>",
        "Add a\n\nPlain human work that mentions Claude and Copilot.",
    );
    stage(&w, "src/b.rs", "pub fn b() {}\n");
    agent_commit(
        &w,
        "Alice Example <alice@example.org>",
        "Add b\n\n💘 Generated with Crush\n\nCo-Authored-By: Crush <crush@charm.land>",
    );
    stage(&w, "Cargo.lock", "# lock\n");
    agent_commit(
        &w,
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        "Bump serde from 1.0.1 to 1.0.2",
    );
    stage(&w, "src/c.rs", "pub fn c() {}\n");
    agent_commit(&w, "Claude <noreply@anthropic.com>", "Add c");
    let r = w.avow(["report", "base..HEAD"]).expect(0);
    let names: Vec<(String, &str)> =
        [("HEAD~3", "<a>"), ("HEAD~2", "<crush>"), ("HEAD~1", "<bot>"), ("HEAD", "<claude>")]
            .iter()
            .map(|(rev, name)| (w.git(["rev-parse", "--short=12", rev]), *name))
            .collect();
    let mut out = r.stdout.clone();
    for (id, name) in &names {
        out = out.replace(id.as_str(), name);
    }
    let base = w.git(["rev-parse", "--short=12", "base"]);
    out = out.replace(&base, "<base>");
    assert_eq!(
        out,
        "\
avow report: base..HEAD (trust: base), 4 commits by 3 contributors

attestation checks skipped: there is no .avow/keyring.toml at base (the repository has not adopted avow); markers, identities, bursts and sizes only

findings (4), most important first:
  marker        <crush>  agent markers: Crush identity `Co-Authored-By: Crush <crush@charm.land>`; Crush footer `💘 Generated with Crush` (no authorship declared)
  marker        <claude>  agent markers: Claude Code identity `author Claude <noreply@anthropic.com>` (no authorship declared)
  new identity  <49699333+dependabot[bot]@users.noreply.github.com>  no commit before this range
  new identity  <noreply@anthropic.com>  no commit before this range

contributors:
  Alice Example <alice@example.org>: 2 commits; first seen <base> (2025-11-24); 1 commit before this range
  dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>: 1 commit; first seen <bot> (2025-11-24); 0 commits before this range
  Claude <noreply@anthropic.com>: 1 commit; first seen <claude> (2025-11-24); 0 commits before this range

commits:
  unchecked  <a>  Add a
            no authorship declared; +1 -0, 1 file in 1 top-level directory (src); no rationale
  unchecked  <crush>  Add b
            no authorship declared; +1 -0, 1 file in 1 top-level directory (src); no rationale; markers: Crush
  unchecked  <bot>  Bump serde from 1.0.1 to 1.0.2
            no authorship declared; +1 -0, 1 file in 1 top-level directory (.); no rationale
  unchecked  <claude>  Add c
            no authorship declared; +1 -0, 1 file in 1 top-level directory (src); no rationale; markers: Claude Code
"
    );
    let v = json(&w, "base..HEAD");
    assert_eq!(v["attestation_checks"], "skipped");
    assert_eq!(v["summary"]["findings"]["rejected"], 0);
    for c in v["commits"].as_array().unwrap() {
        assert_eq!(c["verdict"], "unchecked");
        assert_eq!(c["problems"].as_array().unwrap().len(), 0);
    }
    // Dependabot is recognised, as automation, not AI.
    assert_eq!(v["commits"][2]["markers"].as_array().unwrap().len(), 0);
    assert_eq!(v["commits"][2]["automation"][0]["tool"], "Dependabot");
    assert_eq!(v["commits"][2]["automation"][0]["class"], "automation");
    assert_eq!(v["contributors"][0]["earlier_commits"], 1);
    // verify still refuses to run without a keyring: it gives verdicts.
    w.avow(["verify", "base..HEAD"]).expect(2);
}

#[test]
fn the_pull_request_view_sums_up_unattested_commits_and_escapes_what_commits_control() {
    let w = World::adopted("disclose");
    w.change("src/a.rs", "pub fn a() {}\n", "Add a");
    w.git(["tag", "pr-base"]);
    for i in 0..7 {
        stage(&w, &format!("src/n{i}.rs"), "pub fn n() {}\n");
        agent_commit(&w, "Alice Example <alice@example.org>", &format!("Unattested change {i}"));
    }
    stage(&w, "src/evil.rs", "pub fn e() {}\n");
    agent_commit(
        &w,
        "Mallory *Bold* [x](https://evil.example) <mallory@example.org>",
        "Fix | @maintainers <img src=x onerror=alert(1)> `code` & [link](https://evil.example)\n\n\
         Co-authored-by: Amp <amp@ampcode.com>",
    );
    let md = w.avow(["report", "pr-base..HEAD", "--format", "markdown"]).expect(0).stdout;
    // One line for the eight unattested commits, after the marker.
    let findings: Vec<&str> = md.lines().filter(|l| l.starts_with("- **")).collect();
    assert_eq!(findings.len(), 3, "{md}");
    assert!(findings[0].starts_with("- **marker** `"), "{md}");
    assert!(
        findings[1]
            .starts_with("- **rejected** range: 8 of 8 commits are not attested (no `Avow-Signature:` trailer): "),
        "{md}"
    );
    assert!(findings[1].ends_with(" and 3 more \\[attestation.missing\\]"), "{md}");
    assert!(findings[2].starts_with("- **new identity** `mallory@example.org`"), "{md}");
    // Nothing a commit controls can format, link, mention or inject HTML.
    let row = md.lines().find(|l| l.contains("Fix \\|")).expect("the evil commit's row");
    assert!(
        row.contains(
            "Fix \\| \\@maintainers \\<img src=x onerror=alert(1)\\> \\`code\\` \\& \\[link\\](https://evil.example)"
        ),
        "{row}"
    );
    assert!(row.contains("Mallory \\*Bold\\* \\[x\\](https://evil.example)"), "{row}");
    assert!(!md.replace("\\<img", "").contains("<img"), "{md}");
    assert!(!md.replace("\\@maintainers", "").contains("@maintainers"), "{md}");
    let who = md.lines().find(|l| l.starts_with("| Mallory")).expect("the contributor row");
    assert!(who.starts_with("| Mallory \\*Bold\\* \\[x\\](https://evil.example) `mallory@example.org` | 1 |"), "{who}");
}
