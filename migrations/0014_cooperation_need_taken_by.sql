-- Who may change a cooperation need (issue 18, item 15): the organisation
-- that raised it, the organisation that took it on, and those with EST
-- oversight. "Took it on" was free text (handled_by); the organisation is
-- now recorded, so the rule can be checked.
alter table cooperation_need add column taken_by_organisation_id uuid;
alter table cooperation_need add constraint cooperation_need_taken_by_fkey
    foreign key (municipality_id, taken_by_organisation_id) references organisation (municipality_id, id);
