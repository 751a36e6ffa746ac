with f as (
               select id, occurred_on, category, subcategory, area, description, organisation, insecurity,
                      reported_to_police, week_start, latitude, longitude
               from est_incidents_in($1, $2, $3, $4, $5, $6)
           ),
           numbered as (
               select f.*, row_number() over (order by
                          case when $8 then case $7 when 'kategori' then f.category when 'omrade' then f.area
                                                    when 'organisation' then f.organisation end end asc,
                          case when not $8 then case $7 when 'kategori' then f.category when 'omrade' then f.area
                                                        when 'organisation' then f.organisation end end desc,
                          case when $7 = 'otrygghet' and $8 then f.insecurity end asc,
                          case when $7 = 'otrygghet' and not $8 then f.insecurity end desc,
                          case when $8 then f.occurred_on end asc,
                          case when not $8 then f.occurred_on end desc,
                          f.id desc) as n
               from f
           ),
           total as (select count(*) as total from f),
           shown as (
               select case when $10::bigint is null then 1
                           else greatest(1, least($9::bigint, (total.total + $10 - 1) / $10)) end as page
               from total
           )
           select total.total as "total!", shown.page as "page!",
                  (select coalesce(json_agg(x order by x.n), '[]') from (
                       select numbered.* from numbered
                       where $10::bigint is null
                          or (numbered.n > (shown.page - 1) * $10 and numbered.n <= shown.page * $10)) x)
                      as "rows!: Json<Vec<Row>>",
                  (select coalesce(json_agg(x order by x.label), '[]') from (
                       select id, name as label from incident_category
                       where municipality_id = $1 and parent_id is null) x)
                      as "categories!: Json<Vec<ChoiceRow>>",
                  (select coalesce(json_agg(x order by x.label), '[]') from (
                       select id, name as label from area where municipality_id = $1) x)
                      as "areas!: Json<Vec<ChoiceRow>>",
                  (select coalesce(json_agg(x order by x.label), '[]') from (
                       select distinct o.id, o.name as label from organisation o
                       join est_report r on r.organisation_id = o.id and r.municipality_id = $1
                       where o.municipality_id = $1) x)
                      as "organisations!: Json<Vec<ChoiceRow>>",
                  (select coalesce(json_agg(json_build_array(x.area, x.n) order by x.n desc, x.area), '[]') from (
                       select f.area, count(*) as n from f group by f.area) x)
                      as "by_area!: Json<Vec<(String, i64)>>",
                  (select coalesce(json_agg(json_build_array(f.longitude, f.latitude)), '[]') from f
                   where f.latitude is not null and f.longitude is not null)
                      as "placed!: Json<Vec<(f64, f64)>>",
                  map_shapes($1) as "shapes!: Json<crate::map::ShapesRow>"
           from total, shown