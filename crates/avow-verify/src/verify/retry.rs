//! A rejected commit's second chances: an attestation in a note under
//! `refs/notes/avow` ([`crate::notes`]), then the commits of the branch it
//! squashes ([`crate::squash`]).

use git2::{Commit, Repository};

use avow_policy::findings::{self, Severity};

use super::{deny, Report, Verdict, Verifier};
use crate::{commit, Error};

impl Verifier<'_> {
    /// After a commit's first verdict (`report`, from its own trailers):
    /// when rejected, a note in `refs/notes/avow`, then (when `squash`) the
    /// branch it squashes. A note accepted while the message displays
    /// another statement gets `message.unsigned-statement`, at the
    /// policy's `unsigned-statement` severity ([`crate::notes::unsigned_display`]).
    pub(super) fn retry(
        &self,
        repo: &Repository,
        c: &Commit<'_>,
        mut report: Report,
        squash: bool,
    ) -> Result<Report, Error> {
        if report.verdict != Verdict::Rejected {
            return Ok(report);
        }
        if let Some(note) = self.notes.read(repo, c.id()) {
            let mut by_note = self.verify_from(repo, c, Some(&note))?;
            if by_note.verdict != Verdict::Rejected {
                by_note.via = Some(format!("attested by a note in {}", crate::notes::NOTES_REF));
                // The statement fields, signature and payload are the
                // note's (what was signed); `trailers` stays what git
                // reads in the commit, not a mix of the two.
                by_note.trailers.clone_from(&report.trailers);
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
            } else if let Some(f) = by_note.findings.iter().find(|f| f.severity == Severity::Deny) {
                // Say why the note does not count, or it looks ignored.
                let message = format!("the note in {} is rejected too: {}", crate::notes::NOTES_REF, f.message);
                report.findings.push(findings::Finding { message, ..f.clone() });
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
        let candidates = crate::squash::candidates(repo, &report.subject, &message, &self.squash_sources);
        if candidates.is_empty() {
            if let Some(fetch) = crate::squash::fetch_hint(&report.subject, &message) {
                report.findings.push(deny(&findings::SQUASH_MISSING, fetch));
            }
        }
        for (name, tip) in candidates {
            let Some(source) = crate::squash::source(repo, c, tip, &self.squash_memo)? else { continue };
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
            let rejected = source.rejected(|id| {
                let sc = repo.find_commit(id).map_err(|e| Error::walk(repo, e))?;
                Ok(self.verify_with(repo, &sc, false)?.verdict == Verdict::Rejected)
            })?;
            let rejected: Vec<String> = rejected.iter().map(|id| id.to_string()[..12].to_owned()).collect();
            if rejected.is_empty() {
                return self.squash_accepted(repo, &name, &message, source.commits(), report);
            }
            // Why it matters and the two ways out: the commits' own
            // verification names what each needs (a note by its author
            // counts for a pull request's commit as for any); or the
            // squash gets a statement of its own.
            report.findings.push(deny(
                &findings::SQUASH_SOURCE,
                format!(
                    "the squash's change is that of {name}, but these of its commits do not verify: {}; a squash is accepted only on its commits' statements, so nobody vouches for what these changed: `git avow verify {}..{}` says why each is rejected and what fixes it (then check this again), or the squash's author reads it (`git show {}`) and attests it as it is: `git avow attest {}` (a note; share it with `git push origin refs/notes/avow`)",
                    rejected.join(", "),
                    &source.base.to_string()[..12],
                    &tip.to_string()[..12],
                    &c.id().to_string()[..12],
                    &c.id().to_string()[..12]
                ),
            ));
        }
        Ok(report)
    }

    /// The squash `report` of `name`, whose commits (`sources`) verify and
    /// whose change is the squash's: accepted for them, except for what its
    /// own message shows, which is the squash's and nobody signed. The
    /// findings about the message itself stand (terminal escapes in the
    /// subject, look-alike trailers, a divider: entries 45, 49, 69), and a
    /// statement the message displays that none of its commits carries is
    /// `message.unsigned-statement`, at the policy's severity, as for a
    /// note (entry 97; threat-model entry 130).
    fn squash_accepted(
        &self,
        repo: &Repository,
        name: &str,
        message: &str,
        sources: &[git2::Oid],
        report: Report,
    ) -> Result<Report, Error> {
        let n = sources.len();
        let mut findings: Vec<findings::Finding> = report
            .findings
            .iter()
            .filter(|f| f.known_rule().is_some_and(|r| r.concern == findings::Concern::Message))
            .cloned()
            .collect();
        let mut texts = Vec::with_capacity(n);
        for id in sources {
            let sc = repo.find_commit(*id).map_err(|e| Error::walk(repo, e))?;
            texts.push(commit::message_text(&sc).unwrap_or_default());
        }
        let unsigned = crate::notes::unsigned_squash_display(message, texts.iter().map(String::as_str));
        let displays_unsigned = !unsigned.is_empty();
        if displays_unsigned && !findings.iter().any(|f| f.rule == findings::MESSAGE_UNSIGNED_STATEMENT.id) {
            let lines: Vec<String> = unsigned.iter().map(ToString::to_string).collect();
            let severity = self.trusted.policy.unsigned_statement;
            let fix = if severity == Severity::Deny {
                "; the policy refuses it (`unsigned-statement = \"deny\"`): squash with the pull request's title and description, or its commits' own messages"
            } else {
                ""
            };
            findings.push(findings::Finding::new(
                &findings::MESSAGE_UNSIGNED_STATEMENT,
                severity,
                format!(
                    "the squash's message displays statement lines none of the {n} commit(s) of {name} carries, so nobody signed them ({}); what was signed is those commits' own statements (`git log {name}`){fix}",
                    lines.join("; ")
                ),
            ));
        }
        let verdict =
            if findings.iter().any(|f| f.severity == Severity::Deny) { Verdict::Rejected } else { Verdict::Accepted };
        Ok(Report {
            verdict,
            findings,
            signer: None,
            // What the message states is not what was signed.
            statement: if displays_unsigned { None } else { report.statement.clone() },
            authorship: if displays_unsigned { None } else { report.authorship },
            via: Some(format!("squash of {name}: its {n} commit(s) verify and their change is the squash's")),
            ..report
        })
    }
}
