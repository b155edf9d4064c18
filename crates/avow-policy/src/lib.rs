//! avow's keyring (`.avow/keyring.toml`: who may attest, with which keys,
//! when) and policy (`.avow/policy.toml`: what a project accepts), and the
//! evaluation of a commit against them.
#![deny(missing_docs)]

pub mod facts;
pub mod keyring;
pub mod markers;
pub mod policy;
pub mod text;

/// The directory, at the repository root, that holds the keyring and
/// policy; changing anything under it needs a maintainer's attestation.
pub const AVOW_DIR: &str = ".avow";
/// Where the keyring lives, relative to the repository root.
pub const KEYRING_PATH: &str = ".avow/keyring.toml";
/// Where the policy lives, relative to the repository root.
pub const POLICY_PATH: &str = ".avow/policy.toml";

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_under_the_avow_dir() {
        for path in [super::KEYRING_PATH, super::POLICY_PATH] {
            let rest = path.strip_prefix(super::AVOW_DIR).and_then(|r| r.strip_prefix('/'));
            assert!(rest.is_some_and(|rest| !rest.contains('/')), "{path}");
        }
    }
}
