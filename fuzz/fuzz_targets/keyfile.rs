//! The signing-key file readers: what `avow.signingKey` or
//! `user.signingKey` names (an OpenSSH private key, encrypted or not, a
//! PEM key of another format, a public key file) as the hook loads it
//! (`Signer::load`) and as it reads the public half without a passphrase
//! (`public_key_of`). Never panics; what a loaded key signs verifies with
//! its public half (or signing fails with `Error::Sign`), and the public
//! half read in the clear is that same key.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use avow_sign::{KeySource, Signer};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("avow-fuzz-keyfile-{}", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(path, data).expect("write the scratch key file");
    let source = KeySource::File(path.clone());
    // No passphrase: decrypting would only measure bcrypt's rounds.
    let mut no_passphrase = |_: &std::path::Path| Err(avow_sign::Error::AgentNotRunning);
    let loaded = Signer::load(&source, &mut no_passphrase);
    let clear = avow_sign::public_key_of(&source, None);
    if let Ok(signer) = loaded {
        if !signer.uses_agent() {
            // An RSA key whose parts disagree reads and then fails to sign,
            // with an error (doctor signs once to find it); whatever signs
            // verifies, under the key's own public half.
            match signer.sign(b"payload") {
                Ok(sig) => {
                    avow_sign::verify(b"payload", &sig).expect("its signature verifies");
                    assert_eq!(sig.public_key().key_data(), signer.public_key().key_data());
                }
                Err(avow_sign::Error::Sign { .. }) => {}
                Err(e) => panic!("signing failed other than with Error::Sign: {e}"),
            }
        }
        if let Ok(clear) = clear {
            assert_eq!(clear.key_data(), signer.public_key().key_data(), "the clear public half is another key");
        }
    }
});
