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
            let index = rule_index(&mut rules, &f.rule, level(f.severity), avow_policy::findings::describe(&f.rule));
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
