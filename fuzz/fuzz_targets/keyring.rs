//! The keyring loader (`.avow/keyring.toml`). Never panics; an error is one
//! line naming the file; a keyring that loads survives writing and
//! reading back.
#![no_main]

use std::path::Path;

use avow_policy::keyring::Keyring;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match Keyring::parse(text, Path::new(".avow/keyring.toml")) {
        Ok(keyring) => {
            let again = Keyring::parse(&keyring.to_toml(), Path::new("again"))
                .unwrap_or_else(|e| panic!("written keyring does not load: {e}"));
            assert_eq!(again.to_toml(), keyring.to_toml());
            let _ = keyring.to_allowed_signers();
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with(".avow/keyring.toml"), "{message}");
        }
    }
});
