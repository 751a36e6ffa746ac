//! Statuses, kinds, roles and tiers are read from the database into Rust
//! enums: a text the enum does not know is an error, never a fallback.
//! The check constraints keep such texts out of the tables, so these
//! tests decode a literal through the same `as "x: Type"` override the
//! app's queries use.

use samordna::structure::model::{OrgKind, Role, Tier};
use sqlx::PgPool;

use crate::helpers::db_value;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_tier_role_or_organisation_kind_the_app_does_not_know_is_a_decoding_error(db: PgPool) {
    let tier = db_value!(&db, r#"select 'beredningsgrupp'::text as "v!: Tier""#);
    assert_eq!(tier, Tier::Beredningsgrupp);
    // `Tier::from_db` used to read this as a temporary group.
    let unknown = sqlx::query_scalar!(r#"select 'arbetsgrupp'::text as "v!: Tier""#)
        .fetch_one(&db)
        .await;
    assert!(unknown.is_err(), "an unknown tier decoded: {unknown:?}");

    let role = db_value!(&db, r#"select 'may_attend'::text as "v!: Role""#);
    assert_eq!(role, Role::MayAttend);
    let unknown = sqlx::query_scalar!(r#"select 'ordforande'::text as "v!: Role""#)
        .fetch_one(&db)
        .await;
    assert!(unknown.is_err(), "an unknown role decoded: {unknown:?}");

    let kind = db_value!(&db, r#"select 'polis'::text as "v!: OrgKind""#);
    assert_eq!(kind, OrgKind::Police);
    let unknown = sqlx::query_scalar!(r#"select 'kyrka'::text as "v!: OrgKind""#)
        .fetch_one(&db)
        .await;
    assert!(unknown.is_err(), "an unknown kind decoded: {unknown:?}");
}
