-- The coordinator can remind an organisation that has not filed its EST
-- report ("Skicka påminnelse" on the EST page): a new kind of mail.
alter table outbox drop constraint outbox_kind_check;
alter table outbox add constraint outbox_kind_check check (kind in (
    'invitation', 'cancellation',
    'agreement_to_sign', 'agreement_signed', 'agreement_expiring',
    'measure_reminder', 'est_reminder'));
