//! Finding the contributor's signing key, the way git finds an SSH signing
//! key: `avow.signingKey`, then `user.signingKey` when `gpg.format=ssh`
//! (a path or the literal `key::` form), then `gpg.ssh.defaultKeyCommand`,
//! then a key in the ssh-agent (the one the work tree's keyring lists for
//! you when it holds several), then `~/.ssh/id_ed25519`.

use avow_policy::keyring::Keyring;
use avow_sign::ssh_key::PublicKey;
use avow_sign::{KeySource, Signer};
use zeroize::Zeroizing;

use crate::error::{CliError, Result};
use crate::git::{expand_home, Config};

/// Reads a key setting: `key::…` or a bare public key line is a literal
/// key (its private half must be in the agent), anything else a path.
pub fn source_from_setting(value: &str) -> KeySource {
    let v = value.trim();
    if let Some(lit) = v.strip_prefix("key::") {
        KeySource::Literal(lit.trim().to_owned())
    } else if ["ssh-", "sk-", "ecdsa-"].iter().any(|p| v.starts_with(p)) {
        KeySource::Literal(v.to_owned())
    } else {
        KeySource::File(expand_home(v))
    }
}

/// Where the key comes from, and which setting chose it (for messages);
/// `true` when a setting named the key (no fallback to another one).
pub fn resolve(cfg: &Config) -> Result<(Vec<(KeySource, String)>, bool)> {
    let mut candidates = Vec::new();
    if let Some(v) = cfg.get("avow.signingKey").filter(|v| !v.trim().is_empty()) {
        candidates.push((source_from_setting(&v), format!("avow.signingKey ({v})")));
        return Ok((candidates, true));
    }
    let ssh_format = cfg.get("gpg.format").is_some_and(|f| f.eq_ignore_ascii_case("ssh"));
    if ssh_format {
        if let Some(v) = cfg.get("user.signingKey").filter(|v| !v.trim().is_empty()) {
            candidates.push((source_from_setting(&v), format!("user.signingKey ({v})")));
            return Ok((candidates, true));
        }
        if let Some(cmd) = cfg.get("gpg.ssh.defaultKeyCommand").filter(|v| !v.trim().is_empty()) {
            // As git does: a failing command is an error, not a reason to
            // pick some other key.
            let line = run_default_key_command(&cmd).map_err(|why| {
                CliError::new(format!("gpg.ssh.defaultKeyCommand ({cmd}) {why}"))
                    .hint(format!(
                        "fix the command (its first output line must be an SSH public key, e.g. `ssh-add -L`), or name a key file, which avow takes first: {}",
                        use_a_key("avow.signingKey", None)
                    ))
            })?;
            candidates.push((source_from_setting(&line), format!("gpg.ssh.defaultKeyCommand ({cmd})")));
            return Ok((candidates, true));
        }
    }
    if std::env::var_os("SSH_AUTH_SOCK").is_some() {
        candidates.push((KeySource::Agent, "the ssh-agent (SSH_AUTH_SOCK)".into()));
    }
    if let Some(home) = dirs::home_dir() {
        let p = home.join(".ssh/id_ed25519");
        if p.exists() {
            let label = format!("{}", p.display());
            candidates.push((KeySource::File(p), label));
        }
    }
    Ok((candidates, false))
}

/// `gpg.ssh.defaultKeyCommand`: its first output line is a public key.
fn run_default_key_command(cmd: &str) -> std::result::Result<String, String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("did not run: {e}"))?;
    if !out.status.success() {
        return Err(format!("failed ({})", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .ok_or_else(|| "printed no key".to_owned())
}

/// Asks for a key's passphrase on the terminal, without echo.
fn prompt_passphrase(path: &std::path::Path) -> std::result::Result<Zeroizing<String>, avow_sign::Error> {
    let unavailable =
        |reason: &str| avow_sign::Error::PassphraseUnavailable { path: path.to_path_buf(), reason: reason.into() };
    let Some(mut tty) = crate::tty::Tty::open() else { return Err(unavailable("no terminal to ask on")) };
    let reply = tty.ask_hidden(&format!("Enter passphrase for {}: ", path.display()));
    match reply {
        crate::tty::Reply::Text(p) => Ok(Zeroizing::new(p)),
        crate::tty::Reply::Invalid(why) => Err(unavailable(&why)),
        crate::tty::Reply::End => Err(unavailable(ON_TERMINAL_EOF)),
        crate::tty::Reply::Interrupted => Err(unavailable("interrupted")),
    }
}

/// What a hint naming `ssh-add` says first: `ssh-add` alone fails where no
/// agent runs, so start one.
fn agent_start() -> &'static str {
    if std::env::var_os("SSH_AUTH_SOCK").is_some_and(|s| !s.is_empty()) {
        ""
    } else {
        "start ssh-agent (`eval \"$(ssh-agent)\"`) and "
    }
}

/// A key file's path as one shell word, for a command in a hint.
fn shell_path(path: &std::path::Path) -> String {
    avow_verify::shell_word(&path.display().to_string())
}

/// The reason given when the terminal read end of input at the
/// passphrase prompt.
const ON_TERMINAL_EOF: &str = "end of input at the terminal";

/// The first of ssh's other default key files (ECDSA, RSA, security
/// keys) in `~/.ssh`, with its public half beside it. avow does not sign
/// with them unasked (only `~/.ssh/id_ed25519` is a default), but names
/// one when there is no key.
fn other_default_key() -> Option<&'static str> {
    let ssh = dirs::home_dir()?.join(".ssh");
    ["id_ecdsa", "id_rsa", "id_ed25519_sk", "id_ecdsa_sk"]
        .into_iter()
        .find(|name| ssh.join(name).is_file() && ssh.join(format!("{name}.pub")).is_file())
}

/// The commands that point `setting` at a key avow signs with, each in
/// backticks, runnable as printed: `~/.ssh/id_ed25519` when it is there
/// and is not `refused` (the key just turned down), else one made for it
/// first (under another name when a refused key holds that one). A
/// placeholder such as `~/.ssh/KEY` cannot be pasted.
pub fn use_a_key(setting: &str, refused: Option<&std::path::Path>) -> String {
    let (name, make) = fresh_ed25519(refused);
    let point = format!("`git config {setting} ~/.ssh/{name}`");
    if make {
        format!("make one with `ssh-keygen -t ed25519 -f ~/.ssh/{name}`, then {point}")
    } else {
        point
    }
}

/// The file name in `~/.ssh` of an ed25519 key to use, and whether
/// `ssh-keygen` must make it first: `id_ed25519` when it exists and is
/// not `refused`; otherwise a name free for a new key.
pub fn fresh_ed25519(refused: Option<&std::path::Path>) -> (&'static str, bool) {
    let Some(ssh) = dirs::home_dir().map(|h| h.join(".ssh")) else { return ("id_ed25519", true) };
    let default = ssh.join("id_ed25519");
    let is_refused = |p: &std::path::Path| {
        refused.is_some_and(|r| {
            let r = r.canonicalize().unwrap_or_else(|_| r.to_path_buf());
            [p.to_path_buf(), p.with_extension("pub")].iter().any(|c| c.canonicalize().is_ok_and(|c| c == r))
        })
    };
    if default.is_file() && default.with_extension("pub").is_file() && !is_refused(&default) {
        ("id_ed25519", false)
    } else if !default.exists() {
        ("id_ed25519", true)
    } else {
        ("id_ed25519_avow", !ssh.join("id_ed25519_avow").exists())
    }
}

/// The key file of an error that only says the key is locked (no
/// passphrase to be had, or a wrong one), needs the agent (a security
/// key's handle) or is not in it: adding it to ssh-agent is the fix.
fn locked_key(e: &avow_sign::Error) -> Option<&std::path::Path> {
    match e {
        avow_sign::Error::PassphraseUnavailable { path, .. }
        | avow_sign::Error::WrongPassphrase { path }
        | avow_sign::Error::SecurityKeyNeedsAgent { path } => Some(path),
        // The agent runs but lacks the key, whose file is there to add.
        avow_sign::Error::KeyNotInAgent { path: Some(path), .. } if path.is_file() => Some(path),
        _ => None,
    }
}

/// How many times a wrong passphrase may be typed.
const PASSPHRASE_TRIES: usize = 3;

/// Loads a signer, asking again (up to [`PASSPHRASE_TRIES`] times) when
/// the passphrase typed is wrong.
fn load_with_tries(
    source: &KeySource,
    passphrase: &mut avow_sign::PassphraseFn<'_>,
) -> std::result::Result<Signer, avow_sign::Error> {
    // Only a key file can ask for a passphrase.
    let _quiet = matches!(source, KeySource::File(_)).then(crate::tty::quiet).flatten();
    let mut tries = 0;
    loop {
        tries += 1;
        match Signer::load(source, passphrase) {
            Err(avow_sign::Error::WrongPassphrase { path }) if tries < PASSPHRASE_TRIES => {
                crate::output::errln!("avow: wrong passphrase for {}; try again", path.display());
            }
            other => {
                if crate::tty::asked_secret() {
                    // Extra lines typed at the passphrase prompt must not reach the shell.
                    if let Some(mut tty) = crate::tty::Tty::open() {
                        tty.discard_input();
                    }
                }
                return other;
            }
        }
    }
}

/// Loads the signer, trying each candidate in order. An explicitly
/// configured key that fails is an error (no silent fallback to another
/// key); the implicit candidates are tried one after another. From an
/// ssh-agent holding several keys, the one `keyring` lists (for the
/// committer's email first) is taken.
pub fn signer_knowing(cfg: &Config, keyring: Option<&Keyring>) -> Result<Signer> {
    signer_with(cfg, keyring, &mut prompt_passphrase).map(|(signer, _)| signer).map_err(|e| {
        // Doctor checks the whole set-up; its own output does not say so.
        match e.hint.as_deref() {
            Some(h) if h.starts_with("point ") || h.starts_with("add the key to ssh-agent") => {
                let hint = format!("{h}; `git avow doctor` checks the set-up");
                e.hint(hint)
            }
            _ => e,
        }
    })
}

/// [`signer_knowing`] with the work tree's keyring, when there is one.
pub fn signer(cfg: &Config) -> Result<Signer> {
    let keyring = crate::git::open_repo()
        .ok()
        .and_then(|repo| Keyring::load(&repo.workdir()?.join(avow_verify::trust::KEYRING_PATH)).ok());
    signer_knowing(cfg, keyring.as_ref())
}

/// Which of the agent's keys to sign with: the keyring's key of the
/// committer's email, else any keyring key, else the agent's first
/// (a key in memory before a security key). With a description.
fn choose_agent_key(keys: &[PublicKey], keyring: Option<&Keyring>, email: &str) -> Option<(PublicKey, String)> {
    let listed = |k: &&PublicKey| keyring.and_then(|r| r.find_by_key(k));
    let of = |i: usize| format!("key {} of {}", i + 1, keys.len());
    if let Some((i, k)) =
        keys.iter().enumerate().find(|(_, k)| listed(k).is_some_and(|(p, _)| p.email.eq_ignore_ascii_case(email)))
    {
        return Some((k.clone(), format!("{}, the one .avow/keyring.toml lists for <{email}>", of(i))));
    }
    if let Some((i, k)) = keys.iter().enumerate().find(|(_, k)| listed(k).is_some()) {
        let owner = listed(&k).map(|(p, _)| p.email.clone()).unwrap_or_default();
        return Some((k.clone(), format!("{}, which .avow/keyring.toml lists for <{owner}>", of(i))));
    }
    let i = keys.iter().position(|k| !avow_sign::is_security_key(k.key_data())).unwrap_or(0);
    let none = if keyring.is_some() { ", none of them in .avow/keyring.toml" } else { "" };
    keys.get(i).map(|k| (k.clone(), format!("{}{none}", of(i))))
}

/// [`resolve`]'s candidates, with the agent's named as the key to take
/// from it, so that several keys are no guess.
fn candidates(cfg: &Config, keyring: Option<&Keyring>) -> Result<(Vec<(KeySource, String)>, bool)> {
    let (mut candidates, explicit) = resolve(cfg)?;
    if let (Some(at), Some(socket)) = (
        candidates.iter().position(|(s, _)| *s == KeySource::Agent),
        std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()),
    ) {
        let email = cfg.user().map(|(_, e)| e).unwrap_or_default();
        if let Ok(keys) = avow_sign::agent_keys(std::path::Path::new(&socket)) {
            if let Some((key, why)) = choose_agent_key(&keys, keyring, &email) {
                let line = key.to_openssh().unwrap_or_default();
                candidates[at] = (KeySource::Literal(line), format!("the ssh-agent (SSH_AUTH_SOCK), {why}"));
            }
        }
    }
    Ok((candidates, explicit))
}

/// The public half of the key [`signer_knowing`] would sign with, read
/// without a passphrase or the agent's help (`None` when none is found):
/// to tell whether a signature is yours before asking to sign.
pub fn public_key(cfg: &Config, keyring: Option<&Keyring>) -> Option<PublicKey> {
    let socket = std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()).map(std::path::PathBuf::from);
    let (candidates, _) = candidates(cfg, keyring).ok()?;
    candidates.iter().find_map(|(source, _)| avow_sign::public_key_of(source, socket.as_deref()).ok())
}

/// Like [`signer_knowing`], with the passphrase callback given; also
/// returns which setting (or source) the key came from. Its errors do not
/// point at `git avow doctor` (doctor itself calls this).
pub fn signer_with(
    cfg: &Config,
    keyring: Option<&Keyring>,
    passphrase: &mut avow_sign::PassphraseFn<'_>,
) -> Result<(Signer, String)> {
    let (candidates, explicit) = candidates(cfg, keyring)?;
    if candidates.is_empty() {
        let error = CliError::new("no SSH signing key found (no avow.signingKey, no agent, no ~/.ssh/id_ed25519)");
        return Err(match other_default_key() {
            Some(name) => error.hint(format!(
                "sign with the key you have: `git config avow.signingKey ~/.ssh/{name}` (or create an ed25519 one with `ssh-keygen -t ed25519`)"
            )),
            None => error.hint(
                "create one with `ssh-keygen -t ed25519` or point to yours with `git config avow.signingKey ~/.ssh/KEY`",
            ),
        });
    }
    let mut last = None;
    let mut locked = None;
    for (source, label) in candidates {
        if let avow_sign::KeySource::File(p) = &source {
            if let Some(w) = avow_sign::permissions_warning(p) {
                crate::output::errln!("avow: warning: {w}");
            }
        }
        match load_with_tries(&source, passphrase) {
            Ok(s) => {
                // `NAME.pub` configured: the private key read is `NAME`.
                let checked = matches!(&source, avow_sign::KeySource::File(p) if Some(p.as_path()) == s.key_file());
                if let Some(w) = s.key_file().filter(|_| !checked).and_then(avow_sign::permissions_warning) {
                    crate::output::errln!("avow: warning: {w}");
                }
                return Ok((s, label));
            }
            Err(avow_sign::Error::PassphraseUnavailable { path, reason }) if reason == ON_TERMINAL_EOF => {
                // The terminal is there: saying "run it from a terminal" would be false.
                return Err(CliError::new(format!(
                    "no passphrase was typed for {} (end of input at the terminal)",
                    path.display()
                ))
                .hint(format!(
                    "run it again and type the passphrase, or {}add the key to ssh-agent with `ssh-add {}`",
                    agent_start(),
                    shell_path(&path)
                )));
            }
            Err(e) if explicit => {
                // The key is right, only locked: pointing the setting at
                // another key would not help.
                if let Some(path) = locked_key(&e) {
                    return Err(CliError::new(format!("cannot use the key from {label}: {e}")).hint(format!(
                        "{}add the key to ssh-agent once per session, `ssh-add {}`, and avow signs without asking (in IDEs and scripts too)",
                        agent_start(),
                        shell_path(path)
                    )));
                }
                let setting = label.split(" (").next().unwrap_or("avow.signingKey");
                // The setting in force, and how to point it at another key.
                let refused = match &source {
                    avow_sign::KeySource::File(p) => Some(p.as_path()),
                    _ => None,
                };
                let fix = match setting {
                    "gpg.ssh.defaultKeyCommand" => {
                        format!("fix the command, or name a key file, which avow takes first: {}", use_a_key("avow.signingKey", refused))
                    }
                    "user.signingKey" => format!(
                        "point user.signingKey at an ed25519, ECDSA or RSA key (git signs with it too): {}; or give avow its own with avow.signingKey",
                        use_a_key("user.signingKey", refused)
                    ),
                    s => format!("point {s} at an ed25519, ECDSA or RSA key: {}", use_a_key(s, refused)),
                };
                return Err(CliError::new(format!("cannot use the key from {label}: {e}")).hint(fix));
            }
            Err(e) => {
                // A default key that is only locked: pointing the setting
                // at it would fail the same way; unlocking it works.
                locked = locked.or_else(|| locked_key(&e).map(shell_path));
                last = Some(format!("{label}: {e}"));
            }
        }
    }
    let error = CliError::new(format!("no usable SSH signing key ({})", last.unwrap_or_default()));
    Err(match locked {
        Some(path) => error.hint(format!(
            "{}add the key to ssh-agent once per session, `ssh-add {path}`, and avow signs without asking (in IDEs and scripts too)",
            agent_start()
        )),
        None => error.hint(
            "set `git config avow.signingKey ~/.ssh/id_ed25519` (an ed25519, ECDSA or RSA key), or add one to ssh-agent",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        assert!(
            matches!(source_from_setting("key::ssh-ed25519 AAAA x"), KeySource::Literal(s) if s == "ssh-ed25519 AAAA x")
        );
        assert!(matches!(source_from_setting("ssh-ed25519 AAAA"), KeySource::Literal(_)));
        assert!(matches!(source_from_setting("/k/id"), KeySource::File(p) if p == std::path::Path::new("/k/id")));
    }
}
