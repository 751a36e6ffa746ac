//! HTTP tests against the real router, a real PostgreSQL and a fresh
//! database per test (`#[sqlx::test]`).

mod agreements;
mod archive;
mod auth;
mod backup;
mod citizen_promises;
mod closing_the_loop;
mod control_characters;
mod dashboard;
mod double_submit;
mod est;
mod first_run;
mod getting_started;
mod group_feeds;
mod hardening;
mod helpers;
mod infrastructure;
mod kept_forms;
mod kolada;
mod layering;
mod map;
mod matrix;
mod meetings;
mod national;
mod operator;
mod outbox;
mod planning;
mod police_events;
mod request_path;
mod robustness;
#[path = "../support/serve.rs"]
mod serve;
mod structure;
mod templates;
mod tenancy;
mod text_hardening;
mod tips;
mod vocabulary;
mod words;
