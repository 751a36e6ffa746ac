-- A tip from the public may carry a point on the municipality's map, as an
-- EST incident does (src/map/picker.rs); gallring clears it with the free
-- texts (src/est/retention.rs), since a point can tell where someone lives.
alter table public_tip
    add column latitude double precision,
    add column longitude double precision,
    add constraint public_tip_point_check check ((latitude is null) = (longitude is null));
