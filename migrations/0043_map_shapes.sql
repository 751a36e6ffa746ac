-- The map's shapes of a municipality as one JSON value: its outline and
-- the boundaries of its active areas, in the order the area lists use
-- (`crate::map::ShapesRow` reads it). The map's own statement, the
-- lägesbild, the incident list and the dashboard's counts each wrote this
-- out before (issue 10: one way through the code); a function keeps them
-- drawing the same map. `stable`: it only reads.
create function map_shapes(p_municipality_id uuid)
returns json
language sql stable as $$
    select json_build_object(
        'outline', mu.outline,
        'outline_schematic', mu.outline_schematic,
        'areas', (select coalesce(json_agg(json_build_object(
                                     'id', a.id, 'name', a.name,
                                     'boundary', a.boundary, 'schematic', a.boundary_schematic)
                                 order by a.sort_order, a.name), '[]')
                  from area a where a.municipality_id = mu.id and a.active))
    from municipality mu where mu.id = p_municipality_id
$$;
