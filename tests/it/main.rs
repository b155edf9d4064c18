//! End-to-end tests: the real `git-avow` binary, real git and real
//! ssh-keygen, in temporary repositories. One test binary (linked once).

mod support;

mod amend;
mod attacks;
mod attacks_trust;
mod attest;
mod errors;
mod history;
mod interop;
mod keyring;
mod policy;
mod report;
mod tamper;
