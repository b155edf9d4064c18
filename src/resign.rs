//! Re-signing statements that already exist: the engine behind `git avow
//! reattest`, the post-rewrite hook (rebase, autosquash) and `git avow
//! attest` (notes). docs/workflows.md says when each runs.
//!
//! Whose statement may be re-signed is decided here, once: only one whose
//! `Understood-by:` names the person holding the signing key (their
//! keyring entry, or `user.email` without one). Re-signing someone else's
//! statement with your key would make your signature claim their words.

use std::collections::HashSet;
use std::path::Path;

use avow_core::attestation::{Person, Statement, SIGNATURE};
use avow_core::encoding::Encoding;
use avow_core::payload::{Binding, Payload, PayloadError, SignatureTrailer};
use avow_core::trailer::{self, ParseOptions, Trailer};
use avow_policy::findings::{Concern, Severity};
use avow_sign::Signer;
use avow_verify::trust::Trusted;
use avow_verify::verify::{Options, Verifier};
use git2::{Commit, Oid, Repository, Tree};

use crate::error::{CliError, Result};
use crate::git::Config;

pub use avow_verify::commit::is_autosquash;

/// What a signature binds of the change between two trees: its change
/// digest and tree binding (docs/payload.md).
pub fn binding_of(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Binding> {
    avow_verify::change::binding(repo, old, new)
        .map_err(|e| CliError::new(format!("computing the change digest: {e}")).hint(crate::error::GIT_HINT))
}

/// The self-check of a commit (post-commit's of HEAD, and which commits
/// re-signing must touch): does its signature match it? Only the
/// mechanical part (trailers, change, signature); trust is the verifier's
/// business. Returns the first problem's rule and message.
pub fn self_check(repo: &Repository, head: &git2::Commit<'_>) -> Option<(String, String)> {
    self_check_bound(repo, head, avow_policy::policy::Binding::Change)
}

/// [`self_check`] under a policy's `binding`: with `trees`, a commit whose
/// trees are not the signed ones (a rebase moved it) fails too.
pub fn self_check_bound(
    repo: &Repository,
    head: &git2::Commit<'_>,
    binding: avow_policy::policy::Binding,
) -> Option<(String, String)> {
    let trusted = Trusted {
        keyring: avow_policy::keyring::Keyring::default(),
        policy: avow_policy::policy::Policy { binding, ..avow_policy::policy::Policy::default() },
        rev: "HEAD".into(),
        commit: head.id(),
    };
    let report = Verifier::new(&trusted, HashSet::new(), Options::default()).verify(repo, head).ok()?;
    report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Deny && f.known_rule().is_some_and(|r| r.concern == Concern::Attestation))
        .map(|f| (f.rule.clone(), f.message.clone()))
}

/// Signs `statement` for a change and returns the `Avow-Signature:` value:
/// what the commit-msg hook, `reattest` and `attest` all write.
pub fn sign(
    signer: &Signer,
    binding: &Binding,
    author_email: &str,
    subject: &str,
    statement: &Statement,
) -> Result<String> {
    let payload = Payload::new(binding, author_email, subject, crate::clock::now().timestamp(), statement);
    let bytes = payload.to_bytes().map_err(|e| {
        CliError::new(format!("cannot attest this commit: {e}"))
            .hint("remove the line break or NUL from that field of the message or identity")
    })?;
    let signature = signer.sign(&bytes).map_err(|e| {
        let hint = match e {
            // Nothing to check in the set-up: the authenticator is missing.
            avow_sign::Error::SecurityKeyAbsent { .. } => {
                "without the security key at hand, sign with a key file: `git config avow.signingKey ~/.ssh/id_ed25519` (its public key must be in the keyring too)"
            }
            _ => "`git avow doctor` checks the key set-up",
        };
        CliError::new(format!("signing failed: {e}")).hint(hint)
    })?;
    Ok(SignatureTrailer::new(&payload, signature.to_base64()).to_string())
}

/// The person signing: email (and name) of the keyring entry holding the
/// signing key, else `user.name`/`user.email`.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub email: String,
}

impl Me {
    pub fn of(repo: &Repository, cfg: &Config, key: &avow_sign::ssh_key::PublicKey) -> Result<Me> {
        if let Some(k) = crate::local::keyring(repo) {
            if let Some((p, _)) = k.find_by_key(key) {
                return Ok(Me { name: p.name.clone(), email: p.email.clone() });
            }
        }
        let (name, email) = cfg.user()?;
        Ok(Me { name, email })
    }

    /// Whether `statement` is this person's own.
    pub fn owns(&self, statement: &Statement) -> bool {
        Person::same_email(&statement.understood_by.email, &self.email)
    }
}

/// Whether `text`'s statement is your own: it names you (by your signing
/// key's keyring entry, else `user.email`) and your key signed it, for
/// some earlier change ([`signed_by`]). `Ok(None)` when it names you but
/// your key did not sign it (anyone can write your name); `Ok(Some(false))`
/// when it names someone else.
pub fn mine(repo: &Repository, cfg: &Config, statement: &Statement, text: &str, author: &str) -> Result<Option<bool>> {
    let keyring = crate::local::keyring(repo);
    let key = crate::keys::public_key(cfg, keyring.as_ref());
    let me = if let Some(k) = &key {
        Me::of(repo, cfg, k)?
    } else {
        let (name, email) = cfg.user()?;
        Me { name, email }
    };
    if !me.owns(statement) {
        return Ok(Some(false));
    }
    Ok(key.filter(|k| signed_by(k, text, author)).map(|_| true))
}

/// Whether the one `Avow-Signature:` of `text` (a stored message) was
/// made with `key` (the signer's) over this same statement, author and subject —
/// for some change, which a rewrite may since have changed. Only such a
/// statement is re-signed without the signer naming themselves anew: that
/// `Understood-by:` names you proves nothing, anyone can write it, and
/// re-signing it would put your signature under someone else's words and
/// change (a pull request's commits a maintainer rebases and re-attests).
///
/// A `v1` attestation's payload bound git's patch-id and is no longer
/// rebuilt; for one, the signature must be an avow signature by this key.
pub fn signed_by(key: &avow_sign::ssh_key::PublicKey, text: &str, author_email: &str) -> bool {
    signer_of(text, author_email).is_some_and(|k| k.key_data() == key.key_data())
}

/// The key that made the one `Avow-Signature:` of `text` over this same
/// statement, author and subject (for a `v1` attestation: the key of an
/// avow signature), as [`signed_by`] decides; `None` when there is no such
/// signature.
pub fn signer_of(text: &str, author_email: &str) -> Option<avow_sign::ssh_key::PublicKey> {
    let opts = ParseOptions::default();
    let trailers = trailer::parse(text, &opts);
    let sigs: Vec<&Trailer> = trailers.iter().filter(|t| t.is(SIGNATURE)).collect();
    let ([sig], Ok(statement)) = (sigs.as_slice(), Statement::from_trailers(&trailers)) else { return None };
    match SignatureTrailer::parse(&sig.value) {
        Ok(st) => {
            let subject = trailer::subject(text, &opts, false);
            let payload = Payload::new(&st.binding, author_email, &subject, st.signed_at, &statement);
            let bytes = payload.to_bytes().ok()?;
            avow_sign::Signature::from_base64(&st.signature).and_then(|s| avow_sign::verify(&bytes, &s)).ok()
        }
        Err(PayloadError::Version { .. }) => sig
            .value
            .rsplit(' ')
            .next()
            .and_then(|f| f.strip_prefix("s="))
            .and_then(|b| avow_sign::Signature::from_base64(b).ok())
            .filter(|s| s.namespace() == avow_sign::NAMESPACE)
            .map(|s| s.public_key()),
        Err(_) => None,
    }
}

/// A commit's message as text, with the encoding to write it back in.
pub fn message_of(commit: &Commit<'_>) -> Result<(String, Encoding)> {
    let enc = match commit.message_encoding().ok().flatten() {
        None => Encoding::Utf8,
        Some(l) => Encoding::from_label(l).ok_or_else(|| {
            CliError::new(format!("commit {} is in the encoding {l}, which avow cannot write", commit.id()))
                .hint("re-commit it in UTF-8")
        })?,
    };
    let text = avow_verify::commit::message_text(commit).ok_or_else(|| {
        CliError::new(format!("the message of commit {} is not valid in its encoding", commit.id()))
            .hint("re-commit it in UTF-8")
    })?;
    Ok((text, enc))
}

/// The statement a stored message carries, read as the verifier reads it.
pub fn statement_of(text: &str) -> Option<Statement> {
    Statement::from_trailers(&trailer::parse(text, &ParseOptions::default())).ok()
}

/// `text` (a stored commit's message) with its signature replaced by a new
/// one over the change `parent_tree → tree`.
pub fn resign_text(
    repo: &Repository,
    signer: &Signer,
    text: &str,
    author_email: &str,
    parent_tree: Option<&Tree<'_>>,
    tree: &Tree<'_>,
    replace: Option<&Person>,
) -> Result<String> {
    let opts = ParseOptions::default();
    let mut trailers = trailer::parse(text, &opts);
    if let Some(p) = replace {
        for t in trailers.iter_mut().filter(|t| t.is(avow_core::attestation::UNDERSTOOD_BY)) {
            t.value = p.to_string();
        }
    }
    let statement = Statement::from_trailers(&trailers)
        .map_err(|_| CliError::new("the message carries no complete statement").hint(crate::error::REPORT_HINT))?;
    let subject = trailer::subject(text, &opts, false);
    let binding = binding_of(repo, parent_tree, tree)?;
    let value = sign(signer, &binding, author_email, &subject, &statement)?;
    let understood = avow_core::attestation::UNDERSTOOD_BY;
    let mut append = Vec::new();
    if let Some(p) = replace {
        append.push(Trailer::new(understood, p.to_string()));
    }
    append.push(Trailer::new(SIGNATURE, value));
    let rewritten = trailer::rewrite(
        text,
        &opts,
        |item| !item.trailer.as_ref().is_some_and(|t| t.is(SIGNATURE) || (replace.is_some() && t.is(understood))),
        &append,
    );
    Ok(without_stray_signatures(&rewritten, &opts))
}

/// `text` without `Avow-Signature:` lines outside its trailer block (a
/// squash leaves the first commit's signature in the body, where it would
/// make the message fail verification forever). The hook's commit-msg and
/// every re-signing drop them.
pub fn without_stray_signatures(text: &str, opts: &ParseOptions) -> String {
    let start = trailer::block(text, opts).start;
    let is_signature =
        |line: &str| line.split_once(':').is_some_and(|(key, _)| key.trim_end().eq_ignore_ascii_case(SIGNATURE));
    let mut out: String = text[..start].split_inclusive('\n').filter(|l| !is_signature(l)).collect();
    out.push_str(&text[start..]);
    out
}

/// git's committer identity for a commit made now (`git var
/// GIT_COMMITTER_IDENT`: configuration, `GIT_COMMITTER_*`, the date), as a
/// rebase records it.
fn committer_ident(repo: &Repository) -> Result<Vec<u8>> {
    let out = std::process::Command::new("git")
        .args(["var", "GIT_COMMITTER_IDENT"])
        .current_dir(repo.workdir().unwrap_or_else(|| repo.path()))
        .output()
        .map_err(|e| CliError::new(format!("cannot run git: {e}")).hint("install git and put it on PATH"))?;
    if !out.status.success() {
        return Err(CliError::new("git cannot tell the committer identity (`git var GIT_COMMITTER_IDENT`)")
            .hint("set it with `git config user.name` and `git config user.email`"));
    }
    let mut v = out.stdout;
    while v.last() == Some(&b'\n') {
        v.pop();
    }
    Ok(v)
}

/// The raw commit object for `old` with new parents, committer and message:
/// every other header kept byte for byte, except a commit signature
/// (`gpgsig`), which would no longer verify (git's rebase drops it too).
fn rebuild(old: &Commit<'_>, parents: &[Oid], committer: &[u8], message: &[u8]) -> Vec<u8> {
    let header = old.raw_header_bytes();
    let mut out = Vec::with_capacity(header.len() + message.len() + 64);
    let mut lines = header.split(|b| *b == b'\n').peekable();
    let mut skip_continuation = false;
    while let Some(line) = lines.next() {
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        if line.starts_with(b" ") && skip_continuation {
            continue;
        }
        skip_continuation = false;
        if line.starts_with(b"parent ") {
            continue;
        }
        if line.starts_with(b"gpgsig") {
            skip_continuation = true;
            continue;
        }
        if line.starts_with(b"committer ") {
            out.extend_from_slice(b"committer ");
            out.extend_from_slice(committer);
            out.push(b'\n');
            continue;
        }
        out.extend_from_slice(line);
        out.push(b'\n');
        if line.starts_with(b"tree ") {
            for p in parents {
                out.extend_from_slice(format!("parent {p}\n").as_bytes());
            }
        }
    }
    out.push(b'\n');
    out.extend_from_slice(message);
    out
}

/// What to do with one commit of a rewrite.
pub enum Action {
    /// Keep its message (it is only re-parented if a parent changed).
    Keep,
    /// Replace its message with this text (in the commit's encoding).
    Message(String),
}

/// Rewrites `commits` (parents before children) in place: each gets the
/// message `decide` gives it and the rewritten parents; trees, authors and
/// other headers are kept. Returns the new id of the last one. A commit
/// whose message and parents are unchanged keeps its id.
pub fn rewrite(
    repo: &Repository,
    commits: &[Oid],
    mut decide: impl FnMut(&Commit<'_>) -> Result<Action>,
) -> Result<(Oid, Vec<(Oid, Oid)>)> {
    let committer = committer_ident(repo)?;
    // The new commits are written by git (shared repositories' modes).
    crate::git::write_objects_with_git(repo, |staging| {
        let odb = staging.odb()?;
        let mut map: std::collections::HashMap<Oid, Oid> = std::collections::HashMap::new();
        let mut last = None;
        let mut pairs = Vec::new();
        for &id in commits {
            let c = repo.find_commit(id)?;
            let parents: Vec<Oid> = c.parent_ids().map(|p| *map.get(&p).unwrap_or(&p)).collect();
            let reparented = parents.iter().ne(c.parent_ids().collect::<Vec<_>>().iter());
            let new = match decide(&c)? {
                Action::Keep if !reparented => id,
                Action::Keep => {
                    odb.write(git2::ObjectType::Commit, &rebuild(&c, &parents, &committer, c.message_raw_bytes()))?
                }
                Action::Message(text) => {
                    let (_, enc) = message_of(&c)?;
                    let bytes = enc.encode(&text).map_err(|ch| {
                        CliError::new(format!("the new signature of {id} cannot be written in {}: {ch}", enc.name()))
                            .hint("re-commit the message in UTF-8")
                    })?;
                    odb.write(git2::ObjectType::Commit, &rebuild(&c, &parents, &committer, &bytes))?
                }
            };
            map.insert(id, new);
            pairs.push((id, new));
            last = Some(new);
        }
        let last = last.ok_or_else(|| CliError::new("no commits to rewrite").hint(crate::error::REPORT_HINT))?;
        Ok((last, pairs))
    })
}

/// Moves HEAD (its branch, or HEAD itself when detached) from `old` to
/// `new`, refusing if it moved meanwhile. The trees are the same, so the
/// index and work tree stay as they are.
pub fn move_head(repo: &Repository, old: Oid, new: Oid, why: &str) -> Result<()> {
    let head = repo.find_reference("HEAD")?;
    let name = match head.symbolic_target() {
        Ok(Some(n)) => n.to_owned(),
        _ => "HEAD".to_owned(),
    };
    // Through git, which writes the ref and its reflogs (the branch's and
    // HEAD's) as every other update of them: with a shared repository's
    // modes (libgit2 uses the umask) and the reference-transaction hook.
    // The update happens only if the ref is still at `old`.
    let (new, old) = (new.to_string(), old.to_string());
    crate::git::git_with_input(repo, &["update-ref", "-m", why, &name, &new, &old], b"").map_err(|e| {
        CliError::new(format!("cannot update {name}: {e}"))
            .hint("something else moved the branch meanwhile; run the command again")
    })?;
    Ok(())
}

/// Whether git is in the middle of an operation that will move HEAD on its
/// own (rebase, am, cherry-pick, revert, merge); its state files say so.
pub fn operation_in_progress(git_dir: &Path) -> Option<&'static str> {
    [
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase or `git am`"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
        ("MERGE_HEAD", "a merge"),
        ("sequencer", "a cherry-pick or revert"),
    ]
    .into_iter()
    .find(|(f, _)| git_dir.join(f).exists())
    .map(|(_, what)| what)
}

/// A short, unambiguous name for a commit (as `git rev-parse --short`).
pub fn short(repo: &Repository, id: Oid) -> String {
    repo.find_object(id, None)
        .and_then(|o| o.short_id())
        .ok()
        .and_then(|b| b.as_str().ok().map(str::to_owned))
        .unwrap_or_else(|| id.to_string())
}
