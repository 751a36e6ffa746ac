//! The command line: `serve`, `migrate`, `user add`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tower_sessions::session_store::ExpiredDeletion;
use uuid::Uuid;

mod mall;

use crate::config::Config;
use crate::embedded_pg::EmbeddedPg;
use crate::seed::national::{MAX_MUNICIPALITIES, MAX_YEARS};
use crate::startup::{App, shutdown_signal};
use crate::state::AppState;
use crate::tenant::MunicipalityId;

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
    /// Fetch every outside source now (the police's events, Kolada's statistics).
    Hamta,
    /// Remove EST free texts older than each municipality's retention (gallring).
    Gallra,
    /// Generate years of EST reports for load tests (loads the demo structure first).
    DemoData {
        /// How many years of weekly reports (at most 50).
        #[arg(long, default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_YEARS)))]
        years: u32,
        /// Also add this many invented municipalities built like Lindesberg
        /// (at most 1000), each with its own people, meetings and the same
        /// years of reports.
        #[arg(long,
              value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_MUNICIPALITIES)))]
        municipalities: Option<u32>,
    },
    /// Export a municipality as one zip (tables as JSON, documents, audit
    /// log, manifest with SHA-256), for arkivlagen and data portability.
    Exportera {
        /// The municipality's short name, as in its addresses (`lindesberg`).
        #[arg(long)]
        kommun: String,
        /// Where to write the zip.
        #[arg(long)]
        fil: std::path::PathBuf,
    },
    /// Restore a municipality from an export into this deployment.
    Importera {
        /// The export's zip.
        #[arg(long)]
        fil: std::path::PathBuf,
    },
    /// Structure templates: export, check, create a municipality from one.
    Mall {
        #[command(subcommand)]
        command: MallCommand,
    },
    /// Manage people (logins).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage operators (driften): they run the deployment at /drift and
    /// read no municipality's records.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Make a person an operator; a new person gets a one-time password.
    Add {
        /// The operator's e-mail address (their login).
        #[arg(long)]
        email: String,
        /// The operator's name, for a new person.
        #[arg(long, default_value = "Driften")]
        namn: String,
    },
}

#[derive(Subcommand)]
enum MallCommand {
    /// Write a municipality's structure (no people) as a template.
    Exportera {
        /// The municipality's short name (`lindesberg`).
        #[arg(long)]
        kommun: String,
        /// Where to write the JSON.
        #[arg(long)]
        fil: std::path::PathBuf,
    },
    /// Check a template and print what is wrong with it.
    Kontrollera {
        #[arg(long)]
        fil: std::path::PathBuf,
    },
    /// Create a new municipality from a template file or a built-in one.
    Importera {
        /// The template's JSON.
        #[arg(long, required_unless_present = "mall", conflicts_with = "mall")]
        fil: Option<std::path::PathBuf>,
        /// A built-in template instead: `bra` or `lindesberg`.
        #[arg(long)]
        mall: Option<String>,
        /// The municipality's name ("Nora kommun").
        #[arg(long)]
        namn: String,
        /// Its short name in addresses (a–z, 0–9, hyphens).
        #[arg(long)]
        slug: String,
        /// Its kommunkod, four digits.
        #[arg(long)]
        kod: Option<String>,
        /// The e-mail of a person (`samordna user add`) who becomes the
        /// first coordinator: holds the template's coordinator position.
        #[arg(long)]
        samordnare: Option<String>,
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
    if let Command::Mall {
        command: MallCommand::Kontrollera { fil },
    } = &cli.command
    {
        // Needs no database.
        return mall::check(fil);
    }
    let mut config = Config::from_env()?;
    if let Command::Serve { bind, .. } = &cli.command {
        // Before the database is set up, so that a taken port fails at once.
        check_bind(bind)?;
    }
    if config.database_url.is_none() && !data_dir_given() {
        // Install first: whether the postgres user can reach ./data needs that user.
        crate::embedded_pg::server_binaries().await?;
        if let Some(dir) = crate::embedded_pg::root_data_dir(&config.data_dir).await? {
            if config.mail_dir == config.data_dir.join("mail") {
                config.mail_dir = dir.join("mail");
            }
            config.data_dir = dir;
        }
    }
    let (db, embedded) = connect(&config).await?;
    let days = config.one_time_password_days;
    let result = match cli.command {
        Command::Serve { demo, bind } => serve(db.clone(), config, demo, &bind).await,
        Command::Gallra => gallra(&db).await,
        Command::Hamta => hamta(&db, &config).await,
        Command::DemoData {
            years,
            municipalities,
        } => demo_data(&db, years, municipalities).await,
        Command::Exportera { kommun, fil } => exportera(&db, &kommun, &fil).await,
        Command::Importera { fil } => importera(&db, &fil).await,
        Command::Mall { command } => mall(&db, command).await,
        Command::Migrate => {
            println!("Databasen är migrerad.");
            Ok(())
        }
        Command::User {
            command: UserCommand::Add { email, name },
        } => add_user(&db, &email, &name, days).await,
        Command::Operator {
            command: OperatorCommand::Add { email, namn },
        } => add_operator(&db, &email, &namn, days).await,
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
        .max_connections(config.db_pool_size)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(&url)
        .await;
    let db = match (db, &embedded) {
        (Ok(db), _) => db,
        (Err(error), None) => return Err(database_url_failed(&url, &error)),
        (Err(error), Some(_)) => {
            return Err(error).context("cannot connect to the embedded database");
        }
    };
    crate::MIGRATOR
        .run(&db)
        .await
        .context("database migrations failed")?;
    Ok((db, embedded))
}

/// Whether `SAMORDNA_DATA_DIR` chooses the data folder (read as
/// [`Config::from_env`] reads it).
fn data_dir_given() -> bool {
    std::env::var("SAMORDNA_DATA_DIR").is_ok_and(|v| !v.trim().is_empty())
}

/// One sentence for a `DATABASE_URL` that does not lead to a database:
/// names the host and port, never the password.
fn database_url_failed(url: &str, error: &sqlx::Error) -> anyhow::Error {
    let scheme_ok = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let Some(options) = url.parse::<PgConnectOptions>().ok().filter(|_| scheme_ok) else {
        return anyhow::anyhow!(
            "DATABASE_URL is not a PostgreSQL address like postgres://user@host:5432/database"
        );
    };
    let server = match options.get_socket() {
        Some(dir) => format!("the socket folder {}", dir.display()),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    match error {
        sqlx::Error::Database(e) => anyhow::anyhow!(
            "the PostgreSQL server at {server} (DATABASE_URL) refused the connection: {}",
            e.message()
        ),
        sqlx::Error::Io(e) => anyhow::anyhow!(
            "no PostgreSQL server answers at {server} (DATABASE_URL): {e}; start it, or correct DATABASE_URL"
        ),
        sqlx::Error::PoolTimedOut => anyhow::anyhow!(
            "no PostgreSQL server answers at {server} (DATABASE_URL) within 5 seconds; start it, or correct DATABASE_URL"
        ),
        other => anyhow::anyhow!(
            "cannot connect to the PostgreSQL server at {server} (DATABASE_URL): {}",
            other.to_string().replace(url, "DATABASE_URL")
        ),
    }
}

/// Tries the address the server will listen on, for one clear sentence when
/// it is taken (the server binds it again once the database is ready).
fn check_bind(bind: &str) -> anyhow::Result<()> {
    let Err(error) = std::net::TcpListener::bind(bind) else {
        return Ok(());
    };
    let what = match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!("{bind} is already in use by another program")
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("listening on {bind} is not permitted (ports below 1024 need root)")
        }
        _ => format!("cannot listen on {bind} ({error})"),
    };
    anyhow::bail!(
        "{what}: choose another address with --bind or SAMORDNA_BIND, e.g. --bind 127.0.0.1:8081"
    )
}

async fn serve(db: PgPool, mut config: Config, demo: bool, bind: &str) -> anyhow::Result<()> {
    if demo {
        crate::seed::load_demo(&db).await?;
        config.demo = true;
    }
    let sources = tokio::spawn(crate::sources::run(db.clone(), config.clone()));
    let state = AppState::new(db.clone(), config)?;
    let state_identity = state.identity.clone();
    let job_check = state.config.job_check();
    let expiry = tokio::spawn(crate::agreements::notify::daily(state.clone()));
    let reminders = tokio::spawn(crate::planning::measures::daily(state.clone()));
    let outbox = tokio::spawn(crate::mail::outbox::run(state.clone()));
    let app = App::build(state, bind).await?;
    let retention = tokio::spawn(crate::est::retention::daily(db.clone(), job_check));
    let cleanup = tokio::spawn(
        crate::auth::session_store::PgSessionStore::new(db.clone(), state_identity)
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );
    tracing::info!("Samordna lyssnar på http://{}", app.local_addr()?);
    let served = app.run_until(shutdown_signal()).await;
    cleanup.abort();
    retention.abort();
    expiry.abort();
    reminders.abort();
    outbox.abort();
    sources.abort();
    Ok(served?)
}

async fn add_user(db: &PgPool, email: &str, name: &str, days: u32) -> anyhow::Result<()> {
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
        r#"insert into person (id, name, email, password_hash, must_change_password,
                               one_time_password_expires_at)
           values ($1, $2, $3, $4, true, now() + make_interval(days => $5))
           on conflict do nothing"#,
        Uuid::now_v7(),
        name,
        email,
        hash,
        days as i32
    )
    .execute(db)
    .await?;
    if inserted.rows_affected() == 0 {
        anyhow::bail!("a person with the e-mail address {email} already exists");
    }
    println!(
        "Skapade {name} <{email}>. Lösenordet gäller i {days} dagar. \
         Engångslösenord (byts vid första inloggningen): {password}"
    );
    Ok(())
}

async fn add_operator(db: &PgPool, email: &str, name: &str, days: u32) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    let name = name.trim();
    if name.is_empty() || !email.contains('@') {
        anyhow::bail!("give a valid e-mail address and a name");
    }
    if crate::web::forms::line_problem(name).is_some()
        || crate::web::forms::line_problem(&email).is_some()
    {
        anyhow::bail!(
            "the name and the e-mail address must be one line without control characters"
        );
    }
    match crate::operator::add_operator(db, &email, name, days).await? {
        Some(password) => println!(
            "Skapade driftkontot {name} <{email}>. Lösenordet gäller i {days} dagar. \
             Engångslösenord (byts vid första inloggningen): {password}"
        ),
        None => println!(
            "{email} är nu drift och behåller sitt lösenord. Ett driftkonto ser inga \
             kommuners uppgifter, inte heller de kommuner personen arbetade i."
        ),
    }
    Ok(())
}

async fn hamta(db: &PgPool, config: &Config) -> anyhow::Result<()> {
    for line in crate::sources::fetch_all_now(db, config).await? {
        println!("{line}");
    }
    Ok(())
}

async fn exportera(db: &PgPool, slug: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let m = sqlx::query_scalar!("select id from municipality where slug = $1", slug)
        .fetch_optional(db)
        .await?
        .with_context(|| format!("Ingen kommun heter {slug} här."))?;
    let zip = crate::archive::export(db, MunicipalityId::of_row(m)).await?;
    std::fs::write(file, &zip).with_context(|| format!("{} kunde inte skrivas", file.display()))?;
    println!(
        "Exporten av {slug} är skriven till {} ({} kB).",
        file.display(),
        zip.len() / 1024
    );
    Ok(())
}

async fn importera(db: &PgPool, file: &std::path::Path) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(file).with_context(|| format!("{} kunde inte läsas", file.display()))?;
    let done = crate::archive::import(db, &bytes).await?;
    println!(
        "{} är återställd: {} rader och {} nya personer. De nya personerna har inget lösenord; ge dem ett engångslösenord under Administration.",
        done.municipality, done.rows, done.people
    );
    Ok(())
}

async fn mall(db: &PgPool, command: MallCommand) -> anyhow::Result<()> {
    match command {
        MallCommand::Exportera { kommun, fil } => mall::export(db, &kommun, &fil).await,
        MallCommand::Kontrollera { fil } => mall::check(&fil),
        MallCommand::Importera {
            fil,
            mall,
            namn,
            slug,
            kod,
            samordnare,
        } => {
            let template = match (fil, mall) {
                (Some(fil), _) => mall::read(&fil)?,
                (None, key) => mall::builtin(key.as_deref().unwrap_or_default())?,
            };
            let new = crate::templates::NewMunicipality {
                name: namn,
                slug,
                code: kod,
            };
            mall::import(db, &new, &template, samordnare.as_deref()).await
        }
    }
}

async fn gallra(db: &PgPool) -> anyhow::Result<()> {
    let removed = crate::est::retention::run(db, chrono::Utc::now()).await?;
    println!("{}", gallring_summary(&removed));
    Ok(())
}

/// "Gallrat: fritexter i 1 händelse, 2 kommande händelser, 0 samverkansbehov,
/// 1 anteckning om samverkan och 3 tips från allmänheten."
fn gallring_summary(removed: &crate::est::retention::Removed) -> String {
    use crate::web::words::count;
    format!(
        "Gallrat: fritexter i {}, {}, {}, {} och {} från allmänheten.",
        count(removed.incidents, "händelse", "händelser"),
        count(removed.events, "kommande händelse", "kommande händelser"),
        count(removed.needs, "samverkansbehov", "samverkansbehov"),
        count(
            removed.notes,
            "anteckning om samverkan",
            "anteckningar om samverkan"
        ),
        count(removed.tips, "tips", "tips")
    )
}

/// Loads the demo structure if missing, then `years` of EST reports for
/// Lindesberg, with a progress bar; then, if asked, `municipalities`
/// generated municipalities with as many years each.
async fn demo_data(db: &PgPool, years: u32, municipalities: Option<u32>) -> anyhow::Result<()> {
    crate::seed::load_demo(db).await?;
    let m = sqlx::query_scalar!("select id from municipality where slug = 'lindesberg'")
        .fetch_one(db)
        .await?;
    let weeks = years.saturating_mul(52);
    let bar = progress_bar(weeks, "veckor", "Skapar EST-rapporter");
    let mut tx = db.begin().await?;
    let written = crate::est::demo::reports(
        &mut tx,
        MunicipalityId::of_row(m),
        weeks,
        crate::web::today(),
        &|w| bar.set_position(u64::from(w)),
    )
    .await?;
    tx.commit().await?;
    bar.finish();
    println!("Skapade {written} veckorapporter över {years} år.");
    if let Some(count) = municipalities {
        national(db, count, years).await?;
    }
    Ok(())
}

/// Adds `count` generated municipalities, one progress step each.
async fn national(db: &PgPool, count: u32, years: u32) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bar = progress_bar(count, "kommuner", "Skapar kommuner");
    let loaded =
        crate::seed::national::load(db, count, years, crate::web::today(), &|| bar.inc(1)).await?;
    bar.finish();
    println!(
        "Skapade {} kommuner med {} veckorapporter över {years} år på {:.0} s{}.",
        loaded.municipalities,
        loaded.reports,
        started.elapsed().as_secs_f64(),
        match loaded.existing {
            0 => String::new(),
            n => format!(" ({n} fanns redan och lämnades orörda)"),
        }
    );
    Ok(())
}

fn progress_bar(len: u32, unit: &str, message: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(u64::from(len));
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{eta}})"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command, gallring_summary};
    use crate::est::retention::Removed;

    #[test]
    fn the_gallring_summary_counts_each_kind_in_the_right_number() {
        let one = Removed {
            incidents: 1,
            events: 1,
            needs: 1,
            notes: 1,
            tips: 1,
        };
        assert_eq!(
            gallring_summary(&one),
            "Gallrat: fritexter i 1 händelse, 1 kommande händelse, 1 samverkansbehov, \
             1 anteckning om samverkan och 1 tips från allmänheten."
        );
        let many = Removed {
            incidents: 3,
            events: 0,
            needs: 2,
            notes: 4,
            tips: 5,
        };
        assert_eq!(
            gallring_summary(&many),
            "Gallrat: fritexter i 3 händelser, 0 kommande händelser, 2 samverkansbehov, \
             4 anteckningar om samverkan och 5 tips från allmänheten."
        );
    }

    #[test]
    fn demo_data_takes_a_number_of_municipalities_and_years() {
        let cli = Cli::try_parse_from([
            "samordna",
            "demo-data",
            "--municipalities",
            "290",
            "--years",
            "10",
        ])
        .expect("parses");
        assert!(matches!(
            cli.command,
            Command::DemoData {
                years: 10,
                municipalities: Some(290)
            }
        ));
        let cli = Cli::try_parse_from(["samordna", "demo-data"]).expect("parses");
        assert!(matches!(
            cli.command,
            Command::DemoData {
                years: 1,
                municipalities: None
            }
        ));
    }

    #[test]
    fn demo_data_refuses_too_many_municipalities_or_years_with_the_limit() {
        for (args, limit) in [
            (["--municipalities", "1001"], "1..=1000"),
            (["--municipalities", "0"], "1..=1000"),
            (["--years", "51"], "0..=50"),
        ] {
            let error = Cli::try_parse_from(["samordna", "demo-data", args[0], args[1]])
                .err()
                .expect("refused");
            assert!(error.to_string().contains(limit), "{error}");
        }
    }

    #[test]
    fn operator_add_takes_an_email_and_an_optional_name() {
        let cli = Cli::try_parse_from(["samordna", "operator", "add", "--email", "d@x.se"])
            .expect("parses");
        assert!(matches!(
            cli.command,
            Command::Operator {
                command: super::OperatorCommand::Add { ref email, ref namn }
            } if email == "d@x.se" && namn == "Driften"
        ));
    }

    #[test]
    fn demo_data_help_lists_municipalities() {
        let mut command = Cli::command();
        let help = command
            .find_subcommand_mut("demo-data")
            .expect("demo-data")
            .render_long_help()
            .to_string();
        assert!(help.contains("--municipalities"), "{help}");
    }
}
