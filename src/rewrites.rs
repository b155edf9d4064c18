//! The record of the rewrites git made in this repository — which commit
//! a rebase or an amend made from which — and what it proves.
//!
//! A rewritten commit keeps its message, signature included, while its
//! change may differ (a conflict resolved, fixups folded in), so it no
//! longer verifies and its author re-signs it (`git avow reattest`). The
//! commit itself cannot show that it *is* such a rewrite: a copy of one of
//! your earlier messages over someone else's change looks the same — your
//! signature over your statement, author and subject, for another change.
//! So only git's own word counts: the post-rewrite hook records git's
//! `OLD NEW` pairs here, in the repository's git directory, which no fetch
//! or pull request writes. A commit is re-signed without asking only when
//! this record leads from it to a commit whose attestation your key made
//! for that commit's own change, with the same signature all along.

pub mod plan;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use avow_core::attestation::SIGNATURE;
use avow_core::trailer::{self, ParseOptions};
use avow_sign::Signer;
use git2::{Commit, Oid, Repository};

use crate::error::Result;
use crate::resign;

/// At most this many pairs are kept, the newest: enough for the rewrites
/// of a working session, small enough to read on every rebase.
const KEEP: usize = 4096;

/// At most this many rewrites in a row are followed back (rebased again
/// and again before re-signing).
const DEPTH: usize = 32;

/// For each rewritten commit, the commits git made it from.
pub type Sources = HashMap<Oid, Vec<Oid>>;

/// Where the record lives: the repository's (common) git directory.
fn file(repo: &Repository) -> PathBuf {
    repo.commondir().join("avow/rewritten")
}

/// The `OLD NEW` pairs of `text`, oldest first; lines that are not two
/// object ids are skipped.
fn pairs(text: &str) -> impl Iterator<Item = (Oid, Oid)> + '_ {
    text.lines().filter_map(|line| {
        let mut f = line.split(' ');
        match (
            f.next().and_then(avow_verify::parse_whole_oid),
            f.next().and_then(avow_verify::parse_whole_oid),
            f.next(),
        ) {
            (Some(old), Some(new), None) if old != new => Some((old, new)),
            _ => None,
        }
    })
}

/// git's `OLD NEW` lines (as post-rewrite gets them on standard input).
pub fn parse(text: &str) -> Vec<(Oid, Oid)> {
    pairs(text).collect()
}

/// Adds `new_pairs` to the record (replaced whole, never half-written),
/// keeping the newest [`KEEP`]. Only the pairs of a new commit that kept
/// the signature of one of the commits it was made from are kept, all of
/// them (the others folded into it count against it): any other (an amend
/// that re-signed, a commit without an attestation) carries nothing forward.
pub fn record(repo: &Repository, new_pairs: &[(Oid, Oid)]) -> Result<()> {
    let signature = |id: Oid| repo.find_commit(id).ok().and_then(|c| signature_of(&c));
    let kept: HashSet<Oid> = new_pairs
        .iter()
        .filter(|&&(o, n)| signature(n).is_some_and(|s| signature(o) == Some(s)))
        .map(|&(_, n)| n)
        .collect();
    let new_pairs: Vec<(Oid, Oid)> = new_pairs.iter().copied().filter(|(_, n)| kept.contains(n)).collect();
    if new_pairs.is_empty() {
        return Ok(());
    }
    append(repo, &new_pairs)
}

/// Appends `new_pairs` to the record as they are; see [`record`].
fn append(repo: &Repository, new_pairs: &[(Oid, Oid)]) -> Result<()> {
    let path = file(repo);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let all: Vec<(Oid, Oid)> = pairs(&old).chain(new_pairs.iter().copied()).collect();
    let keep = &all[all.len().saturating_sub(KEEP)..];
    let mut text = String::with_capacity(keep.len() * 82);
    for (o, n) in keep {
        text.push_str(&format!("{o} {n}\n"));
    }
    crate::shared::write_record(repo, &path, &text)
}

/// The record: each rewritten commit with the commits it was made from.
pub fn read(repo: &Repository) -> Sources {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(file(repo)).unwrap_or_default();
    for (old, new) in pairs(&text) {
        let olds = sources.entry(new).or_default();
        if !olds.contains(&old) {
            olds.push(old);
        }
    }
    sources
}

/// Where the cherry-picks resolved here are recorded (see [`record_pick`]).
fn picks_file(repo: &Repository) -> PathBuf {
    repo.commondir().join("avow/picked")
}

/// Records that a cherry-pick of `source` was resolved here into the change
/// from `parent_tree` to `tree` (commit-msg, while git's `CHERRY_PICK_HEAD`
/// names `source`). git runs no post-rewrite after a cherry-pick, and the
/// new commit's id is not known before it is made, so the record keeps the
/// change instead: a commit of that very change carrying `source`'s very
/// signature is that resolution ([`sources`]). Lines `SOURCE PARENT-TREE
/// TREE`, the newest [`KEEP`].
pub fn record_pick(repo: &Repository, source: Oid, parent_tree: Oid, tree: Oid) -> Result<()> {
    let path = picks_file(repo);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let line = format!("{source} {parent_tree} {tree}");
    let mut all: Vec<&str> = old.lines().filter(|l| *l != line && pick(l).is_some()).collect();
    all.push(&line);
    let keep = &all[all.len().saturating_sub(KEEP)..];
    crate::shared::write_record(repo, &path, &(keep.join("\n") + "\n"))
}

/// The recorded cherry-picks: (source, parent tree, tree); other lines skipped.
fn picks(repo: &Repository) -> Vec<(Oid, Oid, Oid)> {
    let text = std::fs::read_to_string(picks_file(repo)).unwrap_or_default();
    text.lines().filter_map(pick).collect()
}

/// One line of the pick record, or `None` for anything else.
fn pick(line: &str) -> Option<(Oid, Oid, Oid)> {
    let ids: Vec<Oid> = line.split(' ').map(avow_verify::parse_whole_oid).collect::<Option<_>>()?;
    match ids[..] {
        [source, parent_tree, tree] => Some((source, parent_tree, tree)),
        _ => None,
    }
}

/// The evidence for re-signing `commits`: the record of rewrites
/// ([`read`]), and for each of `commits` (or a commit the record names as a
/// rewrite's source) whose change and signature are those of a recorded
/// cherry-pick ([`record_pick`]), that pick's source.
pub fn sources(repo: &Repository, commits: &[Oid]) -> Sources {
    let mut sources = read(repo);
    let picks = picks(repo);
    if picks.is_empty() {
        return sources;
    }
    let mut candidates: Vec<Oid> = commits.to_vec();
    candidates.extend(sources.values().flatten().copied());
    for id in candidates {
        let Ok(c) = repo.find_commit(id) else { continue };
        let Some(parent_tree) = c.parent(0).ok().map(|p| p.tree_id()) else { continue };
        let Some(signature) = signature_of(&c) else { continue };
        for &(source, pt, tree) in &picks {
            if pt == parent_tree
                && tree == c.tree_id()
                && repo.find_commit(source).ok().and_then(|s| signature_of(&s)).as_ref() == Some(&signature)
            {
                let olds = sources.entry(id).or_default();
                if !olds.contains(&source) {
                    olds.push(source);
                }
            }
        }
    }
    sources
}

/// The commits `git commit` made in this repository, by HEAD's reflog (a
/// local record: fetching or pulling never writes a `commit` entry).
pub fn committed_here(repo: &Repository) -> HashSet<Oid> {
    let Ok(log) = repo.reflog("HEAD") else { return HashSet::new() };
    log.iter().filter(|e| e.message_bytes().is_some_and(|m| m.starts_with(b"commit"))).map(|e| e.id_new()).collect()
}

/// What decides whether a rewritten commit carries your own attestation
/// forward: the record, your key and the fixups you made here.
pub struct Evidence<'a> {
    pub sources: Sources,
    pub made_here: HashSet<Oid>,
    pub signer: &'a Signer,
}

impl Evidence<'_> {
    /// Whether `new` is, by the record, a rewrite of a commit whose
    /// attestation your key (`by_me`; else any key: a statement you vouch
    /// for) made for that commit's own change, through commits that all
    /// carry `new`'s very signature; and whether every other commit folded
    /// into it on the way is a fixup made here or itself attested by your
    /// key for its own change. Only then is its statement re-signed without
    /// asking.
    pub fn carried(&self, repo: &Repository, new: Oid, by_me: bool) -> bool {
        let Some(signature) = repo.find_commit(new).ok().and_then(|c| signature_of(&c)) else { return false };
        let mut at = new;
        for _ in 0..DEPTH {
            let Some(olds) = self.sources.get(&at) else { return false };
            let same: Vec<Oid> = olds
                .iter()
                .copied()
                .filter(|o| repo.find_commit(*o).ok().and_then(|c| signature_of(&c)).as_ref() == Some(&signature))
                .collect();
            let [from] = same[..] else { return false };
            if !olds.iter().filter(|&&o| o != from).all(|&o| self.own_fixup(repo, o) || self.own_attested(repo, o)) {
                return false;
            }
            let attested = if by_me {
                self.own_attested(repo, from) || own_amend(repo, &self.made_here, self.signer.public_key(), from)
            } else {
                repo.find_commit(from).is_ok_and(|c| crate::resign::self_check(repo, &c).is_none())
            };
            if attested {
                return true;
            }
            at = from;
        }
        false
    }

    /// Whether `id` carries an attestation your key made for its own change.
    fn own_attested(&self, repo: &Repository, id: Oid) -> bool {
        let Ok(c) = repo.find_commit(id) else { return false };
        let Ok((text, _)) = resign::message_of(&c) else { return false };
        let author = String::from_utf8_lossy(c.author().email_bytes()).into_owned();
        crate::resign::self_check(repo, &c).is_none() && resign::signed_by(self.signer.public_key(), &text, &author)
    }

    /// Whether `id` is a fixup!/squash!/amend! commit `git commit` made here.
    fn own_fixup(&self, repo: &Repository, id: Oid) -> bool {
        self.made_here.contains(&id)
            && repo
                .find_commit(id)
                .is_ok_and(|c| resign::is_autosquash(&String::from_utf8_lossy(c.summary_bytes().unwrap_or_default())))
    }
}

/// Whether `id` is an `amend!` commit `git commit` made here (`--fixup=amend:`)
/// whose statement `key` signed, under the commit's own subject `amend! …`.
fn own_amend(repo: &Repository, made_here: &HashSet<Oid>, key: &avow_sign::ssh_key::PublicKey, id: Oid) -> bool {
    let Ok(c) = repo.find_commit(id) else { return false };
    let Ok((text, _)) = resign::message_of(&c) else { return false };
    let author = String::from_utf8_lossy(c.author().email_bytes()).into_owned();
    made_here.contains(&id)
        && trailer::subject(&text, &ParseOptions::default(), false).starts_with("amend! ")
        && resign::signed_by(key, &text, &author)
}

/// Whether `new` carries, by the record, the very statement, author and
/// signature of one of your own `amend!` commits ([`own_amend`]) that
/// `rebase --autosquash` folded into it. git drops the `amend! …` subject
/// the statement was signed under, so [`resign::signed_by`] cannot see
/// that the statement is yours; git's record of the fold can.
pub fn folded_own_amend(
    repo: &Repository,
    sources: &Sources,
    made_here: &HashSet<Oid>,
    key: &avow_sign::ssh_key::PublicKey,
    new: Oid,
) -> bool {
    let Ok(c) = repo.find_commit(new) else { return false };
    let Some(signature) = signature_of(&c) else { return false };
    let Ok((text, _)) = resign::message_of(&c) else { return false };
    let statement = resign::statement_of(&text);
    let author = c.author().email_bytes().to_vec();
    sources.get(&new).is_some_and(|olds| {
        olds.iter().any(|&o| {
            repo.find_commit(o).is_ok_and(|oc| {
                signature_of(&oc).as_ref() == Some(&signature)
                    && oc.author().email_bytes() == author.as_slice()
                    && resign::message_of(&oc)
                        .is_ok_and(|(t, _)| statement.is_some() && resign::statement_of(&t) == statement)
                    && own_amend(repo, made_here, key, o)
            })
        })
    })
}

/// The subject under which `key` made `new`'s very signature, over its
/// statement and author, when the record shows `new` was made from that
/// commit: a squash (`rebase -i`) kept a later commit's statement under
/// the first commit's subject.
pub fn signed_as(
    repo: &Repository,
    sources: &Sources,
    key: &avow_sign::ssh_key::PublicKey,
    new: Oid,
) -> Option<String> {
    let c = repo.find_commit(new).ok()?;
    let signature = signature_of(&c)?;
    sources.get(&new)?.iter().find_map(|&o| {
        let oc = repo.find_commit(o).ok()?;
        let (text, _) = resign::message_of(&oc).ok()?;
        let author = String::from_utf8_lossy(oc.author().email_bytes()).into_owned();
        (signature_of(&oc).as_ref() == Some(&signature) && resign::signed_by(key, &text, &author))
            .then(|| trailer::subject(&text, &ParseOptions::default(), false))
    })
}

/// The value of a commit's one `Avow-Signature:` trailer.
fn signature_of(commit: &Commit<'_>) -> Option<String> {
    let (text, _) = resign::message_of(commit).ok()?;
    let trailers = trailer::parse(&text, &ParseOptions::default());
    let mut sigs = trailers.iter().filter(|t| t.is(SIGNATURE));
    match (sigs.next(), sigs.next()) {
        (Some(s), None) => Some(s.value.clone()),
        _ => None,
    }
}

/// What a re-signing would sign for `id`, for a person to read: its
/// subject, author and the files its change touches.
pub fn describe(repo: &Repository, id: Oid) -> Result<String> {
    let c = repo.find_commit(id)?;
    let (text, _) = resign::message_of(&c)?;
    let subject = trailer::subject(&text, &ParseOptions::default(), false);
    let author = c.author();
    let parent_tree = avow_verify::commit::parent_tree(&c)?;
    let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&c.tree()?), None)?;
    let files: Vec<String> = diff
        .deltas()
        .map(|d| {
            let path = d.new_file().path().or_else(|| d.old_file().path()).map(|p| p.display().to_string());
            let status = match d.status() {
                git2::Delta::Added => "A",
                git2::Delta::Deleted => "D",
                _ => "M",
            };
            format!("{status} {}", path.unwrap_or_default())
        })
        .collect();
    Ok(format!(
        "  {} {}\n      author: {} <{}>\n      files:  {}\n",
        resign::short(repo, id),
        shown(&subject),
        shown(&String::from_utf8_lossy(author.name_bytes())),
        shown(&String::from_utf8_lossy(author.email_bytes())),
        if files.is_empty() { "(none)".to_owned() } else { shown(&files.join(", ")) }
    ))
}

/// `text` with control characters written out (`\u{1b}`): what a commit
/// names is the committer's to choose, and must not drive the terminal.
fn shown(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sha1(b: [u8; 20]) -> Oid {
        Oid::from_bytes(&b).unwrap()
    }

    proptest! {
        /// git's `OLD NEW` lines read back pair for pair (a pair that is no
        /// rewrite, OLD = NEW, is skipped); a line with an abbreviated id
        /// is no pair (an abbreviation would read as another, zero-padded
        /// id); and the pick record's lines read back likewise. Any text
        /// reads without a panic.
        #[test]
        fn whole_id_lines_read_back_and_nothing_else(
            pairs_in in proptest::collection::vec((any::<[u8; 20]>(), any::<[u8; 20]>()), 0..6),
            cut in 1usize..40,
            junk in "\\PC{0,200}",
        ) {
            let pairs_in: Vec<(Oid, Oid)> = pairs_in.into_iter().map(|(a, b)| (sha1(a), sha1(b))).collect();
            let text = pairs_in.iter().map(|(a, b)| format!("{a} {b}\n")).collect::<Vec<_>>().concat();
            let expected: Vec<(Oid, Oid)> = pairs_in.iter().copied().filter(|(a, b)| a != b).collect();
            prop_assert_eq!(parse(&text), expected);
            for (a, b) in &pairs_in {
                let a = a.to_string();
                let abbreviated = format!("{} {b}\n", &a[..cut]);
                prop_assert_eq!(parse(&abbreviated), Vec::new());
                prop_assert_eq!(pick(&format!("{a} {b} {b}")), Some((sha1_of(&a), *b, *b)));
                prop_assert_eq!(pick(&format!("{a} {b} {}", &a[..cut])), None);
            }
            let _ = parse(&junk);
            for line in junk.lines() {
                let _ = pick(line);
            }
        }
    }

    fn sha1_of(hex: &str) -> Oid {
        Oid::from_str(hex).unwrap()
    }

    #[test]
    fn pairs_skip_what_is_not_two_ids() {
        let a = "1".repeat(40);
        let b = "2".repeat(40);
        let text = format!("{a} {b}\n{a} {b} extra\n{a}\nnot ids\n{a} {a}\n\n{b} {a}");
        let got = parse(&text);
        let (a, b) = (Oid::from_str(&a).unwrap(), Oid::from_str(&b).unwrap());
        assert_eq!(got, [(a, b), (b, a)]);
    }

    #[test]
    fn the_record_keeps_the_newest_pairs_and_skips_junk() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let id = |n: usize| Oid::from_str(&format!("{n:040x}")).unwrap();
        std::fs::create_dir_all(dir.path().join(".git/avow")).unwrap();
        std::fs::write(file(&repo), "junk\n\0\n").unwrap();
        let first: Vec<(Oid, Oid)> = (1..=3000).map(|n| (id(n), id(n + 10_000))).collect();
        let second: Vec<(Oid, Oid)> = (3001..=5000).map(|n| (id(n), id(n + 10_000))).collect();
        append(&repo, &first).unwrap();
        append(&repo, &second).unwrap();
        // Pairs of commits that are not there (or kept no signature) are not recorded.
        record(&repo, &[(id(1), id(2))]).unwrap();
        let text = std::fs::read_to_string(file(&repo)).unwrap();
        assert_eq!(text.lines().count(), KEEP);
        let sources = read(&repo);
        assert_eq!(sources.len(), KEEP);
        assert_eq!(sources[&id(15_000)], [id(5000)]);
        assert!(!sources.contains_key(&id(10_904)), "the oldest are dropped");
        assert!(sources.contains_key(&id(10_905)));
    }

    #[test]
    fn the_pick_record_keeps_the_newest_once_and_skips_junk() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let id = |n: usize| Oid::from_str(&format!("{n:040x}")).unwrap();
        std::fs::create_dir_all(dir.path().join(".git/avow")).unwrap();
        let (a, b) = (id(1), id(2));
        std::fs::write(picks_file(&repo), format!("junk\n{a} {b}\n{a} {b} {b} {b}\n{a} {b} zz\n")).unwrap();
        let record_n = |n: usize| record_pick(&repo, id(n), id(n + 100_000), id(n + 200_000)).unwrap();
        // Each pick rewrites the whole record, so recording all KEEP + 10
        // one by one is quadratic (40 s unoptimised). The first ten are
        // recorded (the junk goes), the middle is appended in the same
        // lines, and the last ten are recorded over the bound: every pick
        // past KEEP goes through the trimming.
        (0..10).for_each(record_n);
        let mut text = std::fs::read_to_string(picks_file(&repo)).unwrap();
        assert_eq!(text.lines().count(), 10, "the junk is dropped");
        assert_eq!(text.lines().last(), Some(format!("{} {} {}", id(9), id(100_009), id(200_009)).as_str()));
        for n in 10..KEEP {
            text += &format!("{} {} {}\n", id(n), id(n + 100_000), id(n + 200_000));
        }
        std::fs::write(picks_file(&repo), text).unwrap();
        (KEEP..KEEP + 10).for_each(record_n);
        // The same pick again moves to the end, once.
        record_pick(&repo, id(500), id(100_500), id(200_500)).unwrap();
        let got = picks(&repo);
        assert_eq!(got.len(), KEEP);
        assert_eq!(got.last(), Some(&(id(500), id(100_500), id(200_500))));
        assert_eq!(got.iter().filter(|p| p.0 == id(500)).count(), 1);
        // KEEP + 11 recorded, one twice: the ten oldest are dropped (and the junk).
        assert_eq!(got.first(), Some(&(id(10), id(100_010), id(200_010))), "the oldest are dropped");
        assert_eq!(std::fs::read_to_string(picks_file(&repo)).unwrap().lines().count(), KEEP);
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(shown("a\u{1b}[2Jb\tc"), "a\\u{1b}[2Jb\\u{9}c");
        assert_eq!(shown("plain é"), "plain é");
    }
}
