//! End-to-end tests: the real `git-avow` binary, real git and real
//! ssh-keygen, in temporary repositories. One test binary (linked once).

mod support;

mod amend;
mod attest;
mod doctor;
mod errors;
mod history;
mod hooks_install;
mod interop;
mod keyring;
mod lefthook;
mod policy;
mod pre_commit_framework;
mod pre_push;
mod python_tools;
mod report;
mod signing_keys;
mod tamper;
