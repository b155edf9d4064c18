//! avow's keyring (`.avow/keyring.toml`: who may attest, with which keys,
//! when) and policy (`.avow/policy.toml`: what a project accepts), and the
//! evaluation of a commit against them.
#![deny(missing_docs)]

pub mod facts;
pub mod keyring;
pub mod markers;
pub mod policy;
pub mod text;
