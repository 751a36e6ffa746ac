-- Indexes that the pages' queries need, and the one foreign key that did not
-- carry the municipality.

-- A cooperation need's notes are listed in time order on the need and in the
-- lägesbild.
create index cooperation_note_need_idx on cooperation_note (need_id, at);

-- A goal's follow-ups, newest first, on the goal page and the dashboard.
create index goal_followup_goal_idx on goal_followup (goal_id, on_date);

-- A measure's notes in time order on the measure page.
create index measure_note_measure_idx on measure_note (measure_id, at);

-- "Is this incident someone's duplicate?" when counting incidents, and the
-- set-null when the original is deleted.
create index est_incident_duplicate_idx on est_incident (duplicate_of)
    where duplicate_of is not null;

-- duplicate_of was the only foreign key without the municipality in it: an
-- incident could have been marked as the duplicate of another municipality's.
-- The composite key makes that impossible; on delete only duplicate_of is
-- cleared (PostgreSQL 15's column list), never the municipality.
alter table est_incident
    add constraint est_incident_tenant_key unique (municipality_id, id);
alter table est_incident drop constraint est_incident_duplicate_of_fkey;
alter table est_incident
    add constraint est_incident_duplicate_of_fkey
        foreign key (municipality_id, duplicate_of)
        references est_incident (municipality_id, id)
        on delete set null (duplicate_of);
