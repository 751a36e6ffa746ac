-- Which seats a person holds, written once. A person holding a position sits
-- in every group where that position is a member, and also, as substitute,
-- wherever a position that names theirs as `substitute_position_id` is a
-- member. The access checks (src/web/seats.rs), the start page, the meeting
-- calendar and the person's calendar feed all read this view instead of
-- repeating the join. The planner inlines the view, so each query plans as
-- before. Callers still filter on person, municipality and the day
-- (held_from <= day and (held_to is null or held_to >= day)).
create view seat as
select h.person_id,
       h.municipality_id,
       h.held_from,
       h.held_to,
       h.position_id as held_position_id,
       ms.position_id,
       ms.work_group_id,
       ms.role,
       ms.position_id = h.position_id as direct
from position_holder h
join position mp on mp.id = h.position_id or mp.substitute_position_id = h.position_id
join membership ms on ms.position_id = mp.id;
