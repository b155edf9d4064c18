//! `git avow keyring …`: who may attest, in `.avow/keyring.toml` of the
//! work tree. Changes take effect for verification once committed and
//! part of the trusted base.

use std::path::{Path, PathBuf};

use avow_policy::keyring::{format_date, Keyring, KeyringError, Role};
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
    Add {
        /// The person's name.
        #[arg(long)]
        name: String,
        /// The person's email (what `Understood-by:` and the commit author use).
        #[arg(long)]
        email: String,
        /// Public key: a `.pub` file or an `ssh-ed25519 AAAA…` line.
        #[arg(long)]
        key: String,
        /// maintainer or contributor.
        #[arg(long, default_value = "contributor")]
        role: String,
        /// Last day the key may sign (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// Revoke a key: no signature by it verifies any more, whenever made.
    Revoke {
        /// The key's fingerprint (`SHA256:…`, as `keyring list` shows).
        fingerprint: String,
        /// Why (recorded in the keyring).
        #[arg(long)]
        reason: String,
        /// When it was compromised or retired (YYYY-MM-DD; default today).
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
    },
    /// Replace a key by a new one for the same person, now: the old key
    /// expires and the new one is added at this second, so what the old key
    /// signed until now stays valid.
    Rotate {
        /// The old key's fingerprint.
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

/// Parses a date given on the command line: YYYY-MM-DD (midnight UTC) or
/// RFC 3339.
pub fn parse_date(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| CliError::new(format!("`{s}` is not a date")).hint("write dates as YYYY-MM-DD"))
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
        KeyringError::UnknownKey { .. } => "copy the fingerprint (SHA256:…) from `git avow keyring list`",
        KeyringError::AlreadyRevoked { .. } => "nothing to do: `git avow keyring list` shows each key's state",
        KeyringError::BadKey { .. } => {
            "give an ed25519 public key: a `.pub` file or an `ssh-ed25519 AAAA…` line (`ssh-keygen -t ed25519` makes one)"
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
        KeyringCommand::Add { name, email, key, role, expires } => {
            let mut k = load(&path)?;
            let line = crate::cmd::init::read_public_key_arg(&key)?;
            let expires = expires.as_deref().map(parse_date).transpose()?;
            let fpr = k
                .add(&name, &email, parse_role(&role)?, &line, Some(crate::clock::today()), expires)
                .map_err(keyring_error)?
                .fingerprint
                .clone();
            save(&path, &k)?;
            crate::output::outln!(
                "avow: added {fpr} for {name} <{email}>; commit .avow/keyring.toml for it to take effect"
            )?;
        }
        KeyringCommand::Revoke { fingerprint, reason, at } => {
            let mut k = load(&path)?;
            let at = at.as_deref().map(parse_date).transpose()?.unwrap_or_else(crate::clock::now);
            k.revoke(&fingerprint, &reason, at).map_err(keyring_error)?;
            save(&path, &k)?;
            crate::output::outln!("avow: revoked {fingerprint}; commit .avow/keyring.toml for it to take effect")?;
        }
        KeyringCommand::Rotate { fingerprint, key } => {
            let mut k = load(&path)?;
            let line = crate::cmd::init::read_public_key_arg(&key)?;
            // Whole seconds, like the signing time in Avow-Signature: a commit signed
            // in the same second as the rotation must count as after it.
            let at = DateTime::from_timestamp(crate::clock::now().timestamp(), 0).unwrap_or_default();
            let new = k.rotate(&fingerprint, &line, at).map_err(keyring_error)?.fingerprint.clone();
            save(&path, &k)?;
            crate::output::outln!(
                "avow: {new} now succeeds {fingerprint}; commit .avow/keyring.toml for it to take effect"
            )?;
        }
        KeyringCommand::List { format } => {
            let k = load(&path)?;
            let now = crate::clock::now();
            match format {
                TextFormat::Human => {
                    let mut out = String::new();
                    for p in &k.people {
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
                        .people
                        .iter()
                        .map(|p| {
                            json!({
                                "name": p.name, "email": p.email, "role": p.role.to_string(),
                                "keys": p.keys.iter().map(|key| json!({
                                    "fingerprint": key.fingerprint,
                                    "algorithm": key.public.algorithm().to_string(),
                                    "status": key.status_at(now).to_string(),
                                    "added": key.added.map(format_date),
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

/// `keyring import`: adds the keys of an `allowed_signers` file.
fn import(path: &Path, allowed_signers: &Path, role: &str) -> Result<()> {
    let mut k = load(path)?;
    let text = std::fs::read_to_string(allowed_signers).map_err(|e| {
        CliError::new(format!("cannot read {}: {e}", allowed_signers.display()))
            .hint("give --allowed-signers the path of an OpenSSH allowed_signers file")
    })?;
    let entries = Keyring::from_allowed_signers(&text, allowed_signers).map_err(keyring_error)?;
    let n = k.import_allowed_signers(&entries, parse_role(role)?).map_err(keyring_error)?;
    save(path, &k)?;
    crate::output::outln!("avow: imported {n} key{} from {}", if n == 1 { "" } else { "s" }, allowed_signers.display())
}
