//! End-to-end tests: the real `git-avow` binary, real git and real
//! ssh-keygen, in temporary repositories. One test binary (linked once).
// Unix only: the tests drive real git with ptys (script(1)), setsid,
// ssh-agent sockets and file modes (on Windows avow is compiled and
// linted, never run: docs/install.md).
#![cfg(unix)]

mod golden;
mod support;

mod amend;
mod attacks;
mod attacks_binding;
mod attacks_ed25519;
mod attacks_forge;
mod attacks_merge_avow;
mod attacks_merge_paths;
mod attacks_old_branch;
mod attacks_refs;
mod attacks_resign;
mod attacks_rsa;
mod attacks_server;
mod attacks_squash;
mod attacks_trust;
mod attest;
mod avow_aliases;
mod cache_trust;
mod ci;
mod cli_doc;
mod closed_streams;
mod config_values;
mod doctor;
mod errors;
mod forge;
mod formats;
mod hints_followed;
mod history;
mod hook_fidelity;
mod hook_record;
mod hook_start;
mod hook_terminal;
mod hooks_install;
mod identity;
mod interop;
mod key_hygiene;
mod key_record;
mod keyring;
mod lefthook;
mod maintainer;
mod memory;
mod new_user;
mod new_user_fork;
mod new_user_keys;
mod new_user_upstream;
mod new_user_workflows;
mod newcomer;
mod no_panic;
mod odd_repos;
mod policy;
mod policy_record;
mod polish;
mod pre_commit_framework;
mod pre_push;
mod python_tools;
mod release;
mod report;
mod server;
mod shallow;
mod shared_repo;
mod signing_keys;
mod speed;
mod tamper;
mod trust_chain;
mod workflows;
