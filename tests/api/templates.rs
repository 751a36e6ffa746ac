//! Structure templates: the coordinator's download, creating a
//! municipality from a template, and bad templates changing nothing.

use reqwest::StatusCode;
use samordna::error::AppError;
use samordna::templates::{
    NewMunicipality, Template, appoint_coordinator, builtin, create_municipality, export, parse,
};
use samordna::tenant::MunicipalityId;
use sqlx::PgPool;

use crate::helpers::*;

/// The signed-in coordinator's template download, a file named after
/// the municipality `slug`: its text and the template it reads as.
async fn download(app: &TestApp, slug: &str) -> (String, Template) {
    let response = app.get("/admin/mall.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"samordna-mall-{slug}.json\"").as_str()
    );
    let json = response.text().await.expect("body");
    let template = parse(&json).expect("the download is a valid template");
    (json, template)
}

fn new(name: &str, slug: &str) -> NewMunicipality {
    NewMunicipality {
        name: name.to_owned(),
        slug: slug.to_owned(),
        code: None,
    }
}

fn template(key: &str) -> Template {
    builtin()
        .into_iter()
        .find(|b| b.key == key)
        .map(|b| b.template)
        .expect("built-in template")
}

/// Creates a municipality and commits, or gives the error (nothing committed).
async fn create(
    db: &PgPool,
    new: &NewMunicipality,
    t: &Template,
) -> Result<MunicipalityId, AppError> {
    let mut tx = db.begin().await.expect("transaction");
    let m = create_municipality(&mut tx, new, t).await?;
    tx.commit().await.expect("commit");
    Ok(m)
}

async fn exported(db: &PgPool, m: MunicipalityId) -> Template {
    let mut conn = db.acquire().await.expect("connection");
    export(&mut conn, m).await.expect("export")
}

/// Makes the demo coordinator hold `m`'s coordinator position.
async fn make_coordinator(db: &PgPool, m: MunicipalityId) {
    let person = db_value!(db, "select id from person where email = $1", COORDINATOR);
    let mut tx = db.begin().await.expect("transaction");
    let mut errors = samordna::web::forms::FieldErrors::default();
    appoint_coordinator(&mut tx, m, person, &mut errors)
        .await
        .expect("appointed")
        .expect("the position was free");
    tx.commit().await.expect("commit");
}

/// Rows in the tables a template fills, over every municipality.
async fn rows(db: &PgPool) -> Vec<i64> {
    let r = db_row!(
        db,
        r#"select (select count(*) from municipality) as "m!", (select count(*) from organisation) as "o!",
                  (select count(*) from position) as "p!", (select count(*) from work_group) as "g!",
                  (select count(*) from membership) as "ms!", (select count(*) from area) as "a!",
                  (select count(*) from incident_category) as "c!", (select count(*) from agreement_type) as "t!",
                  (select count(*) from audit_event) as "e!""#
    );
    vec![r.m, r.o, r.p, r.g, r.ms, r.a, r.c, r.t, r.e]
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn lindesberg_downloaded_as_a_template_makes_a_new_municipality_with_the_same_structure(
    db: PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let (_, lindesberg) = download(&app, "lindesberg").await;

    let ekby = create(&app.db, &new("Ekby kommun", "ekby"), &lindesberg)
        .await
        .expect("created");

    let mut again = exported(&app.db, ekby).await;
    again.name.clone_from(&lindesberg.name);
    again.description.clone_from(&lindesberg.description);
    assert_eq!(again, lindesberg, "Ekby's structure is Lindesberg's");
    make_coordinator(&app.db, ekby).await;
    let lindesberg_page = app.get_html("/struktur").await;
    assert!(texts(&app.get_html("/").await, ".checklist h3").is_empty());
    app.login_in(COORDINATOR, "Ekby kommun").await;
    assert_eq!(
        app.status("/admin").await,
        StatusCode::OK,
        "administers Ekby"
    );
    // A new municipality: its coordinator is led through the first 30 minutes.
    assert_eq!(texts(&app.get_html("/").await, ".checklist h3").len(), 8);
    let ekby_page = app.get_html("/struktur").await;
    for selector in [
        ".tiers > li > h2",
        ".tiers .card h3",
        "#guideline-title + p + dl dd",
    ] {
        assert_eq!(
            texts(&ekby_page, selector),
            texts(&lindesberg_page, selector)
        );
    }
    let est = group_id(&app.db, "Ekby kommun", "EST").await;
    let members = app.get_html(&format!("/grupper/{est}")).await;
    assert!(
        texts(&members, "main")
            .concat()
            .contains("EST-representant Securitas"),
        "the EST's members came along"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_municipality_made_from_another_shares_no_row_with_it(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let lindesberg = MunicipalityId::of_row(municipality_id(&db, "Lindesbergs kommun").await);
    let t = exported(&db, lindesberg).await;

    let ekby = create(&db, &new("Ekby kommun", "ekby"), &t)
        .await
        .expect("created");

    assert_ne!(ekby, lindesberg);
    let shared = db_value!(
        &db,
        r#"select (select count(*) from position a join position b on a.id = b.id
                   where a.municipality_id = $1 and b.municipality_id = $2)
                + (select count(*) from work_group a join work_group b on a.id = b.id
                   where a.municipality_id = $1 and b.municipality_id = $2)
                + (select count(*) from membership ms join position p on p.id = ms.position_id
                   where ms.municipality_id = $2 and p.municipality_id <> $2)
                + (select count(*) from position_holder where municipality_id = $2)
                + (select count(*) from person_municipality where municipality_id = $2) as "n!""#,
        lindesberg.get(),
        ekby.get()
    );
    assert_eq!(shared, 0, "no shared ids, no people, no holders");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_seeded_lindesberg_exports_as_the_built_in_lindesberg_template(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let lindesberg = MunicipalityId::of_row(municipality_id(&db, "Lindesbergs kommun").await);
    let builtin = template("lindesberg");

    let mut seeded = exported(&db, lindesberg).await;

    seeded.name.clone_from(&builtin.name);
    seeded.description.clone_from(&builtin.description);
    // The demo dates its temporary group's decision relative to today.
    let temporary = seeded
        .groups
        .iter_mut()
        .find(|g| g.name == "Arbetsgrupp trygg stationsmiljö");
    temporary
        .expect("temporary group")
        .decision_reference
        .clear();
    assert_eq!(
        seeded, builtin,
        "the built-in template is the demo's structure"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn bras_model_makes_a_municipality_with_styrgrupp_lokalt_bra_and_an_est(db: PgPool) {
    let m = create(&db, &new("Ale kommun", "ale"), &template("bra"))
        .await
        .expect("created");

    let groups = db_rows!(
        &db,
        r#"select name, tier, weekly_reporting,
                  (select count(*) from membership ms where ms.work_group_id = g.id) as "members!"
           from work_group g where municipality_id = $1 order by id"#,
        m.get()
    );
    let seen: Vec<(&str, &str, bool)> = groups
        .iter()
        .map(|g| (g.name.as_str(), g.tier.as_str(), g.weekly_reporting))
        .collect();
    assert_eq!(
        seen,
        [
            ("Styrgrupp", "styrgrupp", false),
            ("Lokalt BRÅ", "beredningsgrupp", false),
            ("EST", "permanent", true)
        ]
    );
    assert!(groups.iter().all(|g| g.members > 0));
    let coordinator = db_values!(
        &db,
        "select title from position where municipality_id = $1 and grants_admin",
        m.get()
    );
    assert_eq!(coordinator, ["Samordnare för brottsförebyggande arbete"]);
    let audit = db_values!(
        &db,
        "select summary from audit_event where municipality_id = $1",
        m.get()
    );
    assert_eq!(
        audit,
        ["Kommunen skapades från mallen \"Brås generiska modell\"."]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_template_with_errors_stores_nothing_and_says_which(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let before = rows(&db).await;
    let mut t = template("bra");
    t.positions.iter_mut().for_each(|p| p.grants_admin = false);
    t.groups[2].members[1].position = "Kommunpolisen".to_owned();

    let Err(AppError::Validation(errors)) = create(&db, &new("Ale kommun", "ale"), &t).await else {
        panic!("a template with errors is refused");
    };

    assert_eq!(
        errors.get("template"),
        Some(
            "Ingen befattning har \"grants_admin\": true. Kommunens första samordnare behöver en befattning \
             som administrerar kommunen. Gruppen \"EST\" har medlemmen \"Kommunpolisen\", som inte finns bland \
             befattningarna."
        )
    );
    assert_eq!(rows(&db).await, before, "nothing stored");
    let unreadable = parse(&t.to_json().replace("\"permanent\"", "\"arbetsgrupp\""));
    assert_eq!(
        unreadable
            .expect_err("unknown tier")
            .first()
            .map(String::as_str),
        Some(
            "\"groups[2].tier\": okänt värde \"arbetsgrupp\" (tillåtna: styrgrupp, beredningsgrupp, permanent, temporary)."
        )
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_taken_slug_or_name_or_a_bad_code_is_an_error_by_its_field(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let before = rows(&db).await;
    let mut tx = db.begin().await.expect("transaction");
    let bra = template("bra");
    let taken = NewMunicipality {
        name: "LINDESBERGS KOMMUN".to_owned(),
        slug: "nora".to_owned(),
        code: Some("188".to_owned()),
    };

    let Err(AppError::Validation(errors)) = create_municipality(&mut tx, &taken, &bra).await else {
        panic!("refused");
    };
    assert_eq!(
        errors.get("code"),
        Some("Kommunkoden är fyra siffror, som 1885.")
    );
    let taken = NewMunicipality {
        code: Some("1885".to_owned()),
        ..taken
    };
    let Err(AppError::Validation(errors)) = create_municipality(&mut tx, &taken, &bra).await else {
        panic!("refused");
    };

    assert_eq!(
        errors.get("name"),
        Some("Det finns redan en kommun med det namnet.")
    );
    assert_eq!(
        errors.get("slug"),
        Some("Kortnamnet används redan av en annan kommun.")
    );
    // The transaction is still usable: the same call with free names works.
    create_municipality(&mut tx, &new("Ale kommun", "ale"), &bra)
        .await
        .expect("created after the refusals");
    drop(tx);
    assert_eq!(rows(&db).await, before, "rolled back, nothing stored");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn only_a_coordinator_downloads_the_template_and_it_holds_no_people(db: PgPool) {
    let app = TestApp::demo(db).await;
    let anonymous = app.get("/admin/mall.json").await;
    assert_redirect_to(&anonymous, "/login");
    app.login(SECURITAS).await;
    app.assert_status("/admin/mall.json", StatusCode::FORBIDDEN)
        .await;
    let director = app.beside("kommundirektor@lindesberg.example").await;
    director
        .assert_status("/admin/mall.json", StatusCode::FORBIDDEN)
        .await;

    let nora = app.beside(NORA_COORDINATOR).await;
    let (json, t) = download(&nora, "nora").await;
    let groups: Vec<&str> = t.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        groups,
        ["Styrgrupp", "Brottsförebyggande rådet"],
        "Nora's own"
    );
    for personal in ["@", "Elin Norberg", "Johan Karlsson"] {
        assert!(!json.contains(personal), "no {personal} in the template");
    }
    let index = nora.get_html("/admin").await;
    assert!(texts(&index, "a[href=\"/admin/mall.json\"]").len() == 1);
}
