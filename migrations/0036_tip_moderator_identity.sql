-- Appointing or dismissing a tip moderator changes which sections the
-- menu offers (src/web/extract.rs, Workplace::tip_moderator): drop the
-- cached seats, as for the other tables that decide them (0007).
create trigger tip_moderator_identity after insert or update or delete on tip_moderator
    for each statement execute function notify_identity_all();
