-- Forms that create records carry a one-time token; a token seen before
-- (a double click, a browser retry) creates nothing the second time.
create table form_submission (
    token uuid primary key,
    person_id uuid references person (id) on delete cascade,
    created_at timestamptz not null default now()
);
create index form_submission_created_idx on form_submission (created_at);
