//! Attestations kept outside the commit, in git notes under
//! [`NOTES_REF`]: for commits made where no hook runs (a forge's web
//! editor or squash, `--no-verify`, history before adoption) and for a
//! maintainer vouching after the fact. A note holds exactly the trailers a
//! commit would carry — the statement and its `Avow-Signature:` — over the
//! same payload (docs/payload.md), and is checked exactly as those trailers
//! are, under the same trust base. docs/workflows.md describes its use.
//!
//! Anyone who can push to the notes ref can add, change or delete notes,
//! so a note decides nothing by being there: its signature must verify
//! with a key of the trusted keyring over this commit's change, author and
//! subject, as a trailer's must. A note is only read for a commit whose own
//! attestation is rejected, so removing one cannot reject a commit that
//! verifies on its own.
//!
//! A note cannot change what the commit's message displays: when the
//! message carries statement trailers other than the note's, a reader of
//! `git log` sees a statement nobody signed for the commit
//! ([`unsigned_display`], rule `message.unsigned-statement`).

use avow_core::attestation::{Statement, STATEMENT_KEYS};
use avow_core::trailer::{self, ParseOptions, Trailer};
use avow_policy::findings::{self, Finding, Severity};
use git2::{Oid, Repository};

/// The notes ref avow reads and `git avow attest` writes.
pub const NOTES_REF: &str = "refs/notes/avow";

/// Notes larger than this are not read (a statement is a few lines).
const MAX_NOTE: usize = 64 * 1024;

/// The note on `id` under [`NOTES_REF`], when there is one that is UTF-8
/// text of a sensible size.
pub fn read(repo: &Repository, id: Oid) -> Option<String> {
    let note = repo.find_note(Some(NOTES_REF), id).ok()?;
    text(note.message_bytes())
}

/// A note's bytes as its text, when they are UTF-8 of a sensible size.
fn text(bytes: &[u8]) -> Option<String> {
    if bytes.len() > MAX_NOTE {
        return None;
    }
    String::from_utf8(bytes.to_vec()).ok()
}

/// Notes looked up as libgit2 looks them up, each notes tree read at most
/// once per run. libgit2 reads the notes tree again for every lookup and
/// scans each level entry by entry: git fans a big notes tree out into
/// directories of a few hundred entries, but anyone who may push the notes
/// ref can push one directory of millions, and a lookup per rejected
/// commit then cost the whole tree each time (threat-model entry 120).
/// Here a level's entries are indexed by name the first time a lookup
/// reaches it; only the trees on the looked-up paths are read.
#[derive(Debug, Default)]
pub struct Index {
    /// The notes commit's tree, once read.
    root: std::sync::OnceLock<Option<Oid>>,
    levels: std::sync::Mutex<std::collections::HashMap<Oid, std::sync::Arc<Level>>>,
}

/// One notes tree: for each name, its first entry and its first
/// directory entry, with their positions in tree order.
#[derive(Debug, Default)]
struct Level {
    names: std::collections::HashMap<Vec<u8>, Named>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Named {
    first: Option<(usize, Oid)>,
    first_dir: Option<(usize, Oid)>,
}

impl Level {
    fn read(repo: &Repository, tree: Oid) -> Option<Level> {
        let tree = repo.find_tree(tree).ok()?;
        let mut names: std::collections::HashMap<Vec<u8>, Named> = std::collections::HashMap::new();
        for (i, e) in tree.iter().enumerate() {
            let slot = names.entry(e.name_bytes().to_vec()).or_default();
            slot.first.get_or_insert((i, e.id()));
            if e.kind() == Some(git2::ObjectType::Tree) {
                slot.first_dir.get_or_insert((i, e.id()));
            }
        }
        Some(Level { names })
    }
}

impl Index {
    /// The tree of a level, indexed the first time it is asked for.
    fn level(&self, repo: &Repository, tree: Oid) -> Option<std::sync::Arc<Level>> {
        if let Some(known) = self.levels.lock().ok().and_then(|l| l.get(&tree).cloned()) {
            return Some(known);
        }
        let level = std::sync::Arc::new(Level::read(repo, tree)?);
        if let Ok(mut levels) = self.levels.lock() {
            levels.insert(tree, level.clone());
        }
        Some(level)
    }

    /// [`read`], as libgit2 finds the note (`note_lookup`): at each level,
    /// from the start of the hex id not yet consumed, the first entry in
    /// tree order that is either a directory named by its next two digits
    /// (go down) or named by all of them (the note); none: no note.
    #[must_use]
    pub fn read(&self, repo: &Repository, id: Oid) -> Option<String> {
        let root = *self.root.get_or_init(|| {
            let commit = repo.refname_to_id(NOTES_REF).ok()?;
            repo.find_commit(commit).ok().map(|c| c.tree_id())
        });
        let target = id.to_string();
        let (mut tree, mut at) = (root?, 0);
        loop {
            let level = self.level(repo, tree)?;
            let rest = target.get(at..)?;
            let exact = level.names.get(rest.as_bytes()).and_then(|n| n.first);
            let down = rest.get(..2).and_then(|d| level.names.get(d.as_bytes())).and_then(|n| n.first_dir);
            match (exact, down) {
                (Some((i, _)), Some((j, sub))) if j < i => (tree, at) = (sub, at + 2),
                (None, Some((_, sub))) => (tree, at) = (sub, at + 2),
                (Some((_, blob)), _) => return text(repo.find_blob(blob).ok()?.content()),
                (None, None) => return None,
            }
        }
    }
}

/// The note's text as the message whose trailers it holds: the commit's
/// subject, a blank line, then the note (so that git's trailer rules read
/// the note as the trailer block).
pub fn as_message(subject: &str, note: &str) -> String {
    format!("{subject}\n\n{}", note.trim_start_matches('\n'))
}

/// The statement trailers of `text` (a message, as git reads its trailer
/// block), in order.
fn statement_trailers(text: &str) -> Vec<Trailer> {
    trailer::parse(text, &ParseOptions::default())
        .into_iter()
        .filter(|t| STATEMENT_KEYS.iter().any(|k| t.is(k)))
        .collect()
}

/// The statement trailers `message` displays: those of its trailer block,
/// and every other line after the subject that reads as one (`Key: value`
/// as git would read it in a block) — a paragraph that is not the last, or
/// text after the block. git reads only the block as trailers, but `git
/// log` shows a reader every line alike. In message order.
fn displayed_statement(message: &str) -> Vec<Trailer> {
    let block = trailer::block(message, &ParseOptions::default());
    let mut shown = Vec::new();
    // Blank lines, then the subject's paragraph, then the rest.
    let mut seen_subject = false;
    let mut in_subject = false;
    let mut at = 0;
    for line in message.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let blank = line.trim().is_empty();
        if !seen_subject || in_subject {
            seen_subject |= !blank;
            in_subject = !blank;
            continue;
        }
        if start == block.start && block.start < block.end {
            shown.extend(statement_trailers(message));
        }
        if (block.start..block.end).contains(&start) {
            continue;
        }
        let alone = format!("subject\n\n{}\n", line.trim_end_matches(['\n', '\r']));
        shown.extend(statement_trailers(&alone));
    }
    shown
}

/// What a commit's message displays beside the statement its note signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Displayed {
    /// The statement trailers the message displays.
    pub shown: Vec<Trailer>,
    /// The statement trailers the note signs.
    pub signed: Vec<Trailer>,
}

/// When `note` attests the commit whose message is `message`: the
/// statement the message displays, if it is not the note's. A reader of
/// `git log` takes it for the commit's statement, though nobody signed it
/// for this commit (a forge's squash copies the last commit's statement
/// into its message; an attacker writes someone else's). `None` when the
/// message displays no statement trailer, or exactly the note's statement.
pub fn unsigned_display(message: &str, subject: &str, note: &str) -> Option<Displayed> {
    let shown = displayed_statement(message);
    if shown.is_empty() {
        return None;
    }
    let signed = statement_trailers(&as_message(subject, note));
    let same = match (Statement::from_trailers(&shown), Statement::from_trailers(&signed)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    (!same).then_some(Displayed { shown, signed })
}

/// When a squash merge (`message`) is accepted for the commits it squashes
/// (their messages, `sources`): the statement lines it displays that none
/// of those commits carries as a statement trailer. A forge's squash
/// displays none (title and description) or copies its commits' own
/// (GitHub's "commit details"); anything else — `Authorship: human` and a
/// maintainer's `Understood-by:` written into the squash's message — was
/// signed by nobody, and `git log` shows it as the commit's statement.
/// Keys are compared ignoring ASCII case, values exactly. Empty when every
/// displayed line is one of theirs.
pub fn unsigned_squash_display<'a>(message: &str, sources: impl IntoIterator<Item = &'a str>) -> Vec<Trailer> {
    let shown = displayed_statement(message);
    if shown.is_empty() {
        return shown;
    }
    let key = |t: &Trailer| (t.key.to_ascii_lowercase(), t.value.clone());
    let signed: std::collections::HashSet<(String, String)> =
        sources.into_iter().flat_map(statement_trailers).map(|t| key(&t)).collect();
    shown.into_iter().filter(|t| !signed.contains(&key(t))).collect()
}

impl Displayed {
    /// The `message.unsigned-statement` finding for commit `id`, signed by
    /// `signer` (`Name <email>`), at the policy's `severity`: both
    /// statements in full, so that every output shows what was signed.
    pub fn finding(&self, id: Oid, signer: Option<&str>, severity: Severity) -> Finding {
        let list = |ts: &[Trailer]| ts.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        let by = signer.map(|s| format!(", by {s}")).unwrap_or_default();
        let fix = if severity == Severity::Deny {
            "; the policy refuses a note under another statement (`unsigned-statement = \"deny\"`): put the statement in the commit itself (`git commit --amend`) while it can still be rewritten"
        } else {
            ""
        };
        Finding::new(
            &findings::MESSAGE_UNSIGNED_STATEMENT,
            severity,
            format!(
                "the message displays a statement nobody signed for this commit ({}); the signed statement is the note in {NOTES_REF}{by}: {} (read it with `git notes --ref avow show {}`){fix}",
                list(&self.shown),
                list(&self.signed),
                &id.to_string()[..12]
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str =
        "Authorship: human\nRationale: Checked.\nUnderstood-by: Bob <bob@example.org>\nAvow-Signature: v2 x\n";

    #[test]
    fn a_message_without_a_statement_or_with_the_notes_displays_nothing_unsigned() {
        assert_eq!(unsigned_display("Edit on the web\n", "Edit on the web", NOTE), None);
        assert_eq!(unsigned_display("Edit\n\nSigned-off-by: A <a@example.org>\n", "Edit", NOTE), None);
        // The same statement in another case and order, another signature.
        let same = "Edit\n\nunderstood-by: Bob <bob@example.org>\nauthorship: human\nRationale: Checked.\nAvow-Signature: v2 y\n";
        assert_eq!(unsigned_display(same, "Edit", NOTE), None);
    }

    /// A statement outside the trailer block (a paragraph that is not the
    /// last, or lines after a non-trailer line) is displayed all the same.
    #[test]
    fn a_statement_outside_the_trailer_block_is_displayed() {
        let body = "Authorship: human\nRationale: Checked.\nUnderstood-by: Alice <alice@example.org>\n";
        for message in [
            format!("Edit\n\n{body}\nThanks to everyone who benchmarked it.\n"),
            format!("Edit\n\nSome prose.\n{body}"),
            format!("Edit\n\n{body}\nThanks.\n\nSigned-off-by: B <b@example.org>\n"),
        ] {
            assert!(statement_trailers(&message).is_empty(), "git reads no statement trailers in {message:?}");
            let d = unsigned_display(&message, "Edit", NOTE).expect(&message);
            assert_eq!(d.shown.len(), 3, "{message:?}");
        }
        // The note's own statement, outside the block, is the note's.
        let own = format!("Edit\n\n{}\nThanks.\n", NOTE.replace("Avow-Signature: v2 x\n", ""));
        assert_eq!(unsigned_display(&own, "Edit", NOTE), None);
        // The same statement twice (in the block and above it) is not one statement.
        let twice = format!("Edit\n\n{0}\n{0}", NOTE.replace("Avow-Signature: v2 x\n", ""));
        assert!(unsigned_display(&twice, "Edit", NOTE).is_some());
        // A subject that reads as a statement line is the subject.
        assert_eq!(unsigned_display("\nAuthorship: human\n", "Authorship: human", NOTE), None);
    }

    #[test]
    fn a_squash_displays_unsigned_only_lines_none_of_its_commits_carries() {
        let alice = "Add a\n\nAuthorship: human\nRationale: Checked.\nUnderstood-by: Alice <alice@example.org>\nAvow-Signature: v2 x\n";
        let bob = "Add b\n\nAuthorship: generated\nRationale: Asked for.\nUnderstood-by: Bob <bob@example.org>\nAvow-Signature: v2 y\n";
        // Title and description; commit details (each commit's own lines).
        assert!(unsigned_squash_display("Ab (#7)\n\nAdds a and b.\n", [alice, bob]).is_empty());
        let details = format!("Ab (#7)\n\n* Add a\n\n{}\n* Add b\n\n{}", &alice[7..], &bob[7..]);
        assert!(unsigned_squash_display(&details, [alice, bob]).is_empty());
        // A line nobody signed, in the block or above it; a value changed.
        let lie = "Ab (#7)\n\nRationale: Reviewed by the security team.\n\nThanks.\n";
        assert_eq!(unsigned_squash_display(lie, [alice, bob]).len(), 1);
        let changed = "Ab (#7)\n\nauthorship: HUMAN\nUnderstood-by: Bob <bob@example.org>\n";
        let shown = unsigned_squash_display(changed, [alice, bob]);
        assert_eq!(shown, vec![Trailer::new("authorship", "HUMAN")]);
    }

    #[test]
    fn another_or_a_partial_statement_is_displayed_unsigned() {
        for message in [
            "Edit\n\nAuthorship: human\nRationale: Checked.\nUnderstood-by: Alice <alice@example.org>\n",
            "Edit\n\nAuthorship: human\n",
            "Edit\n\nAuthorship: human\nAuthorship: generated\nRationale: Checked.\nUnderstood-by: Bob <bob@example.org>\n",
        ] {
            let d = unsigned_display(message, "Edit", NOTE).expect(message);
            assert_eq!(d.signed.len(), 3);
            assert!(d.shown.iter().all(|t| STATEMENT_KEYS.iter().any(|k| t.is(k))), "{message}");
        }
    }
}
