//! The bare page `scripts/bench` compares every Samordna page with: the same
//! crates (axum, sqlx, askama) and the same PostgreSQL, one query of about a
//! dozen rows, escaped and rendered through a template, no session.
//!
//! `DATABASE_URL=… cargo run --release --example baseline -- 127.0.0.1:18081`

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use sqlx::PgPool;

#[derive(Template, WebTemplate)]
#[template(
    ext = "html",
    source = r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Kategorier</title></head>
<body><main><h1>Kategorier</h1>
<table><thead><tr><th scope="col">Kategori</th><th scope="col">Ordning</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.name }}</td><td>{{ row.position }}</td></tr>{% endfor %}</tbody>
</table></main></body></html>"#
)]
struct Page {
    rows: Vec<Row>,
}

struct Row {
    name: String,
    position: i64,
}

async fn page(State(db): State<PgPool>) -> Result<Page, StatusCode> {
    // Runtime-checked on purpose: the example must build without the
    // project's offline query data changing. One municipality's rows, as a
    // page reads them (by index), so that the baseline does not slow down
    // as municipalities are added.
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select name, row_number() over (order by name) from incident_category
         where municipality_id = (select id from municipality where slug = 'lindesberg')
         order by name limit 12",
    )
    .fetch_all(&db)
    .await
    .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(Page {
        rows: rows
            .into_iter()
            .map(|(name, position)| Row { name, position })
            .collect(),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".into());
    let pool_size = std::env::var("SAMORDNA_DB_POOL_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            // The app's default: two connections per core plus two.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            u32::try_from(cores * 2 + 2).unwrap_or(10)
        });
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(pool_size)
        .connect(&url)
        .await?;
    let app = Router::new().route("/", get(page)).with_state(db);
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
