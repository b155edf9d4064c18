//! avow-sign's integration tests: real `ssh-keygen` and `ssh-agent`, keys
//! generated per test, hermetic environment from avow-testutil.
// Unix only: ssh-agent sockets and key file modes.
#![cfg(unix)]

mod agent;
mod batch;
mod batch_adversarial;
mod hygiene;
mod interop;
mod key_types;
mod malformed;
mod passphrase;
mod props;
mod sk;
mod support;
