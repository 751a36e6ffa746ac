-- Meetings: cadence per group, meetings with agenda, invitations sent,
-- attendance, minutes and decisions, tasks, calendar feed tokens.

-- Positions with insight into the whole structure (the coordinator and the
-- kommunpolis): they see every group's meetings and reports.
alter table position add column oversight boolean not null default false;

create table group_cadence (
    work_group_id uuid primary key,
    municipality_id uuid not null,
    -- weekly: a meeting every week; per_half_year: a number each spring and autumn.
    kind text not null check (kind in ('weekly', 'per_half_year')),
    per_half_year integer not null default 0 check (per_half_year between 0 and 26),
    weekday smallint not null default 1 check (weekday between 1 and 7), -- ISO: 1 = Monday
    start_time time not null default '09:00',
    duration_minutes integer not null default 60 check (duration_minutes between 5 and 600),
    form text not null check (form in ('in_person', 'online')),
    -- Allowed places for meetings in person, one per line.
    places text not null default '',
    meeting_link text not null default '',
    updated_at timestamptz not null default now(),
    constraint group_cadence_group_fkey foreign key (municipality_id, work_group_id)
        references work_group (municipality_id, id) on delete cascade
);

create table meeting (
    id uuid primary key,
    municipality_id uuid not null,
    work_group_id uuid not null,
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    form text not null check (form in ('in_person', 'online')),
    place text not null default '',
    meeting_link text not null default '',
    -- One agenda item per line.
    agenda text not null default '',
    status text not null default 'planned' check (status in ('planned', 'held', 'cancelled')),
    cancelled_reason text not null default '',
    -- iCalendar SEQUENCE: bumped whenever attendees must update their copy.
    sequence integer not null default 0,
    notes text not null default '',
    minutes_approved_at timestamptz,
    minutes_approved_by uuid references person (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint meeting_times check (ends_at > starts_at),
    constraint meeting_tenant_key unique (municipality_id, id),
    constraint meeting_group_fkey foreign key (municipality_id, work_group_id)
        references work_group (municipality_id, id)
);
create index meeting_group_starts_idx on meeting (work_group_id, starts_at);
create index meeting_municipality_starts_idx on meeting (municipality_id, starts_at);
create trigger meeting_updated_at before update on meeting
    for each row execute function set_updated_at();

-- Who came, per member position.
create table meeting_attendance (
    meeting_id uuid not null,
    municipality_id uuid not null,
    position_id uuid not null,
    status text not null check (status in ('present', 'absent', 'substitute_present')),
    -- The person who attended (the holder, or the one who stood in).
    attended_by uuid references person (id),
    primary key (meeting_id, position_id),
    constraint meeting_attendance_meeting_fkey foreign key (municipality_id, meeting_id)
        references meeting (municipality_id, id) on delete cascade,
    constraint meeting_attendance_position_fkey foreign key (municipality_id, position_id)
        references position (municipality_id, id)
);

create table task (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    title text not null check (length(trim(title)) > 0),
    description text not null default '',
    owner_position_id uuid,
    due_on date,
    status text not null default 'open' check (status in ('open', 'done')),
    created_at timestamptz not null default now(),
    constraint task_tenant_key unique (municipality_id, id),
    constraint task_owner_fkey foreign key (municipality_id, owner_position_id)
        references position (municipality_id, id)
);

create table meeting_decision (
    id uuid primary key,
    municipality_id uuid not null,
    meeting_id uuid not null,
    text text not null check (length(trim(text)) > 0),
    -- What the decision set going, if anything.
    created_group_id uuid,
    created_task_id uuid,
    created_at timestamptz not null default now(),
    constraint meeting_decision_meeting_fkey foreign key (municipality_id, meeting_id)
        references meeting (municipality_id, id) on delete cascade,
    constraint meeting_decision_group_fkey foreign key (municipality_id, created_group_id)
        references work_group (municipality_id, id),
    constraint meeting_decision_task_fkey foreign key (municipality_id, created_task_id)
        references task (municipality_id, id)
);
create index meeting_decision_meeting_idx on meeting_decision (meeting_id);

-- Every sending of a kallelse, update or cancellation.
create table meeting_sending (
    id uuid primary key,
    municipality_id uuid not null,
    meeting_id uuid not null,
    kind text not null check (kind in ('invitation', 'cancellation')),
    sequence integer not null,
    sent_at timestamptz not null default now(),
    sent_by uuid references person (id),
    recipients text[] not null,
    transport text not null,
    constraint meeting_sending_meeting_fkey foreign key (municipality_id, meeting_id)
        references meeting (municipality_id, id) on delete cascade
);
create index meeting_sending_meeting_idx on meeting_sending (meeting_id, sent_at);

-- Secret calendar feed addresses: one per person and one per group.
-- Revoking deletes the row; a new token makes the old address stop working.
create table calendar_token (
    token text primary key,
    person_id uuid unique references person (id) on delete cascade,
    work_group_id uuid unique references work_group (id) on delete cascade,
    created_at timestamptz not null default now(),
    constraint calendar_token_owner check ((person_id is null) <> (work_group_id is null))
);
