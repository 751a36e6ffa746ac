-- What the public tip form (/tips/{kommun}) tells the person who sends a tip,
-- as the data protection regulation's article 13 asks of whoever collects
-- personal data: who is responsible for it (a nämnd of the municipality,
-- usually kommunstyrelsen), how to reach the municipality about a tip, and
-- how to reach its data protection officer. The coordinator keeps them under
-- EST's settings; the addresses are empty until filled in, and the form then
-- leaves them out.
alter table municipality
    add column privacy_controller text not null default 'Kommunstyrelsen'
        constraint municipality_privacy_controller_check
        check (length(trim(privacy_controller)) between 1 and 200),
    add column contact_email text not null default ''
        constraint municipality_contact_email_check check (length(contact_email) <= 254),
    add column contact_phone text not null default ''
        constraint municipality_contact_phone_check check (length(contact_phone) <= 40),
    add column dpo_email text not null default ''
        constraint municipality_dpo_email_check check (length(dpo_email) <= 254);
