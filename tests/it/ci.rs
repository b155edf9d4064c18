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
    assert_eq!(inputs, ["base", "head", "trust", "format", "fetch", "install"]);
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
    }
}

#[test]
fn the_action_fetches_a_shallow_checkout_and_verifies_the_pull_request() {
    let action = action_steps(&load("action.yml"));
    let w = history();
    let (base, head) = (w.git(["rev-parse", "trusted"]), w.git(["rev-parse", "HEAD"]));
    // actions/checkout's default: one commit deep, without the base.
    let checkout = w.scratch().join("checkout");
    let url = format!("file://{}", w.path().display());
    git_in(&w, &w.scratch(), &["clone", "-q", "--depth", "1", &url, checkout.to_str().unwrap()]);
    let summary = w.scratch().join("summary.md");
    let env = [
        ("AVOW_BASE", base),
        ("AVOW_HEAD", head),
        ("AVOW_TRUST", String::new()),
        ("AVOW_FORMAT", "github".to_owned()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap().to_owned()),
        ("PATH", path_with_avow()),
    ];
    let verify = str_of(&action["verify"]["run"], "verify step");
    // Without the fetch step, the shallow clone is refused.
    let refused = run_script(&w, &checkout, verify, &env).expect(2);
    assert_eq!(
        normalise(&w, &refused.stderr),
        "git-avow: error: unknown revision `<commit-1>`\n\
         hint: this is a shallow clone: fetch the base first, e.g. `git fetch --unshallow origin main` (GitHub Actions: `fetch-depth: 0`)\n"
    );
    run_script(&w, &checkout, str_of(&action["fetch"]["run"], "fetch step"), &env).expect(0);
    let run = run_script(&w, &checkout, verify, &env).expect(1);
    assert_eq!(run.stderr, "");
    assert_golden("action.github.txt", &normalise(&w, &run.stdout));
    assert_golden("action.summary.md", &normalise(&w, &std::fs::read_to_string(&summary).unwrap()));
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
    assert_eq!(bad.stdout, "::error title=avow::install must be 'cargo' or 'path', not 'brew'\n");
}

#[test]
fn the_gitlab_template_verifies_a_merge_request() {
    let template = load("ci/gitlab/avow.gitlab-ci.yml");
    let job = &template["avow-verify"];
    assert_eq!(str_of(&job["rules"][0]["if"], "rules"), "$CI_PIPELINE_SOURCE == \"merge_request_event\"");
    assert_eq!(str_of(&job["variables"]["GIT_DEPTH"], "GIT_DEPTH"), "0");
    let lines = |key: &str| -> Vec<String> {
        job[key].as_vec().expect(key).iter().map(|l| str_of(l, key).to_owned()).collect()
    };
    let script = [lines("before_script"), lines("script")].concat().join("\n");
    let w = history();
    let (base, head) = (w.git(["rev-parse", "trusted"]), w.git(["rev-parse", "HEAD"]));
    let checkout = w.scratch().join("checkout");
    let url = format!("file://{}", w.path().display());
    git_in(&w, &w.scratch(), &["clone", "-q", &url, checkout.to_str().unwrap()]);
    // The template's own variables, then what GitLab sets for a merged
    // results pipeline: CI_COMMIT_SHA is GitLab's merge commit (here one
    // nobody attested), the source branch's tip is what must verify.
    let mut env: Vec<(&str, String)> = template["variables"]
        .as_hash()
        .expect("variables")
        .iter()
        .map(|(k, v)| (str_of(k, "variable"), str_of(v, "variable").to_owned()))
        .collect();
    git_in(&w, &checkout, &["commit", "-q", "--allow-empty", "--no-verify", "-m", "Merge branch 'feature'"]);
    let merge =
        String::from_utf8(w.command("git").args(["rev-parse", "HEAD"]).current_dir(&checkout).output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_owned();
    env.extend([
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.clone()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", head.clone()),
        ("CI_COMMIT_SHA", merge),
        ("PATH", path_with_avow()),
    ]);
    let run = run_script(&w, &checkout, &script, &env).expect(1);
    assert_eq!(run.stderr, "");
    assert_golden("gitlab.human.txt", &normalise(&w, &run.stdout));
    // A branch pipeline (no merged results): CI_COMMIT_SHA is the tip.
    env.retain(|(k, _)| *k != "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" && *k != "CI_COMMIT_SHA");
    env.push(("CI_COMMIT_SHA", head));
    env.push(("AVOW_ARGS", "--quiet".to_owned()));
    let quiet = run_script(&w, &checkout, &script, &env).expect(1);
    assert_golden("gitlab.human-quiet.txt", &normalise(&w, &quiet.stdout));
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
}
