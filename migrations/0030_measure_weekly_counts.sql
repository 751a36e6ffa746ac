-- A measure's incidents per week from `from_day` (a Monday) until `to_day`
-- (exclusive): those in its areas and categories (a chosen top category
-- with its subcategories; no areas chosen means every area, and the same
-- for categories) and the rest of the municipality, marked duplicates left
-- out. Quiet weeks are rows of zeros. Used by a measure's page and by the
-- dashboard's table of measures (src/planning/effect.rs picks the weeks).
create function measure_weekly_counts(m uuid, measure uuid, from_day date, to_day date)
returns table (week date, targeted bigint, rest bigint)
language sql stable as $$
    with areas as (select area_id from measure_area where municipality_id = m and measure_id = measure),
         categories as (select category_id from measure_category where municipality_id = m and measure_id = measure),
         counted as (
             select date_trunc('week', i.occurred_on)::date as week,
                    (not exists (select 1 from areas) or i.area_id in (select area_id from areas))
                    and (not exists (select 1 from categories)
                         or c.id in (select category_id from categories)
                         or coalesce(c.parent_id, c.id) in (select category_id from categories)) as targeted
             from est_incident i join incident_category c on c.id = i.category_id
             where i.municipality_id = m and i.duplicate_of is null
               and i.occurred_on >= from_day and i.occurred_on < to_day)
    select w.week::date,
           count(counted.week) filter (where counted.targeted),
           count(counted.week) filter (where not counted.targeted)
    from generate_series(from_day, to_day - 7, interval '7 days') w(week)
    left join counted on counted.week = w.week::date
    group by w.week order by w.week
$$;
