//! A private PostgreSQL cluster under `./data/`, used when `DATABASE_URL` is
//! not set, so that `cargo run -- serve --demo` works on a fresh machine.
//!
//! The cluster listens only on a Unix socket inside the data folder. As root,
//! the server binaries run as the `postgres` user, because `initdb` and the
//! server refuse to run as root. The first run sets up what is missing:
//! Debian's `postgresql` package (as root on Debian or Ubuntu only) and, as
//! root in a folder the `postgres` user cannot enter, a data folder under
//! `/var/lib/samordna/`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use tokio::process::Command;

/// Where the server binaries are looked for after PATH: folders holding
/// `<version>/bin`. `SAMORDNA_PG_SEARCH_DIRS` (colon-separated) replaces it.
const DEBIAN_PG_DIR: &str = "/usr/lib/postgresql";

/// Where root's data folders go when the `postgres` user cannot reach `./data`.
const ROOT_DATA_BASE: &str = "/var/lib/samordna";

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
        let mut bin_dir = server_binaries().await?;
        if let Ok(version) = std::fs::read_to_string(data_dir.join("pg").join("PG_VERSION")) {
            bin_dir = binaries_for_cluster(version.trim(), bin_dir, data_dir).await?;
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        let data_dir = std::fs::canonicalize(data_dir)?;
        let cluster_dir = data_dir.join("pg");
        let socket_dir = data_dir.join("run");
        std::fs::create_dir_all(&cluster_dir)?;
        std::fs::create_dir_all(&socket_dir)?;
        let run_as_postgres = is_root();
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

/// Whether this process runs as root (the owner of `/proc/self` is the
/// effective user).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The folder holding `initdb` and `pg_ctl`. When they are missing, root on
/// Debian or Ubuntu installs Debian's `postgresql` package first; anyone else
/// is told the command to run.
pub async fn server_binaries() -> anyhow::Result<PathBuf> {
    if let Some(dir) = find_server_binaries() {
        return Ok(dir);
    }
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    match remedy(is_root(), &os_release, on_path("apt-get")) {
        Remedy::Install => install_postgresql().await?,
        Remedy::Tell(how) => bail!(
            "PostgreSQL is not installed (no initdb and pg_ctl {}): {how}, \
             or set DATABASE_URL to an existing database",
            searched()
        ),
    }
    match find_server_binaries() {
        Some(dir) => Ok(dir),
        None => bail!(
            "apt-get installed postgresql, but initdb and pg_ctl are still not found {}: \
             set DATABASE_URL to an existing database",
            searched()
        ),
    }
}

/// What to do about a missing PostgreSQL.
#[derive(Debug, PartialEq)]
enum Remedy {
    /// Install Debian's package now.
    Install,
    /// Tell the operator what to run (the text follows "PostgreSQL is not installed: ").
    Tell(String),
}

/// Installs only as root, on Debian or Ubuntu (by `/etc/os-release`), with
/// `apt-get` on PATH.
fn remedy(root: bool, os_release: &str, apt_get: bool) -> Remedy {
    let family: Vec<String> = os_release
        .lines()
        .filter_map(|line| {
            line.strip_prefix("ID=")
                .or_else(|| line.strip_prefix("ID_LIKE="))
        })
        .flat_map(|value| {
            value
                .trim_matches(['"', '\''])
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let is = |names: &[&str]| family.iter().any(|id| names.contains(&id.as_str()));
    let sudo = if root { "" } else { "sudo " };
    if is(&["debian", "ubuntu"]) {
        if root && apt_get {
            Remedy::Install
        } else {
            Remedy::Tell(format!("run `{sudo}apt-get install postgresql`"))
        }
    } else if is(&["fedora", "rhel", "centos"]) {
        Remedy::Tell(format!(
            "run `{sudo}dnf install postgresql-server` and put its initdb and pg_ctl on PATH"
        ))
    } else {
        Remedy::Tell("install PostgreSQL's server so that initdb and pg_ctl are on PATH".into())
    }
}

async fn install_postgresql() -> anyhow::Result<()> {
    eprintln!(
        "samordna: PostgreSQL is not installed; installing Debian's postgresql package \
         (apt-get install postgresql)"
    );
    for args in [
        &["update", "-qq"][..],
        &["install", "-y", "-qq", "postgresql"],
    ] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .await
            .context("could not run apt-get")?;
        // A failed `update` (one unreachable mirror) need not stop the install.
        if !status.success() && args[0] == "install" {
            bail!(
                "`apt-get install postgresql` failed ({status}): run it yourself to see why, \
                 or set DATABASE_URL to an existing database"
            );
        }
    }
    Ok(())
}

/// Whether an executable `name` is on PATH.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(name))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// The server binaries for an existing cluster of major version `cluster`
/// (a server refuses a cluster made by another major version): `found` when
/// it matches, else that version's folder in the search folders.
async fn binaries_for_cluster(
    cluster: &str,
    found: PathBuf,
    data_dir: &Path,
) -> anyhow::Result<PathBuf> {
    let installed = Command::new(found.join("pg_ctl"))
        .arg("--version")
        .output()
        .await
        .ok()
        .and_then(|o| major_version(&String::from_utf8_lossy(&o.stdout)));
    let Some(installed) = installed.filter(|v| v != cluster) else {
        return Ok(found);
    };
    if let Some(dir) = find_server_binaries_in(None, &search_dirs(), Some(cluster)) {
        return Ok(dir);
    }
    bail!(
        "{} holds a cluster made by PostgreSQL {cluster}, but PostgreSQL {installed} is \
         installed: install PostgreSQL {cluster} too (Debian: `apt-get install \
         postgresql-{cluster}`), upgrade the cluster with pg_upgrade, or set \
         SAMORDNA_DATA_DIR to another folder to start a new one",
        data_dir.display()
    )
}

/// `pg_ctl (PostgreSQL) 15.20 (Debian …)` → `15`; `9.6.24` → `9.6`, as in
/// a cluster's `PG_VERSION` file.
fn major_version(version_output: &str) -> Option<String> {
    let version = version_output
        .split("(PostgreSQL)")
        .nth(1)?
        .split_whitespace()
        .next()?;
    let mut parts = version.split('.');
    let first: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if first.parse::<u32>().ok()? >= 10 {
        Some(first)
    } else {
        Some(format!("{first}.{}", parts.next()?))
    }
}

/// As root, without `SAMORDNA_DATA_DIR`: the data folder, when the
/// `postgres` user cannot reach `default` (`./data`), is
/// `/var/lib/samordna/<working folder's name>-<hash of its path>`, and stays
/// there on later runs. `None`: use `default`. Prints one line saying where.
pub async fn root_data_dir(default: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !is_root() {
        return Ok(None);
    }
    let cwd = std::fs::canonicalize(".").context("cannot read the working folder")?;
    let here = cwd.join(default);
    let elsewhere = Path::new(ROOT_DATA_BASE).join(folder_name(&cwd));
    if elsewhere.join("pg").join("PG_VERSION").exists() {
        eprintln!(
            "samordna: the data of {} lives in {} (SAMORDNA_DATA_DIR chooses another folder)",
            cwd.display(),
            elsewhere.display()
        );
        return Ok(Some(elsewhere));
    }
    let probe = if here.exists() { &here } else { &cwd };
    if here.join("pg").join("PG_VERSION").exists() || postgres_can_enter(probe).await {
        return Ok(None);
    }
    for dir in [Path::new(ROOT_DATA_BASE), &elsewhere] {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
        // Whatever root's umask: the postgres user must pass through.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    }
    eprintln!(
        "samordna: the postgres user cannot reach {}, so the data goes to {} \
         (SAMORDNA_DATA_DIR chooses another folder)",
        here.display(),
        elsewhere.display()
    );
    Ok(Some(elsewhere))
}

/// `<name>-<8 hex digits of the path's SHA-256>`: stable for one checkout,
/// distinct for two checkouts with the same name.
fn folder_name(dir: &Path) -> String {
    let name: String = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "samordna".into())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let hash = Sha256::digest(dir.as_os_str().as_encoded_bytes());
    let hex: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{name}-{hex}")
}

async fn postgres_can_enter(dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--", "test", "-x"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// The folders holding `<version>/bin`: `SAMORDNA_PG_SEARCH_DIRS`
/// (colon-separated; empty means none) or `/usr/lib/postgresql`.
fn search_dirs() -> Vec<PathBuf> {
    match std::env::var_os("SAMORDNA_PG_SEARCH_DIRS") {
        Some(dirs) => std::env::split_paths(&dirs)
            .filter(|d| !d.as_os_str().is_empty())
            .collect(),
        None => vec![PathBuf::from(DEBIAN_PG_DIR)],
    }
}

/// Where the binaries were looked for, as the messages say it.
fn searched() -> String {
    let dirs: Vec<String> = search_dirs()
        .iter()
        .map(|d| format!("{}/*/bin", d.display()))
        .collect();
    if dirs.is_empty() {
        "on PATH".into()
    } else {
        format!("on PATH or in {}", dirs.join(", "))
    }
}

/// The folder holding `initdb` and `pg_ctl` (and the other server tools):
/// PATH first, then the newest `<version>/bin` in the search folders
/// (`/usr/lib/postgresql`).
pub fn find_server_binaries() -> Option<PathBuf> {
    find_server_binaries_in(std::env::var_os("PATH"), &search_dirs(), None)
}

/// [`find_server_binaries`] with the search path and folders given;
/// `want` picks one version's folder.
fn find_server_binaries_in(
    path: Option<std::ffi::OsString>,
    dirs: &[PathBuf],
    want: Option<&str>,
) -> Option<PathBuf> {
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
    let mut versions: Vec<(Vec<u32>, PathBuf)> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if want.is_some_and(|w| w != name) {
                return None;
            }
            let key = name
                .split('.')
                .map(|part| part.parse::<u32>().ok())
                .collect::<Option<Vec<u32>>>()?;
            Some((key, e.path().join("bin")))
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
    fn without_server_binaries_nothing_is_found() {
        let empty = std::env::temp_dir().join(format!("samordna-no-pg-{}", std::process::id()));
        std::fs::create_dir_all(&empty).expect("dir");
        assert_eq!(
            find_server_binaries_in(
                Some(empty.clone().into_os_string()),
                std::slice::from_ref(&empty),
                None
            ),
            None
        );
        let _ = std::fs::remove_dir_all(&empty);
    }

    #[test]
    fn the_newest_version_folder_is_chosen_unless_a_version_is_wanted() {
        let root =
            std::env::temp_dir().join(format!("samordna-pg-versions-{}", std::process::id()));
        for version in ["9.6", "13", "15"] {
            let bin = root.join(version).join("bin");
            std::fs::create_dir_all(&bin).expect("dir");
            std::fs::write(bin.join("initdb"), "").expect("file");
            std::fs::write(bin.join("pg_ctl"), "").expect("file");
        }
        let dirs = [root.clone()];
        assert_eq!(
            find_server_binaries_in(None, &dirs, None),
            Some(root.join("15").join("bin"))
        );
        assert_eq!(
            find_server_binaries_in(None, &dirs, Some("9.6")),
            Some(root.join("9.6").join("bin"))
        );
        assert_eq!(find_server_binaries_in(None, &dirs, Some("14")), None);
        let _ = std::fs::remove_dir_all(&root);
    }

    const DEBIAN: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
    const UBUNTU: &str = "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n";
    const MINT: &str = "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n";
    const FEDORA: &str = "ID=fedora\n";
    const ARCH: &str = "ID=arch\n";

    #[test]
    fn only_root_on_debian_or_ubuntu_with_apt_get_installs() {
        for os in [DEBIAN, UBUNTU, MINT] {
            assert_eq!(remedy(true, os, true), Remedy::Install, "{os}");
            assert_eq!(
                remedy(false, os, true),
                Remedy::Tell("run `sudo apt-get install postgresql`".into()),
                "{os}"
            );
            assert_eq!(
                remedy(true, os, false),
                Remedy::Tell("run `apt-get install postgresql`".into()),
                "{os}"
            );
        }
        for os in [FEDORA, ARCH, ""] {
            assert!(matches!(remedy(true, os, true), Remedy::Tell(_)), "{os}");
        }
        assert!(
            matches!(remedy(false, FEDORA, false), Remedy::Tell(t) if t.contains("sudo dnf install postgresql-server"))
        );
    }

    #[test]
    fn the_major_version_is_read_as_pg_version_files_write_it() {
        assert_eq!(
            major_version("pg_ctl (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n").as_deref(),
            Some("15")
        );
        assert_eq!(
            major_version("pg_ctl (PostgreSQL) 9.6.24\n").as_deref(),
            Some("9.6")
        );
        assert_eq!(
            major_version("pg_ctl (PostgreSQL) 17beta1\n").as_deref(),
            Some("17")
        );
        assert_eq!(major_version("something else"), None);
    }

    #[test]
    fn a_checkout_gets_a_stable_folder_name_distinct_from_a_namesake() {
        let a = folder_name(Path::new("/root/samordna"));
        assert_eq!(a, folder_name(Path::new("/root/samordna")));
        assert!(
            a.starts_with("samordna-") && a.len() == "samordna-".len() + 8,
            "{a}"
        );
        assert_ne!(a, folder_name(Path::new("/tmp/tmp.x/samordna")));
        assert!(folder_name(Path::new("/tmp/min kopia")).starts_with("min-kopia-"));
        assert!(folder_name(Path::new("/")).starts_with("samordna-"));
    }
}
