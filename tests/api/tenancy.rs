//! Every UPDATE and DELETE on a tenant table (one with `municipality_id`)
//! names the municipality in its WHERE clause, `municipality_id = $n`, so a
//! wrong id from a form can never reach another municipality's rows. Read
//! from `.sqlx/`, the compile-checked statements of the app and its tests,
//! so a new query is checked the day it is written.
//!
//! The few jobs that rightly change rows of every municipality at once say
//! so inside the statement, with the reason:
//! `update measure -- all municipalities: the daily reminder …`.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::helpers::db_values;

/// The comment that lets a statement change rows of every municipality.
const MARKER: &str = "all municipalities:";

/// The allow-list stays short: a new entry above this needs a reason good
/// enough to raise the number.
const MAX_ALLOWED: usize = 8;

/// The tables that carry `municipality_id`, from the migrated schema.
async fn tenant_tables(db: &sqlx::PgPool) -> BTreeSet<String> {
    db_values!(
        db,
        r#"select table_name as "table_name!" from information_schema.columns
           where table_schema = 'public' and column_name = 'municipality_id'"#
    )
    .into_iter()
    .collect()
}

/// Every statement in `.sqlx/`.
fn statements() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/.sqlx");
    std::fs::read_dir(dir)
        .expect(".sqlx")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            let json: serde_json::Value = serde_json::from_str(&text).expect("json");
            json["query"].as_str().expect("query").to_owned()
        })
        .collect()
}

/// A statement split into its code (lower-case, string literals emptied)
/// and its comments.
struct Parsed {
    code: String,
    comments: Vec<String>,
}

fn parse(sql: &str) -> Parsed {
    let mut code = String::new();
    let mut comments = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('-', Some('-')) => {
                chars.next();
                comments.push(chars.by_ref().take_while(|&c| c != '\n').collect());
                code.push('\n');
            }
            ('/', Some('*')) => {
                chars.next();
                let mut comment = String::new();
                while let Some(c) = chars.next() {
                    if c == '*' && chars.peek() == Some(&'/') {
                        chars.next();
                        break;
                    }
                    comment.push(c);
                }
                comments.push(comment);
                code.push(' ');
            }
            ('\'', _) => {
                // `''` inside a literal is a quote: it reads as an empty
                // literal next to another, which is just as harmless.
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
                code.push_str("''");
            }
            _ => code.extend(c.to_lowercase()),
        }
    }
    Parsed { code, comments }
}

/// One UPDATE or DELETE in a statement.
#[derive(Debug, PartialEq)]
struct Change {
    table: String,
    /// Its WHERE clause has `municipality_id = $n`.
    scoped: bool,
}

static CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    let name = r#"(?:"[^"]+"|[a-z_][a-z0-9_$]*)"#;
    Regex::new(&format!(
        r"\b(?:update|delete\s+from)\s+(?:only\s+)?(?:{name}\s*\.\s*)?({name})"
    ))
    .expect("regex")
});

static SCOPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\bmunicipality_id\s*=\s*\$\d+|\$\d+\s*=\s*(?:[a-z_][a-z0-9_]*\s*\.\s*)?municipality_id\b",
    )
    .expect("regex")
});

/// The UPDATEs and DELETEs in a statement's code (from [`parse`]).
fn changes(code: &str) -> Vec<Change> {
    CHANGE
        .captures_iter(code)
        .filter(|c| {
            // `on conflict … do update`, `select … for [no key] update`.
            let before = code[..c.get(0).expect("match").start()].trim_end();
            !["do", "for", "key"].iter().any(|word| {
                before.ends_with(word) && !ends_in_name_char(&before[..before.len() - word.len()])
            })
        })
        .map(|c| {
            let start = c.get(0).expect("match").start();
            Change {
                table: c[1].trim_matches('"').to_owned(),
                scoped: SCOPED.is_match(where_clause(&code[start..])),
            }
        })
        .collect()
}

fn ends_in_name_char(text: &str) -> bool {
    text.chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The WHERE clause of the change that `text` starts with: from its own
/// `where` to its `returning`, or to the `)` or `;` that ends the change.
fn where_clause(text: &str) -> &str {
    let word_at = |i: usize, word: &str| {
        text[i..].starts_with(word)
            && !ends_in_name_char(&text[..i])
            && !text[i + word.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
    };
    let mut depth = 0;
    let mut start = None;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return start.map_or("", |s| &text[s..i]),
            ')' => depth -= 1,
            ';' if depth == 0 => return start.map_or("", |s| &text[s..i]),
            'w' if depth == 0 && start.is_none() && word_at(i, "where") => start = Some(i),
            'r' if depth == 0 && word_at(i, "returning") => {
                return start.map_or("", |s| &text[s..i]);
            }
            _ => {}
        }
    }
    start.map_or("", |s| &text[s..])
}

/// The reason a statement gives for changing every municipality's rows.
fn reason(parsed: &Parsed) -> Option<&str> {
    parsed
        .comments
        .iter()
        .find_map(|c| c.trim().strip_prefix(MARKER))
        .map(str::trim)
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_update_and_delete_on_a_tenant_table_names_the_municipality(db: sqlx::PgPool) {
    let tenants = tenant_tables(&db).await;
    assert!(tenants.contains("est_incident"), "schema read: {tenants:?}");
    let all = statements();
    assert!(all.len() > 300, "read {} statements from .sqlx", all.len());

    let (mut checked, mut scoped) = (0, 0);
    let (mut unscoped, mut allowed, mut stale) = (Vec::new(), Vec::new(), Vec::new());
    for sql in &all {
        let parsed = parse(sql);
        let reason = reason(&parsed);
        let mut needs_reason = false;
        for change in changes(&parsed.code) {
            if !tenants.contains(&change.table) {
                continue;
            }
            checked += 1;
            if change.scoped {
                scoped += 1;
                continue;
            }
            needs_reason = true;
            match reason {
                // A reason is a few words, not a bare marker.
                Some(r) if r.split_whitespace().count() >= 3 => {
                    allowed.push(format!("{}: {r}", change.table));
                }
                _ => unscoped.push(format!("{}: {}", change.table, one_line(sql))),
            }
        }
        if reason.is_some() && !needs_reason {
            stale.push(one_line(sql));
        }
    }
    assert!(
        checked > 40,
        "only {checked} changes to tenant tables found"
    );
    assert!(scoped > 30, "only {scoped} changes name the municipality");
    assert!(
        unscoped.is_empty(),
        "UPDATE/DELETE on a tenant table without `municipality_id = $n` in its WHERE \
         (add it, from CurrentUser::tenant(); or, for a job over every \
         municipality, a comment `-- {MARKER} <reason>`):\n{}",
        unscoped.join("\n")
    );
    assert!(
        stale.is_empty(),
        "`{MARKER}` on a statement that needs none:\n{}",
        stale.join("\n")
    );
    assert!(
        allowed.len() <= MAX_ALLOWED,
        "the allow-list has grown to {}:\n{}",
        allowed.len(),
        allowed.join("\n")
    );
}

fn changes_in(sql: &str) -> Vec<(String, bool)> {
    changes(&parse(sql).code)
        .into_iter()
        .map(|c| (c.table, c.scoped))
        .collect()
}

fn change(table: &str, scoped: bool) -> (String, bool) {
    (table.to_owned(), scoped)
}

#[test]
fn the_check_finds_the_changed_tables_in_many_spellings() {
    for (sql, table) in [
        ("update  est_report   set x = 1 where id = $1", "est_report"),
        ("UPDATE\n\tEst_Report\nSET x = 1", "est_report"),
        ("delete from\n  meeting where id = $1", "meeting"),
        (
            "DELETE\nFROM meeting m USING work_group g WHERE g.id = m.work_group_id",
            "meeting",
        ),
        ("update only goal set x = 1", "goal"),
        (
            r#"update "position" set title = $2 where id = $1"#,
            "position",
        ),
        (r#"update public . "position" p set title = $2"#, "position"),
        ("update measure as m set x = 1 where m.id = $1", "measure"),
    ] {
        assert_eq!(changes_in(sql), [change(table, false)], "{sql}");
    }
    assert_eq!(
        changes_in(
            "with a as (update goal set x = 1 where id = $1 returning id),
                  b as (delete from plan_item where goal_id in (select id from a))
             delete from measure where id = $1"
        ),
        [
            change("goal", false),
            change("plan_item", false),
            change("measure", false)
        ]
    );
    for unchanged in [
        "select updated_at, last_update from goal",
        "select * from goal for update",
        "select * from goal g for no key update of g skip locked",
        "insert into goal values ($1) on conflict (id) do update set x = 1",
        "insert into goal values ($1) on conflict do\n  update set x = 1",
        "insert into audit_event (summary) values ('update goal; delete from measure')",
        "select 1 -- then update goal\n/* and delete from measure */",
    ] {
        assert!(changes_in(unchanged).is_empty(), "{unchanged}");
    }
}

#[test]
fn only_municipality_id_equal_to_a_parameter_in_the_where_clause_scopes_a_change() {
    for scoped in [
        "update goal set x = 1 where id = $1 and municipality_id = $2",
        "update goal g set x = 1 where g.id = $1 and g.municipality_id=$2 returning id",
        "delete from goal where $2 = municipality_id and id = $1",
        "delete from goal where id = $1 and municipality_id = $2;",
        "update goal set x = 1 where organisation_id in
           (select id from organisation where municipality_id = $1)",
    ] {
        assert_eq!(changes_in(scoped), [change("goal", true)], "{scoped}");
    }
    for unscoped in [
        "update goal set municipality_id = $2 where id = $1",
        "update goal set x = 1 where id = $1 returning municipality_id",
        "update goal set x = 1 from municipality m where m.id = goal.municipality_id",
        "update goal set x = 1 where id = $1 -- municipality_id = $2",
        "update goal set x = 1 where municipality_id is not null",
        "update goal set x = 1 where other_municipality_id = $1",
    ] {
        assert_eq!(changes_in(unscoped), [change("goal", false)], "{unscoped}");
    }
    // Each change in a CTE answers for itself.
    assert_eq!(
        changes_in(
            "with a as (update goal set x = 1 where municipality_id = $1 returning id)
             delete from measure where goal_id in (select id from a)"
        ),
        [change("goal", true), change("measure", false)]
    );
    assert_eq!(
        changes_in(
            "with a as (update goal set x = 1 where id = $2 returning id)
             delete from measure where municipality_id = $1"
        ),
        [change("goal", false), change("measure", true)]
    );
}

#[test]
fn the_reason_is_read_from_the_comment() {
    let parsed = parse(
        "update measure -- all municipalities: the daily reminder, for each its own\n set x = 1",
    );
    assert_eq!(
        reason(&parsed),
        Some("the daily reminder, for each its own")
    );
    assert_eq!(
        changes(&parsed.code),
        [Change {
            table: "measure".into(),
            scoped: false
        }]
    );
    assert_eq!(reason(&parse("update measure set x = 1 -- because")), None);
    assert_eq!(
        reason(&parse(
            "update measure set note = '-- all municipalities: x y z'"
        )),
        None
    );
}
