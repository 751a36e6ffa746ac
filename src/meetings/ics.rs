//! iCalendar (RFC 5545) output for meetings: subscribable feeds and e-mail
//! invitations/cancellations (iTIP, RFC 5546).
//!
//! The module is self-contained: the app maps its own meeting rows to
//! [`IcsEvent`] and calls [`calendar`] with the [`Method`] that fits:
//!
//! - [`Method::Publish`] for feeds (`.ics` subscriptions). Feeds never carry
//!   ORGANIZER or ATTENDEE, so personal e-mail addresses are not published to
//!   whoever holds the feed URL.
//! - [`Method::Request`] for an invitation or an update. Bump
//!   [`IcsEvent::sequence`] on every change of time, place or content;
//!   clients (Outlook in particular) may treat an unbumped update as stale.
//! - [`Method::Cancel`] for a cancellation. Bump the sequence here as well.
//!
//! Serialisation goes through the `icalendar` crate's builder, which escapes
//! TEXT values, quotes parameter values and folds lines at 75 octets on UTF-8
//! character boundaries with CRLF line ends.
//!
//! Times are written in UTC (`DTSTART:20261126T080000Z`), not as
//! `DTSTART;TZID=Europe/Stockholm:...`. A TZID reference needs a VTIMEZONE
//! block, and `icalendar` 0.17 cannot build one cleanly: its only generic
//! component (`Other`) can only be made by parsing text, and when written it
//! gets a random `UID` and a `DTSTAMP` inside VTIMEZONE, STANDARD and DAYLIGHT,
//! which RFC 5545 does not allow there. UTC times are valid everywhere
//! (RFC 5545 §3.3.5, form #2), and calendar clients show them in the
//! reader's own time zone. `X-WR-TIMEZONE:Europe/Stockholm` is still written as
//! a display hint for feed readers.

use chrono::{DateTime, Utc};
use icalendar::{
    Attendee, Calendar, Component, Event, EventLike, EventStatus as IcalStatus, PartStat, Property,
    Role,
};

/// Product identifier written as `PRODID` (RFC 5545 §3.7.3).
pub const PRODID: &str = "-//Samordna//Samordna//SV";

/// The domain part of UIDs made by [`uid_for`].
const UID_DOMAIN: &str = "samordna";

/// What a calendar object is for (RFC 5546 §1.4, the `METHOD` property).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A feed: `METHOD:PUBLISH`. Carries no ORGANIZER or ATTENDEE.
    Publish,
    /// An invitation or update sent by e-mail: `METHOD:REQUEST`.
    Request,
    /// A cancellation sent by e-mail: `METHOD:CANCEL`. Every event in it is
    /// written with `STATUS:CANCELLED`.
    Cancel,
}

impl Method {
    /// The value of the `METHOD` property, e.g. `"REQUEST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }

    /// The MIME type for this calendar object: a feed response's
    /// `Content-Type`, or the `text/calendar` part of an invitation e-mail.
    /// Outlook wants the `method` parameter to match `METHOD` (RFC 6047 §2.4).
    pub fn content_type(self) -> &'static str {
        match self {
            Method::Publish => "text/calendar; charset=utf-8; method=PUBLISH",
            Method::Request => "text/calendar; method=REQUEST; charset=UTF-8",
            Method::Cancel => "text/calendar; method=CANCEL; charset=UTF-8",
        }
    }

    /// Whether ORGANIZER and ATTENDEE are written. Only scheduling messages
    /// need them; a feed is readable by anyone with its URL.
    fn carries_people(self) -> bool {
        matches!(self, Method::Request | Method::Cancel)
    }
}

/// Whether a meeting takes place (`STATUS`, RFC 5545 §3.8.1.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// `STATUS:CONFIRMED`.
    Confirmed,
    /// `STATUS:CANCELLED`. A feed may keep a cancelled meeting so that
    /// subscribers see it struck out instead of silently gone.
    Cancelled,
}

/// An organizer or attendee: written as `CN=name` and `mailto:email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Display name; may be empty, and may contain commas (it is quoted).
    pub name: String,
    /// E-mail address without `mailto:`. A person with an empty address is
    /// left out, since a calendar address must be a URI.
    pub email: String,
}

/// One meeting as a `VEVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Globally unique and stable for the life of the meeting, e.g. from
    /// [`uid_for`]. Clients match updates and cancellations on it.
    pub uid: String,
    /// Revision number (RFC 5545 §3.8.7.4); bump it on every change that is
    /// sent to attendees, including cancellation.
    pub sequence: u32,
    /// Start; written in UTC.
    pub starts_at: DateTime<Utc>,
    /// End; written in UTC. Left out if not after `starts_at`, since RFC 5545
    /// requires DTEND to be later than DTSTART.
    pub ends_at: DateTime<Utc>,
    /// Title (`SUMMARY`).
    pub summary: String,
    /// Free text (`DESCRIPTION`); left out when empty. Newlines are kept.
    pub description: String,
    /// Place (`LOCATION`), or empty to leave it out.
    pub location: String,
    /// A link, e.g. a Teams meeting or the meeting's page (`URL`).
    pub url: Option<String>,
    /// Whether the meeting takes place. Ignored for [`Method::Cancel`],
    /// which always writes `STATUS:CANCELLED`.
    pub status: EventStatus,
    /// Who sends invitations; RFC 5546 requires it for REQUEST and CANCEL.
    /// Not written for [`Method::Publish`].
    pub organizer: Option<Person>,
    /// Invitees; written for REQUEST and CANCEL only.
    pub attendees: Vec<Person>,
    /// When the meeting was last changed (`LAST-MODIFIED`).
    pub last_modified: DateTime<Utc>,
}

/// A stable UID for a meeting id: `<uuid>@samordna`.
///
/// Deriving it from the row's id means every render of the same meeting gets
/// the same UID without storing one.
pub fn uid_for(meeting_id: uuid::Uuid) -> String {
    format!("{}@{UID_DOMAIN}", meeting_id.as_hyphenated())
}

/// Renders a whole `VCALENDAR` with one `VEVENT` per event, CRLF line ends.
///
/// `name` becomes `X-WR-CALNAME`, on one line. `DTSTAMP` is the
/// current time, as RFC 5545 asks for objects that carry a METHOD.
///
/// For [`Method::Request`] and [`Method::Cancel`], RFC 5546 expects one
/// meeting (one UID) per message; that is up to the caller.
pub fn calendar(name: &str, method: Method, events: &[IcsEvent]) -> String {
    render(name, method, events, Utc::now())
}

/// [`calendar`] with the DTSTAMP given, so tests get fixed output.
fn render(name: &str, method: Method, events: &[IcsEvent], dtstamp: DateTime<Utc>) -> String {
    // `Calendar::new()` would add the crate's own PRODID ("ICALENDAR-RS").
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", method.as_str()))
        // Not `Calendar::name()`: it also writes RFC 7986 `NAME`, which the
        // crate does not know as TEXT and so writes unescaped (a newline in
        // the name would end the line). The X- property is escaped.
        .append_property(Property::new(
            "X-WR-CALNAME",
            clean_text(name).replace('\n', " "),
        ))
        .timezone(chrono_tz::Europe::Stockholm);
    for event in events {
        cal.push(vevent(event, method, dtstamp));
    }
    // An empty feed is a VCALENDAR with no component. RFC 5545 asks for at
    // least one, but feed readers commonly accept an empty one, and a
    // placeholder event would show up in people's calendars.
    cal.to_string()
}

fn vevent(event: &IcsEvent, method: Method, dtstamp: DateTime<Utc>) -> Event {
    let status = match (method, event.status) {
        // RFC 5546 §3.2.5: a CANCEL of the whole event has STATUS:CANCELLED.
        (Method::Cancel, _) | (_, EventStatus::Cancelled) => IcalStatus::Cancelled,
        (_, EventStatus::Confirmed) => IcalStatus::Confirmed,
    };

    let mut ev = Event::new();
    // The crate writes its own DTSTAMP (now) and a random UID when these are
    // missing; both are always set here so output is under our control.
    ev.uid(&clean_text(&event.uid))
        .timestamp(dtstamp)
        .sequence(event.sequence)
        .last_modified(event.last_modified)
        .starts(event.starts_at)
        .summary(&clean_text(&event.summary))
        .status(status);
    if event.ends_at > event.starts_at {
        ev.ends(event.ends_at);
    }
    let description = clean_text(&event.description);
    if !description.is_empty() {
        ev.description(&description);
    }
    let location = clean_text(&event.location);
    if !location.trim().is_empty() {
        ev.location(&location);
    }
    if let Some(url) = event.url.as_deref().map(clean_uri)
        && !url.is_empty()
    {
        ev.url(&url);
    }

    if method.carries_people() {
        if let Some(organizer) = &event.organizer
            && let Some(property) = organizer_property(organizer)
        {
            ev.append_property(property);
        }
        for person in &event.attendees {
            if let Some(attendee) = attendee(person) {
                ev.attendee(attendee);
            }
        }
    }
    ev.done()
}

fn organizer_property(person: &Person) -> Option<Property> {
    let mut property = Property::new("ORGANIZER", mailto(&person.email)?);
    let cn = clean_param(&person.name);
    if !cn.is_empty() {
        property.add_parameter("CN", &cn);
    }
    Some(property.done())
}

fn attendee(person: &Person) -> Option<Attendee> {
    let mut attendee = Attendee::new(mailto(&person.email)?)
        .role(Role::ReqParticipant)
        .partstat(PartStat::NeedsAction)
        .rsvp(true);
    let cn = clean_param(&person.name);
    if !cn.is_empty() {
        attendee = attendee.cn(cn);
    }
    Some(attendee)
}

fn mailto(email: &str) -> Option<String> {
    let email = clean_uri(email);
    (!email.is_empty()).then(|| format!("mailto:{email}"))
}

/// Prepares a TEXT value for the crate, which escapes `\ , ; LF` but writes
/// CR and other control characters raw. Browsers send textarea newlines as
/// CRLF, and a raw CR would end the content line early, so all line breaks
/// become LF (written as `\n`) and other control characters except TAB
/// (allowed in TEXT) are dropped.
fn clean_text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect()
}

/// Prepares a parameter value (CN). The crate quotes values containing
/// `: ; ,` but does not check the rest: RFC 5545 allows neither DQUOTE nor
/// control characters in a parameter value, and a newline here would let a
/// display name inject its own content lines.
fn clean_param(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Prepares a URI value (URL, mailto). The crate writes these unescaped, and
/// no URI contains whitespace or control characters, so they are dropped.
fn clean_uri(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Stockholm;

    fn stockholm(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Stockholm
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("unambiguous local time")
            .with_timezone(&Utc)
    }

    fn person(name: &str, email: &str) -> Person {
        Person {
            name: name.to_owned(),
            email: email.to_owned(),
        }
    }

    fn meeting(uid: &str) -> IcsEvent {
        IcsEvent {
            uid: uid.to_owned(),
            sequence: 0,
            starts_at: stockholm(2026, 11, 26, 9, 0),
            ends_at: stockholm(2026, 11, 26, 10, 30),
            summary: "Samverkansmöte".to_owned(),
            description: "Dagordning följer.".to_owned(),
            location: "Stadshuset, sal 3".to_owned(),
            url: Some("https://teams.example/l/meetup-join/abc".to_owned()),
            status: EventStatus::Confirmed,
            organizer: Some(person("Åsa Lindqvist", "asa.lindqvist@kommun.example")),
            attendees: vec![
                person("Örjan Ek", "orjan.ek@polisen.example"),
                person("Lindqvist, Märta", "marta@kommun.example"),
            ],
            last_modified: Utc
                .with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
                .single()
                .expect("valid time"),
        }
    }

    fn fixed_stamp() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 7, 5, 9)
            .single()
            .expect("valid time")
    }

    fn render_fixed(method: Method, events: &[IcsEvent]) -> String {
        render("Brå-rådet, Lunds kommun", method, events, fixed_stamp())
    }

    /// Content lines with folding undone, for looking up whole properties.
    fn unfolded_lines(ics: &str) -> Vec<String> {
        icalendar::parser::unfold(ics)
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    fn has_line(ics: &str, line: &str) -> bool {
        unfolded_lines(ics).iter().any(|l| l == line)
    }

    fn parse(ics: &str) -> Calendar {
        ics.parse::<Calendar>().expect("output parses")
    }

    #[test]
    fn the_output_parses_back_with_icalendars_parser_and_has_exactly_n_vevents_with_the_right_uids()
    {
        let events = [
            meeting("a@samordna"),
            meeting("b@samordna"),
            meeting("c@samordna"),
        ];
        for method in [Method::Publish, Method::Request, Method::Cancel] {
            let ics = render_fixed(method, &events);
            let parsed = parse(&ics);
            let uids: Vec<_> = parsed.events().filter_map(|e| e.get_uid()).collect();
            assert_eq!(uids, ["a@samordna", "b@samordna", "c@samordna"]);
            assert_eq!(parsed.components.len(), 3, "nothing but the VEVENTs");
            assert_eq!(ics.matches("BEGIN:VEVENT\r\n").count(), 3);
        }
    }

    #[test]
    fn an_empty_feed_is_still_a_calendar_that_parses() {
        let ics = render_fixed(Method::Publish, &[]);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(parse(&ics).events().count(), 0);
    }

    #[test]
    fn the_header_has_prodid_version_calscale_method_name_and_timezone_hint() {
        let ics = render_fixed(Method::Publish, &[meeting("a@samordna")]);
        let lines = unfolded_lines(&ics);
        assert_eq!(lines[0], "BEGIN:VCALENDAR");
        for expected in [
            "PRODID:-//Samordna//Samordna//SV",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            r"X-WR-CALNAME:Brå-rådet\, Lunds kommun",
            "X-WR-TIMEZONE:Europe/Stockholm",
        ] {
            assert!(lines.iter().any(|l| l == expected), "missing {expected}");
        }
        assert!(!ics.contains("ICALENDAR-RS"), "the crate's default PRODID");
        assert!(
            !lines.iter().any(|l| l.starts_with("NAME")),
            "unescaped NAME"
        );
        let parsed = parse(&ics);
        assert_eq!(parsed.get_name(), Some("Brå-rådet, Lunds kommun"));
        assert_eq!(parsed.get_timezone(), Some("Europe/Stockholm"));
    }

    #[test]
    fn a_calendar_name_with_newlines_and_semicolons_stays_on_one_escaped_line() {
        let ics = render(
            "Brå; Lund,\r\nhöst",
            Method::Publish,
            &[meeting("a@samordna")],
            fixed_stamp(),
        );
        assert!(has_line(&ics, r"X-WR-CALNAME:Brå\; Lund\, höst"), "{ics}");
        assert_eq!(parse(&ics).get_name(), Some("Brå; Lund, höst"));
    }

    #[test]
    fn a_winter_meeting_at_nine_in_stockholm_is_written_as_eight_utc() {
        let ics = render_fixed(Method::Publish, &[meeting("a@samordna")]);
        assert!(has_line(&ics, "DTSTART:20261126T080000Z"), "{ics}");
        assert!(has_line(&ics, "DTEND:20261126T093000Z"), "{ics}");
    }

    #[test]
    fn a_summer_meeting_at_nine_local_time_is_written_as_seven_utc() {
        let mut event = meeting("a@samordna");
        event.starts_at = stockholm(2026, 6, 10, 9, 0);
        event.ends_at = stockholm(2026, 6, 10, 11, 0);
        let ics = render_fixed(Method::Publish, &[event]);
        assert!(has_line(&ics, "DTSTART:20260610T070000Z"), "{ics}");
        assert!(has_line(&ics, "DTEND:20260610T090000Z"), "{ics}");
    }

    #[test]
    fn no_tzid_is_referenced_because_no_vtimezone_is_written() {
        let ics = render_fixed(Method::Request, &[meeting("a@samordna")]);
        assert!(!ics.contains("TZID"));
        assert!(!ics.contains("VTIMEZONE"));
    }

    #[test]
    fn dtstamp_and_last_modified_are_utc_and_uid_and_sequence_are_kept() {
        let mut event = meeting("a@samordna");
        event.sequence = 4;
        let ics = render_fixed(Method::Request, &[event]);
        for expected in [
            "DTSTAMP:20261120T070509Z",
            "LAST-MODIFIED:20261101T120000Z",
            "UID:a@samordna",
            "SEQUENCE:4",
            "STATUS:CONFIRMED",
            "SUMMARY:Samverkansmöte",
            r"LOCATION:Stadshuset\, sal 3",
            "URL:https://teams.example/l/meetup-join/abc",
        ] {
            assert!(has_line(&ics, expected), "missing {expected} in {ics}");
        }
        assert_eq!(
            ics.matches("DTSTAMP:").count(),
            1,
            "no second, crate-made one"
        );
    }

    #[test]
    fn a_cancelled_event_has_status_cancelled_and_method_cancel() {
        let mut event = meeting("a@samordna");
        event.sequence = 2;
        event.status = EventStatus::Cancelled;
        let ics = render_fixed(Method::Cancel, &[event]);
        assert!(has_line(&ics, "METHOD:CANCEL"));
        assert!(has_line(&ics, "STATUS:CANCELLED"));
        assert!(has_line(&ics, "SEQUENCE:2"));
        let parsed = parse(&ics);
        let ev = parsed.events().next().expect("one event");
        assert_eq!(ev.get_status(), Some(IcalStatus::Cancelled));
    }

    #[test]
    fn a_cancel_message_cancels_even_an_event_still_marked_confirmed() {
        let ics = render_fixed(Method::Cancel, &[meeting("a@samordna")]);
        assert!(has_line(&ics, "STATUS:CANCELLED"));
        assert!(!ics.contains("CONFIRMED"));
    }

    #[test]
    fn a_cancelled_meeting_in_a_feed_stays_in_it_as_cancelled() {
        let mut event = meeting("a@samordna");
        event.status = EventStatus::Cancelled;
        let ics = render_fixed(Method::Publish, &[event]);
        assert!(has_line(&ics, "METHOD:PUBLISH"));
        assert!(has_line(&ics, "STATUS:CANCELLED"));
    }

    #[test]
    fn a_publish_calendar_has_no_attendee_or_organizer_lines_or_addresses() {
        let ics = render_fixed(
            Method::Publish,
            &[meeting("a@samordna"), meeting("b@samordna")],
        );
        assert!(!ics.contains("ATTENDEE"));
        assert!(!ics.contains("ORGANIZER"));
        assert!(!ics.contains("mailto:"));
        assert!(!ics.contains("@kommun.example"));
    }

    #[test]
    fn an_invitation_has_the_organizer_and_every_attendee_asked_to_reply() {
        let ics = render_fixed(Method::Request, &[meeting("a@samordna")]);
        assert!(has_line(&ics, "METHOD:REQUEST"));
        assert!(has_line(
            &ics,
            "ORGANIZER;CN=Åsa Lindqvist:mailto:asa.lindqvist@kommun.example"
        ));
        // The crate writes parameters in alphabetical order; order is free in RFC 5545.
        assert!(has_line(
            &ics,
            "ATTENDEE;CN=Örjan Ek;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:orjan.ek@polisen.example"
        ));
        assert!(has_line(
            &ics,
            "ATTENDEE;CN=\"Lindqvist, Märta\";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:marta@kommun.example"
        ));

        let parsed = parse(&ics);
        let ev = parsed.events().next().expect("one event");
        let attendees = ev.get_attendees();
        assert_eq!(attendees.len(), 2);
        assert_eq!(attendees[1].cn.as_deref(), Some("Lindqvist, Märta"));
        assert_eq!(attendees[1].rsvp, Some(true));
        assert_eq!(attendees[1].role, Some(Role::ReqParticipant));
        assert_eq!(attendees[1].part_stat, Some(PartStat::NeedsAction));
    }

    #[test]
    fn people_without_an_address_are_left_out() {
        let mut event = meeting("a@samordna");
        event.organizer = Some(person("Ingen", "  "));
        event.attendees = vec![person("Ingen heller", ""), person("", "x@kommun.example")];
        let ics = render_fixed(Method::Request, &[event]);
        assert!(!ics.contains("ORGANIZER"));
        assert_eq!(ics.matches("ATTENDEE").count(), 1);
        assert!(has_line(
            &ics,
            "ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:x@kommun.example"
        ));
    }

    #[test]
    fn a_long_swedish_description_with_commas_and_newlines_round_trips_unchanged() {
        let description = "Välkomna till höstens samverkansmöte i Brå-rådet!\n\n\
            Dagordning: 1) Lägesbild, trygghetsmätning och åtgärder; 2) Öppna frågor, \
            övrigt.\nPlats: Stadshuset, sal 3 (ingång från Östra gatan).\n\
            Sökväg till underlag: \\\\filserver\\brå\\2026; läs före mötet, tack!\n\
            Frågor? Ring Åsa på 046-35 50 00, eller svara på mejlet. \
            Ärenden om Ängelholms väg, Öresundsbron och Älvdalen tas sist.\tSlut."
            .to_owned();
        let summary = "Möte: Brå-rådet; höst, 2026 \\ avstämning".to_owned();
        let location = "Stadshuset, sal 3; plan 2".to_owned();
        let mut event = meeting("a@samordna");
        event.description = description.clone();
        event.summary = summary.clone();
        event.location = location.clone();

        let ics = render_fixed(Method::Request, &[event]);
        assert!(ics.contains(r"Lägesbild\, trygghetsmätning och åtgärder\; 2)"));
        assert!(ics.contains(r"\\\\filserver\\brå\\2026\;"));

        let parsed = parse(&ics);
        let ev = parsed.events().next().expect("one event");
        assert_eq!(ev.get_description(), Some(description.as_str()));
        assert_eq!(ev.get_summary(), Some(summary.as_str()));
        assert_eq!(ev.get_location(), Some(location.as_str()));
    }

    #[test]
    fn windows_line_breaks_from_a_form_become_plain_newlines() {
        let mut event = meeting("a@samordna");
        event.description = "Rad ett,\r\nrad två\rrad tre\u{7}".to_owned();
        let ics = render_fixed(Method::Publish, &[event]);
        assert!(has_line(&ics, r"DESCRIPTION:Rad ett\,\nrad två\nrad tre"));
        let parsed = parse(&ics);
        let ev = parsed.events().next().expect("one event");
        assert_eq!(ev.get_description(), Some("Rad ett,\nrad två\nrad tre"));
    }

    #[test]
    fn a_display_name_cannot_inject_content_lines_or_break_quoting() {
        let mut event = meeting("a@samordna");
        event.organizer = Some(person(
            "Eve\r\nATTENDEE:mailto:evil@example.com",
            "eve@kommun.example\r\nX-EVIL:1",
        ));
        event.attendees = vec![person("Kalle \"Anka\", Ankeborg", "kalle@example.com")];
        event.url = Some("https://x.example/a b\r\nX-EVIL:2".to_owned());
        let ics = render_fixed(Method::Request, &[event]);
        let lines = unfolded_lines(&ics);
        assert!(!lines.iter().any(|l| l.starts_with("X-EVIL")));
        assert!(!lines.iter().any(|l| l.starts_with("ATTENDEE:")));
        assert!(has_line(
            &ics,
            "ORGANIZER;CN=\"Eve  ATTENDEE:mailto:evil@example.com\":mailto:eve@kommun.exampleX-EVIL:1"
        ));
        assert!(ics.contains("CN=\"Kalle 'Anka', Ankeborg\""));
        assert!(has_line(&ics, "URL:https://x.example/abX-EVIL:2"));
        assert_eq!(parse(&ics).events().count(), 1);
    }

    #[test]
    fn an_end_that_is_not_after_the_start_is_left_out() {
        let mut event = meeting("a@samordna");
        event.ends_at = event.starts_at;
        let ics = render_fixed(Method::Publish, &[event]);
        assert!(has_line(&ics, "DTSTART:20261126T080000Z"));
        assert!(!ics.contains("DTEND"));
    }

    #[test]
    fn empty_location_description_and_url_are_left_out() {
        let mut event = meeting("a@samordna");
        event.location = String::new();
        event.description = String::new();
        event.url = None;
        let ics = render_fixed(Method::Publish, &[event]);
        assert!(!ics.contains("LOCATION"));
        assert!(!ics.contains("DESCRIPTION"));
        assert!(!ics.contains("URL"));
    }

    #[test]
    fn every_line_is_at_most_75_octets_and_ends_with_crlf() {
        let mut event = meeting("a@samordna");
        // Long runs of two-byte letters put fold points inside characters,
        // and spaces put them next to whitespace: both need care.
        event.description = "åäö ÅÄÖ, ".repeat(60) + "\n" + &"ö".repeat(200);
        event.summary =
            "Trygghetsvandring i Östra Sönnarslöv, Kävlinge och Höör – uppföljning av åtgärder"
                .to_owned();
        event.location =
            "Medborgarhuset i Hässleholm, Stora salen; ingång från Järnvägsgatan".to_owned();
        event.url = Some(format!(
            "https://teams.example/l/meetup-join/{}",
            "x".repeat(150)
        ));
        event.organizer = Some(person(
            "Förvaltningschef Åsa-Märta Lindqvist-Öberg, Kommunledningskontoret",
            "asa-marta.lindqvist-oberg@kommunledningskontoret.example",
        ));
        let mut second = meeting("b@samordna");
        second.description = "a".repeat(300);
        let events = [event, second];

        for method in [Method::Publish, Method::Request, Method::Cancel] {
            let ics = render_fixed(method, &events);
            assert!(ics.ends_with("\r\n"));
            let body = ics.strip_suffix("\r\n").expect("ends with CRLF");
            for line in body.split("\r\n") {
                assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
                assert!(!line.contains(['\r', '\n']), "bare CR or LF in {line:?}");
            }
            // Folding happened, and undoing it gives back the text.
            assert!(body.contains("\r\n "));
            let parsed = parse(&ics);
            assert_eq!(
                parsed.events().next().and_then(|e| e.get_description()),
                Some(events[0].description.as_str())
            );
        }
    }

    #[test]
    fn uid_for_a_meeting_id_is_stable_and_ends_in_samordna() {
        let id = uuid::Uuid::from_u128(0x0190_1234_5678_7abc_8def_0123_4567_89ab);
        assert_eq!(uid_for(id), "01901234-5678-7abc-8def-0123456789ab@samordna");
        assert_eq!(uid_for(id), uid_for(id));
    }

    #[test]
    fn the_public_calendar_function_stamps_the_current_time() {
        let before = Utc::now();
        let ics = calendar("Möten", Method::Request, &[meeting("a@samordna")]);
        let after = Utc::now();
        let parsed = parse(&ics);
        let stamp = parsed
            .events()
            .next()
            .and_then(|e| e.get_timestamp())
            .expect("DTSTAMP");
        let second = chrono::Duration::seconds(1);
        assert!(stamp >= before - second && stamp <= after, "{stamp}");
    }

    #[test]
    fn content_types_match_the_method() {
        assert_eq!(Method::Publish.as_str(), "PUBLISH");
        assert_eq!(
            Method::Cancel.content_type(),
            "text/calendar; method=CANCEL; charset=UTF-8"
        );
        assert_eq!(
            Method::Request.content_type(),
            "text/calendar; method=REQUEST; charset=UTF-8"
        );
    }
}
