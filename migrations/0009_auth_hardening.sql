-- One-time passwords (from `samordna user add` and /admin/personer) stop
-- working after SAMORDNA_ONE_TIME_PASSWORD_DAYS; null when the person chose
-- their own password.
alter table person add column one_time_password_expires_at timestamptz;

-- One-time passwords handed out before this migration get the default week
-- from now, rather than working for ever.
update person set one_time_password_expires_at = now() + interval '7 days'
    where must_change_password;
