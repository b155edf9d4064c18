//! avow's attestation model, with no I/O: reading git trailers exactly as
//! `git interpret-trailers --parse` does, the attestation statement they
//! carry, and the canonical payload that the contributor signs.
#![deny(missing_docs)]

pub mod attestation;
pub mod encoding;
pub mod key_types;
pub mod payload;
pub mod trailer;
