select mu.guideline_review_due as review_due, mu.agreement_warning_days, mu.code,
                  (select coalesce(json_agg(json_build_object('area_id', v.area_id, 'kpi', v.kpi, 'year', v.year,
                                                              'value', v.value) order by v.year), '[]')
                   from kolada_value v
                   -- The first of kolada::KPIS; the municipality, its county, the country.
                   where v.kpi = 'N07540' and v.area_id in (mu.code, '00' || left(mu.code, 2), '0000'))
                      as "kolada!: Json<Vec<crate::sources::kolada::Stored>>",
                  (select count(*) from cooperation_need n where n.municipality_id = $1 and n.status <> 'closed')
                      as "open_needs!",
                  (select coalesce(json_agg(r order by r.occurs_on), '[]') from (
                       select e.occurs_on, a.name as area, e.title
                       from est_coming_event e left join area a on a.id = e.area_id
                       where e.municipality_id = $1 and e.risk = 'high' and e.occurs_on between $2 and $2::date + 30
                         and ($7::uuid is null or e.area_id = $7)
                       order by e.occurs_on limit 20) r)
                      as "risks!: Json<Vec<RiskRow>>",
                  (select coalesce(json_agg(json_build_object('id', a.id, 'label', a.name) order by a.sort_order, a.name), '[]')
                   from area a where a.municipality_id = $1 and a.active)
                      as "areas!: Json<Vec<AreaRow>>",
                  (select coalesce(json_agg(json_build_object(
                              'id', g.id, 'name', g.name, 'tier', g.tier, 'cadence', to_jsonb(c),
                              'active_from', g.active_from, 'active_to', g.active_to, 'held', k.held,
                              'planned', k.planned, 'unrecorded', k.unrecorded, 'cancelled', k.cancelled,
                              'next_planned', k.next_planned)
                          order by array_position(array['styrgrupp','beredningsgrupp','permanent','temporary'], g.tier),
                                   g.sort_order, g.name), '[]')
                   from work_group g
                   left join group_cadence c on c.work_group_id = g.id and c.municipality_id = $1
                   cross join lateral (
                       select count(*) filter (where mt.status = 'held' and mt.starts_at >= $3 and mt.starts_at < $4) as held,
                              count(*) filter (where mt.status = 'planned' and mt.starts_at >= $5 and mt.starts_at < $4) as planned,
                              count(*) filter (where mt.status = 'planned' and mt.starts_at < $5 and mt.starts_at >= $3) as unrecorded,
                              count(*) filter (where mt.status = 'cancelled' and mt.starts_at >= $3 and mt.starts_at < $4) as cancelled,
                              (min(mt.starts_at) filter (where mt.status = 'planned' and mt.starts_at >= $5))::date as next_planned
                       from meeting mt
                       where mt.work_group_id = g.id and mt.municipality_id = $1
                         and mt.starts_at >= $3) k
                   where g.municipality_id = $1
                     and g.active_from <= $2 and (g.active_to is null or g.active_to >= $2)
                     and ($6 or g.id = (
                         select w.id from work_group w
                         where w.municipality_id = $1 and w.weekly_reporting
                           and w.active_from <= $2 and (w.active_to is null or w.active_to >= $2)
                         order by w.name limit 1)))
                      as "groups!: Json<Vec<GroupRow>>",
                  case when $6 then (
                      select coalesce(json_agg(json_build_object(
                                 'status', a.status, 'valid_from', v.valid_from, 'valid_to', v.valid_to,
                                 'counterparty', agreement_counterparty_signed($1, a.id),
                                 'required', (select count(*) from agreement_type_signatory s where s.agreement_type_id = a.type_id),
                                 'signed', (select count(*) from agreement_signature sg
                                            where sg.agreement_id = a.id and sg.version = a.current_version and sg.voided_at is null
                                              and sg.position_id in (select s.position_id from agreement_type_signatory s
                                                                     where s.agreement_type_id = a.type_id)))), '[]')
                      from agreement a
                      join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
                      where a.municipality_id = $1) end
                      as "agreements: Json<Vec<AgreementRow>>",
                  -- The pairs agreements::compliance::gaps lists, counted.
                  case when $6 then (select count(*) from agreement_gaps($1, $2)) end
                      as gaps,
                  -- Goals with an indicator or a target, and their latest follow-up.
                  case when $6 then (
                      select coalesce(json_agg(json_build_object(
                                 'id', gl.id, 'level', gl.level, 'title', gl.title, 'indicator', gl.indicator,
                                 'target', gl.target, 'target_date', gl.target_date,
                                 'value', f.value, 'measured_on', f.on_date)
                             order by gl.level = 'subgoal', gl.target_date nulls last, gl.title), '[]')
                      from goal gl
                      left join lateral (
                          select fu.value, fu.on_date from goal_followup fu
                          where fu.goal_id = gl.id and fu.municipality_id = $1
                          order by fu.on_date desc, fu.created_at desc limit 1) f on true
                      where gl.municipality_id = $1 and gl.level <> 'vision'
                        and (gl.indicator <> '' or gl.target <> '')) end
                      as "goals: Json<Vec<GoalLine>>",
                  -- Ongoing and finished measures with their weeks (planning::effect), full view only.
                  (select min(i.occurred_on) from est_incident i where i.municipality_id = $1) as data_from,
                  case when $6 then (
                      select coalesce(json_agg(json_build_object(
                                 'id', x.id, 'title', x.title, 'status', x.status, 'due_on', x.due_on,
                                 'percent_done', x.percent_done, 'effect_from', x.effect_from, 'targeted', t.targeted,
                                 'followed_up', exists (
                                     select 1 from measure_note n where n.measure_id = x.id and n.municipality_id = $1
                                       and n.at >= (date_trunc('week', x.effect_from)::date + 182)::timestamp
                                                   at time zone 'Europe/Stockholm'),
                                 'weeks', case when t.targeted and x.effect_from is not null then (
                                     select json_agg(w) from measure_weekly_counts($1, x.id,
                                         date_trunc('week', x.effect_from)::date - 182,
                                         date_trunc('week', x.effect_from)::date + 182) w) end)
                             order by x.status = 'done', x.due_on, x.title), '[]')
                      from measure x
                      cross join lateral (
                          select exists (select 1 from measure_area a where a.measure_id = x.id and a.municipality_id = $1)
                              or exists (select 1 from measure_category c where c.measure_id = x.id and c.municipality_id = $1)
                              as targeted) t
                      where x.municipality_id = $1 and x.status in ('ongoing', 'done')) end
                      as "measure_effects: Json<Vec<crate::planning::effect::MeasureRow>>",
                  ms.planned as "planned!", ms.ongoing as "ongoing!", ms.done as "done!", ms.delayed as "delayed!"
           from municipality mu
           cross join lateral (
               select count(*) filter (where status = 'planned' and due_on >= $2) as planned,
                      count(*) filter (where status = 'ongoing' and due_on >= $2) as ongoing,
                      count(*) filter (where status = 'done') as done,
                      count(*) filter (where status <> 'done' and due_on < $2) as delayed
               from measure where municipality_id = mu.id) ms
           where mu.id = $1