//! HTTP tests against the real router, a real PostgreSQL and a fresh
//! database per test (`#[sqlx::test]`).

mod agreements;
mod auth;
mod backup;
mod dashboard;
mod est;
mod first_run;
mod helpers;
mod infrastructure;
mod matrix;
mod meetings;
mod national;
mod planning;
mod request_path;
mod robustness;
mod structure;
