with i as (
               select i.occurred_on, i.category_id, i.area_id, i.latitude, i.longitude
               from est_incident i
               where i.municipality_id = $1 and i.occurred_on between $2 and $3
                 and ($4::uuid is null or i.area_id = $4) and i.duplicate_of is null
           ),
           per_week as (
               select date_trunc($5::text, occurred_on)::date as week, count(*) as n from i group by 1
           ),
           per_category as (
               select coalesce(pc.id, c.id) as id, coalesce(pc.name, c.name) as name, count(*) as n
               from i
               join incident_category c on c.id = i.category_id
               left join incident_category pc on pc.id = c.parent_id
               group by 1, 2
           ),
           per_area as (
               select a.id, a.name, count(*) as n from i join area a on a.id = i.area_id group by 1, 2
           ),
           -- The map's incidents: of its category, when one is chosen.
           on_map as (
               select i.* from i join incident_category c on c.id = i.category_id
               where $6::uuid is null or coalesce(c.parent_id, c.id) = $6
           )
           select (select count(*) from i) as "total!",
                  (select coalesce(json_agg(json_build_array(i.longitude, i.latitude)), '[]') from on_map i
                   where i.latitude is not null and i.longitude is not null) as "placed!: Json<Vec<(f64, f64)>>",
                  (select coalesce(json_agg(x order by x.n desc, x.name), '[]') from (
                       select a.id, a.name, count(*) as n from on_map i join area a on a.id = i.area_id group by 1, 2) x)
                      as "map_by_area!: Json<Vec<Count>>",
                  (select coalesce(json_agg(json_build_object('id', c.id, 'label', c.name) order by c.name), '[]')
                   from incident_category c where c.municipality_id = $1 and c.parent_id is null)
                      as "categories!: Json<Vec<AreaRow>>",
                  map_shapes($1) as "shapes!: Json<crate::map::ShapesRow>",

                  (select coalesce(json_agg(w order by w.week), '[]') from per_week w)
                      as "weeks!: Json<Vec<Week>>",
                  (select coalesce(json_agg(c order by c.n desc, c.name), '[]') from per_category c)
                      as "by_category!: Json<Vec<Count>>",
                  (select coalesce(json_agg(a order by a.n desc, a.name), '[]') from per_area a)
                      as "by_area!: Json<Vec<Count>>",
                  (select coalesce(json_agg(x order by x.week, x.kind), '[]') from (
                       select date_trunc($5::text, (pe.occurred_at at time zone 'Europe/Stockholm')::date)::date as week,
                              pe.kind, count(*) as n
                       from police_event pe
                       where pe.municipality_id = $1
                         and (pe.occurred_at at time zone 'Europe/Stockholm')::date between $2 and $3
                       group by 1, 2) x)
                      as "police!: Json<Vec<crate::sources::police::KindCount>>"