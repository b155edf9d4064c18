//! The OpenSSH `allowed_signers` import. Never panics; imported entries
//! land in a keyring that exports and re-imports.
#![no_main]

use std::path::Path;

use avow_policy::keyring::{Keyring, Role};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(entries) = Keyring::from_allowed_signers(text, Path::new("allowed_signers")) else { return };
    let mut keyring = Keyring::default();
    if keyring.import_allowed_signers(&entries, Role::Contributor).is_ok() {
        let exported = keyring.to_allowed_signers();
        if let Err(e) = Keyring::from_allowed_signers(&exported, Path::new("exported")) {
            panic!("exported allowed_signers does not load: {e}\n{exported}");
        }
    }
});
