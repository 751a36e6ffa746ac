-- Indexes that matter only at national scale: with 290 municipalities in
-- one database, a filter on municipality_id without an index reads every
-- municipality's rows (EXPLAIN of the pages on `demo-data --municipalities
-- 290`, see docs/benchmarks.md).

-- The dashboard's agreement-gap count and the group pages select a
-- municipality's (or a group's) memberships: without it a seq scan read
-- 10 193 memberships to find 35.
create index membership_group_idx on membership (municipality_id, work_group_id);

-- The agreement-gap check looks for an agreement with each external
-- organisation: without it every agreement of every municipality was read
-- once per organisation.
create index agreement_counterpart_idx on agreement (municipality_id, counterpart_id);
