-- Outgoing mail goes through a per-recipient outbox: a row is written in the
-- same transaction as the change that causes the mail (a kallelse, a
-- cancellation, an agreement notice, a measure reminder), then delivered
-- right after the commit and, when that fails, retried a bounded number of
-- times by a worker in the server. One bad address does not stop the rest.
create table outbox (
    id uuid primary key,
    municipality_id uuid not null references municipality (id) on delete cascade,
    kind text not null check (kind in (
        'invitation', 'cancellation',
        'agreement_to_sign', 'agreement_signed', 'agreement_expiring',
        'measure_reminder')),
    -- What the mail is about: a meeting, an agreement or a measure.
    about_id uuid,
    -- For a kallelse or cancellation: the meeting's SEQUENCE. With it, a
    -- recipient gets one mail per (kind, meeting, sequence).
    sequence integer,
    person_id uuid references person (id) on delete set null,
    recipient_name text not null,
    recipient_email text not null,
    reply_to_name text,
    reply_to_email text,
    subject text not null,
    body text not null,
    attachment_name text,
    attachment_type text,
    attachment text,
    status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
    attempts integer not null default 0,
    last_error text,
    next_attempt_at timestamptz not null default now(),
    -- A delivery in progress holds the row until then, so that the request
    -- that wrote it and the worker never both send it.
    claimed_until timestamptz,
    transport text,
    created_at timestamptz not null default now(),
    sent_at timestamptz,
    constraint outbox_municipality_id_key unique (municipality_id, id)
);
create unique index outbox_once_per_sequence
    on outbox (municipality_id, kind, about_id, sequence, recipient_email)
    where sequence is not null;
create index outbox_pending_idx on outbox (next_attempt_at) where status <> 'sent';
create index outbox_about_idx on outbox (municipality_id, about_id);

-- A group's calendar feed address outlives its members otherwise. An
-- address is stale once a holder of one of the group's member positions has
-- left (the day after their last day, Swedish time) and the address was made
-- before that: the former holder may have it. Stale addresses answer 404 and
-- the group page makes a new one. Removing a membership or recording a
-- holder's end deletes the address at once; the coordinator can also
-- replace it on the group page.
create function group_feed_outlived(work_group_id uuid, created timestamptz, today date)
returns boolean language sql stable as $$
    select exists (
        select 1 from membership ms
        join position_holder h on h.position_id = ms.position_id
        where ms.work_group_id = group_feed_outlived.work_group_id
          and h.held_to < today
          and created < ((h.held_to + 1)::timestamp at time zone 'Europe/Stockholm')
    )
$$;
