//! The commit-msg hook's parsed-policy record (`.git/avow/parsed-policy`,
//! `src/local.rs`): it keeps each policy text it parsed with the parsed
//! policy, and is used only for those very bytes — a changed policy is
//! parsed again at the next commit, and a damaged record is ignored
//! (threat-model entry 135).

use crate::support::*;

const PATH: &str = ".git/avow/parsed-policy";

fn record(w: &World) -> String {
    std::fs::read_to_string(w.path().join(PATH)).unwrap_or_default()
}

/// Commits a new file (only it) with a short rationale; the hook's outcome.
fn commit_file(w: &World, name: &str) -> Run {
    w.write(name, "x\n");
    w.git(["add", name]);
    let rationale = format!("Rationale: Add {name}, for the policy record.");
    w.commit(&["-m", &format!("Add {name}"), "--trailer", "Authorship: human", "--trailer", &rationale])
}

/// A policy that refuses the short rationale of [`commit_file`].
const STRICT: &str = "version = 1\n\n[rationale]\nmin-length = 200\n";

#[test]
fn the_parsed_policy_is_recorded_with_its_text_and_reused() {
    let w = World::adopted("disclose");
    let text = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let first = record(&w);
    assert!(first.starts_with("avow-parsed-policy 1\n"), "{first}");
    assert!(first.contains(&text), "{first}");
    commit_file(&w, "a.txt").expect(0);
    commit_file(&w, "b.txt").expect(0);
    assert_eq!(record(&w), first);
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_changed_policy_is_read_again_at_the_next_commit() {
    let w = World::adopted("disclose");
    let text = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    w.write(".avow/policy.toml", STRICT);
    let r = commit_file(&w, "a.txt");
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("rationale.min-length"), "{}", r.stderr);
    assert!(record(&w).contains(STRICT), "{}", record(&w));
    // The first policy back: read from its own entry, which was kept.
    w.write(".avow/policy.toml", &text);
    commit_file(&w, "a.txt").expect(0);
    // One byte more (a comment) is another text: parsed, not taken.
    w.write(".avow/policy.toml", format!("{STRICT}#\n"));
    let r = commit_file(&w, "b.txt");
    assert!(r.stderr.contains("rationale.min-length"), "{}", r.stderr);
    assert_ne!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_damaged_record_is_ignored() {
    let w = World::adopted("disclose");
    w.write(".avow/policy.toml", STRICT);
    // An entry for these very bytes whose parsed form does not read (a
    // field the policy has no name for): the file is parsed again.
    let damaged = r#"{"version":1,"rationale":{"min-length":0},"surprise":true}"#;
    let file = format!("avow-parsed-policy 1\n{} {}\n{STRICT}{damaged}\n", STRICT.len(), damaged.len());
    std::fs::write(w.path().join(PATH), file).unwrap();
    let r = commit_file(&w, "a.txt");
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("rationale.min-length"), "{}", r.stderr);
    // Lengths that do not add up, or garbage: the same.
    for garbage in ["avow-parsed-policy 1\n9999 1\nx\n", "\0\0\0", "avow-parsed-policy 1\n"] {
        std::fs::write(w.path().join(PATH), garbage).unwrap();
        let r = commit_file(&w, "a.txt");
        assert_ne!(r.code, 0, "{garbage:?}: {}", r.stderr);
        assert!(r.stderr.contains("rationale.min-length"), "{}", r.stderr);
        assert!(record(&w).contains(STRICT), "{}", record(&w));
    }
    assert_eq!(w.git(["rev-list", "--count", "base..HEAD"]), "0");
}
