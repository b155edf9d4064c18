//! Property tests for the payload side of avow-core: the `Avow-Signature`
//! decoder round-trips what the writer prints and never panics; the
//! statement reader and the payload writer never panic and keep one field
//! per line; commit encodings round-trip.

use avow_core::attestation::{Authorship, Person, Statement};
use avow_core::encoding::Encoding;
use avow_core::payload::{Binding, Digest, Payload, PayloadError, SignatureTrailer, HEADER};
use avow_core::trailer::Trailer;
use proptest::prelude::*;

fn digest() -> impl Strategy<Value = Digest> {
    any::<[u8; 32]>().prop_map(Digest)
}

fn signature_trailer() -> impl Strategy<Value = SignatureTrailer> {
    (0i64..=999_999_999_999, prop::option::of(digest()), digest(), "[A-Za-z0-9+/]{4,200}={0,2}").prop_map(
        |(signed_at, change, trees, signature)| SignatureTrailer {
            signed_at,
            binding: Binding { change, trees },
            signature,
        },
    )
}

/// Text that may hold anything a commit message can, line breaks included.
fn field() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,40}", "(?s).{0,40}", "[a-z ]{1,10}[\r\n\0][a-z ]{0,10}"]
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        prop::sample::select(vec![Authorship::Human, Authorship::Assisted, Authorship::Generated]),
        prop::collection::vec(field(), 0..3),
        field(),
        "[a-z]{1,8}@[a-z]{1,8}\\.org",
        field(),
    )
        .prop_map(|(authorship, assisted_by, name, email, rationale)| Statement {
            authorship,
            assisted_by,
            understood_by: Person { name, email },
            rationale,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signature_trailer_round_trips(t in signature_trailer()) {
        let text = t.to_string();
        prop_assert_eq!(SignatureTrailer::parse(&text), Ok(t));
    }

    #[test]
    fn signature_trailer_parse_never_panics(text in "(?s).{0,300}") {
        if let Ok(t) = SignatureTrailer::parse(&text) {
            // Strict: only the exact printed form is accepted.
            prop_assert_eq!(t.to_string(), text);
        }
    }

    #[test]
    fn signature_trailer_rejects_near_misses(t in signature_trailer(), at in any::<prop::sample::Index>(), c in "[ =xG\t]") {
        let text = t.to_string();
        let i = at.index(text.len());
        let mut edited = text.clone();
        edited.insert_str(i, &c);
        if let Ok(parsed) = SignatureTrailer::parse(&edited) {
            prop_assert_eq!(parsed.to_string(), edited);
        }
    }

    #[test]
    fn statement_from_any_trailers_never_panics(
        pairs in prop::collection::vec(prop_oneof![
            (prop::sample::select(vec!["Authorship", "authorship", "Assisted-by", "Understood-by", "Rationale", "Avow-Signature", "X"]), field()),
            prop::sample::select(vec![
                ("Authorship", "human"), ("AUTHORSHIP", "assisted"), ("Authorship", "generated"),
                ("Assisted-by", "Claude:claude-opus-4-5"), ("Understood-by", "Alice <alice@example.org>"),
                ("Understood-by", "<no-name@example.org>"), ("Rationale", "Because the parser dropped the last item."),
                ("Rationale", "  "),
            ]).prop_map(|(k, v)| (k, v.to_owned())),
        ], 0..8)
    ) {
        let trailers: Vec<Trailer> = pairs.into_iter().map(|(k, v)| Trailer::new(k, v)).collect();
        let count = |key: &str| trailers.iter().filter(|t| t.is(key)).count();
        match Statement::from_trailers(&trailers) {
            Ok(s) => {
                prop_assert_eq!((count("Authorship"), count("Understood-by"), count("Rationale")), (1, 1, 1));
                prop_assert_eq!(s.assisted_by.len(), count("Assisted-by"));
                prop_assert_eq!(s.authorship == Authorship::Human, s.assisted_by.is_empty());
                prop_assert!(!s.rationale.trim().is_empty());
            }
            Err(problems) => prop_assert!(!problems.is_empty() || count("Authorship") != 1 || count("Understood-by") != 1 || count("Rationale") != 1),
        }
    }

    #[test]
    fn payload_is_one_field_per_line_or_refused(
        s in statement(),
        subject in field(),
        change in prop::option::of(digest()),
        trees in digest(),
        signed_at in any::<i64>(),
    ) {
        let binding = Binding { change, trees };
        let p = Payload::new(&binding, &s.understood_by.email, &subject, signed_at, &s);
        let has_break = |v: &str| v.contains(['\n', '\r', '\0']);
        let fields: Vec<String> = [subject.clone(), s.understood_by.to_string(), s.rationale.clone()]
            .into_iter()
            .chain(s.assisted_by.iter().cloned())
            .collect();
        match p.to_bytes() {
            Ok(bytes) => {
                prop_assert!(!fields.iter().any(|f| has_break(f)));
                let text = String::from_utf8(bytes).unwrap();
                let header = format!("{HEADER}\n");
                prop_assert!(text.starts_with(&header));
                prop_assert!(text.ends_with('\n'));
                prop_assert_eq!(text.lines().count(), 9 + s.assisted_by.len());
                let subject_line = format!("subject {subject}");
                prop_assert!(text.lines().any(|l| l == subject_line));
            }
            Err(PayloadError::LineBreak { .. }) => prop_assert!(fields.iter().any(|f| has_break(f))),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn latin1_round_trips_bytes_and_text(bytes in prop::collection::vec(any::<u8>(), 0..200), text in "(?s).{0,60}") {
        let decoded = Encoding::Latin1.decode(&bytes).unwrap();
        prop_assert_eq!(Encoding::Latin1.encode(&decoded).unwrap(), bytes);
        match Encoding::Latin1.encode(&text) {
            Ok(b) => prop_assert_eq!(Encoding::Latin1.decode(&b).unwrap(), text.clone()),
            Err(c) => prop_assert!(u32::from(c) > 0xff && text.contains(c)),
        }
        prop_assert_eq!(Encoding::Utf8.decode(&Encoding::Utf8.encode(&text).unwrap()), Some(text.clone()));
    }
}
