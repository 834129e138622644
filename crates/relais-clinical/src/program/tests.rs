//! Loading programs: the shipped ones load, overrides replace them, and every kind of mistake is
//! reported with the file and the field a clinician has to fix.

use super::*;

const MINI: &str = r#"
id = "mini"
version = 1
title = { fr = "Mini", en = "Mini" }

[[measurements]]
code = "8867-4"
name = { fr = "Pouls", en = "Pulse" }
unit = "/min"
every_hours = 24
plausible = [20, 250]

[[questionnaires]]
id = "daily"
title = { fr = "Questions", en = "Questions" }
every_hours = 24

[[questionnaires.items]]
link_id = "breathless"
type = "boolean"
text = { fr = "Essoufflé ?", en = "Breathless?" }

[advice.call-911]
fr = "Appelez le 911."
en = "Call 911."

[[rules]]
id = "hr-high"
version = 1
kind = "threshold"
code = "8867-4"
when = "> 110"
severity = "high"
title = { fr = "Pouls rapide", en = "Fast pulse" }
"#;

const SYMPTOM: &str = r#"
[[rules]]
id = "breathless"
version = 1
kind = "symptom"
questionnaire = "daily"
items = ["breathless"]
answers = [true]
severity = "high"
advice = "call-911"
title = { fr = "Essoufflé", en = "Breathless" }
"#;

#[test]
fn the_shipped_programs_load() {
    let catalog = Catalog::defaults().unwrap();
    let ids: Vec<&str> = catalog.programs().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["copd", "diabetes", "heart-failure", "hypertension", "post-operative"]);
    let hf = catalog.get("heart-failure").unwrap();
    let rule = hf.rule("weight-gain-3d").unwrap();
    assert_eq!(rule.version, 1);
    assert_eq!(rule.severity, Severity::Moderate);
    assert!(matches!(rule.condition, Condition::Change { direction: Direction::Rise, .. }));
    assert_eq!(hf.escalation[&Severity::High].chain[0], "nurse");
    assert_eq!(hf.advice["call-911"].get("en"), "Call 911 now. Do not wait for the nurse to call you.");
}

#[test]
fn the_lookback_covers_the_longest_window_and_the_longest_missing_delay() {
    let catalog = Catalog::defaults().unwrap();
    // Hypertension: 7-day averages and 48 h without a reading.
    assert_eq!(catalog.get("hypertension").unwrap().lookback(), jiff::SignedDuration::from_hours(168 + 48));
    // Heart failure: a 3-day weight window and 48 h without data.
    assert_eq!(catalog.get("heart-failure").unwrap().lookback(), jiff::SignedDuration::from_hours(72 + 48));
}

#[test]
fn a_minimal_program_loads() {
    let program = parse_program("mini.toml", MINI).unwrap();
    assert_eq!(program.rules.len(), 1);
    assert_eq!(program.measurements[0].plausible, (20.0, 250.0));
}

#[test]
fn mistakes_are_reported_with_the_file_and_the_field() {
    let with_rule = |rule: &str| format!("{MINI}\n{rule}");
    let cases: Vec<(String, &str)> = vec![
        (
            MINI.replace("every_hours = 24\nplausible", "every_hour = 24\nplausible"),
            "mini.toml: line 10, column 1: unknown field `every_hour`",
        ),
        (
            MINI.replace("id = \"mini\"", "id = \"other\""),
            "mini.toml: id: `other` must match the file name `mini`",
        ),
        (
            MINI.replace("unit = \"/min\"", "unit = \"bpm\""),
            "mini.toml: measurements[0].unit: `bpm` is not a unit",
        ),
        (MINI.replace("[20, 250]", "[250, 20]"), "mini.toml: measurements[0].plausible: must be [lowest"),
        (
            MINI.replace("code = \"8867-4\"\nname", "code = \"pulse\"\nname"),
            "measurements[0].code: `pulse` is not a LOINC",
        ),
        (
            MINI.replace("when = \"> 110\"", "when = \"110\""),
            "mini.toml: rules[0].when: `110` must start with",
        ),
        (
            MINI.replace("when = \"> 110\"", "when = \"> 110\"\nwindow_hours = 3"),
            "rules[0].window_hours: is not used by a `threshold` rule",
        ),
        (
            MINI.replace("code = \"8867-4\"\nwhen", "code = \"8310-5\"\nwhen"),
            "rules[0].code: `8310-5` is not one of this program's measurements",
        ),
        (MINI.replace("severity = \"high\"\ntitle", "title"), "rules[0].severity: is required"),
        (MINI.replace("severity = \"high\"", "severity = \"urgent\""), "mini.toml: line"),
        (
            MINI.replace("title = { fr = \"Mini\"", "title = { fr = \" \""),
            "mini.toml: title.fr: must not be empty",
        ),
        (MINI.replace("version = 1\ntitle", "version = 0\ntitle"), "mini.toml: version: must be 1 or more"),
        (
            with_rule(&SYMPTOM.replace("answers = [true]", "answers = [\"yes\"]")),
            "rules[1].answers[0]: is not a possible answer to `breathless`",
        ),
        (
            with_rule(&SYMPTOM.replace("items = [\"breathless\"]", "items = [\"cough\"]")),
            "rules[1].items[0]: no question `cough` in `daily`",
        ),
        (
            with_rule(&SYMPTOM.replace("advice = \"call-911\"", "advice = \"call-912\"")),
            "rules[1].advice: no advice `call-912`",
        ),
        (
            with_rule(&SYMPTOM.replace("id = \"breathless\"", "id = \"hr-high\"")),
            "rules[1].id: `hr-high` is used twice",
        ),
        (
            with_rule(
                "[[rules]]\nid = \"w\"\nversion = 1\nkind = \"change\"\ncode = \"8867-4\"\nwhen = \"> 2\"\nwindow_hours = 72\nseverity = \"low\"\ntitle = { fr = \"a\", en = \"b\" }",
            ),
            "rules[1].direction: is required for this kind of rule",
        ),
        (
            with_rule(
                "[[rules]]\nid = \"c\"\nversion = 1\nkind = \"composite\"\nall = [\"hr-high\", \"nope\"]\nseverity = \"high\"\ntitle = { fr = \"a\", en = \"b\" }",
            ),
            "rules[1].all[1]: no rule `nope` in this program",
        ),
        (
            with_rule(
                "[[rules]]\nid = \"n\"\nversion = 1\nkind = \"news2\"\nbands = { high = \"high\" }\ntitle = { fr = \"a\", en = \"b\" }",
            ),
            "rules[1].kind: NEWS2 needs the measurement 9279-1 (respiratory rate)",
        ),
        (
            with_rule(
                "[[rules]]\nid = \"m\"\nversion = 1\nkind = \"missing\"\nafter_hours = 24\nseverity = \"low\"\ntitle = { fr = \"a\", en = \"b\" }",
            ),
            "rules[1].code: name either a measurement code or a questionnaire",
        ),
        (
            format!("{MINI}\n[[escalation]]\nseverity = \"high\"\nafter_minutes = 30\nchain = []"),
            "mini.toml: escalation[0].chain: must name at least one",
        ),
    ];
    for (text, expected) in cases {
        let error = parse_program("mini.toml", &text).unwrap_err().to_string();
        assert!(error.contains(expected), "expected `{expected}` in `{error}`");
    }
}

#[test]
fn an_override_replaces_the_default_of_the_same_id() {
    let shipped = DEFAULT_PROGRAMS.iter().find(|(file, _)| *file == "heart-failure.toml").unwrap().1;
    let changed =
        shipped.replacen("version = 1", "version = 2", 1).replace("when = \"> 2\"", "when = \"> 1.5\"");
    let catalog = Catalog::load([("heart-failure.toml", changed.as_str()), ("mini.toml", MINI)]).unwrap();
    let hf = catalog.get("heart-failure").unwrap();
    assert_eq!(hf.version, 2);
    let Condition::Change { when, .. } = &hf.rule("weight-gain-3d").unwrap().condition else { panic!() };
    assert_eq!(when.to_string(), "> 1.5");
    assert!(catalog.get("mini").is_some(), "a new program is added");
    assert_eq!(catalog.get("copd").unwrap().version, 1, "the others stay");
}

#[test]
fn one_bad_override_refuses_the_whole_set_and_names_its_file() {
    let bad = MINI.replace("unit = \"/min\"", "unit = \"bpm\"");
    let error = Catalog::load([("mini.toml", bad.as_str())]).unwrap_err();
    assert!(
        matches!(&error, ProgramError::Invalid { file, field, .. } if file == "mini.toml" && field == "measurements[0].unit")
    );
}

#[test]
fn a_questionnaire_becomes_a_fhir_questionnaire_in_either_language() {
    let catalog = Catalog::defaults().unwrap();
    let copd = catalog.get("copd").unwrap();
    let daily = copd.questionnaire("copd-daily").unwrap();
    let fr = daily.to_fhir(copd, "fr");
    assert_eq!(fr["resourceType"], "Questionnaire");
    assert_eq!(fr["url"], "urn:relais:program:copd:questionnaire:copd-daily");
    assert_eq!(fr["version"], "1");
    assert_eq!(fr["item"][0]["text"], "Êtes-vous plus essoufflé que d'habitude ?");
    assert_eq!(fr["item"][0]["type"], "boolean");
    assert_eq!(fr["item"][1]["type"], "choice");
    assert_eq!(fr["item"][1]["answerOption"][2]["valueCoding"]["code"], "coloured");
    let en = daily.to_fhir(copd, "en");
    assert_eq!(en["item"][1]["answerOption"][2]["valueCoding"]["display"], "yellow, green or brown");
    assert_eq!(en["language"], "en");
}
