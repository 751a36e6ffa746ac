//! The command line: `serve`, `migrate`, `user add`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tower_sessions::session_store::ExpiredDeletion;
use uuid::Uuid;

use crate::config::Config;
use crate::embedded_pg::EmbeddedPg;
use crate::startup::{App, shutdown_signal};
use crate::state::AppState;

#[derive(Parser)]
#[command(
    name = "samordna",
    version,
    about = "Samordna: kommunens brottsförebyggande struktur som webbapp"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrations run first).
    Serve {
        /// Load Lindesberg's (and Nora's) structure and the demo accounts.
        #[arg(long)]
        demo: bool,
        /// Address to listen on.
        #[arg(long, env = "SAMORDNA_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Run the database migrations and exit.
    Migrate,
    /// Remove EST free texts older than each municipality's retention (gallring).
    Gallra,
    /// Generate years of EST reports for load tests (loads the demo structure first).
    DemoData {
        /// How many years of weekly reports.
        #[arg(long, default_value_t = 1)]
        years: u32,
    },
    /// Manage people (logins).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person and print a one-time password.
    Add {
        /// The person's e-mail address (their login).
        #[arg(long)]
        email: String,
        /// The person's full name.
        #[arg(long)]
        name: String,
    },
}

/// Parses the command line and runs the command.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env();
    let (db, embedded) = connect(&config).await?;
    let result = match cli.command {
        Command::Serve { demo, bind } => serve(db.clone(), config, demo, &bind).await,
        Command::Gallra => gallra(&db).await,
        Command::DemoData { years } => demo_data(&db, years).await,
        Command::Migrate => {
            println!("Databasen är migrerad.");
            Ok(())
        }
        Command::User {
            command: UserCommand::Add { email, name },
        } => add_user(&db, &email, &name).await,
    };
    db.close().await;
    if let Some(pg) = embedded {
        pg.stop().await?;
    }
    result
}

/// Connects to `DATABASE_URL`, or to the embedded cluster, and migrates.
pub async fn connect(config: &Config) -> anyhow::Result<(PgPool, Option<EmbeddedPg>)> {
    let (url, embedded) = match &config.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let pg = EmbeddedPg::start(&config.data_dir).await?;
            (pg.database_url(), Some(pg))
        }
    };
    let db = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(&url)
        .await
        .context("cannot connect to the database")?;
    crate::MIGRATOR
        .run(&db)
        .await
        .context("database migrations failed")?;
    Ok((db, embedded))
}

async fn serve(db: PgPool, mut config: Config, demo: bool, bind: &str) -> anyhow::Result<()> {
    if demo {
        crate::seed::load_demo(&db).await?;
        config.demo = true;
    }
    let state = AppState::new(db.clone(), config)?;
    let expiry = tokio::spawn(crate::agreements::notify::daily(state.clone()));
    let reminders = tokio::spawn(crate::planning::measures::daily(state.clone()));
    let outbox = tokio::spawn(crate::mail::outbox::run(state.clone()));
    let app = App::build(state, bind).await?;
    let retention = tokio::spawn(crate::est::retention::daily(db.clone()));
    let cleanup = tokio::spawn(
        crate::auth::session_store::PgSessionStore::new(db.clone())
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );
    tracing::info!("Samordna lyssnar på http://{}", app.local_addr()?);
    let served = app.run_until(shutdown_signal()).await;
    cleanup.abort();
    retention.abort();
    expiry.abort();
    reminders.abort();
    outbox.abort();
    Ok(served?)
}

async fn add_user(db: &PgPool, email: &str, name: &str) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    let name = name.trim();
    if name.is_empty() || !email.contains('@') {
        anyhow::bail!("give a name and a valid e-mail address");
    }
    if crate::web::forms::line_problem(name).is_some()
        || crate::web::forms::line_problem(&email).is_some()
    {
        anyhow::bail!(
            "the name and the e-mail address must be one line without control characters"
        );
    }
    let password = crate::auth::password::one_time_password();
    let hash = crate::auth::password::hash(password.clone()).await?;
    let inserted = sqlx::query!(
        r#"insert into person (id, name, email, password_hash, must_change_password)
           values ($1, $2, $3, $4, true) on conflict do nothing"#,
        Uuid::now_v7(),
        name,
        email,
        hash
    )
    .execute(db)
    .await?;
    if inserted.rows_affected() == 0 {
        anyhow::bail!("a person with the e-mail address {email} already exists");
    }
    println!(
        "Skapade {name} <{email}>. Engångslösenord (byts vid första inloggningen): {password}"
    );
    Ok(())
}

async fn gallra(db: &PgPool) -> anyhow::Result<()> {
    let removed = crate::est::retention::run(db, chrono::Utc::now()).await?;
    println!(
        "Gallrat: fritexter i {} händelser, {} kommande händelser och {} samverkansbehov.",
        removed.incidents, removed.events, removed.needs
    );
    Ok(())
}

/// Loads the demo structure if missing, then `years` of EST reports for
/// Lindesberg, with a progress bar.
async fn demo_data(db: &PgPool, years: u32) -> anyhow::Result<()> {
    crate::seed::load_demo(db).await?;
    let m = sqlx::query_scalar!("select id from municipality where slug = 'lindesberg'")
        .fetch_one(db)
        .await?;
    let weeks = years.saturating_mul(52);
    let bar = indicatif::ProgressBar::new(u64::from(weeks));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} veckor ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("Skapar EST-rapporter");
    let mut tx = db.begin().await?;
    let written = crate::est::demo::reports(&mut tx, m, weeks, crate::web::today(), &|w| {
        bar.set_position(u64::from(w))
    })
    .await?;
    tx.commit().await?;
    bar.finish();
    println!("Skapade {written} veckorapporter över {years} år.");
    Ok(())
}
