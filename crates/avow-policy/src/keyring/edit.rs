//! Changing a keyring: adding, revoking and rotating keys.

use super::*;

impl Keyring {
    pub(super) fn refuse_duplicate(&self, key: &Key) -> Result<(), KeyringError> {
        match self.find_by_fingerprint(&key.fingerprint) {
            Some((person, _)) => {
                Err(KeyringError::DuplicateKey { fingerprint: key.fingerprint.clone(), email: person.email.clone() })
            }
            None => Ok(()),
        }
    }

    pub(super) fn push_key(&mut self, person: usize, key: Key) -> &Key {
        let keys = &mut self.people[person].keys;
        self.index.insert(key.fingerprint.clone(), (person, keys.len()));
        keys.push(key);
        &keys[keys.len() - 1]
    }

    /// Adds a key (an OpenSSH public key line) to the person with this
    /// email, or to a new person. Refuses a key that is already in the
    /// keyring (under anyone), a window that could never sign (`expires`
    /// before `valid-after`), and, for an existing person, a name or role
    /// other than theirs (changing those is a deliberate edit of the file):
    /// [`KeyringError::PersonDiffers`].
    pub fn add(&mut self, new: &NewKey<'_>) -> Result<&Key, KeyringError> {
        let mut key = Key::from_openssh(new.key)?;
        key.check_thoroughly()?;
        check_email(new.email).map_err(|message| KeyringError::BadValue { field: "email", message })?;
        if let (Some(after), Some(expires)) = (new.valid_after, new.expires) {
            if expires < after {
                return Err(KeyringError::BadValue {
                    field: "expires",
                    message: format!(
                        "{} is before valid-after ({}): the key could never sign",
                        format_date(expires),
                        format_date(after)
                    ),
                });
            }
        }
        self.refuse_duplicate(&key)?;
        key.added = new.added;
        key.valid_after = new.valid_after;
        key.expires = new.expires;
        let person = if let Some(p) = self.person_index(new.email) {
            let person = &self.people[p];
            let other_name = new.name.filter(|n| *n != person.name);
            let other_role = new.role.filter(|r| *r != person.role);
            if other_name.is_some() || other_role.is_some() {
                return Err(KeyringError::PersonDiffers {
                    email: person.email.clone(),
                    name: person.name.clone(),
                    role: person.role,
                    given_name: other_name.map(str::to_owned),
                    given_role: other_role,
                });
            }
            p
        } else {
            let name = new.name.ok_or(KeyringError::BadValue {
                field: "name",
                message: format!("{} is not in the keyring yet, so a new person needs a name", new.email),
            })?;
            check_name(name).map_err(|message| KeyringError::BadValue { field: "name", message })?;
            let role = new.role.unwrap_or(Role::Contributor);
            self.people.push(Person { name: name.to_owned(), email: new.email.to_owned(), role, keys: Vec::new() });
            self.people.len() - 1
        };
        Ok(self.push_key(person, key))
    }

    /// The fingerprint of the one key whose fingerprint starts with
    /// `prefix` (`SHA256:` may be left out; at least 4 characters of the
    /// hash). Errors: no key ([`KeyringError::UnknownKey`]) or several
    /// ([`KeyringError::AmbiguousKey`], listing them).
    pub fn resolve_fingerprint(&self, prefix: &str) -> Result<String, KeyringError> {
        let full = normalize_fingerprint(prefix);
        if self.position(&full).is_some() {
            return Ok(full);
        }
        let hash_len = full.len() - "SHA256:".len();
        if hash_len < 4 {
            return Err(KeyringError::BadValue {
                field: "fingerprint",
                message: format!(
                    "{prefix:?} is too short to name a key; give at least 4 characters of the SHA256:… fingerprint"
                ),
            });
        }
        let matches: Vec<String> =
            self.keys().map(|(_, k)| k.fingerprint.clone()).filter(|f| f.starts_with(&full)).collect();
        match matches.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(KeyringError::UnknownKey { fingerprint: full }),
            _ => Err(KeyringError::AmbiguousKey { prefix: prefix.trim().to_owned(), matches }),
        }
    }

    /// The key a fingerprint (or unique prefix) names, to change; refused
    /// when it is unknown or already revoked.
    fn unrevoked_mut(&mut self, fingerprint: &str) -> Result<&mut Key, KeyringError> {
        let fingerprint = self.resolve_fingerprint(fingerprint)?;
        let (p, k) =
            self.position(&fingerprint).ok_or_else(|| KeyringError::UnknownKey { fingerprint: fingerprint.clone() })?;
        let key = &mut self.people[p].keys[k];
        if let Some(r) = &key.revoked {
            return Err(KeyringError::AlreadyRevoked { fingerprint, at: r.at });
        }
        Ok(key)
    }

    /// Revokes a key: from now on it is refused for every signature, also
    /// those made before `at`.
    pub fn revoke(&mut self, fingerprint: &str, reason: &str, at: DateTime<Utc>) -> Result<(), KeyringError> {
        check_reason(reason).map_err(|message| KeyringError::BadValue { field: "reason", message })?;
        let key = self.unrevoked_mut(fingerprint)?;
        key.revoked = Some(Revocation { at, reason: reason.to_owned() });
        Ok(())
    }

    /// Retires a key that is not compromised (its owner left, a machine was
    /// decommissioned): it expires at `at`, or keeps an earlier expiry, so
    /// what it signed until then stays valid. A revoked key stays revoked.
    pub fn expire(&mut self, fingerprint: &str, at: DateTime<Utc>) -> Result<(), KeyringError> {
        let key = self.unrevoked_mut(fingerprint)?;
        if key.valid_after.is_some_and(|after| at < after) {
            return Err(KeyringError::BadValue {
                field: "at",
                message: format!("the expiry {} is before the key's valid-after", format_date(at)),
            });
        }
        key.expires = Some(key.expires.map_or(at, |e| e.min(at)));
        Ok(())
    }

    /// Replaces a key by a new one on the same person: the new key is good
    /// from `at` and records `succeeds = old`; the old key expires at `at`
    /// (unless it expires earlier already). The old key is not revoked, so
    /// what it signed before `at` stays valid.
    pub fn rotate(&mut self, old_fingerprint: &str, new_key: &str, at: DateTime<Utc>) -> Result<&Key, KeyringError> {
        let old_fingerprint = self.resolve_fingerprint(old_fingerprint)?;
        let (p, k) = self
            .position(&old_fingerprint)
            .ok_or_else(|| KeyringError::UnknownKey { fingerprint: old_fingerprint.clone() })?;
        let mut new = Key::from_openssh(new_key)?;
        new.check_thoroughly()?;
        self.refuse_duplicate(&new)?;
        let old = &mut self.people[p].keys[k];
        if old.valid_after.is_some_and(|after| at < after) {
            return Err(KeyringError::BadValue {
                field: "at",
                message: format!("the rotation date {} is before the old key's valid-after", format_date(at)),
            });
        }
        old.expires = Some(old.expires.map_or(at, |e| e.min(at)));
        new.added = Some(at);
        new.succeeds = Some(old_fingerprint);
        Ok(self.push_key(p, new))
    }
}
