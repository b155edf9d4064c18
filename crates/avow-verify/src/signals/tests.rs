use avow_policy::policy::{normalize, repeats_subject};

use super::*;

fn oid(n: u8) -> Oid {
    Oid::from_bytes(&[n; 20]).unwrap()
}

#[test]
fn author_times_at_the_ends_of_i64_are_no_burst_and_no_overflow() {
    // Author dates are whatever the commit object says; a crafted one
    // can hold any i64. Far apart is far apart, not a wrapped-around
    // negative gap.
    let c: Vec<_> = (0..6u8)
        .map(|i| (oid(i), if i < 3 { i64::MIN + i64::from(i) } else { i64::MAX - i64::from(i) }, 300))
        .collect();
    assert!(bursts(&c).is_empty());
}

#[test]
fn five_large_commits_within_an_hour_are_a_burst() {
    let c: Vec<_> = (0..5u8).map(|i| (oid(i), i64::from(i) * 900, 200)).collect();
    let b = bursts(&c);
    assert_eq!(b, vec![Burst { commits: (0..5).map(oid).collect(), start: 0, end: 3600 }]);
}

#[test]
fn four_are_not_nor_are_five_spread_over_more_than_an_hour() {
    let four: Vec<_> = (0..4u8).map(|i| (oid(i), i64::from(i) * 60, 500)).collect();
    assert!(bursts(&four).is_empty());
    let slow: Vec<_> = (0..5u8).map(|i| (oid(i), i64::from(i) * 901, 500)).collect();
    assert!(bursts(&slow).is_empty());
}

#[test]
fn small_commits_do_not_count_and_overlapping_windows_merge() {
    let mut c: Vec<_> = (0..7u8).map(|i| (oid(i), i64::from(i) * 600, 250)).collect();
    c.push((oid(9), 100, 199));
    let b = bursts(&c);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].commits, (0..7).map(oid).collect::<Vec<_>>());
    assert_eq!((b[0].start, b[0].end), (0, 3600));
}

#[test]
fn two_separate_bursts() {
    let mut c: Vec<_> = (0..5u8).map(|i| (oid(i), i64::from(i) * 60, 300)).collect();
    c.extend((5..10u8).map(|i| (oid(i), 100_000 + i64::from(i) * 60, 300)));
    let b = bursts(&c);
    assert_eq!(b.len(), 2);
    assert_eq!(b[1].commits, (5..10).map(oid).collect::<Vec<_>>());
}

#[test]
fn top_level_directories_count_the_root_as_dot() {
    let paths: Vec<String> =
        ["README.md", "src/a.rs", "src/b/c.rs", "docs/x.md", "Cargo.toml"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(top_level_dirs(&paths), vec![".", "docs", "src"]);
}

#[test]
fn subject_copies_with_and_without_area() {
    assert!(repeats_subject(&normalize("Fix the parser."), "Fix the parser"));
    assert!(repeats_subject(&normalize("fix the parser"), "parser: Fix the parser"));
    assert!(!repeats_subject(&normalize("The loop stopped early."), "Fix the parser"));
    assert!(!repeats_subject("", "Fix the parser"));
}

#[test]
fn kinds_sort_most_important_first() {
    let mut sorted = SignalKind::ALL;
    sorted.sort();
    assert_eq!(sorted, SignalKind::ALL);
    assert_eq!(sorted[0].as_str(), "mismatch");
}
