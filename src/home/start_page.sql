with my_groups as (
               select g.id, g.name, g.tier, p.title as position, s.role,
                      case when s.direct then null else mp.title end as substitute_for,
                      array_position(array['styrgrupp','beredningsgrupp','permanent','temporary'], g.tier) as tier_order,
                      g.sort_order
               from seat s
               join position p on p.id = s.held_position_id
               join position mp on mp.id = s.position_id
               join work_group g on g.id = s.work_group_id
               where s.person_id = $2 and s.municipality_id = $1
                 and s.held_from <= $3 and (s.held_to is null or s.held_to >= $3)
                 and g.active_from <= $3 and (g.active_to is null or g.active_to >= $3)
           ),
           est_group as (
               select g.id from work_group g
               where g.municipality_id = $1 and g.weekly_reporting
                 and g.active_from <= $3 and (g.active_to is null or g.active_to >= $3)
               order by g.name limit 1
           ),
           -- This period until its EST meeting starts (or the period ends), then the next.
           open_week as (
               select case when coalesce(
                          (select min(mt.starts_at) from meeting mt
                           where mt.municipality_id = $1 and mt.work_group_id = (select id from est_group)
                             and mt.status <> 'cancelled'
                             and mt.starts_at >= ($7::timestamptz[])[k] and mt.starts_at < ($8::timestamptz[])[k]),
                          ($8::timestamptz[])[k]) <= $9
                      then ($6::date[])[k] else ($5::date[])[k] end as monday
               from (select report_interval_weeks::int as k from municipality where id = $1) mu
           ),
           -- The EST meeting that locks the open week's reports.
           est_lock as (
               select min(mt.starts_at) as at from meeting mt
               where mt.municipality_id = $1 and mt.work_group_id = (select id from est_group)
                 and mt.status <> 'cancelled'
                 and mt.starts_at >= (select monday from open_week)::timestamp at time zone 'Europe/Stockholm'
                 and mt.starts_at < ((select monday from open_week) + 14)::timestamp at time zone 'Europe/Stockholm'
           ),
           -- What is due in the municipality, for those who run or oversee the work.
           signals as (
               select 'measure' as kind, ms.id, ms.title as name, ms.due_on as due, null::text as detail
               from measure ms
               where ($12 or $13) and ms.municipality_id = $1 and ms.status <> 'done' and ms.due_on < $3
               union all
               select 'unsigned', a.id, v.title, greatest(v.valid_from, $3), w.names
               from agreement a
               join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
               cross join lateral agreement_waiting_for($1, a.id, $3) w(names)
               where ($12 or $13) and a.municipality_id = $1 and a.status = 'for_signing' and w.names is not null
               union all
               select 'expiring', a.id, v.title, v.valid_to, o.name
               from agreement a
               join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
               join organisation o on o.id = a.counterpart_id
               join municipality mu on mu.id = a.municipality_id
               where ($12 or $13) and a.municipality_id = $1 and a.status = 'for_signing'
                 and v.valid_from <= $3 and v.valid_to between $3 and $3 + mu.agreement_warning_days
                 and agreement_counterparty_signed($1, a.id)
                 and exists (select 1 from agreement_type_signatory s where s.agreement_type_id = a.type_id)
                 and not exists (select 1 from agreement_type_signatory s
                                 where s.agreement_type_id = a.type_id
                                   and not exists (select 1 from agreement_signature sg
                                                   where sg.agreement_id = a.id and sg.version = a.current_version
                                                     and sg.position_id = s.position_id and sg.voided_at is null))
               union all
               -- Signed by every signatory of the municipality, the counterpart's
               -- signature not yet registered (agreements::model::State::AwaitingCounterparty).
               select 'counterparty', a.id, v.title, $3, o.name
               from agreement a
               join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
               join organisation o on o.id = a.counterpart_id
               where ($12 or $13) and a.municipality_id = $1 and a.status = 'for_signing'
                 and (v.valid_to is null or v.valid_to >= $3)
                 and exists (select 1 from agreement_type_signatory s where s.agreement_type_id = a.type_id)
                 and agreement_waiting_for($1, a.id, $3) is null
                 and not agreement_counterparty_signed($1, a.id)
               union all
               select 'no_meeting', g.id, g.name, $3, null
               from work_group g
               where ($12 or $13) and g.municipality_id = $1 and g.tier <> 'temporary'
                 and g.active_from <= $3 and (g.active_to is null or g.active_to >= $3)
                 and not exists (select 1 from meeting mt
                                 where mt.municipality_id = $1 and mt.work_group_id = g.id
                                   and mt.status = 'planned' and mt.starts_at >= $9)
               union all
               select 'unreported', o.id, o.name,
                      coalesce(((select at from est_lock) at time zone 'Europe/Stockholm')::date,
                               (select monday from open_week) + 6),
                      to_char((select at from est_lock) at time zone 'Europe/Stockholm', 'YYYY-MM-DD "kl." HH24:MI')
               from organisation o
               where $12 and o.municipality_id = $1
                 and o.id in (select p.organisation_id from membership ms
                              join position p on p.id = ms.position_id
                              where ms.municipality_id = $1 and ms.work_group_id = (select id from est_group)
                                and ms.role <> 'convener')
                 and not exists (
                     select 1 from est_report r
                     where r.municipality_id = $1 and r.organisation_id = o.id
                       and r.week_start = (select monday from open_week)
                       and est_report_filed(r))
           ),
           reporter_for as (
               select distinct o.id, o.name from position_holder h
               join position p on p.id = h.position_id
               join organisation o on o.id = p.organisation_id
               join membership ms on ms.position_id = p.id and ms.work_group_id = (select id from est_group)
                    and ms.role <> 'convener'
               where h.person_id = $2 and h.municipality_id = $1
                 and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
           )
           select mu.guideline_review_due as review_due,
                  -- The first 30 minutes' checklist (home::getting_started), for
                  -- administrators of a municipality still getting started.
                  case when $4 and mu.getting_started then json_build_object(
                      'confirmed', (select coalesce(json_agg(s.step), '[]') from getting_started_step s
                                    where s.municipality_id = $1),
                      'people', (select count(*) from person_municipality pm where pm.municipality_id = $1),
                      'agreement_types', (select count(*) from agreement_type t where t.municipality_id = $1),
                      'unheld_signatories', (select count(*) from agreement_type_signatory s
                                             where s.municipality_id = $1
                                               and not exists (select 1 from holders_on($1, $3) hn
                                                               where hn.position_id = s.position_id)),
                      'agreements', (select count(*) from agreement a where a.municipality_id = $1),
                      'meetings', (select count(*) from meeting mt where mt.municipality_id = $1
                                     and mt.status = 'planned' and mt.starts_at >= $9),
                      'reports', (select count(*) from est_report r
                                  where r.municipality_id = $1
                                    and est_report_filed(r)))
                  end as "getting_started: Json<Facts>",
                  (select coalesce(json_agg(x order by x.due, x.name), '[]') from signals x)
                      as "signals!: Json<Vec<Signal>>",
                  case when $4 then (
                      select coalesce(json_agg(v order by v.title), '[]') from (
                          select distinct p.id, p.title
                          from position p
                          join membership ms on ms.position_id = p.id
                          join work_group g on g.id = ms.work_group_id
                          where p.municipality_id = $1
                            and (g.active_to is null or g.active_to >= $3)
                            and not exists (select 1 from holders_on($1, $3) hn where hn.position_id = p.id)) v) end
                      as "vacant: Json<Vec<Vacant>>",
                  (select coalesce(json_agg(json_build_object('id', a.id, 'title', v.title,
                                                    'others', agreement_waiting_for($1, a.id, $3, $2))
                          order by v.title), '[]')
                   from agreement a
                   join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
                   where a.municipality_id = $1 and a.status not in ('terminated', 'draft')
                     and (select count(*) from agreement_signature sg
                          where sg.agreement_id = a.id and sg.version = a.current_version and sg.voided_at is null
                            and sg.position_id in (select s.position_id from agreement_type_signatory s
                                                   where s.agreement_type_id = a.type_id))
                         < (select count(*) from agreement_type_signatory s where s.agreement_type_id = a.type_id)
                     and exists (
                         select 1 from agreement_type_signatory s
                         join position_holder h on h.position_id = s.position_id
                              and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
                         where s.agreement_type_id = a.type_id and s.municipality_id = $1 and h.person_id = $2
                           and not exists (select 1 from agreement_signature sg
                                           where sg.agreement_id = a.id and sg.version = a.current_version
                                             and sg.position_id = s.position_id and sg.voided_at is null)))
                      as "to_sign!: Json<Vec<ToSign>>",
                  (select monday from open_week) as "report_week!",
                  (select coalesce(json_agg(json_build_object('id', o.id, 'name', o.name, 'filed', exists (
                              select 1 from est_report r
                              where r.municipality_id = $1 and r.organisation_id = o.id
                                and r.week_start = (select monday from open_week)
                                and est_report_filed(r)))
                          order by o.name), '[]')
                   from reporter_for o)
                      as "reports!: Json<Vec<ReportDue>>",
                  (select coalesce(json_agg(x order by x.due_on), '[]') from (
                       select ms.id, ms.title, ms.due_on, ms.percent_done, ms.status from measure ms
                       join position_holder h on h.position_id = ms.responsible_position_id
                       where ms.municipality_id = $1 and h.person_id = $2 and ms.status <> 'done'
                         and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)) x)
                      as "measures!: Json<Vec<OpenMeasure>>",
                  -- Measures with targets whose effect period (26 weeks from the Monday of
                  -- the week the effect starts, planning::effect::period_end) has ended,
                  -- without a progress note since.
                  (select coalesce(json_agg(x order by x.ended_on), '[]') from (
                       select ms.id, ms.title, e.ended_on from measure ms
                       join position_holder h on h.position_id = ms.responsible_position_id
                       cross join lateral (select date_trunc('week', ms.effect_from)::date + 182 as ended_on) e
                       where ms.municipality_id = $1 and h.person_id = $2
                         and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
                         and e.ended_on <= $3
                         and (exists (select 1 from measure_area a where a.measure_id = ms.id and a.municipality_id = $1)
                              or exists (select 1 from measure_category c where c.measure_id = ms.id and c.municipality_id = $1))
                         and not exists (select 1 from measure_note n where n.measure_id = ms.id and n.municipality_id = $1
                                         and n.at >= e.ended_on::timestamp at time zone 'Europe/Stockholm')) x)
                      as "follow_ups!: Json<Vec<FollowUp>>",
                  (select coalesce(json_agg(g order by g.tier_order, g.sort_order, g.name), '[]') from my_groups g)
                      as "groups!: Json<Vec<GroupRow>>",
                  (select coalesce(json_agg(x order by x.starts_at, x.group_name), '[]') from (
                       select mt.id, mt.work_group_id as group_id, g.name as group_name, g.tier, mt.starts_at,
                              mt.ends_at, mt.form, mt.place, mt.meeting_link, mt.agenda, mt.status,
                              mt.cancelled_reason, mt.sequence, mt.notes, mt.minutes_approved_at,
                              ap.name as approved_by
                       from meeting mt
                       join work_group g on g.id = mt.work_group_id
                       left join person ap on ap.id = mt.minutes_approved_by
                       where mt.municipality_id = $1 and mt.work_group_id in (select id from my_groups)
                         and mt.starts_at >= $10 and mt.starts_at < $11
                       order by mt.starts_at, g.name
                       limit 5) x)
                      as "meetings!: Json<Vec<Meeting>>",
                  (select coalesce(json_agg(x order by x.title), '[]') from (
                       select p.title, o.name as organisation, h.held_from, h.held_to
                       from position_holder h
                       join position p on p.id = h.position_id
                       left join organisation o on o.id = p.organisation_id
                       where h.person_id = $2 and h.municipality_id = $1
                         and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)) x)
                      as "positions!: Json<Vec<PositionRow>>"
           from municipality mu
           where mu.id = $1