//! Input that once made git-avow panic (exit 101) instead of answering:
//! each case here is hostile or odd data a repository can hold.

use crate::support::*;

/// Six large unattested commits whose author dates, as crafted commit
/// objects may carry them, sit at both ends of the 64-bit range.
fn extreme_author_dates(w: &World) {
    let mut parent = w.git(["rev-parse", "HEAD"]);
    for i in 0..6 {
        let lines = (0..300).map(|n| format!("{i}-{n}")).collect::<Vec<_>>().join("\n");
        w.write(&format!("f{i}.txt"), lines);
        w.git(["add", "-A"]);
        let tree = w.git(["write-tree"]);
        let when = if i < 3 { "-9223372036854775000" } else { "9223372036854775000" };
        let object = format!(
            "tree {tree}\nparent {parent}\nauthor {AUTHOR_NAME} <{AUTHOR_EMAIL}> {when} +0000\n\
             committer {AUTHOR_NAME} <{AUTHOR_EMAIL}> 1764000000 +0000\n\nLarge change {i}\n"
        );
        let id = w.repo.git_stdin(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], object.as_bytes());
        String::from_utf8(id).unwrap().trim().clone_into(&mut parent);
        w.git(["reset", "-q", "--soft", &parent]);
    }
}

#[test]
fn report_on_author_dates_at_the_ends_of_time() {
    let w = World::adopted("disclose");
    extreme_author_dates(&w);
    let r = w.avow(["report", "-q", "base..HEAD"]).expect(0);
    assert_eq!(r.stderr, "");
    let ids: Vec<String> = w.git(["rev-list", "--reverse", "base..HEAD"]).lines().map(|l| l[..12].to_owned()).collect();
    let mut out = r.stdout;
    for (i, id) in ids.iter().enumerate() {
        out = out.replace(id, &format!("<c{i}>"));
    }
    // Not a burst: the dates lie nearly 600 billion years apart.
    assert_eq!(
        out,
        "avow report: base..HEAD (trust: base), 6 commits by 1 contributor\n\n\
         findings (1), most important first:\n  \
           rejected      range  6 of 6 commits are not attested (no `Avow-Signature:` trailer): \
           <c0>, <c1>, <c2>, <c3>, <c4> and 1 more [attestation.missing]\n"
    );
}

/// A merge whose second parent's object is missing (a damaged or partial
/// repository): the merge check read only the parents it could find and
/// indexed past them.
#[test]
fn a_merge_with_a_missing_parent_is_an_error() {
    let w = World::adopted("disclose");
    w.git(["checkout", "-q", "-b", "side"]);
    w.write("side.txt", "side\n");
    let side = w.repo.commit_all("Side work");
    w.git(["checkout", "-q", "main"]);
    w.write("main.txt", "main\n");
    w.repo.commit_all("Main work");
    w.git(["merge", "-q", "--no-verify", "--no-edit", "side"]);
    let merge = w.git(["rev-parse", "HEAD"]);
    std::fs::remove_file(w.path().join(".git/objects").join(&side[..2]).join(&side[2..])).unwrap();
    let r = w.avow(["show", "HEAD"]).expect(2);
    assert_eq!(
        r.stderr.replace(&merge, "MERGE").replace(&side, "SIDE"),
        "git-avow: error: reading the parents of merge MERGE: object not found - no match for id (SIDE); class=Odb (9); code=NotFound (-3)\n\
         hint: check the repository with `git fsck`; if git finds nothing wrong, please report this to avow\n"
    );
}
