//! What needs attention, from the overview.

use chrono::{Days, NaiveDate};

use super::overview::{Overview, RiskRow};
use super::{AgreementCounts, Attention, GroupLine};

/// What needs attention, soonest first: groups without a meeting planned
/// or behind their cadence, late measures, agreements waiting for
/// signatures or about to end, members without an agreement, coming
/// high-risk events and the guideline's review.
pub(super) fn attention(o: &Overview, day: NaiveDate, reads_est: bool) -> Vec<Attention> {
    let mut list: Vec<Attention> = o
        .groups
        .iter()
        .filter_map(|g| group_attention(g, day))
        .collect();
    if let Some(ms) = &o.measures
        && ms.delayed > 0
    {
        list.push(Attention {
            text: format!(
                "{} i tid.",
                crate::web::words::count(
                    ms.delayed,
                    "åtgärd är inte klar",
                    "åtgärder är inte klara"
                )
            ),
            href: Some("/planering#atgarder".to_owned()),
            due: day,
        });
    }
    if let Some(a) = &o.agreements {
        list.extend(agreement_attention(a, day));
    }
    list.extend(o.risks.iter().map(|r| risk_attention(r, reads_est)));
    if let Some(due) = o.review_due.filter(|due| (*due - day).num_days() <= 180) {
        list.push(Attention {
            text: format!("Riktlinjen ska aktualitetsprövas senast {due}."),
            href: Some("/struktur".to_owned()),
            due,
        });
    }
    list.sort_by_key(|a| a.due);
    list
}

/// A group without a meeting planned, or behind its cadence.
fn group_attention(g: &GroupLine, day: NaiveDate) -> Option<Attention> {
    if g.nothing_planned {
        Some(Attention {
            text: format!("{} har inget möte planerat.", g.name),
            href: Some(format!("/grupper/{}", g.group_id)),
            due: day,
        })
    } else if !g.on_track {
        Some(Attention {
            text: format!("{} – färre möten än riktlinjen anger.", g.text),
            href: Some(format!("/grupper/{}", g.group_id)),
            due: g.compliance.term.last_day(),
        })
    } else {
        None
    }
}

/// Agreements waiting for signatures or about to end, and external members
/// without an agreement in force.
fn agreement_attention(a: &AgreementCounts, day: NaiveDate) -> Vec<Attention> {
    use crate::web::words::count;
    let warned = day + Days::new(u64::try_from(a.warning_days).unwrap_or(0));
    [
        (
            a.waiting,
            format!(
                "{} på signaturer.",
                count(a.waiting, "avtal väntar", "avtal väntar")
            ),
            "waiting",
            day,
        ),
        (
            a.expiring,
            format!(
                "{} ut inom {}.",
                count(a.expiring, "avtal går", "avtal går"),
                count(a.warning_days, "dag", "dagar")
            ),
            "expiring",
            warned,
        ),
        (
            a.gaps,
            format!(
                "{} av externa aktörer i grupper saknar avtal i kraft.",
                count(a.gaps, "deltagande", "deltaganden")
            ),
            "gaps",
            day,
        ),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(_, text, anchor, due)| Attention {
        text,
        href: Some(format!("/avtal#{anchor}")),
        due,
    })
    .collect()
}

/// A coming event with high risk.
fn risk_attention(r: &RiskRow, reads_est: bool) -> Attention {
    let mut text = format!("{}: kommande händelse med hög risk", r.occurs_on);
    if let Some(t) = &r.title {
        text.push_str(&format!(", {t}"));
    }
    if let Some(a) = &r.area {
        text.push_str(&format!(" ({a})"));
    }
    text.push('.');
    Attention {
        text,
        href: reads_est.then(|| "/est#kommande".to_owned()),
        due: r.occurs_on,
    }
}
