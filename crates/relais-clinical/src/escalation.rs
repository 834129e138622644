//! Escalation as a pure function: who an alert belongs to at a given instant.
//!
//! An alert raised at T goes to the first person of its severity's chain. If nobody acknowledges
//! it within the configured minutes, the next person is told, and so on to the end of the chain,
//! where it stays. Acknowledging stops the clock: the alert stays with whoever held it then.
//! The app calls this from its scheduler with its clock's `now`, and notifies on a level change.

use jiff::{SignedDuration, Timestamp};

use crate::program::Escalation;

/// Where an alert stands in its escalation chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<'a> {
    /// 0 for the first person of the chain.
    pub level: usize,
    /// Who holds it now.
    pub assignee: &'a str,
    /// When it passes to the next person unless acknowledged; `None` once acknowledged or at the
    /// end of the chain.
    pub next_at: Option<Timestamp>,
}

/// Where an alert raised at `raised_at` stands at `now`, given when (if ever) it was acknowledged.
/// An acknowledgement after `now` is not known yet and is ignored.
pub fn step<'a>(
    policy: &'a Escalation,
    raised_at: Timestamp,
    acknowledged_at: Option<Timestamp>,
    now: Timestamp,
) -> Step<'a> {
    let acknowledged = acknowledged_at.filter(|at| *at <= now);
    let until = acknowledged.unwrap_or(now);
    let period_ms = i128::from(policy.after_minutes.max(1)) * 60_000;
    let elapsed_ms = until.duration_since(raised_at).as_millis();
    // "Within 30 minutes" includes 30:00.000; the next person is told just after.
    let periods = if elapsed_ms <= 0 { 0 } else { (elapsed_ms - 1) / period_ms };
    let last = policy.chain.len().saturating_sub(1);
    let level = usize::try_from(periods).unwrap_or(usize::MAX).min(last);
    let assignee = policy.chain.get(level).map_or("", String::as_str);
    let next_at = if acknowledged.is_some() || level >= last {
        None
    } else {
        let minutes = i64::from(policy.after_minutes.max(1)) * (level as i64 + 1);
        raised_at.checked_add(SignedDuration::from_mins(minutes)).ok()
    };
    Step { level, assignee, next_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn policy() -> Escalation {
        Escalation { after_minutes: 30, chain: vec!["nurse".into(), "nurse-lead".into(), "physician".into()] }
    }

    #[test]
    fn an_unacknowledged_alert_moves_along_the_chain_at_each_deadline() {
        let policy = policy();
        let raised = at("2026-11-26T10:00:00Z");
        let table = [
            ("2026-11-26T10:00:00Z", 0, "nurse", Some("2026-11-26T10:30:00Z")),
            ("2026-11-26T10:29:59Z", 0, "nurse", Some("2026-11-26T10:30:00Z")),
            ("2026-11-26T10:30:00Z", 0, "nurse", Some("2026-11-26T10:30:00Z")),
            ("2026-11-26T10:30:00.001Z", 1, "nurse-lead", Some("2026-11-26T11:00:00Z")),
            ("2026-11-26T11:00:00Z", 1, "nurse-lead", Some("2026-11-26T11:00:00Z")),
            ("2026-11-26T11:00:01Z", 2, "physician", None),
            ("2026-11-27T10:00:00Z", 2, "physician", None),
        ];
        for (now, level, who, next) in table {
            let step = step(&policy, raised, None, at(now));
            assert_eq!((step.level, step.assignee, step.next_at), (level, who, next.map(at)), "at {now}");
        }
    }

    #[test]
    fn acknowledging_stops_escalation_with_whoever_held_the_alert() {
        let policy = policy();
        let raised = at("2026-11-26T10:00:00Z");
        let on_time = step(&policy, raised, Some(at("2026-11-26T10:30:00Z")), at("2026-11-26T12:00:00Z"));
        assert_eq!((on_time.level, on_time.assignee, on_time.next_at), (0, "nurse", None));
        let late = step(&policy, raised, Some(at("2026-11-26T10:45:00Z")), at("2026-11-26T12:00:00Z"));
        assert_eq!((late.level, late.assignee, late.next_at), (1, "nurse-lead", None));
    }

    #[test]
    fn an_acknowledgement_in_the_future_of_now_is_not_counted() {
        let policy = policy();
        let raised = at("2026-11-26T10:00:00Z");
        let step = step(&policy, raised, Some(at("2026-11-26T11:30:00Z")), at("2026-11-26T10:40:00Z"));
        assert_eq!((step.level, step.assignee), (1, "nurse-lead"));
        assert_eq!(step.next_at, Some(at("2026-11-26T11:00:00Z")));
    }

    #[test]
    fn a_chain_of_one_never_escalates() {
        let policy = Escalation { after_minutes: 15, chain: vec!["nurse".into()] };
        let step = step(&policy, at("2026-11-26T10:00:00Z"), None, at("2026-11-26T18:00:00Z"));
        assert_eq!((step.level, step.assignee, step.next_at), (0, "nurse", None));
    }
}
