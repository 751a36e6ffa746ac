//! HTTP tests against the real router, a real PostgreSQL and a fresh
//! database per test (`#[sqlx::test]`).

mod agreements;
mod auth;
mod backup;
mod dashboard;
mod est;
mod hardening;
mod helpers;
mod infrastructure;
mod matrix;
mod meetings;
mod planning;
mod robustness;
mod structure;
