//! The verification cache is as trusted as the verifier: its files must
//! never come from the commits under test. A cache directory inside the
//! work tree is filled by whatever the checked-out commits contain, so a
//! pull request could commit a cache file that vouches for its own forged
//! commit; avow refuses such a directory.

use crate::support::*;

/// The checksum `avow_verify::cache` gives a line (sha256 of the key, the
/// commit id and the fingerprint, one per line; its first 8 bytes in hex),
/// computed the way an attacker would, with python3.
fn line_checksum(w: &World, key: &str, id: &str, fpr: &str) -> String {
    let mut c = w.repo.command("python3");
    c.args([
        "-c",
        "import hashlib,sys; print(hashlib.sha256(''.join(a + '\\n' for a in sys.argv[1:]).encode()).hexdigest()[:16])",
        key,
        id,
        fpr,
    ]);
    let out = c.output().expect("run python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_cache_directory_inside_the_work_tree_is_refused() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    // A genuine cache, outside the work tree, tells the attacker the file
    // name (a hash of public data) and the signer's fingerprint.
    let genuine = w.scratch().join("cache");
    w.avow(["verify", "base..HEAD", &format!("--cache={}", genuine.display())]).expect(0);
    let file = std::fs::read_dir(&genuine).unwrap().next().unwrap().unwrap().path();
    let name = file.file_name().unwrap().to_str().unwrap().to_owned();
    let key = name.trim_end_matches(".v2").to_owned();
    let text = std::fs::read_to_string(&file).unwrap();
    let fpr = text.lines().nth(1).unwrap().split(' ').nth(1).unwrap().to_owned();
    // The forged commit: its rationale edited after signing.
    w.tamper_message(|m| m.replace("small and reviewed", "tiny and reviewed"));
    let forged = w.repo.git(["rev-parse", "HEAD"]);
    w.verify("base..HEAD").expect(1);
    // The next commit of the pull request carries a cache file vouching
    // for it.
    let sum = line_checksum(&w, &key, &forged, &fpr);
    let planted = format!("avow-verify-cache v2 {key}\n{forged} {fpr} {sum}\n");
    w.change(&format!(".avow-cache/{name}"), &planted, "Add a build cache");
    let r = w.avow(["verify", "base..HEAD", "--cache=.avow-cache"]).expect(2);
    assert_eq!(r.stdout, "");
    let dir = w.path().canonicalize().unwrap().join(".avow-cache").display().to_string();
    assert_eq!(
        r.stderr.replace(&dir, "DIR"),
        "git-avow: error: the verification cache directory DIR is inside the work tree, where the commits under test can put files of their own\n\
         hint: keep the cache outside the checkout (e.g. --cache=\"$RUNNER_TEMP/avow-cache\"), or use the default in the git directory (--cache)\n"
    );
    // The same through the environment; the default in .git stays usable.
    let mut c = w.repo.command(avow_bin());
    c.args(["verify", "base..HEAD"]).env("AVOW_CACHE_DIR", ".avow-cache");
    let r: Run = c.output().unwrap().into();
    assert_eq!(r.expect(2).stdout, "");
    w.avow(["verify", "base..HEAD", "--cache"]).expect(1);
}
