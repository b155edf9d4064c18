//! `git avow hook pre-push REMOTE [URL]`: verify what is about to be
//! pushed, against the keyring and policy on the remote's side.
//!
//! Git writes one line per ref to the hook's standard input:
//! `<local ref> <local sha> <remote ref> <remote sha>`. A deletion has an
//! all-zero local sha (nothing to verify); a new ref an all-zero remote
//! sha.

use std::io::Read as _;

use avow_policy::findings::{self, Concern, Finding, Severity};
use avow_policy::keyring::Keyring;
use avow_verify::resolve::Range;
use avow_verify::trust::Trusted;
use avow_verify::verify::{Options, Report, Verdict};
use git2::{Oid, Repository, Sort};

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};
use crate::output::{self, Summary};

/// One ref git is about to update on the remote.
#[derive(Debug, PartialEq, Eq)]
pub struct Update {
    pub local_ref: String,
    pub local: String,
    pub remote_ref: String,
    pub remote: String,
}

pub(crate) fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// Whether `s` is a full object id as git writes it in hook input (SHA-1
/// or SHA-256, hex).
pub(crate) fn is_object_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A ref update `judge` refused.
pub(crate) struct Refused {
    /// Whether some rejected commit's own attestation is what fails (its
    /// change no longer matches, it has none, …): what `git avow reattest`
    /// re-signs, or names with what that commit needs. Otherwise the
    /// findings (keys, policy, `.avow/`) each say what to do.
    pub resign: bool,
}

/// What a refused push tells the pusher to do: the commands that re-sign
/// the refused branches (`resign`, each a shell command), or, when no
/// attestation of theirs is what fails, the findings printed above it.
pub(crate) fn refused_hint(resign: &[String]) -> String {
    if resign.is_empty() {
        return "fix what each line above names, then push again".into();
    }
    format!(
        "re-sign your statements with {} (it names any commit it cannot re-sign, and what that commit needs), then push again",
        resign.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" and ")
    )
}

/// The short id that names `id` in a hint.
pub(crate) fn short_id(id: Oid) -> String {
    id.to_string()[..12].to_owned()
}

/// Parses git's pre-push input; blank lines are ignored.
pub fn parse_updates(input: &str) -> Result<Vec<Update>> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [local_ref, local, remote_ref, remote] if is_object_id(local) && is_object_id(remote) => out.push(Update {
                local_ref: local_ref.to_owned(),
                local: local.to_owned(),
                remote_ref: remote_ref.to_owned(),
                remote: remote.to_owned(),
            }),
            _ => {
                return Err(CliError::new(format!(
                    "pre-push input line {}: expected `<local ref> <local sha> <remote ref> <remote sha>`, got {line:?}",
                    n + 1
                ))
                .hint("this command is run by git's pre-push hook (`git avow install --pre-push`), which feeds it these lines"))
            }
        }
    }
    Ok(out)
}

/// The remote-tracking branches of `remote` (`refs/remotes/REMOTE/*`).
fn tracking_tips(repo: &Repository, remote: &str) -> Vec<Oid> {
    let Ok(refs) = repo.references_glob(&format!("refs/remotes/{remote}/*")) else { return Vec::new() };
    refs.flatten().filter_map(|r| Some(r.peel_to_commit().ok()?.id())).collect()
}

/// For a new ref: the remote's default branch as last fetched
/// (`REMOTE/HEAD`, else `REMOTE/main`, else `REMOTE/master`).
fn remote_default(repo: &Repository, remote: &str) -> Option<(String, Oid)> {
    ["HEAD", "main", "master"].iter().find_map(|b| {
        let name = format!("{remote}/{b}");
        let id = repo.revparse_single(&format!("refs/remotes/{name}")).ok()?.peel_to_commit().ok()?.id();
        Some((name, id))
    })
}

/// Whether the trusted revision carries avow's files at all.
pub(crate) fn has_avow(repo: &Repository, commit: Oid) -> bool {
    repo.find_commit(commit)
        .and_then(|c| c.tree())
        .is_ok_and(|t| t.get_path(std::path::Path::new(avow_policy::AVOW_DIR)).is_ok())
}

/// The commits `tip` brings that none of `hide` has, parents first.
pub(crate) fn new_commits(repo: &Repository, tip: Oid, hide: &[Oid]) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(tip)?;
    for h in hide {
        walk.hide(*h)?;
    }
    Ok(walk.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Verifies the commits `tip` brings to `refname` that none of `hide` has,
/// against the keyring and policy of `trust` (a name to show and its
/// commit). Prints each rejected commit and a summary line labelled
/// `label` to standard error; returns the refusal when any commit was
/// rejected.
/// A trusted revision without `.avow/` verifies nothing (a note says so).
/// The pre-push hook and the server hooks judge a ref update alike; the
/// server also passes, for a ref judged by its own keyring, the default
/// branch's as `default_keyring`: its revoked keys are refused whatever the
/// trusted keyring says, and a change to `.avow/` needs one of its
/// maintainers too (entries 91 and 143). `options`
/// are the verifier's ([`crate::cmd::verify::options_of`]'s settings).
#[expect(clippy::too_many_arguments, reason = "the ref, its tip, what it is judged against, and how")]
pub(crate) fn judge(
    repo: &Repository,
    refname: &str,
    label: &str,
    tip: Oid,
    (trust_name, trust): (&str, Oid),
    hide: &[Oid],
    default_keyring: Option<(&str, &Keyring)>,
    options: Options,
) -> Result<Option<Refused>> {
    if !has_avow(repo, trust) {
        crate::output::errln!("avow: {trust_name} has no .avow/ yet; {refname} is not verified");
        return Ok(None);
    }
    let trusted = Trusted::load(repo, &trust.to_string())?;
    let trusted = Trusted { rev: trust_name.to_owned(), ..trusted };
    let commits = new_commits(repo, tip, hide)?;
    let base = repo.merge_base(tip, trust).ok();
    let range = Range { base_rev: Some(trust_name.to_owned()), base, commits: commits.into() };
    let mut reports = crate::cmd::verify::verify_range(repo, &range, &trusted, options, &|| {})?;
    if let Some((name, keyring)) = default_keyring {
        for r in &mut reports {
            refuse_revoked(r, name, keyring);
            refuse_demoted(repo, r, name, keyring)?;
        }
    }
    let summary = Summary::of(&reports);
    let mut out = String::new();
    let mut resign = false;
    for r in reports.iter().filter(|r| r.verdict == Verdict::Rejected) {
        out.push_str(&output::human_commit(r, false, false));
        resign |= r
            .findings
            .iter()
            .any(|f| f.severity == Severity::Deny && f.known_rule().is_some_and(|r| r.concern == Concern::Attestation));
    }
    crate::output::errprint!("{out}");
    crate::output::errln!("avow: {label}: {} (trust {trust_name})", summary.line());
    if let Some(note) = key_added_in_this_push(repo, refname, &reports) {
        crate::output::errln!("{note}");
    }
    Ok((summary.rejected > 0).then_some(Refused { resign }))
}

/// Says why `refname` (the ref, or the hook's label for it) is refused
/// when the keyring at `tip` adds keys anyone can sign with
/// ([`weak_keys_added`]), with the command that takes each out; whether
/// it is. Such a key is refused when a push adds it, rather than only when
/// it signs (`verify` refuses that too): by the server hooks, and by the
/// pre-push hook before the key reaches a remote that runs no avow hook
/// (a forge whose CI verifies ranges based on the pushed branch).
pub(crate) fn refuses_weak_keys(repo: &Repository, refname: &str, trust: Option<Oid>, tip: Oid) -> bool {
    let weak = weak_keys_added(repo, trust, tip);
    for (fpr, who, why) in &weak {
        crate::output::errln!(
            "avow: {refname}: refused: {} at {} adds key {fpr} of {who}: {why}",
            avow_verify::trust::KEYRING_PATH,
            short_id(tip)
        );
        crate::output::errln!(
            "avow: {refname}: take the key out of the commit that adds it, or revoke it in a commit on top (`git avow keyring revoke {fpr} --reason \"not a real key\"`, committed by a maintainer)"
        );
    }
    !weak.is_empty()
}

/// The keys of the keyring at `tip` that the keyring at `trust` (none: a
/// remote whose keyring the pre-push hook cannot see) does not list, that
/// are not revoked, and that fail the checks made where keys
/// enter (a prime or ROCA modulus, close primes, a small factor:
/// threat-model entries 116 and 124): each with its fingerprint, its
/// holder and why. Only the tip's keyring matters: a ref's value is what
/// is trusted later (by the server, and by ranges based on the ref), never
/// a commit inside a push, and the push's own commits are verified against
/// the keyring at `trust`. Keys already listed (and
/// not revoked) there are left to `doctor` and `verify`, so that one weak
/// key does not stop every push. An unreadable keyring is left to the
/// verification.
fn weak_keys_added(repo: &Repository, trust: Option<Oid>, tip: Oid) -> Vec<(String, String, String)> {
    use avow_policy::keyring::Keyring;
    use avow_verify::trust::KEYRING_PATH;
    let blob_at = |id: Oid| -> Option<Oid> {
        repo.find_commit(id).ok()?.tree().ok()?.get_path(std::path::Path::new(KEYRING_PATH)).ok().map(|e| e.id())
    };
    let parse = |blob: Oid| -> Option<Keyring> {
        let blob = repo.find_blob(blob).ok()?;
        Keyring::parse(std::str::from_utf8(blob.content()).ok()?, std::path::Path::new(KEYRING_PATH)).ok()
    };
    let (Some(new), old) = (blob_at(tip), trust.and_then(blob_at)) else { return Vec::new() };
    if old == Some(new) {
        return Vec::new();
    }
    let Some(keyring) = parse(new) else { return Vec::new() };
    let trusted = old.and_then(parse);
    // Listed and in use there: a revocation the push takes away counts as
    // adding the key. Only the others are checked: the probable-prime test
    // costs a modular exponentiation per RSA key.
    let listed =
        |fpr: &str| trusted.as_ref().and_then(|k| k.find_by_fingerprint(fpr)).is_some_and(|(_, k)| k.revoked.is_none());
    let mut weak = Vec::new();
    for p in keyring.people() {
        for k in p.keys.iter().filter(|k| k.revoked.is_none() && !listed(&k.fingerprint)) {
            if let Err(why) = k.check_thoroughly() {
                weak.push((k.fingerprint.clone(), format!("{} <{}>", p.name, p.email), why.to_string()));
            }
        }
    }
    weak
}

/// A maintainer who adds a contributor's key and merges their work pushes
/// both at once; the work is verified against the branch as it is, without
/// the key, and refused as `signature.unknown-key`. When an accepted
/// commit of the same push adds the refused commit's key to
/// `.avow/keyring.toml`, say so and how to push in two steps.
fn key_added_in_this_push(repo: &Repository, refname: &str, reports: &[Report]) -> Option<String> {
    let unknown = |r: &&Report| {
        r.verdict == Verdict::Rejected && r.findings.iter().any(|f| f.rule == findings::SIGNATURE_UNKNOWN_KEY.id)
    };
    let rejected = reports.iter().find(unknown)?;
    let key = crate::git::signing_key(repo, rejected.id)?;
    let rel = std::path::Path::new(avow_verify::trust::KEYRING_PATH);
    let adder = reports.iter().filter(|r| r.verdict == Verdict::Accepted).find(|r| {
        let Ok(c) = repo.find_commit(r.id) else { return false };
        let Some(entry) = c.tree().ok().and_then(|t| t.get_path(rel).ok()) else { return false };
        let before = c.parent(0).ok().and_then(|p| p.tree().ok()?.get_path(rel).ok()).map(|e| e.id());
        before != Some(entry.id())
            && repo.graph_descendant_of(rejected.id, r.id).unwrap_or(false)
            && repo
                .find_blob(entry.id())
                .ok()
                .and_then(|b| Keyring::parse(std::str::from_utf8(b.content()).ok()?, rel).ok())
                .is_some_and(|k| k.find_by_key(&key).is_some())
    })?;
    let id = short_id(adder.id);
    Some(format!(
        "avow: note: the key of {} is added by {id} ({:?}) in this same push, and a key counts only once the commit adding it is on the branch: push up to it first, `git push origin {id}:{refname}` (origin: the remote you push to), then push again",
        short_id(rejected.id),
        adder.subject
    ))
}

/// The command that re-signs the commits a push of `local_ref` brings on
/// top of `base` (a name or id the pusher's repository resolves):
/// `git avow reattest BASE..HEAD`, after switching to the branch when it
/// is not the one checked out (reattest rewrites the current branch).
fn reattest_command(repo: &Repository, local_ref: &str, base: &str) -> String {
    let head = repo.find_reference("HEAD").ok().and_then(|h| h.symbolic_target().ok().flatten().map(str::to_owned));
    let switch = if head.as_deref() == Some(local_ref) { None } else { local_ref.strip_prefix("refs/heads/") };
    resign_command(base, switch)
}

/// The command that re-signs the pusher's statements over `base..HEAD`,
/// after switching to `branch` when it is not the one checked out (the
/// client hook knows; the server hook does not, so it always names it).
/// Both are shell words: a branch name may hold `$(…)` (entry 146).
pub(crate) fn resign_command(base: &str, branch: Option<&str>) -> String {
    use avow_verify::shell_word;
    let command = format!("git avow reattest {}", shell_word(&format!("{base}..HEAD")));
    branch.map_or(command.clone(), |b| format!("git switch {} && {command}", shell_word(b)))
}

/// How the pusher names `id`, the remote's `remote_ref` as git reported
/// it: the remote-tracking branch when it is there, else the id.
fn remote_name(repo: &Repository, remote: &str, remote_ref: &str, id: Oid) -> String {
    remote_ref
        .strip_prefix("refs/heads/")
        .map(|b| format!("{remote}/{b}"))
        .filter(|name| repo.refname_to_id(&format!("refs/remotes/{name}")).ok() == Some(id))
        .unwrap_or_else(|| short_id(id))
}

/// Rejects `report` when its signing key is revoked in `keyring` (the
/// default branch's, named `name`), which is not the keyring it was
/// verified against: a revocation says the key is in the wrong hands, on
/// every branch — also one whose own keyring predates the revocation,
/// such as a branch created at an older commit.
fn refuse_revoked(report: &mut Report, name: &str, keyring: &Keyring) {
    let Some(signer) = &report.signer else { return };
    let Some((person, key)) = keyring.find_by_fingerprint(&signer.fingerprint) else { return };
    if key.revoked.is_none() || report.findings.iter().any(|f| f.rule == findings::SIGNATURE_KEY_STATUS.id) {
        return;
    }
    let status = key.status_at(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
    report.findings.push(Finding::deny(
        &findings::SIGNATURE_KEY_STATUS,
        format!(
            "signed with {} of {} <{}>: {status}, in the keyring of {name} (a key the default branch revokes is refused on every ref)",
            key.fingerprint, person.name, person.email
        ),
    ));
    report.verdict = Verdict::Rejected;
}

/// Rejects `report` when its commit changes `.avow/` and its signer, a
/// maintainer of the keyring it was verified against (a branch's own), is
/// not a maintainer in `keyring` (the default branch's, named `name`). A
/// branch's keyring may predate a demotion: a branch created at a commit
/// from before it adds no commit when it is pushed, and a release branch
/// forked before it keeps it, so the demoted maintainer could still
/// change that branch's trust — add keys whose work every later push to
/// the branch takes (entry 143). The person is found by the signer's
/// email; their key is the branch keyring's to judge.
fn refuse_demoted(repo: &Repository, report: &mut Report, name: &str, keyring: &Keyring) -> Result<()> {
    let Some(signer) = &report.signer else { return Ok(()) };
    if signer.role != avow_policy::keyring::Role::Maintainer
        || report.findings.iter().any(|f| f.rule == findings::TRUST_AVOW_CHANGE.id)
        || keyring.find_person_by_email(&signer.email).is_some_and(|p| p.role == avow_policy::keyring::Role::Maintainer)
        || !avow_verify::verify::writes_avow(repo, report.id)?
    {
        return Ok(());
    }
    report.findings.push(Finding::deny(
        &findings::TRUST_AVOW_CHANGE,
        format!(
            "the commit changes .avow/ (keyring or policy), signed by {} <{}>, who is not a maintainer in the keyring of {name} (a change to .avow/ on any ref needs a maintainer the default branch trusts)",
            signer.name, signer.email
        ),
    ));
    report.verdict = Verdict::Rejected;
    Ok(())
}

pub fn run(remote: &str) -> Result<Outcome> {
    let repo = open_repo()?;
    // What libgit2 writes while checking merges stays in memory.
    avow_verify::repo::writes_in_memory(&repo)?;
    let cfg = Config::new(Some(&repo));
    if cfg.get_bool("avow.enabled")? == Some(false) {
        return Ok(Outcome::Ok);
    }
    let options = crate::cmd::verify::options_of(&cfg, false)?;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| {
        CliError::new(format!("cannot read the refs git is pushing from standard input: {e}"))
            .hint("this command is run by git's pre-push hook, which feeds it one line per ref")
    })?;
    let mut refused = false;
    let mut resign = Vec::new();
    for update in parse_updates(&input)? {
        if is_zero(&update.local) {
            continue; // a deletion brings no commits
        }
        let Some(tip) = avow_verify::parse_oid(&update.local).ok().and_then(|id| repo.find_object(id, None).ok())
        else {
            return Err(CliError::new(format!("{}: {} is not in this repository", update.local_ref, update.local))
                .hint("run the hook through `git push`"));
        };
        let Ok(tip) = tip.peel_to_commit() else { continue }; // a tag of a tree or blob
        let label = format!("{} → {}", update.local_ref, update.remote_ref);
        let (trust_name, trust, hide) = if is_zero(&update.remote) {
            let Some((name, id)) = remote_default(&repo, remote) else {
                // Nothing fetched to compare with (a push by URL, a remote
                // just added): every key anyone can sign with counts as
                // added (entry 144).
                if refuses_weak_keys(&repo, &label, None, tip.id()) {
                    refused = true;
                    continue;
                }
                crate::output::errln!(
                    "avow: {remote} has no branch fetched here to take the keyring and policy from; {} is not verified",
                    update.remote_ref
                );
                continue;
            };
            (name, id, tracking_tips(&repo, remote))
        } else {
            let id = avow_verify::parse_oid(&update.remote)
                .ok()
                .and_then(|id| repo.find_object(id, None).ok())
                .and_then(|o| o.peel_to_commit().ok())
                .map(|c| c.id())
                .ok_or_else(|| {
                    CliError::new(format!(
                        "{remote}'s {} is at {}, which this repository does not have",
                        update.remote_ref, update.remote
                    ))
                    .hint(format!("run `git fetch {remote}` and integrate its changes, then push again"))
                })?;
            (format!("{remote}'s {}", update.remote_ref), id, vec![id])
        };
        if refuses_weak_keys(&repo, &label, Some(trust), tip.id()) {
            refused = true;
            continue;
        }
        let Some(refusal) =
            judge(&repo, &update.remote_ref, &label, tip.id(), (&trust_name, trust), &hide, None, options)?
        else {
            continue;
        };
        refused = true;
        if refusal.resign {
            let base = if is_zero(&update.remote) {
                trust_name.clone()
            } else {
                remote_name(&repo, remote, &update.remote_ref, trust)
            };
            resign.push(reattest_command(&repo, &update.local_ref, &base));
        }
    }
    if refused {
        crate::output::errln!("avow: push refused: {}", refused_hint(&resign));
        return Ok(Outcome::Failed);
    }
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A whole id as git writes one: SHA-1 or SHA-256, or the zero id.
    const ID: &str = "[0-9a-f]{40}|[0-9a-f]{64}|0{40}";
    /// A ref name as `git check-ref-format` allows (no space or control
    /// character; the rest of its rules do not matter here).
    const REF: &str = "refs/(heads|tags|notes)/[^\\s\\x00-\\x1f\\x7f~^:?*\\[\\\\]{1,30}";

    proptest! {
        /// git's pre-push lines (any ref name git allows, SHA-1 or SHA-256
        /// ids, the zero id of a new branch or a deletion) read back update
        /// for update; any text reads or is refused with an error, never a
        /// panic, and what reads has whole ids only.
        #[test]
        fn gits_lines_read_back_and_any_text_is_safe(
            updates in proptest::collection::vec((REF, ID, REF, ID), 0..5),
            junk in "\\PC{0,300}",
        ) {
            let text = updates.iter().map(|(lr, l, rr, r)| format!("{lr} {l} {rr} {r}\n")).collect::<Vec<_>>().concat();
            let read = parse_updates(&text).unwrap();
            let expected: Vec<Update> = updates
                .iter()
                .map(|(lr, l, rr, r)| Update {
                    local_ref: lr.clone(),
                    local: l.clone(),
                    remote_ref: rr.clone(),
                    remote: r.clone(),
                })
                .collect();
            prop_assert_eq!(read, expected);
            if let Ok(read) = parse_updates(&junk) {
                prop_assert!(read.iter().all(|u| is_object_id(&u.local) && is_object_id(&u.remote)));
            }
        }
    }

    #[test]
    fn parses_gits_lines_and_refuses_anything_else() {
        let a = "a".repeat(40);
        let z = "0".repeat(40);
        let u = parse_updates(&format!("refs/heads/x {a} refs/heads/y {z}\n\n")).unwrap();
        assert_eq!(
            u,
            [Update {
                local_ref: "refs/heads/x".into(),
                local: a.clone(),
                remote_ref: "refs/heads/y".into(),
                remote: z
            }]
        );
        assert!(parse_updates("").unwrap().is_empty());
        assert!(parse_updates("refs/heads/x abc refs/heads/y def").is_err());
        assert!(parse_updates(&format!("refs/heads/x {a}")).is_err());
        let sha256 = "b".repeat(64);
        assert_eq!(parse_updates(&format!("HEAD {sha256} refs/heads/y {sha256}")).unwrap().len(), 1);
    }
}
