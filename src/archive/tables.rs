//! The municipal tables, read from PostgreSQL's catalog: every table with
//! a `municipality_id`, which of its columns hold documents (bytea), which
//! other municipal tables it refers to (so an import inserts in an order
//! the foreign keys accept), and which columns name a person.

use crate::tenant::MunicipalityId;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::ImportError;

/// One municipal table.
pub struct Table {
    pub name: String,
    documents: Vec<String>,
    refers_to: Vec<String>,
    /// Columns that name a person (`written_by`, `person_id`, …).
    people: Vec<String>,
}

pub struct Catalog {
    pub tables: Vec<Table>,
}

/// A name as SQL writes it.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Catalog {
    pub async fn read(db: &PgPool) -> sqlx::Result<Self> {
        let rows = sqlx::query!(
            r#"select c.relname::text as "name!",
                      array(select a.attname::text from pg_attribute a
                            where a.attrelid = c.oid and a.atttypid = 'bytea'::regtype
                              and a.attnum > 0 and not a.attisdropped order by a.attnum) as "documents!",
                      array(select distinct f.confrelid::regclass::text from pg_constraint f
                            where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid) as "refers_to!",
                      array(select a.attname::text from pg_constraint f
                            join pg_attribute a on a.attrelid = f.conrelid and a.attnum = any (f.conkey)
                            where f.conrelid = c.oid and f.contype = 'f' and f.confrelid = 'person'::regclass) as "people!"
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = 'public' and c.relkind = 'r'
                 and exists (select 1 from pg_attribute a where a.attrelid = c.oid
                               and a.attname = 'municipality_id' and not a.attisdropped)
               order by c.relname"#
        )
        .fetch_all(db)
        .await?;
        Ok(Self {
            tables: rows
                .into_iter()
                .map(|r| Table {
                    refers_to: r
                        .refers_to
                        .into_iter()
                        .map(|t| t.trim_matches('"').to_owned())
                        .collect(),
                    name: r.name,
                    documents: r.documents,
                    people: r.people,
                })
                .collect(),
        })
    }

    /// The tables, each after the municipal tables it refers to.
    pub fn in_insert_order(&self) -> Vec<&Table> {
        let names: BTreeSet<&str> = self.tables.iter().map(|t| t.name.as_str()).collect();
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut order = Vec::new();
        while order.len() < self.tables.len() {
            let before = order.len();
            for t in &self.tables {
                let ready = t
                    .refers_to
                    .iter()
                    .all(|r| !names.contains(r.as_str()) || done.contains(r.as_str()));
                if !done.contains(t.name.as_str()) && ready {
                    done.insert(&t.name);
                    order.push(t);
                }
            }
            if order.len() == before {
                // A cycle: the rest in name order (the import then says
                // which foreign key failed, and stores nothing).
                order.extend(
                    self.tables
                        .iter()
                        .filter(|t| !done.contains(t.name.as_str())),
                );
                break;
            }
        }
        order
    }

    /// The people named in the municipality's rows or working in it,
    /// without their password hashes.
    pub async fn people(&self, db: &PgPool, m: MunicipalityId) -> sqlx::Result<Vec<Value>> {
        let mut named =
            vec!["select person_id from person_municipality where municipality_id = $1".to_owned()];
        for t in &self.tables {
            for column in &t.people {
                named.push(format!(
                    "select {} from {} where municipality_id = $1",
                    ident(column),
                    ident(&t.name)
                ));
            }
        }
        let sql = format!(
            "select coalesce(jsonb_agg(to_jsonb(p) - 'password_hash' order by p.email), '[]')
             from person p where p.id in ({})",
            named.join(" union ")
        );
        let all: Value = sqlx::query_scalar(&sql).bind(m).fetch_one(db).await?;
        Ok(rows_of(all))
    }
}

fn rows_of(value: Value) -> Vec<Value> {
    match value {
        Value::Array(rows) => rows,
        _ => Vec::new(),
    }
}

impl Table {
    /// The municipality's rows of the table, as JSON objects.
    pub async fn rows(&self, db: &PgPool, m: MunicipalityId) -> sqlx::Result<Vec<Value>> {
        let sql = format!(
            "select coalesce(jsonb_agg(to_jsonb(t)), '[]') from {} t where municipality_id = $1",
            ident(&self.name)
        );
        let all: Value = sqlx::query_scalar(&sql).bind(m).fetch_one(db).await?;
        Ok(rows_of(all))
    }

    /// Takes the documents out of the rows: each becomes a file, and the
    /// row names the file (`fil:PATH`).
    pub fn take_documents(&self, rows: &mut [Value]) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for (i, row) in rows.iter_mut().enumerate() {
            for column in &self.documents {
                let Some(bytes) = row[column.as_str()].as_str().and_then(from_hex) else {
                    continue;
                };
                let path = self.document_path(column, i, &bytes);
                row[column.as_str()] = Value::String(format!("fil:{path}"));
                files.push((path, bytes));
            }
        }
        files
    }

    /// The file an export keeps a stored document in.
    fn document_path(&self, column: &str, row: usize, bytes: &[u8]) -> String {
        let ext = if bytes.starts_with(b"%PDF") {
            "pdf"
        } else {
            "bin"
        };
        format!("dokument/{}/{column}/{row}.{ext}", self.name)
    }

    /// Puts the documents back into the rows, from the export's files.
    pub fn put_documents(
        &self,
        rows: &mut Value,
        files: &BTreeMap<String, Vec<u8>>,
    ) -> Result<(), ImportError> {
        let Value::Array(rows) = rows else {
            return Err(ImportError::NotAnExport(format!(
                "tabeller/{}.json är ingen lista",
                self.name
            )));
        };
        for row in rows {
            for column in &self.documents {
                let Some(path) = row[column.as_str()]
                    .as_str()
                    .and_then(|v| v.strip_prefix("fil:"))
                else {
                    continue;
                };
                let bytes = files
                    .get(path)
                    .ok_or_else(|| ImportError::NotAnExport(format!("{path} saknas")))?;
                row[column.as_str()] = Value::String(to_hex(bytes));
            }
        }
        Ok(())
    }

    /// Deletes the municipality's rows; how many.
    pub async fn delete(&self, tx: &mut PgConnection, m: MunicipalityId) -> sqlx::Result<u64> {
        // Runtime SQL: the table comes from the catalog.
        let sql = format!(
            "delete from {} where municipality_id = $1",
            ident(&self.name)
        );
        let done = sqlx::query(&sql).bind(m).execute(tx).await?;
        Ok(done.rows_affected())
    }

    /// Inserts the rows; how many.
    pub async fn insert(&self, tx: &mut PgConnection, rows: &Value) -> sqlx::Result<usize> {
        let sql = format!(
            "insert into {0} select * from jsonb_populate_recordset(null::{0}, $1)",
            ident(&self.name)
        );
        let done = sqlx::query(&sql).bind(rows).execute(tx).await?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}

/// The bytes each municipality's rows take in `tables`, in one statement.
/// `only`: one municipality's, else every municipality's.
pub async fn sizes(
    db: &PgPool,
    tables: &[Table],
    only: Option<Uuid>,
) -> sqlx::Result<BTreeMap<Uuid, i64>> {
    if tables.is_empty() {
        return Ok(BTreeMap::new());
    }
    let parts: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "select municipality_id, pg_column_size(t.*)::bigint as bytes from {} t \
                 where ($1::uuid is null or municipality_id = $1)",
                ident(&t.name)
            )
        })
        .collect();
    // Runtime SQL: the tables come from the catalog, not from the source.
    let sql = format!(
        "select municipality_id, sum(bytes)::bigint from ({}) all_rows group by municipality_id",
        parts.join(" union all ")
    );
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(&sql).bind(only).fetch_all(db).await?;
    Ok(rows.into_iter().collect())
}

/// The people of an export: those already here (the same id) are kept as
/// they are; the others are added without a password, so that they sign
/// in only after someone gives them a one-time password.
pub async fn insert_people(tx: &mut PgConnection, people: &Value) -> Result<usize, ImportError> {
    let taken = sqlx::query_scalar!(
        r#"select p.email as "email!" from jsonb_array_elements($1::jsonb) e
           join person p on lower(p.email) = lower(e ->> 'email') and p.id <> (e ->> 'id')::uuid
           limit 1"#,
        people
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(email) = taken {
        return Err(ImportError::EmailTaken(email));
    }
    let added = sqlx::query!(
        r#"insert into person
           select * from jsonb_populate_recordset(null::person,
               (select coalesce(jsonb_agg(e || '{"password_hash": "!", "must_change_password": true}'), '[]')
                from jsonb_array_elements($1::jsonb) e))
           on conflict (id) do nothing"#,
        people
    )
    .execute(&mut *tx)
    .await?;
    Ok(usize::try_from(added.rows_affected()).unwrap_or(usize::MAX))
}

/// PostgreSQL's hex text of a bytea (`\x…`) as bytes.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    let hex = text.strip_prefix("\\x")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_go_to_hex_and_back() {
        let bytes = b"%PDF-1.7\n\x00\xff".to_vec();
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        assert_eq!(from_hex("\\x4"), None);
        assert_eq!(from_hex("plain text"), None);
    }
}
