-- The map: the areas' boundaries and the municipality's outline, uploaded
-- by the coordinator as GeoJSON and stored converted to WGS84 (longitude,
-- latitude) as one GeoJSON MultiPolygon geometry each. `*_schematic` marks
-- the demo data's drawn shapes, which the pages label as schematic.
alter table area add column boundary jsonb;
alter table area add column boundary_schematic boolean not null default false;
alter table municipality add column outline jsonb;
alter table municipality add column outline_schematic boolean not null default false;
