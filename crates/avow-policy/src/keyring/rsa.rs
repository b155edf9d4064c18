//! RSA moduli that someone other than their holder can factor, beyond the
//! prime modulus and the small factor of entry 116 (threat-model entry
//! 124): two primes so close that Fermat's method finds them at once, and
//! the fingerprint of the ROCA key generator (CVE-2017-15361).
//!
//! Both are made where a key enters the keyring, by `doctor`, by the
//! server hooks for keys a push adds, and by `verify` for the RSA keys
//! that signed (with the probable-prime test, [`super::values`]).

use num_bigint_dig::BigUint;

/// Rounds of Fermat's method: `a` from `⌈√n⌉` upwards, looking for `a² −
/// n` square. `k` rounds factor `n = pq` whenever `|p − q| ≤ √(8k) ·
/// n^¼`, which is `2^(bits/4 + 6.5)` for `k = 1024`: a key whose primes
/// share more than their top quarter of bits. Random primes are that
/// close with probability about 2^-500; the generators found in use with
/// close primes (Böck, 2022: `q` the next prime after `p`) fall in the
/// first round. A round is one addition of numbers as long as the
/// modulus and a sieve of small remainders; the root is taken for the
/// few that pass.
pub const FERMAT_ROUNDS: u32 = 1024;

/// Whether Fermat's method factors `n` within [`FERMAT_ROUNDS`] rounds
/// (a perfect square `n = p²` included).
pub fn fermat_factors(n: &BigUint) -> bool {
    let mut a = n.sqrt();
    if &a * &a < *n {
        a += 1u32;
    }
    // b² = a² − n, kept up to date as a grows: (a + 1)² − a² = 2a + 1;
    // and both modulo the square filters' moduli.
    let mut b2 = &a * &a - n;
    let mut step = (&a << 1usize) + 1u32;
    let residue = |x: &BigUint| (x % SIEVE).to_bytes_be().iter().fold(0u32, |r, &b| r << 8 | u32::from(b));
    let (mut b2_mod, mut step_mod) = (residue(&b2), residue(&step));
    for _ in 0..FERMAT_ROUNDS {
        if may_be_square(b2_mod) {
            let root = b2.sqrt();
            if &root * &root == b2 {
                return true;
            }
        }
        b2 += &step;
        step += 2u32;
        b2_mod = (b2_mod + step_mod) % SIEVE;
        step_mod = (step_mod + 2) % SIEVE;
    }
    false
}

/// The product of the moduli of [`SQUARES`], below 2^22.
const SIEVE: u32 = 64 * 63 * 65 * 11;

/// The squares modulo 64, 63, 65 and 11, a bit each: a number that is no
/// square modulo one of them is no square. About one number in a hundred
/// passes all four.
const SQUARES: [(u32, u128); 4] = [(64, squares(64)), (63, squares(63)), (65, squares(65)), (11, squares(11))];

const fn squares(m: u32) -> u128 {
    let (mut mask, mut i) = (0u128, 0u32);
    while i < m {
        mask |= 1 << (i * i % m);
        i += 1;
    }
    mask
}

/// Whether a number whose remainder by [`SIEVE`] is `r` may be a square.
fn may_be_square(r: u32) -> bool {
    SQUARES.iter().all(|&(m, mask)| mask >> (r % m) & 1 == 1)
}

/// The small primes whose product `M′` divides the primorial `M` that
/// every key size of the ROCA generator builds its primes from (Nemec et
/// al., "The Return of Coppersmith's Attack", CCS 2017, §2): the first 39
/// primes, which the smallest keys' `M` is, without 2 (65537 is 1 modulo
/// 2, as every odd modulus is).
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
    113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// The generator of the ROCA primes.
const ROCA_GENERATOR: u32 = 65537;

/// Whether the big-endian modulus `n` has the ROCA fingerprint: its
/// discrete logarithm to the base 65537 modulo `M′` exists.
///
/// The flawed generator makes each prime `p = k·M + (65537^a mod M)`, so
/// `n = pq ≡ 65537^(a+b) (mod M)`, and `M′` divides `M`. The order of
/// 65537 modulo `M′` is smooth (the least common multiple of its orders
/// modulo each prime, below 2^62), so the logarithm is found as
/// Pohlig–Hellman finds it: modulo each small prime `r` (by trying every
/// power of 65537 modulo `r`), then joined by the Chinese remainder
/// theorem over the orders, which share factors and must agree on them.
/// A random modulus has such a logarithm with probability about 2^-154
/// (`ord(65537 mod M′) / φ(M′)`); every modulus of the generator has one.
/// The paper's factorisation of such keys costs about 100 CPU-years at
/// 2048 bits (less at 1024 to 2047) and can be rented.
pub fn has_roca_fingerprint(n: &[u8]) -> bool {
    // The logarithm found so far: `log ≡ known (mod modulus)`.
    let (mut known, mut modulus) = (0u128, 1u128);
    for r in ROCA_PRIMES {
        let residue = n.iter().fold(0u32, |acc, &b| (acc * 256 + u32::from(b)) % r);
        // The powers of 65537 modulo r, until they come back to 1: the
        // order of 65537 there, and where `n` was among them.
        let generator = ROCA_GENERATOR % r;
        let (mut power, mut order, mut found) = (1u32, 0u32, None);
        loop {
            if power == residue && found.is_none() {
                found = Some(order);
            }
            power = power * generator % r;
            order += 1;
            if power == 1 {
                break;
            }
        }
        let Some(log) = found else { return false };
        let (log, order) = (u128::from(log), u128::from(order));
        // Join `log (mod order)` with `known (mod modulus)`: they must
        // agree modulo their common factor, and then
        // known + modulus·t ≡ log (mod order) has one solution t modulo
        // order / common.
        let common = gcd(modulus, order);
        if known % common != log % common {
            return false;
        }
        let step = order / common;
        let want = ((log + order - known % order) % order) / common;
        let t = want * inverse(modulus / common % step, step) % step;
        known += modulus * t;
        modulus *= step;
        known %= modulus;
    }
    true
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The inverse of `a` modulo the small `m` (`a` and `m` coprime; 0 when
/// `m` is 1).
fn inverse(a: u128, m: u128) -> u128 {
    (0..m).find(|x| a * x % m == 1 % m).unwrap_or(0)
}

#[cfg(test)]
mod tests;
