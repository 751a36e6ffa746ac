//! Demo meetings: a past and a coming year for every group with a cadence,
//! the past ones held with attendance and minutes, one cancelled. Only
//! groups without any meetings get them, so loading twice adds nothing.
//! Written with one statement per table (the national demo loads hundreds
//! of municipalities).

use chrono::{DateTime, Days, TimeDelta, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::cadence::{Cadence, summer_break};
use super::calendar::Term;
use super::model::{CadenceKind, MeetingMode};
use crate::tenant::MunicipalityId;
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

/// The meetings of one municipality, in columns for `unnest`.
#[derive(Default)]
struct Rows {
    id: Vec<Uuid>,
    group: Vec<Uuid>,
    starts: Vec<DateTime<Utc>>,
    ends: Vec<DateTime<Utc>>,
    form: Vec<String>,
    place: Vec<String>,
    link: Vec<String>,
    agenda: Vec<String>,
    status: Vec<String>,
    cancelled_reason: Vec<String>,
    sequence: Vec<i32>,
    notes: Vec<String>,
    approved: Vec<Option<DateTime<Utc>>>,
    /// Held meetings: (meeting, group, index among the group's past ones).
    held: (Vec<Uuid>, Vec<Uuid>, Vec<i64>),
    /// Held meetings of a beredningsgrupp, which record a decision.
    decided: Vec<Uuid>,
}

/// Loads the demo meetings of one municipality.
pub async fn load(conn: &mut PgConnection, m: MunicipalityId) -> sqlx::Result<()> {
    let day = today();
    let groups = sqlx::query!(
        r#"select g.id, g.tier, g.active_from, g.active_to, c.kind as "kind: CadenceKind", c.per_half_year,
                  c.weekday, c.start_time, c.duration_minutes, c.form as "form: MeetingMode", c.places,
                  c.meeting_link
           from work_group g join group_cadence c on c.work_group_id = g.id
           where g.municipality_id = $1 and not exists (select 1 from meeting mt where mt.work_group_id = g.id)"#,
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    let (from, to) = (day - Days::new(365), day + Days::new(365));
    let mut rows = Rows::default();
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
        let mut term = Term::containing(from);
        let mut dates = Vec::new();
        while term.first_day() <= to {
            for p in cadence.plan(term, &[summer_break(term)]).meetings {
                let active = p.date >= g.active_from && g.active_to.is_none_or(|t| p.date <= t);
                if p.date >= from && p.date <= to && active {
                    dates.push((p.starts_at, p.ends_at));
                }
            }
            term = Term::containing(term.last_day() + Days::new(1));
        }
        rows.push_group(g.id, &g.tier, &cadence, &dates);
    }
    rows.write(conn, m).await
}

impl Rows {
    /// One group's meetings. Past ones are held, with attendance and
    /// approved minutes (all but the latest); a weekly group's third latest
    /// is cancelled.
    fn push_group(
        &mut self,
        group: Uuid,
        tier: &str,
        cadence: &Cadence,
        dates: &[(DateTime<Utc>, DateTime<Utc>)],
    ) {
        let place = cadence.place_list().first().map(|p| (*p).to_owned());
        let now = Utc::now();
        let past = dates.iter().filter(|(_, ends)| *ends < now).count();
        let cancelled = (tier == "permanent" && past > 3).then(|| past - 3);
        for (i, (starts, ends)) in dates.iter().enumerate() {
            let id = Uuid::now_v7();
            self.id.push(id);
            self.group.push(group);
            self.starts.push(*starts);
            self.ends.push(*ends);
            self.form.push(cadence.form.as_str().to_owned());
            self.place.push(match cadence.form {
                MeetingMode::Online => String::new(),
                MeetingMode::InPerson => place.clone().unwrap_or_default(),
            });
            self.link.push(cadence.meeting_link.clone());
            self.agenda.push(agenda(tier).to_owned());
            let held = *ends < now && Some(i) != cancelled;
            let (status, reason, text) = match (*ends < now, Some(i) == cancelled) {
                (true, true) => ("cancelled", "Krockar med kommunens krisledningsövning.", ""),
                (true, false) => ("held", "", notes(tier)),
                _ => ("planned", "", ""),
            };
            self.status.push(status.to_owned());
            self.cancelled_reason.push(reason.to_owned());
            self.sequence.push(i32::from(status == "cancelled"));
            self.notes.push(text.to_owned());
            let latest = i + 1 == past;
            self.approved
                .push((held && !latest).then(|| *ends + TimeDelta::days(2)));
            if held {
                self.held.0.push(id);
                self.held.1.push(group);
                self.held.2.push(i64::try_from(i).unwrap_or(0));
                if tier == "beredningsgrupp" {
                    self.decided.push(id);
                }
            }
        }
    }

    async fn write(&self, conn: &mut PgConnection, m: MunicipalityId) -> sqlx::Result<()> {
        sqlx::query!(
            r#"insert into meeting (id, municipality_id, work_group_id, starts_at, ends_at, form, place, meeting_link,
                                    agenda, status, cancelled_reason, sequence, notes, minutes_approved_at)
               select id, $1, work_group, starts, ends, form, place, link, agenda, status, reason, sequence, notes, approved
               from unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[],
                           $8::text[], $9::text[], $10::text[], $11::text[], $12::int4[], $13::text[], $14::timestamptz[])
                    as t(id, work_group, starts, ends, form, place, link, agenda, status, reason, sequence, notes, approved)"#,
            m.get(), &self.id, &self.group, &self.starts, &self.ends, &self.form, &self.place, &self.link, &self.agenda,
            &self.status, &self.cancelled_reason, &self.sequence, &self.notes,
            &self.approved as &[Option<DateTime<Utc>>]
        )
        .execute(&mut *conn)
        .await?;
        // Most come; now and then someone is away, or the substitute comes.
        sqlx::query!(
            r#"insert into meeting_attendance (meeting_id, municipality_id, position_id, status)
               select t.id, $1, p.id,
                      case when (row_number() over (partition by t.id order by p.title) + t.i) % 7 = 0
                           then case when p.substitute_position_id is null then 'absent' else 'substitute_present' end
                           else 'present' end
               from unnest($2::uuid[], $3::uuid[], $4::int8[]) as t(id, work_group, i)
               join membership ms on ms.work_group_id = t.work_group
               join position p on p.id = ms.position_id"#,
            m.get(), &self.held.0, &self.held.1, &self.held.2
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            r#"insert into meeting_decision (id, municipality_id, meeting_id, text)
               select gen_random_uuid(), $1, id, 'Lägesbilden noteras och läggs till handlingarna.'
               from unnest($2::uuid[]) as t(id)"#,
            m.get(),
            &self.decided
        )
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
