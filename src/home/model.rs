//! What waits on the start page for whom, and in which order.

use chrono::NaiveDate;

use super::db::{self, SignalKind};

/// Something on the start page that waits for the user, and when it is
/// due (the list is sorted soonest first; undated things last).
pub struct Need {
    pub text: String,
    pub href: String,
    pub due: Option<NaiveDate>,
}

/// What waits for this person, soonest first. Everyone: agreements to
/// sign, their organisation's EST report not yet filed, their own late
/// measures and those whose effect period ended without a follow-up. Those who run the work (coordinator, kommunpolis,
/// administrators) and those who oversee it (Styrgrupp, beredningsgrupp):
/// late measures, agreements waiting for signatures (the municipality's or
/// the counterpart's) or ending soon, groups with no meeting planned; the
/// first also the organisations that have not reported before the EST lock. Administrators: vacant positions and the
/// guideline's review.
pub fn needs(page: &db::StartPage, is_admin: bool, day: NaiveDate) -> Vec<Need> {
    let mut needs = Vec::new();
    if is_admin {
        admin_needs(page, day, &mut needs);
    }
    own_needs(page, day, &mut needs);
    needs.extend(unreported_need(page));
    signal_needs(page, &mut needs);
    // Soonest first; undated (vacant positions) last.
    needs.sort_by_key(|n| (n.due.is_none(), n.due));
    needs
}

/// Vacant positions and the guideline's review (within half a year).
fn admin_needs(page: &db::StartPage, day: NaiveDate, needs: &mut Vec<Need>) {
    for (id, title) in page.vacant.iter().flatten() {
        needs.push(Need {
            text: format!("Befattningen {title} saknar innehavare."),
            href: format!("/admin/befattningar/{id}"),
            due: None,
        });
    }
    if let Some(due) = page.review_due.filter(|due| (*due - day).num_days() <= 180) {
        needs.push(Need {
            text: format!("Riktlinjen ska aktualitetsprövas senast {due}."),
            href: "/struktur".to_owned(),
            due: Some(due),
        });
    }
}

/// The person's own: agreements to sign, their organisations' reports,
/// their late measures and those to follow up after their effect period.
fn own_needs(page: &db::StartPage, day: NaiveDate, needs: &mut Vec<Need>) {
    // An agreement the person signs is named once, as theirs to sign, with
    // whoever else it waits for (not again as one waiting for signatures).
    for a in &page.to_sign {
        needs.push(Need {
            text: match &a.others {
                Some(others) => format!(
                    "Avtalet {} väntar på din signatur och på {others}.",
                    a.title
                ),
                None => format!("Avtalet {} väntar på din signatur.", a.title),
            },
            href: format!("/avtal/{}", a.id),
            due: Some(day),
        });
    }
    let week = page.report_week;
    // An organisation the person reports for is named once, in its own line
    // (not again among those that have not reported).
    for org in page.reports.iter().filter(|o| !o.filed) {
        needs.push(Need {
            text: format!(
                "EST-rapporten för {} ({}) är inte lämnad.",
                org.name,
                week.label()
            ),
            href: format!("/est/rapport?vecka={}&org={}", week.key(), org.id),
            due: Some(week.monday + chrono::Days::new(6)),
        });
    }
    for ms in page
        .measures
        .iter()
        .filter(|ms| crate::planning::model::is_delayed(ms.status, ms.due_on, day))
    {
        needs.push(Need {
            text: format!("Din åtgärd {} skulle vara klar {}.", ms.title, ms.due_on),
            href: format!("/planering/atgarder/{}", ms.id),
            due: Some(ms.due_on),
        });
    }
    for f in &page.follow_ups {
        needs.push(Need {
            text: format!(
                "Effektperioden för din åtgärd {} tog slut {}: följ upp den.",
                f.title, f.ended_on
            ),
            href: format!("/planering/atgarder/{}#effekt", f.id),
            due: Some(f.ended_on),
        });
    }
}

/// One line naming every organisation that has not reported for the week.
fn unreported_need(page: &db::StartPage) -> Option<Need> {
    use crate::web::words::count;
    let week = page.report_week;
    let unreported: Vec<&db::Signal> = page
        .signals
        .iter()
        .filter(|s| s.kind == SignalKind::Unreported && !page.reports.iter().any(|o| o.id == s.id))
        .collect();
    let first = unreported.first()?;
    let names: Vec<&str> = unreported.iter().map(|s| s.name.as_str()).collect();
    let names = match names.as_slice() {
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} och {last}", rest.join(", ")),
        [] => String::new(),
    };
    let lock = first.detail.as_ref().map_or_else(
        || format!("veckan slutar {}", first.due),
        |at| format!("låses {at}"),
    );
    Some(Need {
        text: format!(
            "{} inte rapporterat till EST för {} ({lock}): {names}.",
            count(unreported.len(), "organisation har", "organisationer har"),
            week.label()
        ),
        href: "/est".to_owned(),
        due: Some(first.due),
    })
}

/// What is due in the municipality (late measures, agreements waiting or
/// ending, groups with no meeting), for those who run or oversee the work.
fn signal_needs(page: &db::StartPage, needs: &mut Vec<Need>) {
    for s in &page.signals {
        let (text, href) = match s.kind {
            SignalKind::Measure if page.measures.iter().any(|m| m.id == s.id) => continue,
            SignalKind::Measure => (
                format!("Åtgärden {} skulle vara klar {}.", s.name, s.due),
                format!("/planering/atgarder/{}", s.id),
            ),
            SignalKind::Unsigned if page.to_sign.iter().any(|a| a.id == s.id) => continue,
            SignalKind::Unsigned => (
                match &s.detail {
                    Some(who) => format!("Avtalet {} väntar på signatur av {who}.", s.name),
                    None => format!("Avtalet {} väntar på signaturer.", s.name),
                },
                format!("/avtal/{}", s.id),
            ),
            SignalKind::Expiring => (
                format!(
                    "Avtalet {}{} går ut {}.",
                    s.name,
                    s.detail
                        .as_ref()
                        .map(|c| format!(" med {c}"))
                        .unwrap_or_default(),
                    s.due
                ),
                format!("/avtal/{}", s.id),
            ),
            SignalKind::Counterparty => (
                format!(
                    "Avtalet {} är signerat av kommunen och väntar på att signaturen från {} registreras.",
                    s.name,
                    s.detail.as_deref().unwrap_or("motparten")
                ),
                format!("/avtal/{}#counterparty-title", s.id),
            ),
            SignalKind::NoMeeting => (
                format!("{} har inget möte planerat.", s.name),
                format!("/grupper/{}", s.id),
            ),
            SignalKind::Unreported => continue,
        };
        needs.push(Need {
            text,
            href,
            due: Some(s.due),
        });
    }
}
