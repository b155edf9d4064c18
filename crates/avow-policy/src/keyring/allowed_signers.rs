//! OpenSSH `allowed_signers`: exporting the keyring to it, and importing
//! from it.

use super::*;

/// `YYYYMMDDHHMMSS`, UTC with a `Z` (or `UTC`) suffix, local time without.
pub(super) fn parse_ssh_time(s: &str) -> Option<DateTime<Utc>> {
    let upper = s.to_ascii_uppercase();
    let (digits, utc) = if let Some(d) = upper.strip_suffix("UTC").filter(|d| !d.is_empty()) {
        (d, true)
    } else if let Some(d) = upper.strip_suffix('Z').filter(|d| !d.is_empty()) {
        (d, true)
    } else {
        (upper.as_str(), false)
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let naive = match digits.len() {
        8 => NaiveDate::parse_from_str(digits, "%Y%m%d").ok()?.and_time(NaiveTime::MIN),
        12 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok()?,
        14 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok()?,
        _ => return None,
    };
    if utc {
        Some(naive.and_utc())
    } else {
        Local.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc))
    }
}

pub(super) fn ssh_time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%d%H%M%SZ").to_string()
}

/// OpenSSH's `match_pattern_list` (case-sensitive): a match on a `!`
/// pattern refuses, otherwise any match accepts.
pub(super) fn match_pattern_list(s: &str, patterns: &[String]) -> bool {
    let mut positive = false;
    for p in patterns {
        match p.strip_prefix('!') {
            Some(neg) if glob(s.as_bytes(), neg.as_bytes()) => return false,
            Some(_) => {}
            None => positive |= glob(s.as_bytes(), p.as_bytes()),
        }
    }
    positive
}

/// `*` and `?` wildcards.
pub(super) fn glob(s: &[u8], p: &[u8]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Splits off the first whitespace-delimited token, honouring a leading
/// double quote as OpenSSH's `strdelimw` does. Returns (token, rest).
pub(super) fn principals_token(line: &str) -> Option<(&str, &str)> {
    if let Some(quoted) = line.strip_prefix('"') {
        let end = quoted.find('"')?;
        let rest = &quoted[end + 1..];
        if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
            return None;
        }
        Some((&quoted[..end], rest))
    } else {
        let end = line.find([' ', '\t']).unwrap_or(line.len());
        Some((&line[..end], &line[end..]))
    }
}

/// Splits off the options field: up to the first whitespace outside double
/// quotes (with `\"` escapes inside them).
pub(super) fn options_token(s: &str) -> (&str, &str) {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

/// Parses `keytype base64 [comment]`, any key type.
pub(super) fn any_public_key(s: &str) -> Option<PublicKey> {
    let mut words = s.split_whitespace();
    let (kind, data) = (words.next()?, words.next()?);
    let mut key = PublicKey::from_openssh(&format!("{kind} {data}")).ok()?;
    let comment = s.trim_start()[kind.len()..].trim_start()[data.len()..].trim();
    key.set_comment(comment);
    Some(key)
}

#[derive(Default)]
pub(super) struct SignerOptions {
    pub(super) cert_authority: bool,
    pub(super) namespaces: Option<Vec<String>>,
    pub(super) valid_after: Option<DateTime<Utc>>,
    pub(super) valid_before: Option<DateTime<Utc>>,
}

pub(super) fn parse_signer_options(opts: &str) -> Result<SignerOptions, (&'static str, String)> {
    let mut out = SignerOptions::default();
    let mut rest = opts;
    while !rest.is_empty() {
        let name_end = rest.find([',', '=']).unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let value = if let Some(after) = rest.strip_prefix('=') {
            let Some(body) = after.strip_prefix('"') else {
                return Err(("options", format!("the value of {name} must be in double quotes")));
            };
            let mut value = String::new();
            let mut chars = body.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' if body[i + 1..].starts_with('"') => {
                        chars.next();
                        value.push('"');
                    }
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let Some(end) = end else {
                return Err(("options", format!("the value of {name} has no closing quote")));
            };
            rest = &body[end + 1..];
            Some(value)
        } else {
            None
        };
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None if rest.is_empty() => {}
            None => return Err(("options", format!("expected a comma after {name}"))),
        }
        match (name.as_str(), value) {
            ("cert-authority", None) => out.cert_authority = true,
            ("namespaces", Some(v)) => {
                if out.namespaces.is_some() {
                    return Err(("namespaces", "given twice".to_owned()));
                }
                out.namespaces = Some(v.split(',').map(str::to_owned).collect());
            }
            ("valid-after" | "valid-before", Some(v)) => {
                let field = if name == "valid-after" { "valid-after" } else { "valid-before" };
                let at = parse_ssh_time(&v).ok_or_else(|| {
                    (
                        field,
                        format!("{v:?} is not a date (use YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC)"),
                    )
                })?;
                let slot = if field == "valid-after" { &mut out.valid_after } else { &mut out.valid_before };
                if slot.replace(at).is_some() {
                    return Err((field, "given twice".to_owned()));
                }
            }
            ("cert-authority", Some(_)) => return Err(("options", "cert-authority takes no value".to_owned())),
            ("namespaces" | "valid-after" | "valid-before", None) => {
                return Err(("options", format!("{name} needs a value: {name}=\"…\"")))
            }
            (other, _) => return Err(("options", format!("unsupported option {other:?}"))),
        }
    }
    if let (Some(after), Some(before)) = (out.valid_after, out.valid_before) {
        if before <= after {
            return Err(("valid-before", "is not after valid-after".to_owned()));
        }
    }
    Ok(out)
}

pub(super) fn parse_allowed_signer(
    source: &Source<'_>,
    number: usize,
    line: &str,
) -> Result<AllowedSigner, KeyringError> {
    let err = |field: &str, kind: InvalidKind, message: String| source.error_at_line(number, field, kind, message);
    let (principals, rest) = principals_token(line)
        .ok_or_else(|| err("principals", InvalidKind::Syntax, "unterminated quoted principals".to_owned()))?;
    if principals.is_empty() {
        return Err(err("principals", InvalidKind::Value, "no principals".to_owned()));
    }
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Err(err("key", InvalidKind::Key, "missing public key".to_owned()));
    }
    let (options, key) = if let Some(key) = any_public_key(rest) {
        (SignerOptions::default(), key)
    } else {
        let (opts, after) = options_token(rest);
        let options = parse_signer_options(opts).map_err(|(field, m)| err(field, InvalidKind::Option, m))?;
        let after = after.trim_start();
        if after.is_empty() {
            return Err(err("key", InvalidKind::Key, "missing public key".to_owned()));
        }
        let key = any_public_key(after).ok_or_else(|| {
            err(
                "key",
                InvalidKind::Key,
                format!("{:?} is not an OpenSSH public key (expected keytype base64)", excerpt(after)),
            )
        })?;
        (options, key)
    };
    Ok(AllowedSigner {
        principals: principals.split(',').map(str::to_owned).collect(),
        namespaces: options.namespaces,
        valid_after: options.valid_after,
        valid_before: options.valid_before,
        cert_authority: options.cert_authority,
        key,
        line: number,
    })
}

impl Keyring {
    /// The keyring as an OpenSSH `allowed_signers` file: one line per key
    /// that is not revoked, `email namespaces="avow-attestation@v1"` with
    /// `valid-after` and `expires` as `valid-before` (UTC, whole
    /// seconds), so that `ssh-keygen -Y verify` agrees with
    /// [`Key::status_at`] about unrevoked keys.
    pub fn to_allowed_signers(&self) -> String {
        let mut out = format!(
            "# OpenSSH allowed_signers exported from the avow keyring (revoked keys left out).\n\
             # ssh-keygen -Y verify -f THIS_FILE -I EMAIL -n {NAMESPACE} -s SIGNATURE < MESSAGE\n",
        );
        for (person, key) in self.keys().filter(|(_, k)| k.revoked.is_none()) {
            out.push_str(&person.email);
            _ = write!(out, " namespaces=\"{NAMESPACE}\"");
            if let Some(after) = key.valid_after {
                // OpenSSH compares whole seconds: round the start up.
                let whole = after.with_nanosecond(0).unwrap_or(after);
                let start = if whole == after { whole } else { whole + TimeDelta::seconds(1) };
                _ = write!(out, ",valid-after=\"{}\"", ssh_time(start));
            }
            if let Some(expires) = key.expires {
                _ = write!(out, ",valid-before=\"{}\"", ssh_time(expires));
            }
            out.push(' ');
            out.push_str(&key.openssh_line());
            out.push('\n');
        }
        out
    }

    /// Parses an OpenSSH `allowed_signers` file: `principals [options]
    /// keytype base64 [comment]` per line, principals comma-separated and
    /// possibly in double quotes, options `cert-authority`,
    /// `namespaces="…"`, `valid-after="…"`, `valid-before="…"` (dates as
    /// `ssh-keygen` reads them: `YYYYMMDD[HHMM[SS]]`, UTC with a `Z` suffix,
    /// local time without). Blank lines and `#` comments are skipped. Keys
    /// of every type are read; [`Keyring::import_allowed_signers`] refuses
    /// those avow does not accept.
    pub fn from_allowed_signers(text: &str, path: &Path) -> Result<Vec<AllowedSigner>, KeyringError> {
        let source = Source { text, path };
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start_matches([' ', '\t']).trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            entries.push(parse_allowed_signer(&source, i + 1, line)?);
        }
        Ok(entries)
    }

    /// Adds the keys of `allowed_signers` entries, all or nothing. Entries
    /// whose namespaces exclude `avow-attestation@v1` are skipped, and so are
    /// keys already in the keyring. The first principal is the email (name:
    /// its local part; role: `role` for new people); `valid-after` becomes
    /// `valid-after` and `valid-before` `expires`. `cert-authority` entries,
    /// pattern principals and key types not in [`ACCEPTED_KEY_TYPES`] are
    /// refused.
    /// Returns how many keys were added.
    pub fn import_allowed_signers(&mut self, entries: &[AllowedSigner], role: Role) -> Result<usize, KeyringError> {
        let mut next = self.clone();
        let mut added = 0;
        for entry in entries {
            let refuse = |message: String| KeyringError::Import { line: entry.line, message };
            if !entry.allows_avow() {
                continue;
            }
            if entry.cert_authority {
                return Err(refuse(
                    "cert-authority entries cannot be imported: avow trusts individual keys, not certificate authorities"
                        .to_owned(),
                ));
            }
            let email = entry.principals.first().map(String::as_str).unwrap_or_default();
            if email.contains(['*', '?']) || email.starts_with('!') {
                return Err(refuse(format!("principal {email:?} is a pattern; avow needs one email address per key")));
            }
            check_email(email).map_err(|m| refuse(format!("principal {m}")))?;
            check_thoroughly(&entry.key).map_err(|p| refuse(p.to_string()))?;
            let mut key = Key::new(entry.key.clone());
            if next.position(&key.fingerprint).is_some() {
                continue;
            }
            key.valid_after = entry.valid_after;
            key.expires = entry.valid_before;
            let person = if let Some(p) = next.person_index(email) {
                p
            } else {
                let name = email.split('@').next().filter(|n| !n.is_empty()).unwrap_or(email);
                next.people.push(Person { name: name.to_owned(), email: email.to_owned(), role, keys: Vec::new() });
                next.people.len() - 1
            };
            next.push_key(person, key);
            added += 1;
        }
        *self = next;
        Ok(added)
    }
}

impl AllowedSigner {
    /// Whether the entry's `namespaces` (OpenSSH pattern rules) take avow's
    /// signatures; an entry without the option takes every namespace.
    /// `import` skips the others (a key given only for git's signatures).
    pub fn allows_avow(&self) -> bool {
        self.namespaces.as_ref().is_none_or(|ns| match_pattern_list(NAMESPACE, ns))
    }
}
