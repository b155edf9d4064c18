//! The range walk ([`avow_verify::walk`]) against libgit2's revision walk
//! (what verification used before) and `git rev-list --topo-order
//! --reverse`, on histories git itself builds: linear chains, merges,
//! criss-cross merges, octopus merges, unrelated roots, bases that are not
//! ancestors of the tip, skewed commit dates, commit-graph files, shallow
//! clones, grafts and SHA-256 repositories. Every range must come out the
//! same commits in the same order from all three, and the id-only linear
//! walk must be the one taken exactly when the range is a chain.

use avow_testutil::TestRepo;
use avow_verify::walk::{libgit2_walk, linear, range_commits};
use git2::{Oid, Repository};

/// A commit with `parents` and committer date `date` (seconds), made with
/// `git commit-tree` on the empty tree; returns its id.
fn commit(t: &TestRepo, parents: &[&str], date: i64, name: &str) -> String {
    let tree = t.git(["mktree"]);
    let mut args = vec!["commit-tree".to_owned(), tree, "-m".to_owned(), name.to_owned()];
    for p in parents {
        args.extend(["-p".to_owned(), (*p).to_owned()]);
    }
    // git reads a raw date only from nine digits on.
    let stamp = format!("{} +0000", 1_700_000_000 + date);
    let out = t
        .command("git")
        .args(&args)
        .env("GIT_COMMITTER_DATE", &stamp)
        .env("GIT_AUTHOR_DATE", &stamp)
        .output()
        .expect("git commit-tree");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// An id from its hex form (SHA-1 or SHA-256).
fn oid(hex: &str) -> Result<Oid, git2::Error> {
    let format = if hex.len() == 64 { git2::ObjectFormat::Sha256 } else { git2::ObjectFormat::Sha1 };
    Oid::from_str_ext(hex, format)
}

fn rev_list(t: &TestRepo, spec: &str) -> Vec<String> {
    let out = t.git(["rev-list", "--topo-order", "--reverse", spec]);
    out.lines().map(str::to_owned).collect()
}

fn hex(ids: impl IntoIterator<Item = Oid>) -> Vec<String> {
    ids.into_iter().map(|i| i.to_string()).collect()
}

/// Checks one range three ways; returns whether the linear walk took it.
fn check(t: &TestRepo, repo: &Repository, base: Option<&str>, tip: &str) -> bool {
    let tip_id = oid(tip).unwrap();
    let base_id = base.map(|b| oid(b).unwrap());
    let ours = hex(&range_commits(repo, tip_id, base_id).expect("our walk"));
    let before = hex(&libgit2_walk(repo, tip_id, base_id).expect("libgit2's walk"));
    let spec = base.map_or_else(|| tip.to_owned(), |b| format!("{b}..{tip}"));
    assert_eq!(ours, before, "{spec}: ours against libgit2's");
    assert_eq!(ours, rev_list(t, &spec), "{spec}: ours against git rev-list");
    let fast = linear(repo, tip_id, base_id);
    if let Some(ids) = &fast {
        assert_eq!(hex(ids), ours, "{spec}: the linear walk");
    }
    fast.is_some()
}

/// Every range between the given commits (and each commit alone);
/// returns how many the linear walk took.
fn check_all(t: &TestRepo, commits: &[String]) -> usize {
    let repo = Repository::open(t.path()).unwrap();
    let mut fast = 0;
    for tip in commits {
        fast += usize::from(check(t, &repo, None, tip));
        for base in commits {
            fast += usize::from(check(t, &repo, Some(base), tip));
        }
    }
    fast
}

/// A small deterministic generator (xorshift), so every run builds the
/// same histories.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).unwrap()
    }
}

#[test]
fn a_chain_takes_the_linear_walk() {
    let t = TestRepo::new();
    let mut c = vec![commit(&t, &[], 1_000, "root")];
    // Dates out of order, as clock skew makes them.
    for (i, date) in [2_000, 1_500, 9_000, 100, 3_000, 3_000, 2_999, 50_000, 7].iter().enumerate() {
        let p = c.last().unwrap().clone();
        c.push(commit(&t, &[&p], *date, &format!("c{i}")));
    }
    let n = c.len();
    let fast = check_all(&t, &c);
    // A base below the tip (or the tip itself) and no base at all take the
    // linear walk: n ranges without a base, n(n+1)/2 with one; a base
    // above the tip hides everything, which the linear walk leaves to
    // libgit2 (it reaches the root without meeting the base).
    assert_eq!(fast, n + n * (n + 1) / 2);
}

#[test]
fn merges_criss_cross_octopus_and_roots() {
    let t = TestRepo::new();
    let root = commit(&t, &[], 1_000, "root");
    let a1 = commit(&t, &[&root], 1_100, "a1");
    let b1 = commit(&t, &[&root], 1_050, "b1");
    let a2 = commit(&t, &[&a1], 1_200, "a2");
    let b2 = commit(&t, &[&b1], 1_250, "b2");
    // Criss-cross: each side merges the other's first commit.
    let x1 = commit(&t, &[&a2, &b1], 1_300, "x1");
    let x2 = commit(&t, &[&b2, &a1], 1_290, "x2");
    let m = commit(&t, &[&x1, &x2], 1_400, "m");
    // An unrelated history, merged in.
    let other = commit(&t, &[], 500, "other root");
    let o1 = commit(&t, &[&other], 1_350, "o1");
    let u = commit(&t, &[&m, &o1], 1_500, "unrelated merge");
    // An octopus of three side chains.
    let s1 = commit(&t, &[&u], 1_600, "s1");
    let s2 = commit(&t, &[&u], 1_590, "s2");
    let s3 = commit(&t, &[&u], 1_610, "s3");
    let oct = commit(&t, &[&s1, &s2, &s3], 1_700, "octopus");
    let after = commit(&t, &[&oct], 1_650, "after, dated before its parent");
    let tip = commit(&t, &[&after], 1_800, "tip");
    let all = [root, a1, b1, a2, b2, x1, x2, m, other, o1, u, s1, s2, s3, oct, after, tip];
    let fast = check_all(&t, &all);
    assert!(fast > 0, "the chains at the top take the linear walk");
    t.git(["branch", "main", all.last().unwrap()]);
    t.git(["commit-graph", "write", "--reachable"]);
    assert_eq!(check_all(&t, &all), fast, "the same with a commit-graph file");
}

#[test]
fn random_histories() {
    for seed in 1..=6_u64 {
        let t = TestRepo::new();
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut commits: Vec<String> = Vec::new();
        for i in 0..40_usize {
            let date = 10_000 + i64::try_from(i).unwrap() * 100 - i64::try_from(rng.below(500)).unwrap();
            let parents: Vec<String> = if commits.is_empty() || rng.below(20) == 0 {
                Vec::new()
            } else {
                let n = match rng.below(10) {
                    0..=6 => 1,
                    7 | 8 => 2,
                    _ => 3,
                };
                let mut ps: Vec<String> = Vec::new();
                // Mostly the newest commit, as on a branch; else any.
                for _ in 0..n {
                    let k = if rng.below(3) == 0 { rng.below(commits.len()) } else { commits.len() - 1 };
                    if !ps.contains(&commits[k]) {
                        ps.push(commits[k].clone());
                    }
                }
                ps
            };
            let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
            commits.push(commit(&t, &parents, date, &format!("s{seed} c{i}")));
        }
        // Every tip, against a sample of bases.
        let repo = Repository::open(t.path()).unwrap();
        for (i, tip) in commits.iter().enumerate() {
            check(&t, &repo, None, tip);
            for base in commits.iter().skip(i % 5).step_by(5) {
                check(&t, &repo, Some(base), tip);
            }
        }
    }
}

#[test]
fn shallow_clones_stop_at_the_boundary() {
    let t = TestRepo::new();
    let mut c = vec![commit(&t, &[], 1_000, "root")];
    for i in 0..12 {
        let p = c.last().unwrap().clone();
        let side = commit(&t, &[&p], 1_001 + i * 10, &format!("side {i}"));
        let next = if i % 4 == 3 { commit(&t, &[&p, &side], 1_005 + i * 10, "merge") } else { side };
        c.push(next);
    }
    t.git(["branch", "-f", "main", c.last().unwrap()]);
    let clone = t.scratch().join("shallow");
    let url = format!("file://{}", t.path().display());
    t.git(["clone", "-q", "--depth", "5", url.as_str(), clone.to_str().unwrap()]);
    let repo = Repository::open(&clone).unwrap();
    assert!(repo.is_shallow());
    let in_clone = |ids: &[String]| {
        ids.iter().filter(|id| repo.find_commit(oid(id).unwrap()).is_ok()).cloned().collect::<Vec<_>>()
    };
    let present = in_clone(&c);
    assert!(present.len() >= 5 && present.len() < c.len(), "{present:?}");
    let git = |spec: &str| {
        let out = t
            .command("git")
            .current_dir(&clone)
            .args(["rev-list", "--topo-order", "--reverse", spec])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect::<Vec<_>>()
    };
    for tip in &present {
        let tip_id = oid(tip).unwrap();
        let ours = hex(&range_commits(&repo, tip_id, None).unwrap());
        assert_eq!(ours, hex(&libgit2_walk(&repo, tip_id, None).unwrap()), "{tip}");
        assert_eq!(ours, git(tip), "{tip}");
        for base in &present {
            let base_id = Some(oid(base).unwrap());
            let ours = hex(&range_commits(&repo, tip_id, base_id).unwrap());
            assert_eq!(ours, hex(&libgit2_walk(&repo, tip_id, base_id).unwrap()), "{base}..{tip}");
            assert_eq!(ours, git(&format!("{base}..{tip}")), "{base}..{tip}");
        }
    }
}

#[test]
fn grafts_leave_the_walk_to_libgit2() {
    let t = TestRepo::new();
    let a = commit(&t, &[], 1_000, "a");
    let b = commit(&t, &[&a], 1_100, "b");
    let c = commit(&t, &[&b], 1_200, "c");
    let repo = Repository::open(t.path()).unwrap();
    let (a_id, c_id) = (oid(&a).unwrap(), oid(&c).unwrap());
    assert!(linear(&repo, c_id, Some(a_id)).is_some());
    // A graft that makes `a` a child of `c`: a cycle.
    std::fs::write(t.path().join(".git/info/grafts"), format!("{a} {c}\n")).unwrap();
    let repo = Repository::open(t.path()).unwrap();
    assert!(linear(&repo, c_id, Some(a_id)).is_none());
    assert!(linear(&repo, c_id, None).is_none());
    assert_eq!(
        hex(&range_commits(&repo, c_id, Some(a_id)).unwrap()),
        hex(&libgit2_walk(&repo, c_id, Some(a_id)).unwrap())
    );
}

#[test]
fn sha256_ids() {
    let t = TestRepo::new_sha256();
    let mut c = vec![commit(&t, &[], 1_000, "root")];
    for i in 0..5 {
        let p = c.last().unwrap().clone();
        c.push(commit(&t, &[&p], 1_100 + i, &format!("c{i}")));
    }
    let repo = Repository::open(t.path()).unwrap();
    let tip = oid(c.last().unwrap()).unwrap();
    let base = oid(&c[1]).unwrap();
    let ids = linear(&repo, tip, Some(base)).expect("a chain");
    assert_eq!(hex(&ids), c[2..].to_vec());
    assert_eq!(hex(&range_commits(&repo, tip, None).unwrap()), rev_list(&t, c.last().unwrap()));
}
