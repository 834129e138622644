//! The compact JSON, table-driven: what is accepted, and each refusal's field and code.

use super::*;

fn now() -> Timestamp {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

fn one(body: &str) -> Result<ReadingIn, (Option<String>, ItemError)> {
    let mut message = parse(body.as_bytes(), now()).unwrap();
    assert_eq!(message.readings.len(), 1);
    message.readings.remove(0)
}

#[test]
fn a_reading_an_array_and_an_envelope_with_a_token() {
    let reading = one(
        r#"{"message_id":"m1","code":"29463-7","value":88.2,"unit":"kg","at":"2026-11-26T06:30:00-05:00"}"#,
    )
    .unwrap();
    assert_eq!(reading.at, "2026-11-26T11:30:00Z".parse::<Timestamp>().unwrap(), "placed by its offset");
    assert_eq!(reading.value, Some(Measure { code: "29463-7".into(), value: 88.2, unit: "kg".into() }));
    let obs = observation(&reading, "alice", "scale-1", Some("HF-SCALE-0007"));
    assert_eq!(obs["subject"]["reference"], "Patient/alice");
    assert_eq!(obs["device"]["reference"], "Device/scale-1");
    assert_eq!(obs["device"]["display"], "HF-SCALE-0007", "the serial a nurse reads on the device");
    assert_eq!(obs["valueQuantity"]["code"], "kg");
    assert_eq!(obs["effectiveDateTime"], "2026-11-26T11:30:00Z");

    let array = parse(
        br#"[{"message_id":"a","code":"8867-4","value":70,"unit":"/min","at":"2026-11-26T11:00:00Z"},
             {"message_id":"b","code":"85354-9","at":"2026-11-26T11:00:00Z","components":[
                {"code":"8480-6","value":150,"unit":"mm[Hg]"},{"code":"8462-4","value":95,"unit":"mm[Hg]"}]}]"#,
        now(),
    )
    .unwrap();
    assert_eq!(array.token, None);
    let panel = array.readings[1].as_ref().unwrap();
    let obs = observation(panel, "alice", "cuff-1", None);
    assert_eq!(obs["component"][0]["valueQuantity"]["value"], 150.0);
    assert!(obs.get("valueQuantity").is_none());
    assert!(obs["device"].get("display").is_none(), "no label, no display");

    let envelope = parse(
        br#"{"token":"abc","readings":[{"message_id":"c","code":"8867-4","value":70,"unit":"/min","at":"2026-11-26T11:00:00Z"}]}"#,
        now(),
    )
    .unwrap();
    assert_eq!((envelope.token.as_deref(), envelope.readings.len()), (Some("abc"), 1));
    let single = parse(
        br#"{"token":"abc","message_id":"d","code":"8867-4","value":70,"unit":"/min","at":"2026-11-26T11:00:00Z"}"#,
        now(),
    )
    .unwrap();
    assert_eq!(single.token.as_deref(), Some("abc"));
    assert!(single.readings[0].is_ok());
}

#[test]
fn each_bad_reading_says_which_field_and_why() {
    let cases = [
        (
            r#"{"code":"29463-7","value":1,"unit":"kg","at":"2026-11-26T07:30:00Z"}"#,
            None,
            "missing-field",
            "message_id",
        ),
        (
            r#"{"message_id":"","code":"29463-7","value":1,"unit":"kg","at":"2026-11-26T07:30:00Z"}"#,
            None,
            "invalid-field",
            "message_id",
        ),
        (
            r#"{"message_id":"m","value":1,"unit":"kg","at":"2026-11-26T07:30:00Z"}"#,
            Some("m"),
            "missing-field",
            "code",
        ),
        (
            r#"{"message_id":"m","code":"weight","value":1,"unit":"kg","at":"2026-11-26T07:30:00Z"}"#,
            Some("m"),
            "invalid-field",
            "code",
        ),
        (
            r#"{"message_id":"m","code":"29463-7","value":"88","unit":"kg","at":"2026-11-26T07:30:00Z"}"#,
            Some("m"),
            "invalid-field",
            "value",
        ),
        (
            r#"{"message_id":"m","code":"29463-7","unit":"kg","at":"2026-11-26T07:30:00Z"}"#,
            Some("m"),
            "missing-field",
            "value",
        ),
        (
            r#"{"message_id":"m","code":"29463-7","value":1,"at":"2026-11-26T07:30:00Z"}"#,
            Some("m"),
            "missing-field",
            "unit",
        ),
        (
            r#"{"message_id":"m","code":"29463-7","value":1,"unit":"kg","at":"2026-11-26 07:30"}"#,
            Some("m"),
            "invalid-field",
            "at",
        ),
        (
            r#"{"message_id":"m","code":"29463-7","value":1,"unit":"kg","at":"2026-11-26T07:30:00"}"#,
            Some("m"),
            "invalid-field",
            "at",
        ),
        (r#"{"message_id":"m","code":"29463-7","value":1,"unit":"kg"}"#, Some("m"), "missing-field", "at"),
        (
            r#"{"message_id":"m","code":"29463-7","value":1,"unit":"kg","at":"2026-11-26T12:30:00Z"}"#,
            Some("m"),
            "at-in-future",
            "at",
        ),
        (
            r#"{"message_id":"m","code":"85354-9","at":"2026-11-26T07:30:00Z","components":[]}"#,
            Some("m"),
            "invalid-field",
            "components",
        ),
    ];
    for (body, id, code, field) in cases {
        let (got_id, error) = one(body).unwrap_err();
        assert_eq!((got_id.as_deref(), error.code, error.field), (id, code, field), "{body}");
        assert!(!error.message.is_empty());
    }
    // Ten minutes of clock drift are tolerated.
    assert!(
        one(r#"{"message_id":"m","code":"29463-7","value":1,"unit":"kg","at":"2026-11-26T12:09:00Z"}"#)
            .is_ok()
    );
}

#[test]
fn messages_refused_as_a_whole() {
    let too_many = format!(
        "[{}]",
        vec![
            r#"{"message_id":"m","code":"29463-7","value":1,"unit":"kg","at":"2026-11-26T07:30:00Z"}"#;
            MAX_READINGS + 1
        ]
        .join(",")
    );
    let cases: [(&[u8], &str); 6] = [
        (b"not json", "invalid-json"),
        (b"42", "not-readings"),
        (b"[]", "no-readings"),
        (br#"{"readings":{}}"#, "not-readings"),
        (br#"{"token":7,"message_id":"m"}"#, "invalid-token"),
        (too_many.as_bytes(), "too-many-readings"),
    ];
    for (body, code) in cases {
        assert_eq!(parse(body, now()).unwrap_err().code, code, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn a_device_is_known_by_its_serial_number_else_its_name() {
    let label = |device: Value| device_label(&device);
    assert_eq!(
        label(
            json!({"serialNumber": " HF-SCALE-0007 ", "deviceName": [{"name": "Balance", "type": "user-friendly-name"}]})
        ),
        Some("HF-SCALE-0007".into())
    );
    let registered = json!({"identifier": [{"system": "urn:other", "value": "x"}, {"system": DEVICE_SERIAL, "value": "BP-42"}]});
    assert_eq!(label(registered), Some("BP-42".into()), "the serial enrolment registered");
    assert_eq!(
        label(json!({"serialNumber": "", "deviceName": [{"name": "Tensiomètre de Léa"}]})),
        Some("Tensiomètre de Léa".into())
    );
    let blank = json!({"identifier": [{"system": DEVICE_SERIAL, "value": " "}], "deviceName": [{"name": "Oxymètre"}]});
    assert_eq!(label(blank), Some("Oxymètre".into()), "a blank serial is no serial");
    assert_eq!(label(json!({"status": "active"})), None);
}
