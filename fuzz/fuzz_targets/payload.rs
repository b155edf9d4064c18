//! The payload decoder: what the verifier does with a commit message —
//! trailers, the statement, the `Avow-Signature` fields — and the
//! canonical payload rebuilt from them. Never panics; a parsed signature
//! trailer prints back to exactly its input; a payload is one line per
//! field.
#![no_main]

use avow_core::attestation::{Statement, SIGNATURE};
use avow_core::payload::{Payload, SignatureTrailer, HEADER};
use avow_core::trailer::{self, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|message: &str| {
    let opts = ParseOptions::default();
    let trailers = trailer::parse(message, &opts);
    let subject = trailer::subject(message, &opts, false);
    let Ok(statement) = Statement::from_trailers(&trailers) else { return };
    for t in trailers.iter().filter(|t| t.is(SIGNATURE)) {
        let Ok(sig) = SignatureTrailer::parse(&t.value) else { continue };
        assert_eq!(sig.to_string(), t.value);
        let payload = Payload::new(&sig.binding, "fuzz@example.org", &subject, sig.signed_at, &statement);
        if let Ok(bytes) = payload.to_bytes() {
            let text = std::str::from_utf8(&bytes).expect("payload is UTF-8");
            assert!(text.starts_with(HEADER) && text.ends_with('\n'));
            assert!(!text.contains('\r') && !text.contains('\0'));
        }
    }
});
