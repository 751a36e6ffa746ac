select
             (select coalesce(json_agg(x order by x.occurred_on, x.organisation, x.created_at), '[]') from (
                  select id, organisation, category, subcategory, area, occurred_on, time_band, place, description,
                         action_taken, insecurity, reported_to_police, duplicate_of, written_by_name as written_by,
                         latitude, longitude, created_at
                  from est_incident_named
                  where municipality_id = $1 and week_start = $2) x)
                 as "incidents!: Json<Vec<Incident>>",
             (select coalesce(json_agg(x order by x.occurred_on, x.reference), '[]') from (
                  select t.reference, coalesce(pc.name, c.name) as category,
                         case when pc.id is null then null else c.name end as subcategory,
                         a.name as area, t.occurred_on, t.time_band, t.place, t.description
                  from public_tip t
                  join incident_category c on c.id = t.category_id
                  left join incident_category pc on pc.id = c.parent_id
                  join area a on a.id = t.area_id
                  where t.municipality_id = $1 and t.week_start = $2 and t.status = 'accepted') x)
                 as "public_tips!: Json<Vec<PublicTip>>",
             (select coalesce(json_agg(x), '[]') from (
                  select coalesce(pc.name, c.name) as category, r.week_start, count(*) as n
                  from est_incident i join est_report r on r.id = i.report_id
                  join incident_category c on c.id = i.category_id
                  left join incident_category pc on pc.id = c.parent_id
                  where r.municipality_id = $1 and r.week_start >= $5 and r.week_start <= $2 and i.duplicate_of is null
                  group by 1, 2) x)
                 as "trend!: Json<Vec<TrendCount>>",
             (select coalesce(json_agg(x order by x.occurs_on, x.risk_rank), '[]') from (
                  select id, organisation, occurs_on, area, risk, title, place, planned_measures,
                         written_by_name as written_by, risk_rank
                  from est_coming_event_named
                  where municipality_id = $1 and week_start = $2) x)
                 as "events!: Json<Vec<ComingEvent>>",
             (select coalesce(json_agg(x order by x.week_start, x.created_at), '[]') from (
                  select id, organisation, organisation_id, taken_by_id, taken_by, week_start, title, with_whom,
                         status, handled_by, written_by_name as written_by, created_at, last_note
                  from cooperation_need_named
                  where municipality_id = $1 and week_start <= $2 and (status <> 'closed' or closed_at >= $6)) x)
                 as "needs!: Json<Vec<Need>>",
             (select coalesce(json_agg(rep order by rep.name), '[]') from (
                  select o.id, o.name,
                         coalesce(r.nothing_to_report or x.entries > 0, false) as reported,
                         coalesce(r.nothing_to_report, false) as nothing_to_report,
                         coalesce(r.late, false) as late,
                         coalesce(x.entries, 0) as entries
                  from (select distinct p.organisation_id from membership ms join position p on p.id = ms.position_id
                        where ms.work_group_id = $3 and ms.role <> 'convener' and p.organisation_id is not null) mo
                  join organisation o on o.id = mo.organisation_id
                  left join est_report r on r.organisation_id = o.id and r.week_start = $2
                  left join lateral (
                      select (select count(*) from est_incident where report_id = r.id)
                           + (select count(*) from est_coming_event where report_id = r.id)
                           + (select count(*) from cooperation_need where report_id = r.id) as entries
                  ) x on true
                  where o.municipality_id = $1) rep)
                 as "reporters!: Json<Vec<Reporter>>",
             (select coalesce(json_agg(x order by x.kind_rank, x.created_at), '[]') from (
                  select pr.id, pr.kind, pr.text, p.title as owner, pr.outcome, pr.created_at,
                         array_position(array['focus_area','hot_spot','action'], pr.kind) as kind_rank
                  from est_priority pr left join position p on p.id = pr.owner_position_id
                  where pr.municipality_id = $1 and pr.week_start = $2) x)
                 as "priorities!: Json<Vec<Priority>>",
             (select coalesce(json_agg(x order by x.kind_rank, x.created_at), '[]') from (
                  select pr.id, pr.kind, pr.text, p.title as owner, pr.outcome, pr.created_at,
                         array_position(array['focus_area','hot_spot','action'], pr.kind) as kind_rank
                  from est_priority pr left join position p on p.id = pr.owner_position_id
                  where pr.municipality_id = $1 and pr.week_start = $4) x)
                 as "last_priorities!: Json<Vec<Priority>>",
             (select coalesce(json_agg(x order by x.label), '[]') from (
                  select id, title as label from position where municipality_id = $1) x)
                 as "positions!: Json<Vec<ChoiceRow>>",
             map_shapes($1) as "shapes!: Json<crate::map::ShapesRow>",
             (select coalesce(json_agg(x order by x.label), '[]') from (
                  select id, name as label from incident_category where municipality_id = $1 and parent_id is null) x)
                 as "categories!: Json<Vec<ChoiceRow>>",
             (select mt.id from meeting mt
              where mt.municipality_id = $1 and mt.work_group_id = $3 and mt.status <> 'cancelled'
                and mt.starts_at >= $6 and mt.starts_at < $7
              order by mt.starts_at limit 1) as meeting_id,
             (select mt.starts_at from meeting mt
              where mt.municipality_id = $1 and mt.work_group_id = $3 and mt.status <> 'cancelled'
                and mt.starts_at >= $6 and mt.starts_at < $7
              order by mt.starts_at limit 1) as meeting_at,
             (select coalesce(json_agg(x order by x.occurred_at, x.police_id), '[]') from (
                  select pe.police_id, pe.occurred_at, pe.kind, pe.name, pe.summary, pe.url
                  from police_event pe
                  where pe.municipality_id = $1 and pe.occurred_at >= $8 and pe.occurred_at < $6) x)
                 as "police!: Json<Vec<crate::sources::police::EventRow>>"