//! Single-line fields refuse line breaks, tabs, invisible control
//! characters and direction overrides: a 422 with a Swedish message next to
//! the field, the form kept, nothing stored.

use reqwest::StatusCode;

use crate::helpers::*;

/// A form post: path, fields, the field that must carry the error.
type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str);

/// Spellings that must not reach a stored name (the issue's probe used CRLF).
const SPELLINGS: &[(&str, &str)] = &[
    ("CRLF", "\r\n"),
    ("LF", "\n"),
    ("CR", "\r"),
    ("TAB", "\t"),
    ("NUL", "\0"),
    ("ESC", "\u{1b}"),
    ("BEL", "\u{7}"),
    ("DEL", "\u{7f}"),
    ("NEL", "\u{85}"),
    ("C1 CSI", "\u{9b}"),
    ("LINE SEPARATOR", "\u{2028}"),
    ("PARAGRAPH SEPARATOR", "\u{2029}"),
    ("RIGHT-TO-LEFT OVERRIDE", "\u{202E}"),
    ("LEFT-TO-RIGHT ISOLATE", "\u{2066}"),
];

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_person_whose_name_holds_a_line_break_or_control_character_is_refused_and_not_stored(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let before = rows_in(&app.db, "person").await;
    for (what, c) in SPELLINGS {
        let name = format!("Anna{c}Bcc: angripare@example.com");
        let response = app
            .post(
                "/admin/personer",
                &[("name", &name), ("email", "anna.ny@lindesberg.example")],
            )
            .await;
        let page = assert_refused_by(response, "name", "Namnet får inte innehålla", what).await;
        assert!(
            value_of(&page, "#email").as_deref() == Some("anna.ny@lindesberg.example"),
            "{what}: the form is kept"
        );
        assert!(
            value_of(&page, "#name").is_some_and(|v| v.starts_with("Anna")),
            "{what}: the name is kept"
        );
    }
    // An address with a line break in the middle is refused the same way.
    app.assert_post_status(
        "/admin/personer",
        &[
            ("name", "Anna Ny"),
            ("email", "anna.ny@lindesberg.example\r\nBcc: x@example.com"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        rows_in(&app.db, "person").await,
        before,
        "nothing was stored"
    );

    // Names in other scripts, with joiners and direction marks, are kept.
    app.post_redirects(
        "/admin/personer",
        &[
            ("name", "Åsa \u{200F}علي Zoë"),
            ("email", "asa@lindesberg.example"),
        ],
        "/admin/personer",
    )
    .await;
}

/// `form` with the field `field` holding `value` instead.
fn with_value(
    mut form: Vec<(&'static str, String)>,
    field: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (k, v) in &mut form {
        if *k == field {
            *v = value.to_owned();
        }
    }
    form
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_kind_of_single_line_field_refuses_a_line_break_next_to_the_field(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let lindebra = lindesberg_group(&app.db, "LindeBRÅ").await;
    let est = lindesberg_group(&app.db, "EST").await;
    let bad = "Rad ett\r\nRad två";
    let group = |field: &'static str| -> Vec<(&'static str, String)> {
        let form = vec![
            ("name", "Arbetsgrupp Frövi".to_owned()),
            ("task", "Ett uppdrag\npå två rader går bra.".to_owned()),
            ("appointed_by_group_id", lindebra.to_string()),
            ("decision_reference", "LindeBRÅ § 3".to_owned()),
            ("focus_area", "Frövi".to_owned()),
            ("cadence_text", "Varannan vecka".to_owned()),
            ("active_from", "2026-11-16".to_owned()),
        ];
        with_value(form, field, bad)
    };
    let meeting = |field: &'static str| -> Vec<(&'static str, String)> {
        let form = vec![
            ("group_id", est.to_string()),
            ("date", "2030-03-12".to_owned()),
            ("time", "13:00".to_owned()),
            ("duration", "60".to_owned()),
            ("form", "in_person".to_owned()),
            ("place", "Kommunhuset".to_owned()),
            ("meeting_link", "".to_owned()),
            ("agenda", "Lägesbild\r\nÖvrigt".to_owned()),
        ];
        with_value(form, field, bad)
    };
    let est_page = format!("/admin/grupper/{est}");
    let cases: Vec<Case> = vec![
        (
            "/admin/organisationer",
            vec![("name", bad.into()), ("kind", "company".into())],
            "name",
        ),
        ("/admin/befattningar", vec![("title", bad.into())], "title"),
        ("/admin/grupper", group("name"), "name"),
        (
            "/admin/grupper",
            group("decision_reference"),
            "decision_reference",
        ),
        ("/admin/grupper", group("focus_area"), "focus_area"),
        ("/admin/grupper", group("cadence_text"), "cadence_text"),
        (
            &est_page,
            vec![("name", bad.into()), ("task", "x".into())],
            "name",
        ),
        (
            "/est/installningar/kategori",
            vec![("name", bad.into())],
            "name",
        ),
        (
            "/est/installningar/omrade",
            vec![("area_name", bad.into())],
            "area_name",
        ),
        ("/moten/ny", meeting("place"), "place"),
    ];
    for (path, form, field) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = app.post(path, &form).await;
        let breaks = "får inte innehålla radbrytningar";
        assert_refused_by(response, field, breaks, path).await;
    }
    // Nothing with a line break was stored anywhere these forms write.
    let stored: i64 = db_value!(
        &app.db,
        r#"select (select count(*) from organisation where name like '%Rad ett%')
                + (select count(*) from position where title like '%Rad ett%')
                + (select count(*) from work_group where name like '%Rad ett%' or decision_reference like '%Rad ett%'
                      or focus_area like '%Rad ett%' or cadence_text like '%Rad ett%')
                + (select count(*) from incident_category where name like '%Rad ett%')
                + (select count(*) from area where name like '%Rad ett%')
                + (select count(*) from meeting where place like '%Rad ett%') as "n!""#
    );
    assert_eq!(stored, 0);
}
