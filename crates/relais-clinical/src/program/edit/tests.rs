//! Changing a program from a form: a changed limit raises both versions and keeps the comments,
//! the same values change nothing, each refusal lands on its field.

use super::*;
use crate::program::DEFAULT_PROGRAMS;

fn heart_failure() -> &'static str {
    DEFAULT_PROGRAMS.iter().find(|(f, _)| *f == "heart-failure.toml").map(|(_, t)| *t).unwrap()
}

fn change(pairs: &[(&str, &str)]) -> Result<Edited, Vec<FieldError>> {
    let changes: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    edit_program("heart-failure.toml", heart_failure(), &changes)
}

fn rule_index(id: &str) -> usize {
    parse_program("heart-failure.toml", heart_failure())
        .unwrap()
        .rules
        .iter()
        .position(|r| r.id == id)
        .unwrap()
}

#[test]
fn a_changed_limit_raises_both_versions_and_keeps_the_comments() {
    let when = format!("rules[{}].when", rule_index("sbp-very-high"));
    let edited = change(&[(when.as_str(), ">180"), ("measurements[0].plausible[1]", "300,5")]).unwrap();
    assert_eq!((edited.old_version, edited.program.version), (1, 2));
    assert_eq!(edited.rules, [("sbp-very-high".to_owned(), 1, 2)]);
    let rule = edited.program.rule("sbp-very-high").unwrap();
    assert_eq!(rule.version, 2);
    assert!(
        matches!(rule.condition, crate::program::Condition::Threshold { when, .. } if when.value == 180.0)
    );
    assert_eq!(edited.program.rule("sbp-very-low").unwrap().version, 1, "untouched rules keep theirs");
    assert_eq!(edited.program.measurements[0].plausible, (20.0, 300.5));
    assert!(edited.text.contains("# BEAT-HF urgent without symptoms"), "comments kept");
    assert!(edited.text.contains("when = \">180\""));
    // What the form starts from is the file's own writing.
    let values = editable_values(&edited.text);
    assert_eq!(values.get(&when).map(String::as_str), Some(">180"));
    assert_eq!(values.get("measurements[0].plausible[0]").map(String::as_str), Some("20"));
    assert_eq!(
        values.get("advice.call-911.en").map(String::as_str),
        Some("Call 911 now. Do not wait for the nurse to call you.")
    );
    assert!(!values.contains_key("rules[0].code"), "structure is not offered");
}

#[test]
fn the_same_values_typed_again_change_nothing() {
    let when = format!("rules[{}].when", rule_index("sbp-very-high"));
    assert!(
        change(&[(when.as_str(), " >170 "), ("measurements[0].every_hours", "24")]).unwrap_err().is_empty()
    );
}

#[test]
fn each_refusal_lands_on_its_field_with_a_code() {
    let i = rule_index("weight-gain-3d");
    let rule = |key: &str| format!("rules[{i}].{key}");
    let cases = [
        (rule("when"), "2", rule("when"), "limit-invalid"),
        (rule("window_hours"), "0", rule("window_hours"), "whole-number"),
        (rule("window_hours"), "three", rule("window_hours"), "whole-number"),
        (
            "measurements[0].plausible[0]".into(),
            "400",
            "measurements[0].plausible".into(),
            "plausible-invalid",
        ),
        ("measurements[0].plausible[1]".into(), "lots", "measurements[0].plausible".into(), "number"),
        ("advice.call-911.fr".into(), "  ", "advice.call-911.fr".into(), "text-required"),
        (rule("code"), "8867-4", rule("code"), "not-editable"),
    ];
    for (field, typed, shown, code) in cases {
        let errors = change(&[(field.as_str(), typed)]).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.code)).collect::<Vec<_>>(),
            [(shown.as_str(), code)],
            "{field} = {typed}"
        );
    }
    // A key the rule does not have is not added.
    let e = change(&[(rule("min_readings").as_str(), "2")]).unwrap_err();
    assert_eq!(e[0].code, "not-editable");
}
