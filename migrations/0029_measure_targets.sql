-- What a measure is meant to affect, so that its effect can be shown: the
-- areas and incident categories it targets (a top category stands for its
-- subcategories too) and the date its effect should start. A measure with
-- neither areas nor categories has no effect section; measures made before
-- this keep working as they were.
alter table measure add column effect_from date;
-- Shown on the municipality's public page (once it has one).
alter table measure add column public boolean not null default false;

create table measure_area (
    municipality_id uuid not null,
    measure_id uuid not null,
    area_id uuid not null,
    constraint measure_area_pkey primary key (measure_id, area_id),
    constraint measure_area_measure_fkey foreign key (municipality_id, measure_id)
        references measure (municipality_id, id) on delete cascade,
    constraint measure_area_area_fkey foreign key (municipality_id, area_id)
        references area (municipality_id, id)
);
create index measure_area_area_idx on measure_area (municipality_id, area_id);

create table measure_category (
    municipality_id uuid not null,
    measure_id uuid not null,
    category_id uuid not null,
    constraint measure_category_pkey primary key (measure_id, category_id),
    constraint measure_category_measure_fkey foreign key (municipality_id, measure_id)
        references measure (municipality_id, id) on delete cascade,
    constraint measure_category_category_fkey foreign key (municipality_id, category_id)
        references incident_category (municipality_id, id)
);
create index measure_category_category_idx on measure_category (municipality_id, category_id);

-- The page cache hears of changes to these as of every tenant table
-- (0024_page_data_notify.sql).
create trigger measure_area_data_ins after insert on measure_area referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger measure_area_data_upd after update on measure_area referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger measure_area_data_del after delete on measure_area referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
create trigger measure_category_data_ins after insert on measure_category referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger measure_category_data_upd after update on measure_category referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger measure_category_data_del after delete on measure_category referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
