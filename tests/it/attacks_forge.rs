//! Attacks on squash sources (docs/workflows.md, "Forge merge methods"):
//! the pull refs a squash's subject names are refs an attacker creates by
//! opening a pull request, so what they point at decides nothing by
//! itself: every commit of the source must verify.

use crate::forge::{forge_commit, pull_request, squash_feature, GITHUB};
use crate::support::*;

/// The squash carries a line the pull request's commits do not. The
/// attacker then points the pull ref at an attested, empty commit on top
/// of the squash itself: the source's cumulative change is now exactly
/// the squash's — because it contains the squash. The squash is one of
/// the source's commits, and verified without its own squash retry it has
/// no attestation: `squash.source`.
#[test]
fn pull_ref_pointing_past_the_squash_itself() {
    let w = pull_request();
    squash_feature(&w);
    w.write("widget.txt", "one\ntwo\nthree\nfour\n");
    w.git(["add", "widget.txt"]);
    forge_commit(&w, "Widgets (#7)\n", GITHUB);
    let squash = w.git(["rev-parse", "HEAD"]);
    w.git(["switch", "-q", "-c", "on-top", &squash]);
    let mut args = vec!["--allow-empty", "-m", "Nothing to see"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    w.git(["update-ref", "refs/pull/7/head", "on-top"]);
    w.git(["switch", "-q", "main"]);
    let r = w.verify("before-merge..main").expect(1);
    assert!(
        r.stdout.contains(&format!(
            "the squash's change is that of refs/pull/7/head, but these of its commits do not verify: {}; a squash is accepted only on its commits' statements",
            &squash[..12]
        )),
        "{}",
        r.stdout
    );
}
