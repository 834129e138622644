//! The calendar entry (iCalendar, RFC 5545, with the iTIP methods of RFC 5546) attached to a
//! visit's invitation: one event per appointment (its UID is the appointment's, so that a
//! cancellation replaces the invitation in the invitee's calendar), times in UTC, the join link
//! in the description, URL and location. Pure: text in, text out.

use jiff::Timestamp;

/// What the entry announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A new visit (`METHOD:REQUEST`).
    Request,
    /// A cancelled visit (`METHOD:CANCEL`).
    Cancel,
}

/// One visit as a calendar event.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Unique and stable for the visit (`appointment-123@relais.example`).
    pub uid: &'a str,
    pub stamp: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: &'a str,
    pub description: &'a str,
    /// The join link.
    pub link: &'a str,
    /// The organiser's address (the sender of the email).
    pub organizer: &'a str,
    /// The invitee's name and address.
    pub attendee_name: &'a str,
    pub attendee: &'a str,
}

/// The `.ics` text of `event` for `method`, CRLF line ends, long lines folded.
pub fn calendar(event: &Event<'_>, method: Method) -> String {
    let (method, status, sequence) = match method {
        Method::Request => ("REQUEST", "CONFIRMED", 0),
        Method::Cancel => ("CANCEL", "CANCELLED", 1),
    };
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Relais//Teleconsultation//FR".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", escape(event.uid)),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.start)),
        format!("DTEND:{}", utc(event.end)),
        format!("SEQUENCE:{sequence}"),
        format!("STATUS:{status}"),
        format!("SUMMARY:{}", escape(event.summary)),
        format!("DESCRIPTION:{}", escape(event.description)),
        format!("LOCATION:{}", escape(event.link)),
        format!("URL:{}", event.link),
        format!("ORGANIZER;CN=Relais:mailto:{}", event.organizer),
        format!(
            "ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{}",
            event.attendee_name.replace(['"', '\r', '\n'], ""),
            event.attendee
        ),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    }
    out
}

/// `20261126T150000Z`.
fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT value escaping (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1).
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event<'static> {
        Event {
            uid: "appointment-a1@relais.example",
            stamp: "2026-11-26T10:00:00Z".parse().unwrap(),
            start: "2026-11-28T15:30:00Z".parse().unwrap(),
            end: "2026-11-28T16:00:00Z".parse().unwrap(),
            summary: "Visite vidéo; suivi, cardiologie",
            description: "Rejoindre : https://relais.example/i/abc\nMerci",
            link: "https://relais.example/i/abc",
            organizer: "relais@relais.example",
            attendee_name: "Gérard \"G\" Bouchard",
            attendee: "gerard@example.org",
        }
    }

    #[test]
    fn a_request_has_the_fields_calendars_need_in_utc() {
        let ics = calendar(&event(), Method::Request);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in [
            "METHOD:REQUEST",
            "UID:appointment-a1@relais.example",
            "DTSTART:20261128T153000Z",
            "DTEND:20261128T160000Z",
            "DTSTAMP:20261126T100000Z",
            "SUMMARY:Visite vidéo\\; suivi\\, cardiologie",
            "STATUS:CONFIRMED",
        ] {
            assert!(ics.contains(&format!("\r\n{line}\r\n")), "{line} in {ics}");
        }
        assert!(ics.contains("DESCRIPTION:Rejoindre : https://relais.example/i/abc\\nMerci"));
        assert!(ics.contains("ATTENDEE;CN=\"Gérard G Bouchard\""), "quotes dropped from a parameter");
    }

    #[test]
    fn a_cancellation_replaces_the_same_event() {
        let ics = calendar(&event(), Method::Cancel);
        assert!(ics.contains("\r\nMETHOD:CANCEL\r\n"));
        assert!(ics.contains("\r\nSTATUS:CANCELLED\r\n"));
        assert!(ics.contains("\r\nSEQUENCE:1\r\n"));
        assert!(ics.contains("\r\nUID:appointment-a1@relais.example\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let long = "é".repeat(100);
        let folded = fold(&format!("SUMMARY:{long}"));
        for physical in folded.split("\r\n") {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{long}"));
    }
}
