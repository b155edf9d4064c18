//! SARIF 2.1.0 output (OASIS Static Analysis Results Interchange Format),
//! for code-scanning dashboards and other tools that read SARIF.
//!
//! A commit is not a file, so each result names its commit as a *logical*
//! location (`kind: "commit"`), and `.avow/policy.toml` as the physical
//! one that code-scanning services require; tests check every document
//! against the official schema (tests/it/schemas/).

use avow_policy::policy::Severity;
use avow_verify::signals::{Signal, Signals};
use avow_verify::trust::{Trusted, POLICY_PATH};
use serde_json::{json, Value};

use super::{RangeRun, Summary};

/// The schema URI SARIF consumers recognise.
const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// What a rule checks, for the rules the verifier and policy use; path
/// rules (`path[GLOB].…`) and unknown ones get a generic description.
fn describe(rule: &str) -> &'static str {
    match rule {
        "attestation.missing" => "The commit carries no attestation trailers.",
        "attestation.statement" => "The attestation statement is malformed.",
        "attestation.duplicate" => "An attestation trailer appears more than once.",
        "attestation.misplaced" => "An attestation trailer stands outside the trailer block.",
        "attestation.payload" => "The signed payload cannot be rebuilt from the commit.",
        "attestation.change" => "The change differs from the one that was signed.",
        "attestation.trees" => {
            "The commit's trees are not the ones that were signed, and the policy binds exact trees."
        }
        "attestation.version" => {
            "The attestation is of a version this avow no longer accepts (v1: bound by git's forgeable patch-id)."
        }
        "attestation.fixup" => "A fixup!/squash!/amend! commit that was not folded in.",
        "squash.change" => "A squash carries more than the change of the branch it squashes.",
        "squash.source" => "A commit of the branch a squash comes from does not verify.",
        "signature.malformed" => "The Avow-Signature trailer is malformed.",
        "signature.invalid" => "The signature does not verify.",
        "signature.unknown-key" => "The signing key is not in the trusted keyring.",
        "signature.key-status" => "The signing key was expired, revoked or not yet valid when it signed.",
        "authorship.allowed" => "The declared authorship is not allowed by the policy.",
        "authorship.assisted-by-format" => "An Assisted-by trailer does not follow AGENT:MODEL.",
        "dco.required" => "The policy requires a Signed-off-by matching the author.",
        "markers.refuse" => "The commit carries AI-agent markers the policy refuses.",
        "message.encoding" => "The commit message is not UTF-8.",
        "message.divider" => "A `---` line makes git's trailer readers disagree on the statement.",
        "rationale.boilerplate" => "The rationale is boilerplate.",
        "rationale.min-length" => "The rationale is shorter than the policy's minimum.",
        "rationale.reject-reuse" => "The same rationale is reused across commits.",
        "rationale.reject-subject-copy" => "The rationale repeats the subject.",
        "size.max-files" => "The change touches more files than the policy allows.",
        "size.max-lines" => "The change is larger than the policy allows.",
        "trust.avow-change" => "A change to .avow/ is not attested by a maintainer.",
        _ => "A rule of the repository's avow policy.",
    }
}

fn level(severity: Severity) -> &'static str {
    if severity == Severity::Deny {
        "error"
    } else {
        "warning"
    }
}

/// The `tool` object, with one reporting descriptor per rule in `rules`.
fn tool(rules: &[(String, &'static str, String)]) -> Value {
    json!({
        "driver": {
            "name": "avow",
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules.iter().map(|(id, level, text)| json!({
                "id": id,
                "shortDescription": { "text": text },
                "defaultConfiguration": { "level": level },
            })).collect::<Vec<_>>(),
        }
    })
}

/// Index of `rule` in `rules`, adding it when new.
fn rule_index(rules: &mut Vec<(String, &'static str, String)>, rule: &str, level: &'static str, text: &str) -> usize {
    if let Some(i) = rules.iter().position(|(id, _, _)| id == rule) {
        return i;
    }
    rules.push((rule.to_owned(), level, text.to_owned()));
    rules.len() - 1
}

/// Where a result points: the commit, as a logical location, and the
/// policy file as its physical location — GitHub code scanning refuses
/// results without a file, and the policy is the file whose rule decided.
fn commit_location(id: &str) -> Value {
    json!([{
        "physicalLocation": {
            "artifactLocation": { "uri": POLICY_PATH },
            "region": { "startLine": 1 },
        },
        "logicalLocations": [{ "name": id, "fullyQualifiedName": format!("commit/{id}"), "kind": "commit" }],
    }])
}

/// For findings about no single commit (a contributor, the branch).
fn policy_location() -> Value {
    json!([{ "physicalLocation": { "artifactLocation": { "uri": POLICY_PATH }, "region": { "startLine": 1 } } }])
}

fn log(tool: &Value, results: &[Value], exit_code: i32, properties: &Value) -> String {
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": tool,
            "invocations": [{ "executionSuccessful": true, "exitCode": exit_code }],
            "results": results,
            "properties": properties,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `verify --format sarif`: one result per finding (rejections are
/// errors, policy warnings are warnings).
pub fn verify(run: &RangeRun<'_>) -> String {
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for r in run.reports {
        let id = r.id.to_string();
        for f in &r.findings {
            let index = rule_index(&mut rules, &f.rule, level(f.severity), describe(&f.rule));
            results.push(json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": format!("commit {} ({}): {}", &id[..12], r.subject, f.message) },
                "locations": commit_location(&id),
                "partialFingerprints": { "avowCommitRule/v1": format!("{id}:{}", f.rule) },
                "properties": {
                    "commit": id,
                    "subject": r.subject,
                    "author": format!("{} <{}>", r.author.name, r.author.email),
                    "verdict": r.verdict.as_str(),
                },
            }));
        }
    }
    let summary = Summary::of(run.reports);
    let properties = json!({
        "range": run.spec,
        "trust": { "rev": run.trusted.rev, "commit": run.trusted.commit.to_string() },
        "summary": summary.json(),
    });
    log(&tool(&rules), &results, i32::from(summary.rejected > 0), &properties)
}

/// `report --format sarif`: one warning per reviewer signal; the report
/// informs and never fails, so the exit code is 0.
pub fn report(spec: &str, trusted: &Trusted, signals: &Signals) -> String {
    let mut rules = Vec::new();
    let results: Vec<Value> = signals
        .findings
        .iter()
        .map(|s: &Signal| {
            let rule = format!("report.{}", s.kind.as_str());
            let index = rule_index(&mut rules, &rule, "warning", &format!("avow report signal: {}", s.kind.as_str()));
            let mut result = json!({
                "ruleId": rule,
                "ruleIndex": index,
                "level": "warning",
                "message": { "text": s.message },
                "locations": policy_location(),
                "properties": { "contributor": s.contributor },
            });
            if let Some(id) = s.commit {
                result["locations"] = commit_location(&id.to_string());
                result["properties"]["commit"] = json!(id.to_string());
            }
            result
        })
        .collect();
    let properties = json!({
        "range": spec,
        "trust": { "rev": trusted.rev, "commit": trusted.commit.to_string() },
        "commits": signals.commits.len(),
    });
    log(&tool(&rules), &results, 0, &properties)
}
