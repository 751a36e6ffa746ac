-- "Anmäl förhinder": a member who holds a seat says ahead of a meeting that
-- they cannot come. The attendance row is then 'absent' with when and by
-- whom it was reported; taking it back removes the row.
alter table meeting_attendance add column excused_at timestamptz;
alter table meeting_attendance add column excused_by uuid references person (id);
