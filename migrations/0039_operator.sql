-- The operator (driften): people who run the deployment. An operator has
-- no municipality and reads none of any municipality's records; they list
-- the municipalities, create them, invite each one's first coordinator,
-- suspend, export and delete them (src/operator/).

create table operator (
    person_id uuid primary key references person (id),
    created_at timestamptz not null default now()
);

-- Who is an operator is part of who is asking (src/auth/identity.rs).
create function notify_identity_operator() returns trigger
language plpgsql as $$
begin
    perform pg_notify('samordna_identity',
        'person:' || coalesce(new.person_id, old.person_id)::text);
    return null;
end;
$$;
create trigger operator_identity after insert or update or delete on operator
    for each row execute function notify_identity_operator();

-- A suspended municipality's people cannot use it and its public pages
-- are closed; `exported_at` is the last export the operator downloaded
-- (a municipality is deleted only after one).
alter table municipality
    add column suspended_at timestamptz,
    add column exported_at timestamptz;

-- The first coordinator's invitation: a one-time link whose token is
-- stored only as its SHA-256.
create table coordinator_invitation (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    person_id uuid not null references person (id),
    token_hash text not null constraint coordinator_invitation_token_key unique,
    -- The operator who sent it (no foreign key: an operator is not one of
    -- the municipality's people, and its export must not carry them).
    invited_by uuid not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);
create index coordinator_invitation_municipality_idx on coordinator_invitation (municipality_id);

-- What operators did. Not audit_event: that belongs to a municipality (its
-- export, its deletion) and names its own people; this log outlives a
-- deleted municipality, so the municipality is named, not referred to.
create table operator_event (
    id uuid primary key,
    operator_id uuid not null references person (id),
    subject_municipality uuid,
    municipality_name text not null,
    action text not null,
    summary text not null,
    at timestamptz not null default now()
);
create index operator_event_at_idx on operator_event (at desc);

alter table outbox drop constraint outbox_kind_check;
alter table outbox add constraint outbox_kind_check check (kind in (
    'invitation', 'cancellation',
    'agreement_to_sign', 'agreement_signed', 'agreement_expiring',
    'measure_reminder', 'est_reminder', 'coordinator_invitation'));
