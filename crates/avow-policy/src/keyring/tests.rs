use super::allowed_signers::*;

use super::*;
use chrono::{Local, NaiveDate, TimeDelta};
use ssh_key::private::Ed25519Keypair;
use ssh_key::public::{Ed25519PublicKey, KeyData, SkEd25519};
use ssh_key::Algorithm;
use std::path::Path;

const PATH: &str = ".avow/keyring.toml";

/// A deterministic ed25519 public key line.
fn key_line(seed: u8, comment: &str) -> String {
    let pair = Ed25519Keypair::from_seed(&[seed; 32]);
    PublicKey::new(KeyData::Ed25519(pair.public), comment).to_openssh().unwrap()
}

fn sk_key_line(seed: u8) -> String {
    let pair = Ed25519Keypair::from_seed(&[seed; 32]);
    let sk = SkEd25519::new(Ed25519PublicKey(pair.public.0), "ssh:");
    PublicKey::new(KeyData::SkEd25519(sk), "yubikey").to_openssh().unwrap()
}

/// A key for `add` with nothing but its person.
fn new_key<'a>(name: &'a str, email: &'a str, role: Role, key: &'a str) -> NewKey<'a> {
    NewKey { name: Some(name), email, role: Some(role), key, ..NewKey::default() }
}

fn fpr(line: &str) -> String {
    fingerprint(&PublicKey::from_openssh(line).unwrap())
}

fn date(s: &str) -> DateTime<Utc> {
    parse_date(s).unwrap()
}

fn parse(text: &str) -> Result<Keyring, KeyringError> {
    Keyring::parse(text, Path::new(PATH))
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

fn sample() -> String {
    format!(
        r#"# comment
version = 1

[[person]]
name = "Alice Example"
email = "alice@example.org"
role = "maintainer"

[[person.key]]
key = "{}"
added = "2026-01-10"
valid-after = "2026-01-10"
expires = "2027-01-10T12:30:00Z"

[[person.key]]
key = "{}"
revoked = 2026-06-01
revoked-reason = "laptop stolen"

[[person]]
name = "Bob"
email = "bob@example.org"
role = "contributor"

[[person.key]]
key = "{}"
succeeds = "{}"
"#,
        key_line(1, "alice@laptop"),
        sk_key_line(2),
        key_line(3, ""),
        fpr(&key_line(9, "")),
    )
}

#[test]
fn parses_the_sample() {
    let k = parse(&sample()).unwrap();
    assert_eq!(k.people.len(), 2);
    let alice = &k.people[0];
    assert_eq!((alice.name.as_str(), alice.role), ("Alice Example", Role::Maintainer));
    assert_eq!(alice.keys[0].comment, "alice@laptop");
    assert_eq!(alice.keys[0].valid_after, Some(date("2026-01-10")));
    assert_eq!(alice.keys[0].added, Some(date("2026-01-10")));
    assert_eq!(alice.keys[0].expires, Some(date("2027-01-10T12:30:00Z")));
    assert_eq!(alice.keys[1].public.algorithm(), Algorithm::SkEd25519);
    assert_eq!(alice.keys[1].revoked, Some(Revocation { at: date("2026-06-01"), reason: "laptop stolen".into() }));
    assert_eq!(k.people[1].keys[0].succeeds, Some(fpr(&key_line(9, ""))));
    assert!(k.people[1].keys[0].fingerprint.starts_with("SHA256:"));
}

#[test]
fn round_trips_through_toml() {
    let k = parse(&sample()).unwrap();
    let text = k.to_toml();
    let again = parse(&text).unwrap();
    assert_eq!(again, k);
    assert_eq!(again.to_toml(), text, "to_toml is stable");
    assert!(text.starts_with("# avow keyring: who may attest"));
    assert!(text.contains("revoked = \"2026-06-01T00:00:00Z\"\nrevoked-reason = \"laptop stolen\"\n"));
    assert!(text.contains("expires = \"2027-01-10T12:30:00Z\"\n"));
}

#[test]
fn round_trips_awkward_strings() {
    let mut k = Keyring::default();
    k.add(&NewKey {
        name: Some("Zoë \"Z\" \\ O'Neil"),
        email: "zoe@example.org",
        role: Some(Role::Contributor),
        key: &key_line(4, "zo\u{eb}@host"),
        added: None,
        valid_after: None,
        expires: None,
    })
    .unwrap();
    k.revoke(&fpr(&key_line(4, "")), "it's \"gone\"", date("2026-02-03T04:05:06.5Z")).unwrap();
    assert_eq!(parse(&k.to_toml()).unwrap(), k);
}

#[test]
fn empty_keyring_is_valid() {
    let k = parse("version = 1\n").unwrap();
    assert!(k.people.is_empty());
    assert_eq!(parse(&k.to_toml()).unwrap(), k);
}

fn one_key(extra: &str) -> String {
    format!(
            "version = 1\n[[person]]\nname = \"A\"\nemail = \"a@example.org\"\nrole = \"maintainer\"\n[[person.key]]\nkey = \"{}\"\n{extra}",
            key_line(1, "")
        )
}

#[test]
fn bad_date_names_path_line_and_field() {
    assert_eq!(
        err(&one_key("added = \"2026-01-10\"\nexpires = \"2027-13-01\"\n")),
        ".avow/keyring.toml:9: person[0].key[0].expires: \"2027-13-01\" is not a date (use YYYY-MM-DD)"
    );
    assert_eq!(
            err(&one_key("added = \"2026-01-10 noon\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].added: \"2026-01-10 noon\" is not a date (use YYYY-MM-DD or an RFC 3339 date-time with a time zone, like 2026-01-10T12:00:00Z)"
        );
    assert_eq!(
            err(&one_key("added = 2026-01-10T10:00:00\n")),
            ".avow/keyring.toml:8: person[0].key[0].added: \"2026-01-10T10:00:00\" is not a date (use YYYY-MM-DD or an RFC 3339 date-time with a time zone, like 2026-01-10T12:00:00Z)"
        );
    assert_eq!(
        err(&one_key("added = 20260110\n")),
        ".avow/keyring.toml:8: person[0].key[0].added: invalid type: integer, expected a date like \"2026-01-10\""
    );
    assert_eq!(
            err(&one_key("valid-after = \"2026-02-01\"\nexpires = \"2026-01-01\"\n")),
            ".avow/keyring.toml:9: person[0].key[0].expires: 2026-01-01T23:59:59Z is before valid-after (2026-02-01T00:00:00Z): the key could never sign"
        );
    // `added` is a record: a key added after it expired verifies what it
    // signed in its time (history of a retired contributor).
    assert!(parse(&one_key("added = \"2026-02-01\"\nexpires = \"2026-01-01\"\n")).is_ok());
}

#[test]
fn native_toml_dates_are_accepted() {
    let k = parse(&one_key("added = 2026-01-10\nexpires = 2027-01-10T08:00:00+02:00\n")).unwrap();
    assert_eq!(k.people[0].keys[0].added, Some(date("2026-01-10")));
    assert_eq!(k.people[0].keys[0].expires, Some(date("2027-01-10T06:00:00Z")));
}

#[test]
fn unknown_field_names_path_line_and_field() {
    assert_eq!(
            err(&one_key("expire = \"2027-01-01\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].expire: unknown field (expected one of `key`, `added`, `valid-after`, `expires`, `revoked`, `revoked-reason`, `succeeds`)"
        );
    assert_eq!(
        err("version = 1\n[[person]]\nname = \"A\"\nmail = \"a@example.org\"\n"),
        ".avow/keyring.toml:4: person[0].mail: unknown field (expected one of `name`, `email`, `role`, `key`)"
    );
    assert_eq!(
        err("version = 1\npeople = []\n"),
        ".avow/keyring.toml:2: people: unknown field (expected `version` or `person`)"
    );
    // inline tables are located too
    let inline = format!(
            "version = 1\nperson = [\n  {{ name = \"A\", email = \"a@b\", role = \"maintainer\", key = [{{ key = \"{}\", colour = 1 }}] }},\n]\n",
            key_line(1, "")
        );
    assert_eq!(
            err(&inline),
            ".avow/keyring.toml:3: person[0].key[0].colour: unknown field (expected one of `key`, `added`, `valid-after`, `expires`, `revoked`, `revoked-reason`, `succeeds`)"
        );
}

#[test]
fn missing_field_and_wrong_type() {
    assert_eq!(
        err("version = 1\n\n[[person]]\nname = \"A\"\nrole = \"maintainer\"\n"),
        ".avow/keyring.toml:3: person[0].email: required field missing"
    );
    assert_eq!(
            err("version = 1\n[[person]]\nname = \"A\"\nemail = \"a@b\"\nrole = \"maintainer\"\n[[person.key]]\nadded = 2026-01-01\n"),
            ".avow/keyring.toml:6: person[0].key[0].key: required field missing"
        );
    assert_eq!(
        err("[[person]]\nname = \"A\"\nemail = \"a@b\"\nrole = \"maintainer\"\n"),
        ".avow/keyring.toml:1: version: required field missing"
    );
    assert_eq!(
        err("version = 1\n[[person]]\nname = 7\nemail = \"a@b\"\nrole = \"maintainer\"\n"),
        ".avow/keyring.toml:3: person[0].name: invalid type: integer `7`, expected a string"
    );
    assert_eq!(err("version = \"1\"\n"), ".avow/keyring.toml:1: version: invalid type: string \"1\", expected i64");
}

#[test]
fn syntax_error_names_line_and_field() {
    assert_eq!(
        err("version = 1\n[[person]]\nname = \"A\nemail = \"a@b\"\n"),
        ".avow/keyring.toml:3: person[0].name: invalid basic string"
    );
    let e = parse("version = 1\n[[person]]\nname = \"A\"\nname = \"B\"\n").unwrap_err();
    assert!(
        matches!(&e, KeyringError::Invalid { kind: InvalidKind::Syntax, at } if at.line == 4 && at.field == "person[0].name"),
        "{e}"
    );
    assert_eq!(e.to_string().lines().count(), 1);
}

#[test]
fn bad_version_role_key() {
    assert_eq!(
            err("version = 2\n"),
            ".avow/keyring.toml:1: version: unsupported keyring version 2 (this avow reads version 1; a newer avow may read it)"
        );
    // a newer format's new fields do not hide the version
    assert_eq!(
            err("version = 2\ntrust-model = \"web\"\n"),
            ".avow/keyring.toml:1: version: unsupported keyring version 2 (this avow reads version 1; a newer avow may read it)"
        );
    assert_eq!(
        err("version = 1\n[[person]]\nname = \"A\"\nemail = \"a@b\"\nrole = \"admin\"\n"),
        ".avow/keyring.toml:5: person[0].role: \"admin\" is not a role (use \"maintainer\" or \"contributor\")"
    );
    let text = one_key("").replace(&key_line(1, ""), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBroken");
    assert_eq!(
            err(&text),
            ".avow/keyring.toml:7: person[0].key[0].key: \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5…\" is not an OpenSSH public key (expected \"ssh-ed25519 AAAA… comment\"): Base64 encoding error: invalid Base64 encoding"
        );
    let text = one_key("").replace(&key_line(1, ""), RSA);
    assert_eq!(
            err(&text),
            ".avow/keyring.toml:7: person[0].key[0].key: an RSA key of 1024 bits is not accepted: RSA keys must have 2048 to 4096 bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"
        );
    let text = one_key("").replace(&key_line(1, ""), "ssh-dss AAAAB3NzaC1kc3M=");
    assert_eq!(
            err(&text),
            ".avow/keyring.toml:7: person[0].key[0].key: ssh-dss keys are not accepted: avow accepts ed25519, ECDSA (nistp256, nistp384, nistp521), their security-key (sk-) forms and RSA keys of 2048 to 4096 bits"
        );
}

#[test]
fn duplicates_are_refused() {
    let text = format!(
            "version = 1\n[[person]]\nname = \"A\"\nemail = \"a@example.org\"\nrole = \"maintainer\"\n[[person.key]]\nkey = \"{k}\"\n\n[[person]]\nname = \"B\"\nemail = \"b@example.org\"\nrole = \"contributor\"\n[[person.key]]\nkey = \"{k2}\"\n",
            k = key_line(1, "one"),
            k2 = key_line(1, "same key, other comment"),
        );
    assert_eq!(
        err(&text),
        format!(
            ".avow/keyring.toml:14: person[1].key[0].key: key {} is already listed at person[0].key[0] (line 7)",
            fpr(&key_line(1, ""))
        )
    );
    let text = "version = 1\n[[person]]\nname = \"A\"\nemail = \"a@example.org\"\nrole = \"maintainer\"\n[[person]]\nname = \"B\"\nemail = \"A@Example.org\"\nrole = \"contributor\"\n";
    assert_eq!(
        err(text),
        ".avow/keyring.toml:8: person[1].email: \"A@Example.org\" is already used by person[0] (line 4)"
    );
}

#[test]
fn other_value_errors() {
    assert_eq!(
            err(&one_key("revoked-reason = \"lost\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].revoked-reason: revoked-reason without a revoked date (add revoked = \"YYYY-MM-DD\")"
        );
    assert_eq!(
            err(&one_key("succeeds = \"abc\"\n")),
            ".avow/keyring.toml:8: person[0].key[0].succeeds: \"abc\" is not a key fingerprint (use SHA256:… as `ssh-keygen -l` prints it)"
        );
    assert_eq!(
            err("version = 1\n[[person]]\nname = \"A\"\nemail = \"*@example.org\"\nrole = \"maintainer\"\n"),
            ".avow/keyring.toml:4: person[0].email: \"*@example.org\" is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)"
        );
    assert_eq!(
        err("version = 1\n[[person]]\nname = \"\"\nemail = \"a@b\"\nrole = \"maintainer\"\n"),
        ".avow/keyring.toml:3: person[0].name: a name must not be empty"
    );
}

#[test]
fn load_names_the_file_and_the_fix() {
    let e = Keyring::load(Path::new("/nonexistent/.avow/keyring.toml")).unwrap_err();
    assert!(matches!(e, KeyringError::Read { .. }));
    assert_eq!(
            e.to_string(),
            "/nonexistent/.avow/keyring.toml: cannot read the keyring (No such file or directory (os error 2)); run `git avow init` to create it"
        );
}

#[test]
fn status_windows() {
    let k = parse(&one_key("valid-after = \"2026-01-10\"\nexpires = \"2027-01-10\"\n")).unwrap();
    let key = &k.people[0].keys[0];
    let first = date("2026-01-10");
    assert_eq!(key.status_at(date("2026-01-09T23:59:59Z")), KeyStatus::NotYetValid { valid_after: first });
    assert_eq!(key.status_at(first), KeyStatus::Valid);
    // A date alone is the last day: valid through 23:59:59 UTC, inclusive.
    let last = date("2027-01-10T23:59:59Z");
    assert_eq!(key.expires, Some(last));
    assert_eq!(key.status_at(last), KeyStatus::Valid, "expires is inclusive, like valid-before");
    assert_eq!(key.status_at(date("2027-01-11")), KeyStatus::Expired { at: last });
    assert_eq!(key.status_at(date("2027-01-11")).to_string(), "expired on 2027-01-10T23:59:59Z");
    assert_eq!(key.status_at(date("2020-01-01")).to_string(), "not yet valid (valid after 2026-01-10T00:00:00Z)");
    // An instant is that instant.
    let k = parse(&one_key("expires = \"2027-01-10T12:00:00Z\"\n")).unwrap();
    assert_eq!(k.people[0].keys[0].expires, Some(date("2027-01-10T12:00:00Z")));
    let open = parse(&one_key("")).unwrap();
    assert!(open.people[0].keys[0].status_at(date("1999-01-01")).is_valid());
}

#[test]
fn added_is_no_lower_bound() {
    let k = parse(&one_key("added = \"2026-06-01T09:30:00Z\"\n")).unwrap();
    let key = &k.people[0].keys[0];
    assert_eq!(key.added, Some(date("2026-06-01T09:30:00Z")));
    assert!(key.status_at(date("2026-05-20T10:00:00Z")).is_valid(), "work signed before the key was added");
}

#[test]
fn every_time_is_written_one_way() {
    let mut k = Keyring::default();
    let revoked_at = date("2026-06-01T10:11:12Z") + TimeDelta::nanoseconds(123_456_789);
    k.add(&NewKey {
        name: Some("A"),
        email: "a@example.org",
        key: &key_line(1, ""),
        added: Some(date("2026-06-01T09:00:00Z")),
        valid_after: Some(date("2026-01-01")),
        expires: parse_expiry("2026-12-07"),
        ..NewKey::default()
    })
    .unwrap();
    k.revoke(&fpr(&key_line(1, "")), "lost", revoked_at.with_nanosecond(0).unwrap()).unwrap();
    let text = k.to_toml();
    for line in [
        "added = \"2026-06-01T09:00:00Z\"",
        "valid-after = \"2026-01-01T00:00:00Z\"",
        "expires = \"2026-12-07T23:59:59Z\"",
        "revoked = \"2026-06-01T10:11:12Z\"",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert_eq!(parse(&text).unwrap(), k);
}

#[test]
fn revocation_wins_at_any_signing_time() {
    let k = parse(&one_key("added = \"2026-01-10\"\nexpires = \"2027-01-10\"\nrevoked = \"2026-06-01\"\nrevoked-reason = \"laptop stolen\"\n")).unwrap();
    let key = &k.people[0].keys[0];
    let revoked = KeyStatus::Revoked { at: date("2026-06-01"), reason: "laptop stolen".into() };
    for t in ["2026-03-01", "2026-06-02", "2025-01-01", "2028-01-01"] {
        assert_eq!(key.status_at(date(t)), revoked, "signed at {t}");
    }
    assert_eq!(revoked.to_string(), "revoked on 2026-06-01T00:00:00Z: laptop stolen");
}

#[test]
fn lookups() {
    let k = parse(&sample()).unwrap();
    let alice_key = PublicKey::from_openssh(&key_line(1, "another comment")).unwrap();
    let (person, key) = k.find_by_key(&alice_key).unwrap();
    assert_eq!((person.email.as_str(), key.comment.as_str()), ("alice@example.org", "alice@laptop"));
    let f = fpr(&key_line(3, ""));
    assert_eq!(k.find_by_fingerprint(&f).unwrap().0.name, "Bob");
    assert_eq!(k.find_by_fingerprint(f.strip_prefix("SHA256:").unwrap()).unwrap().0.name, "Bob");
    assert!(k.find_by_key(&PublicKey::from_openssh(&key_line(7, "")).unwrap()).is_none());
    assert_eq!(k.find_person_by_email("ALICE@example.ORG").unwrap().name, "Alice Example");
    assert!(k.find_person_by_email("alice@example.com").is_none());
    // Unicode is not folded.
    let mut k2 = Keyring::default();
    k2.add(&new_key("Ö", "ö@example.org", Role::Contributor, &key_line(5, ""))).unwrap();
    assert!(k2.find_person_by_email("Ö@example.org").is_none());
    assert!(k2.find_person_by_email("ö@EXAMPLE.org").is_some());
}

#[test]
fn lookups_survive_direct_edits() {
    let mut k = parse(&sample()).unwrap();
    k.people.swap(0, 1);
    assert_eq!(k.find_by_fingerprint(&fpr(&key_line(3, ""))).unwrap().0.name, "Bob");
    k.people.remove(0);
    assert!(k.find_by_fingerprint(&fpr(&key_line(3, ""))).is_none());
    k.reindex();
    assert_eq!(k.find_by_fingerprint(&fpr(&key_line(1, ""))).unwrap().0.name, "Alice Example");
}

#[test]
fn add_to_new_and_existing_people() {
    let mut k = Keyring::default();
    let added = k
        .add(&NewKey {
            name: Some("Alice"),
            email: "alice@example.org",
            role: Some(Role::Maintainer),
            key: &key_line(1, "a"),
            added: Some(date("2026-01-01")),
            valid_after: None,
            expires: None,
        })
        .unwrap();
    assert_eq!(added.fingerprint, fpr(&key_line(1, "")));
    // Another name or role for the same email is refused, not ignored.
    let e = k.add(&new_key("Other", "ALICE@example.org", Role::Contributor, &sk_key_line(2))).unwrap_err();
    assert_eq!(
            e.to_string(),
            "alice@example.org is already in the keyring as \"Alice\" (maintainer), not \"Other\", not contributor; a key is added to the person as they are"
        );
    let e = k
        .add(&NewKey {
            name: Some("Alice"),
            email: "alice@example.org",
            role: Some(Role::Contributor),
            key: &sk_key_line(2),
            ..NewKey::default()
        })
        .unwrap_err();
    assert!(
        matches!(e, KeyringError::PersonDiffers { given_name: None, given_role: Some(Role::Contributor), .. }),
        "{e:?}"
    );
    // Their own name and role, or none, add the key.
    k.add(&NewKey {
        name: None,
        email: "ALICE@example.org",
        role: None,
        key: &sk_key_line(2),
        added: None,
        valid_after: None,
        expires: Some(date("2027-01-01")),
    })
    .unwrap();
    assert_eq!(k.people.len(), 1);
    assert_eq!((k.people[0].name.as_str(), k.people[0].role), ("Alice", Role::Maintainer));
    assert_eq!(k.people[0].keys.len(), 2);
    let e = k.add(&new_key("Bob", "bob@example.org", Role::Contributor, &key_line(1, "again"))).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("key {} is already in the keyring (for alice@example.org)", fpr(&key_line(1, "")))
    );
    let e = k.add(&new_key("Bob", "bob@example.org", Role::Contributor, RSA)).unwrap_err();
    assert_eq!(
            e.to_string(),
            "an RSA key of 1024 bits is not accepted: RSA keys must have 2048 to 4096 bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"
        );
    let e = k.add(&new_key("Bob", "bob example", Role::Contributor, &key_line(3, ""))).unwrap_err();
    assert!(matches!(e, KeyringError::BadValue { field: "email", .. }), "{e}");
    let e = k
        .add(&NewKey {
            name: Some("Bob"),
            email: "bob@example.org",
            role: Some(Role::Contributor),
            key: &key_line(3, ""),
            added: None,
            valid_after: Some(date("2026-02-01")),
            expires: Some(date("2026-01-01")),
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "expires: 2026-01-01T00:00:00Z is before valid-after (2026-02-01T00:00:00Z): the key could never sign"
    );
    let e = k.add(&NewKey { email: "new@example.org", key: &key_line(3, ""), ..NewKey::default() }).unwrap_err();
    assert_eq!(e.to_string(), "name: new@example.org is not in the keyring yet, so a new person needs a name");
    assert_eq!(k.people.len(), 1, "failed adds change nothing");
    assert_eq!(parse(&k.to_toml()).unwrap(), k);
}

#[test]
fn revoke() {
    let mut k = parse(&sample()).unwrap();
    let f = fpr(&key_line(3, ""));
    k.revoke(&f, "left the project", date("2026-05-05")).unwrap();
    let (_, key) = k.find_by_fingerprint(&f).unwrap();
    assert_eq!(key.status_at(date("2026-01-01")).to_string(), "revoked on 2026-05-05T00:00:00Z: left the project");
    assert_eq!(
        k.revoke(&f, "again", date("2026-06-06")).unwrap_err().to_string(),
        format!("key {f} is already revoked (on 2026-05-05T00:00:00Z)")
    );
    // A unique prefix, with or without `SHA256:`, names the key.
    let bob = fpr(&key_line(3, ""));
    let mut k2 = parse(&sample()).unwrap();
    k2.revoke(&bob[..12], "prefix", date("2026-05-05")).unwrap();
    assert!(k2.find_by_fingerprint(&bob).unwrap().1.revoked.is_some());
    assert_eq!(k2.resolve_fingerprint(&bob["SHA256:".len()..15]).unwrap(), bob);
    assert!(matches!(k2.resolve_fingerprint("SHA256:ab"), Err(KeyringError::BadValue { field: "fingerprint", .. })));
    let unknown = fpr(&key_line(8, ""));
    assert_eq!(
        k.revoke(&unknown, "x", date("2026-06-06")).unwrap_err().to_string(),
        format!("no key {unknown} in the keyring; `git avow keyring list` shows the fingerprints")
    );
    assert_eq!(parse(&k.to_toml()).unwrap(), k);
}

#[test]
fn ambiguous_prefixes_list_the_keys() {
    // Two keys whose fingerprints share the first 4 hash characters (a
    // birthday search over 64^4 prefixes).
    let line_of = |n: u32| {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&n.to_be_bytes());
        PublicKey::new(KeyData::Ed25519(Ed25519Keypair::from_seed(&seed).public), "").to_openssh().unwrap()
    };
    let mut seen: HashMap<String, String> = HashMap::new();
    let (a_line, b_line) = (0..100_000u32)
        .find_map(|n| {
            let line = line_of(n);
            let prefix = fpr(&line)[..11].to_owned();
            seen.insert(prefix, line.clone()).map(|other| (other, line))
        })
        .unwrap();
    let mut k = Keyring::default();
    for line in [&a_line, &b_line] {
        k.add(&NewKey { name: Some("A"), email: "a@example.org", key: line, ..NewKey::default() }).unwrap();
    }
    let (a, b) = (fpr(&a_line), fpr(&b_line));
    let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let e = k.resolve_fingerprint(&a[..shared]).unwrap_err();
    assert_eq!(e.to_string(), format!("{:?} names 2 keys ({a}, {b}); give more of the fingerprint", &a[..shared]));
    assert_eq!(k.resolve_fingerprint(&a[..=shared]).unwrap(), a);
    assert_eq!(k.resolve_fingerprint(&b["SHA256:".len()..=shared]).unwrap(), b);
    k.revoke(&a[..=shared], "by prefix", date("2026-01-01")).unwrap();
    assert!(k.find_by_fingerprint(&a).unwrap().1.revoked.is_some());
    assert!(k.find_by_fingerprint(&b).unwrap().1.revoked.is_none());
}

#[test]
fn rotate() {
    let mut k = parse(&sample()).unwrap();
    let old = fpr(&key_line(1, ""));
    let at = date("2026-09-01T10:00:00Z");
    let new = k.rotate(&old, &key_line(6, "alice@new-laptop"), at).unwrap().clone();
    assert_eq!(new.succeeds.as_deref(), Some(old.as_str()));
    assert_eq!(new.added, Some(at));
    assert_eq!(new.comment, "alice@new-laptop");
    let (person, old_key) = k.find_by_fingerprint(&old).unwrap();
    assert_eq!(person.keys.len(), 3);
    assert_eq!(old_key.expires, Some(at), "expiry moved earlier");
    assert!(old_key.revoked.is_none(), "old signatures stay valid");
    assert!(old_key.status_at(date("2026-08-01")).is_valid());
    assert_eq!(old_key.status_at(date("2026-09-02")), KeyStatus::Expired { at });
    assert_eq!(k.find_by_key(&new.public).unwrap().0.email, "alice@example.org");
    // an earlier expiry is kept
    let newer = k.rotate(&new.fingerprint, &key_line(7, ""), date("2026-10-01")).unwrap().fingerprint.clone();
    k.rotate(&newer, &key_line(8, ""), date("2030-01-01")).unwrap();
    let mut k2 = k.clone();
    let e = k2.rotate(&old, &key_line(6, ""), date("2026-12-01")).unwrap_err();
    assert!(matches!(e, KeyringError::DuplicateKey { .. }));
    assert_eq!(k2, k);
    let text = k.to_toml();
    assert_eq!(parse(&text).unwrap(), k);
    assert!(text.contains(&format!("succeeds = \"{old}\"")));
}

#[test]
fn expire() {
    let mut k = parse(&sample()).unwrap();
    let alice = fpr(&key_line(1, ""));
    // Alice's key already expires 2027-01-10T12:30:00Z: a later date keeps it.
    let before = k.find_by_fingerprint(&alice).unwrap().1.expires;
    k.expire(&alice, date("2030-01-01")).unwrap();
    assert_eq!(k.find_by_fingerprint(&alice).unwrap().1.expires, before);
    let at = date("2026-09-01T10:00:00Z");
    k.expire(&alice[..20], at).unwrap();
    let key = k.find_by_fingerprint(&alice).unwrap().1;
    assert_eq!(key.expires, Some(at));
    assert!(key.revoked.is_none());
    assert!(key.status_at(at).is_valid(), "inclusive");
    assert_eq!(key.status_at(date("2026-09-01T10:00:01Z")), KeyStatus::Expired { at });
    // Before valid-after (2026-01-10) the key could never have signed.
    let e = k.clone().expire(&alice, date("2025-12-31")).unwrap_err();
    assert!(matches!(e, KeyringError::BadValue { field: "at", .. }), "{e}");
    let revoked = k.keys().find(|(_, key)| key.revoked.is_some()).unwrap().1.fingerprint.clone();
    let mut k2 = k.clone();
    assert!(matches!(k2.expire(&revoked, at).unwrap_err(), KeyringError::AlreadyRevoked { .. }));
    assert_eq!(k2, k);
    assert!(matches!(k2.expire("SHA256:nosuchkey", at).unwrap_err(), KeyringError::UnknownKey { .. }));
    assert_eq!(parse(&k.to_toml()).unwrap(), k);
}

#[test]
fn allowed_signers_export() {
    let k = parse(&sample()).unwrap();
    let out = k.to_allowed_signers();
    let lines: Vec<_> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
            lines,
            [
                format!(
                    "alice@example.org namespaces=\"avow-attestation@v1\",valid-after=\"20260110000000Z\",valid-before=\"20270110123000Z\" {}",
                    key_line(1, "alice@laptop")
                ),
                format!("bob@example.org namespaces=\"avow-attestation@v1\" {}", key_line(3, "")),
            ]
        );
}

#[test]
fn export_rounds_subseconds_inwards() {
    let mut k = Keyring::default();
    k.add(&NewKey {
        name: Some("A"),
        email: "a@b",
        role: Some(Role::Contributor),
        key: &key_line(1, ""),
        added: None,
        valid_after: Some(date("2026-01-01T00:00:00.2Z")),
        expires: Some(date("2026-02-01T00:00:00.7Z")),
    })
    .unwrap();
    assert!(k.to_allowed_signers().contains("valid-after=\"20260101000001Z\",valid-before=\"20260201000000Z\""));
}

#[test]
fn allowed_signers_parse() {
    let text = format!(
            "# comment\n\n  a@b,c@d {k1}\n\"e@f,g@h\" namespaces=\"git,avow-*\",VALID-AFTER=\"20260101Z\",valid-before=\"202701021030Z\" {k2} my key\nca@x cert-authority,namespaces=\"x\\\"y\" {k3}\n",
            k1 = key_line(1, ""),
            k2 = key_line(2, ""),
            k3 = key_line(3, "")
        );
    let e = Keyring::from_allowed_signers(&text, Path::new("signers")).unwrap();
    assert_eq!(e.len(), 3);
    assert_eq!(e[0].principals, ["a@b", "c@d"]);
    assert_eq!((e[0].line, e[0].namespaces.clone(), e[0].cert_authority), (3, None, false));
    assert_eq!(e[1].principals, ["e@f", "g@h"]);
    assert_eq!(e[1].namespaces, Some(vec!["git".to_owned(), "avow-*".to_owned()]));
    assert_eq!(e[1].valid_after, Some(date("2026-01-01")));
    assert_eq!(e[1].valid_before, Some(date("2027-01-02T10:30:00Z")));
    assert_eq!(e[1].key.comment(), "my key");
    assert!(e[2].cert_authority);
    assert_eq!(e[2].namespaces, Some(vec!["x\"y".to_owned()]));
}

#[test]
fn allowed_signers_local_time_without_z() {
    let text = format!("a@b valid-after=\"20260101123456\" {}\n", key_line(1, ""));
    let e = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap();
    let expected = Local
        .from_local_datetime(&NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(12, 34, 56).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(e[0].valid_after, Some(expected));
}

#[test]
fn allowed_signers_errors() {
    let k = key_line(1, "");
    let cases = [
        (format!("a@b foo=\"x\" {k}"), "s:1: options: unsupported option \"foo\""),
        (
            format!("a@b valid-before=\"2027\" {k}"),
            "s:1: valid-before: \"2027\" is not a date (use YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC)",
        ),
        (
            format!("a@b valid-after=\"20270101Z\",valid-before=\"20260101Z\" {k}"),
            "s:1: valid-before: is not after valid-after",
        ),
        (format!("a@b namespaces=git {k}"), "s:1: options: the value of namespaces must be in double quotes"),
        (format!("\"a@b {k}"), "s:1: principals: unterminated quoted principals"),
        ("a@b".to_owned(), "s:1: key: missing public key"),
        ("a@b ssh-ed25519".to_owned(), "s:1: options: unsupported option \"ssh-ed25519\""),
        (
            "a@b namespaces=\"x\" ssh-ed25519 AAAA".to_owned(),
            "s:1: key: \"ssh-ed25519 AAAA\" is not an OpenSSH public key (expected keytype base64)",
        ),
    ];
    for (line, expected) in cases {
        let text = format!("# header\n{line}\n");
        let e = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap_err();
        assert_eq!(e.to_string(), expected.replace("s:1:", "s:2:"), "{line}");
    }
}

#[test]
fn allowed_signers_import() {
    let text = format!(
            "alice@example.org namespaces=\"avow-attestation@v1\",valid-after=\"20260110000000Z\",valid-before=\"20270110123000Z\" {k1}\n\
             git-only@example.org namespaces=\"git\" {k2}\n\
             not-avow@example.org namespaces=\"*,!avow-*\" {k3}\n\
             bob@example.org {k4}\n\
             alice@example.org,alias@example.org namespaces=\"git,avow-attestation@*\" {k5}\n\
             dup@example.org {k1}\n",
            k1 = key_line(1, "alice@laptop"),
            k2 = key_line(2, ""),
            k3 = key_line(3, ""),
            k4 = key_line(4, "bob"),
            k5 = sk_key_line(5),
        );
    let entries = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap();
    let mut k = Keyring::default();
    assert_eq!(k.import_allowed_signers(&entries, Role::Contributor).unwrap(), 3);
    assert_eq!(k.people.len(), 2);
    let alice = k.find_person_by_email("alice@example.org").unwrap();
    assert_eq!((alice.name.as_str(), alice.role, alice.keys.len()), ("alice", Role::Contributor, 2));
    assert_eq!(alice.keys[0].valid_after, Some(date("2026-01-10")));
    assert_eq!(alice.keys[0].expires, Some(date("2027-01-10T12:30:00Z")));
    assert_eq!(alice.keys[0].comment, "alice@laptop");
    assert_eq!(k.find_person_by_email("bob@example.org").unwrap().keys[0].comment, "bob");
    // importing again adds nothing
    assert_eq!(k.import_allowed_signers(&entries, Role::Contributor).unwrap(), 0);
    // export → import is the identity on unrevoked keys
    let exported = Keyring::from_allowed_signers(&k.to_allowed_signers(), Path::new("x")).unwrap();
    let mut back = Keyring::default();
    back.import_allowed_signers(&exported, Role::Contributor).unwrap();
    assert_eq!(back, k);
}

#[test]
fn import_refusals_change_nothing() {
    let cases = [
            (format!("a@b {}\nca@x cert-authority {}\n", key_line(1, ""), key_line(2, "")), "allowed_signers line 2: cert-authority entries cannot be imported: avow trusts individual keys, not certificate authorities"),
            (format!("a@b {}\n*@x {}\n", key_line(1, ""), key_line(2, "")), "allowed_signers line 2: principal \"*@x\" is a pattern; avow needs one email address per key"),
            (format!("a@b {}\nrsa@x {RSA}\n", key_line(1, "")), "allowed_signers line 2: an RSA key of 1024 bits is not accepted: RSA keys must have 2048 to 4096 bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"),
            (format!("a@b {}\nalice {}\n", key_line(1, ""), key_line(2, "")), "allowed_signers line 2: principal \"alice\" is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)"),
        ];
    for (text, expected) in cases {
        let entries = Keyring::from_allowed_signers(&text, Path::new("s")).unwrap();
        let mut k = Keyring::default();
        assert_eq!(k.import_allowed_signers(&entries, Role::Contributor).unwrap_err().to_string(), expected);
        assert!(k.people.is_empty());
    }
    // a git-only RSA key is simply skipped
    let entries = Keyring::from_allowed_signers(&format!("rsa@x namespaces=\"git\" {RSA}\n"), Path::new("s")).unwrap();
    assert_eq!(Keyring::default().import_allowed_signers(&entries, Role::Contributor).unwrap(), 0);
}

#[test]
fn pattern_lists() {
    let l = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert!(match_pattern_list(NAMESPACE, &l(&["git", "avow-attestation@v1"])));
    assert!(match_pattern_list(NAMESPACE, &l(&["*"])));
    assert!(match_pattern_list(NAMESPACE, &l(&["avow-?ttestation@*"])));
    assert!(!match_pattern_list(NAMESPACE, &l(&["*", "!avow-*"])));
    assert!(!match_pattern_list(NAMESPACE, &l(&["git"])));
    assert!(!match_pattern_list(NAMESPACE, &l(&["Avow-attestation@v1"])));
}

#[test]
fn ssh_times() {
    assert_eq!(parse_ssh_time("20260102Z"), Some(date("2026-01-02")));
    assert_eq!(parse_ssh_time("202601020304utc"), Some(date("2026-01-02T03:04:00Z")));
    assert_eq!(parse_ssh_time("20260102030405z"), Some(date("2026-01-02T03:04:05Z")));
    assert_eq!(parse_ssh_time("20261302Z"), None);
    assert_eq!(parse_ssh_time("2026010Z"), None);
    assert_eq!(parse_ssh_time("Z"), None);
    assert_eq!(parse_ssh_time("+2026010"), None);
}

/// An RSA public key (public, harmless), to show it is refused.
const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDGmNsD0mVxXCx5MdWvl0VP3Gq8iKHN0+C1xbWRfIkVsH0xsJ/qPGUZ3G8CXRJ5Htn6mHQGdZFXwcTDPHp7DVhHiK0tFz5pO0jvA0ZkzHpJ2XnTBhdj0lR2ib7KQ1b5lJj4k6mjhHbjT3l0wJ3cZVp3yZjvpDn0t5o3e8X3kOvx5w== rsa@example";

/// An `ssh-rsa` line with modulus `n` and exponent `e`.
fn rsa_line(n: &num_bigint_dig::BigUint, e: u64) -> String {
    let mpint = |b: Vec<u8>| ssh_key::Mpint::from_positive_bytes(&b).unwrap();
    let key = ssh_key::public::RsaPublicKey {
        e: mpint(num_bigint_dig::BigUint::from(e).to_bytes_be()),
        n: mpint(n.to_bytes_be()),
    };
    PublicKey::new(KeyData::Rsa(key), "").to_openssh().unwrap()
}

/// Entry 116: the RSA keys anyone can sign for. Loading refuses a bad
/// exponent, an even modulus and a factor below 2^10; where a key enters,
/// a factor below 2^16 and a prime modulus too. A real modulus (from
/// `openssl genrsa 2048`) passes both.
#[test]
fn rsa_keys_anyone_can_sign_for_are_refused() {
    use num_bigint_dig::BigUint;
    let real = BigUint::parse_bytes(b"A649324752B3629EB866621D953AECE11900B4B731F6AE9BE9269A754E65274E94A9B30210B1216F969BFD07D1D16FAADEA3930D9D932429FAF9C720BC8C05D217A3DD0FB8F17B37B0A2E5349274F89784C6CBE98F106D41008C95CBA985C78153B5558CFBBB9C59A8BA49316A59AD1F0AB9ECCAABB0528A6FBC5D14B5B9D9EBBFD8EC951914B02E5275D9B8F7355FBADEE08180534BB0A70064D604FD292E3E8306AB7690475A93DF9F0841050388CB6C736D82A9662203615F10581C986351CDFD166FF39A702F5C30570718B5764A2551B89AE10E6B739CCE0C83D9FCF94C2FB73FCD233BC199BF6911F1C242306FFC3BF5199B39B3C32B01908439860E71", 16).unwrap();
    let loads = |line: &str| Key::from_openssh(line).map(|_| ()).map_err(|e| e.to_string());
    let enters = |line: &str| Key::from_openssh(line).and_then(|k| k.check_thoroughly()).map_err(|e| e.to_string());
    assert_eq!(enters(&rsa_line(&real, 65537)), Ok(()));
    assert_eq!(enters(&rsa_line(&real, 3)), Ok(()));
    for e in [1, 2, 65536, 1 << 33, (1 << 33) + 1] {
        assert!(loads(&rsa_line(&real, e)).unwrap_err().contains("public exponent"), "e = {e}");
    }
    assert!(loads(&rsa_line(&(&real + 1u32), 65537)).unwrap_err().contains("modulus is even"));
    // An odd multiple of a small prime, as long as the real modulus.
    let multiple = |p: u32| {
        let q = &real / p;
        let q = if &q % 2u32 == BigUint::from(1u32) { q } else { q - 1u32 };
        q * p
    };
    let small = "modulus has a small prime factor";
    assert!(loads(&rsa_line(&multiple(1021), 65537)).unwrap_err().contains(small));
    // 65521 times a cofactor without a factor below 2^10 (the next odd
    // one that loads): loading leaves it to the checks where keys enter.
    let big_factor = (0..1000u32)
        .map(|i| rsa_line(&(multiple(65521) + BigUint::from(2 * 65521 * i)), 65537))
        .find(|line| loads(line).is_ok())
        .unwrap();
    assert!(enters(&big_factor).unwrap_err().contains(small));
    let prime = avow_testutil::forge::WeakRsaKey::prime(avow_testutil::forge::PRIME_2048).openssh();
    assert_eq!(loads(&prime), Ok(()), "left to the checks where keys enter");
    assert!(enters(&prime).unwrap_err().contains("modulus is a prime"));
    // keyring add and import refuse it.
    let mut k = Keyring::default();
    let err = k.add(&new_key("Mallory", "mallory@example.org", Role::Contributor, &prime)).unwrap_err();
    assert!(err.to_string().contains("modulus is a prime"), "{err}");
    let entries = Keyring::from_allowed_signers(&format!("mallory@example.org {prime}\n"), Path::new("s")).unwrap();
    let err = k.import_allowed_signers(&entries, Role::Contributor).unwrap_err();
    assert!(err.to_string().contains("modulus is a prime"), "{err}");
    assert!(k.people().is_empty());
}

/// An ECDSA key that is no point of its curve is refused; the identity
/// (SEC1's single zero byte) does not even read as a key.
#[test]
fn ecdsa_keys_off_the_curve_or_the_identity_are_refused() {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    use ssh_key::public::EcdsaPublicKey;
    let secret = p256::SecretKey::from_slice(&[7; 32]).unwrap();
    let point = secret.public_key().to_encoded_point(false);
    let good = PublicKey::new(KeyData::Ecdsa(EcdsaPublicKey::NistP256(point)), "").to_openssh().unwrap();
    Key::from_openssh(&good).unwrap();
    let mut bytes = point.as_bytes().to_vec();
    *bytes.last_mut().unwrap() ^= 1;
    let off = p256::EncodedPoint::from_bytes(&bytes).unwrap();
    let off = PublicKey::new(KeyData::Ecdsa(EcdsaPublicKey::NistP256(off)), "").to_openssh().unwrap();
    let err = Key::from_openssh(&off).unwrap_err().to_string();
    assert!(err.contains("not a point of its curve"), "{err}");
    let wire = |parts: &[&[u8]]| -> Vec<u8> {
        parts
            .iter()
            .flat_map(|p| u32::try_from(p.len()).unwrap().to_be_bytes().into_iter().chain(p.iter().copied()))
            .collect()
    };
    let identity = wire(&[b"ecdsa-sha2-nistp256", b"nistp256", &[0]]);
    assert!(PublicKey::from_bytes(&identity).is_err());
    assert!(PublicKey::from_bytes(&wire(&[b"ecdsa-sha2-nistp256", b"nistp256", point.as_bytes()])).is_ok());
}

/// ed25519-dalek's answer to "does this encoding decode to a point of
/// small order", which `is_small_order_encoding` answers without decoding.
fn dalek_small_order(bytes: &[u8; 32]) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(bytes).is_ok_and(|k| k.is_weak())
}

/// Every encoding of the eight points of small order (both sign bits, and
/// the non-canonical y + p where it fits in 255 bits), and their
/// neighbours, read as ed25519-dalek reads them.
#[test]
fn small_order_encodings_are_dalek_s() {
    // p = 2^255 - 19, little-endian.
    let mut p = [0xff_u8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    let add = |a: &[u8; 32], b: &[u8; 32]| -> Option<[u8; 32]> {
        let (mut out, mut carry) = ([0u8; 32], 0u16);
        for i in 0..32 {
            let v = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        (carry == 0 && out[31] & 0x80 == 0).then_some(out)
    };
    let small = |v: u8| {
        let mut b = [0u8; 32];
        b[0] = v;
        b
    };
    let mut weak_seen = 0;
    for point in curve25519_dalek::constants::EIGHT_TORSION {
        let y = point.compress().to_bytes();
        let mut canonical = y;
        canonical[31] &= 0x7f;
        let mut encodings = vec![canonical];
        encodings.extend(add(&canonical, &p));
        for e in encodings.clone() {
            // Neighbours of every encoding, above and below.
            encodings.extend(add(&e, &small(1)));
            encodings.extend(add(&e, &small(2)));
            let below = (0..32).fold((e, true), |(mut out, borrow), i| {
                let (v, b1) = out[i].overflowing_sub(u8::from(borrow));
                out[i] = v;
                (out, b1)
            });
            if !below.1 {
                encodings.push(below.0);
            }
        }
        for e in encodings {
            for sign in [0, 0x80] {
                let mut bytes = e;
                bytes[31] |= sign;
                let expected = dalek_small_order(&bytes);
                weak_seen += usize::from(expected);
                assert_eq!(values::is_small_order_encoding(&bytes), expected, "{bytes:02x?}");
            }
        }
    }
    // Each of the eight points, with both sign bits, and the two
    // non-canonical encodings (p and p + 1) with both: no fewer.
    assert!(weak_seen >= 20, "{weak_seen}");
}

proptest::proptest! {
    #[test]
    fn small_order_check_is_dalek_s(bytes in proptest::array::uniform32(proptest::num::u8::ANY)) {
        proptest::prop_assert_eq!(values::is_small_order_encoding(&bytes), dalek_small_order(&bytes));
    }

    /// Values at the top of the field (from p − 40 to 2^255 − 1), where
    /// the reduction modulo p decides.
    #[test]
    fn small_order_check_near_p(low in 0xc5_u8.., sign in proptest::bool::ANY) {
        let mut bytes = [0xff_u8; 32];
        bytes[0] = low;
        bytes[31] = if sign { 0xff } else { 0x7f };
        proptest::prop_assert_eq!(values::is_small_order_encoding(&bytes), dalek_small_order(&bytes));
    }
}
