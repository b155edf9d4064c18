//! The values a keyring holds, checked: SSH keys, fingerprints, dates,
//! names, emails and revocation reasons.

use super::*;

/// Why a public key line is refused.
pub(super) enum KeyProblem {
    ControlCharacter,
    Unsupported(String),
    RsaSize(usize),
    SmallOrder,
    /// An ECDSA key that is no point of its curve.
    NotOnCurve,
    /// An RSA key anyone can make a private key for (threat-model entry 116).
    WeakRsa(&'static str),
    Malformed {
        excerpt: String,
        detail: String,
    },
}

impl KeyProblem {
    pub(super) fn kind(&self) -> InvalidKind {
        match self {
            KeyProblem::Unsupported(_) | KeyProblem::RsaSize(_) => InvalidKind::KeyType,
            _ => InvalidKind::Key,
        }
    }
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::ControlCharacter => f.write_str("a public key must be one line without control characters"),
            KeyProblem::Unsupported(kind) => write!(
                f,
                "{kind} keys are not accepted: avow accepts ed25519, ECDSA (nistp256, nistp384, nistp521), their security-key (sk-) forms and RSA keys of {RSA_MIN_BITS} to {RSA_MAX_BITS} bits"
            ),
            KeyProblem::RsaSize(bits) => write!(
                f,
                "an RSA key of {bits} bits is not accepted: RSA keys must have {RSA_MIN_BITS} to {RSA_MAX_BITS} bits (ssh-keygen -t rsa -b 3072, or better -t ed25519)"
            ),
            KeyProblem::SmallOrder => f.write_str(
                "this ed25519 key is a point of small order, for which anyone can make a valid signature without any secret: it is no one's key; generate a real one with ssh-keygen -t ed25519"
            ),
            KeyProblem::NotOnCurve => f.write_str(
                "this ECDSA key is not a point of its curve, so no signature can be checked against it; generate a real one with ssh-keygen -t ed25519"
            ),
            KeyProblem::WeakRsa(why) => write!(
                f,
                "this RSA key's {why}, so anyone can compute a private key for it and sign as its holder: it is no one's key; generate a real one with ssh-keygen -t ed25519"
            ),
            KeyProblem::Malformed { excerpt, detail } => {
                write!(f, "{excerpt:?} is not an OpenSSH public key (expected \"ssh-ed25519 AAAA… comment\"): {detail}")
            }
        }
    }
}

pub(super) fn is_accepted(algorithm: &Algorithm) -> bool {
    ACCEPTED_KEY_TYPES.contains(&algorithm.as_str())
}

/// The modulus size of an RSA key in bits (`None` for other keys).
pub fn rsa_bits(key: &PublicKey) -> Option<usize> {
    let ssh_key::public::KeyData::Rsa(rsa) = key.key_data() else { return None };
    Some(avow_core::key_types::bit_length(rsa.n.as_positive_bytes().unwrap_or_default()))
}

/// A key of an accepted type, for RSA of an accepted size, and for ed25519
/// not of small order.
pub(super) fn check_accepted(key: &PublicKey) -> Result<(), KeyProblem> {
    if !is_accepted(&key.algorithm()) {
        return Err(KeyProblem::Unsupported(key.algorithm().as_str().to_owned()));
    }
    if is_small_order(key) {
        return Err(KeyProblem::SmallOrder);
    }
    if !is_on_curve(key) {
        return Err(KeyProblem::NotOnCurve);
    }
    match rsa_bits(key) {
        Some(bits) if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) => Err(KeyProblem::RsaSize(bits)),
        _ => rsa_weakness(key, SMALL_PRIMES_ON_LOAD).map_or(Ok(()), |why| Err(KeyProblem::WeakRsa(why))),
    }
}

/// Trial division on every load stops at primes below this (172 primes,
/// microseconds for a 4096-bit modulus); where a key enters the keyring it
/// goes on to [`SMALL_PRIMES_ON_ENTRY`].
const SMALL_PRIMES_ON_LOAD: u32 = 1 << 10;
/// Trial division where a key enters the keyring (`keyring add`, `rotate`,
/// `import`, `doctor`): primes below 2^16.
const SMALL_PRIMES_ON_ENTRY: u32 = 1 << 16;

/// Why an RSA key's modulus or exponent lets anyone sign as it, by the
/// cheap checks (`None` also for keys that are not RSA): `e` must be odd,
/// at least 3 and below 2^33 (what the `rsa` crate verifies with), `n`
/// odd and without a prime factor below `below`. A modulus with a factor
/// anyone finds is factored by anyone, and with its factors comes the
/// private exponent (threat-model entry 116).
fn rsa_weakness(key: &PublicKey, below: u32) -> Option<&'static str> {
    let ssh_key::public::KeyData::Rsa(rsa) = key.key_data() else { return None };
    let e = rsa.e.as_positive_bytes().unwrap_or_default();
    let n = rsa.n.as_positive_bytes().unwrap_or_default();
    let e = if e.len() > 5 { u64::MAX } else { e.iter().fold(0u64, |v, &b| v << 8 | u64::from(b)) };
    if e >= 1 << 33 {
        return Some("public exponent is too large (over 2^33)");
    }
    if e & 1 == 0 || e < 3 {
        return Some("public exponent is not an odd number of at least 3");
    }
    if n.last().is_none_or(|b| b & 1 == 0) {
        return Some("modulus is even");
    }
    has_small_factor(n, below).then_some("modulus has a small prime factor")
}

/// Whether the big-endian number `n` (above `below`) has a prime factor
/// below `below`: `n` is reduced modulo products of primes that fit in 64
/// bits, then each prime divides the remainder or not.
fn has_small_factor(n: &[u8], below: u32) -> bool {
    let mut group: Vec<u64> = Vec::new();
    let mut product = 1u64;
    // Big-endian 64-bit limbs, the first one possibly short.
    let (head, rest) = n.split_at(n.len() % 8);
    let limbs: Vec<u64> = std::iter::once(head)
        .chain(rest.chunks_exact(8))
        .map(|c| c.iter().fold(0u64, |v, &b| v << 8 | u64::from(b)))
        .collect();
    let test = |group: &[u64], product: u64| {
        let r = limbs.iter().fold(0u128, |r, &l| (r << 64 | u128::from(l)) % u128::from(product));
        group.iter().any(|&p| (r % u128::from(p)) == 0)
    };
    for p in (3..below).step_by(2).filter(|&c| (3..).step_by(2).take_while(|d| d * d <= c).all(|d| c % d != 0)) {
        let p = u64::from(p);
        if product.checked_mul(p).is_none() {
            if test(&group, product) {
                return true;
            }
            group.clear();
            product = 1;
        }
        product *= p;
        group.push(p);
    }
    test(&group, product)
}

/// The checks too costly for every load, made where a key enters the
/// keyring (`keyring add`, `rotate`, `import`) and by `doctor`: for an RSA
/// key's modulus, trial division up to 2^16, the ROCA fingerprint and
/// Fermat's method for close primes (entry 124, [`super::rsa`]), and a
/// probable-prime test (Miller-Rabin and Lucas, as Go's `ProbablyPrime`).
/// A prime modulus `n` has `φ(n) = n − 1`, so `d = e⁻¹ mod (n − 1)` signs
/// for it. That test costs one modular exponentiation as large as the
/// modulus (about 10 ms for 2048 bits, 100 ms for 4096 in release on a
/// loaded machine), so it is not made on every load (threat-model entry
/// 116). [`RSA_CHECKS`] names this set of checks.
pub(super) fn check_thoroughly(key: &PublicKey) -> Result<(), KeyProblem> {
    check_accepted(key)?;
    if let Some(why) = rsa_weakness(key, SMALL_PRIMES_ON_ENTRY) {
        return Err(KeyProblem::WeakRsa(why));
    }
    let ssh_key::public::KeyData::Rsa(rsa) = key.key_data() else { return Ok(()) };
    let bytes = rsa.n.as_positive_bytes().unwrap_or_default();
    if super::rsa::has_roca_fingerprint(bytes) {
        return Err(KeyProblem::WeakRsa(
            "modulus has the ROCA fingerprint (CVE-2017-15361: it was made by the flawed generator of Infineon chips, in YubiKey 4 and some TPMs and smart cards, whose keys can be factored with rented computers)",
        ));
    }
    let n = num_bigint_dig::BigUint::from_bytes_be(bytes);
    if super::rsa::fermat_factors(&n) {
        return Err(KeyProblem::WeakRsa(
            "two primes are so close together that Fermat's method factors the modulus at once",
        ));
    }
    if num_bigint_dig::prime::probably_prime(&n, 20) {
        return Err(KeyProblem::WeakRsa("modulus is a prime"));
    }
    Ok(())
}

/// The name of the checks [`Key::check_thoroughly`] makes of an RSA key,
/// for a record that a key passed them (`verify`'s cache): a record made
/// under another name was made by other checks and is not taken.
pub const RSA_CHECKS: &str = "rsa-checks v2 (small factors, ROCA, Fermat 1024, prime)";

/// Whether `key` is an ed25519 key (plain or security-key) whose point has
/// small order: then `H(R‖A‖M)·A` is (nearly) the identity and `R = sB`
/// with any `s` is a signature by it that both avow and `ssh-keygen -Y
/// verify` accept (threat-model entry 103). A point that does not decode at
/// all is left to signature verification, which refuses every signature by
/// it.
fn is_small_order(key: &PublicKey) -> bool {
    use ssh_key::public::KeyData;
    let bytes = match key.key_data() {
        KeyData::Ed25519(k) => k.0,
        KeyData::SkEd25519(k) => k.public_key().0,
        _ => return false,
    };
    is_small_order_encoding(&bytes)
}

/// The y-coordinates of the eight points of small order (the 8-torsion:
/// the identity, one point of order 2, two of order 4 and four of order
/// 8), little-endian: 0, 1, p − 1, and ±c for the points of order 8.
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
    [0; 32],
    {
        let mut one = [0; 32];
        one[0] = 1;
        one
    },
    {
        let mut p_minus_one = [0xff; 32];
        p_minus_one[0] = 0xec;
        p_minus_one[31] = 0x7f;
        p_minus_one
    },
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
        0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20,
        0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ],
];

/// Whether the 32 bytes of an ed25519 public key decode (as
/// ed25519-dalek decodes them) to a point of small order, without
/// decoding them: such a point has one of five y-coordinates, and every
/// encoding of one of them decodes, whatever its sign bit (their x is 0,
/// or its negation is a point of small order too). The y field is read
/// as ed25519-dalek reads it: the top bit is the sign, and a value from p
/// up is taken modulo p = 2^255 − 19. Decoding the point costs a field
/// inversion (about 40,000 instructions, on every keyring load for every
/// key); this compares bytes. The tests hold it to ed25519-dalek's
/// `VerifyingKey::from_bytes(..).is_weak()` on every encoding of the
/// eight points and on random and neighbouring values.
pub(super) fn is_small_order_encoding(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    y[31] &= 0x7f;
    // p = 2^255 − 19 is 0xed, thirty 0xff and 0x7f, little-endian; the
    // values from p to 2^255 − 1 differ from it in their first byte only.
    if y[0] >= 0xed && y[1..31].iter().all(|&b| b == 0xff) && y[31] == 0x7f {
        let low = y[0] - 0xed;
        y = [0; 32];
        y[0] = low;
    }
    SMALL_ORDER_Y.contains(&y)
}

/// Whether an ECDSA key (plain or security-key) is a point of its curve
/// other than the identity (which SEC1 writes as one zero byte, refused
/// already when the key is read); `true` for other keys. Signature
/// verification would refuse every signature by such a key; the keyring
/// refuses the key itself, so that the mistake shows where it is made.
fn is_on_curve(key: &PublicKey) -> bool {
    use ssh_key::public::{EcdsaPublicKey, KeyData};
    let point = match key.key_data() {
        KeyData::Ecdsa(k) => k,
        KeyData::SkEcdsaSha2NistP256(k) => &EcdsaPublicKey::NistP256(*k.ec_point()),
        _ => return true,
    };
    match point {
        EcdsaPublicKey::NistP256(_) => p256::ecdsa::VerifyingKey::try_from(point).is_ok(),
        EcdsaPublicKey::NistP384(_) => p384::ecdsa::VerifyingKey::try_from(point).is_ok(),
        EcdsaPublicKey::NistP521(_) => p521::ecdsa::VerifyingKey::try_from(point).is_ok(),
    }
}

/// Parses `keytype base64 [comment]`, accepting only [`ACCEPTED_KEY_TYPES`].
pub(super) fn parse_public_key(line: &str) -> Result<PublicKey, KeyProblem> {
    let line = line.trim();
    if line.chars().any(char::is_control) {
        return Err(KeyProblem::ControlCharacter);
    }
    let mut parts = line.splitn(3, ' ').filter(|p| !p.is_empty());
    let kind = parts.next().unwrap_or("");
    let parsed = PublicKey::from_openssh(line);
    match parsed {
        Ok(key) => check_accepted(&key).map(|()| key),
        Err(_) if !ACCEPTED_KEY_TYPES.contains(&kind) && looks_like_key_type(kind) => {
            Err(KeyProblem::Unsupported(kind.to_owned()))
        }
        Err(e) => Err(KeyProblem::Malformed { excerpt: excerpt(line), detail: e.to_string() }),
    }
}

pub(super) fn looks_like_key_type(s: &str) -> bool {
    ["ssh-", "ecdsa-", "sk-", "rsa-"].iter().any(|p| s.starts_with(p))
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "-@.".contains(c))
}

pub(super) fn excerpt(s: &str) -> String {
    const MAX: usize = 32;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

pub(super) fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

pub(super) fn key_without_comment(key: &PublicKey) -> String {
    let mut bare = key.clone();
    bare.set_comment("");
    // Encoding an ed25519 key we decoded ourselves cannot fail; fall back to
    // the algorithm name rather than panic.
    bare.to_openssh().unwrap_or_else(|_| key.algorithm().as_str().to_owned())
}

pub(super) fn normalize_fingerprint(fpr: &str) -> String {
    let fpr = fpr.trim();
    if fpr.starts_with("SHA256:") {
        fpr.to_owned()
    } else {
        format!("SHA256:{fpr}")
    }
}

pub(super) fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix("SHA256:")
        .is_some_and(|b| b.len() == 43 && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/'))
}

/// `YYYY-MM-DD` (UTC midnight) or an RFC 3339 date-time.
pub(super) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if is_day(s) {
        parse_day(s).map(|d| d.and_time(NaiveTime::MIN).and_utc())
    } else {
        DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
    }
}

/// Whether `s` has the shape `YYYY-MM-DD` (digits aside).
pub(super) fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

/// A `YYYY-MM-DD` date, digits only.
pub(super) fn parse_day(s: &str) -> Option<NaiveDate> {
    let digits = s.bytes().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    digits.then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten()
}

/// An `expires` value: a date alone is the last day the key signs, so it
/// means 23:59:59 UTC of that day (inclusive, whole seconds as the signing
/// time and OpenSSH's `valid-before`); a date-time is that instant.
pub fn parse_expiry(s: &str) -> Option<DateTime<Utc>> {
    if is_day(s) {
        parse_day(s).and_then(|d| d.and_hms_opt(23, 59, 59)).map(|t| t.and_utc())
    } else {
        DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
    }
}

/// How avow writes every time in the keyring: RFC 3339 in UTC, whole
/// seconds (`2026-01-10T00:00:00Z`). Sub-second parts, which only a
/// hand-written file can carry, are kept.
pub fn format_date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub(super) fn date_error_message(shown: &str) -> String {
    if shown.contains(['T', 't', ' ', ':']) {
        format!("{shown:?} is not a date (use YYYY-MM-DD or an RFC 3339 date-time with a time zone, like 2026-01-10T12:00:00Z)")
    } else {
        format!("{shown:?} is not a date (use YYYY-MM-DD)")
    }
}

/// Checks a display name: one line, not empty, no angle brackets.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("a name must not be empty".to_owned())
    } else if name.chars().any(|c| c.is_control() || c == '<' || c == '>') {
        Err(format!("{name:?} is not a usable name (one line, no angle brackets)"))
    } else {
        Ok(())
    }
}

/// Checks an email: one `@`-address without characters that would change
/// its meaning in `Name <email>` or in an `allowed_signers` principal list
/// (where `*`, `?` and a leading `!` are patterns).
pub(super) fn check_email(email: &str) -> Result<(), String> {
    let bad = email.is_empty()
        || !email.contains('@')
        || email.starts_with('!')
        || email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\",*?".contains(c));
    if bad {
        Err(format!(
            "{email:?} is not an email address (one address with an @, no spaces, quotes, commas, angle brackets or * ?)"
        ))
    } else {
        Ok(())
    }
}

pub(super) fn check_reason(reason: &str) -> Result<(), String> {
    if reason.chars().any(char::is_control) {
        Err("a revocation reason must be one line".to_owned())
    } else {
        Ok(())
    }
}

impl Key {
    /// The checks made where a key enters the keyring, in full: for an RSA
    /// key, also a probable-prime test of its modulus (one modular
    /// exponentiation as large as the modulus), which loading leaves out.
    /// `verify` makes it once per run for each RSA key that signed
    /// (threat-model entry 116).
    pub fn check_thoroughly(&self) -> Result<(), KeyringError> {
        check_thoroughly(&self.public).map_err(|p| KeyringError::BadKey { kind: p.kind(), message: p.to_string() })
    }
}

impl Keyring {
    /// The keys that fail the checks made where keys enter (a prime RSA
    /// modulus, a small factor), which loading does not make in full:
    /// each with the person it is listed for and why; revoked keys sign
    /// nothing and are left out. For `doctor`.
    pub fn weak_keys(&self) -> Vec<(&Person, &Key, String)> {
        self.people
            .iter()
            .flat_map(|p| p.keys.iter().filter(|k| k.revoked.is_none()).map(move |k| (p, k)))
            .filter_map(|(p, k)| check_thoroughly(&k.public).err().map(|why| (p, k, why.to_string())))
            .collect()
    }
}
