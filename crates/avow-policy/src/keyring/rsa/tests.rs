//! The RSA checks of [`super`] against published and constructed moduli.
use super::*;
use avow_testutil::forge::ROCA_SSH;
use proptest::prelude::*;

/// The least common multiple of the orders of 65537 modulo the primes
/// of `M′`, and `φ(M′)`'s bits over it: what a modulus's logarithm is
/// taken modulo, and how rare a random modulus with one is.
#[test]
fn the_order_of_65537_is_smooth_and_the_fingerprint_rare() {
    let (mut lcm, mut phi_bits) = (1u128, 0f64);
    for r in ROCA_PRIMES {
        let order = (1..r).find(|&k| BigUint::from(ROCA_GENERATOR).modpow(&k.into(), &r.into()) == 1u32.into());
        let order = u128::from(order.unwrap());
        lcm = lcm / gcd(lcm, order) * order;
        phi_bits += f64::from(r - 1).log2();
    }
    assert!(lcm < 1 << 62, "{lcm}");
    #[expect(clippy::cast_precision_loss, reason = "a 62-bit number's logarithm")]
    let rarity = phi_bits - (lcm as f64).log2();
    assert!(rarity > 154.0, "a random modulus passes with probability 2^-{rarity}");
}

/// Moduli from the ROCA authors' detector's test suite
/// (github.com/crocs-muni/roca, `roca/tests/data`, `fingerprint/tests/data`):
/// `mod03.txt` (2048 bits) and `mod09.txt` (4096) are from the flawed
/// generator; `ssh01.pub`, `ssh02.pub` (2048) and `ssh03.pub` (4096)
/// are not.
const ROCA_2048: &str = "9dcd7420e420c270a68060eb8b5aa7457a9f6648f86fafed2775cc1f79ae962f1e63f1b9e51c55f9ea6fdc7332e9b0058c9ff2eb1fc89855029cf6aafe21e689feb38ac9ffb12f1ce371bb5d0e9aae64161abce74b4244bf68f1edb4411f756a097c8929c14740245ea355f8332d1aa36bb50c7dcb4505da8de02e4e53d38f8df06097da7524df0df93db48eac8cc4af2d3a16257eb2b2adca6ba464e5974fa92550d31b1babf161e7692d00b86e3dd886ecab4abfbe1a8f8cc263ff4af55cdb45f4249a5193925f5e983d762f0b6800943eb0267b08f42ed311ce1f5c86eacbc8ce4d3cb7a2fee1ef5641423a1cf4114e5ecf50034a60a412523af9e6f4aa11";
const ROCA_4096: &str = "c39a928060db513091b604eadad719ed94e246de8fe15fb76efab5cfabbc3fc5486fe2ef2a5a5a8472f0c5be089edec071fb284df4467fa1fa6c8f0b013d3173fe636744666289bf67b5c998c87b59015d94bb9c20d30a70cfe275e42fd3c6f44d4c5252f9c6b6803f92afd928153bdb90ef08ede934c076f33543f9a1c362130929b9a1324c5ebee6831c251c48a7dee24d75ac538ce9a58d7ff09c12a5d772b6c33f4265a4e4830bd73ad221d24d4d3f092e24279c15fc1d10ca69561f4f071313c86b11ab36a5dd28df392f581834eecfdc9e183a466198e33cf01d273bd41d4b7e288cc66f24eba04676bd2090f6f73830336a317bc2d423b558b9d8f632e12af7b0e7fc9bdb69282e81fdf41a68cf4e85f01fc343dfe52a3ad01f67459d380165159e1209ef1ce4ecd26648e061faf0896551f7f1f92d6b6a19af0ab7f1f092d7e168bcec0ee478b8618489a8967a71e5e0a5c197662d8e9756f090a177109d4a34ae20a18c5629efea5ca66623960fc325f779cdae891a7ec051f00e837b8f2fb9fd19f6a35832ca0e5ce8375972c42a308f7d5ca0434022c131874087e826ed737994e46fbe44f5f1e908934f6033e6851ebd05447dddbaa51c0671849cafd3a503cdc150101914edf33b140c168c3dbea4791e74ea619ab1b31c90691de1d425b746b222a2b26ed54222cbcaf27a054f9f66f77be6466198c33e37dd";
const CLEAN_SSH: [&str; 3] = [
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC3j6eenO3McysG1UDLCAgk1w2ifVN1W1FPqezvnlYcQj7tQ+7YMZGBQYHZTZnNS0ZQbE0qxrL0phStdQZbVi2teyfKsgxr53oBOrDwtb1Z1RUmrQqlZaLXUiWvio2wxE0ZTdXXMik1oDTYXm2OfFm7Kdrhw4MFYPFWw8eAfnWW80QrXAB/L9HjH+An7j0788QojuiCK5I/EeRHKujfKs1r/CWjwq+uEUIiKFdkFCPVExxFdJwazPbz1HNn35lfEEtu7UUYphy/yUmhFJnKvCDcmMfO7u4/BhH4STSFkTReE6P+pmQ9RU98yrhp0qMn5SLma7evNQi4gFZNe7GxCvr1 root@local",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC+hHcbAj+4kRacNsmrwJ3fBfO/nJcghYP9GHAOgzf28JKOIL8GZVZT7iLvRtCii8mQxvN7qO5LLBSYVPjlONt6mxDunzzCGxdZYQ8ZplR5pYrpKRC2FTXbyLr0mJFekCzSF+iSkf/vxVGXaDdoK/VbZHTSlnMxuBDGx/5qx6mWuRh3Uq9496+bYGIIIxKT67ZNFJ6lh8CKmepnfNRtp3zFmRsNV8OFn28jSIDA0Aa0/YvvuYVrCv8A6iDUoCyjGx4GgfnFS17o16gNDIfOT58kcq9IruMSamzHOR8gphoyrYPkSOO+OKa15Y3VllIYuLNrRwRR+ffMLUvkTVU1A+Nv root@local",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQC6H6d+gl1D69uC9CeV+0pB9bkkRiKlxZq3q1WLwVR51gAe1szd+cDjqrZyOCJERYRozbLsE3A+7G1eErX5vh7V3CI3NYPAlzguS2lSdzNXVtQbxnqSwCQ8LGjfSxJ9OZ/2lMopfLbFwMIiPxx2Fk21frp1bvMWfH8HsetE4yyiLvZzYzxQt5NiLfqdur2o02wwIW/vubd7KgHxuUXgwbMEZcCFO1Q5dX+oRQgdA8LvZAAS+GS2ZKnm1FIBD6764UsxxaEoHb5BwQEnbQsqpVm/Rps1SOwld/EReU2tQaB1AZDYpwImNVoM3cmuLS6wSCNN/z1cVNSLDFYYZjPCr/+zIe4JuL7d4a0Q8ZYDnRa1f2IyMM3QBk20KRYMVBM7zBx1PL+XSTJvEPAly+Rs1T3fn1iMRG/mUwf+2oPcMu6xJ/ic0YXwo2G81ktIOIc36JZHK24XjhWr/Stesh66CPavEX3ZylesfB7dWMGHgo96pS1jIiPn7OgxLXA5qXalUI74TJR0P0tcFGpE6x2OA/S1tRWmrSrmmvaIIZcq0dH+7FJw4tCXdBfFgbHovIj5qxUVTnyqZ+M14/iUJpTxVJIZECjeu9tzNoy2yvoIPbMcpiQ6Id3aOGLpgFO/5JIqkLLoACyTFIcRb5uSuFhxN6kLrkA1+oqrWzuh47Lu7aYA6w== root@local",
];

/// The same suite's moduli that are in the subgroup of 65537 modulo
/// every prime of `M′` taken alone, with no one logarithm for all of
/// them (`test_fake_mods`: the first detector, by residues alone,
/// flagged them; the discrete-logarithm test does not).
const FAKE: [&str; 3] = [
    "72414128973967872688332736535017614208620368242015797102796086827882754006260204061799547004983731426777596445658889886861027045033760014948048067467947960318205453778973975867532910489227970143091184725760290172935872752222320334100097730483600892686353719855397381316384244147860260153198611313067061116317",
    "138345973265163614694352477004469191286459111070564516299381495188624946671065451924677704628892476011773201612117597303315530745738015579159106259811204610647347662150159814774894784524366138220226431598991937057442020694466365850170057813627445465881816985939192840583168136876337135351417253708364245923133",
    "60828061238058485055546209519792949600733446820687109700021551748017165461584398468231416589035982737511901116540885252089750919566836183252857475484338913841291095222387779067564971983760619814471104385614285949705697261702933899278537712383849527252611987939947273446907728942539157463443880598175266703887",
];

fn hex(s: &str) -> Vec<u8> {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap().to_bytes_be()
}

fn modulus(line: &str) -> Vec<u8> {
    let key = ssh_key::PublicKey::from_openssh(line).unwrap();
    let ssh_key::public::KeyData::Rsa(rsa) = key.key_data() else { panic!("not RSA") };
    rsa.n.as_positive_bytes().unwrap().to_vec()
}

/// Whether `n` is in the subgroup of 65537 modulo each prime of `M′`
/// taken alone.
fn in_each_subgroup(n: &BigUint) -> bool {
    ROCA_PRIMES.iter().all(|&r| {
        let residue = n % r;
        (0..r).any(|k| BigUint::from(ROCA_GENERATOR).modpow(&k.into(), &r.into()) == residue)
    })
}

#[test]
fn the_roca_suites_moduli() {
    assert!(has_roca_fingerprint(&modulus(ROCA_SSH)));
    assert!(has_roca_fingerprint(&hex(ROCA_2048)));
    assert!(has_roca_fingerprint(&hex(ROCA_4096)));
    for line in CLEAN_SSH {
        assert!(!has_roca_fingerprint(&modulus(line)), "{line}");
    }
    for fake in FAKE {
        let n = BigUint::parse_bytes(fake.as_bytes(), 10).unwrap();
        assert!(in_each_subgroup(&n), "{fake}");
        assert!(!has_roca_fingerprint(&n.to_bytes_be()), "{fake}");
    }
}

/// `65537^x mod m`.
fn power(x: u64, m: &BigUint) -> BigUint {
    BigUint::from(ROCA_GENERATOR).modpow(&x.into(), m)
}

/// The product of the first 126 primes: `M` of the ROCA generator's
/// 2048-bit keys (971 bits).
fn primorial_126() -> BigUint {
    (2u32..).filter(|&c| (2..c).take_while(|d| d * d <= c).all(|d| c % d != 0)).take(126).map(BigUint::from).product()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Moduli built as the paper says the generator builds them, from
    /// any k and a (prime or not: the fingerprint is in their form), have
    /// it; so does no random odd modulus.
    #[test]
    fn moduli_of_the_generators_form_have_the_fingerprint(
        k in any::<u64>(), a in any::<u64>(), l in any::<u64>(), b in any::<u64>(), random in prop::collection::vec(any::<u8>(), 256),
    ) {
        let m = primorial_126();
        let p = &m * k + power(a, &m);
        let q = &m * l + power(b, &m);
        prop_assert!(has_roca_fingerprint(&(p * q).to_bytes_be()));
        let mut random = random;
        random[0] |= 0x80;
        random[255] |= 1;
        prop_assert!(!has_roca_fingerprint(&random));
    }
}

#[test]
fn primes_close_together_are_found_by_fermat() {
    use num_bigint_dig::prime::next_prime;
    let p = next_prime(&BigUint::parse_bytes(&ROCA_2048.as_bytes()[..256], 16).unwrap());
    let after = |gap: &BigUint| next_prime(&(&p + gap));
    let two_to = |bits: usize| BigUint::from(1u32) << bits;
    // The next prime; p²; and either side of the bound for 1024 rounds
    // at 2048 bits, 2^518.5 apart: about 512 rounds for 2^518, 8192
    // for 2^520.
    assert!(fermat_factors(&(&p * after(&BigUint::from(1u32)))));
    assert!(fermat_factors(&(&p * &p)));
    assert!(fermat_factors(&(&p * after(&two_to(518)))));
    assert!(!fermat_factors(&(&p * after(&two_to(520)))));
    for line in CLEAN_SSH {
        assert!(!fermat_factors(&BigUint::from_bytes_be(&modulus(line))), "{line}");
    }
}

/// Where keys enter: loading takes both kinds (their checks cost too
/// much for every load), the thorough checks refuse them, and the
/// suite's real keys pass.
#[test]
fn keys_enter_only_without_either_weakness() {
    use crate::keyring::Key;
    use num_bigint_dig::prime::next_prime;
    let enters = |line: &str| Key::from_openssh(line).and_then(|k| k.check_thoroughly()).map_err(|e| e.to_string());
    let why = enters(ROCA_SSH).unwrap_err();
    assert!(why.contains("ROCA fingerprint (CVE-2017-15361"), "{why}");
    let p = next_prime(&BigUint::parse_bytes(&ROCA_4096.as_bytes()[..256], 16).unwrap());
    let n = &p * next_prime(&(&p + 2u32));
    let mpint = |x: &BigUint| ssh_key::Mpint::from_positive_bytes(&x.to_bytes_be()).unwrap();
    let close = ssh_key::public::RsaPublicKey { e: mpint(&BigUint::from(65537u32)), n: mpint(&n) };
    let close = ssh_key::PublicKey::new(ssh_key::public::KeyData::Rsa(close), "").to_openssh().unwrap();
    assert!(Key::from_openssh(&close).is_ok() && Key::from_openssh(ROCA_SSH).is_ok());
    let why = enters(&close).unwrap_err();
    assert!(why.contains("two primes are so close together that Fermat's method factors the modulus"), "{why}");
    for line in CLEAN_SSH {
        assert_eq!(enters(line), Ok(()), "{line}");
    }
}
