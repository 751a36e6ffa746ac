-- An agreement is between two parties: it is concluded, and so in force,
-- only when the counterpart has signed too. Until now the state was read
-- from the municipality's signatures alone, and an agreement whose
-- counterpart never signed showed "I kraft" and closed the compliance gap.
--
-- The counterpart has signed the current version when its signature is
-- registered (a paper or e-signature made outside Samordna), or when the
-- agreement type's own signatories include one of the counterpart's
-- positions (the local police area's chief signs the police agreement in
-- Samordna). One function, read by the register, the overview and the gaps.
create function agreement_counterparty_signed(p_municipality_id uuid, p_agreement_id uuid)
returns boolean
language sql stable as $$
    select exists (
               select 1 from agreement_counterparty_signature cs
               join agreement a on a.id = cs.agreement_id and a.current_version = cs.version
               where cs.municipality_id = p_municipality_id and cs.agreement_id = p_agreement_id)
        or exists (
               select 1 from agreement a
               join agreement_type_signatory s on s.agreement_type_id = a.type_id
               join position p on p.id = s.position_id and p.organisation_id = a.counterpart_id
               where a.municipality_id = p_municipality_id and a.id = p_agreement_id)
$$;

-- As in 0042, now also asking the counterpart's signature.
create or replace function agreement_gaps(p_municipality_id uuid, p_day date)
returns table (organisation_id uuid, organisation text, group_id uuid, group_name text)
language sql stable as $$
    select distinct o.id, o.name, g.id, g.name
    from membership ms
    join position p on p.id = ms.position_id
    join organisation o on o.id = p.organisation_id and o.municipality_id = p_municipality_id and o.external
    join work_group g on g.id = ms.work_group_id
                     and g.active_from <= p_day and (g.active_to is null or g.active_to >= p_day)
    where ms.municipality_id = p_municipality_id
      and not exists (
          select 1 from agreement a
          join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
          join agreement_group ag on ag.agreement_id = a.id and ag.work_group_id = g.id
          where a.municipality_id = p_municipality_id and a.counterpart_id = o.id and a.status = 'for_signing'
            and v.valid_from <= p_day and (v.valid_to is null or v.valid_to >= p_day)
            and agreement_counterparty_signed(p_municipality_id, a.id)
            and not exists (
                select 1 from agreement_type_signatory s
                where s.agreement_type_id = a.type_id
                  and not exists (select 1 from agreement_signature sg
                                  where sg.agreement_id = a.id and sg.version = a.current_version
                                    and sg.position_id = s.position_id and sg.voided_at is null)))
$$;
