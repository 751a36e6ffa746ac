-- Knowledge-based work: goals with follow-ups, decision material (priority
-- proposals, cause analyses, action plans), measures, kartläggning sources
-- and the periodic lägesbild.

-- Which body decides the action plan, and how often the lägesbild is renewed.
alter table municipality add column action_plan_body text not null default 'styrgrupp'
    check (action_plan_body in ('styrgrupp', 'beredningsgrupp'));
alter table municipality add column lagesbild_interval_months integer not null default 12
    check (lagesbild_interval_months between 1 and 60);

create table goal (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    parent_id uuid,
    level text not null check (level in ('vision', 'goal', 'subgoal')),
    title text not null check (length(trim(title)) > 0),
    indicator text not null default '',
    target text not null default '',
    target_date date,
    -- The meeting (and its decision) where the Styrgrupp decided it.
    meeting_id uuid,
    created_by uuid references person (id),
    created_at timestamptz not null default now(),
    constraint goal_tenant_key unique (municipality_id, id),
    constraint goal_parent_fkey foreign key (municipality_id, parent_id) references goal (municipality_id, id),
    constraint goal_meeting_fkey foreign key (municipality_id, meeting_id) references meeting (municipality_id, id)
);

create table goal_followup (
    id uuid primary key,
    municipality_id uuid not null,
    goal_id uuid not null,
    on_date date not null,
    value text not null,
    note text not null default '',
    written_by uuid references person (id),
    created_at timestamptz not null default now(),
    constraint goal_followup_goal_fkey foreign key (municipality_id, goal_id) references goal (municipality_id, id) on delete cascade
);

-- Priority proposals, cause analyses and action plans; `parent_id` links
-- the trail from a proposal to the analysis and the plan that followed.
create table plan_item (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    kind text not null check (kind in ('priority_proposal', 'cause_analysis', 'action_plan')),
    parent_id uuid,
    title text not null check (length(trim(title)) > 0),
    body text not null default '',
    -- Causes as Brå groups them (cause analyses).
    causes_victim text not null default '',
    causes_offender text not null default '',
    causes_place text not null default '',
    sources text not null default '',
    status text not null default 'draft' check (status in ('draft', 'presented', 'decided', 'returned')),
    meeting_id uuid,
    decision_note text not null default '',
    created_by uuid references person (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint plan_item_tenant_key unique (municipality_id, id),
    constraint plan_item_parent_fkey foreign key (municipality_id, parent_id) references plan_item (municipality_id, id),
    constraint plan_item_meeting_fkey foreign key (municipality_id, meeting_id) references meeting (municipality_id, id)
);

create table measure (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    plan_id uuid,
    goal_id uuid,
    title text not null check (length(trim(title)) > 0),
    responsible_position_id uuid,
    starts_on date not null,
    due_on date not null,
    milestones text not null default '',
    percent_done integer not null default 0 check (percent_done between 0 and 100),
    -- planned | ongoing | done; "delayed" is derived from the due date.
    status text not null default 'planned' check (status in ('planned', 'ongoing', 'done')),
    reminder_sent_at timestamptz,
    created_by uuid references person (id),
    created_at timestamptz not null default now(),
    constraint measure_tenant_key unique (municipality_id, id),
    constraint measure_dates check (due_on >= starts_on),
    constraint measure_plan_fkey foreign key (municipality_id, plan_id) references plan_item (municipality_id, id),
    constraint measure_goal_fkey foreign key (municipality_id, goal_id) references goal (municipality_id, id),
    constraint measure_position_fkey foreign key (municipality_id, responsible_position_id) references position (municipality_id, id)
);
create index measure_due_idx on measure (municipality_id, due_on);

create table measure_note (
    id uuid primary key,
    municipality_id uuid not null,
    measure_id uuid not null,
    note text not null,
    percent_done integer not null check (percent_done between 0 and 100),
    written_by uuid references person (id),
    at timestamptz not null default now(),
    constraint measure_note_measure_fkey foreign key (municipality_id, measure_id) references measure (municipality_id, id) on delete cascade
);

create table kartlaggning_source (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    kind text not null check (kind in ('trygghetsundersokning', 'polisstatistik', 'naringsliv', 'foreningsliv', 'annan')),
    title text not null check (length(trim(title)) > 0),
    source text not null default '',
    on_date date not null,
    summary text not null default '',
    document bytea,
    document_name text,
    created_by uuid references person (id),
    created_at timestamptz not null default now()
);

create table periodic_lagesbild (
    id uuid primary key,
    municipality_id uuid not null references municipality (id),
    title text not null,
    period_from date not null,
    period_to date not null,
    -- Statistics generated from EST for the period, kept as they were.
    statistics jsonb not null,
    other_information text not null default '',
    analysis text not null default '',
    created_by uuid references person (id),
    created_at timestamptz not null default now(),
    constraint periodic_lagesbild_dates check (period_to >= period_from)
);
