//! How a commit's verdict is decided, against a trusted keyring and policy.
//!
//! [`Verifier::verify`] (one commit) and [`Verifier::verify_commits`] (many,
//! signatures checked in batches) run the same steps:
//! 1. exemptions — an exempt author, the adoption point, a clean merge under
//!    `merges = "skip"` (`prepare`, here);
//! 2. the commit's attestation — its signature trailer, the change it binds,
//!    the payload rebuilt for the signature check (`verify/attestation.rs`);
//! 3. the signer — the key in the trusted keyring, valid when used, named by
//!    `Understood-by:` (`verify/signer.rs`);
//! 4. the rules — a change to `.avow/` (`verify/avow_change.rs`), the
//!    policy's rules (`Policy::check`) and the newcomer rule (`complete`,
//!    here);
//! 5. `finish` (here): any finding of severity deny rejects the commit;
//! 6. a rejected commit's retries — a note, then a squash's source
//!    (`verify/retry.rs`).
//!
//! The verdict and its report are in `verify/report.rs`; the range (its
//! names resolved in [`crate::resolve`]; the reused-rationale rule, the
//! cache and scheduling in [`crate::range`]) around this.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use avow_core::attestation::{Statement, STATEMENT_KEYS};
use avow_core::payload::SignatureTrailer;
use avow_policy::facts::CommitFacts;
use avow_policy::findings::{self, Finding, Rule, Severity};
use avow_policy::markers::Markers;
use avow_policy::policy::MergeMode;
use avow_sign::ssh_key::PublicKey;
use git2::{Commit, Oid, Repository};

use crate::cache::Cache;
use crate::commit;
use crate::trust::Trusted;
use crate::Error;

mod attestation;
mod avow_change;
pub(crate) use avow_change::merge_writes_avow;
pub use avow_change::{is_avow_path, writes_avow};
mod records;
mod report;
mod retry;
mod signer;

use attestation::fast_path_failed;
pub use attestation::REATTEST_HINT;
pub use records::Records;
pub use report::{Options, Report, SignerInfo, Verdict};
use signer::signer_info;
pub use signer::{amend_older_hint, name_finding};

fn finding(rule: &Rule, severity: Severity, message: String) -> Finding {
    Finding::new(rule, severity, message)
}

/// A commit's tree.
fn commit_tree<'r>(c: &Commit<'r>) -> Result<git2::Tree<'r>, Error> {
    c.tree().map_err(|e| Error::git(format!("reading the tree of {}", c.id()), e))
}

fn deny(rule: &Rule, message: String) -> Finding {
    Finding::deny(rule, message)
}

/// A commit verified up to its signature check.
enum Pending {
    /// Nothing left to check (exempt, skipped).
    Decided(Box<Report>),
    /// The signature check and what follows it are left.
    Open(Box<Open>),
}

/// What [`Verifier::complete`] needs.
struct Open {
    report: Report,
    facts: CommitFacts,
    /// The signature over the rebuilt payload, when the commit got that far.
    signature: Option<SignatureCheck>,
    /// Whether the cache may learn this verdict: never one from a note.
    cacheable: bool,
}

/// A signature to check, with what the keyring checks need afterwards.
struct SignatureCheck {
    /// The payload rebuilt from the commit.
    bytes: Vec<u8>,
    /// The `s=` field, decoded (or why it does not decode).
    signature: Result<avow_sign::Signature, avow_sign::Error>,
    st: SignatureTrailer,
    statement: Statement,
    /// On the fast path: what `complete` needs to fall back to the slow
    /// path's verdict when the signature does not hold.
    fast: Option<FastPath>,
}

/// Where the fast path's findings start, and the trees to compute the
/// digest of if its signature check fails.
struct FastPath {
    before: usize,
    parent_tree: Option<Oid>,
    tree: Oid,
}

/// The verifier for one trust base.
pub struct Verifier<'t> {
    trusted: &'t Trusted,
    /// The built-in markers plus the trusted policy's own.
    markers: std::borrow::Cow<'static, Markers>,
    exempt: HashSet<Oid>,
    options: Options,
    cache: Option<&'t Cache>,
    /// One [`SignerInfo`] per key of the trusted keyring, by fingerprint.
    signers: HashMap<&'t str, Arc<SignerInfo>>,
    /// Revisions to try as the source of a squash (`--squash-source`).
    squash_sources: Vec<String>,
    /// Why an RSA key that signed fails the keyring's full checks (a prime
    /// modulus: entry 116), or `None`, by fingerprint: too costly for
    /// every load, so made once per run for the keys that sign.
    weak_rsa: std::sync::Mutex<HashMap<String, Option<String>>>,
    /// The `[newcomer]` track records, when the policy has the section.
    newcomers: Option<&'t Records>,
    /// What the run has learnt about squash sources (entry 117).
    squash_memo: crate::squash::Memo,
    /// The notes, each tree read on the first look into it (entry 120).
    notes: crate::notes::Index,
}

impl<'t> Verifier<'t> {
    /// A verifier for `trusted`, with commits in `exempt` (the adoption
    /// point's ancestors) exempt.
    pub fn new(trusted: &'t Trusted, exempt: HashSet<Oid>, options: Options) -> Self {
        let signers = trusted
            .keyring
            .people()
            .iter()
            .flat_map(|p| p.keys.iter().map(move |k| (k.fingerprint.as_str(), Arc::new(signer_info(p, k)))))
            .collect();
        Verifier {
            trusted,
            markers: trusted.policy.markers(),
            exempt,
            options,
            cache: None,
            signers,
            squash_sources: Vec::new(),
            weak_rsa: std::sync::Mutex::default(),
            newcomers: None,
            squash_memo: crate::squash::Memo::default(),
            notes: crate::notes::Index::default(),
        }
    }

    /// Also tries `revs` as the source branch of every rejected commit
    /// with one parent (besides the forge's pull refs its message names).
    #[must_use]
    pub fn with_squash_sources(mut self, revs: Vec<String>) -> Self {
        self.squash_sources = revs;
        self
    }

    /// Applies the `[newcomer]` rules with these track records.
    #[must_use]
    pub fn with_newcomers(mut self, records: &'t Records) -> Self {
        self.newcomers = Some(records);
        self
    }

    /// Uses `cache` for the change digest and signature checks: a commit it
    /// knows skips them (everything else is checked as usual), and every
    /// signature that verifies with a trusted key is recorded in it.
    #[must_use]
    pub fn with_cache(mut self, cache: &'t Cache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Verifies one commit: its own attestation, and when that is rejected,
    /// a note in `refs/notes/avow` ([`crate::notes`]) or the commits of the
    /// branch it squashes ([`crate::squash`]).
    pub fn verify(&self, repo: &Repository, c: &Commit<'_>) -> Result<Report, Error> {
        self.verify_with(repo, c, true)
    }

    fn verify_with(&self, repo: &Repository, c: &Commit<'_>, squash: bool) -> Result<Report, Error> {
        let first = self.verify_from(repo, c, None)?;
        self.retry(repo, c, first, squash)
    }

    /// Verifies one commit with the attestation in its trailers, or in
    /// `note` (a note's text) when given, its signature checked alone.
    fn verify_from(&self, repo: &Repository, c: &Commit<'_>, note: Option<&str>) -> Result<Report, Error> {
        Ok(match self.prepare(repo, c, note)? {
            Pending::Decided(report) => *report,
            Pending::Open(open) => {
                let verified = open
                    .signature
                    .as_ref()
                    .and_then(|s| s.signature.as_ref().ok().map(|sig| avow_sign::verify(&s.bytes, sig)));
                self.complete(repo, *open, verified)?
            }
        })
    }

    /// Verifies commits, in the order given, with their signatures checked
    /// in batches ([`avow_sign::verify_many`]; each alone with
    /// [`Options::no_batch`]); the reports are exactly
    /// [`Verifier::verify`]'s: only a rejected commit goes on to the note
    /// and squash retries.
    pub fn verify_commits(&self, repo: &Repository, ids: &[Oid]) -> Result<Vec<Report>, Error> {
        let mut pending = Vec::with_capacity(ids.len());
        // Root trees are read by id, not through libgit2's parse of every
        // entry ([`commit::Root`]).
        let odb = repo.odb().ok();
        // The commit read just before and its tree: usually the next one's
        // parent, whose tree is then neither looked up nor read again.
        let mut before: Option<(Oid, commit::Root<'_, '_>)> = None;
        for id in ids {
            let c = repo.find_commit(*id).map_err(|e| Error::walk(repo, e))?;
            let tree = commit::read_root(odb.as_ref(), c.tree_id(), || commit_tree(&c))?;
            let parent_tree = match before.take() {
                Some((id, tree)) if c.parent_count() > 0 && c.parent_id(0).is_ok_and(|p| p == id) => Some(tree),
                _ => commit::parent_tree(&c)?.map(commit::Root::Git),
            };
            pending.push(self.prepare_with(repo, odb.as_ref(), &c, parent_tree.as_ref(), &tree, None)?);
            before = Some((c.id(), tree));
        }
        let mut keys = {
            let items: Vec<(&[u8], &avow_sign::Signature)> = pending
                .iter()
                .filter_map(|p| match p {
                    Pending::Open(o) => {
                        o.signature.as_ref().and_then(|s| Some((s.bytes.as_slice(), s.signature.as_ref().ok()?)))
                    }
                    Pending::Decided(_) => None,
                })
                .collect();
            if self.options.no_batch {
                items.iter().map(|(bytes, sig)| avow_sign::verify(bytes, sig)).collect::<Vec<_>>().into_iter()
            } else {
                avow_sign::verify_many(&items).into_iter()
            }
        };
        pending
            .into_iter()
            .map(|p| match p {
                Pending::Decided(report) => Ok(*report),
                Pending::Open(open) => {
                    let verified = open.signature.as_ref().and_then(|s| {
                        s.signature.as_ref().ok().map(|_| keys.next().expect("one answer per signature"))
                    });
                    let first = self.complete(repo, *open, verified)?;
                    if first.verdict != Verdict::Rejected {
                        return Ok(first);
                    }
                    let c = repo.find_commit(first.id).map_err(|e| Error::walk(repo, e))?;
                    self.retry(repo, &c, first, true)
                }
            })
            .collect()
    }

    /// Everything but the signature check, which the caller may batch;
    /// with the attestation in `note` (a note's text) when given.
    fn prepare(&self, repo: &Repository, c: &Commit<'_>, note: Option<&str>) -> Result<Pending, Error> {
        let parent_tree = commit::parent_tree(c)?.map(commit::Root::Git);
        let tree = commit::Root::Git(commit_tree(c)?);
        let odb = repo.odb().ok();
        self.prepare_with(repo, odb.as_ref(), c, parent_tree.as_ref(), &tree, note)
    }

    /// [`Verifier::prepare`] with the commit's parent tree and tree.
    fn prepare_with<'r>(
        &self,
        repo: &'r Repository,
        odb: Option<&git2::Odb<'r>>,
        c: &Commit<'_>,
        parent_tree: Option<&commit::Root<'r, '_>>,
        tree: &commit::Root<'r, '_>,
        note: Option<&str>,
    ) -> Result<Pending, Error> {
        let policy = &self.trusted.policy;
        let count_lines = self.options.count_lines || policy.needs_line_counts();
        let change = commit::change_stats_of_roots(repo, odb, parent_tree, tree, count_lines)?;
        let message = commit::message_text(c);
        let non_utf8 = message.is_none();
        let mut facts = commit::facts(c, message.unwrap_or_default(), change);
        // A note's trailers stand for the commit's own: the signature is
        // checked against them alone; the policy reads the note's statement
        // with the commit's own message and trailers, so a note can neither
        // hide what the commit says (an agent's trailer) nor add to it
        // anything but the statement (a `Signed-off-by:`).
        let note_facts = note.map(|n| {
            let text = crate::notes::as_message(&facts.subject, n);
            let trailers = avow_core::trailer::parse(&text, &avow_core::trailer::ParseOptions::default());
            facts.statement = Statement::from_trailers(&trailers).ok();
            let note_facts = CommitFacts { message: text, trailers, ..facts.clone() };
            let statement = note_facts.trailers.iter().filter(|t| STATEMENT_KEYS.iter().any(|k| t.is(k)));
            facts.trailers.extend(statement.cloned());
            note_facts
        });
        let mut report = Report {
            id: c.id(),
            subject: facts.subject.clone(),
            author: facts.author.clone(),
            verdict: Verdict::Accepted,
            findings: Vec::new(),
            signer: None,
            authorship: facts.statement.as_ref().map(|s| s.authorship),
            statement: facts.statement.clone(),
            signed_at: None,
            change: None,
            fast_path: false,
            cached: false,
            payload: None,
            signature: None,
            trailers: Vec::new(),
            facts: None,
            via: None,
        };
        if policy.is_exempt(&facts.author.email) {
            report.verdict = Verdict::Exempt(format!("author {} is exempt by the policy", facts.author.email));
            // Anyone can write an exempt author; it never reaches .avow/.
            let merge_writes = avow_change::merge_writes_avow(repo, c)?;
            self.check_avow_change(&facts, merge_writes, &mut report);
            return Ok(Pending::Decided(Box::new(self.finish(report, facts))));
        }
        if self.exempt.contains(&crate::canonical(c.id())) {
            report.verdict = Verdict::Exempt("before the policy's adoption point".into());
            return Ok(Pending::Decided(Box::new(self.finish(report, facts))));
        }
        if c.parent_count() > 1 && policy.merges == MergeMode::Skip {
            if crate::merge::is_clean(repo, c)? {
                report.verdict = Verdict::Skipped("merge commit (the policy skips merges)".into());
                return Ok(Pending::Decided(Box::new(self.finish(report, facts))));
            }
            let why = if c.parent_count() > crate::merge::MAX_MERGED_PARENTS {
                format!(
                    "a merge of {} parents (more than {}) is not merged again to see whether it only merges, so it is checked like any commit and needs an attestation",
                    c.parent_count(),
                    crate::merge::MAX_MERGED_PARENTS
                )
            } else {
                "the merge's tree is not the automatic merge of its parents (a conflict resolution or a change of its own), so it is checked like any commit and needs an attestation".into()
            };
            report.findings.push(finding(&findings::MERGE_UNCLEAN, Severity::Warn, why));
        }
        if non_utf8 {
            let message = match commit::unreadable_encoding(c) {
                Some(label) => format!(
                    "the commit message is in {label}, which avow cannot read (UTF-8 and ISO-8859-1 are supported), so it cannot carry an attestation; re-commit it as UTF-8"
                ),
                None => "the commit message is not valid in its encoding, so it cannot carry an attestation; re-commit it as UTF-8".into(),
            };
            report.findings.push(deny(&findings::MESSAGE_ENCODING, message));
        }
        let cacheable = note.is_none();
        let signature = self.check_attestation(
            repo,
            c,
            parent_tree,
            tree,
            note_facts.as_ref().unwrap_or(&facts),
            &mut report,
            cacheable,
        )?;
        Ok(Pending::Open(Box::new(Open { report, facts, signature, cacheable })))
    }

    /// The rest of a commit's checks, given the answer of the signature
    /// check (`None` when there was no decoded signature to check).
    fn complete(
        &self,
        repo: &Repository,
        open: Open,
        verified: Option<Result<PublicKey, avow_sign::Error>>,
    ) -> Result<Report, Error> {
        let Open { mut report, mut facts, signature, cacheable } = open;
        if let Some(s) = signature {
            let key = match s.signature {
                Err(e) => Err(e),
                Ok(_) => verified.expect("a decoded signature is verified"),
            };
            self.check_signature(key, &s.st, &s.statement, &mut report);
            if let Some(fast) = s.fast {
                let failed = report.findings[fast.before..].iter().any(|f| f.severity == Severity::Deny);
                if failed {
                    let parent_tree = fast
                        .parent_tree
                        .map(|t| repo.find_tree(t))
                        .transpose()
                        .map_err(|e| Error::git("reading the parent tree".into(), e))?;
                    let tree = repo.find_tree(fast.tree).map_err(|e| Error::git("reading the tree".into(), e))?;
                    fast_path_failed(repo, parent_tree.as_ref(), &tree, &s.st, fast.before, &mut report)?;
                }
            }
            if let (Some(cache), Some(signer), true) = (self.cache, &report.signer, cacheable) {
                cache.record(report.id, &signer.fingerprint);
            }
        }
        self.forgive_own_expiry(repo, &facts, &mut report)?;
        let c = repo.find_commit(report.id).map_err(|e| Error::git(format!("reading commit {}", report.id), e))?;
        let merge_writes = avow_change::merge_writes_avow(repo, &c)?;
        self.check_avow_change(&facts, merge_writes, &mut report);
        let policy = &self.trusted.policy;
        // What a merge keeps against a merged parent's change is a change
        // of its own for the `[[path]]` rules (entry 142); only looked for
        // when there are such rules.
        if c.parent_count() > 1 && !policy.paths.is_empty() {
            let parents = (0..c.parent_count()).map(|i| c.parent(i)).collect::<Result<Vec<_>, _>>();
            let parents = parents.map_err(|e| Error::git(format!("reading the parents of merge {}", c.id()), e))?;
            facts.change.kept = crate::merge::kept_paths(repo, &parents, &commit_tree(&c)?, &facts.change.paths)?;
        }
        report.findings.extend(policy.check(&facts, &self.markers));
        if let Some(records) = self.newcomers {
            // The person who stands behind the change: the verified signer,
            // else the one `Understood-by:` names, else the author.
            let who = report.signer.as_ref().map_or_else(
                || facts.statement.as_ref().map_or(&facts.author.email, |s| &s.understood_by.email).clone(),
                |s| s.email.clone(),
            );
            report.findings.extend(policy.check_newcomer(&facts, &who, records.of(&who)));
        }
        Ok(self.finish(report, facts))
    }

    fn finish(&self, mut report: Report, mut facts: CommitFacts) -> Report {
        if report.denied() {
            report.verdict = Verdict::Rejected;
        }
        if !self.options.drop_trailers {
            report.trailers =
                if self.options.keep_facts { facts.trailers.clone() } else { std::mem::take(&mut facts.trailers) };
        }
        if self.options.keep_facts {
            report.facts = Some(Box::new(facts));
        }
        report
    }
}
