-- Police events from the police's open events API (issue 13, item 2).
-- One row per event and municipality, deduplicated by the API's own id.
-- The API's `gps` is the municipality's centre, not the event's place:
-- it is deliberately not stored.
create table police_event (
    id uuid primary key,
    municipality_id uuid not null references municipality (id) on delete cascade,
    police_id bigint not null,
    occurred_at timestamptz not null,
    name text not null,
    summary text not null,
    -- As the API gives it: relative to https://polisen.se.
    url text not null,
    kind text not null,
    location_name text not null,
    fetched_at timestamptz not null default now(),
    constraint police_event_police_id_key unique (municipality_id, police_id)
);
create index police_event_time_idx on police_event (municipality_id, occurred_at);

-- Per municipality: the location names asked for (null: the municipality's
-- own name) and how the last fetch went.
create table police_source (
    municipality_id uuid primary key references municipality (id) on delete cascade,
    location_names text[],
    last_fetched_at timestamptz,
    last_error text,
    last_error_at timestamptz
);

-- Per deployment (one row per outside source): when the next call is
-- allowed, and whether the source answered that it is gone (404) for the
-- base URL it had then.
create table outside_source_state (
    source text primary key,
    last_attempt_at timestamptz,
    next_allowed_at timestamptz,
    stopped_url text,
    stopped_at timestamptz
);

-- Page data in memory is dropped when a municipality's police rows change
-- (as in 0024).
create trigger police_event_data_ins after insert on police_event referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger police_event_data_upd after update on police_event referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger police_event_data_del after delete on police_event referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
create trigger police_source_data_ins after insert on police_source referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger police_source_data_upd after update on police_source referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger police_source_data_del after delete on police_source referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
