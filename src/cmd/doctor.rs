//! `git avow doctor`: checks the local set-up and says how to fix each
//! problem.

use std::path::{Path, PathBuf};

use avow_policy::keyring::{KeyStatus, Keyring};
use avow_sign::ssh_key::PublicKey;
use git2::Repository;

use crate::cmd::install::{baked_binary, hooks_dir, is_ours, CHAINED, HOOKS};
use crate::error::{Outcome, Result};
use crate::git::{expand_home, open_repo, Config};
use crate::keys;

/// Check git, the hooks, the signing key, the keyring and the policy, and
/// say how to fix each problem.
///
/// Exit 0 when every check passes (warnings allowed), 1 when one fails.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// The oldest git avow supports: `git commit --trailer` came in 2.32.
const MIN_GIT: (u32, u32) = (2, 32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

struct Check {
    status: Status,
    what: &'static str,
    detail: String,
    fix: Option<String>,
}

impl Check {
    fn ok(what: &'static str, detail: impl Into<String>) -> Check {
        Check { status: Status::Ok, what, detail: detail.into(), fix: None }
    }
    fn skip(what: &'static str, detail: impl Into<String>) -> Check {
        Check { status: Status::Skip, what, detail: detail.into(), fix: None }
    }
    fn fail(what: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { status: Status::Fail, what, detail: detail.into(), fix: Some(fix.into()) }
    }
    fn warn(what: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { status: Status::Warn, what, detail: detail.into(), fix: Some(fix.into()) }
    }

    fn render(&self) -> String {
        let word = match self.status {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "-",
        };
        let mut out = format!("{word:<5} {}: {}\n", self.what, self.detail);
        if let Some(fix) = &self.fix {
            out.push_str(&format!("      fix: {fix}\n"));
        }
        out
    }
}

/// Parses `git version 2.47.1` (and vendor suffixes like `.windows.1`).
pub fn parse_git_version(s: &str) -> Option<(u32, u32)> {
    let v = s.trim().strip_prefix("git version ")?;
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

fn check_git() -> Check {
    let out = std::process::Command::new("git").arg("--version").output();
    let text = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => return Check::fail("git", "`git --version` did not run", "install git 2.32 or later and put it on PATH"),
    };
    match parse_git_version(&text) {
        Some(v) if v >= MIN_GIT => Check::ok("git", text),
        Some(_) => Check::fail(
            "git",
            format!("{text} is too old (`git commit --trailer` needs {}.{})", MIN_GIT.0, MIN_GIT.1),
            format!("upgrade git to {}.{} or later", MIN_GIT.0, MIN_GIT.1),
        ),
        None => {
            Check::warn("git", format!("cannot read the version in {text:?}"), "make sure git 2.32 or later is on PATH")
        }
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

fn check_path() -> Check {
    match find_on_path("git-avow") {
        Some(p) => Check::ok("git-avow", format!("{} is on PATH", p.display())),
        None => Check::warn(
            "git-avow",
            "not on PATH, so `git avow …`, the scripts in hooks/ and the pre-commit hooks cannot find it (hooks from `git avow install` use this binary's path)",
            "install it with `cargo install --path .` in avow's repository, or add its directory to PATH",
        ),
    }
}

/// Whether the hook file at `path` (or the configuration of the hook
/// manager it belongs to) runs `git avow hook NAME`; with a description.
fn runs_avow(repo: &Repository, path: &Path, hook: &str) -> std::result::Result<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    if is_ours(path) {
        // The script runs the binary that installed it, else git-avow on PATH.
        let baked = baked_binary(&text);
        // A direct hook has no fallback: git runs the binary its `#!` line names.
        let direct = text.starts_with("#!") && !text.starts_with("#!/bin/sh");
        if !baked.as_deref().is_some_and(is_executable) && (direct || find_on_path("git-avow").is_none()) {
            return Err(format!(
                "{} runs {}, which is gone, {}",
                path.display(),
                baked.map_or_else(|| "an unknown binary".to_owned(), |b| b.display().to_string()),
                if direct {
                    "and git runs it directly (git-avow on PATH does not stand in)"
                } else {
                    "and git-avow is not on PATH either"
                }
            ));
        }
        let chained = path.with_file_name(format!("{hook}{CHAINED}"));
        return Ok(if chained.exists() {
            format!("avow's, after your own {}", chained.display())
        } else {
            "avow's".to_owned()
        });
    }
    if text.contains("avow hook") {
        return Ok("a script that runs `git avow hook`".to_owned());
    }
    let work = repo.workdir().unwrap_or_else(|| repo.path());
    let mentions = |files: &[&str], needle: &str| {
        files.iter().any(|f| std::fs::read_to_string(work.join(f)).is_ok_and(|t| t.contains(needle)))
    };
    let (manager, found, config) = if text.contains("pre-commit") {
        let id = format!("avow-{hook}");
        ("pre-commit", mentions(&[".pre-commit-config.yaml"], &id), ".pre-commit-config.yaml".to_owned())
    } else if text.contains("lefthook") {
        let files = ["lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml"];
        ("lefthook", mentions(&files, "avow hook"), "lefthook.yml".to_owned())
    } else if text.contains("husky") || path.parent().is_some_and(|d| d.ends_with(".husky/_")) {
        let file = format!(".husky/{hook}");
        ("husky", mentions(&[file.as_str()], "avow hook"), file)
    } else {
        return Err(format!("{} does not run avow", path.display()));
    };
    if found {
        Ok(format!("run by {manager} ({config})"))
    } else {
        Err(format!("{} belongs to {manager}, and {config} does not run avow's {hook} hook", path.display()))
    }
}

fn check_hooks(repo: &Repository, cfg: &Config) -> Vec<Check> {
    let enabled = match cfg.get_bool("avow.enabled") {
        Ok(enabled) => enabled,
        Err(e) => return vec![Check::fail("hooks", e.message, e.hint.unwrap_or_default())],
    };
    if enabled == Some(false) {
        return vec![Check::fail(
            "hooks",
            "avow.enabled is false, so the hooks do nothing",
            "git config --unset avow.enabled",
        )];
    }
    let dir = hooks_dir(repo);
    let all = ["commit-msg", "prepare-commit-msg"];
    if all.iter().all(|h| !dir.join(h).exists()) {
        return vec![Check::fail(
            "hooks",
            format!("none of {} is in {}; commits will not be attested", all.join(", "), dir.display()),
            "`git avow install`, or run `git avow hook …` from your hook manager (docs/integrations.md)",
        )];
    }
    let mut checks = Vec::new();
    for hook in HOOKS {
        let path = dir.join(hook);
        let problem = if !path.exists() {
            Err(format!("no {hook} hook in {}", dir.display()))
        } else if !is_executable(&path) {
            Err(format!("{} is not executable, so git skips it", path.display()))
        } else {
            runs_avow(repo, &path, hook)
        };
        let what = label(hook);
        let fix = if without(hook).is_empty() {
            format!(
                "`git avow install` (it keeps and chains a hook that is there), or run `git avow hook {hook}` from your hook manager (docs/integrations.md)"
            )
        } else {
            // Hook managers often do not offer these hooks: installing
            // only avow's one beside them works with any manager.
            format!(
                "`git avow install --hook {hook}` (it keeps and chains a hook that is there, and adds only this one beside a hook manager), or run `git avow hook {hook}` from your hook manager (docs/integrations.md)"
            )
        };
        checks.push(match (problem, hook == "commit-msg") {
            (Ok(how), _) => Check::ok(what, how),
            (Err(p), true) => Check::fail(what, format!("{p}; commits will not be attested"), fix),
            (Err(p), false) => Check::warn(what, format!("{p}{}", without(hook)), fix),
        });
    }
    checks
}

/// The check's name for `hook`.
fn label(hook: &str) -> &'static str {
    match hook {
        "commit-msg" => "hook commit-msg",
        "prepare-commit-msg" => "hook prepare-commit-msg",
        "post-commit" => "hook post-commit",
        "post-rewrite" => "hook post-rewrite",
        "post-applypatch" => "hook post-applypatch",
        _ => "hook",
    }
}

/// What goes unsaid without `hook` (the ones whose absence is not plain).
fn without(hook: &str) -> &'static str {
    match hook {
        "post-rewrite" => {
            "; after a rebase that changes your commits' changes (a conflict resolved), nothing re-signs them or names `git avow reattest`"
        }
        "post-applypatch" => "; after `git am` with conflicts, nothing names `git avow reattest` for the changed commits",
        _ => "",
    }
}

/// Windows has no executable bit: Git for Windows runs any hook file.
#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    true
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata().is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

/// The signing key as the hook would find it, without asking for a
/// passphrase: an encrypted key is reported by its public half.
fn check_key(repo: &Repository, cfg: &Config) -> (Check, Option<PublicKey>) {
    let keyring = crate::local::keyring(repo);
    let mut locked: Option<PathBuf> = None;
    let mut no_prompt = |p: &Path| {
        locked = Some(p.to_path_buf());
        Err(avow_sign::Error::PassphraseUnavailable {
            path: p.to_path_buf(),
            reason: "doctor does not ask for passphrases".into(),
        })
    };
    match keys::signer_with(cfg, keyring.as_ref(), &mut no_prompt) {
        Ok((signer, from)) => {
            let how = if signer.uses_agent() { "through the ssh-agent" } else { "from the key file" };
            let fpr = avow_sign::fingerprint(signer.public_key());
            // A key file can read and still not sign (an RSA key whose
            // parts disagree): the hook's "signing failed" sends people
            // here, so sign once (a key file only: an agent may ask for a
            // touch).
            if !signer.uses_agent() {
                if let Err(e) = signer.sign(b"git avow doctor") {
                    return (
                        Check::fail(
                            "signing key",
                            format!("{fpr} from {from} cannot sign: {e}"),
                            "the key file is damaged: make a new key with `ssh-keygen -t ed25519` and have a maintainer rotate to it (`git avow keyring rotate`)",
                        ),
                        None,
                    );
                }
            }
            (Check::ok("signing key", format!("{fpr} from {from}, signing {how}")), Some(signer.public_key().clone()))
        }
        Err(e) => {
            if let Some(public) = locked.as_deref().and_then(public_half) {
                let fpr = avow_sign::fingerprint(&public);
                let path = locked.unwrap_or_default();
                return (
                    Check::ok(
                        "signing key",
                        format!("{fpr} from {}, passphrase-protected (the hook asks for it)", path.display()),
                    ),
                    Some(public),
                );
            }
            let fix = e.hint.unwrap_or_else(|| "set `git config avow.signingKey ~/.ssh/id_ed25519`".into());
            (Check::fail("signing key", e.message, fix), None)
        }
    }
}

/// The public key of an OpenSSH private key file (readable without the
/// passphrase), or of the `.pub` file beside it.
fn public_half(private: &Path) -> Option<PublicKey> {
    let text = std::fs::read_to_string(private).ok()?;
    if let Ok(key) = avow_sign::ssh_key::PrivateKey::from_openssh(&text) {
        return Some(key.public_key().clone());
    }
    let pub_text = std::fs::read_to_string(format!("{}.pub", private.display())).ok()?;
    avow_sign::parse_public_key(pub_text.trim()).ok()
}

fn check_keyring(repo: &Repository, cfg: &Config, key: Option<&PublicKey>) -> Check {
    if repo.workdir().is_none() {
        return Check::skip("keyring", "a bare repository has no work tree");
    }
    let Some(keyring) = crate::local::keyring_file(repo) else {
        return Check::fail(
            "keyring",
            format!("{} does not exist: this repository has not adopted avow", avow_verify::trust::KEYRING_PATH),
            "a maintainer runs `git avow init` and commits .avow/",
        );
    };
    let keyring = match keyring {
        Ok(k) => k,
        Err(e) => return Check::fail("keyring", e, "fix .avow/keyring.toml (docs/keyring.md)"),
    };
    // What loading leaves out for its cost: a prime RSA modulus (entry 116).
    if let Some((person, k, why)) = keyring.weak_keys().into_iter().next() {
        return Check::fail(
            "keyring",
            format!(
                "{}: key {} of {} <{}>: {why}",
                avow_verify::trust::KEYRING_PATH,
                k.fingerprint,
                person.name,
                person.email
            ),
            format!(
                "a maintainer removes the key: git avow keyring revoke {} --reason \"not a real key\"",
                k.fingerprint
            ),
        );
    }
    let Some(key) = key else { return Check::skip("keyring", "no signing key to look up") };
    let fpr = avow_sign::fingerprint(key);
    let (name, email) = cfg.user().unwrap_or_default();
    let Some((person, entry)) = keyring.find_by_key(key) else {
        if let Some(base) = crate::local::base_listing(repo, key) {
            return Check::warn(
                "keyring",
                crate::identity::added_at_base(key, &base),
                format!("git rebase {}", avow_verify::shell_word(&base)),
            );
        }
        return Check::fail(
            "keyring",
            format!("your key {fpr} is not in .avow/keyring.toml, so the verifier will reject your commits"),
            format!(
                "send your public key to a maintainer, who runs `{}`",
                crate::identity::keyring_add_command(&keyring, key, &name, &email)
            ),
        );
    };
    let status = entry.status_at(crate::clock::now());
    if let KeyStatus::Revoked { .. } | KeyStatus::Expired { .. } | KeyStatus::NotYetValid { .. } = status {
        return Check::fail(
            "keyring",
            format!("your key {fpr} ({} <{}>) is {status}", person.name, person.email),
            crate::identity::stale_key_fix(person),
        );
    }
    if !person.email.eq_ignore_ascii_case(&email) {
        return Check::fail(
            "keyring",
            format!(
                "your key {fpr} belongs to {} <{}>, but user.email is {email:?}; your commits' author must be the key's owner",
                person.name, person.email
            ),
            format!("git config user.email {}", avow_verify::shell_word(&person.email)),
        );
    }
    let user_name = cfg.user().map(|(n, _)| n).unwrap_or_default();
    if !user_name.trim().is_empty() && !avow_core::attestation::Person::same_name(&user_name, &person.name) {
        return Check::warn(
            "keyring",
            format!(
                "{fpr} belongs to {} <{}> ({}), but user.name is {user_name:?}: your attestations will name you so, and verify warns (understood-by.name)",
                person.name,
                person.email,
                person.role.as_str()
            ),
            // Single-quoted: the work tree's keyring chose the name.
            format!("git config user.name {}", avow_verify::shell_word(&person.name)),
        );
    }
    Check::ok("keyring", format!("{fpr} belongs to {} <{}> ({})", person.name, person.email, person.role.as_str()))
}

/// The verifier trusts the base, not the work tree: a key added only
/// locally (or on an unmerged branch) is not trusted yet. Checked against
/// the current branch's upstream, when there is one.
/// The work tree's policy, which the hook applies to every commit: a
/// file verify cannot read at the base either (a typo, an unknown field)
/// refuses every commit. Not checked before adoption (the keyring check
/// says so).
fn check_policy(repo: &Repository) -> Option<Check> {
    // Not adopted: the keyring check says so.
    let _keyring = crate::local::avow_text(repo, avow_verify::trust::KEYRING_PATH)?;
    let path = avow_verify::trust::POLICY_PATH;
    if crate::local::avow_text(repo, path).is_none() {
        return Some(Check::fail(
            "policy",
            format!("{path} does not exist, and verify needs it beside the keyring"),
            format!("restore it from git: `git checkout HEAD -- {path}`"),
        ));
    }
    Some(match crate::local::policy(repo) {
        Ok(policy) => {
            let allowed: Vec<&str> = policy.authorship.allowed.iter().map(|a| a.as_str()).collect();
            Check::ok("policy", format!("{path} accepts {}", allowed.join(", ")))
        }
        Err(e) => Check::fail("policy", e.message, e.hint.unwrap_or_default()),
    })
}

/// The keyring CI trusts is the one of the branch the work goes into —
/// each remote's default branch, or local `main`/`master`
/// ([`crate::local::base_branches`]) — not the branch's own upstream, which
/// for a pushed topic branch is the contributor's own copy: a key added
/// there is not trusted. The upstream counts only when there is no such
/// branch. Fine when any of them lists the key.
fn check_upstream_keyring(repo: &Repository, key: Option<&PublicKey>) -> Option<Check> {
    let key = key?;
    let mut bases = crate::local::base_branches(repo, false);
    if bases.is_empty() {
        bases = crate::local::base_branches(repo, true);
    }
    let adopted: Vec<String> =
        bases.into_iter().filter(|b| avow_verify::trust::Trusted::is_adopted(repo, b).unwrap_or(false)).collect();
    let fpr = avow_sign::fingerprint(key);
    if let Some(name) = adopted.iter().find(|b| crate::local::lists_key(repo, b, key)) {
        return Some(Check::ok("trusted keyring", format!("{fpr} is in {name}'s .avow/keyring.toml, which CI trusts")));
    }
    let name = adopted.first()?;
    Some(Check::fail(
        "trusted keyring",
        format!(
            "{fpr} is not in {name}'s .avow/keyring.toml, which `git avow verify {}` trusts",
            avow_verify::shell_word(&format!("{name}..HEAD"))
        ),
        "ask a maintainer to add your key on the main branch; a key added only in your own branch is not trusted",
    ))
}

/// `gpg.ssh.allowedSignersFile`, which git and `ssh-keygen -Y verify` use:
/// when set, it should list your key (`git avow keyring export
/// --allowed-signers` writes one from the keyring).
fn check_allowed_signers(cfg: &Config, key: Option<&PublicKey>) -> Check {
    let Some(file) = cfg.get("gpg.ssh.allowedSignersFile").filter(|f| !f.trim().is_empty()) else {
        return Check::skip(
            "allowed_signers",
            "gpg.ssh.allowedSignersFile is not set (optional: lets `ssh-keygen -Y verify` and git check signatures)",
        );
    };
    let path = expand_home(&file);
    let export = "git avow keyring export --allowed-signers -o";
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            return Check::fail(
                "allowed_signers",
                format!("cannot read {} (gpg.ssh.allowedSignersFile): {e}", path.display()),
                format!("{export} {}", path.display()),
            )
        }
    };
    let entries = match Keyring::from_allowed_signers(&text, &path) {
        Ok(e) => e,
        Err(e) => return Check::fail("allowed_signers", e.to_string(), format!("{export} {}", path.display())),
    };
    match key {
        Some(k) if !entries.iter().any(|e| e.key.key_data() == k.key_data()) => Check::warn(
            "allowed_signers",
            format!("{} does not list your key {}", path.display(), avow_sign::fingerprint(k)),
            format!("{export} {}", path.display()),
        ),
        _ => {
            let n = entries.len();
            Check::ok(
                "allowed_signers",
                format!("{} ({n} {})", path.display(), if n == 1 { "entry" } else { "entries" }),
            )
        }
    }
}

pub fn run(_args: &Args) -> Result<Outcome> {
    let mut checks = vec![check_git(), check_path()];
    match open_repo() {
        Ok(repo) => {
            let cfg = Config::new(Some(&repo));
            checks.push(match cfg.user() {
                Ok((name, email)) if name.trim().is_empty() => Check::fail(
                    "identity",
                    format!("user.name is not set: the hook cannot name you in `Understood-by:` (only <{email}>)"),
                    "set it with `git config --global user.name \"Your Name\"`",
                ),
                Ok((name, email)) => Check::ok("identity", format!("{name} <{email}>")),
                Err(e) => Check::fail("identity", e.message, e.hint.unwrap_or_default()),
            });
            checks.extend(check_hooks(&repo, &cfg));
            let (key_check, key) = check_key(&repo, &cfg);
            checks.push(key_check);
            checks.push(check_keyring(&repo, &cfg, key.as_ref()));
            checks.extend(check_policy(&repo));
            checks.extend(check_upstream_keyring(&repo, key.as_ref()));
            checks.push(check_allowed_signers(&cfg, key.as_ref()));
        }
        Err(e) => checks.push(Check::fail("repository", e.message, e.hint.unwrap_or_default())),
    }
    let mut out = String::new();
    for c in &checks {
        out.push_str(&c.render());
    }
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warned = checks.iter().filter(|c| c.status == Status::Warn).count();
    out.push_str(&match (failed, warned) {
        (0, 0) => "avow doctor: all good\n".to_owned(),
        (0, w) => format!("avow doctor: no problems, {w} warning{}\n", if w == 1 { "" } else { "s" }),
        (f, _) => format!("avow doctor: {f} problem{} to fix\n", if f == 1 { "" } else { "s" }),
    });
    crate::output::write_stdout(out.as_bytes())?;
    Ok(if failed == 0 { Outcome::Ok } else { Outcome::Failed })
}

#[cfg(test)]
mod tests {
    use super::parse_git_version;

    #[test]
    fn git_versions() {
        assert_eq!(parse_git_version("git version 2.47.1\n"), Some((2, 47)));
        assert_eq!(parse_git_version("git version 2.39.3 (Apple Git-146)"), Some((2, 39)));
        assert_eq!(parse_git_version("git version 2.45.2.windows.1"), Some((2, 45)));
        assert_eq!(parse_git_version("hub version 2.14"), None);
        assert_eq!(parse_git_version("git version x"), None);
    }
}
