-- Cooperation agreements (samverkansavtal), their versions, documents and
-- signatures. Which positions must sign is set per municipality and
-- agreement type.

alter table municipality add column agreement_warning_days integer not null default 90
    check (agreement_warning_days between 1 and 730);

create table agreement_type (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    -- samverkansavtal | samverkansoverenskommelse | medborgarloften
    key text not null,
    name text not null,
    constraint agreement_type_tenant_key unique (municipality_id, id),
    constraint agreement_type_key unique (municipality_id, key)
);

create table agreement_type_signatory (
    agreement_type_id uuid not null,
    municipality_id uuid not null,
    position_id uuid not null,
    primary key (agreement_type_id, position_id),
    constraint agreement_type_signatory_type_fkey foreign key (municipality_id, agreement_type_id)
        references agreement_type (municipality_id, id) on delete cascade,
    constraint agreement_type_signatory_position_fkey foreign key (municipality_id, position_id)
        references position (municipality_id, id)
);

create table agreement (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    type_id uuid not null,
    counterpart_id uuid not null,
    -- draft | for_signing | terminated; partly signed, in force and expired
    -- are derived from the signatures and the dates.
    status text not null default 'draft' check (status in ('draft', 'for_signing', 'terminated')),
    current_version integer not null default 1,
    terminated_on date,
    terminated_reason text not null default '',
    expiry_notified_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint agreement_tenant_key unique (municipality_id, id),
    constraint agreement_type_fkey foreign key (municipality_id, type_id)
        references agreement_type (municipality_id, id),
    constraint agreement_counterpart_fkey foreign key (municipality_id, counterpart_id)
        references organisation (municipality_id, id)
);
create trigger agreement_updated_at before update on agreement
    for each row execute function set_updated_at();

-- Every saved text is a version; signatures name the version they signed.
create table agreement_version (
    id uuid primary key,
    municipality_id uuid not null,
    agreement_id uuid not null,
    version integer not null,
    title text not null,
    registry_no text not null default '',
    purposes text not null default '',
    areas text not null default '',
    valid_from date not null,
    valid_to date,
    contact_people text not null default '',
    notes text not null default '',
    -- The groups the party takes part in and its role there, as JSON.
    groups jsonb not null default '[]',
    content_sha256 text not null,
    document bytea,
    document_name text,
    document_sha256 text,
    -- SHA-256 over the content's and the document's fingerprints.
    fingerprint text not null,
    created_by uuid references person (id),
    created_at timestamptz not null default now(),
    constraint agreement_version_key unique (agreement_id, version),
    constraint agreement_version_dates check (valid_to is null or valid_to >= valid_from),
    constraint agreement_version_agreement_fkey foreign key (municipality_id, agreement_id)
        references agreement (municipality_id, id) on delete cascade
);

-- The groups an agreement covers in its current version (for compliance).
create table agreement_group (
    agreement_id uuid not null,
    municipality_id uuid not null,
    work_group_id uuid not null,
    role text not null default '',
    primary key (agreement_id, work_group_id),
    constraint agreement_group_agreement_fkey foreign key (municipality_id, agreement_id)
        references agreement (municipality_id, id) on delete cascade,
    constraint agreement_group_group_fkey foreign key (municipality_id, work_group_id)
        references work_group (municipality_id, id)
);

create table agreement_signature (
    id uuid primary key,
    municipality_id uuid not null,
    agreement_id uuid not null,
    version integer not null,
    position_id uuid not null,
    person_id uuid not null references person (id),
    signed_at timestamptz not null default now(),
    fingerprint text not null,
    client_ip text not null default '',
    user_agent text not null default '',
    -- Set when the text changed after this signature.
    voided_at timestamptz,
    constraint agreement_signature_once unique (agreement_id, version, position_id),
    constraint agreement_signature_agreement_fkey foreign key (municipality_id, agreement_id)
        references agreement (municipality_id, id) on delete cascade,
    constraint agreement_signature_position_fkey foreign key (municipality_id, position_id)
        references position (municipality_id, id)
);

-- The counterparty's own signature, recorded by the coordinator.
create table agreement_counterparty_signature (
    agreement_id uuid not null,
    municipality_id uuid not null,
    version integer not null,
    signer_name text not null,
    signer_title text not null default '',
    signed_on date not null,
    document bytea,
    document_name text,
    recorded_by uuid references person (id),
    recorded_at timestamptz not null default now(),
    primary key (agreement_id, version),
    constraint agreement_counterparty_signature_agreement_fkey foreign key (municipality_id, agreement_id)
        references agreement (municipality_id, id) on delete cascade
);
