-- Who is asking (the session's person, their seats and the rights those
-- give) is kept in each instance's memory. Any change to the rows it is made
-- of tells every instance, in the same transaction as the change: PostgreSQL
-- delivers the notification at commit, and an instance that has lost its
-- listening connection drops its whole cache (src/auth/identity.rs).

create function notify_identity_person() returns trigger
language plpgsql as $$
begin
    perform pg_notify('samordna_identity',
        'person:' || coalesce(new.id, old.id)::text);
    return null;
end;
$$;

create function notify_identity_all() returns trigger
language plpgsql as $$
begin
    perform pg_notify('samordna_identity', 'all');
    return null;
end;
$$;

-- A person: name, e-mail, active, password generation.
create trigger person_identity after insert or update or delete on person
    for each row execute function notify_identity_person();

-- Seats: positions and their rights, who holds them, which groups they sit
-- in, the groups' tiers and dates, and the municipality's name. These change
-- seldom, so one notice drops every cached seat list.
create trigger municipality_identity after insert or update or delete on municipality
    for each statement execute function notify_identity_all();
create trigger position_identity after insert or update or delete on position
    for each statement execute function notify_identity_all();
create trigger position_holder_identity after insert or update or delete on position_holder
    for each statement execute function notify_identity_all();
create trigger work_group_identity after insert or update or delete on work_group
    for each statement execute function notify_identity_all();
create trigger membership_identity after insert or update or delete on membership
    for each statement execute function notify_identity_all();
