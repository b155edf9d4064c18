//! Checking commits against a trusted keyring and policy.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use avow_core::attestation::{Authorship, Person, Statement, SIGNATURE, STATEMENT_KEYS};
use avow_core::payload::{Binding, Digest, Payload, PayloadError, SignatureTrailer};
use avow_core::trailer::Trailer;
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::findings::{self, Finding, Rule, Severity};
use avow_policy::keyring::{KeyStatus, Role};
use avow_policy::markers::Markers;
use avow_policy::policy::{Binding as BindingMode, MergeMode};
use avow_sign::ssh_key::PublicKey;
use git2::{Commit, Oid, Repository, Sort};

use crate::cache::Cache;
use crate::change;
use crate::commit;
use crate::trust::{Trusted, AVOW_DIR};
use crate::Error;

/// The outcome for one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The attestation verifies and the policy accepts the commit.
    Accepted,
    /// Something is wrong; the findings say what.
    Rejected,
    /// The policy exempts the commit (bot identity, before adoption).
    Exempt(String),
    /// Not checked (a merge commit under `merges = "skip"`).
    Skipped(String),
}

impl Verdict {
    /// A short lowercase word: accepted, rejected, exempt, skipped.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
            Verdict::Exempt(_) => "exempt",
            Verdict::Skipped(_) => "skipped",
        }
    }
}

/// The key holder whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    /// Their name in the keyring.
    pub name: String,
    /// Their email in the keyring.
    pub email: String,
    /// Their role in the keyring.
    pub role: Role,
    /// The key's `SHA256:` fingerprint.
    pub fingerprint: String,
}

/// Everything verification found out about one commit.
#[derive(Debug, Clone)]
pub struct Report {
    /// The commit.
    pub id: Oid,
    /// Its subject.
    pub subject: String,
    /// Its author.
    pub author: Ident,
    /// The verdict.
    pub verdict: Verdict,
    /// Problems (deny) and warnings (warn), in the order found.
    pub findings: Vec<Finding>,
    /// Who signed, when the signature verified against a known key; shared
    /// by every report signed with the same key (a long range holds one
    /// copy per key, not per commit).
    pub signer: Option<Arc<SignerInfo>>,
    /// The declared authorship, when well-formed.
    pub authorship: Option<Authorship>,
    /// The statement, when well-formed.
    pub statement: Option<Statement>,
    /// The signing time, when the signature trailer is well-formed.
    pub signed_at: Option<i64>,
    /// The commit's change digest as verification established it (`None`
    /// for an empty change, or when verification did not get that far).
    pub change: Option<Digest>,
    /// Whether the tree-binding fast path avoided recomputing the change
    /// digest.
    pub fast_path: bool,
    /// Whether the verification cache vouched for the change digest and the
    /// signature (the keyring and policy checks ran all the same).
    pub cached: bool,
    /// The exact payload checked against the signature (only when asked).
    pub payload: Option<String>,
    /// The `Avow-Signature:` value.
    pub signature: Option<String>,
    /// All trailers, as git reads them.
    pub trailers: Vec<Trailer>,
    /// The message, only when asked (the reviewer's report uses it);
    /// boxed, so that a long range's reports stay small without it.
    pub facts: Option<Box<CommitFacts>>,
    /// Where the accepted attestation came from when not the commit's own
    /// trailers: a note, or the verified commits of a squash's source.
    pub via: Option<String>,
}

impl Report {
    /// Whether any finding denies the commit.
    pub fn denied(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Deny)
    }
}

/// What to keep besides the verdict.
#[derive(Debug, Clone, Copy, Default)]
#[expect(clippy::struct_excessive_bools, reason = "independent switches")]
pub struct Options {
    /// Keep the payload text (for `show`).
    pub keep_payload: bool,
    /// Keep the commit facts (for `report`).
    pub keep_facts: bool,
    /// Never take the tree-binding fast path (for tests and audits).
    pub no_fast_path: bool,
    /// Count changed lines even if the policy does not need them.
    pub count_lines: bool,
    /// Leave out the trailers and the signature text, which only the full
    /// formats print: a lean report for long ranges.
    pub drop_trailers: bool,
}

fn finding(rule: &Rule, severity: Severity, message: String) -> Finding {
    Finding::new(rule, severity, message)
}

fn deny(rule: &Rule, message: String) -> Finding {
    Finding::deny(rule, message)
}

/// Lines of the message that look like a signature trailer, wherever they
/// are; more than git parses means one hides outside the trailer block.
fn signature_lines(message: &str) -> usize {
    let prefix = SIGNATURE.len();
    message
        .lines()
        .filter(|l| l.len() > prefix && l.is_char_boundary(prefix) && l[..prefix].eq_ignore_ascii_case(SIGNATURE))
        .filter(|l| l[prefix..].trim_start().starts_with(':'))
        .count()
}

/// `.avow` or a path under it, under any name a checkout may write there:
/// any ASCII letter case (case-insensitive file systems), with trailing
/// dots and spaces or as the 8.3 short name `AVOW~1`…`AVOW~4` (NTFS), and
/// with the code points HFS+ ignores in names (as git guards `.git`).
fn is_avow_path(path: &str) -> bool {
    const HFS_IGNORED: [char; 16] = [
        '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
        '\u{206A}', '\u{206B}', '\u{206C}', '\u{206D}', '\u{206E}', '\u{206F}', '\u{FEFF}',
    ];
    let first = path.split('/').next().unwrap_or_default();
    let name: std::borrow::Cow<'_, str> = if first.is_ascii() {
        first.into()
    } else {
        first.chars().filter(|c| !HFS_IGNORED.contains(c)).collect::<String>().into()
    };
    let name = name.trim_end_matches(['.', ' ']);
    name.eq_ignore_ascii_case(AVOW_DIR)
        || matches!(name.as_bytes(), [a, v, o, w, b'~', b'1'..=b'4'] if [*a, *v, *o, *w].eq_ignore_ascii_case(b"avow"))
}

/// The set of commits that the policy's adoption point exempts, among
/// those reachable from `since` and not from `base`.
pub fn adoption_exempt(repo: &Repository, since: &str, base: Option<Oid>) -> Result<HashSet<Oid>, Error> {
    let start = crate::trust::resolve_commit(repo, since)?;
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.push(start.id()).map_err(|e| Error::git(format!("walking from {since}"), e))?;
    if let Some(b) = base {
        walk.hide(b).map_err(|e| Error::git("hiding the base".into(), e))?;
    }
    walk.map(|r| r.map(crate::canonical).map_err(|e| Error::walk(repo, e))).collect()
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
    /// The `[newcomer]` track records, when the policy has the section.
    newcomers: Option<&'t crate::newcomer::Records>,
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
            newcomers: None,
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
    pub fn with_newcomers(mut self, records: &'t crate::newcomer::Records) -> Self {
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

    /// After a commit's first verdict (`report`, from its own trailers):
    /// when rejected, a note in `refs/notes/avow`, then (when `squash`) the
    /// branch it squashes.
    fn retry(&self, repo: &Repository, c: &Commit<'_>, mut report: Report, squash: bool) -> Result<Report, Error> {
        if report.verdict != Verdict::Rejected {
            return Ok(report);
        }
        if let Some(note) = crate::notes::read(repo, c.id()) {
            let mut by_note = self.verify_from(repo, c, Some(&note))?;
            if by_note.verdict != Verdict::Rejected {
                by_note.via = Some(format!("attested by a note in {}", crate::notes::NOTES_REF));
                let message = commit::message_text(c).unwrap_or_default();
                let Some(shown) = crate::notes::unsigned_display(&message, &report.subject, &note) else {
                    return Ok(by_note);
                };
                let signer = by_note.signer.as_ref().map(|s| format!("{} <{}>", s.name, s.email));
                let finding = shown.finding(c.id(), signer.as_deref(), self.trusted.policy.unsigned_statement);
                if finding.severity == Severity::Warn {
                    by_note.findings.push(finding);
                    return Ok(by_note);
                }
                report.findings.push(finding);
            }
        }
        if squash {
            return self.squash(repo, c, report);
        }
        Ok(report)
    }

    /// A rejected commit as a squash of one of its candidate sources.
    fn squash(&self, repo: &Repository, c: &Commit<'_>, mut report: Report) -> Result<Report, Error> {
        let message = commit::message_text(c).unwrap_or_default();
        for (name, tip) in crate::squash::candidates(repo, &report.subject, &message, &self.squash_sources) {
            let Some(source) = crate::squash::source(repo, c, tip)? else { continue };
            if !source.same_change {
                report.findings.push(deny(
                    &findings::SQUASH_CHANGE,
                    format!(
                        "the squash's change is not the whole change of {name} ({}..{}): it carries something those commits do not, so their statements do not cover it",
                        &source.base.to_string()[..12],
                        &tip.to_string()[..12]
                    ),
                ));
                continue;
            }
            let mut rejected = Vec::new();
            for id in &source.commits {
                let sc = repo.find_commit(*id).map_err(|e| Error::walk(repo, e))?;
                if self.verify_with(repo, &sc, false)?.verdict == Verdict::Rejected {
                    rejected.push(id.to_string()[..12].to_owned());
                }
            }
            if rejected.is_empty() {
                let n = source.commits.len();
                return Ok(Report {
                    verdict: Verdict::Accepted,
                    findings: Vec::new(),
                    signer: None,
                    via: Some(format!("squash of {name}: its {n} commit(s) verify and their change is the squash's")),
                    ..report
                });
            }
            report.findings.push(deny(
                &findings::SQUASH_SOURCE,
                format!(
                    "the squash's change is that of {name}, but these of its commits do not verify: {}",
                    rejected.join(", ")
                ),
            ));
        }
        Ok(report)
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
    /// in batches ([`avow_sign::verify_many`]); the reports are exactly
    /// [`Verifier::verify`]'s: only a rejected commit goes on to the note
    /// and squash retries.
    pub fn verify_commits(&self, repo: &Repository, ids: &[Oid]) -> Result<Vec<Report>, Error> {
        let pending = ids
            .iter()
            .map(|id| {
                let c = repo.find_commit(*id).map_err(|e| Error::walk(repo, e))?;
                self.prepare(repo, &c, None)
            })
            .collect::<Result<Vec<Pending>, Error>>()?;
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
            avow_sign::verify_many(&items).into_iter()
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
        let policy = &self.trusted.policy;
        let parent_tree = commit::parent_tree(c)?;
        let tree = c.tree().map_err(|e| Error::git(format!("reading the tree of {}", c.id()), e))?;
        let count_lines = self.options.count_lines || policy.needs_line_counts();
        let change = commit::change_stats(repo, parent_tree.as_ref(), &tree, count_lines)?;
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
            self.check_avow_change(&facts, &mut report);
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
            report.findings.push(finding(
                &findings::MERGE_UNCLEAN,
                Severity::Warn,
                "the merge's tree is not the automatic merge of its parents (a conflict resolution or a change of its own), so it is checked like any commit and needs an attestation".into(),
            ));
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
            parent_tree.as_ref(),
            &tree,
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
        let Open { mut report, facts, signature, cacheable } = open;
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
        self.check_avow_change(&facts, &mut report);
        let policy = &self.trusted.policy;
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

    /// A change to `.avow/` (in any letter case, which a case-insensitive
    /// checkout would write to the same files) needs a maintainer.
    fn check_avow_change(&self, facts: &CommitFacts, report: &mut Report) {
        if facts.change.paths.iter().any(|p| is_avow_path(p)) {
            let by_maintainer = report.signer.as_ref().is_some_and(|s| s.role == Role::Maintainer);
            if !by_maintainer {
                report.findings.push(deny(
                    &findings::TRUST_AVOW_CHANGE,
                    format!(
                        "the commit changes .avow/ (keyring or policy) but is not attested by a maintainer of the trusted keyring at {}",
                        self.trusted.rev
                    ),
                ));
            }
        }
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

    #[expect(clippy::too_many_arguments, reason = "the commit, its two trees, the facts and where they come from")]
    fn check_attestation(
        &self,
        repo: &Repository,
        c: &Commit<'_>,
        parent_tree: Option<&git2::Tree<'_>>,
        tree: &git2::Tree<'_>,
        facts: &CommitFacts,
        report: &mut Report,
        cacheable: bool,
    ) -> Result<Option<SignatureCheck>, Error> {
        // A fixup!/squash!/amend! commit exists to be folded into another;
        // in a verified range it means the branch was not autosquashed.
        if commit::is_autosquash(&facts.subject) {
            report.findings.push(deny(
                &findings::ATTESTATION_FIXUP,
                "a fixup!/squash!/amend! commit, made to be folded into another: fold it in with `git rebase -i --autosquash BASE` first".into(),
            ));
            return Ok(None);
        }
        // A commit with no attestation at all gets one finding, not one per
        // missing trailer.
        let attested = facts.trailers.iter().any(|t| t.is(SIGNATURE) || STATEMENT_KEYS.iter().any(|k| t.is(k)));
        if !attested && signature_lines(&facts.message) == 0 {
            report.findings.push(deny(
                &findings::ATTESTATION_MISSING,
                "the commit carries no attestation (no Authorship, Rationale or Avow-Signature trailers); install the hook with `git avow install` and re-commit".into(),
            ));
            return Ok(None);
        }
        let statement = match Statement::from_trailers(&facts.trailers) {
            Ok(s) => Some(s),
            Err(problems) => {
                for p in problems {
                    report.findings.push(deny(&findings::ATTESTATION_STATEMENT, p.to_string()));
                }
                None
            }
        };
        let Some(sig_trailer) = the_signature_trailer(facts, report) else { return Ok(None) };
        if !self.options.drop_trailers {
            report.signature = Some(sig_trailer.value.clone());
        }
        let st = match SignatureTrailer::parse(&sig_trailer.value) {
            Ok(st) => st,
            Err(PayloadError::Version { found }) => {
                report.findings.push(deny(
                    &findings::ATTESTATION_VERSION,
                    format!(
                        "the attestation is of version {found}, which this avow no longer accepts ({found} bound the change by git's patch-id, which can be forged; see docs/threat-model.md); {REATTEST_HINT}"
                    ),
                ));
                return Ok(None);
            }
            Err(e) => {
                report.findings.push(deny(&findings::SIGNATURE_MALFORMED, e.to_string()));
                return Ok(None);
            }
        };
        report.signed_at = Some(st.signed_at);
        let trees = change::tree_binding(parent_tree.map(git2::Tree::id), tree.id());
        if self.trusted.policy.binding == BindingMode::Trees && trees != st.binding.trees {
            report.findings.push(deny(
                &findings::ATTESTATION_TREES,
                "the commit's trees are not the ones that were signed (it was rebased, or edited, whitespace included), and the policy binds attestations to exact trees; re-attest with `git commit --amend --no-edit`".into(),
            ));
            return Ok(None);
        }
        if cacheable && self.cache_hit(c.id(), &st, statement.as_ref(), report) {
            return Ok(None);
        }
        if self.options.no_fast_path || trees != st.binding.trees {
            let computed = change::digest(repo, parent_tree, tree)?;
            report.change = computed;
            if computed != st.binding.change {
                report.findings.push(change_mismatch(computed, st.binding.change));
                return Ok(None);
            }
            return Ok(statement.and_then(|s| self.signed(st, s, facts, None, report)));
        }
        // The fast path: the exact trees signed, so the signed digest is
        // theirs if the signature holds. When it does not hold, the digest
        // is computed after all, so that the verdict and its reasons are
        // those of the slow path (`--no-fast-path` changes nothing); the
        // signature's answer comes in `complete`.
        report.fast_path = true;
        report.change = st.binding.change;
        let before = report.findings.len();
        let fast = FastPath { before, parent_tree: parent_tree.map(git2::Tree::id), tree: tree.id() };
        let check = statement.and_then(|s| self.signed(st.clone(), s, facts, Some(fast), report));
        if check.is_none() {
            fast_path_failed(repo, parent_tree, tree, &st, before, report)?;
        }
        Ok(check)
    }

    /// The payload rebuilt with the established change digest, and the
    /// signature to check over it; `None` (with the finding) when the
    /// payload cannot be built.
    fn signed(
        &self,
        st: SignatureTrailer,
        statement: Statement,
        facts: &CommitFacts,
        fast: Option<FastPath>,
        report: &mut Report,
    ) -> Option<SignatureCheck> {
        let binding = Binding { change: report.change, trees: st.binding.trees };
        let payload = Payload::new(&binding, &facts.author.email, &facts.subject, st.signed_at, &statement);
        let bytes = match payload.to_bytes() {
            Ok(b) => b,
            Err(e) => {
                report.findings.push(deny(&findings::ATTESTATION_PAYLOAD, e.to_string()));
                return None;
            }
        };
        if self.options.keep_payload {
            report.payload = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
        let signature = avow_sign::Signature::from_base64(&st.signature);
        Some(SignatureCheck { bytes, signature, st, statement, fast })
    }

    /// A cache hit: the change digest and the signature were checked on an
    /// earlier run, with the key of this fingerprint; the keyring checks run
    /// as on a miss. False when the cache does not know the commit or its
    /// key is not in the trusted keyring (the caller checks it in full).
    fn cache_hit(&self, id: Oid, st: &SignatureTrailer, statement: Option<&Statement>, report: &mut Report) -> bool {
        let (Some(cache), Some(statement)) = (self.cache, statement) else { return false };
        let Some((person, k)) = cache.lookup(id).and_then(|f| self.trusted.keyring.find_by_fingerprint(f)) else {
            return false;
        };
        report.cached = true;
        report.change = st.binding.change;
        check_signer(&self.trusted.policy, person, k, st, statement, report);
        report.signer = Some(self.signer(person, k));
        true
    }

    /// The cryptographic check and the keyring: who signed, was the key
    /// valid then, and does `Understood-by` name them.
    fn check_signature(
        &self,
        key: Result<PublicKey, avow_sign::Error>,
        st: &SignatureTrailer,
        statement: &Statement,
        report: &mut Report,
    ) {
        let key = match key {
            Ok(key) => key,
            Err(e) => {
                report.findings.push(deny(&findings::SIGNATURE_INVALID, format!("the signature does not verify: {e}")));
                return;
            }
        };
        let Some((person, k)) = self.trusted.keyring.find_by_key(&key) else {
            report.findings.push(deny(
                &findings::SIGNATURE_UNKNOWN_KEY,
                format!(
                    "signed with {}, which is not in the trusted keyring (.avow/keyring.toml at {}); a maintainer adds keys in a commit that is already trusted",
                    avow_sign::fingerprint(&key),
                    self.trusted.rev
                ),
            ));
            return;
        };
        check_signer(&self.trusted.policy, person, k, st, statement, report);
        report.signer = Some(self.signer(person, k));
    }

    /// The shared [`SignerInfo`] of a keyring key.
    fn signer(&self, person: &avow_policy::keyring::Person, k: &avow_policy::keyring::Key) -> Arc<SignerInfo> {
        self.signers.get(k.fingerprint.as_str()).cloned().unwrap_or_else(|| Arc::new(signer_info(person, k)))
    }
}

/// The finding for a commit whose change is not the signed one.
fn change_mismatch(computed: Option<Digest>, signed: Option<Digest>) -> Finding {
    let show = |d: Option<Digest>| d.map_or_else(|| "none".to_owned(), |d| d.to_string());
    deny(
        &findings::ATTESTATION_CHANGE,
        format!(
            "the change is not the one that was signed (change digest {}, signed {}): the diff was edited after signing (or a conflict resolved); if the statement is yours, re-sign it with `git commit --amend --no-edit` (HEAD) or `git avow reattest BASE..HEAD` (a branch)",
            show(computed),
            show(signed)
        ),
    )
}

/// The fast path's signature check failed (`before` is where its findings
/// start): compute the digest after all and, when it is not the signed one,
/// report that instead, as the slow path would.
fn fast_path_failed(
    repo: &Repository,
    parent_tree: Option<&git2::Tree<'_>>,
    tree: &git2::Tree<'_>,
    st: &SignatureTrailer,
    before: usize,
    report: &mut Report,
) -> Result<(), Error> {
    let computed = change::digest(repo, parent_tree, tree)?;
    if computed != st.binding.change {
        report.findings.truncate(before);
        report.findings.push(change_mismatch(computed, st.binding.change));
        report.fast_path = false;
        report.change = computed;
        report.signer = None;
        report.payload = None;
    }
    Ok(())
}

/// How to re-attest a branch of old attestations (or any whose change
/// no longer matches): `git avow reattest` re-signs your own statements in
/// place (docs/workflows.md).
pub const REATTEST_HINT: &str =
    "re-sign your statements on the branch: `git avow reattest BASE..HEAD`, BASE being the commit the branch starts from (e.g. origin/main)";

/// The commit's one `Avow-Signature:` trailer, or `None` with the finding
/// that says why there is not exactly one in the trailer block.
fn the_signature_trailer<'f>(facts: &'f CommitFacts, report: &mut Report) -> Option<&'f Trailer> {
    let sigs: Vec<&Trailer> = facts.trailers.iter().filter(|t| t.is(SIGNATURE)).collect();
    if signature_lines(&facts.message) > sigs.len() {
        report.findings.push(deny(
            &findings::ATTESTATION_MISPLACED,
            "an `Avow-Signature:` line stands outside the trailer block; only the trailer block counts".into(),
        ));
    }
    match sigs.as_slice() {
        [] => {
            report.findings.push(deny(
                &findings::ATTESTATION_MISSING,
                "no `Avow-Signature:` trailer: the commit is not attested (install the hook with `git avow install` and re-commit)".into(),
            ));
            None
        }
        [one] => Some(*one),
        many => {
            report.findings.push(deny(
                &findings::ATTESTATION_DUPLICATE,
                format!("{} `Avow-Signature:` trailers; a commit carries exactly one", many.len()),
            ));
            None
        }
    }
}

/// The keyring's part: was the signer's key valid at signing time, is it a
/// key the policy accepts (`[keys]`), and does `Understood-by` name them.
/// Runs on cache hits too.
fn check_signer(
    policy: &avow_policy::policy::Policy,
    person: &avow_policy::keyring::Person,
    k: &avow_policy::keyring::Key,
    st: &SignatureTrailer,
    statement: &Statement,
    report: &mut Report,
) {
    let fpr = &k.fingerprint;
    let signed_at = chrono::DateTime::from_timestamp(st.signed_at, 0).unwrap_or_default();
    match k.status_at(signed_at) {
        KeyStatus::Valid => {}
        status => report.findings.push(deny(
            &findings::SIGNATURE_KEY_STATUS,
            format!("signed with {fpr} of {} <{}>: {status}", person.name, person.email),
        )),
    }
    if !Person::same_email(&statement.understood_by.email, &person.email) {
        report.findings.push(deny(
            &findings::UNDERSTOOD_BY_SIGNER,
            format!(
                "`Understood-by: {}` does not name the signer, {} <{}> (key {fpr})",
                statement.understood_by, person.name, person.email
            ),
        ));
    } else if let Some(finding) = name_finding(policy, &statement.understood_by.name, person) {
        report.findings.push(finding);
    }
    report.findings.extend(policy.check_key(&k.public));
}

/// `understood-by.name`: the email and key are the identity, so another
/// name is a warning that shows the keyring's name beside the signed one
/// (a reader of the log sees who stands behind it); `understood-by-name =
/// "deny"` refuses it. `None` when the names agree.
pub fn name_finding(
    policy: &avow_policy::policy::Policy,
    signed_name: &str,
    person: &avow_policy::keyring::Person,
) -> Option<Finding> {
    if Person::same_name(signed_name, &person.name) {
        return None;
    }
    Some(Finding::new(
        &findings::UNDERSTOOD_BY_NAME,
        policy.understood_by_name,
        format!(
            "`Understood-by:` gives the name {signed_name:?}, but the keyring names the signer {:?} <{}>; set `git config user.name {:?}` (or have a maintainer correct the keyring) and re-attest with `git commit --amend --no-edit`",
            person.name, person.email, person.name
        ),
    ))
}

fn signer_info(person: &avow_policy::keyring::Person, k: &avow_policy::keyring::Key) -> SignerInfo {
    SignerInfo {
        name: person.name.clone(),
        email: person.email.clone(),
        role: person.role,
        fingerprint: k.fingerprint.clone(),
    }
}

/// A resolved range: the commits to check (oldest first) and its base.
#[derive(Debug, Clone)]
pub struct Range {
    /// The base revision as written (`A` in `A..B`).
    pub base_rev: Option<String>,
    /// The base commit.
    pub base: Option<Oid>,
    /// The commits, parents before children.
    pub commits: Vec<Oid>,
}

/// Resolves `A..B` (commits reachable from B and not from A) or a single
/// revision (it and all its ancestors).
pub fn resolve_range(repo: &Repository, spec: &str) -> Result<Range, Error> {
    if spec.contains("...") {
        return Err(Error::BadRange { spec: spec.to_owned() });
    }
    let (base_rev, tip_rev) = match spec.split_once("..") {
        Some((a, b)) => (Some(if a.is_empty() { "HEAD" } else { a }), if b.is_empty() { "HEAD" } else { b }),
        None => (None, spec),
    };
    let tip = crate::trust::resolve_commit(repo, tip_rev)?;
    let base = base_rev.map(|a| crate::trust::resolve_commit(repo, a)).transpose()?;
    // The walk reads every commit of the range once; libgit2 would keep
    // each one in its object cache for the rest of the run (about 60 MB
    // for 100,000 commits). Nothing reads them from the cache again.
    git2::opts::enable_caching(false);
    // Nor are the objects re-hashed as they are read (see
    // `range::verify_range`): the walk reads every commit of the range.
    git2::opts::strict_hash_verification(false);
    let (tip, base_id) = (tip.id(), base.map(|b| b.id()));
    // On a thread of the pool that verifies the commits, with its own
    // handle: the walk's memory (tens of MB for 100,000 commits), freed but
    // kept by that thread's allocator, then holds reports instead of
    // adding to the peak.
    let path = repo.path().to_owned();
    let commits = rayon::scope(|_| {
        let repo = crate::repo::open(&path).map_err(|e| Error::git(format!("opening {}", path.display()), e))?;
        walk_range(&repo, tip, base_id)
    })?;
    Ok(Range { base_rev: base_rev.map(str::to_owned), base: base_id, commits })
}

fn walk_range(repo: &Repository, tip: Oid, base: Option<Oid>) -> Result<Vec<Oid>, Error> {
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).map_err(|e| Error::git("sorting".into(), e))?;
    walk.push(tip).map_err(|e| Error::walk(repo, e))?;
    if let Some(b) = base {
        walk.hide(b).map_err(|e| Error::walk(repo, e))?;
    }
    walk.map(|r| r.map(crate::canonical).map_err(|e| Error::walk(repo, e))).collect()
}

#[cfg(test)]
mod tests {
    use avow_core::attestation::Person;

    use super::is_avow_path;

    #[test]
    fn names_compare_by_ascii_case_and_words() {
        let same = Person::same_name;
        assert!(same("Alice Example", "alice  EXAMPLE"));
        assert!(same(" Alice\tExample ", "Alice Example"));
        assert!(!same("Alice Example", "Alice Exаmple"), "Cyrillic а");
        assert!(!same("Alice Example", "Linus Torvalds"));
        assert!(!same("Alice Example", "Alice"));
    }

    #[test]
    fn avow_paths_in_any_case() {
        for p in [
            ".avow",
            ".avow/keyring.toml",
            ".AVOW/keyring.toml",
            ".Avow",
            ".aVoW/x/y",
            ".avow./keyring.toml",
            ".avow . /x",
            "AVOW~1/keyring.toml",
            "avow~4",
            ".av\u{200c}ow/keyring.toml",
            "\u{feff}.avow\u{206f}",
        ] {
            assert!(is_avow_path(p), "{p}");
        }
        for p in [
            ".avowed",
            ".avow.toml",
            "src/.avow/keyring.toml",
            ".avo",
            "",
            "é.avow",
            "avow~5",
            "AVOW~12",
            "avow",
            "avow~1x",
        ] {
            assert!(!is_avow_path(p), "{p}");
        }
    }
}
