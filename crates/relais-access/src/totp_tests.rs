use super::*;
use crate::random::{BrokenEntropy, TestEntropy};

/// RFC 6238 appendix B: the SHA-1 seed is the ASCII of "12345678901234567890".
fn rfc_secret() -> TotpSecret {
    TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap()
}

/// (unix time, 8-digit SHA-1 code) from RFC 6238 appendix B.
const RFC_6238_SHA1: [(i64, &str); 6] = [
    (59, "94287082"),
    (1_111_111_109, "07081804"),
    (1_111_111_111, "14050471"),
    (1_234_567_890, "89005924"),
    (2_000_000_000, "69279037"),
    (20_000_000_000, "65353130"),
];

#[test]
fn codes_match_the_rfc_6238_sha1_vectors() {
    let secret = rfc_secret();
    let eight = generator(&secret, 8).unwrap();
    for (time, expected) in RFC_6238_SHA1 {
        assert_eq!(eight.generate(time as u64).to_string(), expected, "8 digits at {time}");
        // Our 6-digit codes are the same truncation modulo 10^6: the vector's last six digits.
        assert_eq!(code_at(&secret, at(time)).unwrap(), expected[2..], "6 digits at {time}");
        assert!(verify(&secret, &expected[2..], at(time), None).is_some());
    }
}

#[test]
fn verification_accepts_the_previous_current_and_next_step_only() {
    let secret = rfc_secret();
    let now = at(1_111_111_111); // step 37037037, 1 s into it
    let current = step_at(now).unwrap();
    assert_eq!(current, 37_037_037);
    let code_of = |step: u64| code_at(&secret, at(step as i64 * 30)).unwrap();
    let cases = [
        (current - 2, None),
        (current - 1, Some(current - 1)),
        (current, Some(current)),
        (current + 1, Some(current + 1)),
        (current + 2, None),
    ];
    for (step, expected) in cases {
        assert_eq!(verify(&secret, &code_of(step), now, None), expected, "code of step {step}");
    }
}

#[test]
fn a_used_step_cannot_be_used_again() {
    let secret = rfc_secret();
    let now = at(1_234_567_890);
    let code = code_at(&secret, now).unwrap();
    let step = verify(&secret, &code, now, None).unwrap();
    // Replayed a few seconds later, within the same step and in the next one.
    assert_eq!(verify(&secret, &code, at(1_234_567_895), Some(step)), None);
    assert_eq!(verify(&secret, &code, at(1_234_567_890 + 30), Some(step)), None);
    // The previous step's code is refused too once a later step was used, though it is in the
    // window.
    let previous = code_at(&secret, at(1_234_567_890 - 30)).unwrap();
    assert_eq!(verify(&secret, &previous, now, Some(step)), None);
    // The next step's code is new, so it is accepted and becomes the last used step.
    let next = code_at(&secret, at(1_234_567_890 + 30)).unwrap();
    assert_eq!(verify(&secret, &next, now, Some(step)), Some(step + 1));
}

#[test]
fn anything_but_the_right_six_digits_is_refused() {
    let secret = rfc_secret();
    let now = at(59); // code 287082
    let cases = [
        ("287082", true),
        ("287 082", true),
        (" 287082 ", true),
        ("", false),
        ("28708", false),
        ("2870820", false),
        ("94287082", false),
        ("287083", false),
        ("+87082", false),
        ("28708a", false),
        ("２８７０８２", false), // full-width digits
        ("287\u{a0}082", false),
    ];
    for (code, accepted) in cases {
        assert_eq!(verify(&secret, code, now, None).is_some(), accepted, "code {code:?}");
    }
    let long = "2".repeat(10_000);
    assert_eq!(verify(&secret, &long, now, None), None);
}

#[test]
fn no_step_before_1970() {
    let secret = rfc_secret();
    assert_eq!(step_at(at(-1)), None);
    assert_eq!(code_at(&secret, at(-30)), None);
    assert_eq!(verify(&secret, "287082", at(-1), None), None);
    assert_eq!(step_at(at(0)), Some(0));
    assert_eq!(step_at(at(29)), Some(0));
    assert_eq!(step_at(at(30)), Some(1));
}

#[test]
fn a_new_secret_is_20_random_bytes_stored_as_32_base32_characters() {
    let entropy = TestEntropy::default();
    let a = TotpSecret::generate_with(&entropy).unwrap();
    let b = TotpSecret::generate_with(&entropy).unwrap();
    assert_ne!(a, b);
    let text = a.to_base32();
    assert_eq!(text.len(), 32);
    assert!(text.bytes().all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c)));
    assert_eq!(TotpSecret::from_base32(&text).unwrap(), a);
    assert_ne!(TotpSecret::generate().unwrap(), TotpSecret::generate().unwrap());
    assert_eq!(TotpSecret::generate_with(&BrokenEntropy), Err(EntropyError));
    // RFC 6238's ASCII seed in base32, as an authenticator would receive it.
    assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

#[test]
fn unusable_stored_secrets_are_errors_with_codes() {
    let cases = [
        ("", "totp-secret-too-short"),
        ("GEZDGNBVGY3TQOJQ", "totp-secret-too-short"), // 10 bytes
        ("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "totp-secret-malformed"),
        ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", "totp-secret-malformed"),
        ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====", "totp-secret-malformed"),
    ];
    for (text, code) in cases {
        assert_eq!(TotpSecret::from_base32(text).map_err(|e| e.code()), Err(code), "{text:?}");
    }
    assert!(TotpSecret::from_bytes(vec![7; 16]).is_ok());
    assert_eq!(TotpSecret::from_bytes(vec![7; 15]), Err(TotpError::SecretTooShort));
}

#[test]
fn the_enrolment_uri_names_relais_and_the_account() {
    let uri = enrolment_uri(&rfc_secret(), "alice@example.org").unwrap();
    assert_eq!(
        uri,
        "otpauth://totp/Relais:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Relais"
    );
    let spaced = enrolment_uri(&rfc_secret(), "Dr Émile Roy").unwrap();
    assert!(spaced.starts_with("otpauth://totp/Relais:Dr%20%C3%89mile%20Roy?"), "{spaced}");
    for bad in ["", "a:b"] {
        assert_eq!(enrolment_uri(&rfc_secret(), bad), Err(TotpError::AccountLabelInvalid), "{bad:?}");
    }
}

#[test]
fn debug_never_prints_the_secret() {
    let secret = rfc_secret();
    let debug = format!("{secret:?}");
    assert!(!debug.contains("GEZDGNBV") && !debug.contains("1234567890"), "{debug}");
    assert_eq!(debug, "TotpSecret(<redacted>)");
}
