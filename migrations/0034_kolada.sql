-- Public statistics from Kolada's open API (issue 13, item 3): reported
-- crimes per 100 000 inhabitants for each municipality, its county and the
-- whole country.

-- The municipality's four-digit kommunkod (SCB), e.g. 1885 for Lindesberg:
-- its id in Kolada; the first two digits are the county's (län) code.
alter table municipality add column code text
    constraint municipality_code_check check (code ~ '^[0-9]{4}$');
update municipality set code = '1885' where slug = 'lindesberg' and code is null;
update municipality set code = '1884' where slug = 'nora' and code is null;

-- Kolada's values, shared by every municipality (public data, not a
-- tenant's): one per area, indicator and year. `area_id` is Kolada's id:
-- a kommunkod, '00' + the county's code, or '0000' for the whole country.
create table kolada_value (
    area_id text not null check (area_id ~ '^[0-9]{4}$'),
    kpi text not null,
    year smallint not null check (year between 1990 and 2200),
    value double precision not null,
    fetched_at timestamptz not null default now(),
    constraint kolada_value_pkey primary key (area_id, kpi, year)
);

-- How the last fetch of each outside source went, for the settings page
-- (the police keep theirs per municipality in police_source).
alter table outside_source_state
    add column last_fetched_at timestamptz,
    add column last_error text,
    add column last_error_at timestamptz;
