//! One module per subcommand.

pub mod attest;
pub mod completions;
pub mod demo;
pub mod doctor;
pub mod hook;
pub mod init;
pub mod install;
pub mod keyring;
pub mod man;
pub mod pre_push;
pub mod reattest;
pub mod receive;
pub mod report;
pub mod show;
pub mod verify;
