//! Demo meetings: a past and a coming year for every group with a cadence,
//! the past ones held with attendance and minutes, one cancelled. Only
//! groups without any meetings get them, so loading twice adds nothing.

use chrono::{Days, TimeDelta, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::cadence::{Cadence, summer_break};
use super::calendar::Term;
use super::db::{self, NewMeeting};
use crate::web::today;

fn agenda(tier: &str) -> &'static str {
    match tier {
        "permanent" => {
            "Händelser senaste veckan\nKommande händelser\nSamverkansbehov\nVeckans prioriteringar"
        }
        "beredningsgrupp" => {
            "Lägesbild från EST och polisen\nUppföljning av åtgärdsplanen\nArbetsgrupper\nÖvriga frågor"
        }
        "styrgrupp" => {
            "Lägesrapport från beredningsgruppen\nMål och delmål\nPrioriteringar inför nästa halvår"
        }
        _ => "Läget sedan förra mötet\nÅtgärder\nNästa steg",
    }
}

fn notes(tier: &str) -> &'static str {
    match tier {
        "permanent" => {
            "Varje organisation rapporterade veckans händelser. Kommande händelser och samverkansbehov förs in i lägesbilden."
        }
        "beredningsgrupp" => {
            "Lägesbilden gicks igenom. Åtgärdsplanens åtgärder följdes upp; två är försenade."
        }
        "styrgrupp" => "Beredningsgruppen redovisade läget. Målen för halvåret följdes upp.",
        _ => "Gruppen gick igenom läget och fördelade nästa steg.",
    }
}

/// Loads the demo meetings of one municipality.
pub async fn load(conn: &mut PgConnection, m: Uuid) -> sqlx::Result<()> {
    let day = today();
    let groups = sqlx::query!(
        r#"select g.id, g.tier, g.active_from, g.active_to, c.kind, c.per_half_year, c.weekday, c.start_time,
                  c.duration_minutes, c.form, c.places, c.meeting_link
           from work_group g join group_cadence c on c.work_group_id = g.id
           where g.municipality_id = $1 and not exists (select 1 from meeting mt where mt.work_group_id = g.id)"#,
        m
    )
    .fetch_all(&mut *conn)
    .await?;
    let (from, to) = (day - Days::new(365), day + Days::new(365));
    for g in groups {
        let cadence = Cadence {
            kind: g.kind,
            per_half_year: g.per_half_year,
            weekday: g.weekday,
            start_time: g.start_time,
            duration_minutes: g.duration_minutes,
            form: g.form,
            places: g.places,
            meeting_link: g.meeting_link,
            stored: true,
        };
        let place = cadence
            .place_list()
            .first()
            .map(|p| (*p).to_owned())
            .unwrap_or_default();
        let mut term = Term::containing(from);
        let mut past = Vec::new();
        while term.first_day() <= to {
            for p in cadence.plan(term, &[summer_break(term)]).meetings {
                let active = p.date >= g.active_from && g.active_to.is_none_or(|t| p.date <= t);
                if p.date < from || p.date > to || !active {
                    continue;
                }
                let id = db::insert_meeting(
                    conn,
                    m,
                    &NewMeeting {
                        group_id: g.id,
                        starts_at: p.starts_at,
                        ends_at: p.ends_at,
                        form: &cadence.form,
                        place: if cadence.form == "online" { "" } else { &place },
                        meeting_link: &cadence.meeting_link,
                        agenda: agenda(&g.tier),
                    },
                )
                .await?;
                if p.ends_at < Utc::now() {
                    past.push((id, p.ends_at));
                }
            }
            term = Term::containing(term.last_day() + Days::new(1));
        }
        record_past(conn, m, g.id, &g.tier, &past).await?;
    }
    Ok(())
}

/// Past meetings are held, with attendance and approved minutes (all but
/// the latest); a weekly group's third latest is cancelled.
async fn record_past(
    conn: &mut PgConnection,
    m: Uuid,
    group_id: Uuid,
    tier: &str,
    past: &[(Uuid, chrono::DateTime<Utc>)],
) -> sqlx::Result<()> {
    let cancelled = (tier == "permanent" && past.len() > 3).then(|| past[past.len() - 3].0);
    for (i, (id, ended)) in past.iter().enumerate() {
        if Some(*id) == cancelled {
            sqlx::query!(
                "update meeting set status = 'cancelled', cancelled_reason = $2, sequence = 1 where id = $1 and municipality_id = $3",
                id,
                "Krockar med kommunens krisledningsövning.",
                m
            )
            .execute(&mut *conn)
            .await?;
            continue;
        }
        let latest = i + 1 == past.len();
        sqlx::query!(
            r#"update meeting set status = 'held', notes = $2,
                      minutes_approved_at = case when $3 then null else $4::timestamptz end
               where id = $1 and municipality_id = $5"#,
            id,
            notes(tier),
            latest,
            *ended + TimeDelta::days(2),
            m
        )
        .execute(&mut *conn)
        .await?;
        // Most come; now and then someone is away, or the substitute comes.
        sqlx::query!(
            r#"insert into meeting_attendance (meeting_id, municipality_id, position_id, status)
               select $1, $2, p.id,
                      case when (row_number() over (order by p.title) + $4) % 7 = 0
                           then case when p.substitute_position_id is null then 'absent' else 'substitute_present' end
                           else 'present' end
               from membership ms join position p on p.id = ms.position_id
               where ms.work_group_id = $3"#,
            id,
            m,
            group_id,
            i64::try_from(i).unwrap_or(0)
        )
        .execute(&mut *conn)
        .await?;
        if tier == "beredningsgrupp" {
            sqlx::query!(
                r#"insert into meeting_decision (id, municipality_id, meeting_id, text)
                   values ($1, $2, $3, 'Lägesbilden noteras och läggs till handlingarna.')"#,
                Uuid::now_v7(),
                m,
                id
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}
