//! `git commit -p` on a terminal, in a repository whose branch is `trunk`:
//! git's hunk questions and the hook's statement questions share the
//! terminal, one after the other, and the commit signs the part `-p` took.

use crate::support::*;

#[test]
fn commit_p_on_a_terminal_asks_the_hunks_then_the_statement() {
    let w = World::adopted("disclose");
    w.git(["branch", "-m", "trunk"]);
    w.write("f.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    w.git(["add", "f.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Add f, unattested"]);
    w.write("f.txt", "one\n2\n3\n4\n5\n6\n7\n8\nnine\n");
    let (code, screen) = w.on_terminal(
        "git commit -q -p -m 'Spell out one'",
        "y\nn\n1\nOnly this part is ready; the rest waits for its own review.\n",
        &[],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Stage this hunk"), "{screen}");
    assert!(screen.contains("How was this change written?"), "{screen}");
    assert_eq!(w.git(["show", "HEAD:f.txt"]), "one\n2\n3\n4\n5\n6\n7\n8\n9");
    assert_eq!(w.git(["diff", "--name-only"]), "f.txt", "the second hunk is left unstaged");
    assert_eq!(w.trailer("HEAD", "Rationale").unwrap(), "Only this part is ready; the rest waits for its own review.");
    w.avow(["verify", "--no-fast-path", "HEAD~1..HEAD"]).expect(0);
}
