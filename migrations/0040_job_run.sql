-- Several instances (issue 14 item 4): a daily job runs once a day across
-- every instance of a deployment. The instance that runs it holds a
-- transaction-level advisory lock on the job while it runs and writes the
-- day here in that same transaction (src/jobs.rs), so a job that died with
-- its instance has no row and runs again on the next instance's check.
create table job_run (
    job text not null,
    day date not null,
    finished_at timestamptz not null default now(),
    primary key (job, day)
);
