//! The policy loader (`.avow/policy.toml`). Never panics; an error names
//! the file.
#![no_main]

use std::path::Path;

use avow_policy::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = Policy::parse(text, Path::new(".avow/policy.toml")) {
        let message = e.to_string();
        assert!(message.starts_with(".avow/policy.toml"), "{message}");
    }
});
