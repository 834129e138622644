//! Properties of the date ranges a search compares ([`range_of`]): every range is well-formed
//! (`lo <= hi`); a day lies within its month and its year, a second within its day; and
//! consecutive days, months, years and seconds meet exactly (one's `hi + 1` is the next one's
//! `lo`), across month ends, year ends and leap days.

use jiff::ToSpan;
use jiff::civil::Date;
use proptest::prelude::*;

use super::range_of;

/// A calendar day between the years 1 and 9998 (so that the next year still parses).
fn day() -> impl Strategy<Value = Date> {
    (1i16..=9998, 1i8..=12, 1i8..=31).prop_map(|(y, m, d)| {
        let last = Date::new(y, m, 1).unwrap().days_in_month();
        Date::new(y, m, d.min(last)).unwrap()
    })
}

fn range(text: &str) -> (i64, i64) {
    range_of(text).unwrap_or_else(|| panic!("{text} has no range"))
}

fn year_text(d: Date) -> String {
    format!("{:04}", d.year())
}

fn month_text(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn day_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn ranges_are_well_formed_and_nest(d in day(), h in 0u8..24, mi in 0u8..60, s in 0u8..60,
                                       micros in 0u32..1_000_000) {
        let (year, month, day) = (range(&year_text(d)), range(&month_text(d)), range(&day_text(d)));
        let second = range(&format!("{}T{h:02}:{mi:02}:{s:02}Z", day_text(d)));
        let instant = range(&format!("{}T{h:02}:{mi:02}:{s:02}.{micros:06}Z", day_text(d)));
        for (lo, hi) in [year, month, day, second, instant] {
            prop_assert!(lo <= hi);
        }
        prop_assert!(year.0 <= month.0 && month.1 <= year.1, "a month within its year");
        prop_assert!(month.0 <= day.0 && day.1 <= month.1, "a day within its month");
        prop_assert!(day.0 <= second.0 && second.1 <= day.1, "a second (UTC) within its day");
        prop_assert!(second.0 <= instant.0 && instant.1 <= second.1, "an instant within its second");
        prop_assert_eq!(instant.0, instant.1, "fractional seconds: one instant");
        prop_assert_eq!(second.1 - second.0, 999_999);
        prop_assert_eq!(day.1 - day.0 + 1, 86_400_000_000);
        prop_assert_eq!(month.1 - month.0 + 1, i64::from(d.days_in_month()) * 86_400_000_000);
        prop_assert_eq!(year.1 - year.0 + 1, i64::from(d.days_in_year()) * 86_400_000_000);
    }

    #[test]
    fn consecutive_days_months_and_years_meet(d in day()) {
        let next_day = d.tomorrow().unwrap();
        prop_assert_eq!(range(&day_text(d)).1 + 1, range(&day_text(next_day)).0, "{} then {}", d, next_day);
        let next_month = d.first_of_month().checked_add(1.month()).unwrap();
        prop_assert_eq!(range(&month_text(d)).1 + 1, range(&month_text(next_month)).0);
        let next_year = d.first_of_year().checked_add(1.year()).unwrap();
        prop_assert_eq!(range(&year_text(d)).1 + 1, range(&year_text(next_year)).0);
        // The first and last day bound their month and year.
        prop_assert_eq!(range(&month_text(d)).0, range(&day_text(d.first_of_month())).0);
        prop_assert_eq!(range(&month_text(d)).1, range(&day_text(d.last_of_month())).1);
        prop_assert_eq!(range(&year_text(d)).1, range(&day_text(d.last_of_year())).1);
    }

    #[test]
    fn consecutive_seconds_meet_and_zones_shift(d in day(), h in 0u8..24, mi in 0u8..60, s in 0u8..60,
                                                 offset_hours in -12i8..=14) {
        let at = d.at(h as i8, mi as i8, s as i8, 0);
        let next = at.checked_add(1.second()).unwrap();
        let text = |t: jiff::civil::DateTime, zone: &str| format!("{}{zone}", t.strftime("%Y-%m-%dT%H:%M:%S"));
        let this = range(&text(at, "Z"));
        prop_assert_eq!(this.1 + 1, range(&text(next, "Z")).0, "{} then {}", at, next);
        // The same wall-clock time at UTC+n is n hours earlier.
        let zone = format!("{}{:02}:00", if offset_hours < 0 { '-' } else { '+' }, offset_hours.unsigned_abs());
        let zoned = range(&text(at, &zone));
        prop_assert_eq!(this.0 - zoned.0, i64::from(offset_hours) * 3_600_000_000);
        prop_assert_eq!(zoned.1 - zoned.0, 999_999);
    }
}

#[test]
fn leap_days_and_year_ends_meet() {
    for (a, b) in [
        ("2024-02-28", "2024-02-29"),
        ("2024-02-29", "2024-03-01"),
        ("2023-02-28", "2023-03-01"),
        ("2000-02-29", "2000-03-01"),
        ("1900-02-28", "1900-03-01"),
        ("2025-12-31", "2026-01-01"),
        ("2024-02", "2024-03"),
        ("2025-12", "2026-01"),
        ("2025", "2026"),
        ("2026-02-28T23:59:59Z", "2026-03-01T00:00:00Z"),
    ] {
        assert_eq!(range(a).1 + 1, range(b).0, "{a} then {b}");
    }
    assert_eq!(range("2024-02").1 - range("2024-02").0 + 1, 29 * 86_400_000_000);
    assert_eq!(range("1900-02").1 - range("1900-02").0 + 1, 28 * 86_400_000_000);
    // 2026-02-28T23:59:59-05:00 is 2026-03-01T04:59:59Z: within March, not February.
    let late = range("2026-02-28T23:59:59-05:00");
    assert!(range("2026-03").0 <= late.0 && late.1 <= range("2026-03").1);
    assert!(late.0 > range("2026-02").1);
}
