//! Evaluating a commit against the policy: the rules behind every policy
//! finding, shared by the `commit-msg` hook and the verifier.

use super::*;

/// Lowercases and keeps only runs of letters and digits, separated by one
/// space: `"Fix the bug!"` and `"fix  the-bug"` both become `"fix the bug"`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.is_ascii() {
        // The same result without Unicode case tables (most messages), a
        // byte at a time: a space goes in before a letter or digit that
        // follows anything else, unless nothing went in yet.
        let mut gap = false;
        for &b in text.as_bytes() {
            if b.is_ascii_alphanumeric() {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(char::from(b.to_ascii_lowercase()));
            } else {
                gap = true;
            }
        }
        return out;
    }
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The characters of [`normalize`]`(text)`, one at a time, without
/// allocating: comparing a phrase with a normalized text (the boilerplate
/// list, the subject) then stops at the first difference.
pub fn normalized(text: &str) -> impl Iterator<Item = char> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
        .flat_map(|(i, w)| (i > 0).then_some(' ').into_iter().chain(w.chars().flat_map(char::to_lowercase)))
}

/// Characters of `text` with whitespace runs counted as one and the ends
/// trimmed (how `min-length` counts).
pub fn visible_len(text: &str) -> usize {
    let mut words = 0usize;
    let mut chars = 0;
    for w in text.split_whitespace() {
        words += 1;
        chars += w.chars().count();
    }
    chars + words.saturating_sub(1)
}

/// Whether an `Assisted-by:` value has the Linux kernel's shape
/// `AGENT_NAME:MODEL_VERSION [TOOL1] [TOOL2]`: a first word `agent:model`
/// (agent of letters, digits, `.`, `_`, `-`; model non-empty), then
/// optional tool names.
pub fn is_kernel_assisted_by(value: &str) -> bool {
    let mut words = value.split_whitespace();
    let Some((agent, model)) = words.next().and_then(|w| w.split_once(':')) else {
        return false;
    };
    !agent.is_empty()
        && agent.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !model.is_empty()
        && !model.starts_with("//")
        && !model.contains(['<', '>'])
        && words.all(|t| !t.contains(['<', '>']))
}

pub(super) fn list(values: &[Authorship]) -> String {
    values.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
}

pub(super) fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Why the commit's DCO sign-off does not hold, if it does not.
///
/// Implemented: a `Signed-off-by:` trailer whose email equals the author's
/// (ASCII case-insensitive). The DCO GitHub app (dcoapp/app, lib/dco.js)
/// also requires the name to match the author's or committer's name; avow
/// compares the email only, because the email is what identifies the person
/// everywhere else in avow (keyring, `Understood-by:`), while names are
/// spelled, transliterated and abbreviated differently between git config
/// and sign-off lines.
pub(super) fn dco_problem(facts: &CommitFacts) -> Option<String> {
    let signoffs: Vec<&str> = facts.trailers.iter().filter(|t| t.is(SIGNED_OFF_BY)).map(|t| t.value.as_str()).collect();
    let author = &facts.author.email;
    // Before the commit exists (the hook: `id` is empty) there is nothing
    // to amend: the fix is the same `git commit` with `--signoff`.
    let fix = if facts.id.is_empty() {
        "run the `git commit` again with `--signoff` (`-s`)"
    } else {
        "`git commit --amend --signoff`"
    };
    if signoffs.is_empty() {
        return Some(format!("no `Signed-off-by:` trailer; the author <{author}> must certify the DCO: {fix}"));
    }
    if signoffs.iter().any(|v| Person::parse(v).is_some_and(|p| Person::same_email(&p.email, author))) {
        return None;
    }
    Some(format!("`Signed-off-by: {}` is not the author <{author}>; the author must sign off: {fix}", signoffs[0]))
}

impl Policy {
    /// The `[keys]` rules for a signing key: `keys.types` when its type is
    /// not listed, `keys.rsa-min-bits` for an RSA key below the floor.
    /// Always `deny`; `None` when the key is fine.
    pub fn check_key(&self, key: &ssh_key::PublicKey) -> Option<Finding> {
        let ty = key.algorithm().as_str().to_owned();
        if !self.keys.types.contains(&ty) {
            return Some(Finding::deny(
                &KEYS_TYPES,
                format!(
                    "signed with a {ty} key, which this project does not accept (keys.types: {}); sign with a key of one of those types and have it added to the keyring",
                    self.keys.types.join(", ")
                ),
            ));
        }
        let bits = crate::keyring::rsa_bits(key)?;
        (bits < self.keys.rsa_min_bits).then(|| {
            Finding::deny(
                &KEYS_RSA_MIN_BITS,
                format!(
                    "signed with an RSA key of {bits} bits; this project requires at least {} (keys.rsa-min-bits): use ssh-keygen -t ed25519 or -t rsa -b {}",
                    self.keys.rsa_min_bits, self.keys.rsa_min_bits
                ),
            )
        })
    }

    /// Whether commits by this author email need no attestation
    /// (`[exempt] emails`). [`Policy::check`] does not look at exemptions:
    /// the caller skips exempt commits.
    pub fn is_exempt(&self, author_email: &str) -> bool {
        self.exempt.emails.iter().any(|w| w.is_match(author_email))
    }

    /// All per-commit rules except signature/keyring checks (the verifier
    /// does those) and adoption/merge handling (needs git). Used by BOTH the
    /// commit-msg hook and the verifier, so they never disagree.
    /// `facts.statement` is `None` when the trailers are missing or
    /// malformed — then only the rules that do not read the statement apply
    /// (markers, DCO, size, paths' DCO/markers/size); the caller reports the
    /// statement problems.
    ///
    /// Findings come in this order: unsafe characters, authorship,
    /// `Assisted-by:` format, understood-by, rationale, markers, DCO, size,
    /// then each `[[path]]`.
    pub fn check(&self, facts: &CommitFacts, markers: &Markers) -> Vec<Finding> {
        let mut out = crate::text::check(facts);
        // A merge's kept paths (entry 142) are changes of its own too.
        let touched: Vec<(&PathRule, &str)> = self
            .paths
            .iter()
            .filter_map(|r| r.touched(&facts.change.paths).or_else(|| r.touched(&facts.change.kept)).map(|p| (r, p)))
            .collect();

        if let Some(st) = &facts.statement {
            self.check_statement(st, facts, &mut out);
        }

        let marker_rules: Vec<&PathRule> = touched.iter().filter(|(r, _)| r.refuse_markers).map(|(r, _)| *r).collect();
        let declares_human = facts.statement.as_ref().is_some_and(|st| st.authorship == Authorship::Human);
        if self.markers.refuse || !marker_rules.is_empty() || declares_human {
            let hits = markers.scan(facts);
            // When the markers themselves are refused, that finding says it.
            let refused = self.markers.refuse || !marker_rules.is_empty();
            if let (true, false, Some(hit)) = (declares_human, refused, hits.first()) {
                out.push(Finding::new(
                    &AUTHORSHIP_MISMATCH,
                    self.markers.mismatch,
                    format!(
                        "`Authorship: human` beside a {} marker ({} `{}`): if an agent took part, declare `Authorship: assisted` or `generated` with `Assisted-by:`; if not, remove the marker",
                        hit.tool, hit.kind, hit.evidence
                    ),
                ));
            }
            for hit in hits.into_iter().filter(|_| refused) {
                let what = format!("{} marker ({} `{}`)", hit.tool, hit.kind, hit.evidence);
                if self.markers.refuse {
                    out.push(Finding::deny(
                        &MARKERS_REFUSE,
                        format!("{what}: this project refuses AI-agent contributions; submit only work you wrote yourself, without the agent's trailers or identity"),
                    ));
                } else {
                    for r in &marker_rules {
                        out.push(Finding::path(
                            r.rule("refuse-markers"),
                            format!("{what}: changes to {} refuse AI-agent contributions; submit only work you wrote yourself", r.glob.as_str()),
                        ));
                    }
                }
            }
        }

        if self.dco.required {
            if let Some(problem) = dco_problem(facts) {
                out.push(Finding::deny(&DCO_REQUIRED, problem));
            }
        }

        let lines = facts.change.lines_changed();
        let files = facts.change.paths.len();
        if let Some(max) = self.size.max_lines.filter(|&m| lines > m) {
            out.push(Finding::new(
                &SIZE_MAX_LINES,
                self.size.action,
                format!("{lines} changed lines, more than the {max} allowed; split the change into smaller commits that can be reviewed on their own"),
            ));
        }
        if let Some(max) = self.size.max_files.filter(|&m| files > m) {
            out.push(Finding::new(
                &SIZE_MAX_FILES,
                self.size.action,
                format!("{files} changed files, more than the {max} allowed; split the change into smaller commits that can be reviewed on their own"),
            ));
        }

        for (r, path) in &touched {
            let glob = r.glob.as_str();
            if let (Some(allowed), Some(st)) = (&r.authorship, &facts.statement) {
                if !allowed.contains(&st.authorship) {
                    out.push(Finding::path(
                        r.rule("authorship"),
                        format!(
                            "`Authorship: {}` is not accepted for changes to {glob} ({path}); allowed there: {}",
                            st.authorship,
                            list(allowed)
                        ),
                    ));
                }
            }
            if let Some(max) = r.max_lines.filter(|&m| lines > m) {
                out.push(Finding::path(
                    r.rule("max-lines"),
                    format!("{lines} changed lines touching {glob} ({path}), more than the {max} allowed there; split the change"),
                ));
            }
            if let Some(max) = r.max_files.filter(|&m| files > m) {
                out.push(Finding::path(
                    r.rule("max-files"),
                    format!("{files} changed files touching {glob} ({path}), more than the {max} allowed there; split the change"),
                ));
            }
            if r.require_dco && !self.dco.required {
                if let Some(problem) = dco_problem(facts) {
                    out.push(Finding::path(
                        r.rule("require-dco"),
                        format!("changes to {glob} need a DCO sign-off: {problem}"),
                    ));
                }
            }
        }
        out
    }

    /// The `[newcomer]` rules for a commit by a person who has `record`
    /// attested commits in the trusted history (the verifier counts them);
    /// nothing when the policy has no `[newcomer]` or the record is reached.
    pub fn check_newcomer(&self, facts: &CommitFacts, who: &str, record: usize) -> Vec<Finding> {
        let Some(n) = self.newcomer.as_ref().filter(|n| record < n.attested_commits) else { return Vec::new() };
        let mut out = Vec::new();
        let status = format!(
            "{who} has {record} attested commit{} in the trusted history, fewer than the {} that end the newcomer rules",
            if record == 1 { "" } else { "s" },
            n.attested_commits
        );
        let lines = facts.change.lines_changed();
        if let Some(max) = n.max_lines.filter(|&m| lines > m) {
            out.push(Finding::deny(
                &NEWCOMER_MAX_LINES,
                format!("{status}: {lines} changed lines, more than the {max} allowed for a newcomer; split the change into smaller commits, or ask a maintainer to land it"),
            ));
        }
        let files = facts.change.paths.len();
        if let Some(max) = n.max_files.filter(|&m| files > m) {
            out.push(Finding::deny(
                &NEWCOMER_MAX_FILES,
                format!("{status}: {files} changed files, more than the {max} allowed for a newcomer; split the change into smaller commits, or ask a maintainer to land it"),
            ));
        }
        if let (Some(allowed), Some(st)) = (&n.authorship, &facts.statement) {
            if !allowed.contains(&st.authorship) {
                out.push(Finding::deny(
                    &NEWCOMER_AUTHORSHIP,
                    format!(
                        "{status}: `Authorship: {}` is not accepted from a newcomer (allowed: {})",
                        st.authorship,
                        list(allowed)
                    ),
                ));
            }
        }
        out
    }

    pub(super) fn check_statement(&self, st: &Statement, facts: &CommitFacts, out: &mut Vec<Finding>) {
        if !self.authorship.allowed.contains(&st.authorship) {
            out.push(Finding::deny(
                &AUTHORSHIP_ALLOWED,
                format!(
                    "`Authorship: {}` is not accepted by this project (allowed: {}); submit only changes made that way, and declare them honestly",
                    st.authorship,
                    list(&self.authorship.allowed)
                ),
            ));
        }
        if self.authorship.assisted_by_format == AssistedByFormat::Kernel {
            for v in st.assisted_by.iter().filter(|v| !is_kernel_assisted_by(v)) {
                out.push(Finding::deny(
                    &AUTHORSHIP_ASSISTED_BY_FORMAT,
                    format!("`Assisted-by: {v}` is not in the kernel format AGENT_NAME:MODEL_VERSION [TOOL1] [TOOL2], e.g. `Assisted-by: Claude:claude-sonnet-4-5 coccinelle`"),
                ));
            }
        }
        if self.understood_by == UnderstoodBy::Author
            && !Person::same_email(&st.understood_by.email, &facts.author.email)
        {
            out.push(Finding::deny(
                &UNDERSTOOD_BY,
                format!(
                    "`Understood-by: {}` is not the commit author <{}>; the author must vouch for their own change (or the policy must set understood-by = \"keyring\")",
                    st.understood_by, facts.author.email
                ),
            ));
        }
        let r = &self.rationale;
        let len = visible_len(&st.rationale);
        if r.min_length > 0 && len < r.min_length {
            out.push(Finding::deny(
                &RATIONALE_MIN_LENGTH,
                format!(
                    "the rationale has {len} characters, fewer than the {} required; say in your own words why the change is needed and how it works",
                    r.min_length
                ),
            ));
        }
        let norm = normalize(&st.rationale);
        if r.reject_subject_copy && !norm.is_empty() && repeats_subject(&norm, &facts.subject) {
            out.push(Finding::deny(
                &RATIONALE_REJECT_SUBJECT_COPY,
                "the rationale repeats the subject; say why the change is needed and how it works, not what it is"
                    .into(),
            ));
        }
        // An ASCII phrase normalizes to ASCII no longer than itself, so it
        // cannot equal a longer rationale: most are told apart by length.
        let may_equal = |p: &String| !(p.is_ascii() && p.len() < norm.len());
        if let Some(phrase) = r.boilerplate.iter().filter(|p| may_equal(p)).find(|p| normalized(p).eq(norm.chars())) {
            out.push(Finding::deny(
                &RATIONALE_BOILERPLATE,
                format!("the rationale is the boilerplate {phrase:?}; say in your own words why the change is needed and how it works"),
            ));
        }
    }
}

/// Whether a normalized rationale only repeats the subject, with or without
/// the subject's leading `area:` / `type(scope):`.
/// An empty rationale repeats nothing.
pub fn repeats_subject(norm_rationale: &str, subject: &str) -> bool {
    if norm_rationale.is_empty() {
        return false;
    }
    if normalized(subject).eq(norm_rationale.chars()) {
        return true;
    }
    match subject.split_once(':') {
        Some((area, rest)) if !area.trim().is_empty() && !area.trim().contains(char::is_whitespace) => {
            normalized(rest).eq(norm_rationale.chars())
        }
        _ => false,
    }
}
