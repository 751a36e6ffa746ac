//! Words, numbers and dates as a reader sees them (#18 item 6), on every
//! page a person reaches from the start page by following links: the
//! house's rules read off the HTML, for the coordinator (who reaches the
//! most), a Styrgrupp member and an EST reporter.

use std::collections::{BTreeSet, VecDeque};

use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};

use crate::helpers::*;

/// Pages per person at most (the coordinator reaches about a hundred).
const MAX_PAGES: usize = 400;

/// Links not followed: downloads, feeds, the documents themselves, and
/// what signs out.
fn followed(href: &str) -> bool {
    let path = href.split(['?', '#']).next().unwrap_or(href);
    href.starts_with('/')
        && !href.starts_with("//")
        && ![".csv", ".ics", ".pdf", ".eml"]
            .iter()
            .any(|end| path.ends_with(end))
        && !path.contains("/dokument/")
        && !path.starts_with("/kalender/")
        && !path.starts_with("/assets/")
        && !path.starts_with("/logout")
}

/// A path with its ids left out: `/moten/{id}`.
fn kind_of(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if uuid::Uuid::parse_str(segment).is_ok() {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every page reached from `/` by links, with its address.
async fn crawl(app: &TestApp) -> Vec<(String, Html)> {
    let links = Selector::parse("a[href]").expect("selector");
    let mut seen = BTreeSet::from(["/".to_owned()]);
    let mut kinds = Vec::new();
    let mut queue = VecDeque::from(["/".to_owned()]);
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() == MAX_PAGES {
            break;
        }
        let response = app.get(&path).await;
        let is_html = response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or_default().starts_with("text/html"));
        if !response.status().is_success() || !is_html {
            continue;
        }
        let page = Html::parse_document(&response.text().await.expect("body"));
        for a in page.select(&links) {
            let href = a.value().attr("href").unwrap_or_default();
            let href = href
                .split('#')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&");
            // One page of a paged or sorted list stands for the others, and
            // three pages of a kind (three meetings) for the rest of it.
            let key = href.split('?').next().unwrap_or_default().to_owned();
            let kind = kind_of(&key);
            if followed(&href)
                && !href.is_empty()
                && kinds.iter().filter(|k| **k == kind).count() < 2
                && seen.insert(key)
            {
                kinds.push(kind);
                queue.push_back(href);
            }
        }
        pages.push((path, page));
    }
    pages
}

fn text_of(e: ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a date in `e` can break across lines ("2026-/11-29"). Browsers
/// do not break a date at its hyphens, except where the stylesheet lets a
/// table column shrink below its words (`overflow-wrap: anywhere` in the
/// phone-fitted tables, `table.fit`), unless an element around it keeps it
/// on one line (`.date`, `.nowrap`).
fn may_break(e: ElementRef) -> bool {
    let around: Vec<ElementRef> =
        std::iter::successors(Some(e), |e| e.parent().and_then(ElementRef::wrap)).collect();
    let has = |e: &ElementRef, class: &str| e.value().classes().any(|c| c == class);
    let kept = around.iter().any(|e| {
        ["date", "nowrap", "status", "visually-hidden"]
            .iter()
            .any(|c| has(e, c))
    });
    let anywhere = around
        .iter()
        .any(|e| matches!(e.value().name(), "td" | "th") && around.iter().any(|a| has(a, "fit")));
    anywhere && !kept
}

/// What breaks the rules on one page, one line each.
fn faults(page: &Html, titles: &[String]) -> Vec<String> {
    let main = Selector::parse("main").expect("selector");
    let Some(main) = page.select(&main).next() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    number_faults(main, &mut found);
    title_faults(main, titles, &mut found);
    heading_faults(page, &mut found);
    caption_faults(main, &mut found);
    field_faults(main, &mut found);
    found
}

/// Numbers and words: plurals after one, "§" and dates and per cents that could break across lines.
fn number_faults(main: ElementRef, found: &mut Vec<String>) {
    let plural_after_one = Regex::new(
        r"(?:^|[^\d,.\-:/])1 (försenade|möten|händelser|åtgärder|organisationer|deltaganden|dagar|veckor|personer|befattningar|signaturer|grupper|timmar|månader|öppna|planerade|hållna|inställda|protokollförda)\b",
    )
    .expect("regex");
    let date = Regex::new(r"\d{4}-\d{2}-\d{2}").expect("regex");
    let loose_per_cent = Regex::new(r"\d %").expect("regex");
    let paragraph = Regex::new(r"§\d").expect("regex");
    // Numbers and words, in the text as read.
    let all = text_of(main);
    for m in plural_after_one.find_iter(&all) {
        found.push(format!("plural after 1: “{}”", m.as_str().trim()));
    }
    for m in paragraph.find_iter(&all) {
        found.push(format!("“§” without a space: “{}”", m.as_str()));
    }
    // Text nodes: dates and per cents that could break across lines.
    for node in main.descendants() {
        let Node::Text(text) = node.value() else {
            continue;
        };
        let Some(parent) = node.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        for m in date.find_iter(text).filter(|_| may_break(parent)) {
            found.push(format!(
                "a date that may break across lines: “{}” in <{}>",
                m.as_str(),
                parent.value().name()
            ));
        }
        for m in loose_per_cent.find_iter(text) {
            let from = (0..=m.start())
                .rev()
                .take(30)
                .filter(|i| text.is_char_boundary(*i))
                .last()
                .unwrap_or(m.start());
            found.push(format!(
                "“%” on its own line possible: “{}” in <{}>",
                &text[from..m.end()],
                parent.value().name()
            ));
        }
    }
}

/// A job title capitalised mid-sentence, in running text.
fn title_faults(main: ElementRef, titles: &[String], found: &mut Vec<String>) {
    let running = Selector::parse("p, li, dd, .flash").expect("selector");
    for e in main.select(&running) {
        if e.ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| a.value().name() == "table")
        {
            continue;
        }
        let text = text_of(e);
        for title in titles {
            for (at, _) in text.match_indices(title.as_str()) {
                let before: Vec<char> = text[..at].chars().rev().take(2).collect();
                if before.len() == 2 && before[0] == ' ' && before[1].is_lowercase() {
                    found.push(format!(
                        "a title capitalised mid-sentence: “…{}”",
                        &text[at.saturating_sub(12)..(at + title.len()).min(text.len())]
                    ));
                }
            }
        }
    }
}

/// A heading that repeats its type: "Orsaksanalys: Orsaksanalys …".
fn heading_faults(page: &Html, found: &mut Vec<String>) {
    let headings = Selector::parse("h1, h2, title").expect("selector");
    for h in page.select(&headings) {
        let text = text_of(h);
        if let Some((kind, rest)) = text.split_once(": ") {
            let first = kind
                .split_whitespace()
                .last()
                .unwrap_or(kind)
                .to_lowercase();
            if rest.to_lowercase().starts_with(&first) {
                found.push(format!("a heading repeats its type: “{text}”"));
            }
        }
    }
}

/// A shown caption that says again what the heading just above says.
fn caption_faults(main: ElementRef, found: &mut Vec<String>) {
    let captions = Selector::parse("table > caption").expect("selector");
    for c in main.select(&captions) {
        if c.value().classes().any(|k| k == "visually-hidden") {
            continue;
        }
        let Some(table) = c.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        let holder = table
            .parent()
            .and_then(ElementRef::wrap)
            .filter(|p| p.value().classes().any(|k| k == "table-wrap"))
            .unwrap_or(table);
        let heading = holder
            .prev_siblings()
            .filter_map(ElementRef::wrap)
            .next()
            .filter(|e| matches!(e.value().name(), "h1" | "h2" | "h3" | "h4"));
        if heading.is_some_and(|h| text_of(h).to_lowercase() == text_of(c).to_lowercase()) {
            found.push(format!(
                "a caption repeats the heading above it: “{}”",
                text_of(c)
            ));
        }
    }
}

/// A field shown bare: a term with nothing after it.
fn field_faults(main: ElementRef, found: &mut Vec<String>) {
    let terms = Selector::parse("dt").expect("selector");
    for dt in main.select(&terms) {
        let dd = dt
            .next_siblings()
            .filter_map(ElementRef::wrap)
            .next()
            .filter(|e| e.value().name() == "dd");
        let empty = dd.is_none_or(|dd| {
            text_of(dd).is_empty() && dd.children().filter_map(ElementRef::wrap).next().is_none()
        });
        if empty {
            found.push(format!("an empty field: “{}”", text_of(dt)));
        }
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_page_a_person_reaches_writes_numbers_dates_and_titles_as_a_reader_expects(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    // Capitalised position titles, as they are stored ("Kommundirektör").
    let titles: Vec<String> = db_values!(
        &app.db,
        r#"select distinct p.title from position p join municipality m on m.id = p.municipality_id
           where m.slug = 'lindesberg' and p.title ~ '^[[:upper:]][[:lower:]]'"#
    );
    assert_listed(&titles, "Kommundirektör");

    let mut report = Vec::new();
    let mut reached = 0;
    for email in [COORDINATOR, "kso@lindesberg.example", SECURITAS] {
        let person = app.beside(email).await;
        let pages = crawl(&person).await;
        assert!(pages.len() > 5, "{email} reached {} pages", pages.len());
        reached += pages.len();
        for (path, page) in &pages {
            for fault in faults(page, &titles) {
                report.push(format!("{email} {path}: {fault}"));
            }
        }
    }
    report.sort();
    report.dedup();
    assert!(
        report.is_empty(),
        "{} faults on {reached} pages:\n{}",
        report.len(),
        report.join("\n")
    );
}
