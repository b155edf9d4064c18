//! Settings avow reads from git's configuration are read as git reads
//! them, so that the hook sees the message git will store.

use crate::support::*;

/// `commit.verbose` is a boolean or a level to git: `2` shows the diff
/// below the scissors line (and git cuts there). The hook read only the
/// boolean words, took `2` for "not verbose", read the diff as the end of
/// the message and refused a commit whose trailers were there.
#[test]
fn commit_verbose_as_a_level() {
    let w = World::adopted("disclose");
    let editor = w.scratch().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\n{ printf 'Change b\\n\\nAuthorship: human\\nRationale: %s\\n' \"$RATIONALE\"; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
    )
    .unwrap();
    for (i, level) in ["2", "0x1", "true"].iter().enumerate() {
        w.write("b.txt", format!("{i}\n"));
        w.git(["add", "b.txt"]);
        let line = format!(
            "RATIONALE='b.txt holds {i} now, the value the level {level} case needs.' GIT_EDITOR='sh {}' git -c commit.verbose={level} commit -q",
            editor.display()
        );
        let r: Run = w.shell(&line).output().unwrap().into();
        assert_eq!(r.code, 0, "commit.verbose={level}: {}", r.stderr);
        let message = w.message("HEAD");
        assert!(!message.contains("diff --git"), "the diff is cut off: {message}");
    }
    let r = w.verify("base..HEAD");
    assert_eq!(r.code, 0, "{}", r.stdout);
}
