-- Foundation: municipalities (tenants), people, organisations, positions and
-- their holders over time, groups (tiers are data), memberships, audit log.

create extension if not exists btree_gist;

create or replace function set_updated_at() returns trigger as $$
begin
    new.updated_at = now();
    return new;
end;
$$ language plpgsql;

create table municipality (
    id uuid primary key,
    slug text not null constraint municipality_slug_key unique,
    name text not null,
    -- The municipality's own guideline for the structure (riktlinje).
    guideline_title text not null default '',
    guideline_adopted_by text not null default '',
    guideline_adopted_on date,
    guideline_registry_no text not null default '',
    guideline_owner text not null default '',
    guideline_review_due date,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger municipality_updated_at before update on municipality
    for each row execute function set_updated_at();

-- One login; positions in any number of municipalities.
create table person (
    id uuid primary key,
    name text not null check (length(trim(name)) > 0),
    email text not null check (position('@' in email) > 1),
    password_hash text not null,
    active boolean not null default true,
    -- Set for one-time passwords: the person must choose a new one.
    must_change_password boolean not null default false,
    -- Bumped on password change: sessions made before it stop working.
    session_generation integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create unique index person_email_key on person (lower(email));
create trigger person_updated_at before update on person
    for each row execute function set_updated_at();

-- The people a municipality knows: its administrators choose holders among
-- them. A person added in two municipalities is one person, known in both.
create table person_municipality (
    municipality_id uuid not null references municipality (id),
    person_id uuid not null references person (id),
    added_at timestamptz not null default now(),
    primary key (municipality_id, person_id)
);
create index person_municipality_person_idx on person_municipality (person_id);

create table organisation (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    name text not null check (length(trim(name)) > 0),
    kind text not null check (kind in
        ('politiskt_organ', 'forvaltning', 'kommunalt_bolag', 'polis', 'foretag', 'forening', 'annan')),
    -- Not part of the municipality itself: cooperation needs a written agreement.
    external boolean not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint organisation_name_key unique (municipality_id, name),
    constraint organisation_tenant_key unique (municipality_id, id)
);
create trigger organisation_updated_at before update on organisation
    for each row execute function set_updated_at();

create table position (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    title text not null check (length(trim(title)) > 0),
    organisation_id uuid,
    substitute_position_id uuid,
    -- The holder administers the municipality in Samordna (the coordinator).
    grants_admin boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint position_title_key unique (municipality_id, title),
    constraint position_tenant_key unique (municipality_id, id),
    constraint position_organisation_fkey foreign key (municipality_id, organisation_id)
        references organisation (municipality_id, id),
    constraint position_substitute_fkey foreign key (municipality_id, substitute_position_id)
        references position (municipality_id, id),
    constraint position_not_own_substitute check (substitute_position_id <> id)
);
create trigger position_updated_at before update on position
    for each row execute function set_updated_at();

-- Who holds a position, from and to (both days inclusive; open-ended when
-- held_to is null). Never two holders of one position on the same day.
create table position_holder (
    id uuid primary key,
    municipality_id uuid not null,
    position_id uuid not null,
    person_id uuid not null references person (id),
    held_from date not null,
    held_to date,
    created_at timestamptz not null default now(),
    constraint position_holder_position_fkey foreign key (municipality_id, position_id)
        references position (municipality_id, id) on delete cascade,
    constraint position_holder_dates check (held_to is null or held_to >= held_from),
    constraint position_holder_no_overlap exclude using gist
        (position_id with =, daterange(held_from, held_to, '[]') with &&)
);
create index position_holder_person_idx on position_holder (person_id);

-- The name of whoever holds a position on a given day, if anyone.
create function holder_name(p_position_id uuid, p_day date) returns text
language sql stable as $$
    select pe.name
    from position_holder h
    join person pe on pe.id = h.person_id
    where h.position_id = p_position_id
      and h.held_from <= p_day and (h.held_to is null or h.held_to >= p_day)
$$;

create table work_group (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    tier text not null check (tier in ('styrgrupp', 'beredningsgrupp', 'permanent', 'temporary')),
    name text not null check (length(trim(name)) > 0),
    task text not null default '',
    appointed_by_group_id uuid,
    decision_reference text not null default '',
    focus_area text not null default '',
    cadence_text text not null default '',
    -- Capability: participants file weekly reports (what makes EST "the EST").
    weekly_reporting boolean not null default false,
    active_from date not null,
    active_to date,
    dissolved_reason text not null default '',
    sort_order integer not null default 100,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint work_group_name_key unique (municipality_id, name),
    constraint work_group_tenant_key unique (municipality_id, id),
    constraint work_group_appointed_by_fkey foreign key (municipality_id, appointed_by_group_id)
        references work_group (municipality_id, id),
    constraint work_group_dates check (active_to is null or active_to >= active_from)
);
create trigger work_group_updated_at before update on work_group
    for each row execute function set_updated_at();

create table membership (
    id uuid primary key,
    municipality_id uuid not null,
    work_group_id uuid not null,
    position_id uuid not null,
    role text not null check (role in ('convener', 'member', 'may_attend')),
    created_at timestamptz not null default now(),
    constraint membership_group_fkey foreign key (municipality_id, work_group_id)
        references work_group (municipality_id, id) on delete cascade,
    constraint membership_position_fkey foreign key (municipality_id, position_id)
        references position (municipality_id, id) on delete cascade,
    constraint membership_key unique (work_group_id, position_id)
);
create index membership_position_idx on membership (position_id);

create table audit_event (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    person_id uuid references person (id),
    at timestamptz not null default now(),
    action text not null,
    entity text not null,
    entity_id uuid,
    summary text not null default '',
    before jsonb,
    after jsonb
);
create index audit_event_municipality_at_idx on audit_event (municipality_id, at desc);

-- A group has at most one convener.
create unique index membership_one_convener on membership (work_group_id) where role = 'convener';

-- Sessions (tower-sessions records): survive restarts, shared by instances.
create table session (
    id text primary key,
    data jsonb not null,
    expiry_date timestamptz not null
);
create index session_expiry_idx on session (expiry_date);
