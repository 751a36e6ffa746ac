//! Headless Chromium through chromedriver (one of each per test), driven
//! like a person: visible link texts, button texts and labelled fields.
//! Every page reached is checked with axe-core, for its buttons'
//! contrast and for chart text below 12 px at both widths, saved as
//! `target/browser-artifacts/<test>-pNN-<step>.html`
//! (checked with the Nu HTML Checker when the flow ends) and photographed
//! at 1280 and 390 px wide (`…-1280.png`, `…-390.png`); on failure the page
//! is saved as `target/browser-artifacts/<test>-<step>.png` and `.html`.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus, NewSessionError};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::{axe, pages};

/// How long a page may take to arrive after a click.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long chromedriver may take to start and open a browser.
const START_TIMEOUT: Duration = Duration::from_secs(40);
/// How often the bounded waits look again.
const POLL: Duration = Duration::from_millis(50);

const CHROME_ARGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--window-size=1280,1024",
    "--lang=sv-SE",
];

const INSTALL_HINT: &str =
    "install them with `apt-get install -y chromium chromium-driver` (scripts/test does this)";

fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts")
}

/// The first of `names` found on `PATH` (or, with a `/`, as a path).
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        if name.contains('/') {
            return Path::new(name).is_file().then(|| PathBuf::from(name));
        }
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A chromedriver process in its own process group, with its own `TMPDIR`
/// (Chromium's profile and shared-memory files land there); dropping it
/// kills the group and removes that directory, so nothing outlives the
/// test even when the test panics.
struct Chromedriver {
    child: Child,
    port: u16,
    log: PathBuf,
    tmp: PathBuf,
}

impl Chromedriver {
    fn start(program: &Path, log: &Path) -> Result<Self> {
        // A free port: bind :0, read the port, release it. Another process
        // could take it in between; `connect` then starts again.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("finding a free port for chromedriver")?
            .port();
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone().context("chromedriver log")?;
        // Short: Chromium puts a Unix socket below it (paths max ~107 bytes).
        let id = uuid::Uuid::new_v4().simple().to_string();
        let tmp = std::env::temp_dir().join(format!("samordna-chrome-{}", &id[..12]));
        std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .env("TMPDIR", &tmp)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        Ok(Self {
            child,
            port,
            log: log.to_owned(),
            tmp,
        })
    }

    fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and the browser processes it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// Opens a browser session, starting chromedriver (again on another port
/// if the chosen one was taken).
async fn launch(test: &str, chromium: &Path) -> (Client, Chromedriver) {
    let Some(program) = find_program(&["chromedriver", "/usr/bin/chromedriver"]) else {
        panic!("chromedriver was not found on PATH: {INSTALL_HINT}");
    };
    let dir = artifacts_dir();
    std::fs::create_dir_all(&dir).expect("create target/browser-artifacts");
    let log = dir.join(format!("{test}-chromedriver.log"));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium, "args": CHROME_ARGS }),
    );
    let mut last_error = String::new();
    for _attempt in 0..3 {
        let mut driver = match Chromedriver::start(&program, &log) {
            Ok(driver) => driver,
            Err(e) => panic!("{e:#}"),
        };
        let url = format!("http://127.0.0.1:{}", driver.port);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let connected = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match connected {
                Ok(client) => return (client, driver),
                // Chromium itself did not start: no point in trying again.
                Err(NewSessionError::SessionNotCreated(e)) => panic!(
                    "chromedriver could not start Chromium ({}): {e}\nchromedriver log:\n{}",
                    chromium.display(),
                    driver.log_text()
                ),
                // Not listening yet, or the port was taken.
                Err(e) => last_error = e.to_string(),
            }
            if driver.has_exited() || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last_error = format!("{last_error}\nchromedriver log:\n{}", driver.log_text());
    }
    panic!(
        "could not open headless Chromium ({}) through chromedriver ({}): {last_error}",
        chromium.display(),
        program.display()
    );
}

/// A person at a browser, on one app.
pub struct Browser {
    client: Client,
    base: String,
    test: &'static str,
    step: Mutex<String>,
    axe: String,
    violations: Mutex<Vec<String>>,
    pages_checked: Mutex<usize>,
    /// Every page visited, saved for the HTML checker.
    saved_pages: Mutex<Vec<PathBuf>>,
    driver: Chromedriver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for the test `test`
    /// (the artifact name prefix) against the app at `base`.
    pub async fn open(test: &'static str, base: &str) -> Self {
        let Some(chromium) = find_program(&["chromium", "/usr/bin/chromium"]) else {
            panic!("chromium was not found on PATH: {INSTALL_HINT}");
        };
        let axe = axe::load_script();
        pages::require_checker();
        remove_old_artifacts(test);
        let (client, driver) = launch(test, &chromium).await;
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            test,
            step: Mutex::new("start".into()),
            axe,
            violations: Mutex::new(Vec::new()),
            pages_checked: Mutex::new(0),
            saved_pages: Mutex::new(Vec::new()),
            driver,
        }
    }

    /// Presses a key (a WebDriver key code, e.g. `"\u{E004}"` for Tab) in
    /// the element that has focus, and describes the element focused after.
    pub async fn press_key(&self, key: &str) -> Result<String> {
        self.client.active_element().await?.send_keys(key).await?;
        self.focused().await
    }

    /// How many elements matching `css` the page draws (with a box of
    /// their own).
    pub async fn drawn(&self, css: &str) -> Result<usize> {
        let n = self
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0])]
                   .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
                   .length;",
                vec![serde_json::Value::from(css)],
            )
            .await
            .with_context(|| format!("counting `{css}`"))?;
        Ok(usize::try_from(n.as_u64().unwrap_or(0))?)
    }

    /// The focused element: tag, id, text, and whether its outline shows.
    pub async fn focused(&self) -> Result<String> {
        let described = self
            .client
            .execute(
                "const e = document.activeElement; const s = getComputedStyle(e); \
                 return [e.tagName.toLowerCase(), e.id || '', (e.textContent || '').trim().slice(0, 40), \
                         s.outlineStyle !== 'none' && s.outlineWidth !== '0px' ? 'outline' : 'no-outline'].join('|');",
                vec![],
            )
            .await?;
        Ok(described.as_str().unwrap_or_default().to_owned())
    }

    /// Names what the test does next; failure artifacts carry the name.
    pub fn step(&self, name: &str) {
        *self.step.lock().expect("step lock") = name.to_owned();
    }

    fn current_step(&self) -> String {
        self.step.lock().expect("step lock").clone()
    }

    /// Ends the test: on an error saves the page and panics with the error;
    /// then fails if any page had accessibility violations.
    pub async fn finish(self, outcome: Result<()>) {
        let saved = std::mem::take(&mut *self.saved_pages.lock().expect("pages lock"));
        match pages::validate(&saved) {
            Ok(errors) if errors.is_empty() => {}
            Ok(errors) => self
                .violations
                .lock()
                .expect("violations lock")
                .push(format!(
                    "  The Nu HTML Checker found {} errors:\n    {}",
                    errors.len(),
                    errors.join("\n    ")
                )),
            Err(e) => self
                .violations
                .lock()
                .expect("violations lock")
                .push(format!("  The Nu HTML Checker did not run: {e:#}")),
        }
        let violations = std::mem::take(&mut *self.violations.lock().expect("violations lock"));
        let pages = *self.pages_checked.lock().expect("pages lock");
        if let Err(error) = outcome {
            let saved = self.save_artifacts(&self.current_step()).await;
            self.close().await;
            let earlier = if violations.is_empty() {
                String::new()
            } else {
                format!(
                    "\nBefore that, axe-core found violations:\n{}",
                    violations.join("\n")
                )
            };
            panic!(
                "{} failed at step `{}`: {error:#}\n{saved}{earlier}",
                self.test,
                self.current_step()
            );
        }
        self.close().await;
        if violations.is_empty() {
            // Only a failed test keeps its chromedriver log.
            let _ = std::fs::remove_file(&self.driver.log);
            eprintln!(
                "{}: {pages} pages checked with axe-core, for button contrast and with the Nu HTML Checker",
                self.test
            );
        }
        assert!(
            violations.is_empty(),
            "{}: axe-core (WCAG 2.1 A/AA), the button contrast check or the Nu HTML Checker \
             found problems ({} reports, {pages} pages):\n{}",
            self.test,
            violations.len(),
            violations.join("\n")
        );
    }

    /// Ends the WebDriver session (Chromium quits); bounded, since the
    /// process group is killed afterwards anyway.
    async fn close(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
    }

    /// Saves a screenshot and the HTML of the current page; says where.
    async fn save_artifacts(&self, step: &str) -> String {
        let dir = artifacts_dir();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return format!("(could not create {}: {e})", dir.display());
        }
        let base = dir.join(format!("{}-{}", self.test, sanitise(step)));
        let png = base.with_extension("png");
        let html = base.with_extension("html");
        let mut notes = Vec::new();
        match self.client.screenshot().await {
            Ok(bytes) => match std::fs::write(&png, bytes) {
                Ok(()) => notes.push(format!("screenshot: {}", png.display())),
                Err(e) => notes.push(format!("could not write {}: {e}", png.display())),
            },
            Err(e) => notes.push(format!("no screenshot: {e}")),
        }
        match self.client.source().await {
            Ok(source) => match std::fs::write(&html, source) {
                Ok(()) => notes.push(format!("page: {}", html.display())),
                Err(e) => notes.push(format!("could not write {}: {e}", html.display())),
            },
            Err(e) => notes.push(format!("no page source: {e}")),
        }
        if let Ok(url) = self.client.current_url().await {
            notes.push(format!("url: {url}"));
        }
        notes.join("\n")
    }

    /// Opens `path` as if typed into the address bar.
    pub async fn visit(&self, path: &str) -> Result<String> {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("opening {path}"))?;
        let expected = path.split(['?', '#']).next().unwrap_or(path).to_owned();
        self.arrived(&expected).await
    }

    /// Clicks the link with exactly this visible text and waits for the
    /// page `expected` (a path; `*` stands for one segment).
    pub async fn follow_link(&self, text: &str, expected: &str) -> Result<String> {
        let xpath = format!("//a[normalize-space()={}]", xpath_string(text));
        self.click_link(&xpath, &format!("the link “{text}”"), expected)
            .await
    }

    /// Clicks the link in the main menu (the header's navigation).
    pub async fn menu(&self, text: &str, expected: &str) -> Result<String> {
        let xpath = format!(
            "//nav[@aria-label='Huvudmeny']//a[normalize-space()={}]",
            xpath_string(text)
        );
        self.click_link(&xpath, &format!("“{text}” in the main menu"), expected)
            .await
    }

    /// Clicks the link whose visible text starts with `text` (a text with a
    /// count after it, such as “Att signera (2)”).
    pub async fn follow_link_starting(&self, text: &str, expected: &str) -> Result<String> {
        let xpath = format!(
            "//a[starts-with(normalize-space(), {})]",
            xpath_string(text)
        );
        self.click_link(&xpath, &format!("a link “{text}…”"), expected)
            .await
    }

    async fn click_link(&self, xpath: &str, what: &str, expected: &str) -> Result<String> {
        let link = self.one(xpath, what).await?;
        self.click_to(link, &format!("clicking {what}"), expected)
            .await
    }

    /// Clicks `element` (`doing` says how, for errors) and waits for the new
    /// page `expected`.
    async fn click_to(&self, element: Element, doing: &str, expected: &str) -> Result<String> {
        self.mark_page().await?;
        element.click().await.with_context(|| doing.to_owned())?;
        self.wait_for_new_page()
            .await
            .with_context(|| format!("after {doing}"))?;
        self.arrived(expected).await
    }

    /// Presses the button with exactly this visible text (a form submit)
    /// and waits for the resulting page `expected`.
    pub async fn press(&self, text: &str, expected: &str) -> Result<String> {
        let button = self
            .one(
                &format!(
                    "//button[normalize-space()={0}] | //input[@type='submit' and @value={0}]",
                    xpath_string(text)
                ),
                &format!("the button “{text}”"),
            )
            .await?;
        self.click_to(button, &format!("pressing “{text}”"), expected)
            .await
    }

    /// Presses the button `text`, waits for the page `expected` and checks
    /// that its flash message says `flash`; the page's path, as [`Self::press`].
    pub async fn press_and_flash(&self, text: &str, expected: &str, flash: &str) -> Result<String> {
        let page = self.press(text, expected).await?;
        self.expect_text(".flash", flash).await?;
        Ok(page)
    }

    /// Clicks the middle of an image button (`<input type="image">`, the
    /// map of the report form) and waits for the page it sends the form to.
    pub async fn click_image(&self, css: &str, expected: &str) -> Result<String> {
        let image = self.find(css).await?;
        // WebDriver clicks the middle of the part in view: bring all of it in view.
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&image)?],
            )
            .await
            .with_context(|| format!("scrolling to `{css}`"))?;
        self.click_to(image, &format!("clicking the image `{css}`"), expected)
            .await
    }

    /// The one displayed element matching an XPath expression.
    async fn one(&self, xpath: &str, what: &str) -> Result<Element> {
        let mut shown = Vec::new();
        for element in self.client.find_all(Locator::XPath(xpath)).await? {
            if element.is_displayed().await? {
                shown.push(element);
            }
        }
        match shown.len() {
            1 => Ok(shown.remove(0)),
            0 => bail!("{what} is not on the page"),
            n => bail!("{what} is on the page {n} times"),
        }
    }

    /// The element for a CSS selector.
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("finding `{css}`"))
    }

    /// Types into a text field or text area (after emptying it).
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.find(css).await?;
        field
            .clear()
            .await
            .with_context(|| format!("clearing `{css}`"))?;
        field
            .send_keys(text)
            .await
            .with_context(|| format!("typing into `{css}`"))
    }

    /// Sets the value of a date or time input. Typing into them depends on
    /// the browser's locale and field segments, so the value (`2026-05-04`,
    /// `13:00`) is set through the DOM with the events a person's input fires.
    pub async fn set_value(&self, css: &str, value: &str) -> Result<()> {
        let field = self.find(css).await?;
        let args = vec![serde_json::to_value(&field)?, json!(value)];
        let now = self
            .client
            .execute(
                r#"const [el, value] = arguments;
                   el.focus();
                   el.value = value;
                   el.dispatchEvent(new Event('input', { bubbles: true }));
                   el.dispatchEvent(new Event('change', { bubbles: true }));
                   el.blur();
                   return el.value;"#,
                args,
            )
            .await
            .with_context(|| format!("setting `{css}`"))?;
        if now != Value::String(value.to_owned()) {
            bail!("`{css}` did not take the value {value:?} (it holds {now})");
        }
        Ok(())
    }

    /// Chooses the option with this visible text in a select.
    pub async fn select(&self, css: &str, label: &str) -> Result<()> {
        self.find(css)
            .await?
            .select_by_label(label)
            .await
            .with_context(|| format!("choosing “{label}” in `{css}`"))
    }

    /// Ticks a checkbox or chooses a radio button (clicking it like a person).
    pub async fn tick(&self, css: &str) -> Result<()> {
        let input = self.find(css).await?;
        if !input.is_selected().await? {
            input
                .click()
                .await
                .with_context(|| format!("clicking `{css}`"))?;
        }
        if !input.is_selected().await? {
            bail!("`{css}` is not checked after clicking it");
        }
        Ok(())
    }

    /// Ticks the work group labelled `group` in an agreement's form and
    /// gives it the role `role` in the text field beside it.
    pub async fn tick_group_with_role(&self, group: &str, role: &str) -> Result<()> {
        let checkbox = self.field_labelled(group).await?;
        self.tick(&format!("#{checkbox}")).await?;
        let id = checkbox
            .strip_prefix("group_")
            .context("the group checkbox id is group_<id>")?;
        self.fill(&format!("#role_{id}"), role).await
    }

    /// The `for` of the label with exactly this text: the id of its field.
    pub async fn field_labelled(&self, text: &str) -> Result<String> {
        let label = self
            .one(
                &format!("//label[normalize-space()={}]", xpath_string(text)),
                &format!("the label “{text}”"),
            )
            .await?;
        label
            .attr("for")
            .await?
            .with_context(|| format!("the label “{text}” has no `for`"))
    }

    /// Chooses a file in a file input (the path is local to the browser).
    pub async fn choose_file(&self, css: &str, path: &Path) -> Result<()> {
        let path = path
            .to_str()
            .with_context(|| format!("{} is not UTF-8", path.display()))?;
        self.find(css)
            .await?
            .send_keys(path)
            .await
            .with_context(|| format!("choosing {path} in `{css}`"))
    }

    /// The value attribute of an element.
    pub async fn value_of(&self, css: &str) -> Result<String> {
        self.find(css)
            .await?
            .attr("value")
            .await?
            .with_context(|| format!("`{css}` has no value"))
    }

    /// For each table matching `css`: its number of body rows and the height
    /// of its tallest body row, in CSS pixels.
    pub async fn row_heights(&self, css: &str) -> Result<Vec<(usize, f64)>> {
        let found = self
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0])].map(t => {
                   const rows = [...t.querySelectorAll('tbody tr')];
                   return [rows.length, Math.max(0, ...rows.map(r => r.getBoundingClientRect().height))];
                 });",
                vec![json!(css)],
            )
            .await
            .context("measuring the tables' rows")?;
        Ok(serde_json::from_value(found)?)
    }

    /// Prints the current page on A4 as the browser's print dialog would
    /// (the print style sheet applies); returns the number of pages and
    /// the printed text.
    pub async fn print_a4(&self) -> Result<(usize, String)> {
        let pdf = self
            .client
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .context("printing the page")?;
        let doc = lopdf::Document::load_mem(&pdf).context("reading the printed PDF")?;
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap_or_default();
        Ok((pages.len(), text))
    }

    /// Prints the current page on A4 and fails unless the text `first` and
    /// the text `last` of a block (a map's caption and its table's last
    /// row) are printed on the same page, that is unless the block is kept
    /// whole on one page.
    pub async fn prints_on_one_page(&self, first: &str, last: &str) -> Result<usize> {
        let pdf = self
            .client
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .context("printing the page")?;
        let doc = lopdf::Document::load_mem(&pdf).context("reading the printed PDF")?;
        let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        let (first, last) = (squash(first), squash(last));
        let mut seen = Vec::new();
        for number in doc.get_pages().keys().copied() {
            let text = squash(&doc.extract_text(&[number]).unwrap_or_default());
            if let Some(at) = text.find(&first) {
                if text[at..].contains(&last) {
                    return Ok(usize::try_from(number).unwrap_or(0));
                }
                let rest: String = text[at..].chars().take(600).collect();
                seen.push(format!(
                    "page {number} has “{first}” but not “{last}” after it: {rest}"
                ));
            }
        }
        anyhow::bail!("“{first}” … “{last}” not printed on one page: {seen:?}")
    }

    /// At a phone's width (the narrower of [`pages::WIDTHS`]), fails if the
    /// page or an element matching `css` needs sideways scrolling; then puts
    /// the window back.
    pub async fn fits_phone(&self, css: &str) -> Result<()> {
        let width = pages::WIDTHS[1];
        self.client.set_window_size(width, pages::WINDOW.1).await?;
        let inner = self
            .client
            .execute("return window.innerWidth;", vec![])
            .await?
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .context("the viewport's width")?;
        let outer = (width + width.saturating_sub(inner)).max(width);
        self.none_at_phone_width(
            outer,
            "const out = [];
                 const root = document.documentElement;
                 if (root.scrollWidth > window.innerWidth) out.push(`the page: ${root.scrollWidth} px in ${window.innerWidth}`);
                 for (const e of document.querySelectorAll(arguments[0])) {
                   if (e.scrollWidth > e.clientWidth + 1) {
                     const name = (e.querySelector('caption, th') || e).textContent.trim().slice(0, 60);
                     out.push(`${e.tagName.toLowerCase()} “${name}”: ${e.scrollWidth} px in ${e.clientWidth}`);
                   }
                 }
                 return out;",
            css,
            "scroll sideways",
        )
        .await
    }

    /// At a phone's width, fails if a shown element matching `css` (the
    /// things a thumb presses) is less than 44 px tall or wide; then puts
    /// the window back.
    pub async fn taps_fit_a_thumb(&self, css: &str) -> Result<()> {
        self.none_at_phone_width(
            pages::WIDTHS[1],
            "const out = [];
                 for (const e of document.querySelectorAll(arguments[0])) {
                   const r = e.getBoundingClientRect();
                   if (r.width === 0 || r.height === 0 || e.closest('.visually-hidden')) continue;
                   if (r.height < 44 || r.width < 44) {
                     const name = (e.textContent || e.value || e.outerHTML).trim().replace(/\\s+/g, ' ').slice(0, 50);
                     out.push(`${e.tagName.toLowerCase()} “${name}”: ${Math.round(r.width)} × ${Math.round(r.height)} px`);
                   }
                 }
                 return out;",
            css,
            "are smaller than 44 px",
        )
        .await
    }

    /// With the window `outer` px wide (a phone's width inside), runs
    /// `script` on the elements matching `css` and puts the window back;
    /// fails naming what the script returned, the elements that `fault`.
    async fn none_at_phone_width(
        &self,
        outer: u32,
        script: &str,
        css: &str,
        fault: &str,
    ) -> Result<()> {
        self.client.set_window_size(outer, pages::WINDOW.1).await?;
        let found = self.client.execute(script, vec![json!(css)]).await?;
        self.client
            .set_window_size(pages::WINDOW.0, pages::WINDOW.1)
            .await?;
        let found: Vec<String> = serde_json::from_value(found)?;
        if !found.is_empty() {
            bail!(
                "at {} px these {fault}:\n  {}",
                pages::WIDTHS[1],
                found.join("\n  ")
            );
        }
        Ok(())
    }

    /// The visible text of an element, whitespace collapsed.
    pub async fn text(&self, css: &str) -> Result<String> {
        let text = self
            .find(css)
            .await?
            .text()
            .await
            .with_context(|| format!("reading `{css}`"))?;
        Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// Fails unless the text of `css` contains `needle`; waits a little in
    /// case the page is still rendering.
    pub async fn expect_text(&self, css: &str, needle: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let seen = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(CmdError::Standard(e)) if e.error == ErrorStatus::NoSuchElement => {
                    String::new()
                }
                Err(e) => return Err(e.into()),
            };
            let seen = seen.split_whitespace().collect::<Vec<_>>().join(" ");
            if seen.contains(needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("expected `{css}` to contain “{needle}”, it reads “{seen}”");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Signs in on /login with the demo password and lands on the start page.
    pub async fn sign_in(&self, email: &str) -> Result<()> {
        self.step(&format!(
            "login-{}",
            email.split('@').next().unwrap_or(email)
        ));
        self.sign_in_with(email, crate::app::DEMO_PASSWORD, "/")
            .await
    }

    /// Signs in on /login with `password` and waits for the page `expected`
    /// (an operator's or a first sign-in's own start).
    pub async fn sign_in_with(&self, email: &str, password: &str, expected: &str) -> Result<()> {
        self.visit("/login").await?;
        self.fill("#email", email).await?;
        self.fill("#password", password).await?;
        self.press("Logga in", expected).await?;
        Ok(())
    }

    /// Signs out with the header's button.
    pub async fn sign_out(&self) -> Result<()> {
        self.step("logout");
        self.press("Logga ut", "/login").await?;
        Ok(())
    }

    /// Marks the current document so that its replacement can be told apart.
    async fn mark_page(&self) -> Result<()> {
        self.client
            .execute("window.__samordnaOldPage = true; return null;", vec![])
            .await
            .context("marking the page")?;
        Ok(())
    }

    /// Waits (bounded) until a new document has replaced the marked one
    /// and finished loading.
    async fn wait_for_new_page(&self) -> Result<()> {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        let mut last;
        loop {
            // During the navigation the script may fail (no document yet).
            match self
                .client
                .execute(
                    "return window.__samordnaOldPage === true ? 'old page' : document.readyState;",
                    vec![],
                )
                .await
            {
                Ok(Value::String(state)) if state == "complete" => return Ok(()),
                Ok(state) => last = state.to_string(),
                Err(e) => last = e.to_string(),
            }
            if Instant::now() > deadline {
                bail!("no new page within {PAGE_TIMEOUT:?} (last seen: {last})");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Checks that the page is `expected` (a path pattern) and runs axe on
    /// it; returns the path.
    async fn arrived(&self, expected: &str) -> Result<String> {
        let url = self.client.current_url().await.context("reading the URL")?;
        let path = url.path().to_owned();
        if !path_matches(expected, &path) {
            let heading = self.text("h1").await.unwrap_or_default();
            let errors = self.text(".error-summary").await.unwrap_or_default();
            return Err(anyhow!(
                "expected the page {expected}, got {url} (heading “{heading}”{})",
                if errors.is_empty() {
                    String::new()
                } else {
                    format!(", errors “{errors}”")
                }
            ));
        }
        self.check_accessibility(&path).await?;
        Ok(path)
    }

    /// Runs axe-core on the current page and keeps any violations (with a
    /// screenshot and the HTML) for the report at the end of the test.
    async fn check_accessibility(&self, path: &str) -> Result<()> {
        let mut found = axe::check(&self.client, &self.axe).await?;
        let page = {
            let mut pages = self.pages_checked.lock().expect("pages lock");
            *pages += 1;
            *pages
        };
        for low in pages::button_contrast(&self.client).await? {
            found.push(format!("button-contrast (below 4.5:1): {low}"));
        }
        self.keep_page(page).await?;
        if found.is_empty() {
            return Ok(());
        }
        let step = format!("{}-a11y-{page}", self.current_step());
        let saved = self.save_artifacts(&step).await;
        let mut report = format!("  {path} (step `{}`):", self.current_step());
        for violation in found {
            report.push_str("\n    ");
            report.push_str(&violation);
        }
        report.push_str(&format!("\n    {}", saved.replace('\n', "\n    ")));
        self.violations
            .lock()
            .expect("violations lock")
            .push(report);
        Ok(())
    }
}

impl Browser {
    /// Saves the page for the HTML checker and photographs it at each width.
    async fn keep_page(&self, page: usize) -> Result<()> {
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let base = dir.join(format!(
            "{}-p{page:02}-{}",
            self.test,
            sanitise(&self.current_step())
        ));
        let html = base.with_extension("html");
        pages::save_html(&self.client, &html).await?;
        self.saved_pages.lock().expect("pages lock").push(html);
        let small = pages::screenshots(&self.client, &base).await?;
        if !small.is_empty() {
            self.violations
                .lock()
                .expect("violations lock")
                .push(format!(
                    "  page {page} (step `{}`): chart text below 12 px or text broken across lines:\n    {}",
                    self.current_step(),
                    small.join("\n    ")
                ));
        }
        Ok(())
    }
}

/// Removes what an earlier run of `test` left in target/browser-artifacts.
fn remove_old_artifacts(test: &str) {
    let prefix = format!("{test}-");
    let Ok(entries) = std::fs::read_dir(artifacts_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether `path` matches `pattern`, where a `*` segment is any one segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| *p == *s || (*p == "*" && !s.is_empty()))
}

/// A string literal for XPath 1.0 (which has no escapes).
fn xpath_string(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

fn sanitise(step: &str) -> String {
    step.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[test]
fn path_patterns() {
    assert!(path_matches("/moten/*", "/moten/0190f2c4"));
    assert!(!path_matches("/moten/*", "/moten/ny/x"));
    assert!(!path_matches("/moten/*", "/moten/"));
    assert!(path_matches("/", "/"));
    assert_eq!(xpath_string("a'b"), "\"a'b\"");
    assert_eq!(xpath_string("a'b\"c"), "concat('a', \"'\", 'b\"c')");
}
