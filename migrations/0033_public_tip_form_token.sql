-- A tip keeps the one-time stamp of the form it came from, so that the same
-- form sent again (a double click, back and resend) is answered with the
-- receipt of the tip it already made instead of an error page.
alter table public_tip add column form_token uuid;
create unique index public_tip_form_token_idx on public_tip (municipality_id, form_token)
    where form_token is not null;
