//! Demo planning for Lindesberg: a vision with a goal and a sub-goal decided
//! by the Styrgrupp, a priority proposal that led to a cause analysis and an
//! action plan decided by LindeBRÅ, three measures (done, ongoing, delayed;
//! the first two with what they target, shown on the public page), a
//! medborgarlöfte they carry out, and a safety survey. Only when there are
//! no goals.

use crate::tenant::MunicipalityId;
use chrono::{Days, NaiveDate};
use sqlx::PgConnection;
use uuid::Uuid;

/// Lindesberg's demo planning in a municipality built like Lindesberg,
/// whose names `rename` turns Lindesberg's into. Only when it has no goals.
#[allow(clippy::too_many_lines)] // demo data: one story of inserts, read top to bottom
pub async fn load(
    conn: &mut PgConnection,
    m: MunicipalityId,
    today: NaiveDate,
    rename: crate::agreements::demo::Rename<'_>,
) -> sqlx::Result<()> {
    let any = sqlx::query_scalar!(
        r#"select exists(select 1 from goal where municipality_id = $1) as "e!""#,
        m.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    if any {
        return Ok(());
    }
    let last_held = |tier: &'static str| {
        sqlx::query_scalar!(
            r#"select mt.id from meeting mt join work_group g on g.id = mt.work_group_id
               where mt.municipality_id = $1 and g.tier = $2 and mt.status = 'held' order by mt.starts_at desc limit 1"#,
            m.get(),
            tier
        )
    };
    let styrgrupp = last_held("styrgrupp").fetch_optional(&mut *conn).await?;
    let council = last_held("beredningsgrupp")
        .fetch_optional(&mut *conn)
        .await?;
    let position = |title: &'static str| {
        sqlx::query_scalar!(
            "select id from position where municipality_id = $1 and title = $2",
            m.get(),
            title
        )
    };
    let police = position("Kommunpolis").fetch_one(&mut *conn).await?;
    let planner = position("Förvaltningschef samhällsbyggnadsförvaltningen")
        .fetch_one(&mut *conn)
        .await?;
    let (vision, goal, subgoal) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (id, parent, level, title, indicator, target, date) in [
        (
            vision,
            None,
            "vision",
            "Lindesberg är en trygg kommun att leva, bo och verka i",
            "",
            "",
            None,
        ),
        (
            goal,
            Some(vision),
            "goal",
            "Fler känner sig trygga i centrala Lindesberg kvällstid",
            "Andel trygga i trygghetsmätningen",
            "75 %",
            Some(today + Days::new(400)),
        ),
        (
            subgoal,
            Some(goal),
            "subgoal",
            "Färre otrygga platser vid resecentrum",
            "Rapporterade otrygga platser per kvartal (EST)",
            "Högst 3",
            Some(today + Days::new(200)),
        ),
    ] {
        sqlx::query!(
            r#"insert into goal (id, municipality_id, parent_id, level, title, indicator, target, target_date, meeting_id)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
            id, m.get(), parent, level, rename(title), indicator, target, date, styrgrupp
        )
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query!(
        "insert into goal_followup (id, municipality_id, goal_id, on_date, value, note) values ($1, $2, $3, $4, '68 %', 'Trygghetsmätningen')",
        Uuid::now_v7(), m.get(), goal, today - Days::new(60)
    )
    .execute(&mut *conn)
    .await?;
    let (proposal, analysis, plan) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (id, parent, kind, title, body) in [
        (
            proposal,
            None,
            "priority_proposal",
            "Prioritera resecentrum kvällstid",
            "EST har rapporterat otrygghet vid resecentrum nästan varje vecka.",
        ),
        (
            analysis,
            Some(proposal),
            "cause_analysis",
            "Orsaksanalys: otrygghet vid resecentrum",
            "Grupper samlas i väntsalen kvällstid; belysningen är bristfällig.",
        ),
        (
            plan,
            Some(analysis),
            "action_plan",
            "Åtgärdsplan för resecentrum",
            "Belysning, ronderingar och samverkan med Länstrafiken.",
        ),
    ] {
        sqlx::query!(
            r#"insert into plan_item (id, municipality_id, kind, parent_id, title, body, causes_place, status, meeting_id, decision_note)
               values ($1, $2, $3, $4, $5, $6, $7, 'decided', $8, 'Beslutades enligt förslaget.')"#,
            id, m.get(), kind, parent, rename(title), rename(body),
            if kind == "cause_analysis" { "Mörka gångstråk och skymd sikt vid väntsalen." } else { "" },
            council
        )
        .execute(&mut *conn)
        .await?;
    }
    let mut measures = Vec::new();
    for (title, responsible, starts, due, percent, status) in [
        (
            "Byta belysning längs gångstråket till resecentrum",
            planner,
            today - Days::new(120),
            today - Days::new(20),
            100,
            "done",
        ),
        (
            "Gemensamma kvällsronder polis och Securitas",
            police,
            today - Days::new(60),
            today + Days::new(90),
            40,
            "ongoing",
        ),
        (
            "Röja buskage som skymmer sikten vid väntsalen",
            planner,
            today - Days::new(90),
            today - Days::new(10),
            50,
            "ongoing",
        ),
    ] {
        let id = Uuid::now_v7();
        sqlx::query!(
            r#"insert into measure (id, municipality_id, plan_id, goal_id, title, responsible_position_id, starts_on, due_on, percent_done, status)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
            id, m.get(), plan, subgoal, title, responsible, starts, due, percent, status
        )
        .execute(&mut *conn)
        .await?;
        measures.push(id);
    }
    if let [lighting, rounds, ..] = measures[..] {
        targets(conn, m, today, lighting, rounds).await?;
        promise(conn, m, today, &[lighting, rounds]).await?;
    }
    sqlx::query!(
        r#"insert into kartlaggning_source (id, municipality_id, kind, title, source, on_date, summary)
           values ($1, $2, 'trygghetsundersokning', 'Trygghetsmätning 2026', 'Polisen och kommunen', $3,
                   '68 % känner sig trygga i centrum kvällstid, lägst vid resecentrum.')"#,
        Uuid::now_v7(), m.get(), today - Days::new(60)
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What the lighting and the evening rounds target: the main town (the
/// first area) and the categories they are meant to reduce, with their
/// effect starting when the work did; both shown on the public page.
async fn targets(
    conn: &mut PgConnection,
    m: MunicipalityId,
    today: NaiveDate,
    lighting: Uuid,
    rounds: Uuid,
) -> sqlx::Result<()> {
    for (measure, effect_from, categories) in [
        (lighting, today - Days::new(100), &["Otrygg plats"][..]),
        (
            rounds,
            today - Days::new(56),
            &["Otrygghetsskapande samling av personer", "Ordningsstörning"][..],
        ),
    ] {
        sqlx::query!(
            "update measure set effect_from = $3, public = true where id = $1 and municipality_id = $2",
            measure,
            m.get(),
            effect_from
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            r#"insert into measure_area (municipality_id, measure_id, area_id)
               select $1, $2, id from area where municipality_id = $1 order by sort_order, name limit 1"#,
            m.get(),
            measure
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            r#"insert into measure_category (municipality_id, measure_id, category_id)
               select $1, $2, id from incident_category
               where municipality_id = $1 and parent_id is null and name = any($3)"#,
            m.get(),
            measure,
            categories as &[&str]
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A medborgarlöfte in force, signed by the chief of the local police area
/// and the chair of kommunstyrelsen, carried out by `measures`; none where
/// the structure lacks either position.
async fn promise(
    conn: &mut PgConnection,
    m: MunicipalityId,
    today: NaiveDate,
    measures: &[Uuid],
) -> sqlx::Result<()> {
    let id = Uuid::now_v7();
    let made = sqlx::query!(
        r#"insert into citizen_promise (id, municipality_id, title, body, valid_from, valid_to,
                                        police_position_id, municipal_position_id)
           select $1, $2, 'Tryggare kvällar vid resecentrum',
                  'Polisen och kommunen lovar att under året göra gångstråket till resecentrum ljusare och att polis och ordningsvakter rör sig i området kvällstid. Vi redovisar hur det går här.',
                  $3, $4, pp.id, kp.id
           from position pp, position kp
           where pp.municipality_id = $2 and pp.title like 'Chef för lokalpolisområde%'
             and kp.municipality_id = $2 and kp.title = 'Kommunstyrelsens ordförande'
           limit 1"#,
        id,
        m.get(),
        today - Days::new(90),
        today + Days::new(275)
    )
    .execute(&mut *conn)
    .await?;
    if made.rows_affected() == 1 {
        sqlx::query!(
            r#"insert into citizen_promise_measure (municipality_id, promise_id, measure_id)
               select $1, $2, unnest($3::uuid[])"#,
            m.get(),
            id,
            measures
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
