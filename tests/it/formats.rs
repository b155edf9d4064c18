//! `verify` and `report` in every output format, compared whole with golden
//! files (tests/it/golden/), on one deterministic history: an accepted
//! commit, one accepted with a size warning, one without attestation and
//! one whose message was edited after signing. SARIF output is validated
//! against the official SARIF 2.1.0 schema.

use serde_json::Value;

use crate::golden::{assert_golden, normalise};
use crate::policy::adopt;
use crate::support::*;

/// The history every golden shows, trusted base tagged `trusted`.
pub fn history() -> World {
    let w = adopt("disclose", Some("version = 1\n\n[size]\nmax-lines = 4\naction = \"warn\"\n"));
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser's off-by-one");
    w.change("src/big.rs", "a\nb\nc\nd\ne\nf\n", "Add the lookup table");
    w.write("src/agent.rs", "fn agent() {}\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add an agent's helper"]);
    w.change("src/late.rs", "fn late() {}\n", "Make the cache lazy");
    w.tamper_message(|m| m.replacen("Make the cache lazy", "Make the cache eager", 1));
    w
}

/// Runs `args` (exit `code`) and returns its normalised standard output.
fn output(w: &World, args: &[&str], code: i32) -> String {
    let run = w.avow(args).expect(code);
    assert_eq!(run.stderr, "", "stderr of {args:?}");
    normalise(w, &run.stdout)
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("schemas/sarif-schema-2.1.0.json")).expect("the vendored schema is JSON");
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

/// Fails with every schema error when `doc` is not valid SARIF 2.1.0.
#[track_caller]
fn assert_valid_sarif(doc: &str) {
    let value: Value = serde_json::from_str(doc).expect("SARIF output is JSON");
    let validator = sarif_validator();
    let errors: Vec<String> = validator.iter_errors(&value).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0:\n{}\n{doc}", errors.join("\n"));
    // GitHub code scanning also needs a file for every result.
    for result in value["runs"][0]["results"].as_array().expect("results") {
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert!(uri.as_str().is_some_and(|u| !u.is_empty()), "a result without a file: {result}");
    }
}

/// Runs `args` (exit `code`), checks that the output is valid SARIF and
/// compares it with the golden file `name`.
fn assert_sarif_golden(w: &World, args: &[&str], code: i32, name: &str) {
    let run = w.avow(args).expect(code);
    assert_eq!(run.stderr, "", "stderr of {args:?}");
    assert_valid_sarif(&run.stdout);
    assert_golden(name, &normalise(w, &run.stdout));
}

#[test]
fn verify_human() {
    let w = history();
    assert_golden("verify.human.txt", &output(&w, &["verify", "trusted..HEAD"], 1));
    assert_golden("verify.human-quiet.txt", &output(&w, &["verify", "-q", "trusted..HEAD"], 1));
    assert_golden("verify.human-verbose.txt", &output(&w, &["verify", "trusted..HEAD", "--verbose"], 1));
}

#[test]
fn verify_json() {
    let w = history();
    let out = output(&w, &["verify", "trusted..HEAD", "--format", "json"], 1);
    serde_json::from_str::<Value>(&out).expect("json output parses");
    assert_golden("verify.json", &out);
}

#[test]
fn verify_github() {
    let w = history();
    let summary = w.scratch().join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let mut c = w.command(avow_bin());
    c.args(["verify", "trusted..HEAD", "--format", "github"]).env("GITHUB_STEP_SUMMARY", &summary);
    let run = Run::from(c.output().unwrap()).expect(1);
    assert_eq!(run.stderr, "");
    assert_golden("verify.github.txt", &normalise(&w, &run.stdout));
    // The job summary is appended to, never overwritten.
    assert_golden("verify.github-summary.md", &normalise(&w, &std::fs::read_to_string(&summary).unwrap()));
}

#[test]
fn verify_sarif_is_valid_and_golden() {
    assert_sarif_golden(&history(), &["verify", "trusted..HEAD", "--format", "sarif"], 1, "verify.sarif");
}

#[test]
fn an_accepted_range_in_every_format() {
    let w = adopt("disclose", None);
    w.change("src/parse.rs", "fn parse() {}\n", "Fix the parser's off-by-one");
    assert_sarif_golden(&w, &["verify", "trusted..HEAD", "--format", "sarif"], 0, "verify-ok.sarif");
    assert_golden("verify-ok.github.txt", &output(&w, &["verify", "trusted..HEAD", "--format", "github"], 0));
    assert_golden("verify-ok.human.txt", &output(&w, &["verify", "trusted..HEAD"], 0));
}

#[test]
fn report_github_and_sarif() {
    let w = history();
    assert_sarif_golden(&w, &["report", "trusted..HEAD", "--format", "sarif"], 0, "report.sarif");
    assert_golden("report.github.txt", &output(&w, &["report", "trusted..HEAD", "--format", "github"], 0));
    assert_golden("report.human-quiet.txt", &output(&w, &["report", "trusted..HEAD", "--quiet"], 0));
    assert_golden("report.human-verbose.txt", &output(&w, &["report", "trusted..HEAD", "--verbose"], 0));
}

#[test]
fn show_quiet_prints_only_the_verdict() {
    let w = history();
    assert_golden("show.human-quiet.txt", &output(&w, &["show", "-q", "HEAD"], 1));
}

/// The schema check is not vacuous: a log without `version`, or with a
/// level SARIF does not define, is refused.
#[test]
fn the_sarif_validator_refuses_invalid_logs() {
    let w = history();
    let run = w.avow(["verify", "trusted..HEAD", "--format", "sarif"]).expect(1);
    let validator = sarif_validator();
    let mut doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(validator.is_valid(&doc));
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&doc));
    doc.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn an_unwritable_step_summary_is_an_error() {
    let w = history();
    let mut c = w.command(avow_bin());
    let dir = w.scratch().join("no-such-dir/summary.md");
    c.args(["verify", "trusted..HEAD", "--format", "github"]).env("GITHUB_STEP_SUMMARY", &dir);
    let run = Run::from(c.output().unwrap()).expect(2);
    assert_eq!(
        normalise(&w, &run.stderr).replace(w.scratch().to_str().unwrap(), "<scratch>"),
        "git-avow: error: cannot append the job summary to <scratch>/no-such-dir/summary.md (GITHUB_STEP_SUMMARY): No such file or directory (os error 2)\nhint: unset GITHUB_STEP_SUMMARY outside GitHub Actions, or point it at a writable file\n"
    );
}

#[test]
fn report_github_puts_the_markdown_report_in_the_job_summary() {
    let w = history();
    let summary = w.scratch().join("step-summary.md");
    let mut c = w.command(avow_bin());
    c.args(["report", "trusted..HEAD", "--format", "github"]).env("GITHUB_STEP_SUMMARY", &summary);
    let run = Run::from(c.output().unwrap()).expect(0);
    assert_eq!(normalise(&w, &run.stdout), output(&w, &["report", "trusted..HEAD", "--format", "github"], 0));
    let markdown = w.avow(["report", "trusted..HEAD", "--format", "markdown"]).expect(0).stdout;
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), format!("{markdown}\n"));
}

/// `file=` is the first path a commit changes, escaped as a property; a
/// commit that changes nothing gets an annotation without a file.
#[test]
fn github_annotations_name_the_changed_file() {
    let w = adopt("disclose", None);
    w.git(["commit", "-q", "--no-verify", "--allow-empty", "-m", "Empty"]);
    w.write("docs/a,b: c.txt", "x\n");
    w.write("z.txt", "z\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Odd name"]);
    let out = output(&w, &["verify", "trusted..HEAD", "--format", "github"], 1);
    let missing = crate::no_hook::missing_without_hook;
    assert_eq!(
        out,
        format!(
            "::error title=avow%3A commit <short-2> rejected::<commit-2> Empty%0A{}\n\
             ::error file=docs/a%2Cb%3A c.txt,title=avow%3A commit <short-3> rejected::<commit-3> Odd name%0A{}\n\
             avow: 2 commits: 0 accepted, 2 rejected (range trusted..HEAD, trust trusted)\n",
            missing("<short-2>"),
            missing("<short-3>")
        )
    );
}

/// Rule ids are public API: each one of the findings vocabulary is named in
/// the docs, in backticks, so a reader can find what it refuses.
#[test]
fn every_rule_id_is_in_the_docs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs: String = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let missing: Vec<&str> =
        avow_policy::findings::RULES.iter().map(|r| r.id).filter(|id| !docs.contains(&format!("`{id}`"))).collect();
    assert!(missing.is_empty(), "rule ids not in the docs: {missing:?}");
}
