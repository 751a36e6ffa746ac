//! `TestApp`: the app served on a free port over a test's own database,
//! with a cookie-keeping client that does not follow redirects.

use std::sync::Arc;

use reqwest::cookie::Jar;
use reqwest::{Client, Response, StatusCode, redirect};
use samordna::config::Config;
use samordna::state::AppState;
use scraper::{Html, Selector};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Runs a compile-checked `sqlx::$query!` on a test's database and fetches
/// its answer with `$fetch`; a failing query fails the test with its SQL.
/// Tests use the named forms below.
macro_rules! db_query {
    ($query:ident . $fetch:ident, $db:expr, $sql:tt $(, $arg:expr)* $(,)?) => {
        sqlx::$query!($sql $(, $arg)*)
            .$fetch($db)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", $sql))
    };
}
pub(crate) use db_query;

/// One value: `db_value!(&app.db, "select …", args…)`.
macro_rules! db_value { ($($q:tt)+) => { $crate::helpers::db_query!(query_scalar.fetch_one, $($q)+) }; }
/// Every value of a one-column query, in its order.
macro_rules! db_values { ($($q:tt)+) => { $crate::helpers::db_query!(query_scalar.fetch_all, $($q)+) }; }
/// The one row a query finds, its columns as fields.
macro_rules! db_row { ($($q:tt)+) => { $crate::helpers::db_query!(query.fetch_one, $($q)+) }; }
/// Every row a query finds.
macro_rules! db_rows { ($($q:tt)+) => { $crate::helpers::db_query!(query.fetch_all, $($q)+) }; }
/// Runs a statement that changes the database (a test arranging its
/// situation by hand).
macro_rules! db_run { ($($q:tt)+) => { $crate::helpers::db_query!(query.execute, $($q)+) }; }
pub(crate) use {db_row, db_rows, db_run, db_value, db_values};

pub const DEMO_PASSWORD: &str = samordna::seed::DEMO_PASSWORD;
pub const COORDINATOR: &str = "samordnare@lindesberg.example";
pub const NORA_COORDINATOR: &str = "samordnare@nora.example";
pub const SECURITAS: &str = "securitas@lindesberg.example";
/// Lindesberg's demo groups, in the order the structure and start pages list them.
pub const LINDESBERG_GROUPS: [&str; 4] = [
    "Styrgrupp",
    "LindeBRÅ",
    "EST",
    "Arbetsgrupp trygg stationsmiljö",
];
pub const POLICE_LIAISON: &str = "kommunpolis@lindesberg.example";

/// The configuration the tests run with: mail as `.eml` files in `mail_dir`.
pub fn config(mail_dir: std::path::PathBuf) -> Config {
    Config::for_tests(mail_dir)
}

/// Application state over `db` without a server, for the daily jobs; mail
/// lands in the returned folder.
pub fn state_with_mail(db: PgPool) -> (AppState, std::path::PathBuf) {
    let mail_dir = crate::serve::fresh_dir("jobs-mail");
    (
        AppState::new(db, config(mail_dir.clone())).expect("state"),
        mail_dir,
    )
}

pub struct TestApp {
    pub address: String,
    pub db: PgPool,
    /// Where this app's mail lands as `.eml` files.
    pub mail_dir: std::path::PathBuf,
    pub client: Client,
    jar: Arc<Jar>,
    /// The app's page-data cache, to wait for its notices or empty it.
    pub pages: Arc<samordna::page_cache::PageCache>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

fn client(jar: Arc<Jar>) -> Client {
    samordna::http_client::install_crypto_provider();
    Client::builder()
        .redirect(redirect::Policy::none())
        .cookie_provider(jar)
        .build()
        .expect("client")
}

impl TestApp {
    /// The app over an empty (migrated) database.
    pub async fn spawn(db: PgPool) -> Self {
        Self::serve(db, Arc::new(Jar::default())).await
    }

    /// The app with Lindesberg's and Nora's demo structure loaded.
    pub async fn demo(db: PgPool) -> Self {
        samordna::seed::load_demo(&db).await.expect("demo data");
        Self::spawn(db).await
    }

    /// The demo app with a configuration changed by `change`.
    pub async fn with_config(db: PgPool, change: impl FnOnce(&mut Config)) -> Self {
        samordna::seed::load_demo(&db).await.expect("demo data");
        Self::serve_with(db, Arc::new(Jar::default()), change).await
    }

    /// The demo app with `email` signed in (demo password).
    pub async fn demo_as(db: PgPool, email: &str) -> Self {
        let app = Self::demo(db).await;
        app.login(email).await;
        app
    }

    /// The demo app as if behind a reverse proxy at 127.0.0.1, so tests
    /// choose the client address with `X-Forwarded-For`.
    pub async fn demo_behind_proxy(db: PgPool) -> Self {
        samordna::seed::load_demo(&db).await.expect("demo data");
        Self::serve_with(db, Arc::new(Jar::default()), |c| {
            c.trusted_proxies = vec!["127.0.0.1".parse().expect("range")];
        })
        .await
    }

    async fn serve(db: PgPool, jar: Arc<Jar>) -> Self {
        Self::serve_with(db, jar, |_| {}).await
    }

    async fn serve_with(db: PgPool, jar: Arc<Jar>, change: impl FnOnce(&mut Config)) -> Self {
        let mail_dir = crate::serve::fresh_dir("mail");
        let served = crate::serve::serve(db.clone(), mail_dir.clone(), change).await;
        Self {
            address: served.address,
            db,
            mail_dir,
            client: client(jar.clone()),
            jar,
            pages: served.pages,
            stop: Some(served.stop),
            server: Some(served.server),
        }
    }

    /// Stops this server and starts a new one over the same database; the
    /// client keeps its cookies (a browser across a server restart).
    pub async fn restart(mut self) -> Self {
        self.shutdown().await;
        // Cookies belong to the host, not the port: the jar carries over.
        Self::serve(self.db.clone(), self.jar.clone()).await
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Another app on the same database, `email` signed in: someone else
    /// at another computer (or another instance of the server).
    pub async fn beside(&self, email: &str) -> TestApp {
        let other = TestApp::spawn(self.db.clone()).await;
        other.login(email).await;
        other
    }

    /// Another browser (its own cookies) against the same server.
    pub fn other_browser(&self) -> Client {
        client(Arc::new(Jar::default()))
    }

    /// Another browser, signed in as `email` with the demo password.
    pub async fn browser_signed_in(&self, email: &str) -> Client {
        let browser = self.other_browser();
        let login = browser
            .post(self.url("/login"))
            .form(&[("email", email), ("password", DEMO_PASSWORD), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_eq!(login.status(), StatusCode::SEE_OTHER, "{email}");
        browser
    }

    /// The value of the browser's cookie `name` for this server.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.address.parse().expect("address");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.settle().await;
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// The body a GET of `path` answers with (a CSV file, a feed).
    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// The status a GET of `path` answers with.
    pub async fn status(&self, path: &str) -> StatusCode {
        self.get(path).await.status()
    }

    /// Asserts the status a GET of `path` answers with.
    pub async fn assert_status(&self, path: &str, expected: StatusCode) {
        assert_eq!(self.status(path).await, expected, "GET {path}");
    }

    /// Waits until the app has heard of every change committed so far, also
    /// those a test made in the database directly: a server learns of those
    /// by NOTIFY, a moment after the commit (as another instance would).
    pub async fn settle(&self) {
        if !self.pages.is_live() {
            return;
        }
        let seen = self.pages.syncs();
        let sent = sqlx::query!(
            "select pg_notify($1, 'sync')",
            samordna::page_cache::CHANNEL
        )
        .execute(&self.db)
        .await;
        if sent.is_err() {
            // The database is away (a test stops it): nothing to wait for.
            return;
        }
        for _ in 0..500 {
            if self.pages.syncs() > seen || !self.pages.is_live() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        panic!("the app did not hear its notices within a second");
    }

    pub async fn get_html(&self, path: &str) -> Html {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        html_of(response).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Posts `form` to `path` and asserts the status the app answers with.
    pub async fn assert_post_status(
        &self,
        path: &str,
        form: &[(&str, &str)],
        expected: StatusCode,
    ) {
        let status = self.post(path, form).await.status();
        assert_eq!(status, expected, "POST {path}");
    }

    /// Posts `form` to `path`, asserts that it was refused with 422 and
    /// returns the form shown again with its errors.
    pub async fn refused_post(&self, path: &str, form: &[(&str, &str)]) -> Html {
        refused_page(self.post(path, form).await).await
    }

    /// Posts a multipart form (one with a file) to `path`.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Response {
        self.client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .expect("POST")
    }

    /// Posts `form` to `path` and asserts that the app sends the browser
    /// on to `to` (303 See Other).
    pub async fn post_redirects(&self, path: &str, form: &[(&str, &str)], to: &str) {
        assert_redirect_to(&self.post(path, form).await, to);
    }

    /// Posts `form` to `path`, asserts the 303 to `to` and returns the page
    /// there, as a browser following the redirect shows it.
    pub async fn post_and_follow(&self, path: &str, form: &[(&str, &str)], to: &str) -> Html {
        self.post_redirects(path, form, to).await;
        self.get_html(to).await
    }

    pub async fn login_with(&self, email: &str, password: &str) -> Response {
        self.post(
            "/login",
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await
    }

    /// Signs in with the demo password and asserts it worked.
    pub async fn login(&self, email: &str) {
        let response = self.login_with(email, DEMO_PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in as {email}"
        );
    }

    /// Signs in and chooses a municipality by its name.
    pub async fn login_in(&self, email: &str, municipality: &str) {
        self.login(email).await;
        let chosen = self.choose_municipality(municipality).await;
        assert_eq!(chosen, StatusCode::SEE_OTHER, "{municipality}");
    }

    /// Chooses the municipality called `name` at /valj-kommun, as the
    /// header's switch does; the status the app answers with.
    pub async fn choose_municipality(&self, name: &str) -> StatusCode {
        let id = municipality_id(&self.db, name).await;
        self.post("/valj-kommun", &[("municipality_id", &id.to_string())])
            .await
            .status()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The address of `database` on the test server (`DATABASE_URL`).
pub fn url_for(database: &str) -> String {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set by scripts/test");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    format!("{base}/{database}")
}

/// The name of the test's own database.
pub async fn database_name(db: &PgPool) -> String {
    // Runtime query: current_database() reads no table, nothing to check.
    sqlx::query_scalar("select current_database()")
        .fetch_one(db)
        .await
        .expect("name")
}

/// The address of the test's own database, for a `samordna` process.
pub async fn own_database_url(db: &PgPool) -> String {
    url_for(&database_name(db).await)
}

/// The rows stored in `table`, in every municipality.
pub async fn rows_in(db: &PgPool, table: &str) -> i64 {
    // Runtime query: the text is built from the table's name.
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("rows in {table}: {e}"))
}

pub async fn municipality_id(db: &PgPool, name: &str) -> uuid::Uuid {
    db_value!(db, "select id from municipality where name = $1", name)
}

/// Suspends (`true`) or resumes a municipality, as the operator's switch
/// (`/drift/kommuner/{id}/avstangning`) does.
pub async fn suspend(db: &PgPool, municipality: uuid::Uuid, suspended: bool) {
    db_run!(
        db,
        "update municipality set suspended_at = case when $2 then now() end where id = $1",
        municipality,
        suspended
    );
}

/// A Lindesberg work group by its name.
pub async fn lindesberg_group(db: &PgPool, name: &str) -> uuid::Uuid {
    group_id(db, "Lindesbergs kommun", name).await
}

/// A Lindesberg position by its title.
pub async fn lindesberg_position(db: &PgPool, title: &str) -> uuid::Uuid {
    position_id(db, "Lindesbergs kommun", title).await
}

pub async fn group_id(db: &PgPool, municipality: &str, name: &str) -> uuid::Uuid {
    db_value!(
        db,
        "select g.id from work_group g join municipality m on m.id = g.municipality_id
         where m.name = $1 and g.name = $2",
        municipality,
        name
    )
}

/// A Lindesberg measure by its title.
pub async fn measure_id(db: &PgPool, title: &str) -> uuid::Uuid {
    db_value!(
        db,
        "select ms.id from measure ms join municipality mu on mu.id = ms.municipality_id
         where mu.slug = 'lindesberg' and ms.title = $1",
        title
    )
}

pub async fn position_id(db: &PgPool, municipality: &str, title: &str) -> uuid::Uuid {
    db_value!(
        db,
        "select p.id from position p join municipality m on m.id = p.municipality_id
         where m.name = $1 and p.title = $2",
        municipality,
        title
    )
}

/// An element's text, its white space folded to single spaces and trimmed.
pub fn text_of(element: scraper::ElementRef) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The trimmed texts of the elements matching a CSS selector.
pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("selector");
    html.select(&selector).map(text_of).collect()
}

/// The value attribute of the element matching a selector.
pub fn value_of(html: &Html, selector: &str) -> Option<String> {
    attr_of(html, selector, "value")
}

/// The attribute `name` of the first element matching a selector.
pub fn attr_of(html: &Html, selector: &str, name: &str) -> Option<String> {
    let selector = Selector::parse(selector).expect("selector");
    html.select(&selector)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

/// Asserts the error messages a form shows next to the field `field`.
pub fn assert_field_errors(html: &Html, field: &str, expected: &[&str]) {
    assert_eq!(
        texts(html, &format!("#{field}-error")),
        expected,
        "the errors by {field}"
    );
}

/// Asserts the value attribute of the element matching a selector: what a
/// form field holds.
pub fn assert_value(html: &Html, selector: &str, expected: &str) {
    assert_eq!(
        value_of(html, selector).as_deref(),
        Some(expected),
        "the value of {selector}"
    );
}

/// The path of the calendar feed address a page shows in `selector`.
pub async fn feed_path(app: &TestApp, page: &str, selector: &str) -> String {
    let page = app.get_html(page).await;
    let url = value_of(&page, selector).unwrap_or_default();
    url.split_once("/kalender/")
        .map(|(_, t)| format!("/kalender/{t}"))
        .expect("feed address")
}

/// What a calendar program (no cookies) gets from a feed path.
pub async fn fetch_feed(app: &TestApp, path: &str) -> Response {
    app.other_browser()
        .get(app.url(path))
        .send()
        .await
        .expect("feed")
}

pub fn assert_redirect_to(response: &Response, path: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a redirect to {path}"
    );
    assert_eq!(
        response.headers()["location"].to_str().expect("location"),
        path
    );
}

/// Asserts that `item` is one of the texts in `list` (rows, list items
/// or cells read from a page), showing the list if it is not.
pub fn assert_listed(list: &[String], item: &str) {
    assert!(
        list.iter().any(|t| t == item),
        "{item:?} is not in {list:?}"
    );
}

/// Asserts a 200 answer whose content type starts with `content_type`
/// and returns its body.
pub async fn body_of_type(response: Response, content_type: &str) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    let header = response.headers()["content-type"]
        .to_str()
        .expect("type")
        .to_owned();
    assert!(header.starts_with(content_type), "{header}");
    response.text().await.expect("body")
}

/// Asserts that a form post was refused with 422 and an error by `field`
/// that contains `part`, and returns the page shown again; `case` names
/// the case in the failure message.
pub async fn assert_refused_by(response: Response, field: &str, part: &str, case: &str) -> Html {
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{case}"
    );
    let page = html_of(response).await;
    let errors = texts(&page, &format!("#{field}-error"));
    assert!(
        errors.iter().any(|e| e.contains(part)),
        "{case}: the errors by {field}: {errors:?}"
    );
    page
}

/// Asserts that a form post was refused with 422 (the form shown again with
/// its errors) and returns that page.
pub async fn refused_page(response: Response) -> Html {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    html_of(response).await
}

/// The page of `response`, parsed. Every page's error summary is checked
/// on the way: each message links to something on the page (a refused form
/// whose field is not shown would send the reader nowhere).
pub async fn html_of(response: Response) -> Html {
    let page = Html::parse_document(&response.text().await.expect("body"));
    assert_summary_links_resolve(&page);
    page
}

/// Each link in the error summary goes to an element on the page.
pub fn assert_summary_links_resolve(page: &Html) {
    let links = scraper::Selector::parse(".error-summary a[href^='#']").expect("selector");
    for link in page.select(&links) {
        let href = link.value().attr("href").unwrap_or_default();
        let target = &href[1..];
        let found = page
            .tree
            .values()
            .filter_map(scraper::Node::as_element)
            .any(|e| e.id() == Some(target));
        assert!(
            found,
            "the error summary's {href} ({}) leads nowhere",
            text_of(link)
        );
    }
}

/// Table rows matching a selector, each as its cells' texts joined by spaces.
pub fn rows(html: &Html, selector: &str) -> Vec<String> {
    rows_joined(html, selector, " ")
}

/// Table rows matching a selector, each as its cells' texts joined by `between`.
pub fn rows_joined(html: &Html, selector: &str, between: &str) -> Vec<String> {
    let rows = Selector::parse(selector).expect("selector");
    let cells = Selector::parse("td, th").expect("selector");
    html.select(&rows)
        .map(|row| {
            row.select(&cells)
                .map(text_of)
                .collect::<Vec<_>>()
                .join(between)
        })
        .collect()
}

/// The value of the header `name`, if it is there and readable text.
pub fn header(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The User-Agent a request to a fake outside service came with ("" if none).
pub fn user_agent(headers: &axum::http::HeaderMap) -> String {
    header(headers, "user-agent").unwrap_or_default()
}

/// The `.eml` files in the mail folder `dir`, read in name order; none
/// while nothing has been sent.
pub fn raw_mails(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("eml"))
        .collect()
}

/// The first header `name` of a parsed mail ("" if it has none).
pub fn mail_header(mail: &mailparse::ParsedMail<'_>, name: &str) -> String {
    mailparse::MailHeaderMap::get_first_value(&mail.headers[..], name).unwrap_or_default()
}

/// The key (`2026-W49`) of the report week (Monday meetings) that holds
/// the day `days_ago` days before today.
pub fn week_key(days_ago: u64) -> String {
    let day = samordna::web::today() - chrono::Days::new(days_ago);
    samordna::est::week::ReportWeek::containing(day, 1).key()
}

/// The week and organisation the signed-in reporter's EST report form is
/// for, as the page says.
pub async fn open_report(app: &TestApp) -> (String, String) {
    let page = app.get_html("/est/rapport").await;
    let week = value_of(&page, "#handelser input[name=vecka]").expect("week");
    let org = value_of(&page, "#handelser input[name=org]").expect("organisation");
    (week, org)
}

/// The pixel of a point on the point picker's map of Lindesberg (the EST
/// report form's and the tip form's).
pub async fn pixel_of(app: &TestApp, lon: f64, lat: f64) -> (String, String) {
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    let shapes = samordna::map::shapes(&app.db, samordna::tenant::MunicipalityId::of_row(m))
        .await
        .expect("shapes");
    let frame = samordna::map::render::Frame::fit_box(shapes.bounds().expect("bounds"), 320, 320);
    let (x, y) = frame.to_px(lon, lat);
    (format!("{}", x.round()), format!("{}", y.round()))
}
