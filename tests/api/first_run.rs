//! The first command on a fresh machine: PostgreSQL missing, root in a folder
//! the `postgres` user cannot enter, a taken port, a cluster of another
//! major version, a `DATABASE_URL` that does not answer. Each runs the real
//! binary and reads what it prints.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// PATH for the runs that must not find PostgreSQL: the system folders,
/// which on Debian hold neither `initdb` nor `pg_ctl`.
const SYSTEM_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The binary with no database configured: a test sets what it needs.
fn samordna(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_samordna"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("SAMORDNA_DATA_DIR")
        .env_remove("SAMORDNA_MAIL_DIR")
        .env_remove("SAMORDNA_PG_SEARCH_DIRS")
        // No test reaches the internet: the police's events are not fetched.
        .env("SAMORDNA_POLICE_EVENTS_URL", "")
        .env("SAMORDNA_KOLADA_URL", "")
        .env("RUST_LOG", "warn");
    command
}

/// A fresh folder under /tmp with the given mode.
fn folder(prefix: &str, mode: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).expect("mode");
    dir
}

fn needs_postgresql() {
    assert!(
        samordna::embedded_pg::find_server_binaries().is_some(),
        "PostgreSQL server binaries are needed for this test (apt-get install postgresql)"
    );
}

/// A machine without PostgreSQL, seen by one run: a PATH whose first folder
/// holds a recording `apt-get`, and no Debian version folders. When called
/// with `install`, the stand-in "installs" by linking the real server
/// binaries into the (otherwise empty) search folder.
struct WithoutPostgresql {
    root: PathBuf,
    record: PathBuf,
}

impl WithoutPostgresql {
    fn new() -> Self {
        for dir in std::env::split_paths(SYSTEM_PATH) {
            assert!(
                !dir.join("initdb").exists(),
                "{} holds initdb, so this test cannot hide PostgreSQL",
                dir.display()
            );
        }
        let root = folder("samordna-no-pg", 0o755);
        for dir in ["bin", "search"] {
            std::fs::create_dir(root.join(dir)).expect("dir");
        }
        // Anyone may record, so that a run as another user would show too.
        let records = root.join("records");
        std::fs::create_dir(&records).expect("dir");
        std::fs::set_permissions(&records, std::fs::Permissions::from_mode(0o777)).expect("mode");
        let real = samordna::embedded_pg::find_server_binaries()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let apt_get = root.join("bin").join("apt-get");
        std::fs::write(
            &apt_get,
            format!(
                "#!/bin/sh\n\
                 echo \"DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*\" >> '{record}'\n\
                 if [ \"$1\" = install ] && [ -n '{real}' ]; then\n\
                   mkdir -p '{search}/15' && ln -s '{real}' '{search}/15/bin'\n\
                 fi\n",
                record = records.join("apt-get.log").display(),
                search = root.join("search").display(),
            ),
        )
        .expect("stand-in");
        std::fs::set_permissions(&apt_get, std::fs::Permissions::from_mode(0o755)).expect("mode");
        Self {
            record: records.join("apt-get.log"),
            root,
        }
    }

    fn path(&self) -> String {
        format!("{}:{SYSTEM_PATH}", self.root.join("bin").display())
    }

    fn search(&self) -> PathBuf {
        self.root.join("search")
    }

    fn recorded(&self) -> Vec<String> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for WithoutPostgresql {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn debian_like() -> bool {
    std::fs::read_to_string("/etc/os-release").is_ok_and(|text| {
        text.lines().any(|line| {
            (line.starts_with("ID=") || line.starts_with("ID_LIKE="))
                && (line.contains("debian") || line.contains("ubuntu"))
        })
    })
}

#[test]
fn without_postgresql_root_on_debian_installs_it_saying_so_first_and_serves_from_it() {
    needs_postgresql();
    if !(is_root() && debian_like()) {
        // Covered by the next test: nobody else may install.
        return;
    }
    let machine = WithoutPostgresql::new();
    let data = machine.root.join("data");

    let run = samordna(&["migrate"])
        .env("PATH", machine.path())
        .env("SAMORDNA_PG_SEARCH_DIRS", machine.search())
        .env("SAMORDNA_DATA_DIR", &data)
        .output()
        .expect("run");

    assert!(run.status.success(), "{}", stderr(&run));
    let first_line = stderr(&run).lines().next().unwrap_or_default().to_owned();
    assert!(
        first_line.contains("installing Debian's postgresql package"),
        "{first_line}"
    );
    assert_eq!(
        machine.recorded(),
        [
            "DEBIAN_FRONTEND=noninteractive update -qq",
            "DEBIAN_FRONTEND=noninteractive install -y -qq postgresql"
        ]
    );
    assert!(data.join("pg").join("PG_VERSION").exists());
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "Databasen är migrerad."
    );
}

#[test]
fn without_postgresql_anyone_but_root_is_told_the_command_and_nothing_is_installed() {
    let machine = WithoutPostgresql::new();
    let path = machine.path();
    let search = machine.search().display().to_string();
    let data = machine.root.join("data").display().to_string();
    let run = if is_root() {
        // As `nobody`, from a copy of the binary that `nobody` may run.
        let binary = machine.root.join("samordna");
        std::fs::copy(env!("CARGO_BIN_EXE_samordna"), &binary).expect("copy");
        Command::new("runuser")
            .args(["-u", "nobody", "--", "/usr/bin/env", "-u", "DATABASE_URL"])
            .arg(format!("PATH={path}"))
            .arg(format!("SAMORDNA_PG_SEARCH_DIRS={search}"))
            .arg(format!("SAMORDNA_DATA_DIR={data}"))
            .arg("SAMORDNA_POLICE_EVENTS_URL=")
            .arg("SAMORDNA_KOLADA_URL=")
            .arg("RUST_LOG=warn")
            .arg(&binary)
            .arg("migrate")
            .current_dir(&machine.root)
            .output()
            .expect("runuser")
    } else {
        samordna(&["migrate"])
            .env("PATH", &path)
            .env("SAMORDNA_PG_SEARCH_DIRS", &search)
            .env("SAMORDNA_DATA_DIR", &data)
            .output()
            .expect("run")
    };

    assert!(!run.status.success());
    let text = stderr(&run);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    assert!(text.contains("PostgreSQL is not installed"), "{text}");
    assert!(text.contains("DATABASE_URL"), "{text}");
    if debian_like() {
        assert!(text.contains("`sudo apt-get install postgresql`"), "{text}");
    }
    assert_eq!(machine.recorded(), Vec::<String>::new());
    assert!(!Path::new(&data).exists());
}

/// The folder named in a line like "… the data goes to /var/lib/samordna/x (…".
fn var_lib_folder(text: &str) -> Option<PathBuf> {
    let start = text.find("/var/lib/samordna/")?;
    text[start..].split_whitespace().next().map(PathBuf::from)
}

#[test]
fn root_in_a_folder_the_postgres_user_cannot_enter_keeps_the_data_in_var_lib_samordna() {
    needs_postgresql();
    // Like `mktemp -d`: only the owner may enter.
    let checkout = folder("samordna-checkout", 0o700);
    let migrate = || {
        samordna(&["migrate"])
            .current_dir(&checkout)
            .output()
            .expect("run")
    };

    let first = migrate();
    assert!(first.status.success(), "{}", stderr(&first));
    if !is_root() {
        // The owner reaches its own folder: the data stays in ./data.
        assert!(checkout.join("data/pg/PG_VERSION").exists());
        assert!(var_lib_folder(&stderr(&first)).is_none());
        let _ = std::fs::remove_dir_all(&checkout);
        return;
    }
    let text = stderr(&first);
    let data = var_lib_folder(&text).expect("the folder is named");
    assert!(
        text.contains(&format!(
            "the postgres user cannot reach {}/data",
            checkout.display()
        )),
        "{text}"
    );
    let name = data
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(name.starts_with("samordna-checkout-"), "{name}");
    assert!(data.join("pg/PG_VERSION").exists());
    assert!(!checkout.join("data").exists());

    let again = migrate();
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(var_lib_folder(&stderr(&again)), Some(data.clone()));

    // SAMORDNA_DATA_DIR still wins, and gets the clear refusal.
    let chosen = samordna(&["migrate"])
        .current_dir(&checkout)
        .env("SAMORDNA_DATA_DIR", checkout.join("data"))
        .output()
        .expect("run");
    assert!(!chosen.status.success());
    let text = stderr(&chosen);
    assert!(
        text.contains("the postgres user cannot reach") && text.contains("SAMORDNA_DATA_DIR"),
        "{text}"
    );
    assert!(var_lib_folder(&text).is_none(), "{text}");

    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&checkout);
    // Only when empty: it may hold a real checkout's data.
    let _ = std::fs::remove_dir("/var/lib/samordna");
}

#[test]
fn a_cluster_of_another_major_version_gets_one_sentence_saying_which_and_what_to_do() {
    needs_postgresql();
    let data = folder("samordna-old-cluster", 0o755);
    std::fs::create_dir(data.join("pg")).expect("dir");
    std::fs::write(data.join("pg/PG_VERSION"), "9.6\n").expect("file");

    let run = samordna(&["migrate"])
        .env("SAMORDNA_DATA_DIR", &data)
        .output()
        .expect("run");

    assert!(!run.status.success());
    let text = stderr(&run);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    for part in [
        &format!("{} holds a cluster made by PostgreSQL 9.6", data.display()),
        "apt-get install postgresql-9.6",
        "pg_upgrade",
        "SAMORDNA_DATA_DIR",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    // Nothing was touched.
    assert!(!data.join("run").exists());
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_database_url_that_does_not_answer_names_host_and_port_but_not_the_password() {
    let run = samordna(&["migrate"])
        .env(
            "DATABASE_URL",
            "postgres://samordna:hemligt-losenord@127.0.0.1:1/samordna",
        )
        .output()
        .expect("run");

    assert!(!run.status.success());
    let text = stderr(&run);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    assert!(text.contains("127.0.0.1:1 (DATABASE_URL)"), "{text}");
    assert!(!text.contains("hemligt"), "{text}");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_taken_port_gets_one_sentence_naming_bind_and_samordna_bind(db: sqlx::PgPool) {
    let url = crate::helpers::own_database_url(&db).await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let address = taken.local_addr().expect("address").to_string();

    let mut child = samordna(&["serve"])
        .env("DATABASE_URL", &url)
        .env("SAMORDNA_BIND", &address)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("serve kept running on a taken port");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let run = child.wait_with_output().expect("output");

    assert!(!run.status.success());
    let text = stderr(&run);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    for part in [
        &format!("{address} is already in use"),
        "--bind",
        "SAMORDNA_BIND",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    drop(taken);
}
