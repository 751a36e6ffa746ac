//! Samordna: a Swedish municipality's crime-prevention structure as a web app.
//!
//! `main.rs` is a thin CLI; everything else lives here so that tests and
//! future binaries reuse the same application.

pub mod agreements;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod embedded_pg;
pub mod error;
pub mod est;
pub mod home;
pub mod http_client;
pub mod jobs;
pub mod listen;
pub mod mail;
pub mod map;
pub mod meetings;
pub mod operator;
pub mod page_cache;
pub mod planning;
pub mod seed;
pub mod sources;
pub mod startup;
pub mod state;
pub mod structure;
pub mod telemetry;
pub mod templates;
pub mod tenant;
pub mod text_enum;
pub mod tips;
pub mod web;

/// The migrations compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
