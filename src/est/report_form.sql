with chosen as (select monday, deadline from est_open_week($1, $3, $4, $5, $6, $7))
           select chosen.monday as "monday!", chosen.deadline as "deadline!",
                  (select row_to_json(r) from (
                       select id, nothing_to_report, submitted_at, updated_at, late, unlocked_until from est_report
                       where municipality_id = $1 and organisation_id = $2 and week_start = chosen.monday) r)
                      as "report: Json<Report>",
                  (select coalesce(json_agg(x order by x.occurred_on, x.organisation, x.created_at), '[]') from (
                       select id, organisation, category, subcategory, area, occurred_on, time_band, place, description,
                              action_taken, insecurity, reported_to_police, duplicate_of, written_by_name as written_by,
                              latitude, longitude, created_at
                       from est_incident_named
                       where municipality_id = $1 and week_start = chosen.monday and organisation_id = $2) x)
                      as "incidents!: Json<Vec<Incident>>",
                  (select coalesce(json_agg(x order by x.occurs_on, x.risk_rank), '[]') from (
                       select id, organisation, occurs_on, area, risk, title, place, planned_measures,
                              written_by_name as written_by, risk_rank
                       from est_coming_event_named
                       where municipality_id = $1 and week_start = chosen.monday and organisation_id = $2) x)
                      as "events!: Json<Vec<ComingEvent>>",
                  (select coalesce(json_agg(x order by x.week_start, x.created_at), '[]') from (
                       select id, organisation, week_start, title, with_whom, status, handled_by,
                              written_by_name as written_by, created_at, last_note
                       from cooperation_need_named
                       where municipality_id = $1 and organisation_id = $2 and week_start = chosen.monday) x)
                      as "needs!: Json<Vec<Need>>",
                  (select coalesce(json_agg(x order by x.sort_order, x.name), '[]') from (
                       select id, parent_id, name, sort_order from incident_category
                       where municipality_id = $1 and active) x)
                      as "categories!: Json<Vec<CategoryRow>>",
                  (select coalesce(json_agg(x order by x.sort_order, x.label), '[]') from (
                       select id, name as label, sort_order from area where municipality_id = $1 and active) x)
                      as "areas!: Json<Vec<ChoiceRow>>",
                  -- Whether there is a map to click: an outline or an area's boundary
                  -- (what `map_shapes` would draw).
                  (exists (select 1 from municipality where id = $1 and outline is not null)
                   or exists (select 1 from area where municipality_id = $1 and active and boundary is not null))
                      as "has_map!"
           from chosen