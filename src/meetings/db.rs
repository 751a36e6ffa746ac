//! Queries for meetings, scoped by the signed-in user's municipality.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::Stockholm;
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{AttendanceStatus, MeetingMode, MeetingStatus, SendingKind};
use crate::error::{AppError, AppResult};
use crate::structure::model::{Role, Tier};
use crate::tenant::MunicipalityId;
use crate::web::choice::Choice;
use crate::web::extract::CurrentUser;
use crate::web::seats::Access;
use crate::web::today;

/// A meeting with its group, as [`find`] reads it and as a page's json
/// brings it (`json_agg` of the same columns, the group id as `group_id`).
#[derive(Clone, Debug, Deserialize)]
pub struct Meeting {
    pub id: Uuid,
    pub group_id: Uuid,
    pub group_name: String,
    pub tier: Tier,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub form: MeetingMode,
    pub place: String,
    pub meeting_link: String,
    pub agenda: String,
    pub status: MeetingStatus,
    pub cancelled_reason: String,
    pub sequence: i32,
    pub notes: String,
    pub minutes_approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    /// When the latest kallelse went out, if one has.
    #[serde(default)]
    pub invited_at: Option<DateTime<Utc>>,
    /// The group reports weekly (the EST): its meeting discusses that
    /// week's reports and lägesbild.
    #[serde(default)]
    pub weekly_reporting: bool,
}

impl Meeting {
    pub fn local_date(&self) -> NaiveDate {
        self.starts_at.with_timezone(&Stockholm).date_naive()
    }

    /// `09:00–09:30`, Swedish time.
    pub fn time_range(&self) -> String {
        format!(
            "{}–{}",
            self.starts_at.with_timezone(&Stockholm).format("%H:%M"),
            self.ends_at.with_timezone(&Stockholm).format("%H:%M")
        )
    }

    pub fn start_time(&self) -> String {
        self.starts_at
            .with_timezone(&Stockholm)
            .format("%H:%M")
            .to_string()
    }

    pub fn duration_minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).num_minutes()
    }

    /// `torsdag 3 december 2026`.
    pub fn long_date(&self) -> String {
        super::model::long_date(self.local_date())
    }

    pub fn is_planned(&self) -> bool {
        self.status == MeetingStatus::Planned
    }

    pub fn is_held(&self) -> bool {
        self.status == MeetingStatus::Held
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == MeetingStatus::Cancelled
    }

    /// Approved minutes can no longer be changed.
    pub fn is_locked(&self) -> bool {
        self.minutes_approved_at.is_some()
    }

    pub fn approved_at_text(&self) -> Option<String> {
        self.minutes_approved_at.map(crate::web::format_local)
    }

    pub fn has_started(&self) -> bool {
        self.starts_at <= Utc::now()
    }

    /// The record (attendance, notes, decisions) can be written.
    pub fn is_recordable(&self) -> bool {
        self.has_started() && !self.is_cancelled() && !self.is_locked()
    }

    /// `2026-11-20`, the day the latest kallelse went out.
    pub fn invited_on(&self) -> Option<NaiveDate> {
        self.invited_at
            .map(|at| at.with_timezone(&Stockholm).date_naive())
    }

    /// The meeting lies in the past: no kallelse is offered for it.
    pub fn is_past(&self) -> bool {
        self.ends_at < Utc::now()
    }

    /// `2026-W49`: the ISO week of the meeting, as EST pages name weeks.
    pub fn iso_week_key(&self) -> String {
        let week = self.local_date().iso_week();
        format!("{}-W{:02}", week.year(), week.week())
    }

    pub fn is_online(&self) -> bool {
        self.form == MeetingMode::Online
    }

    pub fn status_label(&self) -> &'static str {
        match self.status {
            MeetingStatus::Held => "Genomfört",
            MeetingStatus::Cancelled => "Inställt",
            MeetingStatus::Planned if self.ends_at < Utc::now() => "Ej protokollfört",
            MeetingStatus::Planned => "Planerat",
        }
    }

    /// Where: the place, or the meeting link for online meetings.
    pub fn where_text(&self) -> String {
        match (self.is_online(), self.place.is_empty()) {
            (true, _) => "Digitalt möte".to_owned(),
            (false, true) => "Plats meddelas senare".to_owned(),
            (false, false) => self.place.clone(),
        }
    }

    pub fn agenda_items(&self) -> Vec<&str> {
        self.agenda
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

/// Which meetings to find; every filter is optional.
#[derive(Default)]
pub struct Filter<'a> {
    pub id: Option<Uuid>,
    pub municipality_id: Option<Uuid>,
    pub groups: Option<&'a [Uuid]>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Meetings matching the filter, in time order.
pub async fn find(db: impl sqlx::PgExecutor<'_>, f: Filter<'_>) -> AppResult<Vec<Meeting>> {
    let rows = sqlx::query!(
        r#"select mt.id, mt.work_group_id, g.name as group_name, g.tier as "tier: Tier", mt.starts_at, mt.ends_at,
                  mt.form as "form: MeetingMode", mt.place, mt.meeting_link, mt.agenda,
                  mt.status as "status: MeetingStatus", mt.cancelled_reason,
                  mt.sequence, mt.notes, mt.minutes_approved_at, ap.name as "approved_by?",
                  g.weekly_reporting,
                  (select max(s.sent_at) from meeting_sending s
                   where s.meeting_id = mt.id and s.municipality_id = mt.municipality_id
                     and s.kind = 'invitation') as invited_at
           from meeting mt
           join work_group g on g.id = mt.work_group_id
           left join person ap on ap.id = mt.minutes_approved_by
           where ($1::uuid is null or mt.id = $1)
             and ($2::uuid is null or mt.municipality_id = $2)
             and ($3::uuid[] is null or mt.work_group_id = any($3))
             and ($4::timestamptz is null or mt.starts_at >= $4)
             and ($5::timestamptz is null or mt.starts_at < $5)
           order by mt.starts_at, g.name"#,
        f.id,
        f.municipality_id,
        f.groups,
        f.from,
        f.to
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Meeting {
            id: r.id,
            group_id: r.work_group_id,
            group_name: r.group_name,
            tier: r.tier,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            form: r.form,
            place: r.place,
            meeting_link: r.meeting_link,
            agenda: r.agenda,
            status: r.status,
            cancelled_reason: r.cancelled_reason,
            sequence: r.sequence,
            notes: r.notes,
            minutes_approved_at: r.minutes_approved_at,
            approved_by: r.approved_by,
            invited_at: r.invited_at,
            weekly_reporting: r.weekly_reporting,
        })
        .collect())
}

/// One meeting of the municipality, or `NotFound`.
pub async fn meeting(
    db: impl sqlx::PgExecutor<'_>,
    municipality_id: MunicipalityId,
    id: Uuid,
) -> AppResult<Meeting> {
    let filter = Filter {
        id: Some(id),
        municipality_id: Some(municipality_id.get()),
        ..Filter::default()
    };
    find(db, filter).await?.pop().ok_or(AppError::NotFound)
}

/// Meetings starting in `[from, to)`, limited to `groups` when given.
pub async fn meetings_between(
    db: &PgPool,
    municipality_id: MunicipalityId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    groups: Option<&[Uuid]>,
) -> AppResult<Vec<Meeting>> {
    let filter = Filter {
        municipality_id: Some(municipality_id.get()),
        groups,
        from: Some(from),
        to: Some(to),
        ..Filter::default()
    };
    find(db, filter).await
}

/// The calendar's data: whether the person schedules for any group, and
/// the meetings they may see starting in either of two periods.
#[derive(Clone)]
pub struct Calendar {
    pub convenes_any: bool,
    pub meetings: Vec<Meeting>,
}

/// One statement for `/moten`. The person's group seats today (directly or
/// as a substitute, as [`crate::web::seats::Access`] reads them) decide which
/// meetings show, unless `sees_all` (coordinator, kommunpolis).
pub async fn calendar(
    db: &PgPool,
    municipality_id: MunicipalityId,
    person_id: Uuid,
    day: NaiveDate,
    sees_all: bool,
    periods: [(DateTime<Utc>, DateTime<Utc>); 2],
) -> AppResult<Calendar> {
    let [(a_from, a_to), (b_from, b_to)] = periods;
    let r = sqlx::query!(
        r#"with seats as (
               select work_group_id as group_id, bool_or(direct and role = 'convener') as convener
               from seat
               where person_id = $2 and municipality_id = $1
                 and held_from <= $3 and (held_to is null or held_to >= $3)
               group by work_group_id
           ),
           shown as (
               select mt.id, mt.work_group_id as group_id, g.name as group_name, g.tier, mt.starts_at, mt.ends_at,
                      mt.form, mt.place, mt.meeting_link, mt.agenda, mt.status, mt.cancelled_reason,
                      mt.sequence, mt.notes, mt.minutes_approved_at, ap.name as approved_by,
                      g.weekly_reporting,
                      (select max(se.sent_at) from meeting_sending se
                       where se.meeting_id = mt.id and se.municipality_id = $1
                         and se.kind = 'invitation') as invited_at
               from meeting mt
               join work_group g on g.id = mt.work_group_id
               left join person ap on ap.id = mt.minutes_approved_by
               where mt.municipality_id = $1
                 and ($4 or mt.work_group_id in (select group_id from seats))
                 and ((mt.starts_at >= $5 and mt.starts_at < $6) or (mt.starts_at >= $7 and mt.starts_at < $8))
           )
           select coalesce((select bool_or(convener) from seats), false) as "convenes_any!",
                  (select coalesce(json_agg(s order by s.starts_at, s.group_name), '[]') from shown s)
                      as "meetings!: Json<Vec<Meeting>>""#,
        municipality_id.get(),
        person_id,
        day,
        sees_all,
        a_from,
        a_to,
        b_from,
        b_to
    )
    .fetch_one(db)
    .await?;
    Ok(Calendar {
        convenes_any: r.convenes_any,
        meetings: r.meetings.0,
    })
}

/// A new meeting's fields.
pub struct NewMeeting<'a> {
    pub group_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub form: MeetingMode,
    pub place: &'a str,
    pub meeting_link: &'a str,
    pub agenda: &'a str,
}

pub async fn insert_meeting(
    conn: &mut PgConnection,
    municipality_id: MunicipalityId,
    m: &NewMeeting<'_>,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"insert into meeting (id, municipality_id, work_group_id, starts_at, ends_at, form, place, meeting_link, agenda)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        id,
        municipality_id.get(),
        m.group_id,
        m.starts_at,
        m.ends_at,
        m.form.as_str(),
        m.place,
        m.meeting_link,
        m.agenda
    )
    .execute(conn)
    .await?;
    Ok(id)
}

/// Someone who gets the group's kallelse: a current holder of a member position.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub person_id: Uuid,
    pub name: String,
    pub email: String,
}

/// Current holders of the group's member positions (each person once).
pub async fn recipients(
    db: impl sqlx::PgExecutor<'_>,
    municipality_id: MunicipalityId,
    group_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Recipient>> {
    Ok(sqlx::query_as!(
        Recipient,
        r#"select distinct pe.id as person_id, pe.name, pe.email
           from membership ms
           join position_holder h on h.position_id = ms.position_id
           join person pe on pe.id = h.person_id
           where ms.work_group_id = $1 and ms.municipality_id = $2 and pe.active
             and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
           order by pe.name"#,
        group_id,
        municipality_id.get(),
        day
    )
    .fetch_all(db)
    .await?)
}

/// Another meeting that a person invited to this one also sits in.
#[derive(Debug)]
pub struct Clash {
    pub person: String,
    pub other: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Clash {
    pub fn describe(&self) -> String {
        format!(
            "{} har redan {} {} kl. {}–{}.",
            self.person,
            self.other,
            self.starts_at.with_timezone(&Stockholm).format("%Y-%m-%d"),
            self.starts_at.with_timezone(&Stockholm).format("%H:%M"),
            self.ends_at.with_timezone(&Stockholm).format("%H:%M"),
        )
    }
}

/// People of `group_id` who would be double-booked in `[from, to)`: they also
/// sit in another group (in any municipality) that meets then. Another
/// municipality's meeting is not named.
pub async fn clashes(
    db: &PgPool,
    municipality_id: MunicipalityId,
    group_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    except_meeting: Option<Uuid>,
) -> AppResult<Vec<Clash>> {
    let day = from.with_timezone(&Stockholm).date_naive();
    let rows = sqlx::query!(
        r#"with invited as (
               select distinct h.person_id from membership ms
               join position_holder h on h.position_id = ms.position_id
               where ms.work_group_id = $1 and h.held_from <= $4 and (h.held_to is null or h.held_to >= $4)
           )
           select distinct pe.name, g.name as group_name, mt.municipality_id, mt.starts_at, mt.ends_at
           from meeting mt
           join work_group g on g.id = mt.work_group_id
           join membership ms on ms.work_group_id = mt.work_group_id
           join position_holder h on h.position_id = ms.position_id
                and h.held_from <= $4 and (h.held_to is null or h.held_to >= $4)
           join invited i on i.person_id = h.person_id
           join person pe on pe.id = h.person_id
           where mt.status <> 'cancelled' and mt.work_group_id <> $1
             and mt.starts_at < $3 and mt.ends_at > $2
             and ($5::uuid is null or mt.id <> $5)
           order by mt.starts_at, pe.name"#,
        group_id,
        from,
        to,
        day,
        except_meeting
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Clash {
            person: r.name,
            other: if r.municipality_id == municipality_id.get() {
                format!("möte i {}", r.group_name)
            } else {
                "ett möte i en annan kommun".to_owned()
            },
            starts_at: r.starts_at,
            ends_at: r.ends_at,
        })
        .collect())
}

/// One sending of a kallelse or cancellation.
pub struct Sending {
    pub sent_at: DateTime<Utc>,
    pub kind: SendingKind,
    pub sequence: i32,
    pub recipients: Vec<String>,
    pub transport: String,
    pub sent_by: Option<String>,
}

impl Sending {
    /// How the mail went, in words: by e-mail, or only written to a folder
    /// on the server (no SMTP server is set up; earlier rows name the folder).
    pub fn transport_text(&self) -> &'static str {
        if self.transport.starts_with("eml") {
            "sparad som fil på servern, inte skickad med e-post"
        } else {
            "med e-post"
        }
    }

    pub fn sent_at_text(&self) -> String {
        crate::web::format_local(self.sent_at)
    }
}

pub async fn sendings(
    db: &PgPool,
    municipality_id: MunicipalityId,
    meeting_id: Uuid,
) -> AppResult<Vec<Sending>> {
    Ok(sqlx::query_as!(
        Sending,
        r#"select s.sent_at, s.kind as "kind: SendingKind", s.sequence, s.recipients, s.transport, p.name as "sent_by?"
           from meeting_sending s left join person p on p.id = s.sent_by
           where s.meeting_id = $1 and s.municipality_id = $2 order by s.sent_at"#,
        meeting_id,
        municipality_id.get()
    )
    .fetch_all(db)
    .await?)
}

/// A member position's attendance at a meeting.
impl AttendanceRow {
    /// The status's label, or "Ej angivet" when none is recorded.
    pub fn status_label(&self) -> &'static str {
        self.status.map_or("Ej angivet", AttendanceStatus::label)
    }

    pub fn is(&self, status: &AttendanceStatus) -> bool {
        self.status == Some(*status)
    }

    /// `2026-12-01`, the day the holder reported that they cannot come.
    pub fn excused_on(&self) -> Option<NaiveDate> {
        self.excused_at
            .map(|at| at.with_timezone(&Stockholm).date_naive())
    }

    pub fn is_convener(&self) -> bool {
        self.role == Role::Convener
    }
}

/// A seat the signed-in person holds in a meeting's group.
pub struct Seat {
    pub position_id: Uuid,
    pub title: String,
    pub excused_at: Option<DateTime<Utc>>,
}

impl Seat {
    /// When the förhinder was reported, as pages show times.
    pub fn excused_text(&self) -> Option<String> {
        self.excused_at.map(crate::web::format_local)
    }
}

/// The member positions of the meeting's group that the person holds on
/// `day`, with any förhinder they reported.
pub async fn seats(
    db: impl sqlx::PgExecutor<'_>,
    municipality_id: MunicipalityId,
    meeting: &Meeting,
    person_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Seat>> {
    Ok(sqlx::query_as!(
        Seat,
        r#"select p.id as position_id, p.title, a.excused_at as "excused_at?"
           from membership ms
           join position p on p.id = ms.position_id and p.municipality_id = $2
           join position_holder h on h.position_id = p.id and h.municipality_id = $2 and h.person_id = $3
                and h.held_from <= $4 and (h.held_to is null or h.held_to >= $4)
           left join meeting_attendance a on a.meeting_id = $5 and a.position_id = p.id
                and a.municipality_id = $2 and a.excused_at is not null
           where ms.work_group_id = $1 and ms.municipality_id = $2
           order by p.title"#,
        meeting.group_id,
        municipality_id.get(),
        person_id,
        day,
        meeting.id
    )
    .fetch_all(db)
    .await?)
}

#[derive(Clone)]
pub struct AttendanceRow {
    pub position_id: Uuid,
    pub title: String,
    pub holder: Option<String>,
    pub substitute: Option<String>,
    pub role: Role,
    pub status: Option<AttendanceStatus>,
    /// When the holder reported that they cannot come.
    pub excused_at: Option<DateTime<Utc>>,
}

pub async fn attendance(
    db: &PgPool,
    municipality_id: MunicipalityId,
    meeting: &Meeting,
) -> AppResult<Vec<AttendanceRow>> {
    let day = meeting.local_date();
    Ok(sqlx::query_as!(
        AttendanceRow,
        r#"select p.id as position_id, p.title, ph.name as "holder?",
                  case when s.id is null then null else s.title || coalesce(' (' || sh.name || ')', '') end as substitute,
                  ms.role as "role: Role", a.status as "status?: AttendanceStatus", a.excused_at as "excused_at?"
           from membership ms
           join position p on p.id = ms.position_id
           left join position s on s.id = p.substitute_position_id
           left join meeting_attendance a on a.meeting_id = $1 and a.position_id = p.id
           left join holders_on($4, $3) ph on ph.position_id = p.id
           left join holders_on($4, $3) sh on sh.position_id = s.id
           where ms.work_group_id = $2 and ms.municipality_id = $4
           order by array_position(array['convener','member','may_attend'], ms.role), p.title"#,
        meeting.id,
        meeting.group_id,
        day,
        municipality_id.get()
    )
    .fetch_all(db)
    .await?)
}

/// A decision taken at a meeting.
pub struct Decision {
    pub number: i64,
    pub text: String,
    pub group_id: Option<Uuid>,
    pub group_name: Option<String>,
    pub task_title: Option<String>,
    pub task_owner: Option<String>,
    pub task_due: Option<NaiveDate>,
}

pub async fn decisions(
    db: &PgPool,
    municipality_id: MunicipalityId,
    meeting_id: Uuid,
) -> AppResult<Vec<Decision>> {
    Ok(sqlx::query_as!(
        Decision,
        r#"select row_number() over (order by d.created_at, d.id) as "number!", d.text,
                  d.created_group_id as group_id, g.name as "group_name?",
                  t.title as "task_title?", op.title as "task_owner?", t.due_on as task_due
           from meeting_decision d
           left join work_group g on g.id = d.created_group_id
           left join task t on t.id = d.created_task_id
           left join position op on op.id = t.owner_position_id
           where d.meeting_id = $1 and d.municipality_id = $2
           order by d.created_at, d.id"#,
        meeting_id,
        municipality_id.get()
    )
    .fetch_all(db)
    .await?)
}

/// Meetings (from `since`) of every group a person sits in today, in any
/// municipality: the person's calendar feed.
pub async fn person_feed_meetings(
    db: &PgPool,
    person_id: Uuid,
    day: NaiveDate,
    since: DateTime<Utc>,
) -> AppResult<Vec<Meeting>> {
    let groups = sqlx::query_scalar!(
        r#"select distinct work_group_id as "work_group_id!" from seat
           where person_id = $1 and held_from <= $2 and (held_to is null or held_to >= $2)"#,
        person_id,
        day
    )
    .fetch_all(db)
    .await?;
    find(
        db,
        Filter {
            groups: Some(&groups),
            from: Some(since),
            ..Filter::default()
        },
    )
    .await
}

/// Loads a meeting the user may change, refusing approved minutes.
pub async fn schedulable_meeting(db: &PgPool, user: &CurrentUser, id: Uuid) -> AppResult<Meeting> {
    let meeting = meeting(db, user.tenant(), id).await?;
    let access = Access::load(db, user).await?;
    access.require_see(meeting.group_id)?;
    access.require_schedule(meeting.group_id)?;
    Ok(meeting)
}

/// Active groups the person schedules for; 403 for someone who schedules
/// for none.
pub async fn schedulable_groups(db: &PgPool, user: &CurrentUser) -> AppResult<Vec<Choice>> {
    let access = Access::load(db, user).await?;
    let day = today();
    let groups: Vec<Choice> = crate::structure::db::groups(db, user.tenant(), day)
        .await?
        .into_iter()
        .filter(|g| g.is_active(&day) && access.can_schedule(g.id))
        .map(|g| Choice {
            id: g.id,
            label: g.name,
        })
        .collect();
    if groups.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(groups)
}

/// The next § number of the meeting's minutes.
pub async fn next_decision_number(conn: &mut PgConnection, meeting: Uuid) -> AppResult<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) + 1 as "n!" from meeting_decision where meeting_id = $1"#,
        meeting
    )
    .fetch_one(conn)
    .await?)
}

/// A working group a decision appoints.
pub struct NewAppointedGroup<'a> {
    pub name: &'a str,
    pub task: &'a str,
    pub focus: &'a str,
    pub reference: &'a str,
}

/// Stores a temporary working group appointed at the meeting. The
/// beredningsgrupp appoints working groups: the meeting's own group when it
/// is one, else the municipality's. A taken name is the caller's to report.
pub async fn appoint_group(
    conn: &mut PgConnection,
    m: MunicipalityId,
    meeting: &Meeting,
    group: &NewAppointedGroup<'_>,
) -> Result<Uuid, sqlx::Error> {
    let appointer = if meeting.tier == Tier::Beredningsgrupp {
        Some(meeting.group_id)
    } else {
        sqlx::query_scalar!(
            r#"select id from work_group where municipality_id = $1 and tier = 'beredningsgrupp'
               order by (id = $2) desc, name limit 1"#,
            m.get(),
            meeting.group_id
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    let group_id = Uuid::now_v7();
    sqlx::query!(
        r#"insert into work_group (id, municipality_id, tier, name, task, appointed_by_group_id, decision_reference,
                                   focus_area, active_from)
           values ($1, $2, 'temporary', $3, $4, $5, $6, $7, $8)"#,
        group_id, m.get(), group.name, group.task, appointer, group.reference, group.focus, meeting.local_date()
    )
    .execute(&mut *conn)
    .await?;
    Ok(group_id)
}

/// Stores a task for a position of the municipality; `None` when the
/// position is not the municipality's.
pub async fn create_task(
    conn: &mut PgConnection,
    m: MunicipalityId,
    title: &str,
    owner: Uuid,
    due: NaiveDate,
) -> AppResult<Option<Uuid>> {
    let task_id = Uuid::now_v7();
    let inserted = sqlx::query!(
        r#"insert into task (id, municipality_id, title, owner_position_id, due_on)
           select $1, $2, $3, p.id, $5 from position p where p.id = $4 and p.municipality_id = $2"#,
        task_id,
        m.get(),
        title,
        owner,
        due
    )
    .execute(conn)
    .await?;
    Ok((inserted.rows_affected() > 0).then_some(task_id))
}

/// Records a decision in the meeting's minutes.
pub async fn insert_decision(
    conn: &mut PgConnection,
    m: MunicipalityId,
    meeting: Uuid,
    text: &str,
    created_group: Option<Uuid>,
    created_task: Option<Uuid>,
) -> AppResult<()> {
    sqlx::query!(
        r#"insert into meeting_decision (id, municipality_id, meeting_id, text, created_group_id, created_task_id)
           values ($1, $2, $3, $4, $5, $6)"#,
        Uuid::now_v7(), m.get(), meeting, text, created_group, created_task
    )
    .execute(conn)
    .await?;
    Ok(())
}
