//! Cooperation agreements: registering, signing in either order, voiding on
//! change, fingerprints, uploads, compliance, expiry and access.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use samordna::agreements::demo::DEMO_PDF;
use samordna::agreements::model::sha256_hex;
use samordna::web::idempotency::ALREADY_SENT;

use crate::helpers::*;

const KSO: &str = "kso@lindesberg.example";
const DIRECTOR: &str = "kommundirektor@lindesberg.example";

async fn id_of(app: &TestApp, table: &str, name: &str) -> uuid::Uuid {
    let sql = format!(
        "select id from {table} where name = $1 and municipality_id = (select id from municipality where slug = 'lindesberg')"
    );
    sqlx::query_scalar(&sql)
        .bind(name)
        .fetch_one(&app.db)
        .await
        .expect(table)
}

async fn agreement_form(app: &TestApp, title: &str, document: Option<(&str, Vec<u8>)>) -> Form {
    let type_id: uuid::Uuid = db_value!(
        &app.db,
        "select id from agreement_type where key = 'samverkansavtal' and municipality_id = (select id from municipality where slug = 'lindesberg')"
    );
    let counterpart = id_of(app, "organisation", "Lindesbergs Köpmannaförening").await;
    let group = lindesberg_group(&app.db, "Arbetsgrupp trygg stationsmiljö").await;
    let mut form = Form::new()
        .text("type_id", type_id.to_string())
        .text("counterpart_id", counterpart.to_string())
        .text("title", title.to_owned())
        .text("registry_no", "KS 2026/201")
        .text("purposes", "Trygg handel i centrum.")
        .text("areas", "Stora torget och Kungsgatan.")
        .text("valid_from", "2026-01-01")
        .text("valid_to", "")
        .text("contact_people", "")
        .text("notes", "")
        .text(format!("group_{group}"), "ja")
        .text(format!("role_{group}"), "Ledamot");
    if let Some((name, bytes)) = document {
        form = form.part("document", Part::bytes(bytes).file_name(name.to_owned()));
    }
    form
}

async fn register(app: &TestApp, title: &str) -> uuid::Uuid {
    let response = post_agreement(app, title, ("avtal.pdf", DEMO_PDF.to_vec())).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "register");
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    location.trim_start_matches("/avtal/").parse().expect("id")
}

/// The coordinator's "Avtal om trygg handel", registered and sent for
/// signing.
async fn sent_for_signing(db: sqlx::PgPool) -> (TestApp, uuid::Uuid) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = register(&app, "Avtal om trygg handel").await;
    app.post(&format!("/avtal/{id}/skicka"), &[]).await;
    (app, id)
}

/// The signatures stored for the agreement, voided or not.
async fn signatures(app: &TestApp, id: uuid::Uuid) -> i64 {
    db_value!(
        &app.db,
        r#"select count(*) as "n!" from agreement_signature where agreement_id = $1"#,
        id
    )
}

async fn sign(app: &TestApp, id: uuid::Uuid, password: &str) -> reqwest::Response {
    let page = app.get_html(&format!("/avtal/{id}")).await;
    let fingerprint = value_of(&page, "input[name=fingerprint]").expect("sign form");
    let position = value_of(&page, "input[name=position_id]").unwrap_or_default();
    app.post(
        &format!("/avtal/{id}/signera"),
        &[
            ("password", password),
            ("fingerprint", &fingerprint),
            ("position_id", &position),
        ],
    )
    .await
}

fn mail_subjects(app: &TestApp) -> Vec<String> {
    raw_mails(&app.mail_dir)
        .iter()
        .map(|raw| mail_header(&mailparse::parse_mail(raw).expect("mail"), "Subject"))
        .collect()
}

/// The "to sign" mails in the outbox (rows, recipients), and the flash the
/// repeated post leads to.
async fn signing_mails_and_repeat_flash(
    app: &TestApp,
    repeat: &reqwest::Response,
) -> ((i64, i64), Vec<String>) {
    (
        crate::double_submit::outbox_rows(&app.db, "agreement_to_sign").await,
        crate::double_submit::flash_after(app, repeat).await,
    )
}

/// Sending for signing twice (a double click, a resend after a 502 from
/// the load balancer) mails each signatory once; the repeat says the form
/// was already sent.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn sending_for_signing_twice_mails_each_signatory_once(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = register(&app, "Avtal om trygg handel").await;

    let (first, second) = crate::double_submit::post_form_twice(
        &app,
        &format!("/avtal/{id}"),
        &format!(r#"form[action="/avtal/{id}/skicka"]"#),
        &[],
    )
    .await;

    assert_redirect_to(&first, &format!("/avtal/{id}"));
    assert_eq!(
        signing_mails_and_repeat_flash(&app, &second).await,
        ((2, 2), vec![ALREADY_SENT.to_owned()]),
        "two signatories, one mail each; the repeat says it was already sent"
    );
}

/// A change saved twice while the agreement waits for signatures makes one
/// new version and asks each signatory once more, not twice.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_change_saved_twice_makes_one_version_and_mails_each_signatory_once(db: sqlx::PgPool) {
    let (app, id) = sent_for_signing(db).await;
    let edit = app.get_html(&format!("/avtal/{id}/andra")).await;
    let token = value_of(&edit, "input[name=form_token]").expect("the edit form's token");
    let save = || async {
        let form = agreement_form(&app, "Avtal om trygg handel (reviderat)", None)
            .await
            .text("form_token", token.clone());
        app.post_multipart(&format!("/avtal/{id}/andra"), form)
            .await
    };

    let first = save().await;
    assert_redirect_to(&first, &format!("/avtal/{id}"));
    app.get(&format!("/avtal/{id}")).await;
    let second = save().await;

    let versions: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from agreement_version where agreement_id = $1"#,
        id
    );
    assert_eq!(versions, 2);
    assert_eq!(
        signing_mails_and_repeat_flash(&app, &second).await,
        ((4, 2), vec![ALREADY_SENT.to_owned()]),
        "one mail each on sending, one each on the change; the repeat says it was already sent"
    );
}

async fn state_of(app: &TestApp, id: uuid::Uuid) -> String {
    texts(&app.get_html(&format!("/avtal/{id}")).await, ".lead .state")[0].clone()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_municipalitys_signatures_then_the_counterparts_put_an_agreement_in_force(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = register(&app, "Avtal om trygg handel").await;
    assert_eq!(state_of(&app, id).await, "Utkast");

    app.post_redirects(&format!("/avtal/{id}/skicka"), &[], &format!("/avtal/{id}"))
        .await;
    let subjects = mail_subjects(&app);
    assert_eq!(
        subjects
            .iter()
            .filter(|s| *s == "Att signera: Avtal om trygg handel")
            .count(),
        2,
        "{subjects:?}"
    );

    let kso = app.beside(KSO).await;
    assert_listed(
        &texts(&kso.get_html("/avtal/att-signera").await, ".entries li a"),
        "Avtal om trygg handel",
    );
    let response = sign(&kso, id, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, id).await, "Delvis signerat");
    // Once signed it leaves the signer's list, and the register's count follows the list.
    let still_waiting = texts(&kso.get_html("/avtal/att-signera").await, ".entries li a");
    assert!(!still_waiting.contains(&"Avtal om trygg handel".to_owned()));
    let count_link = texts(&kso.get_html("/avtal").await, "a.button")
        .into_iter()
        .filter(|t| t.starts_with("Att signera"))
        .collect::<Vec<_>>();
    // A signatory always finds "Att signera", also with nothing to sign.
    let expected: Vec<String> = if still_waiting.is_empty() {
        vec!["Att signera (inget just nu)".to_owned()]
    } else {
        vec![format!("Att signera ({})", still_waiting.len())]
    };
    assert_eq!(count_link, expected);

    let director = app.beside(DIRECTOR).await;
    let response = sign(&director, id, DEMO_PASSWORD).await;
    let receipt = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(receipt.starts_with(&format!("/avtal/{id}/kvitto/")));
    // The municipality has signed; the counterpart has not.
    assert_eq!(state_of(&app, id).await, "Väntar på motpartens signatur");
    // The coordinator is told; the mail went out from the server that took the signature.
    assert!(mail_subjects(&director).contains(&"Signerat: Avtal om trygg handel".to_owned()));
    let register = texts(&app.get_html("/avtal").await, "#waiting + table tbody tr");
    assert!(
        register
            .iter()
            .any(|r| r.contains("Avtal om trygg handel")
                && r.contains("Väntar på motpartens signatur")),
        "listed as waiting: {register:?}"
    );

    // The receipt shows exactly what was signed; the fingerprint is the stored version's.
    let page = director.get_html(&receipt).await;
    let shown = texts(&page, "#fingerprint")[0].clone();
    // The two sums under it are said to be what the fingerprint is made of.
    assert!(
        texts(&page, "#technical-title + p")[0].contains("räknas fram ur de två kontrollsummorna")
    );
    let stored = db_row!(
        &app.db,
        "select content_sha256, document, document_sha256, fingerprint from agreement_version where agreement_id = $1",
        id
    );
    assert_eq!(shown, stored.fingerprint);
    let document = stored.document.expect("document");
    assert_eq!(
        stored.document_sha256.as_deref(),
        Some(sha256_hex(&document).as_str())
    );
    assert_eq!(document, DEMO_PDF);
    assert_eq!(
        stored.fingerprint,
        sha256_hex(format!("{}:{}", stored.content_sha256, sha256_hex(&document)).as_bytes())
    );
    let facts = texts(&page, ".receipt dd");
    assert!(
        facts.contains(&"Anders Wikström".to_owned())
            && facts.contains(&"Kommundirektör".to_owned())
    );
    // Where it was signed from is kept apart, under "Tekniska uppgifter".
    assert!(!facts.contains(&"127.0.0.1".to_owned()), "{facts:?}");
    assert_eq!(texts(&page, ".technical h2"), ["Tekniska uppgifter"]);
    assert_listed(&texts(&page, ".technical dd"), "127.0.0.1");
    assert_eq!(texts(&page, "article.receipt-page h1"), ["Signaturkvitto"]);
    let css = director.get_text("/static/app.css").await;
    assert!(css.contains("size: A4") && css.contains(".receipt-page"));
    let signatures: Vec<String> = db_values!(
        &app.db,
        "select fingerprint from agreement_signature where agreement_id = $1",
        id
    );
    assert_eq!(signatures, [stored.fingerprint.clone(), stored.fingerprint]);
    // The coordinator's start page says what is missing, and links to the form.
    let waiting = format!("/avtal/{id}#counterparty-title");
    let start = app.get_html("/").await;
    let need = texts(&start, &format!(".needs li a[href='{waiting}']"));
    assert_eq!(need.len(), 1, "{:?}", texts(&start, ".needs li"));
    assert!(
        need[0].starts_with("Avtalet Avtal om trygg handel är signerat av kommunen och väntar på att signaturen från ")
            && need[0].ends_with(" registreras."),
        "{need:?}"
    );
    // The municipality's two signatures are there; the page says that the
    // counterparty's is not registered, and where to register it.
    let page = app.get_html(&format!("/avtal/{id}")).await;
    let rows = rows(&page, "#signaturer + table tbody tr");
    let counterparty = rows
        .iter()
        .find(|r| r.starts_with("Motparten"))
        .expect("a row for the counterparty");
    assert!(
        counterparty.ends_with("Inte registrerad (registrera motpartens signatur)"),
        "{counterparty}"
    );

    // Its signature registered, the agreement is in force.
    let counterparty = counterparty_form("Stina Handlare");
    assert_redirect_to(
        &app.post_multipart(&format!("/avtal/{id}/motpart"), counterparty)
            .await,
        &format!("/avtal/{id}"),
    );
    let page = app.get_html(&format!("/avtal/{id}")).await;
    assert_eq!(
        texts(&page, ".flash"),
        ["Motpartens signatur är registrerad. Avtalet är i kraft."]
    );
    assert_eq!(state_of(&app, id).await, "I kraft");
    let start = app.get_html("/").await;
    assert!(texts(&start, &format!(".needs li a[href='{waiting}']")).is_empty());
}

/// The counterpart's signature as the coordinator registers it.
fn counterparty_form(name: &str) -> Form {
    Form::new()
        .text("signer_name", name.to_owned())
        .text("signer_title", "Ordförande")
        .text("signed_on", samordna::web::today().to_string())
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_draft_is_sent_for_signing_before_the_counterparts_signature_is_registered(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = register(&app, "Avtal om trygg handel").await;
    let path = format!("/avtal/{id}");
    // The draft offers sending, and laying the draft down; no counterpart form yet.
    let registered = rows_in(&app.db, "agreement_counterparty_signature").await;
    let page = app.get_html(&path).await;
    assert!(texts(&page, "#counterparty-title").is_empty());
    assert_eq!(texts(&page, "#terminate-title"), ["Lägg ned utkastet"]);
    assert_eq!(texts(&page, "#send button"), ["Skicka för signering"]);
    let counterparty = rows(&page, "#signaturer + table tbody tr")
        .into_iter()
        .find(|r| r.starts_with("Motparten"))
        .expect("a row for the counterparty");
    assert!(counterparty.ends_with("Inte registrerad"), "{counterparty}");
    // A registration sent anyway is refused, with the form kept and nothing stored.
    let response = app
        .post_multipart(
            &format!("{path}/motpart"),
            counterparty_form("Stina Handlare"),
        )
        .await;
    let refused = refused_page(response).await;
    assert_eq!(
        texts(&refused, ".error-summary li"),
        ["Avtalet är ett utkast. Skicka det för signering innan motpartens signatur registreras."]
    );
    assert_eq!(
        rows_in(&app.db, "agreement_counterparty_signature").await,
        registered
    );

    // Sent for signing, the form is there and the termination is an agreement's.
    app.post_redirects(&format!("{path}/skicka"), &[], &path)
        .await;
    let page = app.get_html(&path).await;
    assert_eq!(texts(&page, "#counterparty-title"), ["Motpartens signatur"]);
    assert_eq!(texts(&page, "#terminate-title"), ["Avsluta avtalet"]);
    assert!(texts(&page, "#send").is_empty());

    // A terminated agreement takes no registration either.
    app.post_redirects(
        &format!("{path}/avsluta"),
        &[
            ("terminated_on", &samordna::web::today().to_string()),
            ("reason", "Handlarna drog sig ur"),
        ],
        &path,
    )
    .await;
    let response = app
        .post_multipart(
            &format!("{path}/motpart"),
            counterparty_form("Stina Handlare"),
        )
        .await;
    let refused = refused_page(response).await;
    assert_eq!(
        texts(&refused, ".error-summary li"),
        ["Avtalet är avslutat."]
    );
    assert_eq!(
        rows_in(&app.db, "agreement_counterparty_signature").await,
        registered
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_wrong_password_does_not_sign_and_a_non_holder_is_refused(db: sqlx::PgPool) {
    let (app, id) = sent_for_signing(db).await;

    let kso = app.beside(KSO).await;
    let response = sign(&kso, id, "fel lösenord").await;
    assert_field_errors(
        &refused_page(response).await,
        "password",
        &["Fel: Lösenordet stämmer inte. Avtalet är inte signerat."],
    );

    let other = app.beside("oppositionsrad@lindesberg.example").await;
    other
        .assert_post_status(
            &format!("/avtal/{id}/signera"),
            &[("password", DEMO_PASSWORD), ("fingerprint", "x")],
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(signatures(&app, id).await, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_change_after_the_first_signature_voids_it_and_asks_for_new_signatures(db: sqlx::PgPool) {
    let (app, id) = sent_for_signing(db).await;
    let kso = app.beside(KSO).await;
    sign(&kso, id, DEMO_PASSWORD).await;
    let director = app.beside(DIRECTOR).await;
    let stale = director.get_html(&format!("/avtal/{id}")).await;
    let old_fingerprint = value_of(&stale, "input[name=fingerprint]").expect("form");

    let form = agreement_form(&app, "Avtal om trygg handel (reviderat)", None).await;
    let response = app
        .post_multipart(&format!("/avtal/{id}/andra"), form)
        .await;
    assert_redirect_to(&response, &format!("/avtal/{id}"));

    assert_eq!(state_of(&app, id).await, "Väntar på signaturer");
    let voided: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from agreement_signature where agreement_id = $1 and voided_at is not null"#,
        id
    );
    assert_eq!(voided, 1);
    assert!(
        mail_subjects(&app)
            .iter()
            .any(|s| s == "Avtalet med Lindesbergs Köpmannaförening har ändrats – signera igen")
    );
    // The document carried over to the new version.
    let documents: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from agreement_version where agreement_id = $1 and document is not null"#,
        id
    );
    assert_eq!(documents, 2);

    let position = lindesberg_position(&app.db, "Kommundirektör").await;
    let refused = director
        .refused_post(
            &format!("/avtal/{id}/signera"),
            &[
                ("password", DEMO_PASSWORD),
                ("fingerprint", &old_fingerprint),
                ("position_id", &position.to_string()),
            ],
        )
        .await;
    assert!(texts(&refused, "#password-error")[0].contains("har ändrats"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_non_pdf_or_oversized_upload_is_refused_and_nothing_is_stored(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let before = rows_in(&app.db, "agreement").await;

    let not_a_pdf = b"PK\x03\x04 not a pdf".to_vec();
    let response = post_agreement(&app, "Avtal", ("avtal.pdf", not_a_pdf)).await;
    let page = refused_page(response).await;
    assert_field_errors(
        &page,
        "document",
        &["Fel: Dokumentet är inte en PDF-fil. Spara avtalet som PDF och ladda upp det igen."],
    );
    assert_value(&page, "#title", "Avtal");

    let mut big = DEMO_PDF.to_vec();
    big.resize(11 * 1024 * 1024, b' ');
    big.extend_from_slice(b"\n%%EOF\n");
    let response = post_agreement(&app, "Avtal", ("stort.pdf", big)).await;
    assert!(texts(&refused_page(response).await, "#document-error")[0].contains("större än 10 MB"));

    let after = rows_in(&app.db, "agreement").await;
    assert_eq!(after, before);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_register_shows_the_demo_states_and_the_gaps(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, KSO).await;

    let page = app.get_html("/avtal").await;

    let row = |id: &str| texts(&page, &format!("#{id} + table tbody tr td:first-child"));
    assert_eq!(row("in-force"), ["Securitas"]);
    assert_eq!(row("waiting"), ["Polisen, lokalpolisområde Lindesberg"]);
    assert_eq!(row("expiring"), ["Länstrafiken Örebro"]);
    let gaps = texts(&page, "#gaps ~ table tbody tr");
    assert_listed(&gaps, "Polisen, lokalpolisområde Lindesberg EST");
    assert_listed(
        &gaps,
        "Lindesbergs Köpmannaförening Arbetsgrupp trygg stationsmiljö",
    );
    assert!(!gaps.iter().any(|g| g.starts_with("Securitas")));
    assert!(
        texts(&app.get_html("/avtal/att-signera").await, ".entries li")
            .iter()
            .any(|t| t.contains("Polisen"))
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn people_see_only_the_agreements_that_concern_their_organisation(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let securitas_agreement: uuid::Uuid = db_value!(
        &app.db,
        "select a.id from agreement a join organisation o on o.id = a.counterpart_id where o.name = 'Securitas'"
    );
    let bus_agreement: uuid::Uuid = db_value!(
        &app.db,
        "select a.id from agreement a join organisation o on o.id = a.counterpart_id where o.name = 'Länstrafiken Örebro'"
    );
    app.login(SECURITAS).await;
    app.assert_status(&format!("/avtal/{securitas_agreement}"), StatusCode::OK)
        .await;
    app.assert_status(&format!("/avtal/{bus_agreement}"), StatusCode::NOT_FOUND)
        .await;
    assert_eq!(
        app.status(&format!("/avtal/{bus_agreement}/dokument/1"))
            .await,
        StatusCode::NOT_FOUND
    );
    app.assert_status("/avtal/ny", StatusCode::FORBIDDEN).await;
    let document = app
        .get(&format!("/avtal/{securitas_agreement}/dokument/1"))
        .await;
    assert_eq!(document.headers()["content-type"], "application/pdf");
    assert!(document.bytes().await.expect("pdf").starts_with(b"%PDF-"));

    let nora = app.beside(NORA_COORDINATOR).await;
    nora.assert_status(
        &format!("/avtal/{securitas_agreement}"),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_is_told_once_about_an_agreement_about_to_expire(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (state, mail_dir) = state_with_mail(db);

    assert_eq!(
        samordna::agreements::notify::expiring(&state)
            .await
            .expect("notices"),
        1
    );
    assert_eq!(
        samordna::agreements::notify::expiring(&state)
            .await
            .expect("notices"),
        0,
        "once"
    );

    let mails = raw_mails(&mail_dir);
    assert_eq!(mails.len(), 1, "to Lindesberg's coordinator");
    let mail = mailparse::parse_mail(&mails[0]).expect("mail");
    assert_eq!(
        mail_header(&mail, "Subject"),
        "Går snart ut: Samverkansavtal om trygghet vid resecentrum"
    );
    assert!(mail_header(&mail, "To").contains("samordnare@lindesberg.example"));
}

/// A suspended municipality's coordinator gets no expiry notice while it
/// is suspended; the notice comes once the operator resumes it.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_suspended_municipality_is_told_of_an_expiring_agreement_only_once_resumed(
    db: sqlx::PgPool,
) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (state, _mail_dir) = state_with_mail(db.clone());
    let m = municipality_id(&db, "Lindesbergs kommun").await;
    suspend(&db, m, true).await;

    let notify = async || {
        let notices = samordna::agreements::notify::expiring(&state)
            .await
            .expect("notices");
        let outbox = crate::double_submit::outbox_rows(&db, "agreement_expiring").await;
        (notices, outbox)
    };
    assert_eq!(notify().await, (0, (0, 0)), "while suspended");

    suspend(&db, m, false).await;
    assert_eq!(notify().await, (1, (1, 1)), "once resumed");
}

/// Small PDFs: object 1 the catalog, 2 the page tree, 3 the page, then `more`.
fn pdf(catalog: &str, more: &[&str]) -> Vec<u8> {
    let mut objects = vec![
        catalog,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    objects.extend_from_slice(more);
    samordna::agreements::pdf::build_test_pdf(&objects)
}

const CATALOG: &str = "<< /Type /Catalog /Pages 2 0 R >>";

fn active_pdfs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "JavaScript in OpenAction",
            pdf(
                "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                &["<< /S /JavaScript /JS (app.alert(1)) >>"],
            ),
        ),
        (
            "hex-escaped JavaScript",
            pdf(
                "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (1) >> >>",
                &[],
            ),
        ),
        (
            "Launch",
            pdf(
                "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>",
                &[],
            ),
        ),
        (
            "EmbeddedFiles",
            pdf(
                "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
                &[
                    "<< /Names [(a.exe) 5 0 R] >>",
                    "<< /Type /Filespec /F (a.exe) >>",
                ],
            ),
        ),
        (
            "AA",
            pdf(
                "<< /Type /Catalog /Pages 2 0 R /AA << /WC 4 0 R >> >>",
                &["<< /S /GoTo /D [3 0 R /Fit] >>"],
            ),
        ),
        (
            "XFA",
            pdf(
                "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 4 0 R >> >>",
                &["<< >>"],
            ),
        ),
        (
            "RichMedia",
            pdf(CATALOG, &["<< /Type /Annot /Subtype /RichMedia >>"]),
        ),
    ]
}

async fn post_agreement(
    app: &TestApp,
    title: &str,
    document: (&str, Vec<u8>),
) -> reqwest::Response {
    let form = agreement_form(app, title, Some(document)).await;
    app.post_multipart("/avtal/ny", form).await
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_pdf_with_active_content_is_refused_next_to_the_file_field(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let before = rows_in(&app.db, "agreement").await;

    for (what, bytes) in active_pdfs() {
        let response = post_agreement(&app, "Avtal med bilaga", ("avtal.pdf", bytes)).await;
        let page = assert_refused_by(response, "document", "PDF-filen innehåller", what).await;
        assert_value(&page, "#title", "Avtal med bilaga");
    }
    let broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> trasig\n%%EOF\n".to_vec();
    let response = post_agreement(&app, "Avtal med bilaga", ("avtal.pdf", broken)).await;
    assert_refused_by(response, "document", "går inte att läsa som PDF", "broken").await;

    let after = rows_in(&app.db, "agreement").await;
    assert_eq!(after, before);

    // A clean PDF is still accepted.
    let response = post_agreement(&app, "Avtal med bilaga", ("avtal.pdf", pdf(CATALOG, &[]))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// A stored document is served in a sandbox, and the browser may not
/// guess another type than the one sent.
#[track_caller]
fn assert_served_sandboxed(response: &reqwest::Response) {
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(csp.starts_with("sandbox"), "{csp}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn stored_documents_are_served_sandboxed_and_unsniffed(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = register(&app, "Avtal om trygg handel").await;

    let response = app.get(&format!("/avtal/{id}/dokument/1")).await;
    assert_served_sandboxed(&response);
    // Pages keep the ordinary policy.
    let page = app.get(&format!("/avtal/{id}")).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn wrong_passwords_when_signing_are_throttled(db: sqlx::PgPool) {
    let (app, id) = sent_for_signing(db).await;

    let kso = app.beside(KSO).await;
    for _ in 0..samordna::auth::throttle::ACCOUNT_FAILURES {
        let response = sign(&kso, id, "gissning").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = sign(&kso, id, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let error = texts(&html_of(response).await, "#password-error").join("");
    assert!(error.contains("För många felaktiga lösenord"), "{error}");
    assert_eq!(signatures(&app, id).await, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_kartlaggning_attachment_with_active_content_is_refused_and_attachments_are_sandboxed(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let source = |name: &str, bytes: Vec<u8>| {
        Form::new()
            .text("source_kind", "trygghetsundersokning")
            .text("source_title", "Testkälla med bilaga")
            .text("source", "Polisen")
            .text("source_date", "2026-03-01")
            .text("summary", "Otrygghet vid stationen.")
            .part("attachment", Part::bytes(bytes).file_name(name.to_owned()))
    };
    let mut attempts = active_pdfs();
    // Named otherwise, or with the header after some bytes: still a PDF to a reader.
    let mut prefixed = b"junk before the header\n".to_vec();
    prefixed.extend(attempts[0].1.clone());
    attempts.push(("PDF header after junk", prefixed));
    for (what, bytes) in attempts {
        for name in ["matning.pdf", "matning.bin"] {
            let response = app
                .post_multipart("/planering/kallor", source(name, bytes.clone()))
                .await;
            let case = format!("{what} {name}");
            assert_refused_by(response, "attachment", "PDF-filen innehåller", &case).await;
        }
    }
    let stored: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from kartlaggning_source where title = 'Testkälla med bilaga'"#
    );
    assert_eq!(stored, 0);

    let response = app
        .post_multipart(
            "/planering/kallor",
            source("matning.pdf", pdf(CATALOG, &[])),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id: uuid::Uuid = db_value!(
        &app.db,
        "select id from kartlaggning_source where title = 'Testkälla med bilaga'"
    );
    let response = app.get(&format!("/planering/kallor/{id}/dokument")).await;
    assert_served_sandboxed(&response);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_register_names_whom_an_agreement_waits_for_and_a_signatory_with_nothing_to_sign_is_told(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, KSO).await;
    let page = app.get_html("/avtal").await;
    let waiting = texts(&page, "#waiting + table .waiting-for");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert!(waiting[0].starts_with("Väntar på "), "{waiting:?}");
    assert!(
        waiting[0].contains("kommundirektör (Anders Wikström)")
            || waiting[0].contains("kommunstyrelsens ordförande (Karin Ståhl)"),
        "names the position and its holder, in running text: {waiting:?}"
    );
    assert!(
        texts(&page, "a.button")
            .iter()
            .any(|t| t.starts_with("Att signera")),
        "the register links the signer's list"
    );

    // Once every waiting agreement is signed by this position, the list says so.
    let links: Vec<String> = app
        .get_html("/avtal/att-signera")
        .await
        .select(&scraper::Selector::parse(".entries li a").expect("selector"))
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert!(!links.is_empty());
    for href in links {
        let id: uuid::Uuid = href.trim_start_matches("/avtal/").parse().expect("id");
        sign(&app, id, DEMO_PASSWORD).await;
    }
    let page = app.get_html("/avtal/att-signera").await;
    assert!(
        texts(&page, "main p")
            .iter()
            .any(|t| t.starts_with("Inget att signera."))
    );
}

/// "Signera avtalet" clicked twice: one signature, and the repeat is told
/// the form was already sent, not that the position has signed already.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn signing_sent_twice_signs_once_and_the_repeat_says_so(db: sqlx::PgPool) {
    let (app, id) = sent_for_signing(db).await;
    let kso = app.beside(KSO).await;
    let (first, second) = crate::double_submit::post_form_twice(
        &kso,
        &format!("/avtal/{id}"),
        &format!(r#"form[action="/avtal/{id}/signera"]"#),
        &[("password", DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::double_submit::flash_after(&kso, &second).await,
        [samordna::web::idempotency::ALREADY_SENT]
    );
    assert_eq!(signatures(&app, id).await, 1);
    // A wrong password does not use the form up: the same page signs after.
    let director = app.beside(DIRECTOR).await;
    let (action, mut fields) = crate::double_submit::filled_form(
        &director,
        &format!("/avtal/{id}"),
        &format!(r#"form[action="/avtal/{id}/signera"]"#),
        &[("password", "fel lösenord")],
    )
    .await;
    let refused = crate::double_submit::post_fields(&director, &action, &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    fields.retain(|(k, _)| k != "password");
    fields.push(("password".to_owned(), DEMO_PASSWORD.to_owned()));
    let signed = crate::double_submit::post_fields(&director, &action, &fields).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(signatures(&app, id).await, 2);
}
