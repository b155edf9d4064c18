//! The commit's own attestation: its `Avow-Signature:` trailer, the change
//! it binds (the tree-binding fast path, the cache, or the change digest
//! computed), and the payload rebuilt with [`Payload::new`] for the
//! signature check. Who signed is `signer.rs`'s part.

use avow_core::attestation::{Statement, SIGNATURE, STATEMENT_KEYS};
use avow_core::payload::{Binding, Digest, Payload, PayloadError, SignatureTrailer};
use avow_core::trailer::Trailer;
use avow_policy::facts::CommitFacts;
use avow_policy::findings::{self, Finding};
use avow_policy::policy::Binding as BindingMode;
use git2::{Commit, Oid, Repository};

use super::signer::{amend_hint, check_signer};
use super::{deny, FastPath, Report, SignatureCheck, Verifier};
use crate::{change, commit, Error};

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

/// The author email of a forge's bot account (`49699333+dependabot[bot]@
/// users.noreply.github.com`, `renovate[bot]@…`), when it can be written
/// into `[exempt] emails` as it is: a string of TOML without escapes that
/// matches that one address only. An email with `*` (a wildcard there:
/// git accepts any bytes but `<>` and newlines) or with quotes, spaces,
/// backslashes or control characters gets no such advice (threat-model
/// entry 128).
fn bot_email(email: &str) -> Option<&str> {
    let plain = email.chars().all(|ch| ch.is_ascii_graphic() && !matches!(ch, '*' | '"' | '\\' | '\'' | '`'));
    (plain && email.to_ascii_lowercase().contains("[bot]@")).then_some(email)
}

/// Committers that are a forge itself, which runs no hook: GitHub commits
/// its web editor's edits, the suggestions applied in a review and its
/// merges as `GitHub <noreply@github.com>`. (GitLab's and Gitea's web
/// editors commit as the user, so nothing tells those apart from a
/// `--no-verify` commit.) For advice only: the committer is whatever the
/// commit says.
const FORGE_COMMITTERS: [(&str, &str); 1] = [("noreply@github.com", "GitHub <noreply@github.com>")];

/// What the author of a commit no hook signed can do, after the colon that
/// says what it lacks. A commit the forge made (its committer, above) is
/// fetched first; any other was made with `--no-verify` or where the hook
/// was never installed. Attesting it in a note works wherever it is (HEAD
/// or not, merged or not: `verify` reads the note when the commit's own
/// attestation is rejected); re-committing it with the hook rewrites it,
/// for a branch not merged yet (docs/workflows.md, "a commit made without
/// the hook").
fn no_hook_signed(facts: &CommitFacts, id: Oid) -> String {
    let short = &id.to_string()[..12];
    let attest = format!("`git avow attest {short}` (a note; share it with `git push origin refs/notes/avow`)");
    let forge = FORGE_COMMITTERS.iter().find(|(email, _)| facts.committer.email.eq_ignore_ascii_case(email));
    if let Some((_, who)) = forge {
        format!(
            "{who} committed it, where no hook runs (the forge's web editor, a suggestion applied there, a squash merge); its author fetches and reads it, `git fetch origin` and `git show {short}`, then attests it as it is: {attest}"
        )
    } else {
        format!(
            "no hook signed it (it was committed with --no-verify, or where the hook was never installed); its author reads it (`git show {short}`: anyone can write their name) and attests it as it is: {attest}, or re-commits it with a statement after `git avow install`: {}",
            amend_hint(id)
        )
    }
}

impl Verifier<'_> {
    #[expect(clippy::too_many_arguments, reason = "the commit, its two trees, the facts and where they come from")]
    pub(super) fn check_attestation<'r>(
        &self,
        repo: &'r Repository,
        c: &Commit<'_>,
        parent_tree: Option<&commit::Root<'r, '_>>,
        tree: &commit::Root<'r, '_>,
        facts: &CommitFacts,
        report: &mut Report,
        cacheable: bool,
    ) -> Result<Option<SignatureCheck>, Error> {
        // A fixup!/squash!/amend! commit exists to be folded into another;
        // in a verified range it means the branch was not autosquashed.
        if commit::is_autosquash(&facts.subject) {
            // The range's base, by id: the printed rebase runs as it is
            // (onto where the branch already starts, so it only folds).
            let onto = self.base.map_or_else(
                || "BASE` (BASE being the commit the branch starts from)".to_owned(),
                |id| format!("{}`", &id.to_string()[..12]),
            );
            report.findings.push(deny(
                &findings::ATTESTATION_FIXUP,
                format!("a fixup!/squash!/amend! commit, made to be folded into another: fold it in with `git rebase -i --autosquash {onto} first"),
            ));
            return Ok(None);
        }
        // A commit with no attestation at all gets one finding, not one per
        // missing trailer.
        let attested = facts.trailers.iter().any(|t| t.is(SIGNATURE) || STATEMENT_KEYS.iter().any(|k| t.is(k)));
        if !attested && signature_lines(&facts.message) == 0 {
            let what = "the commit carries no attestation (no Authorship, Rationale or Avow-Signature trailers)";
            let message = match bot_email(&facts.author.email) {
                Some(email) => format!(
                    "{what}; its author {email} is a bot, for which no hook runs: a maintainer who reviewed it re-commits it with their own statement, or the policy exempts this bot by its exact email: add `\"{email}\",` to the `emails` list under `[exempt]` in .avow/policy.toml and commit that on the trusted branch (anyone can write a commit under that email: docs/threat-model.md, exempt identities)"
                ),
                None => format!("{what}: {}", no_hook_signed(facts, c.id())),
            };
            report.findings.push(deny(&findings::ATTESTATION_MISSING, message));
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
        let Some(sig_trailer) = the_signature_trailer(facts, c.id(), report) else { return Ok(None) };
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
        let trees = change::tree_binding(parent_tree.map(commit::Root::id), tree.id());
        if self.trusted.policy.binding == BindingMode::Trees && trees != st.binding.trees {
            // The amend that signs the trees as they are must reach this
            // commit, which is not always HEAD (a rebased branch: each one).
            report.findings.push(deny(
                &findings::ATTESTATION_TREES,
                format!(
                    "the commit's trees are not the ones that were signed (it was rebased, or edited, whitespace included), and the policy binds attestations to exact trees; re-attest it with {}",
                    amend_hint(c.id())
                ),
            ));
            return Ok(None);
        }
        if cacheable && self.cache_hit(c.id(), &st, statement.as_ref(), report) {
            return Ok(None);
        }
        if self.options.no_fast_path || trees != st.binding.trees {
            let parent_tree = parent_tree.map(|t| t.git(repo)).transpose()?;
            let computed = change::digest(repo, parent_tree.as_ref(), &tree.git(repo)?)?;
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
        let fast = FastPath { before, parent_tree: parent_tree.map(commit::Root::id), tree: tree.id() };
        let check = statement.and_then(|s| self.signed(st.clone(), s, facts, Some(fast), report));
        if check.is_none() {
            let parent_tree = parent_tree.map(|t| t.git(repo)).transpose()?;
            fast_path_failed(repo, parent_tree.as_ref(), &tree.git(repo)?, &st, before, report)?;
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
        self.check_weak_rsa(person, k, report);
        report.signer = Some(self.signer(person, k));
        true
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
pub(super) fn fast_path_failed(
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
fn the_signature_trailer<'f>(facts: &'f CommitFacts, id: Oid, report: &mut Report) -> Option<&'f Trailer> {
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
                format!("no `Avow-Signature:` trailer, so nobody signed its statement: {}", no_hook_signed(facts, id)),
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
