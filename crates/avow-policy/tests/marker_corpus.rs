//! The marker list measured on real commits: `tests/corpus/marker-corpus.toml`
//! holds commits from public histories (each with its repository and commit
//! id), labelled `agent`, `human` or `automation`. Prints recall and false
//! alarms (docs/markers.md quotes them) and asserts the thresholds:
//!
//! ```sh
//! cargo test -p avow-policy --test marker_corpus -- --nocapture
//! ```

use std::collections::BTreeMap;

use avow_core::trailer::{parse, ParseOptions};
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::markers::Markers;
use serde::Deserialize;

const CORPUS: &str = include_str!("corpus/marker-corpus.toml");

/// Recall on agent commits must be at least this.
const MIN_RECALL: f64 = 0.95;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    commit: Vec<Sample>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    repo: String,
    id: String,
    label: String,
    tool: String,
    author: String,
    committer: String,
    parents: usize,
    message: String,
}

fn ident(s: &str) -> Ident {
    let (name, rest) = s.rsplit_once(" <").unwrap_or((s, ""));
    Ident { name: name.to_owned(), email: rest.trim_end_matches('>').to_owned() }
}

fn facts(s: &Sample) -> CommitFacts {
    CommitFacts {
        id: s.id.clone(),
        author: ident(&s.author),
        committer: ident(&s.committer),
        subject: s.message.lines().next().unwrap_or("").to_owned(),
        trailers: parse(&s.message, &ParseOptions::default()),
        message: s.message.clone(),
        parent_count: s.parents,
        ..CommitFacts::default()
    }
}

fn corpus() -> Vec<Sample> {
    toml::from_str::<Corpus>(CORPUS).expect("the corpus parses").commit
}

#[test]
fn every_sample_names_its_public_source() {
    let samples = corpus();
    let mut ids = std::collections::HashSet::new();
    for s in &samples {
        assert!(s.repo.split('/').count() == 2 && !s.repo.contains(' '), "repo {:?}", s.repo);
        assert!(s.id.len() == 40 && s.id.bytes().all(|b| b.is_ascii_hexdigit()), "id {:?}", s.id);
        assert!(["agent", "human", "automation"].contains(&s.label.as_str()), "label {:?}", s.label);
        assert!(ids.insert(&s.id), "{} twice", s.id);
    }
}

#[test]
fn recall_and_false_alarms_on_real_commits() {
    let samples = corpus();
    let markers = Markers::builtin();
    // tool → (found, total) for agent samples; label → (flagged, total).
    let mut by_tool: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut others: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut alarms = Vec::new();
    let repos: std::collections::BTreeSet<&str> = samples.iter().map(|s| s.repo.as_str()).collect();
    for s in &samples {
        let hits = markers.scan(&facts(s));
        if s.label == "agent" {
            let e = by_tool.entry(&s.tool).or_default();
            e.1 += 1;
            if hits.is_empty() {
                misses.push(format!("{} {} ({})", s.repo, &s.id[..12], s.tool));
            } else {
                e.0 += 1;
            }
        } else {
            let e = others.entry(&s.label).or_default();
            e.1 += 1;
            if !hits.is_empty() {
                e.0 += 1;
                alarms.push(format!("{} {} ({}): {:?}", s.repo, &s.id[..12], s.tool, hits[0].evidence));
            }
        }
    }
    let (found, total) = by_tool.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let recall = f64::from(u32::try_from(found).unwrap()) / f64::from(u32::try_from(total).unwrap());
    println!("marker corpus: {} commits from {} repositories", samples.len(), repos.len());
    println!("| tool (agent commits) | found | total |\n| --- | --- | --- |");
    for (tool, (f, t)) in &by_tool {
        println!("| {tool} | {f} | {t} |");
    }
    println!("| **all agent commits** | **{found}** | **{total}** ({:.1}% recall) |", recall * 100.0);
    for (label, (f, t)) in &others {
        println!("| {label} commits flagged as AI | {f} | {t} |");
    }
    for m in &misses {
        println!("missed: {m}");
    }
    for a in &alarms {
        println!("false alarm: {a}");
    }
    assert!(total >= 200, "the corpus holds {total} agent commits; keep at least 200");
    assert!(recall >= MIN_RECALL, "recall {recall:.3} is under {MIN_RECALL}; missed: {misses:#?}");
    assert!(alarms.is_empty(), "false alarms on human or automation commits: {alarms:#?}");
}
