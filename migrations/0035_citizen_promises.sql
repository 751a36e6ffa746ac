-- Medborgarlöften (Brå): the public, communicated part of the cooperation
-- between the police and the municipality. Each promise has a period, the
-- two positions that stand behind it (as Brå describes it: the chief of the
-- local police area and the chair of kommunstyrelsen; positions, not
-- people) and the measures that carry it out. The municipality's public
-- page (/offentligt/{kommun}) shows those in force, once the coordinator
-- has turned the page on.

alter table municipality add column public_page boolean not null default false;

create table citizen_promise (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    title text not null check (length(trim(title)) > 0),
    body text not null check (length(trim(body)) > 0),
    valid_from date not null,
    valid_to date not null,
    police_position_id uuid not null,
    municipal_position_id uuid not null,
    created_by uuid references person (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint citizen_promise_tenant_key unique (municipality_id, id),
    constraint citizen_promise_dates check (valid_to >= valid_from),
    constraint citizen_promise_police_fkey foreign key (municipality_id, police_position_id)
        references position (municipality_id, id),
    constraint citizen_promise_municipal_fkey foreign key (municipality_id, municipal_position_id)
        references position (municipality_id, id)
);
create index citizen_promise_period_idx on citizen_promise (municipality_id, valid_to, valid_from);

create table citizen_promise_measure (
    municipality_id uuid not null,
    promise_id uuid not null,
    measure_id uuid not null,
    constraint citizen_promise_measure_pkey primary key (promise_id, measure_id),
    constraint citizen_promise_measure_promise_fkey foreign key (municipality_id, promise_id)
        references citizen_promise (municipality_id, id) on delete cascade,
    constraint citizen_promise_measure_measure_fkey foreign key (municipality_id, measure_id)
        references measure (municipality_id, id) on delete cascade
);
create index citizen_promise_measure_measure_idx on citizen_promise_measure (municipality_id, measure_id);

-- The page cache hears of changes to these as of every tenant table
-- (0024_page_data_notify.sql).
create trigger citizen_promise_data_ins after insert on citizen_promise referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger citizen_promise_data_upd after update on citizen_promise referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger citizen_promise_data_del after delete on citizen_promise referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
create trigger citizen_promise_measure_data_ins after insert on citizen_promise_measure referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger citizen_promise_measure_data_upd after update on citizen_promise_measure referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger citizen_promise_measure_data_del after delete on citizen_promise_measure referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
