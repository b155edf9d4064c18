//! The CI integrations as shipped: action.yml (GitHub) and
//! ci/gitlab/avow.gitlab-ci.yml parse, hang together, and the shell steps
//! they run — the very text in the files — work on real repositories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use crate::formats::history;
use crate::golden::{assert_golden, normalise};
use crate::shallow::git_in;
use crate::support::*;

fn load(rel: &str) -> Yaml {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}")).remove(0)
}

fn str_of<'a>(y: &'a Yaml, what: &str) -> &'a str {
    y.as_str().unwrap_or_else(|| panic!("{what} is not a string: {y:?}"))
}

/// PATH with the git-avow under test first, so that `git avow` finds it.
fn path_with_avow() -> String {
    let dir = avow_bin().parent().unwrap().to_path_buf();
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

/// Runs `script` with bash -e in `dir`, the hermetic environment plus `env`.
fn run_script(w: &World, dir: &Path, script: &str, env: &[(&str, String)]) -> Run {
    let mut c = w.command("bash");
    c.args(["--noprofile", "--norc", "-e", "-c", script]).current_dir(dir);
    // What the scripts make with mktemp goes where the test cleans up (a
    // step's env may still name another).
    let tmp = w.scratch().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    c.env("TMPDIR", &tmp);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run bash").into()
}

/// The action's steps by id.
fn action_steps(action: &Yaml) -> HashMap<String, Yaml> {
    action["runs"]["steps"]
        .as_vec()
        .expect("runs.steps is a list")
        .iter()
        .map(|s| (str_of(&s["id"], "a step's id").to_owned(), s.clone()))
        .collect()
}

#[test]
fn action_yml_is_a_well_formed_composite_action() {
    let action = load("action.yml");
    assert_eq!(str_of(&action["runs"]["using"], "runs.using"), "composite");
    let inputs: Vec<&str> = action["inputs"].as_hash().expect("inputs").keys().map(|k| str_of(k, "input")).collect();
    assert_eq!(inputs, ["base", "head", "trust", "format", "report", "fetch", "install"]);
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    for reference in text.split("inputs.").skip(1) {
        let name: String = reference.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        assert!(inputs.contains(&name.as_str()), "action.yml uses undeclared input `{name}`");
    }
    let w = World::bare();
    for (id, step) in action_steps(&action) {
        if let Some(script) = step["run"].as_str() {
            // Composite steps must name their shell; ours are bash.
            assert_eq!(step["shell"].as_str(), Some("bash"), "step {id}");
            run_script(&w, &w.path(), &format!("bash -n <<'EOF'\n{script}\nEOF"), &[]).expect(0);
            assert!(!script.contains("${{"), "step {id} interpolates an expression into its script");
        }
        // Another action, pinned by its full commit id (a tag can move).
        if let Some(uses) = step["uses"].as_str() {
            let (_, rev) = uses.split_once('@').expect("uses: OWNER/REPO@REV");
            assert!(rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()), "step {id}: {uses} is not pinned");
        }
    }
}

#[test]
fn the_action_install_step_checks_its_input() {
    let action = action_steps(&load("action.yml"));
    let install = str_of(&action["install"]["run"], "install step");
    let w = World::bare();
    let with = |how: &str, path: String| [("AVOW_INSTALL", how.to_owned()), ("PATH", path)];
    run_script(&w, &w.path(), install, &with("path", path_with_avow())).expect(0);
    let missing = run_script(&w, &w.path(), install, &with("path", "/usr/bin:/bin".to_owned())).expect(2);
    assert_eq!(missing.stdout, "::error title=avow::git-avow is not on PATH (install: path)\n");
    let bad = run_script(&w, &w.path(), install, &with("brew", path_with_avow())).expect(2);
    assert_eq!(bad.stdout, "::error title=avow::install must be 'auto', 'release', 'cargo' or 'path', not 'brew'\n");
}

#[test]
fn the_gitlab_template_verifies_a_merge_request() {
    let template = load("ci/gitlab/avow.gitlab-ci.yml");
    let job = &template["avow-verify"];
    assert_eq!(str_of(&job["rules"][0]["if"], "rules"), "$CI_PIPELINE_SOURCE == \"merge_request_event\"");
    assert_eq!(str_of(&job["variables"]["GIT_DEPTH"], "GIT_DEPTH"), "0");
    let (mut env, script) = gitlab_script();
    let w = history();
    let (base, head) = (w.git(["rev-parse", "trusted"]), w.git(["rev-parse", "HEAD"]));
    // The merge request's target branch.
    w.git(["branch", "target", "trusted"]);
    let checkout = w.scratch().join("checkout");
    let url = format!("file://{}", w.path().display());
    git_in(&w, &w.scratch(), &["clone", "-q", &url, checkout.to_str().unwrap()]);
    // The template's own variables, then what GitLab sets for a merged
    // results pipeline: CI_COMMIT_SHA is GitLab's merge commit (here one
    // nobody attested), the source branch's tip is what must verify.
    git_in(&w, &checkout, &["commit", "-q", "--allow-empty", "--no-verify", "-m", "Merge branch 'feature'"]);
    let merge =
        String::from_utf8(w.command("git").args(["rev-parse", "HEAD"]).current_dir(&checkout).output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_owned();
    env.extend([
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "target".to_owned()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.clone()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", head.clone()),
        ("CI_COMMIT_SHA", merge),
        ("PATH", path_with_avow()),
    ]);
    let run = run_script(&w, &checkout, &script, &env).expect(1);
    assert_eq!(run.stderr, "");
    // The image has git-avow: the install section says so and does nothing.
    let (install, verify) = after_install(&run.stdout);
    assert_eq!(install, [format!("avow: using {}", avow_bin().display())]);
    assert_golden("gitlab.human.txt", &normalise(&w, &verify));
    // A branch pipeline (no merged results): CI_COMMIT_SHA is the tip.
    env.retain(|(k, _)| *k != "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" && *k != "CI_COMMIT_SHA");
    env.push(("CI_COMMIT_SHA", head));
    env.push(("AVOW_ARGS", "--quiet".to_owned()));
    let quiet = run_script(&w, &checkout, &script, &env).expect(1);
    assert_golden("gitlab.human-quiet.txt", &normalise(&w, &after_install(&quiet.stdout).1));
}

/// Entry 138: the GitLab cache is shared with other pipelines of the
/// project, and cargo never checks again what its home holds (a
/// `config.toml` naming a rustc wrapper, edited sources under
/// `registry/src`). The template caches only release archives, which it
/// checks against SHA256SUMS on every run (the test below), and a source
/// build runs with a fresh `CARGO_HOME` in the job's temporary directory.
#[test]
fn the_gitlab_template_caches_nothing_cargo_would_trust() {
    let template = load("ci/gitlab/avow.gitlab-ci.yml");
    let job = &template["avow-verify"];
    let paths: Vec<&str> =
        job["cache"]["paths"].as_vec().expect("cache paths").iter().map(|p| str_of(p, "path")).collect();
    assert_eq!(paths, [".avow-cache/releases/"]);
    let (_, script) = gitlab_script();
    let cargo: Vec<&str> = script.lines().filter(|l| l.contains("cargo ")).map(str::trim).collect();
    assert_eq!(cargo.len(), 1, "{cargo:?}");
    assert!(cargo[0].starts_with("CARGO_HOME=\"$avow_tmp/cargo\" cargo install --locked "), "{}", cargo[0]);
    assert!(script.contains("avow_tmp=$(mktemp -d)\n"), "a fresh directory per job");
}

/// Splits the GitLab job's output into the install section's lines (inside
/// GitLab's collapsible-section markers) and what follows it.
fn after_install(stdout: &str) -> (Vec<String>, String) {
    let (head, rest) = stdout.split_once("section_end:").expect("the install section ends");
    let (_, rest) = rest.split_once('\n').expect("a line");
    let inside = head.lines().skip(1).filter(|l| !l.starts_with('\u{1b}')).map(str::to_owned).collect();
    assert!(head.starts_with("\u{1b}[0Ksection_start:"), "{stdout}");
    (inside, rest.to_owned())
}

fn gitlab_script() -> (Vec<(&'static str, String)>, String) {
    let template = load("ci/gitlab/avow.gitlab-ci.yml");
    let job = &template["avow-verify"];
    let lines = |key: &str| -> Vec<String> {
        job[key].as_vec().expect(key).iter().map(|l| str_of(l, key).to_owned()).collect()
    };
    let env = template["variables"]
        .as_hash()
        .expect("variables")
        .iter()
        .map(|(k, v)| (str_of(k, "variable").to_owned().leak() as &str, str_of(v, "variable").to_owned()))
        .collect();
    (env, [lines("before_script"), lines("script")].concat().join("\n"))
}

#[test]
fn the_gitlab_template_refuses_a_merge_request_signed_with_a_key_the_target_branch_revoked() {
    let (w, fork, head) = revoked_after_the_fork();
    publish(&w, "feature");
    let checkout = checkout_depth(&w, &head, None);
    let (mut env, script) = gitlab_script();
    env.extend([
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".to_owned()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", fork.clone()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", head.clone()),
        ("CI_COMMIT_SHA", head.clone()),
        ("PATH", path_with_avow()),
    ]);
    let run = run_script(&w, &checkout, &script, &env).expect(1);
    let main = w.git(["rev-parse", "main"]);
    let verify = after_install(&run.stdout).1;
    let lines: Vec<&str> = verify.lines().collect();
    assert_eq!(lines[0], format!("avow: verifying {main}..{head}, trusting main at {main}"));
    assert!(lines[2].contains("revoked on ") && lines[2].ends_with("laptop stolen [signature.key-status]"), "{verify}");
    assert_eq!(lines[3], format!("avow: 1 commit: 0 accepted, 1 rejected (range {main}..{head}, trust {main})"));
    // The merge request's diff base, which the template used to trust,
    // still has the key: it would have let the commit through.
    w.avow(["verify", &format!("{fork}..{head}"), "--trust", &fork]).expect(0);
}

#[test]
fn the_gitlab_template_installs_a_release_and_checks_it() {
    let w = World::adopted("disclose");
    publish(&w, "main");
    let main = w.git(["rev-parse", "main"]);
    let releases = w.scratch().join("releases");
    let machine = String::from_utf8(w.command("uname").arg("-m").output().unwrap().stdout).unwrap();
    let name = fake_release(&w, &releases, "-", &format!("{}-unknown-linux-musl", machine.trim()));
    let checkout = checkout_depth(&w, &main, None);
    let (mut env, script) = gitlab_script();
    // The release's version, and a PATH without git-avow.
    env.retain(|(k, _)| *k != "AVOW_VERSION");
    env.extend([
        ("AVOW_VERSION", env!("CARGO_PKG_VERSION").to_owned()),
        ("AVOW_RELEASE_URL", format!("file://{}", releases.display())),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".to_owned()),
        ("CI_COMMIT_SHA", main.clone()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
    ]);
    let run = run_script(&w, &checkout, &script, &env).expect(0);
    let (install, verify) = after_install(&run.stdout);
    assert_eq!(
        install,
        [
            format!(
                "avow: downloading {name}.tar.gz from file://{}/v{}",
                releases.display(),
                env!("CARGO_PKG_VERSION")
            ),
            format!(
                "avow: installed git-avow v{} ({}-unknown-linux-musl), checksum checked",
                env!("CARGO_PKG_VERSION"),
                machine.trim()
            ),
        ]
    );
    assert_eq!(
        verify,
        format!(
            "avow: verifying {main}..{main}, trusting main at {main}\n\
             avow: 0 commits: 0 accepted, 0 rejected (range {main}..{main}, trust {main})\n"
        )
    );
    // The next pipeline takes the archive from the cache, checked again.
    let again = run_script(&w, &checkout, &script, &env).expect(0);
    assert_eq!(after_install(&again.stdout).0.len(), 1, "{}", again.stdout);
    // A cached archive that no longer matches is replaced by a fresh
    // download; a fresh download that does not match is refused.
    let cached = checkout.join(format!(".avow-cache/releases/{name}.tar.gz"));
    std::fs::write(&cached, b"poisoned").unwrap();
    let replaced = run_script(&w, &checkout, &script, &env).expect(0);
    assert_eq!(after_install(&replaced.stdout).0.len(), 2, "{}", replaced.stdout);
    let published = releases.join(format!("v{}/{name}.tar.gz", env!("CARGO_PKG_VERSION")));
    std::fs::write(&published, b"tampered").unwrap();
    std::fs::write(&cached, b"poisoned").unwrap();
    let refused = run_script(&w, &checkout, &script, &env).expect(2);
    let message = format!(
        "does not match its checksum in SHA256SUMS of release v{}; not installing it\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(refused.stderr.ends_with(&message), "{}", refused.stderr);
}

/// The cache key changes with the source and only with it.
#[test]
fn the_action_cache_key_fingerprints_the_source() {
    let action = action_steps(&load("action.yml"));
    let script = str_of(&action["source"]["run"], "source step");
    let w = World::bare();
    let source = w.scratch().join("action");
    std::fs::create_dir_all(source.join("src")).unwrap();
    std::fs::create_dir_all(source.join("target")).unwrap();
    std::fs::write(source.join("Cargo.toml"), "[package]\n").unwrap();
    std::fs::write(source.join("src/main file.rs"), "fn main() {}\n").unwrap();
    std::fs::create_dir_all(source.join("ci")).unwrap();
    let script_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ci/source-fingerprint.sh");
    std::fs::copy(&script_path, source.join("ci/source-fingerprint.sh")).unwrap();
    let key = |w: &World| {
        let out = w.scratch().join("github-output");
        let _ = std::fs::remove_file(&out);
        let env = [
            ("GITHUB_ACTION_PATH", source.to_str().unwrap().to_owned()),
            ("GITHUB_OUTPUT", out.to_str().unwrap().to_owned()),
        ];
        run_script(w, &w.path(), script, &env).expect(0);
        std::fs::read_to_string(&out).unwrap()
    };
    let first = key(&w);
    assert!(
        first.len() == "hash=".len() + 17 && first.starts_with("hash=") && first.ends_with('\n'),
        "not a key line: {first:?}"
    );
    std::fs::write(source.join("target/built.rs"), "// build output\n").unwrap();
    std::fs::write(source.join("README.md"), "docs\n").unwrap();
    assert_eq!(key(&w), first, "build output and docs must not change the key");
    std::fs::write(source.join("src/main file.rs"), "fn main() { println!(); }\n").unwrap();
    assert_ne!(key(&w), first, "a source change must change the key");
    // A fingerprint that cannot be made fails the step: an empty hash would
    // give every source the same cache key.
    std::fs::write(source.join("ci/source-fingerprint.sh"), "#!/bin/sh\nexit 3\n").unwrap();
    let out = w.scratch().join("github-output");
    let _ = std::fs::remove_file(&out);
    let env = [
        ("GITHUB_ACTION_PATH", source.to_str().unwrap().to_owned()),
        ("GITHUB_OUTPUT", out.to_str().unwrap().to_owned()),
    ];
    let failed = run_script(&w, &w.path(), script, &env);
    assert_ne!(failed.code, 0, "stdout:\n{}", failed.stdout);
    assert!(std::fs::read_to_string(&out).unwrap_or_default().is_empty(), "a hash was written");
}

/// What a run of the action's steps left behind.
struct ActionRun {
    /// Step outputs, as `STEP.NAME`.
    outputs: HashMap<String, String>,
    /// The ids of the steps that ran (their `if:` held).
    ran: Vec<String>,
    /// Standard output of every step, in order.
    stdout: String,
    /// The exit code of the last step that ran.
    code: i32,
    /// `$GITHUB_STEP_SUMMARY`.
    summary: String,
    /// What `git avow verify` printed (the verify step keeps a copy in
    /// `$RUNNER_TEMP/avow/verify.out`; the report follows it in `stdout`).
    verify: String,
}

/// Evaluates the expressions action.yml uses: `github.…`, `inputs.…` (the
/// given ones, else the defaults), `steps.ID.outputs.NAME`; missing
/// context values are empty strings, as on GitHub.
fn expression(
    expr: &str,
    github: &[(&str, String)],
    inputs: &HashMap<String, String>,
    outputs: &HashMap<String, String>,
) -> String {
    let expr = expr.trim();
    if let Some(key) = expr.strip_prefix("github.") {
        return github.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    }
    if let Some(name) = expr.strip_prefix("inputs.") {
        return inputs.get(name).cloned().unwrap_or_else(|| panic!("undeclared input {name}"));
    }
    if let Some(rest) = expr.strip_prefix("steps.") {
        let (step, name) = rest.split_once(".outputs.").expect("steps.ID.outputs.NAME");
        return outputs.get(&format!("{step}.{name}")).cloned().unwrap_or_default();
    }
    panic!("an expression the test harness does not know: {expr}")
}

/// `A == 'x' && B != ''`: the only conditions action.yml writes.
fn condition(
    cond: &str,
    github: &[(&str, String)],
    inputs: &HashMap<String, String>,
    outputs: &HashMap<String, String>,
) -> bool {
    cond.split("&&").all(|part| {
        let (lhs, rhs, eq) = if let Some((l, r)) = part.split_once("==") {
            (l, r, true)
        } else {
            let (l, r) = part.split_once("!=").unwrap_or_else(|| panic!("condition {part}"));
            (l, r, false)
        };
        let value = expression(lhs, github, inputs, outputs);
        (value == rhs.trim().trim_matches('\'')) == eq
    })
}

/// Runs the action's `plan`, `fetch` and `verify` steps as written in
/// action.yml, in `checkout`, for an event whose context is `github`
/// (`event_name`, `ref`, `sha`, `event.…`), with git-avow on PATH.
fn run_action(w: &World, checkout: &Path, github: &[(&str, String)], given: &[(&str, &str)]) -> ActionRun {
    let action = load("action.yml");
    let mut inputs: HashMap<String, String> = action["inputs"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (str_of(k, "input").to_owned(), str_of(&v["default"], "default").to_owned()))
        .collect();
    for (k, v) in given {
        inputs.insert((*k).to_owned(), (*v).to_owned());
    }
    let summary = w.scratch().join("step-summary.md");
    let temp = w.scratch().join("runner-temp");
    let _ = std::fs::remove_file(&summary);
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(&temp).unwrap();
    let mut run = ActionRun {
        outputs: HashMap::new(),
        ran: Vec::new(),
        stdout: String::new(),
        code: 0,
        summary: String::new(),
        verify: String::new(),
    };
    for step in action["runs"]["steps"].as_vec().unwrap() {
        let id = str_of(&step["id"], "id");
        if !["plan", "fetch", "attestations", "verify"].contains(&id) {
            continue;
        }
        if let Some(cond) = step["if"].as_str() {
            if !condition(cond, github, &inputs, &run.outputs) {
                continue;
            }
        }
        let output = w.scratch().join(format!("github-output-{id}"));
        std::fs::write(&output, "").unwrap();
        let mut env: Vec<(&str, String)> = vec![
            ("PATH", path_with_avow()),
            ("GITHUB_OUTPUT", output.to_str().unwrap().to_owned()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap().to_owned()),
            ("RUNNER_TEMP", temp.to_str().unwrap().to_owned()),
        ];
        if let Some(vars) = step["env"].as_hash() {
            for (k, v) in vars {
                let text = str_of(v, "env value");
                let value = match text.strip_prefix("${{").and_then(|t| t.strip_suffix("}}")) {
                    Some(expr) => expression(expr, github, &inputs, &run.outputs),
                    None => text.to_owned(),
                };
                env.push((str_of(k, "env name"), value));
            }
        }
        let r = run_script(w, checkout, str_of(&step["run"], "run"), &env);
        run.stdout.push_str(&r.stdout);
        assert!(r.stderr.is_empty() || r.code != 0, "step {id} wrote to stderr:\n{}", r.stderr);
        for line in std::fs::read_to_string(&output).unwrap().lines() {
            let (k, v) = line.split_once('=').expect("NAME=VALUE");
            run.outputs.insert(format!("{id}.{k}"), v.to_owned());
        }
        run.ran.push(id.to_owned());
        run.code = r.code;
        if r.code != 0 {
            break;
        }
    }
    run.summary = std::fs::read_to_string(&summary).unwrap_or_default();
    run.verify = std::fs::read_to_string(temp.join("avow/verify.out")).unwrap_or_default();
    run
}

/// A bare `origin` as GitHub serves it: HEAD at main, any commit fetchable
/// by its id (also one no ref reaches any more, after a force push).
fn github_origin(w: &World) -> PathBuf {
    let origin = w.scratch().join("origin.git");
    if !origin.exists() {
        w.git(["init", "-q", "--bare", origin.to_str().unwrap()]);
        w.git(["--git-dir", origin.to_str().unwrap(), "symbolic-ref", "HEAD", "refs/heads/main"]);
        w.git(["--git-dir", origin.to_str().unwrap(), "config", "uploadpack.allowAnySHA1InWant", "true"]);
        w.git(["remote", "add", "origin", origin.to_str().unwrap()]);
    }
    origin
}

/// Pushes `refspec` to the GitHub-like origin, hooks skipped.
fn publish(w: &World, refspec: &str) {
    github_origin(w);
    w.git(["push", "-q", "--no-verify", "--force", "origin", refspec]);
}

/// What actions/checkout does: a fresh repository with `origin`, one
/// commit deep, at `sha`.
fn checkout(w: &World, sha: &str) -> PathBuf {
    checkout_depth(w, sha, Some("1"))
}

/// A checkout at `sha`, `depth` commits deep (`None`: the whole history,
/// as GitLab's `GIT_DEPTH: "0"`).
fn checkout_depth(w: &World, sha: &str, depth: Option<&str>) -> PathBuf {
    let dir = w.scratch().join(format!("checkout-{}", &sha[..12]));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("file://{}", github_origin(w).display());
    git_in(w, &dir, &["init", "-q"]);
    git_in(w, &dir, &["remote", "add", "origin", &url]);
    let mut fetch = vec!["fetch", "-q", "--no-tags"];
    if let Some(d) = depth {
        fetch.extend(["--depth", d]);
    }
    fetch.extend(["origin", sha]);
    git_in(w, &dir, &fetch);
    git_in(w, &dir, &["checkout", "-q", "--detach", "FETCH_HEAD"]);
    dir
}

fn ctx(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    v.push(("event.repository.default_branch", "main".to_owned()));
    v
}

const ZERO: &str = "0000000000000000000000000000000000000000";

fn counts(run: &ActionRun) -> (String, String) {
    (run.outputs["verify.accepted"].clone(), run.outputs["verify.rejected"].clone())
}

#[test]
fn the_action_on_push_an_update_a_new_branch_a_force_push_and_a_deletion() {
    let w = World::adopted("disclose");
    publish(&w, "main");
    let before = w.git(["rev-parse", "main"]);
    w.change("a.txt", "a\n", "Add a");
    let after = w.git(["rev-parse", "main"]);
    publish(&w, "main");
    // An ordinary push: what it adds, against the branch's previous tip.
    let push = |before: &str, after: &str, r: &str| {
        ctx(&[("event_name", "push"), ("ref", r), ("sha", after), ("event.before", before), ("event.after", after)])
    };
    let run = run_action(&w, &checkout(&w, &after), &push(&before, &after, "refs/heads/main"), &[]);
    assert_eq!(run.ran, ["plan", "fetch", "attestations", "verify"]);
    assert_eq!((run.code, counts(&run)), (0, ("1".into(), "0".into())), "{}", run.stdout);
    assert_eq!(run.outputs["plan.range"], format!("{before}..{after}"));
    let sarif = std::fs::read_to_string(&run.outputs["verify.sarif"]).unwrap();
    assert!(sarif.contains("\"version\": \"2.1.0\""), "{sarif}");

    // A new branch (before is all zeros): what it adds to the default
    // branch, against the default branch's tip.
    w.git(["checkout", "-q", "-b", "feature"]);
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Sneak b in"]);
    let feature = w.git(["rev-parse", "HEAD"]);
    publish(&w, "feature");
    let run = run_action(&w, &checkout(&w, &feature), &push(ZERO, &feature, "refs/heads/feature"), &[]);
    assert_eq!((run.code, counts(&run)), (1, ("0".into(), "1".into())), "{}", run.stdout);
    assert_eq!(run.outputs["plan.range"], format!("refs/remotes/avow/trust..{feature}"));
    assert!(
        run.verify
            .ends_with(&format!("avow: 1 commit: 0 accepted, 1 rejected (range {after}..{feature}, trust {after})\n")),
        "{}",
        run.verify
    );

    // A force push that drops "Add a" and adds one commit: judged on the
    // commit it adds, against the tip it replaced (only in the object
    // store now).
    w.git(["checkout", "-q", "main"]);
    w.git(["reset", "-q", "--hard", &before]);
    w.change("c.txt", "c\n", "Add c");
    let forced = w.git(["rev-parse", "main"]);
    publish(&w, "main");
    let run = run_action(&w, &checkout(&w, &forced), &push(&after, &forced, "refs/heads/main"), &[]);
    assert_eq!((run.code, counts(&run)), (0, ("1".into(), "0".into())), "{}", run.stdout);

    // A deletion and the first push of the default branch: nothing to verify.
    let run = run_action(&w, &checkout(&w, &forced), &push(&feature, ZERO, "refs/heads/feature"), &[]);
    assert_eq!((run.code, run.ran.clone()), (0, vec!["plan".to_owned()]));
    assert_eq!(
        run.stdout,
        "::notice title=avow::the push deleted refs/heads/feature: no commits to verify\navow: verify nothing\n"
    );
    let run = run_action(&w, &checkout(&w, &forced), &push(ZERO, &forced, "refs/heads/main"), &[]);
    assert_eq!(run.ran, ["plan"]);
    assert!(run.stdout.starts_with("::notice title=avow::the push created the default branch main"), "{}", run.stdout);
}

/// Bob's commit on a pull request branch forked before main revoked his
/// key: verified against main as it is now, it is refused.
fn revoked_after_the_fork() -> (World, String, String) {
    let (w, bob) = crate::keyring::with_bob();
    let fork = w.git(["rev-parse", "HEAD"]);
    w.git(["checkout", "-q", "-b", "feature"]);
    crate::keyring::as_bob(&w, &bob, "bob.c", "Bob's work");
    let head = w.git(["rev-parse", "HEAD"]);
    w.git(["checkout", "-q", "main"]);
    let fpr = crate::keyring::fingerprint(&w, &bob);
    w.avow(["keyring", "revoke", &fpr, "--reason", "laptop stolen"]).expect(0);
    crate::policy::hook_accepts(&w, &[], &crate::policy::msg("Revoke Bob's stolen key", "human", &["-a"]), &[]);
    publish(&w, "main");
    (w, fork, head)
}

/// The context of pull request #1 into main, whose head is `head`.
fn pull_request_event(head: &str) -> Vec<(&'static str, String)> {
    ctx(&[
        ("event_name", "pull_request"),
        ("ref", "refs/pull/1/merge"),
        ("sha", head),
        ("event.pull_request.number", "1"),
        ("event.pull_request.base.ref", "main"),
        ("event.pull_request.head.sha", head),
    ])
}

#[test]
fn the_action_on_pull_request_trusts_the_target_branch_as_it_is_now() {
    let (w, fork, head) = revoked_after_the_fork();
    publish(&w, "feature");
    // The payload's base.sha is where the branch forked; the key was
    // valid there.
    let mut event = pull_request_event(&head);
    event.push(("event.pull_request.base.sha", fork.clone()));
    let run = run_action(&w, &checkout(&w, &head), &event, &[]);
    assert_eq!((run.code, counts(&run)), (1, ("0".into(), "1".into())), "{}", run.stdout);
    assert!(run.stdout.contains("revoked on "), "{}", run.stdout);
    let main = w.git(["rev-parse", "main"]);
    assert!(run.verify.ends_with(&format!("(range {main}..{head}, trust {main})\n")), "{}", run.verify);
    // The report's findings reach the job summary, after verify's table.
    assert!(run.summary.starts_with("### ❌ avow verify\n"), "{}", run.summary);
    assert!(run.summary.contains("### avow report for "), "{}", run.summary);
}

/// The server hook's entry 90 as CI sees it after the fact: the thief
/// force-pushes main back to before the revocation (nothing added, nothing
/// to verify), so that the next push is verified against the rewound
/// keyring. The job fails on the rewind itself; the next push, verified
/// against the rewound tip, would accept Bob's work.
#[test]
fn the_action_fails_a_force_push_that_rewinds_the_keyring() {
    let (w, fork, head) = revoked_after_the_fork();
    let revoked = w.git(["rev-parse", "main"]);
    publish(&w, &format!("{fork}:refs/heads/main"));
    let push = |before: &str, after: &str| {
        ctx(&[
            ("event_name", "push"),
            ("ref", "refs/heads/main"),
            ("sha", after),
            ("event.before", before),
            ("event.after", after),
        ])
    };
    let run = run_action(&w, &checkout(&w, &fork), &push(&revoked, &fork), &[]);
    assert_eq!((run.code, counts(&run)), (1, ("0".into(), "0".into())), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "::error title=avow::this push replaced {revoked} with {fork}, whose .avow/ (keyring and policy) differs, without a commit that changes it"
        )),
        "{}",
        run.stdout
    );
    // What the rewind was for: Bob's work, on the rewound main, passes
    // when trusted at the rewound tip. The job above is the only alarm.
    publish(&w, &format!("{head}:refs/heads/main"));
    let run = run_action(&w, &checkout(&w, &head), &push(&fork, &head), &[]);
    assert_eq!((run.code, counts(&run)), (0, ("1".into(), "0".into())), "{}", run.stdout);
    // A force push that keeps .avow/ is judged on what it adds.
    w.git(["checkout", "-q", "-b", "rewrite", &revoked]);
    w.change("c.txt", "c\n", "Add c");
    let rewrite = w.git(["rev-parse", "HEAD"]);
    publish(&w, &format!("{revoked}:refs/heads/main"));
    w.change("d.txt", "d\n", "Add d");
    let first = w.git(["rev-parse", "HEAD"]);
    publish(&w, &format!("{first}:refs/heads/main"));
    publish(&w, &format!("{rewrite}:refs/heads/main"));
    let run = run_action(&w, &checkout(&w, &rewrite), &push(&first, &rewrite), &[]);
    assert_eq!((run.code, counts(&run)), (0, ("0".into(), "0".into())), "{}", run.stdout);
}

/// A limit, pinned: on `pull_request` the workflow is the pull request's
/// own. One that sets the action's `base` input to its own head has an
/// empty range, and the job passes with Bob's revoked key in it; the same
/// event without the override refuses it (docs/ci.md, "Who writes the
/// workflow": `pull_request_target` or a required workflow).
#[test]
fn a_pull_request_that_rewrites_its_workflow_decides_what_is_checked() {
    let (w, _fork, head) = revoked_after_the_fork();
    publish(&w, "feature");
    let event = pull_request_event(&head);
    let run = run_action(&w, &checkout(&w, &head), &event, &[("base", head.as_str())]);
    assert_eq!((run.code, counts(&run)), (0, ("0".into(), "0".into())), "{}", run.stdout);
    assert_eq!(run.outputs["plan.range"], format!("{head}..{head}"));
    let run = run_action(&w, &checkout(&w, &head), &event, &[]);
    assert_eq!((run.code, counts(&run)), (1, ("0".into(), "1".into())), "{}", run.stdout);
}

#[test]
fn the_action_on_pull_request_target_fetches_a_forks_head_without_checking_it_out() {
    let (w, _fork, head) = revoked_after_the_fork();
    // A fork's commits exist in the base repository only under
    // refs/pull/N/head, and not by id when the server refuses that.
    publish(&w, &format!("{head}:refs/pull/7/head"));
    let origin = github_origin(&w);
    w.git(["--git-dir", origin.to_str().unwrap(), "config", "uploadpack.allowAnySHA1InWant", "false"]);
    let main = w.git(["rev-parse", "main"]);
    let event = ctx(&[
        ("event_name", "pull_request_target"),
        ("ref", "refs/heads/main"),
        ("sha", &main),
        ("event.pull_request.number", "7"),
        ("event.pull_request.base.ref", "main"),
        ("event.pull_request.head.sha", &head),
    ]);
    // pull_request_target checks out the base branch: the fork's code never runs.
    let run = run_action(&w, &checkout(&w, &main), &event, &[]);
    assert_eq!((run.code, counts(&run)), (1, ("0".into(), "1".into())), "{}", run.stdout);
}

#[test]
fn the_action_on_merge_group_dispatch_and_schedule() {
    let w = World::adopted("disclose");
    publish(&w, "main");
    let base = w.git(["rev-parse", "main"]);
    w.git(["checkout", "-q", "-b", "gh-readonly-queue/main/pr-1"]);
    w.change("q.txt", "q\n", "Add q");
    let queued = w.git(["rev-parse", "HEAD"]);
    publish(&w, "gh-readonly-queue/main/pr-1");
    let event = ctx(&[
        ("event_name", "merge_group"),
        ("ref", "refs/heads/gh-readonly-queue/main/pr-1"),
        ("sha", &queued),
        ("event.merge_group.base_sha", &base),
        ("event.merge_group.head_sha", &queued),
    ]);
    let run = run_action(&w, &checkout(&w, &queued), &event, &[]);
    assert_eq!((run.code, counts(&run)), (0, ("1".into(), "0".into())), "{}", run.stdout);
    assert_eq!(run.outputs["plan.range"], format!("{base}..{queued}"));

    // On the default branch: an audit of its whole history against its
    // own keyring and policy.
    w.git(["checkout", "-q", "main"]);
    w.git(["merge", "-q", "--ff-only", &queued]);
    publish(&w, "main");
    for event_name in ["schedule", "workflow_dispatch"] {
        let event = ctx(&[("event_name", event_name), ("ref", "refs/heads/main"), ("sha", &queued)]);
        let run = run_action(&w, &checkout(&w, &queued), &event, &[]);
        assert_eq!((run.code, counts(&run)), (0, ("2".into(), "0".into())), "{event_name}: {}", run.stdout);
        assert_eq!(run.outputs["plan.range"], queued);
    }
    // Dispatched on another branch: what it adds to the default branch.
    w.git(["checkout", "-q", "-b", "topic"]);
    w.change("t.txt", "t\n", "Add t");
    let topic = w.git(["rev-parse", "HEAD"]);
    publish(&w, "topic");
    let event = ctx(&[("event_name", "workflow_dispatch"), ("ref", "refs/heads/topic"), ("sha", &topic)]);
    let run = run_action(&w, &checkout(&w, &topic), &event, &[]);
    assert_eq!((run.code, counts(&run)), (0, ("1".into(), "0".into())), "{}", run.stdout);
}

#[test]
fn the_action_verifies_a_shallow_pull_request_as_before() {
    let w = history();
    let head = w.git(["rev-parse", "HEAD"]);
    publish(&w, "trusted:refs/heads/main");
    publish(&w, "HEAD:refs/heads/feature");
    let event = ctx(&[
        ("event_name", "pull_request"),
        ("sha", &head),
        ("event.pull_request.number", "1"),
        ("event.pull_request.base.ref", "main"),
        ("event.pull_request.head.sha", &head),
    ]);
    let run = run_action(&w, &checkout(&w, &head), &event, &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.outputs["plan.range"], format!("refs/remotes/avow/trust..{head}"));
    assert_golden("action.github.txt", &normalise(&w, &run.verify));
    let (verify_summary, _report) = run.summary.split_once("### avow report").expect("both summaries");
    assert_golden("action.summary.md", &normalise(&w, verify_summary));
}

#[test]
fn the_job_summary_escapes_what_commits_control() {
    let w = World::adopted("disclose");
    publish(&w, "main");
    w.git(["checkout", "-q", "-b", "feature"]);
    w.write("x.txt", "x\n");
    w.git(["add", "-A"]);
    let subject = "Fix <b>it</b> [see](https://evil.example) | `rm -rf` @team";
    w.git(["commit", "-q", "--no-verify", "-m", subject]);
    let head = w.git(["rev-parse", "HEAD"]);
    publish(&w, "feature");
    let event = ctx(&[
        ("event_name", "pull_request"),
        ("sha", &head),
        ("event.pull_request.number", "2"),
        ("event.pull_request.base.ref", "main"),
        ("event.pull_request.head.sha", &head),
    ]);
    let run = run_action(&w, &checkout(&w, &head), &event, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let escaped = "Fix \\<b\\>it\\</b\\> \\[see\\](https://evil.example) \\| \\`rm -rf\\` \\@team";
    assert_eq!(run.summary.matches(escaped).count(), 2, "verify's table and the report's:\n{}", run.summary);
    assert!(!run.summary.contains("<b>") && !run.summary.contains("[see]("), "{}", run.summary);
}

/// A release as the release workflow publishes it, in `dir`: the archive
/// for `target` (this build's git-avow and its manual pages, packed by
/// ci/release-archive.sh), SHA256SUMS and the source fingerprint.
fn fake_release(w: &World, dir: &Path, fingerprint: &str, target: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("git-avow-v{version}-{target}");
    let release = dir.join(format!("v{version}"));
    std::fs::create_dir_all(&release).unwrap();
    // The release workflow's own packing script, on this build's binary.
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ci/release-archive.sh");
    let packed = w
        .command(&script)
        .args([target, &format!("v{version}"), release.to_str().unwrap()])
        .env("AVOW_BINARY", avow_bin())
        .output()
        .unwrap();
    assert!(packed.status.success(), "{}", String::from_utf8_lossy(&packed.stderr));
    let sums = w.command("sha256sum").arg(format!("{name}.tar.gz")).current_dir(&release).output().unwrap();
    std::fs::write(release.join("SHA256SUMS"), sums.stdout).unwrap();
    std::fs::write(release.join("source-fingerprint.txt"), format!("{fingerprint}\n")).unwrap();
    name
}

/// What whoever can write the Action's cache entry puts there: a
/// `git-avow` that passes everything, where the install step used to keep
/// its binary, and packed as the release archive `name` (from `release`,
/// the real one).
fn plant_a_git_avow_that_passes_everything(w: &World, cache: &Path, release: &Path, name: &str) {
    let pwned = "#!/bin/sh\necho pwned\n";
    std::fs::create_dir_all(cache.join("bin")).unwrap();
    std::fs::write(cache.join("bin/git-avow"), pwned).unwrap();
    w.command("chmod").args(["+x", cache.join("bin/git-avow").to_str().unwrap()]).output().unwrap();
    let unpacked = w.scratch().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    w.command("tar").arg("-xzf").arg(release).arg("-C").arg(&unpacked).output().unwrap();
    std::fs::write(unpacked.join(format!("{name}/bin/git-avow")), pwned).unwrap();
    std::fs::create_dir_all(cache.join("releases")).unwrap();
    let tarred = w
        .command("tar")
        .arg("-czf")
        .arg(cache.join(format!("releases/{name}.tar.gz")))
        .arg("-C")
        .arg(&unpacked)
        .arg(name)
        .output()
        .unwrap();
    assert!(tarred.status.success());
}

#[test]
fn the_action_installs_the_release_built_from_its_source_and_checks_the_checksum() {
    let action = action_steps(&load("action.yml"));
    let install = str_of(&action["install"]["run"], "install step");
    let w = World::bare();
    let releases = w.scratch().join("releases");
    let name = fake_release(&w, &releases, "0123456789abcdef", "x86_64-unknown-linux-musl");
    // A `cargo` that only says it was asked: the fallback builds from source.
    let bin = w.scratch().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("cargo"), "#!/bin/sh\necho \"cargo $*\"\n").unwrap();
    w.command("chmod").args(["+x", bin.join("cargo").to_str().unwrap()]).output().unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let action_path = env!("CARGO_MANIFEST_DIR");
    let github_path = w.scratch().join("github-path");
    let runner_temp = w.scratch().join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let cache = w.home().join(".cache/avow-action");
    // `keep`: the cache as the last run (or an attacker) left it; the
    // cache step's `cache-hit` is given as the old install step read it.
    let run_with = |how: &str, hash: &str, keep: bool| {
        if !keep {
            let _ = std::fs::remove_dir_all(&cache);
        }
        let _ = std::fs::remove_file(&github_path);
        let env = [
            ("AVOW_INSTALL", how.to_owned()),
            ("AVOW_SOURCE_HASH", hash.to_owned()),
            ("AVOW_CACHED", keep.to_string()),
            ("AVOW_RELEASE_URL", format!("file://{}", releases.display())),
            ("GITHUB_ACTION_PATH", action_path.to_owned()),
            ("GITHUB_PATH", github_path.to_str().unwrap().to_owned()),
            ("RUNNER_OS", "Linux".to_owned()),
            ("RUNNER_ARCH", "X64".to_owned()),
            ("RUNNER_TEMP", runner_temp.to_str().unwrap().to_owned()),
            ("PATH", path.clone()),
        ];
        run_script(&w, &w.path(), install, &env)
    };
    let run = |how: &str, hash: &str| run_with(how, hash, false);
    // Where the step put git-avow: the directory it added to the PATH.
    let installed = || {
        let dirs = std::fs::read_to_string(&github_path).unwrap_or_default();
        PathBuf::from(dirs.lines().last().unwrap_or_default()).join("git-avow")
    };
    let version = env!("CARGO_PKG_VERSION");

    let ok = run("auto", "0123456789abcdef").expect(0);
    assert_eq!(
        ok.stdout,
        format!(
            "avow: installed git-avow v{version} (x86_64-unknown-linux-musl) from file://{}/v{version}, checksum checked\n",
            releases.display()
        )
    );
    let v = w.command(installed()).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout), format!("git-avow {version}\n"));
    assert!(installed().starts_with(&runner_temp), "installed where no cache reaches: {}", installed().display());
    assert!(installed().with_file_name("../share/man/man1/git-avow-verify.1").exists());

    // Entry 145: whoever can run code in a workflow of the cache's scope
    // writes the cache entry (after evicting it): a git-avow that passes
    // everything, as a binary where the step used to keep one, and packed
    // as the release archive. Neither runs: the archive is checked against
    // SHA256SUMS and downloaded again.
    let archive = |dir: &Path| dir.join(format!("v{version}/{name}.tar.gz"));
    plant_a_git_avow_that_passes_everything(&w, &cache, &archive(&releases), &name);
    let again = run_with("auto", "0123456789abcdef", true).expect(0);
    assert!(again.stdout.ends_with(", checksum checked\n"), "{}", again.stdout);
    let v = w.command(installed()).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout), format!("git-avow {version}\n"), "the poisoned cache ran");
    assert_eq!(
        std::fs::read(cache.join(format!("releases/{name}.tar.gz"))).unwrap(),
        std::fs::read(archive(&releases)).unwrap(),
        "the cached archive is the release's again"
    );

    // Another source than the release was built from: build it instead.
    let other = run("auto", "fedcba9876543210").expect(0);
    assert_eq!(
        other.stdout,
        format!(
            "avow: release v{version} was built from other source than this action's (fedcba9876543210)\n\
             ::notice title=avow::building git-avow from source (a few minutes, on every run: a build is not cached)\n\
             cargo install --locked --root {} --path {action_path}\n",
            installed().parent().unwrap().parent().unwrap().display()
        )
    );
    let refused = run("release", "fedcba9876543210").expect(2);
    assert!(refused.stdout.ends_with("::error title=avow::no release binary for this action's source (install: release); use install: auto to build it\n"), "{}", refused.stdout);

    // A download that does not match its checksum is never installed.
    let archive = releases.join(format!("v{version}/{name}.tar.gz"));
    let mut bytes = std::fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&archive, bytes).unwrap();
    let bad = run("auto", "0123456789abcdef").expect(2);
    assert_eq!(
        bad.stdout,
        format!("::error title=avow::{name}.tar.gz does not match its checksum in SHA256SUMS of release v{version}; not installing it\n")
    );
    assert!(!github_path.exists(), "nothing installed");
}

/// A project with history adopts avow: the pull request that adds .avow/,
/// and the push that merges it, have no keyring at their base to be
/// verified against. The action says so and passes (as the server hook
/// does); the next pull request is verified against the new keyring.
#[test]
fn the_action_passes_the_change_that_adopts_avow_and_verifies_the_next() {
    let repo = TestRepo::new();
    repo.commit_all("Initial");
    let w = World::bare_in(repo);
    publish(&w, "main");
    let before = w.git(["rev-parse", "main"]);
    w.git(["checkout", "-q", "-b", "adopt"]);
    w.avow(["init", "--preset", "disclose"]).expect(0);
    w.avow(["install"]).expect(0);
    w.git(["add", ".avow"]);
    w.commit(&[&["-m", "Adopt avow"][..], &HUMAN].concat()).expect(0);
    let adoption = w.git(["rev-parse", "HEAD"]);
    publish(&w, "adopt");
    let notice = format!(
        "::notice title=avow::{before} has no .avow/: avow is not adopted there yet, so nothing is verified; once .avow/ is on the branch, every later change is\n"
    );
    let run = run_action(&w, &checkout(&w, &adoption), &pull_request_event(&adoption), &[]);
    assert_eq!((run.code, counts(&run)), (0, ("0".into(), "0".into())), "{}", run.stdout);
    assert!(run.stdout.ends_with(&notice), "{}", run.stdout);
    // Merged with a fast-forward: the push to main.
    publish(&w, "adopt:refs/heads/main");
    let push = ctx(&[
        ("event_name", "push"),
        ("ref", "refs/heads/main"),
        ("sha", &adoption),
        ("event.before", &before),
        ("event.after", &adoption),
    ]);
    let run = run_action(&w, &checkout(&w, &adoption), &push, &[]);
    assert_eq!((run.code, counts(&run)), (0, ("0".into(), "0".into())), "{}", run.stdout);
    assert!(run.stdout.ends_with(&notice), "{}", run.stdout);
    // From now on pull requests are verified: an unattested commit fails.
    w.write("b.txt", "b\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Sneak b in"]);
    let sneak = w.git(["rev-parse", "HEAD"]);
    publish(&w, "adopt:refs/heads/feature");
    let run = run_action(&w, &checkout(&w, &sneak), &pull_request_event(&sneak), &[]);
    assert_eq!((run.code, counts(&run)), (1, ("0".into(), "1".into())), "{}", run.stdout);
}

/// The GitLab template on the merge request that adopts avow: its target
/// branch has no keyring yet, so it says so and passes.
#[test]
fn the_gitlab_template_passes_the_merge_request_that_adopts_avow() {
    let repo = TestRepo::new();
    repo.commit_all("Initial");
    let w = World::bare_in(repo);
    publish(&w, "main");
    let target = w.git(["rev-parse", "main"]);
    w.git(["checkout", "-q", "-b", "adopt"]);
    w.avow(["init", "--preset", "disclose"]).expect(0);
    w.git(["add", ".avow"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Adopt avow"]);
    let head = w.git(["rev-parse", "HEAD"]);
    publish(&w, "adopt");
    let checkout = checkout_depth(&w, &head, None);
    let (mut env, script) = gitlab_script();
    env.extend([
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".to_owned()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", head.clone()),
        ("CI_COMMIT_SHA", head),
        ("PATH", path_with_avow()),
    ]);
    let run = run_script(&w, &checkout, &script, &env).expect(0);
    assert_eq!(
        after_install(&run.stdout).1,
        format!("avow: main has no .avow/ at {target}: avow is not adopted there yet, so nothing is verified; once .avow/ is on the branch, every later merge request is\n")
    );
}
