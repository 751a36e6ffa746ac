-- Tips from the public (/tips/{kommun}): what anyone may send without
-- signing in, the moderation queue under EST, and the reply contact, kept
-- apart from the tip and deleted when the tip is handled.

-- The categories the public may choose from, picked by the coordinator.
alter table incident_category add column public_tip boolean not null default false;

-- Positions the coordinator appoints to moderate tips (the coordinator
-- always may).
create table tip_moderator (
    municipality_id uuid not null references municipality (id),
    position_id uuid not null,
    appointed_at timestamptz not null default now(),
    constraint tip_moderator_pkey primary key (municipality_id, position_id),
    constraint tip_moderator_position_fkey foreign key (municipality_id, position_id)
        references position (municipality_id, id) on delete cascade
);

create table public_tip (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    -- What the sender is shown on the receipt, e.g. T-7K3M9Q.
    reference text not null,
    category_id uuid not null,
    area_id uuid not null,
    occurred_on date not null,
    time_band text check (time_band in ('natt', 'morgon', 'dag', 'kvall')),
    -- Free texts: removed by gallring, the rest stays for statistics.
    place text,
    description text,
    status text not null default 'new' check (status in ('new', 'accepted', 'rejected')),
    -- The lägesbild an accepted tip counts in (the EST reporting week it
    -- was accepted for).
    week_start date check (extract(isodow from week_start) = 1),
    created_at timestamptz not null default now(),
    handled_at timestamptz,
    handled_by uuid references person (id) on delete set null,
    replied_at timestamptz,
    redacted_at timestamptz,
    constraint public_tip_tenant_key unique (municipality_id, id),
    constraint public_tip_reference_key unique (municipality_id, reference),
    constraint public_tip_category_fkey foreign key (municipality_id, category_id)
        references incident_category (municipality_id, id),
    constraint public_tip_area_fkey foreign key (municipality_id, area_id)
        references area (municipality_id, id),
    constraint public_tip_week_when_accepted check ((status = 'accepted') = (week_start is not null))
);
create index public_tip_queue_idx on public_tip (municipality_id, status, created_at);
create index public_tip_week_idx on public_tip (municipality_id, week_start) where week_start is not null;

-- How to answer the sender, only when they asked for an answer.
create table public_tip_contact (
    tip_id uuid primary key,
    municipality_id uuid not null,
    kind text not null check (kind in ('email', 'phone')),
    value text not null check (length(value) between 3 and 254),
    constraint public_tip_contact_tip_fkey foreign key (municipality_id, tip_id)
        references public_tip (municipality_id, id) on delete cascade
);

-- The key that signs the public form's time stamp (so a form filled in too
-- fast is recognised without storing anything per page view), the same for
-- every instance of a deployment.
create table app_secret (
    name text primary key,
    secret bytea not null check (length(secret) >= 32)
);
insert into app_secret (name, secret)
values ('tip_form', sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                                      || clock_timestamp()::text, 'UTF8')));

-- Page data notices (0024), for the new tenant tables.
create trigger tip_moderator_data_ins after insert on tip_moderator referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger tip_moderator_data_upd after update on tip_moderator referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger tip_moderator_data_del after delete on tip_moderator referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
create trigger public_tip_data_ins after insert on public_tip referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger public_tip_data_upd after update on public_tip referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger public_tip_data_del after delete on public_tip referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
create trigger public_tip_contact_data_ins after insert on public_tip_contact referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger public_tip_contact_data_upd after update on public_tip_contact referencing new table as new_rows
    for each statement execute function notify_data_new_rows();
create trigger public_tip_contact_data_del after delete on public_tip_contact referencing old table as old_rows
    for each statement execute function notify_data_old_rows();
