//! The commit-msg hook's record of key files read in full
//! (`.git/avow/checked-keys`, `src/key_record.rs`): keyed by the digest of
//! the file's bytes, so a key file that changed is read in full again —
//! its halves checked against each other — and never signs on the word of
//! the record.

use avow_sign::ssh_key::private::{Ed25519Keypair, KeypairData};
use avow_sign::ssh_key::{LineEnding, PrivateKey};

use crate::support::*;

fn record(w: &World) -> String {
    std::fs::read_to_string(w.path().join(".git/avow/checked-keys")).unwrap_or_default()
}

fn hex(text: &str) -> String {
    avow_verify::cache::hex(&avow_sign::key_digest(text))
}

/// Commits a new file with a statement; the hook's outcome.
fn commit_file(w: &World, name: &str) -> Run {
    w.write(name, "x\n");
    w.git(["add", "-A"]);
    let rationale = format!("Rationale: Add {name}, so that the key record has another commit to sign for.");
    w.commit(&["-m", &format!("Add {name}"), "--trailer", "Authorship: human", "--trailer", &rationale])
}

#[test]
fn the_key_read_in_full_is_recorded_by_its_bytes_and_reused() {
    let w = World::adopted("disclose");
    let key = std::fs::read_to_string(&w.key).unwrap();
    let digest = hex(&key);
    assert_eq!(record(&w), format!("avow-checked-keys 1\n{digest}\n"));
    // The next commits read it from the record; it stays as it was.
    commit_file(&w, "a.txt").expect(0);
    commit_file(&w, "b.txt").expect(0);
    assert_eq!(record(&w), format!("avow-checked-keys 1\n{digest}\n"));
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_changed_key_file_is_read_in_full_and_a_broken_one_never_signs() {
    let w = World::adopted("disclose");
    let good = std::fs::read_to_string(&w.key).unwrap();
    assert!(record(&w).contains(&hex(&good)));
    // The same private half with another key's public half: ssh-key
    // refuses it (signing with it could leak the private key). The record
    // names the old bytes only, so it must not stand for these.
    let key = PrivateKey::from_openssh(&good).unwrap();
    let KeypairData::Ed25519(pair) = key.key_data() else { panic!("an ed25519 test key") };
    let other = Ed25519Keypair::from_seed(&[9; 32]);
    let broken = Ed25519Keypair { public: other.public, private: pair.private.clone() };
    let broken = PrivateKey::new(KeypairData::Ed25519(broken), "alice").unwrap().to_openssh(LineEnding::LF).unwrap();
    std::fs::write(&w.key, broken.as_bytes()).unwrap();
    let r = commit_file(&w, "a.txt");
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(w.key.to_str().unwrap()), "{}", r.stderr);
    assert!(!record(&w).contains(&hex(&broken)), "{}", record(&w));
    assert_eq!(w.git(["rev-list", "--count", "base..HEAD"]), "0");
    // The good key back: signed again, from the record.
    std::fs::write(&w.key, good.as_bytes()).unwrap();
    commit_file(&w, "a.txt").expect(0);
    w.verify("base..HEAD").expect(0);
}

#[test]
fn a_damaged_record_only_means_reading_in_full() {
    let w = World::adopted("disclose");
    let digest = hex(&std::fs::read_to_string(&w.key).unwrap());
    std::fs::write(w.path().join(".git/avow/checked-keys"), "something else\nnot hex\n").unwrap();
    commit_file(&w, "a.txt").expect(0);
    assert_eq!(record(&w), format!("avow-checked-keys 1\n{digest}\n"));
    w.verify("base..HEAD").expect(0);
}

/// Entry 122 with a key file whose broken copy stands *before* the key:
/// the same private half with another public half, its first line
/// indented, then the key as it was. ssh-key reads that first block as
/// text before the key (RFC 7468 allows any) and the key after it, whose
/// halves agree: the file is recorded. The record's reader found the
/// first `BEGIN` line, trimmed, and read the broken block instead, so the
/// next commit was signed with a public half that is not the key's —
/// what entry 122 refuses (threat-model entry 132). Now it reads the file
/// as ssh-key does: the key after the text.
#[test]
fn a_broken_copy_before_the_key_never_signs_from_the_record() {
    let w = World::adopted("disclose");
    let good = std::fs::read_to_string(&w.key).unwrap();
    let key = PrivateKey::from_openssh(&good).unwrap();
    let KeypairData::Ed25519(pair) = key.key_data() else { panic!("an ed25519 test key") };
    let other = Ed25519Keypair::from_seed(&[9; 32]);
    let broken = Ed25519Keypair { public: other.public, private: pair.private.clone() };
    let broken = PrivateKey::new(KeypairData::Ed25519(broken), "alice").unwrap().to_openssh(LineEnding::LF).unwrap();
    let file = format!("  {}{good}", broken.as_str());
    std::fs::write(&w.key, file.as_bytes()).unwrap();
    // Read in full: the key after the text, and recorded.
    commit_file(&w, "a.txt").expect(0);
    assert!(record(&w).contains(&hex(&file)), "{}", record(&w));
    // From the record: still the key's own public half.
    commit_file(&w, "b.txt").expect(0);
    w.verify("base..HEAD").expect(0);
}
