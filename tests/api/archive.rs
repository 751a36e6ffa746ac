//! A municipality's export (`samordna exportera`): one zip with its rows,
//! its documents, its audit log and a manifest of SHA-256 sums, that
//! restores the municipality into an empty deployment and nothing else.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use samordna::archive::{ImportError, export, import};
use sha2::Digest;

use crate::helpers::*;

/// A new, migrated, empty database; its name and pool.
async fn empty_deployment(db: &sqlx::PgPool) -> (String, sqlx::PgPool) {
    let name = format!("samordna_import_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("create database {name}"))
        .execute(db)
        .await
        .expect("create");
    let pool = sqlx::PgPool::connect(&url_for(&name))
        .await
        .expect("connect");
    samordna::MIGRATOR.run(&pool).await.expect("migrate");
    (name, pool)
}

async fn drop_deployment(db: &sqlx::PgPool, name: &str, pool: sqlx::PgPool) {
    pool.close().await;
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(db)
        .await
        .expect("drop");
}

/// Every table with a municipality, and how many of its rows are `m`'s.
async fn counts(db: &sqlx::PgPool, m: uuid::Uuid) -> BTreeMap<String, i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_attribute a on a.attrelid = c.oid
         where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace and a.attname = 'municipality_id'
         order by 1",
    )
    .fetch_all(db)
    .await
    .expect("tables");
    let mut out = BTreeMap::new();
    for t in tables {
        let n: i64 = sqlx::query_scalar(&format!(
            "select count(*) from \"{t}\" where municipality_id = $1"
        ))
        .bind(m)
        .fetch_one(db)
        .await
        .expect("count");
        out.insert(t, n);
    }
    out
}

/// The documents, as one checksum per table.
async fn documents(db: &sqlx::PgPool, m: uuid::Uuid) -> (Option<String>, Option<String>) {
    sqlx::query_as(
        "select (select md5(string_agg(md5(document), '' order by id)) from agreement_version where municipality_id = $1),
                (select md5(string_agg(md5(document), '' order by id)) from kartlaggning_source where municipality_id = $1 and document is not null)",
    )
    .bind(m)
    .fetch_one(db)
    .await
    .expect("documents")
}

/// The zip's files by name.
fn files(zip: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a zip");
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).expect("read");
        out.insert(f.name().expect("a name").to_string(), bytes);
    }
    out
}

/// The zip again with `change` made to its files.
fn rezip(zip: &[u8], change: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) -> Vec<u8> {
    let mut all = files(zip);
    change(&mut all);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in all {
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("file");
        out.write_all(&bytes).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_municipalitys_export_restores_it_into_an_empty_deployment(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let m = municipality_id(&db, "Lindesbergs kommun").await;
    sqlx::query(
        "insert into audit_event (id, municipality_id, person_id, action, entity, summary)
         select $1, $2, id, 'ändrade', 'kommun', 'Ett steg i loggen' from person where email = $3",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(m)
    .bind(COORDINATOR)
    .execute(&db)
    .await
    .expect("audit");
    let zip = export(&db, samordna::tenant::MunicipalityId::of_row(m))
        .await
        .expect("export");
    let (name, target) = empty_deployment(&db).await;

    let done = import(&target, &zip).await.expect("import");

    assert_eq!(done.municipality, "Lindesbergs kommun");
    let before = counts(&db, m).await;
    assert!(
        before["est_incident"] > 0 && before["audit_event"] > 0 && before["agreement_version"] > 0
    );
    assert_eq!(counts(&target, m).await, before);
    assert_eq!(documents(&target, m).await, documents(&db, m).await);
    let municipalities: Vec<String> = sqlx::query_scalar("select name from municipality")
        .fetch_all(&target)
        .await
        .expect("names");
    assert_eq!(municipalities, ["Lindesbergs kommun"]);
    // Nobody signs in with a password from the old deployment; once given
    // a new one, the coordinator finds the structure as it was.
    let app = TestApp::spawn(target.clone()).await;
    let refused = app.login_with(COORDINATOR, DEMO_PASSWORD).await;
    assert_ne!(refused.status(), reqwest::StatusCode::SEE_OTHER);
    let hash: String = sqlx::query_scalar("select password_hash from person where email = $1")
        .bind(COORDINATOR)
        .fetch_one(&db)
        .await
        .expect("hash");
    sqlx::query(
        "update person set password_hash = $1, must_change_password = false where email = $2",
    )
    .bind(hash)
    .bind(COORDINATOR)
    .execute(&target)
    .await
    .expect("new password");
    app.login(COORDINATOR).await;
    let page = app.get_html("/struktur").await;
    assert_eq!(texts(&page, ".tiers .card h3"), LINDESBERG_GROUPS);
    drop(app);
    drop_deployment(&db, &name, target).await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_export_holds_its_municipality_only_and_no_password_hashes(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let m = municipality_id(&db, "Lindesbergs kommun").await;

    let all = files(
        &export(&db, samordna::tenant::MunicipalityId::of_row(m))
            .await
            .expect("export"),
    );

    let manifest: serde_json::Value =
        serde_json::from_slice(&all["manifest.json"]).expect("manifest");
    let listed = manifest["files"].as_array().expect("files");
    assert_eq!(listed.len() + 1, all.len(), "every file is in the manifest");
    for f in listed {
        let path = f["path"].as_str().expect("path");
        let sum: String = sha2::Sha256::digest(&all[path])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(f["sha256"].as_str(), Some(sum.as_str()), "{path}");
    }
    for (path, bytes) in all.iter().filter(|(p, _)| p.starts_with("tabeller/")) {
        let rows: Vec<serde_json::Value> = serde_json::from_slice(bytes).expect("rows");
        assert!(
            rows.iter().all(|r| r["municipality_id"] == m.to_string()),
            "{path} holds only Lindesberg's rows"
        );
    }
    assert!(all.contains_key("tabeller/audit_event.json"));
    assert!(
        all.keys()
            .any(|p| p.starts_with("dokument/agreement_version/") && p.ends_with(".pdf")),
        "the agreements' PDFs are files of their own"
    );
    let people = String::from_utf8(all["personer.json"].clone()).expect("text");
    assert!(people.contains(COORDINATOR) && !people.contains(NORA_COORDINATOR));
    assert!(!people.contains("password_hash") && !people.contains("$argon2"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_export_that_does_not_hold_together_changes_nothing(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let m = municipality_id(&db, "Lindesbergs kommun").await;
    let zip = export(&db, samordna::tenant::MunicipalityId::of_row(m))
        .await
        .expect("export");
    let before = counts(&db, m).await;

    // Into the deployment that has the municipality already.
    assert!(matches!(
        import(&db, &zip).await,
        Err(ImportError::Exists(_))
    ));
    // Not a zip at all.
    assert!(matches!(
        import(&db, b"PK not really").await,
        Err(ImportError::NotAnExport(_))
    ));
    let (name, target) = empty_deployment(&db).await;
    // A file changed after the export.
    let changed = rezip(&zip, |f| {
        f.insert("tabeller/est_incident.json".to_owned(), b"[]".to_vec());
    });
    assert!(matches!(
        import(&target, &changed).await,
        Err(ImportError::Tampered(p)) if p == "tabeller/est_incident.json"
    ));
    // From another version of the schema.
    let older = rezip(&zip, |f| {
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&f["manifest.json"]).expect("manifest");
        manifest["schema"] = serde_json::json!(1);
        f.insert(
            "manifest.json".to_owned(),
            serde_json::to_vec(&manifest).expect("json"),
        );
    });
    assert!(matches!(
        import(&target, &older).await,
        Err(ImportError::Schema { found: 1, .. })
    ));
    // A person whose address belongs to someone else here.
    sqlx::query(
        "insert into person (id, name, email, password_hash) values ($1, 'Annan', $2, 'x')",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(COORDINATOR)
    .execute(&target)
    .await
    .expect("person");
    assert!(matches!(
        import(&target, &zip).await,
        Err(ImportError::EmailTaken(_))
    ));

    let stored: i64 = sqlx::query_scalar("select count(*) from municipality")
        .fetch_one(&target)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored half-way");
    assert_eq!(counts(&db, m).await, before);
    drop_deployment(&db, &name, target).await;
}
