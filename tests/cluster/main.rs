//! Several instances (issue 14 item 4): two `samordna serve` processes
//! behind HAProxy share sessions, one-time tokens, mail and the daily jobs
//! through PostgreSQL, and one of them killed with SIGKILL in the middle of
//! a stream of form posts loses nothing that was acknowledged.

mod cluster;

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::cookie::Jar;
use reqwest::{Client, StatusCode, redirect};
use scraper::{Html, Selector};
use sqlx::PgPool;
use uuid::Uuid;

use cluster::{Cluster, SERVED_BY, wait_until};

const SECURITAS: &str = "securitas@lindesberg.example";
/// Reports in the stream: workers posting at once, posts each.
const WORKERS: usize = 4;
const POSTS: usize = 25;
/// No worker posts past this many before the instance is killed.
const KILL_BEFORE: usize = 12;

/// The test database's address, for the instances.
fn database_url(db: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let base = base.split('?').next().unwrap_or_default();
    let (server, _) = base.rsplit_once('/').expect("a database in DATABASE_URL");
    let name = db
        .connect_options()
        .get_database()
        .unwrap_or_default()
        .to_owned();
    format!("{server}/{name}")
}

/// A browser: keeps cookies, does not follow redirects.
fn browser() -> Client {
    samordna::http_client::install_crypto_provider();
    Client::builder()
        .redirect(redirect::Policy::none())
        .cookie_provider(std::sync::Arc::new(Jar::default()))
        .build()
        .expect("client")
}

fn served_by(response: &reqwest::Response) -> String {
    response.headers()[SERVED_BY]
        .to_str()
        .expect("name")
        .to_owned()
}

/// A demo measure due in three days, not yet reminded about; returns the
/// addresses of the people the reminder goes to.
async fn measure_due_this_week(db: &PgPool) -> (Uuid, BTreeSet<String>) {
    let today = samordna::web::today();
    let due = today + chrono::Days::new(3);
    let m = sqlx::query_scalar!("select id from municipality where slug = 'lindesberg'")
        .fetch_one(db)
        .await
        .expect("Lindesberg");
    let measure = sqlx::query!(
        r#"update measure set starts_on = least(starts_on, $2), due_on = $2,
                  status = 'ongoing', reminder_sent_at = null
           where municipality_id = $1 and id = (
               select ms.id from measure ms join position_holder h on h.position_id = ms.responsible_position_id
               where ms.municipality_id = $1 and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
               order by ms.id limit 1)
           returning id"#,
        m,
        due,
        today
    )
    .fetch_one(db)
    .await
    .expect("a demo measure with a responsible position held today")
    .id;
    let holders = sqlx::query_scalar!(
        r#"select pe.email from measure ms join position_holder h on h.position_id = ms.responsible_position_id
           join person pe on pe.id = h.person_id
           where ms.id = $1 and h.held_from <= $2 and (h.held_to is null or h.held_to >= $2)"#,
        measure,
        today
    )
    .fetch_all(db)
    .await
    .expect("holders");
    (measure, holders.into_iter().collect())
}

/// What an EST incident report needs besides its description.
#[derive(Clone)]
struct ReportForm {
    url: String,
    fields: Vec<(String, String)>,
}

impl ReportForm {
    /// The form with `description` and a fresh one-time token.
    fn with(&self, description: &str) -> Vec<(String, String)> {
        let mut fields = self.fields.clone();
        fields.push(("description".into(), description.into()));
        fields.push(("form_token".into(), Uuid::new_v4().to_string()));
        fields
    }
}

fn input_value(page: &Html, selector: &str) -> String {
    let selector = Selector::parse(selector).expect("selector");
    page.select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect(" the report form's field")
        .to_owned()
}

async fn report_form(db: &PgPool, cluster: &Cluster, browser: &Client) -> ReportForm {
    let page = browser
        .get(format!("{}/est/rapport", cluster.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(page.status(), StatusCode::OK);
    let page = Html::parse_document(&page.text().await.expect("body"));
    let ids = sqlx::query!(
        r#"select (select c.id from incident_category c join incident_category p on p.id = c.parent_id
                   where c.municipality_id = m.id and p.name = 'Skadegörelse' and c.name = 'Klotter') as "category!",
                  (select a.id from area a where a.municipality_id = m.id and a.name = 'Lindesberg') as "area!"
           from municipality m where m.slug = 'lindesberg'"#
    )
    .fetch_one(db)
    .await
    .expect("a category and an area");
    let yesterday = samordna::web::today() - chrono::Days::new(1);
    let fields = [
        ("vecka", input_value(&page, "#handelser input[name=vecka]")),
        ("org", input_value(&page, "#handelser input[name=org]")),
        ("category_id", ids.category.to_string()),
        ("occurred_on", yesterday.to_string()),
        ("time_band", "kvall".into()),
        ("area_id", ids.area.to_string()),
        ("place", "busstationen".into()),
        ("insecurity", "3".into()),
        ("reported_to_police", "ja".into()),
        ("action_taken", String::new()),
    ];
    ReportForm {
        url: format!("{}/est/rapport/handelse", cluster.address),
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

/// Signs in through HAProxy with the demo password.
async fn signed_in(cluster: &Cluster, email: &str) -> Client {
    let browser = browser();
    let login = browser
        .post(format!("{}/login", cluster.address))
        .form(&[
            ("email", email),
            ("password", samordna::seed::DEMO_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(login.status(), StatusCode::SEE_OTHER, "signed in");
    browser
}

/// The signed-in report page, as each instance in turn answers it.
async fn the_session_works_on_both_instances(cluster: &Cluster, browser: &Client) {
    let mut answered = BTreeSet::new();
    for _ in 0..4 {
        let page = browser
            .get(format!("{}/est/rapport", cluster.address))
            .send()
            .await
            .expect("GET");
        assert_eq!(
            page.status(),
            StatusCode::OK,
            "signed in on {}",
            served_by(&page)
        );
        answered.insert(served_by(&page));
    }
    assert_eq!(answered, BTreeSet::from(["a".into(), "b".into()]));
}

/// A report filed through one instance is on the page the other one
/// shows right after, though that one had the page in memory.
async fn a_change_on_one_shows_at_once_on_the_other(
    cluster: &Cluster,
    browser: &Client,
    form: &ReportForm,
) {
    let page_url = format!("{}/est/rapport", cluster.address);
    for _ in 0..2 {
        browser.get(&page_url).send().await.expect("GET");
    }
    let description = "Klotter på busskuren vid torget.";
    let filed = browser
        .post(&form.url)
        .form(&form.with(description))
        .send()
        .await
        .expect("POST");
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    let page = browser.get(&page_url).send().await.expect("GET");
    assert_ne!(served_by(&page), served_by(&filed), "round robin");
    assert!(
        page.text().await.expect("body").contains(description),
        "the other instance shows the new report"
    );
}

/// Posts until the report is acknowledged (303), resending the same form
/// and token after a failure; `true` when the first try was acknowledged.
async fn file(browser: &Client, form: &ReportForm, fields: &[(String, String)]) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut first = true;
    loop {
        let sent = browser.post(&form.url).form(fields).send().await;
        if sent.is_ok_and(|r| r.status() == StatusCode::SEE_OTHER) {
            return first;
        }
        first = false;
        assert!(tokio::time::Instant::now() < deadline, "never acknowledged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn stream_description(worker: usize, post: usize) -> String {
    format!("Klotter i gångtunneln, strömmen {worker}-{post}.")
}

/// One worker of the stream: `POSTS` reports, waiting at `KILL_BEFORE`
/// until an instance has been killed. Returns how many failed at first.
async fn worker(
    browser: Client,
    form: ReportForm,
    worker: usize,
    mut killed: tokio::sync::watch::Receiver<bool>,
) -> usize {
    let mut failed = 0;
    for post in 0..POSTS {
        if post == KILL_BEFORE {
            killed.wait_for(|k| *k).await.expect("the killer");
        }
        let fields = form.with(&stream_description(worker, post));
        if !file(&browser, &form, &fields).await {
            failed += 1;
        }
    }
    failed
}

async fn stream_reports_stored(db: &PgPool) -> i64 {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from est_incident where description like 'Klotter i gångtunneln, strömmen %'"#
    )
    .fetch_one(db)
    .await
    .expect("count")
}

/// The stream of posts, with instance `a` killed in its middle; returns
/// how many posts failed at first (and were resent).
async fn stream_with_a_kill(
    db: &PgPool,
    cluster: &mut Cluster,
    browser: &Client,
    form: &ReportForm,
) -> usize {
    let (kill, killed) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| tokio::spawn(worker(browser.clone(), form.clone(), w, killed.clone())))
        .collect();
    let half = i64::try_from(WORKERS * KILL_BEFORE / 2).expect("small");
    wait_until("half the stream", Duration::from_secs(60), || async {
        stream_reports_stored(db).await >= half
    })
    .await;
    cluster.kill("a");
    kill.send(true).expect("workers listen");
    let mut failed = 0;
    for w in workers {
        failed += w.await.expect("worker");
    }
    failed
}

async fn every_report_is_stored_once(db: &PgPool) {
    for w in 0..WORKERS {
        for p in 0..POSTS {
            let description = stream_description(w, p);
            let stored = sqlx::query_scalar!(
                r#"select count(*) as "n!" from est_incident where description = $1"#,
                description
            )
            .fetch_one(db)
            .await
            .expect("count");
            assert_eq!(stored, 1, "{description}");
        }
    }
}

/// Waits until the daily jobs have run today and every queued mail has
/// gone out.
async fn jobs_done_and_mail_sent(db: &PgPool) {
    wait_until(
        "the daily jobs and the mail",
        Duration::from_secs(120),
        || async {
            let r = sqlx::query!(
                r#"select (select count(*) from job_run where day = $1) as "jobs!",
                      (select count(*) from outbox where status <> 'sent') as "unsent!""#,
                samordna::web::today()
            )
            .fetch_one(db)
            .await
            .expect("counts");
            r.jobs == 3 && r.unsent == 0
        },
    )
    .await;
}

async fn each_mail_went_out_once(
    db: &PgPool,
    cluster: &Cluster,
    measure: Uuid,
    holders: &BTreeSet<String>,
) {
    let sent = sqlx::query_scalar!(r#"select count(*) as "n!" from outbox where status = 'sent'"#)
        .fetch_one(db)
        .await
        .expect("sent");
    assert_eq!(
        cluster.mails(),
        usize::try_from(sent).expect("count"),
        "one file per sent row"
    );
    let twice = sqlx::query_scalar!(
        r#"select count(*) as "n!" from (select 1 from outbox
             group by kind, about_id, sequence, recipient_email having count(*) > 1) d"#
    )
    .fetch_one(db)
    .await
    .expect("duplicates");
    assert_eq!(twice, 0, "no one got the same mail twice");
    let reminded: BTreeSet<String> = sqlx::query_scalar!(
        "select recipient_email from outbox where kind = 'measure_reminder' and about_id = $1",
        measure
    )
    .fetch_all(db)
    .await
    .expect("reminders")
    .into_iter()
    .collect();
    assert_eq!(
        &reminded, holders,
        "the measure's reminder went to its holders once"
    );
}

async fn each_daily_job_ran_once_today(db: &PgPool) {
    let jobs = sqlx::query_scalar!(
        "select job from job_run where day = $1 order by job",
        samordna::web::today()
    )
    .fetch_all(db)
    .await
    .expect("jobs");
    assert_eq!(jobs, JOBS);
}

const JOBS: [&str; 3] = ["agreement_expiry", "gallring", "measure_reminders"];

/// Waits until each instance has logged a check of every daily job (it
/// ran it, or found it done or running elsewhere).
async fn both_instances_checked_every_job(cluster: &Cluster) {
    wait_until(
        "both instances to check every job",
        Duration::from_secs(60),
        || async {
            ["a", "b"].iter().all(|instance| {
                JOBS.iter()
                    .all(|job| cluster.log_lines(instance, &format!("\"{job}\"")) > 0)
            })
        },
    )
    .await;
}

/// Waits until instance `b` has checked each daily job again (from now
/// on) and found it done.
async fn the_survivor_checks_the_jobs_again(cluster: &Cluster) {
    const CHECKED: &str = "ran today already, or runs elsewhere";
    let seen = cluster.log_lines("b", CHECKED);
    wait_until(
        "instance b to check the jobs again",
        Duration::from_secs(60),
        || async { cluster.log_lines("b", CHECKED) >= seen + 3 },
    )
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn two_instances_behind_haproxy_lose_nothing_acknowledged_when_one_is_killed(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo data");
    let (measure, holders) = measure_due_this_week(&db).await;
    let mut cluster = Cluster::start(&database_url(&db)).await;
    // Both instances ran the jobs' loops from the start: each job ran once,
    // and its mail went out, before anything is killed.
    both_instances_checked_every_job(&cluster).await;
    jobs_done_and_mail_sent(&db).await;
    each_daily_job_ran_once_today(&db).await;
    let browser = signed_in(&cluster, SECURITAS).await;
    the_session_works_on_both_instances(&cluster, &browser).await;
    let form = report_form(&db, &cluster, &browser).await;
    a_change_on_one_shows_at_once_on_the_other(&cluster, &browser, &form).await;

    let failed = stream_with_a_kill(&db, &mut cluster, &browser, &form).await;
    eprintln!(
        "{failed} of {} posts failed at first and were resent",
        WORKERS * POSTS
    );
    every_report_is_stored_once(&db).await;

    // The survivor keeps checking the jobs: nothing runs or goes out again.
    the_survivor_checks_the_jobs_again(&cluster).await;
    jobs_done_and_mail_sent(&db).await;
    each_daily_job_ran_once_today(&db).await;
    each_mail_went_out_once(&db, &cluster, measure, &holders).await;

    let pids = cluster.pids();
    drop(cluster);
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "{pid} still runs"
        );
    }
}
