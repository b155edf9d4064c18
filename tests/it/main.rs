//! End-to-end tests: the real `git-avow` binary, real git and real
//! ssh-keygen, in temporary repositories. One test binary (linked once).

mod support;

mod amend;
mod attest;
mod errors;
mod history;
mod interop;
mod key_hygiene;
mod keyring;
mod odd_repos;
mod policy;
mod report;
mod tamper;
