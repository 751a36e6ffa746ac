-- Kolada's values are shared by every municipality (no municipality_id),
-- so 0024's per-table triggers never covered them: after the yearly fetch
-- the dashboards kept the figures they had in memory until their entries
-- aged out. A change to the values now drops every municipality's pages
-- (`all`, as for people): the fetch is one statement a year, so the cost
-- is one notice a year. `outside_source_state` is left out on purpose: its
-- claim is updated every few minutes and no cached page reads it.
create trigger kolada_value_data after insert or update or delete on kolada_value
    for each statement execute function notify_data_all();
