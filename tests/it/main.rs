//! End-to-end tests: the real `git-avow` binary, real git and real
//! ssh-keygen, in temporary repositories. One test binary (linked once).

mod golden;
mod support;

mod amend;
mod attest;
mod ci;
mod errors;
mod formats;
mod history;
mod interop;
mod keyring;
mod policy;
mod polish;
mod report;
mod shallow;
mod tamper;
