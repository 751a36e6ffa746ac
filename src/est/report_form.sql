with chosen as (select monday, deadline from est_open_week($1, $3, $4, $5, $6, $7))
           select chosen.monday as "monday!", chosen.deadline as "deadline!",
                  (select row_to_json(r) from (
                       select id, nothing_to_report, submitted_at, updated_at, late, unlocked_until from est_report
                       where municipality_id = $1 and organisation_id = $2 and week_start = chosen.monday) r)
                      as "report: Json<Report>",
                  (select coalesce(json_agg(x order by x.occurred_on, x.organisation, x.created_at), '[]') from (
                       select i.id, o.name as organisation,
                              coalesce(pc.name, c.name) as category, case when pc.id is null then null else c.name end as subcategory,
                              a.name as area, i.occurred_on, i.time_band, i.place, i.description, i.action_taken,
                              i.insecurity, i.reported_to_police, i.duplicate_of, p.name as written_by,
                              i.latitude, i.longitude, i.created_at
                       from est_incident i
                       join est_report r on r.id = i.report_id
                       join organisation o on o.id = r.organisation_id
                       join incident_category c on c.id = i.category_id
                       left join incident_category pc on pc.id = c.parent_id
                       join area a on a.id = i.area_id
                       left join person p on p.id = i.written_by
                       where r.municipality_id = $1 and r.week_start = chosen.monday and r.organisation_id = $2) x)
                      as "incidents!: Json<Vec<Incident>>",
                  (select coalesce(json_agg(x order by x.occurs_on, x.risk_rank), '[]') from (
                       select e.id, o.name as organisation, e.occurs_on, a.name as area, e.risk, e.title, e.place,
                              e.planned_measures, p.name as written_by,
                              array_position(array['high','medium','low'], e.risk) as risk_rank
                       from est_coming_event e
                       join est_report r on r.id = e.report_id
                       join organisation o on o.id = r.organisation_id
                       left join area a on a.id = e.area_id
                       left join person p on p.id = e.written_by
                       where r.municipality_id = $1 and r.week_start = chosen.monday and r.organisation_id = $2) x)
                      as "events!: Json<Vec<ComingEvent>>",
                  (select coalesce(json_agg(x order by x.week_start, x.created_at), '[]') from (
                       select n.id, o.name as organisation, r.week_start, n.title, n.with_whom, n.status, n.handled_by,
                              p.name as written_by, n.created_at,
                              (select cn.note from cooperation_note cn where cn.need_id = n.id order by cn.at desc limit 1) as last_note
                       from cooperation_need n
                       join est_report r on r.id = n.report_id
                       join organisation o on o.id = r.organisation_id
                       left join person p on p.id = n.written_by
                       where n.municipality_id = $1 and r.organisation_id = $2 and r.week_start = chosen.monday) x)
                      as "needs!: Json<Vec<Need>>",
                  (select coalesce(json_agg(x order by x.sort_order, x.name), '[]') from (
                       select id, parent_id, name, sort_order from incident_category
                       where municipality_id = $1 and active) x)
                      as "categories!: Json<Vec<CategoryRow>>",
                  (select coalesce(json_agg(x order by x.sort_order, x.label), '[]') from (
                       select id, name as label, sort_order from area where municipality_id = $1 and active) x)
                      as "areas!: Json<Vec<ChoiceRow>>"
           from chosen