//! Backup and restore with pg_dump and pg_restore, as docs/operations.md
//! describes: a dumped demo database restored into a new one serves the
//! same records.

use std::process::Command;

use crate::helpers::*;

async fn counts(db: &sqlx::PgPool) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "person",
        "position_holder",
        "work_group",
        "membership",
        "meeting",
        "est_incident",
        "agreement_signature",
        "audit_event",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(db)
            .await
            .expect("count");
        counts.push(n);
    }
    counts
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_dumped_demo_database_restores_into_a_new_one_with_the_same_records(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let source = database_name(&db).await;
    let bin = samordna::embedded_pg::find_server_binaries()
        .expect("PostgreSQL binaries (pg_dump, pg_restore)");
    let dump = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{source}.dump"));

    let status = Command::new(bin.join("pg_dump"))
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(url_for(&source))
        .status()
        .expect("pg_dump runs");
    assert!(status.success(), "pg_dump");
    // Database names are cut at 63 bytes; the test database's name is long already.
    let target = format!("samordna_restore_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("drop database if exists {target} with (force)"))
        .execute(&db)
        .await
        .expect("drop old");
    sqlx::query(&format!("create database {target}"))
        .execute(&db)
        .await
        .expect("create");
    let status = Command::new(bin.join("pg_restore"))
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(url_for(&target))
        .arg(&dump)
        .status()
        .expect("pg_restore runs");
    assert!(status.success(), "pg_restore");

    let restored = sqlx::PgPool::connect(&url_for(&target))
        .await
        .expect("restored database");
    assert_eq!(counts(&restored).await, counts(&db).await);
    // The app starts on the restored database (migrations find nothing to do)
    // and serves the same structure to a user whose session is new.
    samordna::MIGRATOR
        .run(&restored)
        .await
        .expect("migrations are current");
    let app = TestApp::spawn(restored.clone()).await;
    app.login(COORDINATOR).await;
    let page = app.get_html("/struktur").await;
    assert_eq!(texts(&page, ".tiers .card h3"), LINDESBERG_GROUPS);

    drop(app);
    restored.close().await;
    let _ = std::fs::remove_file(&dump);
    sqlx::query(&format!("drop database {target} with (force)"))
        .execute(&db)
        .await
        .expect("drop");
}
