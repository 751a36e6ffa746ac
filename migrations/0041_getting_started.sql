-- The first 30 minutes (issue 14 item 3): a municipality created from a
-- template starts with a checklist on its coordinator's start page. Those
-- that existed before the checklist (and the demo's) have long started, so
-- the column defaults to false and only a new municipality sets it.
alter table municipality add column getting_started boolean not null default false;

-- The checklist's steps that only the coordinator can call done (the
-- structure, organisations, areas and categories come from the template
-- and need looking through, not filling in); the other steps are done when
-- the data shows it (src/home/getting_started.rs).
create table getting_started_step (
    municipality_id uuid not null references municipality (id),
    step text not null check (step in ('structure', 'organisations', 'areas')),
    confirmed_by uuid not null references person (id),
    confirmed_at timestamptz not null default now(),
    primary key (municipality_id, step)
);

-- Page data notices (0024): the start page's checklist is cached.
create trigger getting_started_step_data_ins after insert on getting_started_step referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger getting_started_step_data_upd after update on getting_started_step referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger getting_started_step_data_del after delete on getting_started_step referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
