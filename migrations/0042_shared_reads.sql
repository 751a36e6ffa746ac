-- Rules that several statements read, written once (issue 10: one way
-- through the code). Each was copied into two to four statements before.

-- An EST incident with the names it is shown with: the reporting
-- organisation and week, its top category and subcategory, its area and who
-- wrote it. The weekly lägesbild, the report form, the incident list, the
-- map's points and the dashboard's counts read incidents through it. A view
-- is inlined by the planner, so each statement still filters on its own
-- indexes; the left join to person is dropped where `written_by_name` is
-- not read.
create view est_incident_named as
select i.id, i.municipality_id, i.report_id, r.organisation_id, r.week_start,
       o.name as organisation,
       i.category_id, coalesce(c.parent_id, c.id) as top_category_id,
       coalesce(pc.name, c.name) as category,
       case when pc.id is null then null else c.name end as subcategory,
       i.area_id, a.name as area,
       i.occurred_on, i.time_band, i.place, i.description, i.action_taken,
       i.insecurity, i.reported_to_police, i.duplicate_of,
       i.written_by, p.name as written_by_name,
       i.latitude, i.longitude, i.created_at
from est_incident i
join est_report r on r.id = i.report_id
join organisation o on o.id = r.organisation_id
join incident_category c on c.id = i.category_id
left join incident_category pc on pc.id = c.parent_id
join area a on a.id = i.area_id
left join person p on p.id = i.written_by;

-- A coming event and a cooperation need with the names they are shown
-- with, for the weekly lägesbild and the report form.
create view est_coming_event_named as
select e.id, e.municipality_id, e.report_id, r.organisation_id, r.week_start,
       o.name as organisation, e.occurs_on, e.area_id, a.name as area, e.risk,
       array_position(array['high','medium','low'], e.risk) as risk_rank,
       e.title, e.place, e.planned_measures, e.written_by, p.name as written_by_name, e.created_at
from est_coming_event e
join est_report r on r.id = e.report_id
join organisation o on o.id = r.organisation_id
left join area a on a.id = e.area_id
left join person p on p.id = e.written_by;

create view cooperation_need_named as
select n.id, n.municipality_id, n.report_id, r.organisation_id, r.week_start,
       o.name as organisation, n.taken_by_organisation_id as taken_by_id, tb.name as taken_by,
       n.title, n.with_whom, n.status, n.handled_by, n.closed_at,
       n.written_by, p.name as written_by_name, n.created_at,
       (select cn.note from cooperation_note cn where cn.need_id = n.id order by cn.at desc limit 1) as last_note
from cooperation_need n
join est_report r on r.id = n.report_id
join organisation o on o.id = r.organisation_id
left join organisation tb on tb.id = n.taken_by_organisation_id
left join person p on p.id = n.written_by;

-- A report counts as filed when it says "nothing to report" or holds at
-- least one incident, coming event or cooperation need. The start page
-- asks it three times (the reminder, the EST overview, getting started).
create function est_report_filed(r est_report)
returns boolean
language sql stable as $$
    select r.nothing_to_report
        or exists (select 1 from est_incident i where i.report_id = r.id)
        or exists (select 1 from est_coming_event e where e.report_id = r.id)
        or exists (select 1 from cooperation_need n
                   where n.report_id = r.id and n.municipality_id = r.municipality_id)
$$;

-- The incidents the list, its CSV and the map show for a filter: of a
-- period, optionally of one area, top category (its subcategories
-- included) and reporting organisation, without those marked as
-- duplicates. A plain SQL function the planner inlines.
create function est_incidents_in(p_municipality_id uuid, p_from date, p_to date,
                                 p_area uuid, p_category uuid, p_organisation uuid)
returns setof est_incident_named
language sql stable as $$
    select * from est_incident_named
    where municipality_id = p_municipality_id and occurred_on between p_from and p_to
      and duplicate_of is null
      and (p_area is null or area_id = p_area)
      and (p_category is null or top_category_id = p_category)
      and (p_organisation is null or organisation_id = p_organisation)
$$;

-- Who still has to sign an agreement's current version: the signatory
-- positions without a valid signature, each title with its first letter in
-- lower case (it stands inside a sentence) and today's holder in brackets.
-- `p_except_person` leaves out the positions that person holds (the start
-- page names the others a signatory is waiting for). The agreements list and
-- the start page read it.
create function agreement_waiting_for(p_municipality_id uuid, p_agreement_id uuid, p_day date,
                                      p_except_person uuid default null)
returns text
language sql stable as $$
    select string_agg(case when p.title ~ '^[[:upper:]][[:lower:]]'
                           then lower(left(p.title, 1)) || substr(p.title, 2) else p.title end
                      || coalesce(' (' || hn.name || ')', ''), ', ' order by p.title)
    from agreement a
    join agreement_type_signatory s on s.agreement_type_id = a.type_id and s.municipality_id = a.municipality_id
    join position p on p.id = s.position_id
    left join holders_on(p_municipality_id, p_day) hn on hn.position_id = p.id
    where a.id = p_agreement_id and a.municipality_id = p_municipality_id
      and not exists (select 1 from agreement_signature sg
                      where sg.agreement_id = a.id and sg.version = a.current_version
                        and sg.position_id = s.position_id and sg.voided_at is null)
      and not exists (select 1 from position_holder h
                      where h.position_id = s.position_id and h.person_id = p_except_person
                        and h.held_from <= p_day and (h.held_to is null or h.held_to >= p_day))
$$;

-- The compliance gaps of a day: every (external organisation, active group)
-- with a member position of that organisation and no fully signed,
-- currently valid agreement that names the group. The agreements'
-- compliance page lists them; the dashboard counts them.
create function agreement_gaps(p_municipality_id uuid, p_day date)
returns table (organisation_id uuid, organisation text, group_id uuid, group_name text)
language sql stable as $$
    select distinct o.id, o.name, g.id, g.name
    from membership ms
    join position p on p.id = ms.position_id
    join organisation o on o.id = p.organisation_id and o.municipality_id = p_municipality_id and o.external
    join work_group g on g.id = ms.work_group_id
                     and g.active_from <= p_day and (g.active_to is null or g.active_to >= p_day)
    where ms.municipality_id = p_municipality_id
      and not exists (
          select 1 from agreement a
          join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
          join agreement_group ag on ag.agreement_id = a.id and ag.work_group_id = g.id
          where a.municipality_id = p_municipality_id and a.counterpart_id = o.id and a.status = 'for_signing'
            and v.valid_from <= p_day and (v.valid_to is null or v.valid_to >= p_day)
            and not exists (
                select 1 from agreement_type_signatory s
                where s.agreement_type_id = a.type_id
                  and not exists (select 1 from agreement_signature sg
                                  where sg.agreement_id = a.id and sg.version = a.current_version
                                    and sg.position_id = s.position_id and sg.voided_at is null)))
$$;
