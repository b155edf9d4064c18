//! Reading `.avow/keyring.toml`: the raw TOML shape, checked field by
//! field into a [`Keyring`].

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKeyring {
    pub(super) version: Spanned<i64>,
    #[serde(default)]
    pub(super) person: Vec<Spanned<RawPerson>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPerson {
    pub(super) name: Spanned<String>,
    pub(super) email: Spanned<String>,
    pub(super) role: Spanned<String>,
    #[serde(default)]
    pub(super) key: Vec<Spanned<RawKey>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawKey {
    pub(super) key: Spanned<String>,
    pub(super) added: Option<Spanned<toml::Value>>,
    pub(super) valid_after: Option<Spanned<toml::Value>>,
    pub(super) expires: Option<Spanned<toml::Value>>,
    pub(super) revoked: Option<Spanned<toml::Value>>,
    pub(super) revoked_reason: Option<Spanned<String>>,
    pub(super) succeeds: Option<Spanned<String>>,
}

/// Only the version, to report "unsupported version" rather than the
/// unknown fields of a newer format.
#[derive(Deserialize)]
pub(super) struct RawVersion {
    pub(super) version: Spanned<i64>,
}

impl Source<'_> {
    pub(super) fn version(&self, version: &Spanned<i64>) -> Result<(), KeyringError> {
        let v = *version.get_ref();
        if v == KEYRING_VERSION {
            Ok(())
        } else {
            Err(self.error(
                version.span().start,
                "version",
                InvalidKind::Version,
                format!("unsupported keyring version {v} (this avow reads version {KEYRING_VERSION}; a newer avow may read it)"),
            ))
        }
    }

    pub(super) fn date(&self, value: &Spanned<toml::Value>, field: &str) -> Result<DateTime<Utc>, KeyringError> {
        self.time(value, field, parse_date)
    }

    /// Like [`Source::date`], with a date alone meaning the end of that day.
    pub(super) fn expiry(&self, value: &Spanned<toml::Value>, field: &str) -> Result<DateTime<Utc>, KeyringError> {
        self.time(value, field, parse_expiry)
    }

    pub(super) fn time(
        &self,
        value: &Spanned<toml::Value>,
        field: &str,
        parse: fn(&str) -> Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>, KeyringError> {
        let at = value.span().start;
        match value.get_ref() {
            toml::Value::String(s) => {
                parse(s).ok_or_else(|| self.error(at, field, InvalidKind::Date, date_error_message(s)))
            }
            toml::Value::Datetime(d) => {
                let s = d.to_string();
                parse(&s).ok_or_else(|| self.error(at, field, InvalidKind::Date, date_error_message(&s)))
            }
            other => Err(self.error(
                at,
                field,
                InvalidKind::WrongType,
                format!("invalid type: {}, expected a date like \"2026-01-10\"", other.type_str()),
            )),
        }
    }

    /// Turns a toml error into a located one-line error.
    pub(super) fn toml_error(&self, e: &toml::de::Error) -> KeyringError {
        if let Ok(raw) = toml::from_str::<RawVersion>(self.text) {
            if let Err(version_error) = self.version(&raw.version) {
                return version_error;
            }
        }
        let span = e.span().unwrap_or(0..0);
        let line = line_of(self.text, span.start);
        let message = one_line(e.message());
        let Ok(shape) = toml::from_str::<Shape>(self.text) else {
            return self.error_at_line(line, guess_field(self.text, line), InvalidKind::Syntax, message);
        };
        let named = |prefix: &str| -> Option<String> {
            let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
            Some(rest[..rest.find('`')?].to_owned())
        };
        let join =
            |table: String, name: &str| if table.is_empty() { name.to_owned() } else { format!("{table}.{name}") };
        if let Some(name) = named("unknown field ") {
            let table = locate(&shape, &span, &|table, _| table);
            let expected = message.split_once(", ").map(|(_, rest)| rest).filter(|r| r.starts_with("expected"));
            let text = match expected {
                Some(expected) => format!("unknown field ({expected})"),
                None => "unknown field".to_owned(),
            };
            return self.error_at_line(line, join(table, &name), InvalidKind::UnknownField, text);
        }
        if let Some(name) = named("missing field ") {
            // Spans alone are ambiguous here (a `[[person]]` table at the
            // top of the file spans as much as the root), so pick the table
            // by what the missing field belongs to.
            let table = match name.as_str() {
                "version" => String::new(),
                "key" => locate(&shape, &span, &|table, path| table && path.ends_with(']') && path.contains(".key[")),
                "name" | "email" | "role" => {
                    locate(&shape, &span, &|table, path| table && path.starts_with("person[") && !path.contains('.'))
                }
                _ => locate(&shape, &span, &|table, _| table),
            };
            return self.error_at_line(line, join(table, &name), InvalidKind::MissingField, "required field missing");
        }
        let kind = if message.starts_with("invalid type") { InvalidKind::WrongType } else { InvalidKind::Value };
        self.error_at_line(line, locate(&shape, &span, &|_, _| true), kind, message)
    }

    pub(super) fn person(
        &self,
        i: usize,
        raw: &RawPerson,
        emails: &mut HashMap<String, (usize, usize)>,
        seen: &mut HashMap<String, (String, usize)>,
    ) -> Result<Person, KeyringError> {
        let at = format!("person[{i}]");
        check_name(raw.name.get_ref())
            .map_err(|m| self.error(raw.name.span().start, format!("{at}.name"), InvalidKind::Value, m))?;
        let email = raw.email.get_ref();
        let email_at = raw.email.span().start;
        check_email(email).map_err(|m| self.error(email_at, format!("{at}.email"), InvalidKind::Value, m))?;
        if let Some((other, line)) = emails.get(&email.to_ascii_lowercase()) {
            return Err(self.error(
                email_at,
                format!("{at}.email"),
                InvalidKind::DuplicateEmail,
                format!("{email:?} is already used by person[{other}] (line {line})"),
            ));
        }
        emails.insert(email.to_ascii_lowercase(), (i, line_of(self.text, email_at)));
        let role =
            raw.role.get_ref().parse::<Role>().map_err(|e| {
                self.error(raw.role.span().start, format!("{at}.role"), InvalidKind::Role, e.to_string())
            })?;
        let mut keys = Vec::with_capacity(raw.key.len());
        for (j, key) in raw.key.iter().enumerate() {
            keys.push(self.key(&format!("{at}.key[{j}]"), key.get_ref(), seen)?);
        }
        Ok(Person { name: raw.name.get_ref().clone(), email: email.clone(), role, keys })
    }

    pub(super) fn key(
        &self,
        at: &str,
        raw: &RawKey,
        seen: &mut HashMap<String, (String, usize)>,
    ) -> Result<Key, KeyringError> {
        let key_at = raw.key.span().start;
        let public = parse_public_key(raw.key.get_ref())
            .map_err(|p| self.error(key_at, format!("{at}.key"), p.kind(), p.to_string()))?;
        let mut key = Key::new(public);
        if let Some((other, line)) = seen.get(&key.fingerprint) {
            return Err(self.error(
                key_at,
                format!("{at}.key"),
                InvalidKind::DuplicateKey,
                format!("key {} is already listed at {other} (line {line})", key.fingerprint),
            ));
        }
        seen.insert(key.fingerprint.clone(), (at.to_owned(), line_of(self.text, key_at)));
        key.added = raw.added.as_ref().map(|v| self.date(v, &format!("{at}.added"))).transpose()?;
        key.valid_after = raw.valid_after.as_ref().map(|v| self.date(v, &format!("{at}.valid-after"))).transpose()?;
        key.expires = raw.expires.as_ref().map(|v| self.expiry(v, &format!("{at}.expires"))).transpose()?;
        if let (Some(after), Some(expires), Some(raw_expires)) = (key.valid_after, key.expires, &raw.expires) {
            if expires < after {
                return Err(self.error(
                    raw_expires.span().start,
                    format!("{at}.expires"),
                    InvalidKind::Date,
                    format!(
                        "{} is before valid-after ({}): the key could never sign",
                        format_date(expires),
                        format_date(after)
                    ),
                ));
            }
        }
        let revoked_at = raw.revoked.as_ref().map(|v| self.date(v, &format!("{at}.revoked"))).transpose()?;
        let reason = match &raw.revoked_reason {
            Some(r) => {
                let field = format!("{at}.revoked-reason");
                check_reason(r.get_ref()).map_err(|m| self.error(r.span().start, &field, InvalidKind::Value, m))?;
                if revoked_at.is_none() {
                    return Err(self.error(
                        r.span().start,
                        field,
                        InvalidKind::Value,
                        "revoked-reason without a revoked date (add revoked = \"YYYY-MM-DD\")",
                    ));
                }
                r.get_ref().clone()
            }
            None => String::new(),
        };
        key.revoked = revoked_at.map(|at| Revocation { at, reason });
        if let Some(s) = &raw.succeeds {
            let field = format!("{at}.succeeds");
            let fpr = s.get_ref();
            if !is_fingerprint(fpr) {
                return Err(self.error(
                    s.span().start,
                    field,
                    InvalidKind::Value,
                    format!("{fpr:?} is not a key fingerprint (use SHA256:… as `ssh-keygen -l` prints it)"),
                ));
            }
            if *fpr == key.fingerprint {
                return Err(self.error(s.span().start, field, InvalidKind::Value, "a key cannot succeed itself"));
            }
            key.succeeds = Some(fpr.clone());
        }
        Ok(key)
    }
}

/// For syntax errors (no structure to walk): the field on `line`, judged
/// from the table headers above it and the key at its start.
pub(super) fn guess_field(text: &str, line: usize) -> String {
    let mut context = String::new();
    let (mut person, mut key) = (None::<usize>, None::<usize>);
    for (n, l) in text.lines().enumerate().take(line) {
        let l = l.trim();
        if let Some(header) = l.strip_prefix('[') {
            let array = header.starts_with('[');
            let name: String = header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            context = match (array, name.as_str()) {
                (true, "person") => {
                    person = Some(person.map_or(0, |p| p + 1));
                    key = None;
                    format!("person[{}]", person.unwrap_or(0))
                }
                (true, "person.key") => {
                    key = Some(key.map_or(0, |k| k + 1));
                    format!("person[{}].key[{}]", person.unwrap_or(0), key.unwrap_or(0))
                }
                _ => name,
            };
        } else if n + 1 == line {
            let name: String = l.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            if !name.is_empty() && l[name.len()..].trim_start().starts_with('=') {
                return if context.is_empty() { name } else { format!("{context}.{name}") };
            }
        }
    }
    context
}

impl Keyring {
    /// Parses keyring text. `path` is only used in error messages (it may
    /// name a revision, like `main:.avow/keyring.toml`).
    pub fn parse(text: &str, path: &Path) -> Result<Keyring, KeyringError> {
        let source = Source { text, path };
        let raw: RawKeyring = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        source.version(&raw.version)?;
        let mut emails = HashMap::new();
        let mut seen = HashMap::new();
        let mut people = Vec::with_capacity(raw.person.len());
        for (i, person) in raw.person.iter().enumerate() {
            people.push(source.person(i, person.get_ref(), &mut emails, &mut seen)?);
        }
        Ok(Keyring::new(people))
    }

    /// Reads and parses a keyring file.
    pub fn load(path: &Path) -> Result<Keyring, KeyringError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| KeyringError::Read { path: path.to_path_buf(), source })?;
        Keyring::parse(&text, path)
    }
}
