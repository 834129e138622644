use super::*;
use crate::random::{BrokenEntropy, TestEntropy};

#[test]
fn password_rule_gives_a_reason_code_for_each_refusal() {
    let long = "a".repeat(MAX_PASSWORD_CHARS + 1);
    let cases: &[(&str, Result<(), &str>)] = &[
        ("", Err("password-blank")),
        ("            ", Err("password-blank")),
        (" \t\n\u{a0}  \u{2003}      ", Err("password-blank")),
        ("short", Err("password-too-short")),
        ("elevenchars", Err("password-too-short")),
        ("twelve chars", Ok(())),
        // Twelve characters, more than twelve bytes: length is counted in characters.
        ("éléphantsbleus", Ok(())),
        ("ééééééééééé", Err("password-too-short")),
        (&long, Err("password-too-long")),
        ("correct horse battery staple", Ok(())),
    ];
    for (password, expected) in cases {
        let got = check_rule(password).map_err(|e| e.code());
        assert_eq!(got, *expected, "password {password:?}");
    }
    assert_eq!(PasswordRejected::TooShort.to_string(), "password-too-short");
}

#[test]
fn a_hash_is_an_argon2id_phc_string_with_its_parameters_and_verifies_its_password() {
    let phc = hash("correct horse battery staple").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "unexpected PHC string {phc}");
    assert_eq!(verify("correct horse battery staple", &phc), Ok(Verified::Ok { needs_rehash: false }));
    assert_eq!(verify("correct horse battery stapl", &phc), Ok(Verified::Wrong));
    assert_eq!(verify("", &phc), Ok(Verified::Wrong));
}

#[test]
fn the_same_password_hashes_differently_each_time_because_of_the_salt() {
    let entropy = TestEntropy::default();
    let a = hash_with("same password here", &entropy).unwrap();
    let b = hash_with("same password here", &entropy).unwrap();
    assert_ne!(a, b);
    for phc in [&a, &b] {
        assert!(matches!(verify("same password here", phc), Ok(Verified::Ok { .. })));
    }
}

#[test]
fn hashing_refuses_to_go_on_without_randomness() {
    assert_eq!(
        hash_with("a perfectly fine password", &BrokenEntropy),
        Err(PasswordError::Entropy(EntropyError))
    );
    assert_eq!(PasswordError::Entropy(EntropyError).code(), "entropy-unavailable");
}

#[test]
fn a_hash_made_with_weaker_parameters_verifies_but_asks_for_a_rehash() {
    let entropy = TestEntropy::default();
    let weak_cases = [
        Params::new(8 * 1024, ITERATIONS, PARALLELISM, None).unwrap(), // less memory
        Params::new(MEMORY_KIB, 1, PARALLELISM, None).unwrap(),        // fewer passes
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(16)).unwrap(), // shorter output
    ];
    for params in weak_cases {
        let phc = hash_with_params("old account password", &entropy, params.clone()).unwrap();
        assert_eq!(
            verify("old account password", &phc),
            Ok(Verified::Ok { needs_rehash: true }),
            "{params:?} should be weaker than the current parameters"
        );
        assert_eq!(verify("not the password", &phc), Ok(Verified::Wrong));
    }
    // Stronger than today is not a reason to rehash (that would be a downgrade).
    let strong = Params::new(MEMORY_KIB * 2, 3, PARALLELISM, None).unwrap();
    let phc = hash_with_params("new account password", &entropy, strong).unwrap();
    assert_eq!(verify("new account password", &phc), Ok(Verified::Ok { needs_rehash: false }));
}

#[test]
fn an_older_argon2_variant_verifies_but_asks_for_a_rehash() {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap();
    let phc = Argon2::new(Algorithm::Argon2i, Version::V0x13, params)
        .hash_password_with_salt(b"legacy password!", b"0123456789abcdef")
        .unwrap()
        .to_string();
    assert!(phc.starts_with("$argon2i$"));
    assert_eq!(verify("legacy password!", &phc), Ok(Verified::Ok { needs_rehash: true }));
}

#[test]
fn an_unusable_stored_hash_is_an_error_with_a_code_never_a_panic() {
    let good = hash_with("any password at all", &TestEntropy::default()).unwrap();
    let without_hash = good.rsplit_once('$').unwrap().0.to_owned();
    let cases: &[(&str, &str)] = &[
        ("", "password-hash-malformed"),
        ("not a hash", "password-hash-malformed"),
        ("$argon2id$", "password-hash-malformed"),
        (&without_hash, "password-hash-malformed"),
        ("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$!!!notbase64!!!", "password-hash-malformed"),
        (
            "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
            "password-hash-malformed",
        ),
        (
            "$argon2id$v=99$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
            "password-hash-malformed",
        ),
        // Parameters that would make one sign-in allocate 4 TiB.
        (
            "$argon2id$v=19$m=4294967295,t=2,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
            "password-hash-malformed",
        ),
        (
            "$pbkdf2-sha256$i=600000$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
            "password-hash-unsupported",
        ),
    ];
    for (stored, code) in cases {
        let got = verify("any password at all", stored).map_err(|e| e.code());
        assert_eq!(got, Err(*code), "stored hash {stored:?}");
    }
}
