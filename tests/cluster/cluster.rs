//! Two real `samordna serve` processes over one database, with HAProxy in
//! front (round robin, health checks on `/health`, retries and redispatch).
//! Every process is killed when the cluster is dropped.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};

/// The response header HAProxy adds: which instance answered.
pub const SERVED_BY: &str = "x-served-by";

/// One `samordna serve`.
pub struct Instance {
    pub name: &'static str,
    pub port: u16,
    child: Child,
}

pub struct Cluster {
    /// Where the logs and HAProxy's configuration are.
    dir: PathBuf,
    /// HAProxy's address, `http://127.0.0.1:port`.
    pub address: String,
    /// Where both instances write mail as `.eml` files.
    pub mail_dir: PathBuf,
    pub instances: Vec<Instance>,
    haproxy: Child,
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Polls `check` every 50 ms until it holds; panics after `within`.
pub async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {within:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `address` answers its health check.
async fn answers(client: &Client, address: &str) {
    wait_until(
        &format!("{address} to answer"),
        Duration::from_secs(120),
        || async {
            client
                .get(format!("{address}/health"))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
        },
    )
    .await;
}

fn log_file(dir: &Path, name: &str) -> Stdio {
    Stdio::from(File::create(dir.join(name)).expect("log file"))
}

fn start_instance(name: &'static str, database_url: &str, dir: &Path, mail: &Path) -> Instance {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_samordna"))
        // --demo on both: two instances loading the demo at once load it once.
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("SAMORDNA_MAIL_DIR", mail)
        .env("SAMORDNA_PUBLIC_URL", "http://127.0.0.1")
        .env("SAMORDNA_DB_POOL_SIZE", "6")
        .env("SAMORDNA_TRUSTED_PROXIES", "127.0.0.1")
        .env("SAMORDNA_JOB_CHECK_SECONDS", "1")
        .env("SAMORDNA_JOB_HOUR", "0")
        .env("SAMORDNA_POLICE_EVENTS_URL", "")
        .env("SAMORDNA_KOLADA_URL", "")
        // The jobs' checks that find nothing to do are logged at debug.
        .env("RUST_LOG", "info,samordna::jobs=debug")
        .stdin(Stdio::null())
        .stdout(log_file(dir, &format!("{name}.out")))
        .stderr(log_file(dir, &format!("{name}.err")))
        .spawn()
        .expect("samordna serve starts");
    Instance { name, port, child }
}

/// HAProxy's configuration: the sample in docs/operations.md, with the
/// instances' ports and a header naming the one that answered.
fn haproxy_config(port: u16, instances: &[Instance]) -> String {
    let servers: String = instances
        .iter()
        .map(|i| {
            format!(
                "    server {} 127.0.0.1:{} check inter 500ms fall 2 rise 1\n",
                i.name, i.port
            )
        })
        .collect();
    format!(
        "global\n    maxconn 256\n\
         defaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n\
         \x20   timeout server 30s\n    retries 3\n    option redispatch\n    option forwardfor\n\
         frontend samordna\n    bind 127.0.0.1:{port}\n    default_backend instances\n\
         backend instances\n    balance roundrobin\n    option httpchk GET /health\n\
         \x20   http-check expect status 200\n\
         \x20   http-response set-header X-Served-By %s\n{servers}"
    )
}

impl Cluster {
    /// Starts two instances over `database_url`, waits until they answer,
    /// then starts HAProxy in front of them and waits until it answers.
    pub async fn start(database_url: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("cluster")
            .join(uuid::Uuid::new_v4().to_string());
        let mail_dir = dir.join("mail");
        std::fs::create_dir_all(&mail_dir).expect("folders");
        let instances = vec![
            start_instance("a", database_url, &dir, &mail_dir),
            start_instance("b", database_url, &dir, &mail_dir),
        ];
        samordna::http_client::install_crypto_provider();
        let client = Client::new();
        for i in &instances {
            answers(&client, &format!("http://127.0.0.1:{}", i.port)).await;
        }
        let port = free_port();
        let config = dir.join("haproxy.cfg");
        std::fs::write(&config, haproxy_config(port, &instances)).expect("config");
        let haproxy = Command::new(haproxy_binary())
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log_file(&dir, "haproxy.out"))
            .stderr(log_file(&dir, "haproxy.err"))
            .spawn()
            .expect("haproxy starts (apt-get install haproxy)");
        let cluster = Self {
            dir,
            address: format!("http://127.0.0.1:{port}"),
            mail_dir,
            instances,
            haproxy,
        };
        answers(&client, &cluster.address).await;
        cluster
    }

    /// Kills instance `name` with SIGKILL, at once, and reaps it.
    pub fn kill(&mut self, name: &str) {
        let instance = self
            .instances
            .iter_mut()
            .find(|i| i.name == name)
            .expect("an instance of that name");
        instance.child.kill().expect("SIGKILL");
        instance.child.wait().expect("reaped");
    }

    /// The process ids of everything still running.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self.instances.iter().map(|i| i.child.id()).collect();
        pids.push(self.haproxy.id());
        pids
    }

    /// How many lines of instance `name`'s log contain `text`.
    pub fn log_lines(&self, name: &str, text: &str) -> usize {
        ["out", "err"]
            .iter()
            .map(|ext| std::fs::read_to_string(self.dir.join(format!("{name}.{ext}"))))
            .filter_map(Result::ok)
            .map(|log| log.lines().filter(|l| l.contains(text)).count())
            .sum()
    }

    /// How many `.eml` files both instances have written.
    pub fn mails(&self) -> usize {
        std::fs::read_dir(&self.mail_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    }
}

fn haproxy_binary() -> PathBuf {
    ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("haproxy"))
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.haproxy.kill();
        let _ = self.haproxy.wait();
        for instance in &mut self.instances {
            let _ = instance.child.kill();
            let _ = instance.child.wait();
        }
    }
}
