-- Indexes the EST pages' statements need (the report form, the weekly
-- lägesbild and the EST index each load their data in one statement).
-- "if not exists": another change may add the same index under the same name.

-- A report's cooperation needs: listed on the report form, counted per
-- organisation on the index and the lägesbild ("Vilka har rapporterat?"),
-- and removed with the report. Without it each count scanned every need.
create index if not exists cooperation_need_report_idx on cooperation_need (report_id);

-- The lägesbild lists the needs still open, or closed during the week:
-- `status <> 'closed' or closed_at >= week`. The two arms each get an index
-- so that PostgreSQL combines them (BitmapOr) instead of reading every need
-- the municipality has ever had.
create index if not exists cooperation_need_open_idx on cooperation_need (municipality_id)
    where status <> 'closed';
create index if not exists cooperation_need_closed_idx on cooperation_need (municipality_id, closed_at);
