-- Pages' data is kept in each instance's memory until something in its
-- municipality changes (src/page_cache.rs). Every change to a tenant table
-- tells every instance which municipality changed, in the same transaction:
-- PostgreSQL delivers the notice at commit and sends one notice per
-- municipality per transaction however many rows changed.
--
-- Statement triggers with transition tables, so that a bulk load (the
-- national demo data, COPY, unnest) costs one notice per statement rather
-- than a trigger call per row. PostgreSQL allows a transition table only on
-- a trigger for one event, hence three triggers per table.

create function notify_data_new_rows() returns trigger
language plpgsql as $$
declare
    m uuid;
begin
    for m in select distinct municipality_id from new_rows loop
        perform pg_notify('samordna_data', m::text);
    end loop;
    return null;
end;
$$;

create function notify_data_old_rows() returns trigger
language plpgsql as $$
declare
    m uuid;
begin
    for m in select distinct municipality_id from old_rows loop
        perform pg_notify('samordna_data', m::text);
    end loop;
    return null;
end;
$$;

-- The municipality row itself (name, settings): its id is the tenant.
create function notify_data_municipality() returns trigger
language plpgsql as $$
begin
    perform pg_notify('samordna_data', coalesce(new.id, old.id)::text);
    return null;
end;
$$;

-- People have no municipality of their own (one person may serve in
-- several); a change to a name or an address may show on any page.
create function notify_data_all() returns trigger
language plpgsql as $$
begin
    perform pg_notify('samordna_data', 'all');
    return null;
end;
$$;

create trigger municipality_data after insert or update or delete on municipality
    for each row execute function notify_data_municipality();
create trigger person_data after insert or update or delete on person
    for each statement execute function notify_data_all();

-- Every table with a municipality_id.
do $$
declare
    t text;
begin
    for t in
        select c.table_name from information_schema.columns c
        join information_schema.tables tb
          on tb.table_schema = c.table_schema and tb.table_name = c.table_name
        where c.table_schema = 'public' and c.column_name = 'municipality_id'
          and tb.table_type = 'BASE TABLE'
    loop
        execute format('create trigger %I after insert on %I referencing new table as new_rows
                        for each statement execute function notify_data_new_rows()', t || '_data_ins', t);
        execute format('create trigger %I after update on %I referencing new table as new_rows
                        for each statement execute function notify_data_new_rows()', t || '_data_upd', t);
        execute format('create trigger %I after delete on %I referencing old table as old_rows
                        for each statement execute function notify_data_old_rows()', t || '_data_del', t);
    end loop;
end;
$$;
