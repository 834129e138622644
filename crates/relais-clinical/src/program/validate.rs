//! From the file as written to a [`Program`] the engine can trust: every reference resolves,
//! every unit is known, every rule has exactly the keys its kind uses.

use std::collections::{BTreeMap, BTreeSet};

use jiff::SignedDuration;

use super::model::*;
use super::raw::RawProgram;
use super::validate_rule::Context;
use crate::units;

/// A field (`rules[3].when`) and what is wrong with it.
pub(super) struct Invalid {
    pub field: String,
    pub message: String,
}

pub(super) type Checked<T> = Result<T, Invalid>;

pub(super) fn bad<T>(field: impl Into<String>, message: impl Into<String>) -> Checked<T> {
    Err(Invalid { field: field.into(), message: message.into() })
}

pub(super) fn hours(h: u32) -> SignedDuration {
    SignedDuration::from_hours(i64::from(h))
}

pub(super) fn check_id(field: &str, id: &str) -> Checked<()> {
    let ok = !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if ok { Ok(()) } else { bad(field, format!("`{id}` must be lowercase letters, digits and dashes")) }
}

pub(super) fn check_text(field: &str, text: &Text) -> Checked<()> {
    if text.fr.trim().is_empty() {
        return bad(format!("{field}.fr"), "must not be empty");
    }
    if text.en.trim().is_empty() {
        return bad(format!("{field}.en"), "must not be empty");
    }
    Ok(())
}

/// A LOINC code: digits, a dash, one check digit.
pub(super) fn check_loinc(field: &str, code: &str) -> Checked<()> {
    let ok = code.split_once('-').is_some_and(|(num, check)| {
        !num.is_empty()
            && num.chars().all(|c| c.is_ascii_digit())
            && check.len() == 1
            && check.chars().all(|c| c.is_ascii_digit())
    });
    if ok { Ok(()) } else { bad(field, format!("`{code}` is not a LOINC code (like 8867-4)")) }
}

pub(super) fn positive(field: &str, value: u32) -> Checked<u32> {
    if value == 0 { bad(field, "must be 1 or more") } else { Ok(value) }
}

pub(super) fn validate(raw: RawProgram) -> Checked<Program> {
    check_id("id", &raw.id)?;
    positive("version", raw.version)?;
    check_text("title", &raw.title)?;

    let mut measurements = Vec::new();
    let mut codes = BTreeSet::new();
    for (i, m) in raw.measurements.into_iter().enumerate() {
        let f = format!("measurements[{i}]");
        check_loinc(&format!("{f}.code"), &m.code)?;
        for (j, code) in m.also_codes.iter().enumerate() {
            check_loinc(&format!("{f}.also_codes[{j}]"), code)?;
        }
        for code in std::iter::once(&m.code).chain(&m.also_codes) {
            if !codes.insert(code.clone()) {
                return bad(format!("{f}.code"), format!("`{code}` is already used by another measurement"));
            }
        }
        if let Some(panel) = &m.panel {
            check_loinc(&format!("{f}.panel"), panel)?;
        }
        check_text(&format!("{f}.name"), &m.name)?;
        if !units::is_known(&m.unit) {
            return bad(
                format!("{f}.unit"),
                format!("`{}` is not a unit Relais knows ({})", m.unit, units::KNOWN),
            );
        }
        positive(&format!("{f}.every_hours"), m.every_hours)?;
        let [low, high] = m.plausible;
        if !(low.is_finite() && high.is_finite() && low < high) {
            return bad(format!("{f}.plausible"), "must be [lowest, highest] with lowest < highest");
        }
        measurements.push(Measurement {
            code: m.code,
            also_codes: m.also_codes,
            panel: m.panel,
            name: m.name,
            unit: m.unit,
            every: hours(m.every_hours),
            plausible: (low, high),
        });
    }

    let mut questionnaires: Vec<Questionnaire> = Vec::new();
    for (i, q) in raw.questionnaires.into_iter().enumerate() {
        let f = format!("questionnaires[{i}]");
        check_id(&format!("{f}.id"), &q.id)?;
        if questionnaires.iter().any(|other| other.id == q.id) {
            return bad(format!("{f}.id"), format!("`{}` is used twice", q.id));
        }
        check_text(&format!("{f}.title"), &q.title)?;
        positive(&format!("{f}.every_hours"), q.every_hours)?;
        if q.items.is_empty() {
            return bad(format!("{f}.items"), "a questionnaire needs at least one question");
        }
        let mut items: Vec<Item> = Vec::new();
        for (j, item) in q.items.into_iter().enumerate() {
            let g = format!("{f}.items[{j}]");
            check_id(&format!("{g}.link_id"), &item.link_id)?;
            if items.iter().any(|other| other.link_id == item.link_id) {
                return bad(format!("{g}.link_id"), format!("`{}` is used twice", item.link_id));
            }
            check_text(&format!("{g}.text"), &item.text)?;
            match item.kind {
                ItemKind::Boolean if !item.options.is_empty() => {
                    return bad(format!("{g}.options"), "a yes/no question has no options");
                }
                ItemKind::Choice if item.options.len() < 2 => {
                    return bad(format!("{g}.options"), "a choice question needs at least two options");
                }
                _ => {}
            }
            for (k, option) in item.options.iter().enumerate() {
                check_id(&format!("{g}.options[{k}].code"), &option.code)?;
                check_text(&format!("{g}.options[{k}].display"), &option.display)?;
            }
            items.push(Item {
                link_id: item.link_id,
                text: item.text,
                kind: item.kind,
                options: item.options,
            });
        }
        questionnaires.push(Questionnaire { id: q.id, title: q.title, every: hours(q.every_hours), items });
    }

    for (id, text) in &raw.advice {
        check_id(&format!("advice.{id}"), id)?;
        check_text(&format!("advice.{id}"), text)?;
    }

    let context =
        Context { measurements: &measurements, questionnaires: &questionnaires, advice: &raw.advice };
    let mut rules: Vec<Rule> = Vec::new();
    for (i, rule) in raw.rules.into_iter().enumerate() {
        let f = format!("rules[{i}]");
        if rules.iter().any(|other| other.id == rule.id) {
            return bad(format!("{f}.id"), format!("`{}` is used twice", rule.id));
        }
        rules.push(context.rule(&f, rule)?);
    }
    for (i, rule) in rules.iter().enumerate() {
        if let Condition::Composite { all, .. } = &rule.condition {
            for (j, id) in all.iter().enumerate() {
                let field = format!("rules[{i}].all[{j}]");
                match rules.iter().find(|r| &r.id == id) {
                    None => return bad(field, format!("no rule `{id}` in this program")),
                    Some(r) if matches!(r.condition, Condition::Composite { .. }) => {
                        return bad(field, format!("`{id}` is itself composite; combine simple rules only"));
                    }
                    Some(_) => {}
                }
            }
        }
    }

    let mut escalation = BTreeMap::new();
    for (i, e) in raw.escalation.into_iter().enumerate() {
        let f = format!("escalation[{i}]");
        positive(&format!("{f}.after_minutes"), e.after_minutes)?;
        if e.chain.is_empty() || e.chain.iter().any(|who| who.trim().is_empty()) {
            return bad(format!("{f}.chain"), "must name at least one person or role, none empty");
        }
        let policy = Escalation { after_minutes: e.after_minutes, chain: e.chain };
        if escalation.insert(e.severity, policy).is_some() {
            return bad(
                format!("{f}.severity"),
                format!("`{}` has two escalation chains", e.severity.code()),
            );
        }
    }

    Ok(Program {
        id: raw.id,
        version: raw.version,
        title: raw.title,
        measurements,
        questionnaires,
        rules,
        advice: raw.advice,
        escalation,
    })
}
