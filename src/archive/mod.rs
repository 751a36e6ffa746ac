//! A municipality's export, for arkivlagen and data portability: one zip
//! with a JSON file per table (every row that carries the municipality),
//! the municipality itself, the people who appear in its rows (without
//! their password hashes), every stored document as a file of its own
//! (agreements' PDFs, counterparties' signed copies, kartläggning
//! attachments), and `manifest.json` with the SHA-256 of every file.
//! Importing the zip into a deployment of the same schema that does not
//! have the municipality restores it, in one transaction, or changes
//! nothing and says why.
//!
//! The tables are found in the catalog, not listed by hand: a new table
//! with a `municipality_id` is exported without touching this file.

mod tables;

use crate::tenant::MunicipalityId;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;
use zip::write::SimpleFileOptions;

use tables::Catalog;

/// What `manifest.json` says the zip is.
const FORMAT: &str = "samordna-kommunexport";
/// The manifest's layout; raised when it changes.
const VERSION: u32 = 1;

/// `manifest.json`.
#[derive(Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// The last migration of the database it came from: an import needs
    /// the same schema.
    pub schema: i64,
    pub municipality: String,
    pub slug: String,
    pub exported_at: chrono::DateTime<chrono::Utc>,
    pub files: Vec<ManifestFile>,
}

#[derive(Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// Rows, for a table's file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
}

/// Why an export could not be imported. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("Filen är inte en zip-fil från Samordna: {0}")]
    NotAnExport(String),
    #[error(
        "Filen {0} stämmer inte med sin SHA-256 i manifest.json: exporten är ändrad eller skadad."
    )]
    Tampered(String),
    #[error(
        "Exporten kommer från databasschema {found}, den här driftmiljön har {here}. Uppgradera den äldre först."
    )]
    Schema { found: i64, here: i64 },
    #[error("Kommunen {0} finns redan i den här driftmiljön.")]
    Exists(String),
    #[error("E-postadressen {0} hör redan till en annan person i den här driftmiljön.")]
    EmailTaken(String),
    #[error("Databasfel: {0}")]
    Database(#[from] sqlx::Error),
}

/// What an import restored.
pub struct Imported {
    pub municipality: String,
    pub people: usize,
    pub rows: usize,
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn schema(db: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select coalesce(max(version), 0) as "v!" from _sqlx_migrations"#)
        .fetch_one(db)
        .await
}

/// The zip of municipality `m`.
pub async fn export(db: &PgPool, m: MunicipalityId) -> anyhow::Result<Vec<u8>> {
    let catalog = Catalog::read(db).await?;
    let municipality = sqlx::query_scalar!(
        r#"select to_jsonb(mu) as "row!" from municipality mu where mu.id = $1"#,
        m.get()
    )
    .fetch_one(db)
    .await?;
    let mut files: Vec<(String, Vec<u8>, Option<usize>)> = Vec::new();
    files.push((
        "kommun.json".to_owned(),
        serde_json::to_vec_pretty(&municipality)?,
        None,
    ));
    let people = catalog.people(db, m).await?;
    files.push((
        "personer.json".to_owned(),
        serde_json::to_vec_pretty(&people)?,
        Some(people.len()),
    ));
    for table in &catalog.tables {
        let mut rows = table.rows(db, m).await?;
        let documents = table.take_documents(&mut rows);
        files.push((
            format!("tabeller/{}.json", table.name),
            serde_json::to_vec_pretty(&rows)?,
            Some(rows.len()),
        ));
        files.extend(
            documents
                .into_iter()
                .map(|(path, bytes)| (path, bytes, None)),
        );
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        schema: schema(db).await?,
        municipality: municipality["name"].as_str().unwrap_or_default().to_owned(),
        slug: municipality["slug"].as_str().unwrap_or_default().to_owned(),
        exported_at: chrono::Utc::now(),
        files: files
            .iter()
            .map(|(path, bytes, rows)| ManifestFile {
                path: path.clone(),
                sha256: sha256(bytes),
                bytes: bytes.len() as u64,
                rows: *rows,
            })
            .collect(),
    };
    zip_up(&manifest, &files)
}

fn zip_up(
    manifest: &Manifest,
    files: &[(String, Vec<u8>, Option<usize>)],
) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("manifest.json", options)?;
    zip.write_all(&serde_json::to_vec_pretty(manifest)?)?;
    for (path, bytes, _) in files {
        zip.start_file(path.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The files of an export, each checked against the manifest.
fn unzip(bytes: &[u8]) -> Result<(Manifest, BTreeMap<String, Vec<u8>>), ImportError> {
    let bad = |e: &dyn std::fmt::Display| ImportError::NotAnExport(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let mut read = |name: &str| -> Result<Vec<u8>, ImportError> {
        let mut file = zip
            .by_name(name)
            .map_err(|e| bad(&format!("{name}: {e}")))?;
        let mut out = Vec::new();
        file.read_to_end(&mut out).map_err(|e| bad(&e))?;
        Ok(out)
    };
    let manifest: Manifest =
        serde_json::from_slice(&read("manifest.json")?).map_err(|e| bad(&e))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(bad(&"okänt format i manifest.json"));
    }
    let mut files = BTreeMap::new();
    for f in &manifest.files {
        let content = read(&f.path)?;
        if sha256(&content) != f.sha256 {
            return Err(ImportError::Tampered(f.path.clone()));
        }
        files.insert(f.path.clone(), content);
    }
    Ok((manifest, files))
}

fn json(files: &BTreeMap<String, Vec<u8>>, path: &str) -> Result<Value, ImportError> {
    let bytes = files
        .get(path)
        .ok_or_else(|| ImportError::NotAnExport(format!("{path} saknas")))?;
    serde_json::from_slice(bytes).map_err(|e| ImportError::NotAnExport(format!("{path}: {e}")))
}

/// Restores the municipality of an export, all of it or nothing.
pub async fn import(db: &PgPool, bytes: &[u8]) -> Result<Imported, ImportError> {
    let (manifest, files) = unzip(bytes)?;
    let here = schema(db).await?;
    if manifest.schema != here {
        return Err(ImportError::Schema {
            found: manifest.schema,
            here,
        });
    }
    let catalog = Catalog::read(db).await?;
    let municipality = json(&files, "kommun.json")?;
    let people = json(&files, "personer.json")?;
    let mut tx = db.begin().await?;
    let taken = sqlx::query_scalar!(
        r#"select exists (select 1 from municipality where id = ($1::jsonb ->> 'id')::uuid
                             or slug = $1::jsonb ->> 'slug') as "taken!""#,
        municipality
    )
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        return Err(ImportError::Exists(manifest.municipality));
    }
    sqlx::query!(
        "insert into municipality select * from jsonb_populate_record(null::municipality, $1)",
        municipality
    )
    .execute(&mut *tx)
    .await?;
    let people_count = tables::insert_people(&mut tx, &people).await?;
    let mut rows = 0;
    for table in catalog.in_insert_order() {
        let mut data = json(&files, &format!("tabeller/{}.json", table.name))?;
        table.put_documents(&mut data, &files)?;
        rows += table.insert(&mut tx, &data).await?;
    }
    tx.commit().await?;
    Ok(Imported {
        municipality: manifest.municipality,
        people: people_count,
        rows,
    })
}

/// Deletes every row of municipality `m`, the municipality last, inside the
/// caller's transaction: its tables in the reverse of the order an import
/// inserts them, so no foreign key is left pointing at a deleted row.
/// Other municipalities are not touched. Returns the rows deleted.
pub async fn delete(
    db: &PgPool,
    tx: &mut sqlx::PgConnection,
    m: MunicipalityId,
) -> anyhow::Result<u64> {
    let catalog = Catalog::read(db).await?;
    // Group feeds point at a group without naming the municipality.
    let mut rows = sqlx::query!(
        r#"delete from calendar_token
           where work_group_id in (select id from work_group where municipality_id = $1)"#,
        m.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    for table in catalog.in_insert_order().into_iter().rev() {
        rows += table.delete(&mut *tx, m).await?;
    }
    rows += sqlx::query!("delete from municipality where id = $1", m.get())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    Ok(rows)
}

/// Roughly how much each municipality's rows take, in bytes: the sum of
/// `pg_column_size` of every row of every municipal table (the rows as
/// stored, compressed values compressed; no indexes). `only`: just that
/// municipality's.
pub async fn sizes(db: &PgPool, only: Option<Uuid>) -> anyhow::Result<BTreeMap<Uuid, i64>> {
    let catalog = Catalog::read(db).await?;
    Ok(tables::sizes(db, &catalog.tables, only).await?)
}
