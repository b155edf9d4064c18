//! `git avow init`: adopt avow in a repository.

use std::path::Path;

use avow_policy::keyring::{Keyring, NewKey, Role};
use avow_policy::policy::Policy;
use avow_verify::trust::{KEYRING_PATH, POLICY_PATH};

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, workdir, Config};
use crate::keys;

/// Write `.avow/policy.toml` and `.avow/keyring.toml`, with you as the
/// first maintainer.
///
/// Commit both files; from then on, `git avow verify BASE..TIP` checks
/// every commit after BASE against them. In a project with history, the
/// commits before adopting are exempt (`adoption.since`, set to the last
/// published commit).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy to start from: no-ai, disclose or no-autonomous
    /// (docs/policy.md explains each).
    #[arg(long, default_value = "disclose", value_name = "NAME")]
    pub preset: String,
    /// Your public key (a `.pub` file or an `ssh-ed25519 …` line) instead
    /// of the configured signing key.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args) -> Result<Outcome> {
    let repo = open_repo()?;
    let dir = workdir(&repo)?;
    let cfg = Config::new(Some(&repo));
    let policy_text = Policy::preset_toml(&args.preset)
        .map_err(|e| CliError::new(e.to_string()).hint(format!("choose one of: {}", Policy::PRESETS.join(", "))))?;
    for rel in [POLICY_PATH, KEYRING_PATH] {
        if dir.join(rel).exists() && !args.force {
            // The command as given, with --force: run as printed, it
            // starts over with the preset and key asked for.
            let quote = avow_verify::shell_word;
            let key = args.key.as_deref().map(|k| format!(" --key {}", quote(k))).unwrap_or_default();
            return Err(CliError::new(format!("{rel} already exists")).hint(format!(
                "edit it, or start over with `git avow init --preset {}{key} --force`",
                quote(&args.preset)
            )));
        }
    }
    let (name, email) = cfg.user()?;
    let key_line = match &args.key {
        Some(k) => crate::cmd::keyring::read_public_key_arg(k)?,
        None => keys::signer_knowing(&cfg, None)?.public_key().to_openssh().map_err(|e| {
            CliError::new(format!("cannot write your public key as text: {e}")).hint("give it with --key PUB instead")
        })?,
    };
    let mut keyring = Keyring::default();
    keyring
        .add(&NewKey {
            name: Some(&name),
            email: &email,
            role: Some(Role::Maintainer),
            key: &key_line,
            added: Some(crate::cmd::keyring::now()),
            ..NewKey::default()
        })
        .map_err(|e| CliError::new(e.to_string()).hint(other_key_hint(args)))?;
    // A project with history adopts avow from now on: its earlier commits
    // carry no attestation and are exempt (docs/policy.md, `adoption.since`).
    let since = adoption_point(&repo);
    let policy_text = match since {
        Some(id) => policy_text.replace(
            PRESET_SINCE,
            &format!("# Set by `git avow init`: the history before adopting avow.\nsince = \"{id}\""),
        ),
        None => policy_text.to_owned(),
    };
    std::fs::create_dir_all(dir.join(avow_policy::AVOW_DIR)).map_err(|e| {
        CliError::new(format!("cannot create {}: {e}", dir.join(avow_policy::AVOW_DIR).display()))
            .hint("move away whatever is in the way (a file named .avow?), or make the work tree writable")
    })?;
    write(&dir.join(POLICY_PATH), &policy_text)?;
    write(&dir.join(KEYRING_PATH), &keyring.to_toml())?;
    crate::output::outln!(
        "avow: wrote {POLICY_PATH} (preset {}) and {KEYRING_PATH} ({name} <{email}> as maintainer)",
        args.preset
    )?;
    if let Some(id) = since {
        crate::output::outln!(
            "avow: commits up to {} (the history before adopting) are exempt: adoption.since in {POLICY_PATH}",
            &id.to_string()[..12]
        )?;
    }
    crate::output::outln!("avow: next: `git avow install`, then commit .avow/ — the first attested commit")?;
    Ok(Outcome::Ok)
}

/// For a key the keyring refuses: the commands that adopt avow with an
/// ed25519 key instead, as printed (yours when `~/.ssh/id_ed25519` is there
/// and is not the refused one, else one made first), and sign with it.
fn other_key_hint(args: &Args) -> String {
    let refused = args.key.as_deref().map(Path::new).filter(|p| p.is_file());
    let (name, make) = keys::fresh_ed25519(refused);
    let make =
        if make { format!("make one with `ssh-keygen -t ed25519 -f ~/.ssh/{name}`, then ") } else { String::new() };
    format!(
        "give an ed25519, ECDSA or RSA (2048+ bits) key: {make}`git avow init --preset {} --key ~/.ssh/{name}.pub`, and sign with it: `git config avow.signingKey ~/.ssh/{name}`",
        avow_verify::shell_word(&args.preset)
    )
}

/// The presets' commented-out `adoption.since` line.
const PRESET_SINCE: &str = "# since = \"v1.4.0\"";

/// Where a repository with history adopts avow: the last commit already
/// published (HEAD, or where HEAD leaves its upstream), so that the
/// adoption's own branch, squashed or rebased by a forge, keeps it in the
/// default branch's history. None without commits, or when HEAD already
/// has `.avow/` (`init --force` keeps auditing the attested history).
fn adoption_point(repo: &git2::Repository) -> Option<git2::Oid> {
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    if head.tree().ok()?.get_path(Path::new(avow_policy::AVOW_DIR)).is_ok() {
        return None;
    }
    let published = repo
        .revparse_single("@{upstream}")
        .ok()
        .and_then(|u| u.peel_to_commit().ok())
        .and_then(|u| repo.merge_base(head.id(), u.id()).ok());
    Some(published.unwrap_or(head.id()))
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| {
        CliError::new(format!("cannot write {}: {e}", path.display()))
            .hint("move away whatever is in the way, or make .avow/ writable")
    })
}
