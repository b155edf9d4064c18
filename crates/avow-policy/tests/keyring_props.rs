//! Property tests for the keyring's writers: any keyring built through the
//! API survives `to_toml` → `parse`, and its `allowed_signers` export reads
//! back with the same keys, principals and validity windows.

use std::collections::BTreeSet;
use std::path::Path;

use avow_policy::keyring::{Keyring, NewKey, Role};
use chrono::{DateTime, TimeZone as _, Utc};
use proptest::prelude::*;
use ssh_key::private::Ed25519Keypair;
use ssh_key::PublicKey;

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    email: String,
    maintainer: bool,
    seed: u8,
    added: Option<i64>,
    lifetime: Option<i64>,
    revoked: Option<String>,
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        prop_oneof![
            "[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?",
            "[A-Z][a-z]{0,5} O'[A-Z][a-z]{1,5}",
            "Zo\u{eb} [A-Z]{1,3}-[a-z]{1,4}"
        ],
        "[a-z]{1,8}(\\.[a-z]{1,5})?(\\+tag)?@[a-z]{1,8}\\.(org|example)",
        any::<bool>(),
        any::<u8>(),
        prop::option::of(1_500_000_000i64..1_900_000_000),
        prop::option::of(0i64..400_000_000),
        prop::option::of("[a-z]{3,10}( [a-z]{2,8}){0,3}"),
    )
        .prop_map(|(name, email, maintainer, seed, added, lifetime, revoked)| Entry {
            name,
            email,
            maintainer,
            seed,
            added,
            lifetime,
            revoked,
        })
}

fn key_line(seed: u8) -> String {
    PublicKey::from(Ed25519Keypair::from_seed(&[seed; 32]).public).to_openssh().unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

/// A keyring made through `add` and `revoke`; entries the API refuses
/// (a key twice) are left out.
fn build(entries: &[Entry]) -> Keyring {
    let mut k = Keyring::default();
    for e in entries {
        let role = if e.maintainer { Role::Maintainer } else { Role::Contributor };
        let added = e.added.map(at);
        let expires = e.added.zip(e.lifetime).map(|(a, l)| at(a + l));
        let Ok(key) = k.add(&NewKey {
            name: Some(&e.name),
            email: &e.email,
            role: Some(role),
            key: &key_line(e.seed),
            added: None,
            valid_after: added,
            expires,
        }) else {
            continue;
        };
        let fingerprint = key.fingerprint.clone();
        if let Some(reason) = &e.revoked {
            k.revoke(&fingerprint, reason, at(1_950_000_000)).unwrap();
        }
    }
    k
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn toml_round_trips(entries in prop::collection::vec(entry(), 0..6)) {
        let k = build(&entries);
        let text = k.to_toml();
        let back = Keyring::parse(&text, Path::new(".avow/keyring.toml"));
        prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), text);
        let back = back.unwrap();
        prop_assert_eq!(&back, &k, "{}", text);
        prop_assert_eq!(back.to_toml(), text);
    }

    #[test]
    fn allowed_signers_round_trips(entries in prop::collection::vec(entry(), 0..6)) {
        let k = build(&entries);
        let exported = k.to_allowed_signers();
        let read = Keyring::from_allowed_signers(&exported, Path::new("allowed_signers"));
        prop_assert!(read.is_ok(), "{:?}\n{}", read.err(), exported);
        let read = read.unwrap();
        // One entry per unrevoked key, with the person's email as principal
        // and the key's validity window.
        let want: BTreeSet<(String, String, Option<i64>, Option<i64>)> = k
            .keys()
            .filter(|(_, key)| key.revoked.is_none())
            .map(|(p, key)| (p.email.clone(), key.fingerprint.clone(), key.valid_after.map(|t| t.timestamp()), key.expires.map(|t| t.timestamp())))
            .collect();
        let got: BTreeSet<(String, String, Option<i64>, Option<i64>)> = read
            .iter()
            .map(|e| (
                e.principals.join(","),
                avow_policy::keyring::Key::from_openssh(&e.key.to_openssh().unwrap()).unwrap().fingerprint,
                e.valid_after.map(|t| t.timestamp()),
                e.valid_before.map(|t| t.timestamp()),
            ))
            .collect();
        prop_assert_eq!(got, want, "{}", exported);
        // …and imports into a keyring holding the same unrevoked keys.
        let mut imported = Keyring::default();
        imported.import_allowed_signers(&read, Role::Contributor).unwrap();
        let fingerprints = |k: &Keyring| k.keys().filter(|(_, key)| key.revoked.is_none()).map(|(_, key)| key.fingerprint.clone()).collect::<BTreeSet<_>>();
        prop_assert_eq!(fingerprints(&imported), fingerprints(&k));
    }
}
