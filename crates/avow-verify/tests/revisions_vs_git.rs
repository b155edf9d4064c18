//! The range and revision parser ([`avow_verify::resolve::resolve_ends`],
//! which every `verify`, `report`, `show` and `--trust` goes through)
//! against `git rev-parse`, on names made of the pieces git's revision
//! syntax has: ref names (one of them a branch and a tag at once), ids
//! whole and abbreviated, `~`/`^`/`^{…}`/`@{…}` suffixes, `:` paths, `..`
//! and `...`, and stray bytes. It never panics; whatever commit it
//! resolves an end to, git resolves the same name to; a plain name git
//! resolves to one commit (a ref or id with `~N`/`^N`) it resolves too,
//! unless it refuses it as ambiguous.

use avow_testutil::TestRepo;
use avow_verify::resolve::resolve_ends;
use avow_verify::Error;
use git2::Repository;
use proptest::prelude::*;

struct Fixture {
    t: TestRepo,
    ids: Vec<String>,
}

fn fixture() -> Fixture {
    let t = TestRepo::new();
    let mut ids = Vec::new();
    for i in 0..3 {
        t.write("f.txt", format!("{i}\n"));
        ids.push(t.commit_all(&format!("commit {i}")));
    }
    t.git(["branch", "topic", &ids[1]]);
    t.git(["tag", "v1", &ids[0]]);
    t.git(["tag", "-a", "-m", "annotated", "v2", &ids[1]]);
    // A name that is a branch and a tag at once: git warns and takes the
    // tag; avow refuses it.
    t.git(["branch", "dup", &ids[0]]);
    t.git(["tag", "dup", &ids[2]]);
    let blob = t.git(["rev-parse", "HEAD:f.txt"]);
    t.git(["tag", "blobtag", &blob]);
    Fixture { t, ids }
}

/// The commit git resolves `rev` to, if one: the object `rev` names,
/// then that object peeled to a commit (appending `^{commit}` to `rev`
/// itself would change what `:/text` searches for).
fn git_commit(t: &TestRepo, rev: &str) -> Option<String> {
    let id = |args: &[&str]| {
        let out = t.git_output(args);
        // `^X` (a negative revision) is not a commit name.
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (out.status.success() && id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
    };
    let object = id(&["rev-parse", "--verify", "--quiet", "--end-of-options", rev])?;
    id(&["rev-parse", "--verify", "--quiet", &format!("{object}^{{commit}}")])
}

fn atom(ids: &[String]) -> impl Strategy<Value = String> {
    let mut names: Vec<String> = [
        "HEAD",
        "main",
        "topic",
        "v1",
        "v2",
        "dup",
        "blobtag",
        "refs/heads/main",
        "refs/tags/v1",
        "heads/topic",
        "tags/dup",
        "nope",
        "@",
        "",
        "FETCH_HEAD",
        "ORIG_HEAD",
        "-",
        "--",
        "-h",
        ":/commit 1",
        ":f.txt",
        "HEAD:f.txt",
        "refs",
        "refs/heads",
        "main/",
        ".main",
        "ma in",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for id in ids {
        names.push(id.clone());
        names.push(id[..7].to_owned());
        names.push(id[..4].to_owned());
        names.push(id.to_uppercase());
    }
    prop::sample::select(names)
}

fn suffix() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "",
        "~",
        "~1",
        "~2",
        "~9",
        "^",
        "^1",
        "^2",
        "^0",
        "^^",
        "^{}",
        "^{commit}",
        "^{tree}",
        "^{tag}",
        "^{blob}",
        "^{/commit}",
        "@{0}",
        "@{1}",
        "@{upstream}",
        "@{u}",
        "@{-1}",
        "@{push}",
        ":",
        "^!",
        "^@",
        "~-1",
        "~99999999999",
    ])
    .prop_map(str::to_owned)
}

fn end(ids: &[String]) -> impl Strategy<Value = String> {
    (
        atom(ids),
        suffix(),
        suffix(),
        prop::option::weighted(0.1, /* argv holds no NUL */ "[\\x01-\\x7f\u{e9}\u{1f600}]{1,3}"),
    )
        .prop_map(|(a, s1, s2, junk)| {
            let mut s = a + &s1 + &s2;
            if let Some(j) = junk {
                s.insert_str(s.len() / 2, &j);
            }
            s
        })
}

fn spec(ids: &[String]) -> impl Strategy<Value = String> {
    let sep = prop::sample::select(vec!["..", "..", "...", ".", "....", " .. "]);
    prop_oneof![end(ids), (end(ids), sep, end(ids)).prop_map(|(a, s, b)| format!("{a}{s}{b}")),]
}

/// How avow splits a spec, as `resolve_ends` documents: `A..B`, an empty
/// side meaning HEAD; none when the spec holds `...`.
fn ends(spec: &str) -> Option<(Option<String>, String)> {
    if spec.contains("...") {
        return None;
    }
    let or_head = |s: &str| if s.is_empty() { "HEAD".to_owned() } else { s.to_owned() };
    Some(match spec.split_once("..") {
        Some((a, b)) => (Some(or_head(a)), or_head(b)),
        None => (None, spec.to_owned()),
    })
}

fn check_end(t: &TestRepo, repo: &Repository, rev: &str, avow: Option<git2::Oid>, err: Option<&Error>) {
    let git = git_commit(t, rev);
    match (avow, git) {
        (Some(a), Some(g)) => assert_eq!(a.to_string(), g, "avow and git resolve {rev:?} to different commits"),
        (Some(a), None) => {
            // libgit2 reads `X@{0}` as X's value when X has no reflog (git
            // refuses it): the same commit X names, never another.
            let without = rev.replacen("@{0}", "", 1);
            let same = without != rev && git_commit(t, &without).is_some_and(|g| g == a.to_string());
            assert!(same, "avow resolved {rev:?} to {a}; git resolves it to no commit");
        }
        (None, Some(g)) => {
            // avow (libgit2's revparse) knows fewer spellings than git
            // (`HEAD^{}@{0}`), and refuses a name two refs could mean:
            // refusing is exit 2, never another commit. Plain names and
            // ids with the common suffixes must still resolve.
            let plain = !rev.contains(['@', '{', ':', '-']) && !rev.contains("^^") && !rev.contains("^0");
            if plain {
                let single = avow_verify::trust::resolve_commit(repo, rev);
                assert!(
                    matches!(single, Err(Error::AmbiguousRevision { .. })),
                    "git resolves {rev:?} to {g}; avow: {:?} ({err:?})",
                    single.map(|c| c.id())
                );
            }
        }
        (None, None) => {}
    }
}

#[test]
fn revisions_resolve_as_git_resolves_them() {
    let f = fixture();
    let repo = Repository::open(f.t.path()).expect("open");
    let config = proptest::test_runner::Config { cases: 192, ..Default::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    runner
        .run(&spec(&f.ids), |spec| {
            let got = resolve_ends(&repo, &spec);
            let Some((base, tip)) = ends(&spec) else {
                prop_assert!(matches!(got, Err(Error::BadRange { .. })), "{spec:?}: {got:?}");
                return Ok(());
            };
            match &got {
                Ok(e) => {
                    check_end(&f.t, &repo, &tip, Some(e.tip), None);
                    if let Some(b) = &base {
                        check_end(&f.t, &repo, b, e.base, None);
                    }
                }
                Err(err) => {
                    // Which end failed is not said; every end git resolves
                    // must then be one avow refuses as ambiguous, or the
                    // other end must be one git cannot resolve.
                    let tip_ok = avow_verify::trust::resolve_commit(&repo, &tip).ok().map(|c| c.id());
                    let base_ok =
                        base.as_ref().map(|b| avow_verify::trust::resolve_commit(&repo, b).ok().map(|c| c.id()));
                    prop_assert!(tip_ok.is_none() || base_ok.is_some_and(|b| b.is_none()), "{spec:?}: {err:?}");
                    check_end(&f.t, &repo, &tip, tip_ok, Some(err));
                    if let (Some(b), Some(id)) = (&base, base_ok) {
                        check_end(&f.t, &repo, b, id, Some(err));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn named_examples() {
    let f = fixture();
    let repo = Repository::open(f.t.path()).expect("open");
    let tip = |s: &str| resolve_ends(&repo, s).map(|e| e.tip.to_string());
    assert_eq!(tip("v1..main").unwrap(), f.ids[2]);
    assert_eq!(tip("v2").unwrap(), f.ids[1], "an annotated tag peels to its commit");
    assert!(matches!(resolve_ends(&repo, "dup"), Err(Error::AmbiguousRevision { .. })));
    assert!(matches!(resolve_ends(&repo, "blobtag"), Err(Error::NotACommit { .. })));
    assert!(matches!(resolve_ends(&repo, "v1...main"), Err(Error::BadRange { .. })));
    assert!(matches!(resolve_ends(&repo, "nope"), Err(Error::UnknownRevision { .. })));
}
