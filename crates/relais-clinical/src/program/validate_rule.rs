//! Validation of one rule: the keys its kind needs, the references it makes (measurements,
//! questions, advice), its limits and durations.

use std::collections::BTreeMap;

use jiff::SignedDuration;

use super::limit::Limit;
use super::model::*;
use super::raw::{RawKind, RawRule};
use super::validate::{Checked, bad, check_id, check_text, hours, positive};
use crate::news2::{Band, codes as news2_codes};

pub(super) struct Context<'a> {
    pub measurements: &'a [Measurement],
    pub questionnaires: &'a [Questionnaire],
    pub advice: &'a BTreeMap<String, Text>,
}

fn need<T>(f: &str, name: &str, value: Option<T>) -> Checked<T> {
    match value {
        Some(value) => Ok(value),
        None => bad(format!("{f}.{name}"), "is required for this kind of rule"),
    }
}

fn kind_name(kind: RawKind) -> &'static str {
    match kind {
        RawKind::Threshold => "threshold",
        RawKind::Average => "average",
        RawKind::Change => "change",
        RawKind::News2 => "news2",
        RawKind::Symptom => "symptom",
        RawKind::Composite => "composite",
        RawKind::Missing => "missing",
    }
}

/// Refuses keys the rule's kind does not use: a `window_hours` on a threshold rule is a
/// misunderstanding worth pointing out, not something to ignore.
fn only(f: &str, r: &RawRule, allowed: &[&str]) -> Checked<()> {
    let present = [
        ("severity", r.severity.is_some()),
        ("code", r.code.is_some()),
        ("when", r.when.is_some()),
        ("window_hours", r.window_hours.is_some()),
        ("min_readings", r.min_readings.is_some()),
        ("direction", r.direction.is_some()),
        ("bands", r.bands.is_some()),
        ("set_window_minutes", r.set_window_minutes.is_some()),
        ("confusion_from", r.confusion_from.is_some()),
        ("oxygen_from", r.oxygen_from.is_some()),
        ("questionnaire", r.questionnaire.is_some()),
        ("items", r.items.is_some()),
        ("answers", r.answers.is_some()),
        ("within_hours", r.within_hours.is_some()),
        ("all", r.all.is_some()),
        ("after_hours", r.after_hours.is_some()),
    ];
    for (name, is_there) in present {
        if is_there && name != "severity" && !allowed.contains(&name) {
            return bad(format!("{f}.{name}"), format!("is not used by a `{}` rule", kind_name(r.kind)));
        }
    }
    Ok(())
}

impl Context<'_> {
    fn measured(&self, field: &str, code: &str) -> Checked<String> {
        if self.measurements.iter().any(|m| m.code == code) {
            Ok(code.to_owned())
        } else {
            bad(field, format!("`{code}` is not one of this program's measurements"))
        }
    }

    fn limit(&self, field: &str, text: &str) -> Checked<Limit> {
        text.parse().or_else(|message: String| bad(field, message))
    }

    fn item_ref(&self, field: &str, text: &str) -> Checked<ItemRef> {
        let Some((questionnaire, item)) = text.split_once('#') else {
            return bad(field, format!("`{text}` must be written questionnaire#question"));
        };
        let found = self.questionnaires.iter().find(|q| q.id == questionnaire).and_then(|q| q.item(item));
        match found {
            Some(found) if found.kind == ItemKind::Boolean => {
                Ok(ItemRef { questionnaire: questionnaire.to_owned(), item: item.to_owned() })
            }
            Some(_) => bad(field, format!("`{text}` must be a yes/no question")),
            None => bad(field, format!("no question `{text}` in this program")),
        }
    }

    pub(super) fn rule(&self, f: &str, r: RawRule) -> Checked<Rule> {
        check_id(&format!("{f}.id"), &r.id)?;
        positive(&format!("{f}.version"), r.version)?;
        check_text(&format!("{f}.title"), &r.title)?;
        if let Some(advice) = &r.advice
            && !self.advice.contains_key(advice)
        {
            return bad(format!("{f}.advice"), format!("no advice `{advice}` in this program's [advice]"));
        }
        let window = |w: Option<u32>| -> Checked<SignedDuration> {
            Ok(hours(positive(&format!("{f}.window_hours"), need(f, "window_hours", w)?)?))
        };
        let condition = match r.kind {
            RawKind::Threshold => {
                only(f, &r, &["code", "when"])?;
                let code = self.measured(&format!("{f}.code"), &need(f, "code", r.code.clone())?)?;
                let when = self.limit(&format!("{f}.when"), &need(f, "when", r.when.clone())?)?;
                Condition::Threshold { code, when }
            }
            RawKind::Average => {
                only(f, &r, &["code", "when", "window_hours", "min_readings"])?;
                let code = self.measured(&format!("{f}.code"), &need(f, "code", r.code.clone())?)?;
                let when = self.limit(&format!("{f}.when"), &need(f, "when", r.when.clone())?)?;
                let min = positive(&format!("{f}.min_readings"), r.min_readings.unwrap_or(1))?;
                Condition::Average { code, when, window: window(r.window_hours)?, min_readings: min as usize }
            }
            RawKind::Change => {
                only(f, &r, &["code", "when", "window_hours", "direction"])?;
                let code = self.measured(&format!("{f}.code"), &need(f, "code", r.code.clone())?)?;
                let when = self.limit(&format!("{f}.when"), &need(f, "when", r.when.clone())?)?;
                let direction = need(f, "direction", r.direction)?;
                Condition::Change { code, direction, when, window: window(r.window_hours)? }
            }
            RawKind::News2 => return self.news2(f, r),
            RawKind::Symptom => {
                only(f, &r, &["questionnaire", "items", "answers", "within_hours"])?;
                let questionnaire = need(f, "questionnaire", r.questionnaire.clone())?;
                let Some(q) = self.questionnaires.iter().find(|q| q.id == questionnaire) else {
                    return bad(format!("{f}.questionnaire"), format!("no questionnaire `{questionnaire}`"));
                };
                let items = need(f, "items", r.items.clone())?;
                let answers = need(f, "answers", r.answers.clone())?;
                if items.is_empty() {
                    return bad(format!("{f}.items"), "name at least one question");
                }
                if answers.is_empty() {
                    return bad(format!("{f}.answers"), "name at least one answer");
                }
                for (j, link_id) in items.iter().enumerate() {
                    let Some(item) = q.item(link_id) else {
                        return bad(
                            format!("{f}.items[{j}]"),
                            format!("no question `{link_id}` in `{}`", q.id),
                        );
                    };
                    for (k, answer) in answers.iter().enumerate() {
                        let fits = match (item.kind, answer) {
                            (ItemKind::Boolean, AnswerValue::Bool(_)) => true,
                            (ItemKind::Choice, AnswerValue::Code(code)) => {
                                item.options.iter().any(|o| &o.code == code)
                            }
                            _ => false,
                        };
                        if !fits {
                            return bad(
                                format!("{f}.answers[{k}]"),
                                format!("is not a possible answer to `{link_id}`"),
                            );
                        }
                    }
                }
                let within = hours(positive(&format!("{f}.within_hours"), r.within_hours.unwrap_or(24))?);
                Condition::Symptom { questionnaire, items, answers, within }
            }
            RawKind::Composite => {
                only(f, &r, &["all", "within_hours"])?;
                let all = need(f, "all", r.all.clone())?;
                if all.len() < 2 || all.contains(&r.id) {
                    return bad(format!("{f}.all"), "must name at least two other rules");
                }
                let within = hours(positive(&format!("{f}.within_hours"), r.within_hours.unwrap_or(24))?);
                Condition::Composite { all, within }
            }
            RawKind::Missing => {
                only(f, &r, &["code", "questionnaire", "after_hours"])?;
                let source = match (r.code.clone(), r.questionnaire.clone()) {
                    (Some(code), None) => Source::Measurement(self.measured(&format!("{f}.code"), &code)?),
                    (None, Some(q)) if self.questionnaires.iter().any(|x| x.id == q) => {
                        Source::Questionnaire(q)
                    }
                    (None, Some(q)) => {
                        return bad(format!("{f}.questionnaire"), format!("no questionnaire `{q}`"));
                    }
                    _ => {
                        return bad(format!("{f}.code"), "name either a measurement code or a questionnaire");
                    }
                };
                let after =
                    hours(positive(&format!("{f}.after_hours"), need(f, "after_hours", r.after_hours)?)?);
                Condition::Missing { source, after }
            }
        };
        let severity = need(f, "severity", r.severity)?;
        Ok(rule(r, severity, condition))
    }

    fn news2(&self, f: &str, r: RawRule) -> Checked<Rule> {
        only(f, &r, &["bands", "set_window_minutes", "confusion_from", "oxygen_from"])?;
        if r.severity.is_some() {
            return bad(format!("{f}.severity"), "a news2 rule takes its severity from `bands`");
        }
        for (code, name) in news2_codes::ALL {
            if !self.measurements.iter().any(|m| m.code == code) {
                return bad(format!("{f}.kind"), format!("NEWS2 needs the measurement {code} ({name})"));
            }
        }
        let mut bands = BTreeMap::new();
        for (name, severity) in need(f, "bands", r.bands.clone())? {
            let Some(band) = Band::from_code(&name) else {
                return bad(format!("{f}.bands.{name}"), "bands are low, low-medium, medium and high");
            };
            bands.insert(band, severity);
        }
        let Some(severity) = bands.values().max().copied() else {
            return bad(format!("{f}.bands"), "name at least one band that raises an alert");
        };
        let minutes = positive(&format!("{f}.set_window_minutes"), r.set_window_minutes.unwrap_or(60))?;
        let confusion_from = r
            .confusion_from
            .as_deref()
            .map(|t| self.item_ref(&format!("{f}.confusion_from"), t))
            .transpose()?;
        let oxygen_from =
            r.oxygen_from.as_deref().map(|t| self.item_ref(&format!("{f}.oxygen_from"), t)).transpose()?;
        let condition = Condition::News2 {
            bands,
            set_window: SignedDuration::from_mins(i64::from(minutes)),
            confusion_from,
            oxygen_from,
        };
        Ok(rule(r, severity, condition))
    }
}

/// The checked rule of `r`, with its `severity` and `condition`.
fn rule(r: RawRule, severity: Severity, condition: Condition) -> Rule {
    Rule {
        id: r.id,
        version: r.version,
        title: r.title,
        severity,
        alert: r.alert,
        advice: r.advice,
        condition,
    }
}
