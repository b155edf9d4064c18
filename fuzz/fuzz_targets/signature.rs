//! The signature decoders: the `Avow-Signature` trailer value, and the
//! SSHSIG blob in base64, armoured and raw form, then verification over
//! a payload. Never panics; whatever decodes round-trips.
#![no_main]

use avow_core::payload::SignatureTrailer;
use avow_sign::Signature;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Signature::from_bytes(data) {
        assert_eq!(Signature::from_base64(&sig.to_base64()).expect("base64 round trip"), sig);
        assert_eq!(Signature::from_armored(&sig.to_armored()).expect("armour round trip"), sig);
        let _ = avow_sign::verify(avow_core::payload::HEADER.as_bytes(), &sig);
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(t) = SignatureTrailer::parse(text) {
        assert_eq!(t.to_string(), text);
        if let Ok(sig) = Signature::from_base64(&t.signature) {
            let _ = avow_sign::verify(text.as_bytes(), &sig);
        }
    }
    if let Ok(sig) = Signature::from_base64(text) {
        let _ = avow_sign::verify(data, &sig);
    }
    if let Ok(sig) = Signature::from_armored(text) {
        let _ = avow_sign::verify(data, &sig);
    }
    let _ = avow_sign::parse_public_key(text);
});
