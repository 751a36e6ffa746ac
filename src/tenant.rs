//! The tenant: the municipality a request works in.
//!
//! Every tenant-owned row carries `municipality_id`, and every `db.rs`
//! function that reads or writes such rows takes a [`MunicipalityId`]. It is
//! a type of its own (Z2P's parse-don't-validate newtypes) so that the
//! tenant cannot be confused with another id: with the arguments swapped,
//! `db::agreement(db, id, m)` does not compile.
//!
//! ```compile_fail
//! # async fn f(db: &sqlx::PgPool, m: samordna::tenant::MunicipalityId, id: uuid::Uuid) {
//! // The agreement's id where the municipality belongs: a type error.
//! let _ = samordna::agreements::db::agreement(db, id, m).await;
//! # }
//! ```
//!
//! ```
//! # async fn f(db: &sqlx::PgPool, m: samordna::tenant::MunicipalityId, id: uuid::Uuid) {
//! let _ = samordna::agreements::db::agreement(db, m, id).await;
//! # }
//! ```
//!
//! The value comes from `CurrentUser::tenant` (web::extract), never from
//! form input. The few places that name a municipality without a signed-in
//! member use [`MunicipalityId::of_row`]: jobs that work through every
//! municipality (reminders, demo data, the command line), the operator's
//! pages (suspend, export, delete, invite), and the public tip pages, whose
//! address names their municipality by its slug.

use uuid::Uuid;

/// The id of a municipality, the tenant of a request or job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type, serde::Serialize)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct MunicipalityId(Uuid);

impl MunicipalityId {
    /// A municipality read from the `municipality` table itself (a job
    /// looping over every municipality, a public page found by its slug),
    /// not from anything a user sent.
    pub fn of_row(id: Uuid) -> Self {
        MunicipalityId(id)
    }

    /// The raw id, for a query's parameter.
    pub fn get(self) -> Uuid {
        self.0
    }
}

impl std::fmt::Display for MunicipalityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
