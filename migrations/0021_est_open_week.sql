-- Which reporting week is open: the report form and the EST page chose it
-- with the same CTE, written twice. Given the candidate weeks (the current
-- period and the next, as Monday, period start and period end), the open
-- one is the first whose EST meeting (or, without one, the period's end)
-- has not yet started at `p_now`; the last candidate when all have.
-- An SQL function returning a set is inlined into the calling statement.
create function est_open_week(
    p_municipality_id uuid, p_group_id uuid,
    p_mondays date[], p_starts timestamptz[], p_ends timestamptz[], p_now timestamptz)
returns table (monday date, deadline timestamptz)
language sql stable as $$
    select c.monday, c.deadline
    from (
        select w.monday, w.n,
               coalesce((select min(mt.starts_at) from meeting mt
                         where mt.municipality_id = p_municipality_id and mt.work_group_id = p_group_id
                           and mt.status <> 'cancelled'
                           and mt.starts_at >= w.starts and mt.starts_at < w.ends), w.ends) as deadline
        from unnest(p_mondays, p_starts, p_ends) with ordinality as w(monday, starts, ends, n)
    ) c
    order by c.deadline <= p_now and c.n < cardinality(p_mondays), c.n
    limit 1
$$;
