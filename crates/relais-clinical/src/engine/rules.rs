//! Each kind of rule, evaluated against a patient's history.

use std::collections::BTreeMap;

use super::history::History;
use super::{Detail, Hit, Input, before};
use crate::news2::{self, Consciousness, Vitals, codes};
use crate::program::{AnswerValue, Condition, Direction, ItemRef, Limit, Rule, Source};

/// The limit in force: the patient's override, else the program's.
fn limit_for(rule: &Rule, input: &Input<'_>, default: Limit) -> (Limit, bool) {
    match input.overrides.limits.get(&rule.id) {
        Some(limit) => (*limit, true),
        None => (default, false),
    }
}

/// A simple (non-composite) rule.
pub(super) fn check(rule: &Rule, input: &Input<'_>, history: &History<'_>) -> Option<Hit> {
    let hit = |detail, triggers| Some(Hit { severity: rule.severity, triggers, detail });
    match &rule.condition {
        Condition::Threshold { code, when } => {
            let latest = history.latest(code)?;
            let (limit, overridden) = limit_for(rule, input, *when);
            limit.holds(latest.value).then_some(())?;
            hit(
                Detail::Threshold { value: latest.value, limit, overridden },
                vec![(latest.at, latest.id.clone())],
            )
        }
        Condition::Average { code, when, window, min_readings } => {
            let latest = history.latest(code)?;
            let in_window = history.since(code, before(latest.at, *window));
            if in_window.len() < *min_readings {
                return None;
            }
            let mean = in_window.iter().map(|r| r.value).sum::<f64>() / in_window.len() as f64;
            let (limit, overridden) = limit_for(rule, input, *when);
            limit.holds(mean).then_some(())?;
            let triggers = in_window.iter().map(|r| (r.at, r.id.clone())).collect();
            hit(Detail::Average { mean, count: in_window.len(), limit, overridden }, triggers)
        }
        Condition::Change { code, direction, when, window } => {
            let latest = history.latest(code)?;
            let in_window = history.since(code, before(latest.at, *window));
            // Against the window's extreme, not its first reading: a dip then a gain counts.
            let pick =
                |a: &&&crate::engine::Reading, b: &&&crate::engine::Reading| a.value.total_cmp(&b.value);
            let (reference, delta) = match direction {
                Direction::Rise => {
                    let low = in_window.iter().min_by(pick)?;
                    (*low, latest.value - low.value)
                }
                Direction::Fall => {
                    let high = in_window.iter().max_by(pick)?;
                    (*high, high.value - latest.value)
                }
            };
            let (limit, overridden) = limit_for(rule, input, *when);
            limit.holds(delta).then_some(())?;
            let detail =
                Detail::Change { delta, latest: latest.value, reference: reference.value, limit, overridden };
            hit(detail, vec![(reference.at, reference.id.clone()), (latest.at, latest.id.clone())])
        }
        Condition::News2 { bands, set_window, confusion_from, oxygen_from } => {
            let set = news2_set(input, history, *set_window, confusion_from.as_ref(), oxygen_from.as_ref())?;
            let severity = *bands.get(&set.score.band)?;
            Some(Hit {
                severity,
                triggers: set.triggers,
                detail: Detail::News2 { score: set.score, assumed: set.assumed },
            })
        }
        Condition::Symptom { questionnaire, items, answers, within } => {
            let from = before(input.now, *within);
            let mut found = Vec::new();
            let mut triggers = Vec::new();
            for item in items {
                if let Some(answer) = history.answer(questionnaire, item, from)
                    && answers.contains(&answer.value)
                {
                    found.push((item.clone(), answer.value.clone()));
                    triggers.push((answer.at, answer.id.clone()));
                }
            }
            if found.is_empty() {
                return None;
            }
            hit(Detail::Symptom { answers: found }, triggers)
        }
        Condition::Missing { source, after } => {
            let last = match source {
                Source::Measurement(code) => history.latest(code).map(|r| (r.at, r.id.clone())),
                Source::Questionnaire(id) => history.latest_response(id).map(|a| (a.at, a.id.clone())),
            };
            let since = last.as_ref().map_or(input.enrolled_at, |(at, _)| *at);
            // Exactly `after` since the last reading is still on time; a moment later is not.
            (input.now.duration_since(since) > *after).then_some(())?;
            let at = last.as_ref().map(|(at, _)| *at);
            hit(Detail::Missing { last: at }, last.into_iter().collect())
        }
        Condition::Composite { .. } => None,
    }
}

/// A composite rule: holds when every rule it names holds on data no older than its window.
pub(super) fn composite(rule: &Rule, input: &Input<'_>, hits: &BTreeMap<&str, Hit>) -> Option<Hit> {
    let Condition::Composite { all, within } = &rule.condition else {
        return None;
    };
    let from = before(input.now, *within);
    let mut triggers = Vec::new();
    for id in all {
        let part = hits.get(id.as_str())?;
        if part.triggers.iter().any(|(at, _)| *at < from) {
            return None;
        }
        triggers.extend(part.triggers.iter().cloned());
    }
    Some(Hit { severity: rule.severity, triggers, detail: Detail::Composite { rules: all.clone() } })
}

/// The NEWS2 of the latest complete set of vitals, what it was scored on, and what was assumed.
pub(super) struct News2Set {
    pub score: news2::News2,
    pub triggers: Vec<(jiff::Timestamp, String)>,
    pub assumed: Vec<&'static str>,
}

/// Scores the latest set: every parameter measured within `set_window` before the newest one;
/// consciousness and oxygen from the named answers, taken as "alert" and "air" without one.
pub(super) fn news2_set(
    input: &Input<'_>,
    history: &History<'_>,
    set_window: jiff::SignedDuration,
    confusion_from: Option<&ItemRef>,
    oxygen_from: Option<&ItemRef>,
) -> Option<News2Set> {
    let latest: Vec<_> = codes::ALL.iter().map(|(code, _)| history.latest(code)).collect::<Option<_>>()?;
    let anchor = latest.iter().map(|r| r.at).max()?;
    let from = before(anchor, set_window);
    if latest.iter().any(|r| r.at < from) {
        return None;
    }
    let mut triggers: Vec<_> = latest.iter().map(|r| (r.at, r.id.clone())).collect();
    let mut assumed = Vec::new();
    let mut yes = |source: Option<&ItemRef>, name: &'static str| -> bool {
        let answer = source.and_then(|s| history.answer(&s.questionnaire, &s.item, from));
        match answer {
            Some(answer) => {
                triggers.push((answer.at, answer.id.clone()));
                answer.value == AnswerValue::Bool(true)
            }
            None => {
                assumed.push(name);
                false
            }
        }
    };
    let confused = yes(confusion_from, "consciousness");
    let on_oxygen = yes(oxygen_from, "air-or-oxygen");
    let value = |code: &str| latest.iter().find(|r| r.code == code).map_or(f64::NAN, |r| r.value);
    let score = news2::score(&Vitals {
        respiratory_rate: value(codes::RESPIRATORY_RATE),
        spo2: value(codes::SPO2),
        scale: input.overrides.spo2_scale,
        on_oxygen,
        systolic: value(codes::SYSTOLIC),
        pulse: value(codes::PULSE),
        consciousness: if confused { Consciousness::NewConfusionOrWorse } else { Consciousness::Alert },
        temperature: value(codes::TEMPERATURE),
    });
    Some(News2Set { score, triggers, assumed })
}
