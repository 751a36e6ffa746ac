-- A municipality's name is unique, whatever its case: the operator creates
-- municipalities from templates (issue 14), and two "Nora kommun" would be
-- told apart by nobody on the choice of municipality after login.
create unique index municipality_name_key on municipality (lower(name));
