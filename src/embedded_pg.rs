//! A private PostgreSQL cluster under `./data/`, used when `DATABASE_URL` is
//! not set, so that `cargo run -- serve --demo` works on a machine that only
//! has Debian's `postgresql` package installed.
//!
//! The cluster listens only on a Unix socket inside the data folder. As root,
//! the server binaries run as the `postgres` user, because `initdb` and the
//! server refuse to run as root.

use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::{Context, bail};
use tokio::process::Command;

const NOT_INSTALLED: &str = "no PostgreSQL server was found (looked for initdb and pg_ctl on PATH \
     and in /usr/lib/postgresql/*/bin): install one with `apt-get install postgresql`, \
     or set DATABASE_URL to an existing database";

/// The database name inside the embedded cluster.
const DATABASE: &str = "samordna";

/// A running embedded cluster; call [`EmbeddedPg::stop`] on shutdown.
#[derive(Debug)]
pub struct EmbeddedPg {
    bin_dir: PathBuf,
    cluster_dir: PathBuf,
    socket_dir: PathBuf,
    run_as_postgres: bool,
    started_here: bool,
}

impl EmbeddedPg {
    /// Creates the cluster on first use, starts it (or reuses a running one)
    /// and makes sure the application database exists.
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let bin_dir = find_server_binaries().context(NOT_INSTALLED)?;
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        let data_dir = std::fs::canonicalize(data_dir)?;
        let cluster_dir = data_dir.join("pg");
        let socket_dir = data_dir.join("run");
        std::fs::create_dir_all(&cluster_dir)?;
        std::fs::create_dir_all(&socket_dir)?;
        let run_as_postgres = is_root().await;
        let mut pg = Self {
            bin_dir,
            cluster_dir,
            socket_dir,
            run_as_postgres,
            started_here: false,
        };
        if run_as_postgres {
            pg.hand_folders_to_postgres_user(&data_dir).await?;
        }
        if !pg.cluster_dir.join("PG_VERSION").exists() {
            tracing::info!(dir = %pg.cluster_dir.display(), "creating embedded PostgreSQL cluster");
            let dir = pg.cluster_dir.display().to_string();
            pg.run(
                "initdb",
                &[
                    "-D",
                    &dir,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ],
            )
            .await?;
        }
        let status = pg
            .command(
                "pg_ctl",
                &["status", "-D", &pg.cluster_dir.display().to_string()],
            )
            .output()
            .await?;
        if status.status.success() {
            tracing::info!("embedded PostgreSQL is already running; reusing it");
        } else {
            pg.start_server().await?;
            pg.started_here = true;
        }
        pg.create_database().await?;
        Ok(pg)
    }

    /// The connection string for the application database.
    pub fn database_url(&self) -> String {
        format!(
            "postgres://postgres@localhost/{DATABASE}?host={}",
            self.socket_dir.display()
        )
    }

    /// Stops the server if this process started it.
    pub async fn stop(self) -> anyhow::Result<()> {
        if self.started_here {
            tracing::info!("stopping embedded PostgreSQL");
            let dir = self.cluster_dir.display().to_string();
            self.run("pg_ctl", &["stop", "-D", &dir, "-m", "fast", "-w"])
                .await?;
        }
        Ok(())
    }

    async fn start_server(&self) -> anyhow::Result<()> {
        let dir = self.cluster_dir.display().to_string();
        let log = self.socket_dir.join("postgresql.log").display().to_string();
        let options = format!(
            "-c listen_addresses='' -k '{}' -p 5432",
            self.socket_dir.display()
        );
        tracing::info!(dir = %dir, "starting embedded PostgreSQL");
        self.run(
            "pg_ctl",
            &[
                "start", "-D", &dir, "-l", &log, "-w", "-t", "60", "-o", &options,
            ],
        )
        .await
        .with_context(|| format!("the embedded PostgreSQL did not start; see {log}"))?;
        Ok(())
    }

    async fn create_database(&self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let url = format!(
            "postgres://postgres@localhost/postgres?host={}",
            self.socket_dir.display()
        );
        let mut conn = sqlx::PgConnection::connect(&url).await?;
        // Runtime query: the embedded cluster is not the database sqlx checks against.
        let exists: bool =
            sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("create database {DATABASE}"))
                .execute(&mut conn)
                .await?;
        }
        conn.close().await?;
        Ok(())
    }

    async fn hand_folders_to_postgres_user(&self, data_dir: &Path) -> anyhow::Result<()> {
        for dir in [&self.cluster_dir, &self.socket_dir] {
            let dir = dir.display().to_string();
            run_checked(Command::new("chown").args(["-R", "postgres:postgres", &dir])).await?;
        }
        // The server, running as `postgres`, must reach its folders.
        let probe = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-w"])
            .arg(&self.socket_dir)
            .output()
            .await
            .context("running as root needs `runuser` and a `postgres` user")?;
        if !probe.status.success() {
            bail!(
                "the postgres user cannot reach {}: choose a data folder it can reach with \
                 SAMORDNA_DATA_DIR, or set DATABASE_URL",
                data_dir.display()
            );
        }
        Ok(())
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let binary = self.bin_dir.join(program);
        let mut command = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(binary);
            c
        } else {
            Command::new(binary)
        };
        command.args(args).current_dir(&self.socket_dir);
        command
    }

    async fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<Output> {
        run_checked(&mut self.command(program, args)).await
    }
}

async fn run_checked(command: &mut Command) -> anyhow::Result<Output> {
    let output = command
        .output()
        .await
        .with_context(|| format!("could not run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output)
}

async fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .await
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The folder holding `initdb` and `pg_ctl` (and the other server tools):
/// PATH first, then the newest
/// `/usr/lib/postgresql/<version>/bin`.
pub fn find_server_binaries() -> Option<PathBuf> {
    find_server_binaries_in(std::env::var_os("PATH"), Path::new("/usr/lib/postgresql"))
}

/// [`find_server_binaries`] with the search path and Debian's folder given.
fn find_server_binaries_in(path: Option<std::ffi::OsString>, debian: &Path) -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = path
        && let Some(dir) = std::env::split_paths(&path).find(|d| has_both(d))
    {
        // A symlink on PATH (/usr/local/bin/initdb) points at the folder
        // that also holds the other server tools (pg_dump, pg_restore).
        return std::fs::canonicalize(dir.join("initdb"))
            .ok()
            .and_then(|real| real.parent().map(Path::to_path_buf))
            .filter(|real| has_both(real))
            .or(Some(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(debian)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| has_both(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_server_binaries_nothing_is_found_and_the_message_says_what_to_do() {
        let empty = std::env::temp_dir().join(format!("samordna-no-pg-{}", std::process::id()));
        std::fs::create_dir_all(&empty).expect("dir");
        assert_eq!(
            find_server_binaries_in(Some(empty.clone().into_os_string()), &empty),
            None
        );
        assert!(
            NOT_INSTALLED.contains("apt-get install postgresql")
                && NOT_INSTALLED.contains("DATABASE_URL")
        );
        let _ = std::fs::remove_dir_all(&empty);
    }

    #[test]
    fn the_newest_debian_version_folder_is_chosen() {
        let root =
            std::env::temp_dir().join(format!("samordna-pg-versions-{}", std::process::id()));
        for version in ["13", "15"] {
            let bin = root.join(version).join("bin");
            std::fs::create_dir_all(&bin).expect("dir");
            std::fs::write(bin.join("initdb"), "").expect("file");
            std::fs::write(bin.join("pg_ctl"), "").expect("file");
        }
        assert_eq!(
            find_server_binaries_in(None, &root),
            Some(root.join("15").join("bin"))
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
