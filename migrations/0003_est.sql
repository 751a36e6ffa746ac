-- EST: weekly reports (incidents, coming events, cooperation needs), the
-- categories and areas they use, the meeting's priorities, and retention.

-- Reports every week (1) or every other week (2); free texts are removed
-- (gallring) after this many months.
alter table municipality add column report_interval_weeks smallint not null default 1
    check (report_interval_weeks in (1, 2));
alter table municipality add column retention_months integer not null default 24
    check (retention_months between 1 and 240);

create table incident_category (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    parent_id uuid,
    name text not null check (length(trim(name)) > 0),
    sort_order integer not null default 100,
    active boolean not null default true,
    constraint incident_category_tenant_key unique (municipality_id, id),
    constraint incident_category_parent_fkey foreign key (municipality_id, parent_id)
        references incident_category (municipality_id, id),
    constraint incident_category_name_key unique nulls not distinct (municipality_id, parent_id, name)
);

create table area (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    name text not null check (length(trim(name)) > 0),
    sort_order integer not null default 100,
    active boolean not null default true,
    constraint area_tenant_key unique (municipality_id, id),
    constraint area_name_key unique (municipality_id, name)
);

-- One report per organisation and reporting week (the Monday of the ISO
-- week whose EST meeting it is for).
create table est_report (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    organisation_id uuid not null,
    week_start date not null check (extract(isodow from week_start) = 1),
    nothing_to_report boolean not null default false,
    submitted_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- Filed or changed after the deadline (while unlocked by the coordinator).
    late boolean not null default false,
    -- The coordinator can reopen a locked report until this moment.
    unlocked_until timestamptz,
    constraint est_report_tenant_key unique (municipality_id, id),
    constraint est_report_key unique (organisation_id, week_start),
    constraint est_report_organisation_fkey foreign key (municipality_id, organisation_id)
        references organisation (municipality_id, id)
);
create index est_report_week_idx on est_report (municipality_id, week_start);

create table est_incident (
    id uuid primary key,
    municipality_id uuid not null,
    report_id uuid not null,
    category_id uuid not null,
    occurred_on date not null,
    time_band text check (time_band in ('natt', 'morgon', 'dag', 'kvall')),
    area_id uuid not null,
    -- Free texts: removed by gallring, the rest stays for statistics.
    place text,
    description text,
    action_taken text,
    latitude double precision check (latitude between -90 and 90),
    longitude double precision check (longitude between -180 and 180),
    insecurity smallint not null check (insecurity between 1 and 5),
    reported_to_police boolean not null default false,
    -- The coordinator marked it as the same event as another organisation's.
    duplicate_of uuid references est_incident (id) on delete set null,
    written_by uuid references person (id),
    created_at timestamptz not null default now(),
    redacted_at timestamptz,
    constraint est_incident_report_fkey foreign key (municipality_id, report_id)
        references est_report (municipality_id, id) on delete cascade,
    constraint est_incident_category_fkey foreign key (municipality_id, category_id)
        references incident_category (municipality_id, id),
    constraint est_incident_area_fkey foreign key (municipality_id, area_id)
        references area (municipality_id, id),
    constraint est_incident_not_own_duplicate check (duplicate_of <> id)
);
create index est_incident_report_idx on est_incident (report_id);
create index est_incident_occurred_idx on est_incident (municipality_id, occurred_on);

create table est_coming_event (
    id uuid primary key,
    municipality_id uuid not null,
    report_id uuid not null,
    occurs_on date not null,
    area_id uuid,
    risk text not null check (risk in ('low', 'medium', 'high')),
    title text,
    place text,
    planned_measures text,
    written_by uuid references person (id),
    created_at timestamptz not null default now(),
    redacted_at timestamptz,
    constraint est_coming_event_report_fkey foreign key (municipality_id, report_id)
        references est_report (municipality_id, id) on delete cascade,
    constraint est_coming_event_area_fkey foreign key (municipality_id, area_id)
        references area (municipality_id, id)
);
create index est_coming_event_report_idx on est_coming_event (report_id);

create table cooperation_need (
    id uuid primary key,
    municipality_id uuid not null,
    report_id uuid not null,
    title text,
    with_whom text,
    status text not null default 'open' check (status in ('open', 'in_progress', 'closed')),
    -- Who is handling it (free text: an organisation or a person's role).
    handled_by text,
    closed_at timestamptz,
    written_by uuid references person (id),
    created_at timestamptz not null default now(),
    redacted_at timestamptz,
    constraint cooperation_need_tenant_key unique (municipality_id, id),
    constraint cooperation_need_report_fkey foreign key (municipality_id, report_id)
        references est_report (municipality_id, id) on delete cascade
);
create index cooperation_need_status_idx on cooperation_need (municipality_id, status);

create table cooperation_note (
    id uuid primary key,
    municipality_id uuid not null,
    need_id uuid not null,
    note text,
    status text not null check (status in ('open', 'in_progress', 'closed')),
    written_by uuid references person (id),
    at timestamptz not null default now(),
    constraint cooperation_note_need_fkey foreign key (municipality_id, need_id)
        references cooperation_need (municipality_id, id) on delete cascade
);

-- What the EST meeting of a week decided to focus on the coming week, and
-- (recorded the week after) how it went.
create table est_priority (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    week_start date not null check (extract(isodow from week_start) = 1),
    kind text not null check (kind in ('focus_area', 'hot_spot', 'action')),
    text text not null check (length(trim(text)) > 0),
    owner_position_id uuid,
    outcome text,
    created_by uuid references person (id),
    created_at timestamptz not null default now(),
    constraint est_priority_owner_fkey foreign key (municipality_id, owner_position_id)
        references position (municipality_id, id)
);
create index est_priority_week_idx on est_priority (municipality_id, week_start);
