-- Indexes for the overview pages' combined statements (issue 16, item 5).

-- The dashboard lists the coming high-risk events of the next 30 days; the
-- events accumulate week by week, so without this the list reads them all.
create index est_coming_event_high_risk_idx on est_coming_event (municipality_id, occurs_on)
    where risk = 'high';
