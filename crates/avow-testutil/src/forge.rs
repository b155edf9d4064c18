//! ed25519 signatures made by hand with a key ssh-keygen generated: the
//! attacker's side of the verifier tests. A key's holder can put any `R`
//! and `s` in a signature; these helpers make the ones a verifier must
//! judge exactly as `ssh-keygen -Y verify` does (small-order and
//! non-canonical points, `s` not reduced).

use std::path::Path;

pub use curve25519_dalek::constants::ED25519_BASEPOINT_POINT as B;
pub use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
pub use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity as _;
use sha2::{Digest as _, Sha512};
use ssh_key::private::KeypairData;
use ssh_key::public::{Ed25519PublicKey, KeyData};
use ssh_key::{Algorithm, HashAlg, PrivateKey, PublicKey, SshSig};

/// avow's SSHSIG namespace, spelt out here (avow-testutil depends on no
/// avow crate).
pub const NAMESPACE: &str = "avow-attestation@v1";

/// An ed25519 key's secret scalar and public bytes.
pub struct Ed25519Key {
    /// The secret scalar `a` (`A = aB`).
    pub a: Scalar,
    /// `A`'s encoding, as the key file and the signature carry it.
    pub public: [u8; 32],
}

impl Ed25519Key {
    /// Reads an unencrypted OpenSSH ed25519 private key file.
    pub fn read(path: &Path) -> Self {
        let private = PrivateKey::read_openssh_file(path).unwrap();
        let KeypairData::Ed25519(pair) = private.key_data() else { panic!("{} is not ed25519", path.display()) };
        let signing = ed25519_dalek::SigningKey::from_bytes(&pair.private.to_bytes());
        assert_eq!(signing.verifying_key().to_bytes(), pair.public.0);
        Ed25519Key { a: signing.to_scalar(), public: pair.public.0 }
    }

    /// The `ssh-ed25519 …` line of the public key.
    pub fn openssh(&self) -> String {
        PublicKey::from(KeyData::Ed25519(Ed25519PublicKey(self.public))).to_openssh().unwrap()
    }

    /// `H(R‖A‖M)` over SSHSIG's signed data for `payload` (SHA-512).
    pub fn hram(&self, r: &[u8; 32], payload: &[u8]) -> Scalar {
        let m = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, payload).unwrap();
        let mut h = Sha512::new();
        h.update(r);
        h.update(self.public);
        h.update(&m);
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    }

    /// A signature with nonce `scalar(n)` whose `R` carries `extra` too:
    /// `R = rB + extra`, `s = r + h·a` (honest when `extra` is the identity).
    pub fn sign_with(&self, payload: &[u8], n: u64, extra: EdwardsPoint) -> SshSig {
        let r = scalar(b"nonce", n);
        let big_r = (r * B + extra).compress().to_bytes();
        let s = r + self.hram(&big_r, payload) * self.a;
        self.sshsig(big_r, s.to_bytes())
    }

    /// A signature whose `R` is the identity written as `r` (any encoding),
    /// `s = h·a` — which gives away the secret (`a = s/h`) to whoever reads it.
    pub fn sign_identity_r(&self, payload: &[u8], r: [u8; 32]) -> SshSig {
        assert!(CompressedEdwardsY(r).decompress().unwrap().is_identity());
        self.sshsig(r, (self.hram(&r, payload) * self.a).to_bytes())
    }

    /// The SSHSIG signature (SHA-512, avow's namespace) by this key whose
    /// ed25519 signature is `r ‖ s`.
    pub fn sshsig(&self, r: [u8; 32], s: [u8; 32]) -> SshSig {
        let mut bytes = r.to_vec();
        bytes.extend_from_slice(&s);
        let inner = ssh_key::Signature::new(Algorithm::Ed25519, bytes).unwrap();
        SshSig::new(KeyData::Ed25519(Ed25519PublicKey(self.public)), NAMESPACE, HashAlg::Sha512, inner).unwrap()
    }
}

/// A scalar from a tag and a counter (a nonce that a test can vary).
pub fn scalar(tag: &[u8], n: u64) -> Scalar {
    let mut h = Sha512::new();
    h.update(tag);
    h.update(n.to_le_bytes());
    Scalar::from_bytes_mod_order_wide(&h.finalize().into())
}

/// A point of order `order` (2, 4 or 8): from RFC 8032's order-8 encoding,
/// doubled.
pub fn torsion(order: u32) -> EdwardsPoint {
    const ORDER_8: [u8; 32] = [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
        0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ];
    let double = |p: EdwardsPoint, times: u32| (0..times).fold(p, |q, _| q + q);
    let p = double(CompressedEdwardsY(ORDER_8).decompress().unwrap(), 3 - order.trailing_zeros());
    assert!(!p.is_identity() && double(p, order.trailing_zeros()).is_identity(), "order {order}");
    p
}

/// The identity encoded with `y = p + 1` (y not reduced): non-canonical.
pub fn identity_y_plus_p() -> [u8; 32] {
    let mut b = [0xff; 32];
    b[0] = 0xee;
    b[31] = 0x7f;
    b
}

/// The identity (x = 0) with the sign bit of x set: non-canonical.
pub fn identity_negative_zero() -> [u8; 32] {
    let mut b = [0; 32];
    b[0] = 1;
    b[31] = 0x80;
    b
}

/// `s + ℓ` as 32 bytes (its top three bits stay clear for any `s < ℓ`, so
/// ssh-keygen reads it and reduces it).
pub fn plus_l(s: &[u8; 32]) -> [u8; 32] {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for (i, (x, y)) in s.iter().zip(L).enumerate() {
        let sum = u16::from(*x) + u16::from(y) + carry;
        out[i] = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    out
}

/// A 2048-bit prime (`openssl prime -generate -bits 2048 -hex`): as an RSA
/// modulus, `φ(n) = n − 1`, so anyone can compute a private exponent.
pub const PRIME_2048: &str = "EF3B91A139A2DE235F300361648AE1646A38EDF8F63C5D29E7D54A075E4CF3C44D9231381FF84AB754624F427948A7D7CA9C9B73CD168732474A3879DEEB4DF3676FACDA07C755C177A542E109FF32244A9272BB5918E079A1F573D1EF7088E468B751DCF0F98CC1324232E13F4CE55BF69E3589446497001E8061237CDB76D92ED0564B62AF01A6ACF9132A019F618D86F38E640E9912318C942C543E2D2BE753764762AB49BE0F5F68CB76AA03D275D27CA233AB038F6932144CD0F89E53AB00BFB6BE85DBC42335DC230E4DF7D66EB11397012302123231CB6B86C53541C8F598B163DA5297A4549071B4BCDB11A2A6086D5E87BD35680A7FA361187BB775";

/// A 2049-bit `ssh-rsa` key from the ROCA generator (CVE-2017-15361),
/// `roca/tests/data/ssh06.pub` of the ROCA authors' detector
/// (github.com/crocs-muni/roca), which its tests flag: factoring it costs
/// CPU-years, so no test signs with it.
pub const ROCA_SSH: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQGpxaaH24+yow+C3/jdoVTCke8nsEsl4YW4qyDExqX2BIWf5Z7eVKCvfA5yiIAK1xk7tzGlvx4RcNehxmkw1B6j6yHe33uK9dQqkcNPcgRblu/VfLGCMB3cwmln5VCOmriJmG1X6Dff5w+Z/DfEmPQ8F8O5sGTPcERD16Az4DqCFpeqvzD7Ke59M7N2eWWokFjjs5dUvTocAH0oojsM+nn51xGsbkxLT3ewY0sezWhZGvA8fVO2Kl8tkRY9TvT48mgxrkYe2F7F94jFEj/8Esh0IP3P6h0bSlLDUhgk+zmYNIc5tiqYbY52siibwuuLwG0TgUeFG4OgcYPSEFWfkGMh";

/// A 2048-bit modulus whose two primes are neighbours: the first prime
/// after the top half of [`PRIME_2048`], and the next one (the flaw Böck
/// found in 2022 in keys of some printers).
pub fn close_primes_2048() -> num_bigint_dig::BigUint {
    use num_bigint_dig::prime::next_prime;
    let p = next_prime(&num_bigint_dig::BigUint::parse_bytes(&PRIME_2048.as_bytes()[..256], 16).unwrap());
    let q = next_prime(&(&p + 1u32));
    p * q
}

/// An `ssh-rsa` "key" `(n, e)` with `n` prime (or anything whose `φ` the
/// caller knows): the private exponent anyone computes, and SSHSIG
/// signatures made with it.
pub struct WeakRsaKey {
    n: num_bigint_dig::BigUint,
    e: num_bigint_dig::BigUint,
    d: num_bigint_dig::BigUint,
}

impl WeakRsaKey {
    /// The key `(p, 65537)` for a prime `p` given in hex: `d = e⁻¹ mod (p − 1)`.
    pub fn prime(hex: &str) -> Self {
        use num_bigint_dig::{BigUint, ModInverse as _};
        let n = BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
        let e = BigUint::from(65537u32);
        let phi = &n - 1u32;
        let d = (&e).mod_inverse(&phi).unwrap().to_biguint().unwrap();
        WeakRsaKey { n, e, d }
    }

    /// The key of `n`, factored as anyone factors it when its two primes
    /// are close: Fermat's method, `a` from `⌈√n⌉` up until `a² − n` is a
    /// square `b²`, and then `n = (a − b)(a + b)`; `d = e⁻¹ mod φ(n)` with
    /// `e = 65537`. Only the public modulus goes in.
    pub fn fermat(modulus: &num_bigint_dig::BigUint) -> Self {
        use num_bigint_dig::{BigUint, ModInverse as _};
        let mut half_sum = modulus.sqrt();
        if &half_sum * &half_sum < *modulus {
            half_sum += 1u32;
        }
        let half_gap = loop {
            let square = &half_sum * &half_sum - modulus;
            let root = square.sqrt();
            if &root * &root == square {
                break root;
            }
            half_sum += 1u32;
        };
        let (p, q) = (&half_sum - &half_gap, &half_sum + &half_gap);
        assert_eq!(&p * &q, *modulus);
        let e = BigUint::from(65537u32);
        let phi = (p - 1u32) * (q - 1u32);
        let d = (&e).mod_inverse(&phi).unwrap().to_biguint().unwrap();
        WeakRsaKey { n: modulus.clone(), e, d }
    }

    /// The public key.
    pub fn public(&self) -> KeyData {
        let mpint = |x: &num_bigint_dig::BigUint| ssh_key::Mpint::from_positive_bytes(&x.to_bytes_be()).unwrap();
        KeyData::Rsa(ssh_key::public::RsaPublicKey { e: mpint(&self.e), n: mpint(&self.n) })
    }

    /// The `ssh-rsa …` line of the public key.
    pub fn openssh(&self) -> String {
        PublicKey::from(self.public()).to_openssh().unwrap()
    }

    /// An `rsa-sha2-512` SSHSIG signature (avow's namespace) of `payload`:
    /// EMSA-PKCS1-v1_5 of SHA-512 over the signed data, raised to `d`.
    pub fn sign(&self, payload: &[u8]) -> SshSig {
        const SHA512_DIGEST_INFO: [u8; 19] = [
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
            0x40,
        ];
        let data = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, payload).unwrap();
        let k = self.n.to_bytes_be().len();
        let mut em = vec![0x00, 0x01];
        em.resize(k - SHA512_DIGEST_INFO.len() - 64 - 1, 0xff);
        em.push(0);
        em.extend_from_slice(&SHA512_DIGEST_INFO);
        em.extend_from_slice(&Sha512::digest(&data));
        let s = num_bigint_dig::BigUint::from_bytes_be(&em).modpow(&self.d, &self.n).to_bytes_be();
        let mut bytes = vec![0; k - s.len()];
        bytes.extend_from_slice(&s);
        let inner = ssh_key::Signature::new(Algorithm::Rsa { hash: Some(HashAlg::Sha512) }, bytes).unwrap();
        SshSig::new(self.public(), NAMESPACE, HashAlg::Sha512, inner).unwrap()
    }
}
