//! What is due today and what was missed, for the patient's own page.
//!
//! Each measurement and questionnaire of the program is expected once per period of its
//! frequency (`every_hours`), periods counted from enrolment. It is **due** while nothing was
//! received in the current period, and a past period with nothing received is **missed**
//! (counted over the last [`MISSED_DAYS`] days, so an old gap does not weigh for ever).

use jiff::{SignedDuration, Timestamp};
use relais_clinical::program::{Program, questionnaire_url};
use serde_json::Value;

use super::observation::{COUNTED, effective, parts};
use super::{BASE, Monitoring};
use crate::access::Caller;
use crate::fhir::FhirError;

/// How far back missed periods are counted.
pub const MISSED_DAYS: i64 = 7;

/// Where one expected item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Nothing received yet in the current period.
    pub due: bool,
    /// Past periods (within [`MISSED_DAYS`]) with nothing received.
    pub missed: u32,
    /// The latest received, if any.
    pub last: Option<Timestamp>,
    /// Past periods within [`MISSED_DAYS`] (those `missed` counts over).
    pub past: u32,
}

impl Standing {
    /// Adherence: periods with something received, out of the periods expected — the past ones
    /// within [`MISSED_DAYS`], and the current one once it is done (an open period that may
    /// still be filled counts for nothing yet).
    pub fn adherence(&self) -> (u32, u32) {
        let current = u32::from(!self.due);
        (self.past.saturating_sub(self.missed) + current, self.past + current)
    }
}

/// Where an item expected every `every` since `enrolled` stands at `now`, given the instants
/// something was received.
pub fn standing(
    enrolled: Timestamp,
    every: SignedDuration,
    now: Timestamp,
    received: &[Timestamp],
) -> Standing {
    let last = received.iter().copied().filter(|t| *t <= now).max();
    if every <= SignedDuration::ZERO || now < enrolled {
        return Standing { due: false, missed: 0, last, past: 0 };
    }
    let period = every.as_secs();
    let elapsed = now.as_second() - enrolled.as_second();
    let current = elapsed / period;
    let start_of = |k: i64| enrolled.as_second() + k * period;
    let in_period =
        |k: i64| received.iter().any(|t| t.as_second() >= start_of(k) && t.as_second() < start_of(k + 1));
    let horizon = now.as_second() - MISSED_DAYS * 86_400;
    let first = (0..current).find(|k| start_of(k + 1) > horizon).unwrap_or(current);
    let missed = (first..current).filter(|k| !in_period(*k)).count();
    Standing {
        due: !in_period(current),
        missed: u32::try_from(missed).unwrap_or(u32::MAX),
        last,
        past: u32::try_from(current - first).unwrap_or(u32::MAX),
    }
}

/// What the patient is asked for: a measurement form (by its first LOINC code; a panel's parts
/// share one form) or a questionnaire (by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    Measurement(String),
    Questionnaire(String),
}

/// The patient's day: their program, and where each form stands.
#[derive(Debug, Clone)]
pub struct MyDay {
    pub patient: String,
    pub program: Program,
    pub enrolled: Timestamp,
    pub items: Vec<(Asked, Standing)>,
}

impl Monitoring {
    /// The signed-in patient's program and what is due or missed, read as them (audited).
    ///
    /// # Errors
    /// 403 `not-a-patient` for someone without their own record; 422 `not-enrolled`.
    pub async fn my_day(&self, caller: &Caller) -> Result<MyDay, FhirError> {
        let now = self.fhir.clock().now();
        let patient = caller.own_record(now).ok_or(FhirError::Forbidden("not-a-patient"))?.to_owned();
        let (program, enrolled) = self.enrolment(&patient).await?;
        let from = now
            .checked_sub(SignedDuration::from_hours(MISSED_DAYS * 24 + 48))
            .unwrap_or(Timestamp::MIN)
            .max(enrolled);
        let subject = format!("Patient/{patient}");
        let query = |date: &str| {
            vec![
                ("subject".to_owned(), subject.clone()),
                (date.to_owned(), format!("ge{from}")),
                ("_count".to_owned(), "500".to_owned()),
            ]
        };
        let mut obs_query = query("date");
        obs_query.push(("status".to_owned(), COUNTED.to_owned()));
        let observations = self.fhir.search_as(caller, "Observation", &obs_query, true, BASE).await?;
        let responses =
            self.fhir.search_as(caller, "QuestionnaireResponse", &query("authored"), true, BASE).await?;
        let observations: Vec<&Value> = super::evaluate::resources(&observations).collect();
        let mut items = Vec::new();
        let mut panels_seen: Vec<&str> = Vec::new();
        for m in &program.measurements {
            if let Some(panel) = &m.panel {
                if panels_seen.contains(&panel.as_str()) {
                    continue;
                }
                panels_seen.push(panel);
            }
            let received: Vec<Timestamp> = observations
                .iter()
                .filter(|o| parts(o).iter().any(|p| p.code == m.code || m.also_codes.contains(&p.code)))
                .filter_map(|o| effective(o))
                .collect();
            items.push((Asked::Measurement(m.code.clone()), standing(enrolled, m.every, now, &received)));
        }
        for q in &program.questionnaires {
            let url = questionnaire_url(&program, q);
            let received: Vec<Timestamp> = super::evaluate::resources(&responses)
                .filter(|r| r.get("questionnaire").and_then(Value::as_str) == Some(url.as_str()))
                .filter_map(|r| r.get("authored").and_then(Value::as_str).and_then(|t| t.parse().ok()))
                .collect();
            items.push((Asked::Questionnaire(q.id.clone()), standing(enrolled, q.every, now, &received)));
        }
        Ok(MyDay { patient, program: Program::clone(&program), enrolled, items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn due_and_missed_follow_the_periods_since_enrolment() {
        let day = SignedDuration::from_hours(24);
        let enrolled = at("2026-11-20T08:00:00Z");
        let now = at("2026-11-26T10:00:00Z"); // in the 7th daily period (index 6)
        // (received, due, missed)
        let cases: [(&[&str], bool, u32); 4] = [
            (&[], true, 6),
            (&["2026-11-26T09:00:00Z"], false, 6),
            (&["2026-11-21T07:59:59Z", "2026-11-22T09:00:00Z", "2026-11-26T08:00:00Z"], false, 4),
            // Exactly at a period's start counts for that period, not the one before.
            (&["2026-11-26T08:00:00Z", "2026-11-25T08:00:00Z", "2026-11-24T08:00:00Z"], false, 4),
        ];
        for (received, due, missed) in cases {
            let received: Vec<Timestamp> = received.iter().map(|t| at(t)).collect();
            let s = standing(enrolled, day, now, &received);
            assert_eq!((s.due, s.missed), (due, missed), "{received:?}");
        }
    }

    #[test]
    fn adherence_counts_the_week_s_periods_and_today_once_done() {
        let day = SignedDuration::from_hours(24);
        let enrolled = at("2026-11-01T08:00:00Z");
        let now = at("2026-11-26T10:00:00Z");
        // Five of the last seven days, nothing yet today: 5 of 7.
        let week = [
            "2026-11-19T09:00:00Z",
            "2026-11-20T09:00:00Z",
            "2026-11-21T09:00:00Z",
            "2026-11-23T09:00:00Z",
            "2026-11-25T09:00:00Z",
        ];
        let mut received: Vec<Timestamp> = week.iter().map(|t| at(t)).collect();
        assert_eq!(standing(enrolled, day, now, &received).adherence(), (5, 7));
        // Today's reading counts once it is in: 6 of 8.
        received.push(at("2026-11-26T09:00:00Z"));
        assert_eq!(standing(enrolled, day, now, &received).adherence(), (6, 8));
        // Enrolled this morning, nothing yet: nothing expected.
        assert_eq!(standing(at("2026-11-26T08:00:00Z"), day, now, &[]).adherence(), (0, 0));
    }

    #[test]
    fn missed_periods_older_than_a_week_are_not_counted() {
        let s = standing(
            at("2026-10-01T00:00:00Z"),
            SignedDuration::from_hours(24),
            at("2026-11-26T12:00:00Z"),
            &[],
        );
        assert_eq!((s.due, s.missed), (true, 7));
        let s = standing(
            at("2026-11-26T11:00:00Z"),
            SignedDuration::from_hours(24),
            at("2026-11-26T12:00:00Z"),
            &[],
        );
        assert_eq!((s.due, s.missed, s.last), (true, 0, None));
    }
}
