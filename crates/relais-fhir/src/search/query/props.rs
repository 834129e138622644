//! Properties: the parser never panics, and date prefixes agree with the precision range.

use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::SchemaValidator;

fn params() -> Arc<SearchParams> {
    SearchParams::shared(SchemaValidator::shared().unwrap().resource_types()).unwrap()
}

const OPTIONS: ParseOptions<'static> =
    ParseOptions { base_url: "https://relais.example/fhir", strict: true, max_count: 100 };

/// Names mixing real parameters, modifiers, chains and noise.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "[a-z_-]{1,12}(:[A-Za-z-]{0,10})?(\\.[a-z_-]{0,10}(:[a-z]{0,6})?)?",
        prop::sample::select(vec![
            "name",
            "code",
            "subject",
            "subject:Patient.name",
            "subject.name",
            "date",
            "value-quantity",
            "status",
            "component-code-value-quantity",
            "code-value-concept",
            "_id",
            "_lastUpdated",
            "_count",
            "_sort",
            "_include",
            "_include:iterate",
            "_revinclude",
            "_summary",
            "_total",
            "_elements",
            "_cursor",
            "_has:Observation:patient:code",
            "_has:Observation:subject:_has:x:y:z",
            "url:below",
            "patient.name:exact",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Values full of the characters the syntax gives meaning to.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[a-z0-9|$:,\\\\/. é-]{0,24}",
        "(eq|ne|lt|gt|le|ge|sa|eb|ap|xx)?[0-9eE.+-]{0,12}(\\|[a-z:/.]{0,8}\\|[a-z]{0,4})?",
        "(eq|ge|sa|eb)?[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?",
        "(Patient|Group|https://relais.example/fhir/Patient|http://x)?/?[A-Za-z0-9.-]{0,70}(/_history/1)?",
    ]
}

fn valid_date() -> impl Strategy<Value = String> {
    (1i32..=9998, 1u8..=12, 1u8..=28, 0u8..=23, 0u8..=59, 0u8..=59, 0usize..5, 0usize..4).prop_map(
        |(y, mo, d, h, mi, s, precision, zone)| {
            let zone = ["Z", "+05:30", "-11:00", "+14:00"][zone];
            match precision {
                0 => format!("{y:04}"),
                1 => format!("{y:04}-{mo:02}"),
                2 => format!("{y:04}-{mo:02}-{d:02}"),
                3 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{zone}"),
                _ => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.123{zone}"),
            }
        },
    )
}

fn bounds(query: &SearchQuery) -> (Prefix, i64, i64) {
    match query.filters.as_slice() {
        [Filter { values, .. }] => match values.as_slice() {
            [FilterValue::Date { prefix, lo, hi }] => (*prefix, *lo, *hi),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics(
        resource_type in prop::sample::select(vec!["Observation", "Patient", "Questionnaire", "Nonsense", ""]),
        pairs in prop::collection::vec((name(), value()), 0..6),
        strict in any::<bool>(),
    ) {
        let options = ParseOptions { strict, ..OPTIONS };
        let result = parse_query(&params(), resource_type, pairs, &options);
        if let Err(issues) = result {
            prop_assert!(!issues.is_empty());
        }
    }
}

fn parse_year(params: &SearchParams, year: &str) -> (Prefix, i64, i64) {
    bounds(&parse_query(params, "Observation", [("date", format!("sa{year}"))], &OPTIONS).unwrap())
}

proptest! {
    #[test]
    fn date_prefixes_agree_with_the_precision_range(date in valid_date()) {
        let params = params();
        let parse = |prefix: &str| {
            let query = parse_query(&params, "Observation", [("date", format!("{prefix}{date}"))], &OPTIONS);
            bounds(&query.unwrap())
        };
        let (_, lo, hi) = parse("");
        prop_assert!(lo <= hi);
        for (text, prefix) in [("eq", Prefix::Eq), ("ne", Prefix::Ne), ("lt", Prefix::Lt), ("gt", Prefix::Gt),
            ("le", Prefix::Le), ("ge", Prefix::Ge), ("sa", Prefix::Sa), ("eb", Prefix::Eb), ("ap", Prefix::Ap)] {
            // Every prefix compares against the same range the precision gives.
            prop_assert_eq!(parse(text), (prefix, lo, hi));
        }
        let (_, ge_lo, _) = parse("ge");
        let (_, _, le_hi) = parse("le");
        prop_assert!(ge_lo <= le_hi);
        // `sa` and `eb` compare with the whole range: for a date without time, the range of its
        // year covers it, so `sa2026-05` is not after all of `eq2026`.
        if !date.contains('T') {
            let (_, year_lo, year_hi) = parse_year(&params, &date[..4]);
            prop_assert!(year_lo <= lo && hi <= year_hi);
        }
        // The range is as long as the precision says.
        let seconds_precision = date.contains('T') && !date.contains('.');
        if seconds_precision {
            prop_assert_eq!(hi - lo, 999_999);
        } else if date.contains('.') {
            prop_assert_eq!(hi, lo);
        } else if date.len() == 10 {
            prop_assert_eq!(hi - lo + 1, 86_400_000_000);
        }
    }
}
