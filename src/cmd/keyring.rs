//! `git avow keyring …`: who may attest, in `.avow/keyring.toml` of the
//! work tree. Changes take effect for verification once committed in a
//! commit a maintainer signs and part of the trusted base.

use std::path::{Path, PathBuf};

use avow_policy::keyring::{format_date, Keyring, KeyringError, NewKey, Role};
use avow_verify::shell_word;
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use serde_json::json;

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, workdir};
use crate::output::{self, TextFormat};

/// Manage `.avow/keyring.toml`.
#[derive(Debug, Subcommand)]
pub enum KeyringCommand {
    /// Add a person's key (adds the person when the email is new).
    ///
    /// The key is recorded with `added` = now; what it signed before (work
    /// done before asking to be added) verifies once this is committed.
    Add {
        /// The person's name (required for a new person; an existing one
        /// keeps theirs, and another name is refused).
        #[arg(long)]
        name: Option<String>,
        /// The person's email (what `Understood-by:` and the commit author use).
        #[arg(long)]
        email: String,
        /// Public key: a `.pub` file or a line like `ssh-ed25519 AAAA…`
        /// (ed25519, ECDSA, RSA of 2048+ bits, or their sk- forms).
        #[arg(long)]
        key: String,
        /// maintainer or contributor (default for a new person:
        /// contributor; an existing one keeps theirs).
        #[arg(long)]
        role: Option<String>,
        /// The last day the key may sign, UTC, inclusive (YYYY-MM-DD: valid
        /// through 23:59:59 UTC that day), or an RFC 3339 instant.
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// Refuse signatures dated before this (YYYY-MM-DD, midnight UTC, or
        /// RFC 3339). Unset: the key's earlier signatures count too.
        #[arg(long, value_name = "DATE")]
        valid_after: Option<String>,
    },
    /// Revoke a key: no signature by it verifies any more, whenever made.
    Revoke {
        /// The key: its fingerprint (`SHA256:…` as `keyring list` shows,
        /// or a unique prefix of it), its `.pub` file, or its public key line.
        #[arg(value_name = "KEY")]
        fingerprint: String,
        /// Why (recorded in the keyring).
        #[arg(long)]
        reason: String,
        /// When it was compromised or retired (YYYY-MM-DD; default today).
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
    },
    /// Retire a key that is not compromised: it signs nothing after now,
    /// and what it signed until then stays valid.
    ///
    /// For a contributor who leaves the project or a machine that is
    /// decommissioned. A key that may be in someone else's hands is
    /// revoked instead (`keyring revoke`).
    Expire {
        /// The key: its fingerprint (`SHA256:…` as `keyring list` shows,
        /// or a unique prefix of it), its `.pub` file, or its public key line.
        #[arg(value_name = "KEY")]
        fingerprint: String,
        /// The last day the key may sign, UTC, inclusive (YYYY-MM-DD), or an
        /// RFC 3339 instant (default: now).
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
    },
    /// Replace a key by a new one for the same person, now: the old key
    /// expires and the new one is added at this second, so what the old key
    /// signed until now stays valid.
    Rotate {
        /// The old key: fingerprint (or a unique prefix), `.pub` file or
        /// public key line.
        #[arg(value_name = "OLD_KEY")]
        fingerprint: String,
        /// The new public key: a `.pub` file or an `ssh-ed25519 AAAA…` line.
        #[arg(long)]
        key: String,
    },
    /// List people, keys and each key's state.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Human)]
        format: TextFormat,
    },
    /// Write the keyring as an OpenSSH `allowed_signers` file.
    Export {
        /// The format (only `allowed_signers`).
        #[arg(long, required = true)]
        allowed_signers: bool,
        /// Write here instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add the keys of an OpenSSH `allowed_signers` file.
    Import {
        /// The `allowed_signers` file to read.
        #[arg(long, value_name = "FILE", required = true)]
        allowed_signers: PathBuf,
        /// Role for new people.
        #[arg(long, default_value = "contributor")]
        role: String,
    },
}

fn parse_role(s: &str) -> Result<Role> {
    match s {
        "maintainer" => Ok(Role::Maintainer),
        "contributor" => Ok(Role::Contributor),
        other => Err(CliError::new(format!("unknown role `{other}`")).hint("use maintainer or contributor")),
    }
}

/// Now, in whole seconds (as signing times are): the `added` record of a
/// new key, and the instant of a rotation. From [`crate::clock`], which
/// tests fix.
pub fn now() -> DateTime<Utc> {
    let now = crate::clock::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// Parses a date given on the command line: YYYY-MM-DD (midnight UTC) or
/// RFC 3339.
pub fn parse_date(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).map_err(|_| bad_date(s))
}

/// `--expires`: YYYY-MM-DD is the last day (through 23:59:59 UTC), an RFC
/// 3339 date-time that instant.
fn parse_expires(s: &str) -> Result<DateTime<Utc>> {
    avow_policy::keyring::parse_expiry(s).ok_or_else(|| bad_date(s))
}

fn bad_date(s: &str) -> CliError {
    CliError::new(format!("`{s}` is not a date"))
        .hint("write dates as YYYY-MM-DD (UTC) or RFC 3339 with a time zone, like 2026-12-07T18:00:00Z")
}

/// The fingerprint a KEY argument names: a `.pub` file, a public key line,
/// or a fingerprint or unique prefix of one in the keyring.
fn key_argument(keyring: &Keyring, arg: &str) -> Result<String> {
    let trimmed = arg.trim();
    let looks_like_line = ["ssh-", "sk-", "ecdsa-", "key::"].iter().any(|p| trimmed.starts_with(p));
    let path = crate::git::expand_home(trimmed);
    if looks_like_line || (!trimmed.starts_with("SHA256:") && path.is_file()) {
        let line = read_public_key_arg(trimmed.strip_prefix("key::").unwrap_or(trimmed))?;
        let key = avow_policy::keyring::Key::from_openssh(&line).map_err(keyring_error)?;
        return match keyring.find_by_fingerprint(&key.fingerprint) {
            Some(_) => Ok(key.fingerprint),
            None => Err(keyring_error(KeyringError::UnknownKey { fingerprint: key.fingerprint })),
        };
    }
    keyring.resolve_fingerprint(trimmed).map_err(keyring_error)
}

fn keyring_path() -> Result<PathBuf> {
    let repo = open_repo()?;
    Ok(workdir(&repo)?.join(avow_verify::trust::KEYRING_PATH))
}

fn load(path: &Path) -> Result<Keyring> {
    if !path.exists() {
        return Err(CliError::new(format!("there is no {}", path.display())).hint("create it with `git avow init`"));
    }
    Keyring::load(path)
        .map_err(|e| CliError::new(e.to_string()).hint("fix the file; docs/keyring.md describes the format"))
}

fn save(path: &Path, keyring: &Keyring) -> Result<()> {
    crate::atomic::write_atomically(path, &keyring.to_toml())
}

/// A refused keyring operation, with the fix for each kind of refusal.
#[expect(clippy::needless_pass_by_value, reason = "used as `.map_err(keyring_error)`")]
fn keyring_error(e: KeyringError) -> CliError {
    let hint = match &e {
        KeyringError::DuplicateKey { .. } => {
            "a key belongs to one person: `git avow keyring list` shows whose it is; to replace a key use `git avow keyring rotate`"
        }
        KeyringError::UnknownKey { .. } => {
            "copy the fingerprint (SHA256:…, or enough of it to be unique) from `git avow keyring list`, or give the key's .pub file"
        }
        KeyringError::AmbiguousKey { .. } => "give more characters of the fingerprint, as `git avow keyring list` shows it",
        KeyringError::AlreadyRevoked { .. } => "nothing to do: `git avow keyring list` shows each key's state",
        KeyringError::BadKey { .. } => {
            "give an ed25519, ECDSA or RSA (2048 to 4096 bits) public key: a `.pub` file or a line like `ssh-ed25519 AAAA…` (`ssh-keygen -t ed25519` makes one)"
        }
        // Only `import` parses a file here; `load` reports keyring.toml.
        KeyringError::Import { .. } | KeyringError::Invalid { .. } => {
            "fix or remove that line of the allowed_signers file, then import again"
        }
        _ => "correct the value on the command line; `git avow keyring SUBCOMMAND --help` describes each",
    };
    CliError::new(e.to_string()).hint(hint)
}

pub fn run(cmd: KeyringCommand) -> Result<Outcome> {
    let path = keyring_path()?;
    match cmd {
        KeyringCommand::Add { name, email, key, role, expires, valid_after } => {
            add(&path, &AddArgs { name, email, key, role, expires, valid_after })?;
        }
        KeyringCommand::Revoke { fingerprint, reason, at } => {
            let mut k = load(&path)?;
            let fingerprint = key_argument(&k, &fingerprint)?;
            let maintainer = signs_as_maintainer(&k);
            let at_arg = at.as_deref().map(|a| format!(" --at {}", shell_word(a))).unwrap_or_default();
            let at = at.as_deref().map(parse_date).transpose()?.unwrap_or_else(now);
            k.revoke(&fingerprint, &reason, at).map_err(keyring_error)?;
            save(&path, &k)?;
            let command = format!("git avow keyring revoke {fingerprint} --reason {}{at_arg}", shell_word(&reason));
            crate::output::outln!("avow: revoked {fingerprint}{}", take_effect(maintainer, &command))?;
            warn_signed_history(&k, &fingerprint);
        }
        KeyringCommand::Expire { fingerprint, at } => {
            let mut k = load(&path)?;
            let fingerprint = key_argument(&k, &fingerprint)?;
            let maintainer = signs_as_maintainer(&k);
            let at_arg = at.as_deref().map(|a| format!(" --at {}", shell_word(a))).unwrap_or_default();
            let at = at.as_deref().map(parse_expires).transpose()?.unwrap_or_else(now);
            k.expire(&fingerprint, at).map_err(keyring_error)?;
            save(&path, &k)?;
            let until = k.find_by_fingerprint(&fingerprint).and_then(|(_, key)| key.expires).unwrap_or(at);
            let command = format!("git avow keyring expire {fingerprint}{at_arg}");
            crate::output::outln!(
                "avow: {fingerprint} expires on {}: what it signed until then still verifies{}",
                format_date(until),
                take_effect(maintainer, &command)
            )?;
        }
        KeyringCommand::Rotate { fingerprint, key } => rotate(&path, &fingerprint, &key)?,
        KeyringCommand::List { format } => {
            let k = load(&path)?;
            let now = crate::clock::now();
            match format {
                TextFormat::Human => {
                    let mut out = String::new();
                    for p in k.people() {
                        out.push_str(&format!("{} <{}> ({})\n", p.name, p.email, p.role));
                        for key in &p.keys {
                            out.push_str(&format!(
                                "  {}  {}  {}\n",
                                key.fingerprint,
                                key.public.algorithm(),
                                key.status_at(now)
                            ));
                        }
                    }
                    output::write_stdout(out.as_bytes())?;
                }
                TextFormat::Json => {
                    let people: Vec<_> = k
                        .people()
                        .iter()
                        .map(|p| {
                            json!({
                                "name": p.name, "email": p.email, "role": p.role.to_string(),
                                "keys": p.keys.iter().map(|key| json!({
                                    "fingerprint": key.fingerprint,
                                    "algorithm": key.public.algorithm().to_string(),
                                    "status": key.status_at(now).to_string(),
                                    "added": key.added.map(format_date),
                                    "valid-after": key.valid_after.map(format_date),
                                    "expires": key.expires.map(format_date),
                                    "revoked": key.revoked.as_ref().map(|r| json!({"at": format_date(r.at), "reason": r.reason})),
                                    "succeeds": key.succeeds,
                                })).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    let doc = serde_json::to_string_pretty(&json!({ "people": people })).unwrap_or_default();
                    output::write_stdout(format!("{doc}\n").as_bytes())?;
                }
            }
        }
        KeyringCommand::Export { allowed_signers: _, output } => {
            let k = load(&path)?;
            let text = k.to_allowed_signers();
            match output {
                Some(out) => std::fs::write(&out, text).map_err(|e| {
                    CliError::new(format!("cannot write {}: {e}", out.display()))
                        .hint("give --output a path in a directory you can write to")
                })?,
                None => output::write_stdout(text.as_bytes())?,
            }
        }
        KeyringCommand::Import { allowed_signers, role } => import(&path, &allowed_signers, &role)?,
    }
    Ok(Outcome::Ok)
}

/// `keyring add`'s arguments.
struct AddArgs {
    name: Option<String>,
    email: String,
    key: String,
    role: Option<String>,
    expires: Option<String>,
    valid_after: Option<String>,
}

/// `keyring add`: refuses a name or role that differs from an existing
/// person's (with the command that adds the key to them as they are), and
/// warns about a window that ends before now.
fn add(path: &Path, args: &AddArgs) -> Result<()> {
    let mut k = load(path)?;
    let line = read_public_key_arg(&args.key)?;
    let expires = args.expires.as_deref().map(parse_expires).transpose()?;
    let valid_after = args.valid_after.as_deref().map(parse_date).transpose()?;
    let role = args.role.as_deref().map(parse_role).transpose()?;
    let existing = k.find_person_by_email(&args.email).cloned();
    let maintainer = signs_as_maintainer(&k);
    let yours = signer(&k).is_some_and(|p| avow_core::attestation::Person::same_email(&p.email, &args.email));
    let new = NewKey {
        key: &line,
        email: &args.email,
        name: args.name.as_deref(),
        role,
        added: Some(now()),
        valid_after,
        expires,
    };
    let fpr = match k.add(&new) {
        Ok(key) => key.fingerprint.clone(),
        Err(e @ KeyringError::PersonDiffers { .. }) => {
            let quoted = shell_word(&args.key);
            return Err(CliError::new(e.to_string()).hint(format!(
                "to add the key to them as they are, leave out --name and --role: `git avow keyring add --email {} --key {quoted}`; to rename them or change their role, edit .avow/keyring.toml in a commit of its own",
                args.email
            )));
        }
        Err(e) => return Err(keyring_error(e)),
    };
    save(path, &k)?;
    let name = k.find_by_fingerprint(&fpr).map(|(p, _)| p.name.clone()).unwrap_or_default();
    let others = existing.as_ref().map(|p| p.keys.len()).unwrap_or_default();
    let note = match others {
        0 => String::new(),
        n => format!(" (their key number {})", n + 1),
    };
    let mut command = String::from("git avow keyring add");
    let given = [
        ("name", args.name.as_deref()),
        ("email", Some(args.email.as_str())),
        ("key", Some(line.as_str())),
        ("role", args.role.as_deref()),
        ("expires", args.expires.as_deref()),
        ("valid-after", args.valid_after.as_deref()),
    ];
    for (flag, value) in given {
        if let Some(value) = value {
            command.push_str(&format!(" --{flag} {}", shell_word(value)));
        }
    }
    crate::output::outln!("avow: added {fpr} for {name} <{}>{note}{}", args.email, take_effect(maintainer, &command))?;
    // A second key for a maintainer is a second way to sign as them,
    // `.avow/` changes included; the hook's second-machine note asks for
    // exactly this, and anyone can give a maintainer's name (entry 129).
    if let Some(person) = existing.filter(|p| p.role == Role::Maintainer && !yours) {
        crate::output::errln!(
            "avow: warning: {} <{}> is a maintainer: whoever holds this key signs as them, changes to .avow/ included; keep it only if they gave you the key themselves (compare {fpr} with them), else `git restore .avow/keyring.toml`",
            person.name,
            person.email
        );
    }
    if let Some(end) = expires.filter(|e| *e < crate::clock::now()) {
        crate::output::errln!(
            "avow: warning: the key expired on {} (before now): it verifies only what it signed until then",
            format_date(end)
        );
    }
    Ok(())
}

/// Whether the key you sign with is a maintainer's in `keyring` (as it is
/// before the change): only a maintainer's attestation makes a change to
/// `.avow/` take effect.
fn signs_as_maintainer(keyring: &Keyring) -> bool {
    signer(keyring).is_some_and(|p| p.role == Role::Maintainer)
}

/// The person of `keyring` whose key you sign with, if it lists it.
fn signer(keyring: &Keyring) -> Option<&avow_policy::keyring::Person> {
    let repo = open_repo().ok()?;
    let cfg = crate::git::Config::new(Some(&repo));
    let key = crate::keys::public_key(&cfg, Some(keyring))?;
    keyring.find_by_key(&key).map(|(p, _)| p)
}

/// What makes a keyring change take effect, after "avow: added …": a
/// commit a maintainer signs. Yours when your key is a maintainer's; else
/// `command` (which makes the same change) is for a maintainer to run.
fn take_effect(maintainer: bool, command: &str) -> String {
    if maintainer {
        "; commit .avow/keyring.toml for it to take effect (signed by your key: a change to .avow/ needs a maintainer's)".to_owned()
    } else {
        format!(
            " in this work tree only: a change to .avow/ takes effect only in a commit a maintainer signs, and your signing key is not a maintainer's in .avow/keyring.toml. \
             Send a maintainer this command, which makes the same change in their clone for them to commit:\n  {command}\n\
             and drop it here: `git restore .avow/keyring.toml`"
        )
    }
}

/// After a revocation: the commits on HEAD the key signed, which stop
/// verifying once it is committed, and — for a key that is merely retired —
/// the expiry that keeps them valid. Advice only; nothing is printed when
/// the key signed nothing here (or the history cannot be read).
fn warn_signed_history(keyring: &Keyring, fingerprint: &str) {
    let Some((person, key)) = keyring.find_by_fingerprint(fingerprint) else { return };
    let signed = signed_on_head(&key.public, &person.email);
    let Some((first, rest)) = signed.split_first() else { return };
    let more = match rest.len() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    crate::output::errln!(
        "avow: warning: this key signed {} commit{} on HEAD ({first}{more}); once the revocation is committed they no longer verify, whenever they were signed. \
         If the key is not in someone else's hands (its owner left the project, a machine was retired), expire it instead, which keeps them valid: \
         `git restore .avow/keyring.toml`, then `git avow keyring expire {fingerprint}`",
        signed.len(),
        if signed.len() == 1 { "" } else { "s" },
    );
}

/// The commits reachable from HEAD whose `Avow-Signature:` `key` made, as
/// `1a2b3c4d5e6f "subject"`, newest first. Only messages naming `email`
/// are checked (an attestation names its signer's email).
fn signed_on_head(key: &avow_sign::ssh_key::PublicKey, email: &str) -> Vec<String> {
    let Ok(repo) = open_repo() else { return Vec::new() };
    let Ok(mut walk) = repo.revwalk() else { return Vec::new() };
    if walk.push_head().is_err() {
        return Vec::new();
    }
    let email = email.to_ascii_lowercase();
    let mut found = Vec::new();
    for id in walk.flatten() {
        let Ok(commit) = repo.find_commit(id) else { continue };
        let Some(text) = avow_verify::commit::message_text(&commit) else { continue };
        if !text.contains(avow_core::attestation::SIGNATURE) || !text.to_ascii_lowercase().contains(&email) {
            continue;
        }
        let author = commit.author().email().unwrap_or_default().to_owned();
        if crate::resign::signed_by(key, &text, &author) {
            let subject = commit.summary().ok().flatten().unwrap_or_default().to_owned();
            found.push(format!("{} {subject:?}", &id.to_string()[..12]));
        }
    }
    found
}

/// `keyring rotate`, saying which key must sign the commit that records it.
fn rotate(path: &Path, old: &str, key: &str) -> Result<()> {
    let mut k = load(path)?;
    let old = key_argument(&k, old)?;
    let line = read_public_key_arg(key)?;
    // Whole seconds, like the signing time in Avow-Signature: a commit signed
    // in the same second as the rotation must count as after it.
    let at = now();
    // The person's other keys the current keyring trusts now (a second
    // machine's): any of them may sign the commit too.
    let others: Vec<String> = k
        .find_by_fingerprint(&old)
        .map(|(p, _)| {
            p.keys
                .iter()
                .filter(|o| o.fingerprint != old && o.status_at(at) == avow_policy::keyring::KeyStatus::Valid)
                .map(|o| o.fingerprint.clone())
                .collect()
        })
        .unwrap_or_default();
    let new = k.rotate(&old, &line, at).map_err(keyring_error)?.fingerprint.clone();
    save(path, &k)?;
    let (name, role) =
        k.find_by_fingerprint(&new).map_or((String::new(), Role::Contributor), |(p, _)| (p.name.clone(), p.role));
    crate::output::outln!("avow: {new} now succeeds {old}; commit .avow/keyring.toml for it to take effect")?;
    // The commit changes .avow/, so verify checks it against the keyring
    // *before* it, where only the old key is known.
    let signer = if role == Role::Maintainer {
        let also = if others.is_empty() { String::new() } else { format!(" (or their {})", others.join(", ")) };
        format!(
            "a maintainer's key that the current keyring already trusts — for {name} that is the old key {old}{also}, not the new one, which is trusted only once this commit is in the base",
        )
    } else {
        "a maintainer's key that the current keyring already trusts (a change to .avow/ needs a maintainer)".to_owned()
    };
    crate::output::outln!("avow: sign that commit with {signer}")?;
    Ok(())
}

/// `keyring import`: adds the keys of an `allowed_signers` file.
fn import(path: &Path, allowed_signers: &Path, role: &str) -> Result<()> {
    let mut k = load(path)?;
    let text = std::fs::read_to_string(allowed_signers).map_err(|e| {
        CliError::new(format!("cannot read {}: {e}", allowed_signers.display()))
            .hint("give --allowed-signers the path of an OpenSSH allowed_signers file")
    })?;
    let entries = Keyring::from_allowed_signers(&text, allowed_signers).map_err(keyring_error)?;
    let maintainer = signs_as_maintainer(&k);
    let before = k.clone();
    let n = k.import_allowed_signers(&entries, parse_role(role)?).map_err(keyring_error)?;
    save(path, &k)?;
    // An allowed_signers file kept for git's own signatures limits its keys
    // to `namespaces="git"`: say which entries that left out, and how to
    // take one on purpose.
    for entry in entries.iter().filter(|e| !e.allows_avow() && before.find_by_key(&e.key).is_none()) {
        let email = entry.principals.first().map_or("", String::as_str);
        let name = email.split('@').next().unwrap_or(email);
        crate::output::errln!(
            "avow: skipped line {} ({email}): its namespaces=\"{}\" do not include {}; if the key should sign attestations here too, add it: `{}`",
            entry.line,
            entry.namespaces.as_deref().unwrap_or_default().join(","),
            avow_policy::keyring::NAMESPACE,
            crate::identity::keyring_add_command(&k, &entry.key, name, email)
        );
    }
    let command = format!(
        "git avow keyring import --allowed-signers {} --role {}",
        shell_word(&allowed_signers.to_string_lossy()),
        shell_word(role)
    );
    let effect = if n == 0 { String::new() } else { take_effect(maintainer, &command) };
    crate::output::outln!(
        "avow: imported {n} key{} from {}{effect}",
        if n == 1 { "" } else { "s" },
        allowed_signers.display()
    )
}

/// Reads a public key given as a file path or a literal line.
pub fn read_public_key_arg(arg: &str) -> Result<String> {
    let trimmed = arg.trim();
    if ["ssh-", "sk-", "ecdsa-"].iter().any(|p| trimmed.starts_with(p)) {
        return Ok(trimmed.to_owned());
    }
    let path = crate::git::expand_home(trimmed);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CliError::new(format!("cannot read the public key {}: {e}", path.display()))
            .hint("give the path of a .pub file or an `ssh-ed25519 AAAA…` line")
    })?;
    text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).ok_or_else(|| {
        CliError::new(format!("{} holds no public key", path.display()))
            .hint("give the `.pub` file `ssh-keygen -t ed25519` wrote, or an `ssh-ed25519 AAAA…` line")
    })
}
