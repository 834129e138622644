//! Opening slots (issue 6): a clinician opens a run of consecutive free Slots on a Schedule — a
//! day, a first start in the server's time zone, a length and a number — from the booking page.
//! All of the run is created, or none of it: a run that would start in the past or overlap a
//! slot already on the schedule (free or taken) is refused, with the field to correct.
//!
//! Two clinicians opening slots on the same schedule at once are serialised by a lock on the
//! schedule taken inside the transaction, before the overlap is checked: the second one sees the
//! first one's slots.

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp};
use relais_access::audit::action;
use relais_fhir::validate::IdRule;
use serde_json::{Value, json};

use super::writes::{Writes, keep, matches};
use super::{VisitError, Visits, fhir_instant, instant};
use crate::FhirError;
use crate::access::Caller;

/// The shortest and longest slot, in minutes.
const MINUTES: std::ops::RangeInclusive<i64> = 5..=240;
/// The most slots opened at once (a long clinic day of 15-minute slots).
const MOST_SLOTS: i64 = 40;

/// What the clinician typed to open slots, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSlots {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, in the server's time zone.
    pub time: String,
    /// Minutes per slot.
    pub minutes: String,
    /// How many consecutive slots.
    pub count: String,
}

fn invalid(code: &'static str, field: &'static str) -> VisitError {
    VisitError::Invalid { code, field }
}

impl Visits {
    /// Opens the run of slots `form` describes on Schedule `schedule`; answers how many.
    ///
    /// # Errors
    /// `visit-forbidden`; `visit-slot-not-found` (no such active schedule open to the caller);
    /// field errors `visit-slots-date-invalid` (`date`), `visit-slots-time-invalid` (`time`),
    /// `visit-slots-minutes-invalid` (`minutes`), `visit-slots-count-invalid` (`count`),
    /// `visit-slots-past` and `visit-slots-overlap` (`time`). Nothing is written then.
    pub async fn open_slots(
        &self,
        caller: &Caller,
        schedule: &str,
        form: &NewSlots,
    ) -> Result<usize, VisitError> {
        Self::require_clinician(caller)?;
        let run = self.run_of(form)?;
        if !relais_fhir::id::is_valid_id(schedule) {
            return Err(VisitError::SlotNotFound);
        }
        let found = self.fhir.read_as(caller, "Schedule", schedule).await.map_err(|e| match e {
            FhirError::NotFound(_) | FhirError::Gone(_) => VisitError::SlotNotFound,
            e => VisitError::Fhir(e),
        })?;
        let found: Value = super::parse(&found)?;
        if found["active"] == false {
            return Err(VisitError::SlotNotFound);
        }
        let mut writes = Writes::new();
        let mut tx = self.fhir.store.begin().await?;
        let opened = async {
            tx.lock_key(&format!("Schedule/{schedule}/slots")).await?;
            self.refuse_overlap(caller, schedule, &run).await?;
            for (start, end) in &run {
                let slot = json!({
                    "resourceType": "Slot",
                    "schedule": {"reference": format!("Schedule/{schedule}")},
                    "status": "free",
                    "start": fhir_instant(*start),
                    "end": fhir_instant(*end),
                });
                let body = slot.to_string().into_bytes();
                let checked = self.fhir.parse_checked("Slot", &body, IdRule::Assigned).await?;
                let created = self
                    .fhir
                    .create_in(tx.as_mut(), Some(&caller.principal), "Slot", checked, None, None)
                    .await;
                keep(&mut writes, action::CREATE, "Slot", body, created)?;
            }
            Ok(run.len())
        }
        .await;
        self.conclude(tx, caller, writes, opened, false).await
    }

    /// The (start, end) of each slot `form` asks for, checked.
    fn run_of(&self, form: &NewSlots) -> Result<Vec<(Timestamp, Timestamp)>, VisitError> {
        let date: Date = form.date.trim().parse().map_err(|_| invalid("visit-slots-date-invalid", "date"))?;
        let time: Time = form.time.trim().parse().map_err(|_| invalid("visit-slots-time-invalid", "time"))?;
        let minutes: i64 = form
            .minutes
            .trim()
            .parse()
            .ok()
            .filter(|m| MINUTES.contains(m))
            .ok_or(invalid("visit-slots-minutes-invalid", "minutes"))?;
        let count: i64 = form
            .count
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=MOST_SLOTS).contains(n))
            .ok_or(invalid("visit-slots-count-invalid", "count"))?;
        let first = self
            .settings
            .time_zone
            .to_timestamp(date.to_datetime(time))
            .map_err(|_| invalid("visit-slots-time-invalid", "time"))?;
        if first <= self.now() {
            return Err(invalid("visit-slots-past", "time"));
        }
        let length = SignedDuration::from_mins(minutes);
        let mut run = Vec::new();
        let mut start = first;
        for _ in 0..count {
            let end = start.checked_add(length).map_err(|_| invalid("visit-slots-count-invalid", "count"))?;
            run.push((start, end));
            start = end;
        }
        Ok(run)
    }

    /// Refuses a run that overlaps a slot already on the schedule (one search over the run's
    /// span, widened by the longest slot so that one starting before the run is seen too).
    async fn refuse_overlap(
        &self,
        caller: &Caller,
        schedule: &str,
        run: &[(Timestamp, Timestamp)],
    ) -> Result<(), VisitError> {
        let (Some((first, _)), Some((_, last))) = (run.first(), run.last()) else { return Ok(()) };
        let from = first.checked_sub(SignedDuration::from_mins(*MINUTES.end())).unwrap_or(*first);
        let query = [
            ("schedule".to_owned(), format!("Schedule/{schedule}")),
            ("start".to_owned(), format!("ge{}", fhir_instant(from))),
            ("start".to_owned(), format!("lt{}", fhir_instant(*last))),
            ("_count".to_owned(), "500".to_owned()),
        ];
        let bundle = self.fhir.search_as(caller, "Slot", &query, false, "").await?;
        let overlaps = matches(&bundle).any(|slot| {
            let (Some(start), Some(end)) = (instant(slot, "/start"), instant(slot, "/end")) else {
                return false;
            };
            run.iter().any(|(s, e)| start < *e && *s < end)
        });
        if overlaps { Err(invalid("visit-slots-overlap", "time")) } else { Ok(()) }
    }
}
