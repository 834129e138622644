//! The demo's dates, all relative to the instant it is created: measurements end today,
//! appointments fall tomorrow and next week, deadlines count from a submission days ago. Civil
//! times are in Montréal's zone (America/Toronto rules), written with their offset.

use jiff::civil::Time;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan, ZonedDateTime};

/// "Now" for the demo, and the zone its clinics work in.
pub(crate) struct Moments {
    now: ZonedDateTime,
}

impl Moments {
    pub(crate) fn new(now: Timestamp) -> Moments {
        // Debian ships the zone database; without it, Eastern Standard Time is close enough
        // for invented data.
        let zone = TimeZone::get("America/Toronto").unwrap_or_else(|_| TimeZone::fixed(Offset::constant(-5)));
        Moments { now: now.to_zoned_datetime(zone) }
    }

    /// The instant the demo was created at.
    pub(crate) fn now(&self) -> Timestamp {
        self.now.timestamp()
    }

    /// `days` days from today (negative: ago) at `hour:minute`, local time.
    pub(crate) fn day_at(&self, days: i64, hour: i8, minute: i8) -> ZonedDateTime {
        let time = Time::new(hour, minute, 0, 0).unwrap_or(Time::midnight());
        let day = self.now.date().checked_add(days.days()).unwrap_or(self.now.date());
        day.to_datetime(time)
            .to_zoned_datetime(self.now.time_zone().clone())
            .unwrap_or_else(|_| self.now.clone())
    }

    /// A morning reading `days_ago` days before today, never later than now (before 7:30 on
    /// the day the demo is created, today's reading is a few minutes old).
    pub(crate) fn reading(&self, days_ago: i64, minute: i8) -> ZonedDateTime {
        let at = self.day_at(-days_ago, 7, 30 + minute.rem_euclid(25));
        if at.timestamp() > self.now() {
            let earlier =
                self.now.timestamp() - SignedDuration::from_mins(5 + i64::from(minute.rem_euclid(25)));
            earlier.to_zoned_datetime(self.now.time_zone().clone())
        } else {
            at
        }
    }

    /// `hours` from now (negative: ago).
    pub(crate) fn hours_from_now(&self, hours: i64) -> ZonedDateTime {
        let at = self.now.timestamp() + SignedDuration::from_hours(hours);
        at.to_zoned_datetime(self.now.time_zone().clone())
    }
}

/// A FHIR `dateTime`/`instant`: local time with its offset, to the second.
pub(crate) fn stamp(at: &ZonedDateTime) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A FHIR `date`.
pub(crate) fn date(at: &ZonedDateTime) -> String {
    at.strftime("%Y-%m-%d").to_string()
}
