//! Demo agreements with the external members in different states: one in
//! force, one waiting for the KSO, one expiring soon, and one organisation
//! without.

use crate::tenant::MunicipalityId;
use chrono::{Days, NaiveDate};
use sqlx::PgConnection;
use uuid::Uuid;

use super::db::{NewVersion, write_version};
use super::model::{Content, GroupRole};

/// A one-page PDF standing in for the scanned agreement.
pub const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n4 0 obj<</Length 58>>stream\nBT /F1 18 Tf 72 760 Td (Samverkansavtal - demonstration) Tj ET\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Lindesberg's names turned into another municipality's (identity for Lindesberg).
pub type Rename<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// Lindesberg's demo agreements in a municipality built like Lindesberg,
/// whose names `rename` turns Lindesberg's into; only when it has none.
/// The agreement types come with the municipality's template.
pub async fn load(
    conn: &mut PgConnection,
    m: MunicipalityId,
    today: NaiveDate,
    rename: Rename<'_>,
) -> sqlx::Result<()> {
    let any = sqlx::query_scalar!(
        r#"select exists(select 1 from agreement where municipality_id = $1) as "e!""#,
        m.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    if any {
        return Ok(());
    }
    let year = |d: u64| today.checked_add_days(Days::new(d)).unwrap_or(today);
    let ago = |d: u64| today.checked_sub_days(Days::new(d)).unwrap_or(today);
    agreement(conn, m, rename, Demo {
        type_key: "samverkansavtal",
        counterpart: "Securitas",
        title: "Samverkansavtal om trygghetsskapande arbete",
        registry_no: "KS 2025/112",
        purposes: "Gemensam lägesbild och samordnade insatser för ökad trygghet i centrala Lindesberg.",
        areas: "Lindesbergs centrum, resecentrum och handelsområden.",
        groups: &[("EST", "Ledamot som rapporterar veckovis"), ("Arbetsgrupp trygg stationsmiljö", "Ledamot")],
        valid: (ago(330), Some(year(400))),
        signed_by: &["Kommundirektör", "Kommunstyrelsens ordförande"],
        counterparty: Some(("Anna Vakt", "Regionchef")),
    })
    .await?;
    agreement(conn, m, rename, Demo {
        type_key: "samverkansoverenskommelse",
        counterpart: "Polisen, lokalpolisområde Lindesberg",
        title: "Samverkansöverenskommelse mellan Lindesbergs kommun och lokalpolisområde Lindesberg",
        registry_no: "KS 2026/48",
        purposes: "Gemensamma prioriteringar enligt Brås modell, medborgarlöften och uppföljning.",
        areas: "Hela kommunens geografiska område.",
        groups: &[("Styrgrupp", "Ledamot"), ("LindeBRÅ", "Ledamot"), ("EST", "Ledamot")],
        valid: (ago(20), Some(year(700))),
        signed_by: &["Chef för lokalpolisområde Lindesberg"],
        counterparty: None,
    })
    .await?;
    agreement(
        conn,
        m,
        rename,
        Demo {
            type_key: "samverkansavtal",
            counterpart: "Länstrafiken Örebro",
            title: "Samverkansavtal om trygghet vid resecentrum",
            registry_no: "KS 2025/87",
            purposes: "Trygga resor och en trygg miljö vid resecentrum och busshållplatser.",
            areas: "Resecentrum och busshållplatser i Lindesberg.",
            groups: &[("Arbetsgrupp trygg stationsmiljö", "Ledamot")],
            valid: (ago(320), Some(year(45))),
            signed_by: &["Kommundirektör", "Kommunstyrelsens ordförande"],
            counterparty: Some(("Per Buss", "Trafikchef")),
        },
    )
    .await?;
    Ok(())
}

struct Demo<'a> {
    type_key: &'a str,
    counterpart: &'a str,
    title: &'a str,
    registry_no: &'a str,
    purposes: &'a str,
    areas: &'a str,
    groups: &'a [(&'a str, &'a str)],
    valid: (NaiveDate, Option<NaiveDate>),
    signed_by: &'a [&'a str],
    counterparty: Option<(&'a str, &'a str)>,
}

#[allow(clippy::too_many_lines)] // demo data: writes one demo agreement, step by step
async fn agreement(
    conn: &mut PgConnection,
    m: MunicipalityId,
    rename: Rename<'_>,
    d: Demo<'_>,
) -> sqlx::Result<()> {
    let (counterpart_name, title) = (rename(d.counterpart), rename(d.title));
    let (purposes, areas) = (rename(d.purposes), rename(d.areas));
    let type_id = sqlx::query_scalar!(
        "select id from agreement_type where municipality_id = $1 and key = $2",
        m.get(),
        d.type_key
    )
    .fetch_one(&mut *conn)
    .await?;
    let counterpart = sqlx::query_scalar!(
        "select id from organisation where municipality_id = $1 and name = $2",
        m.get(),
        counterpart_name
    )
    .fetch_one(&mut *conn)
    .await?;
    let coordinator = sqlx::query_scalar!(
        r#"select h.person_id from position p join position_holder h on h.position_id = p.id
           where p.municipality_id = $1 and p.grants_admin and h.held_to is null limit 1"#,
        m.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut groups = Vec::new();
    for (name, role) in d.groups {
        let name = rename(name);
        let id = sqlx::query_scalar!(
            "select id from work_group where municipality_id = $1 and name = $2",
            m.get(),
            name
        )
        .fetch_one(&mut *conn)
        .await?;
        groups.push(GroupRole {
            group_id: id,
            group: name,
            role: (*role).to_owned(),
        });
    }
    let id = Uuid::now_v7();
    sqlx::query!(
        "insert into agreement (id, municipality_id, type_id, counterpart_id, status) values ($1, $2, $3, $4, 'for_signing')",
        id, m.get(), type_id, counterpart
    )
    .execute(&mut *conn)
    .await?;
    let content = Content {
        agreement_type: d.type_key,
        counterpart: &counterpart_name,
        title: &title,
        registry_no: d.registry_no,
        purposes: &purposes,
        areas: &areas,
        valid_from: d.valid.0,
        valid_to: d.valid.1,
        contact_people: "",
        notes: "",
        groups: &groups,
    };
    let version = NewVersion {
        content,
        document: Some(("avtal.pdf", DEMO_PDF)),
    };
    write_version(
        conn,
        crate::tenant::MunicipalityId::of_row(m.get()),
        id,
        1,
        &version,
        None,
        coordinator,
    )
    .await?;
    for title in d.signed_by {
        sqlx::query!(
            r#"insert into agreement_signature (id, municipality_id, agreement_id, version, position_id, person_id, fingerprint, client_ip, user_agent, signed_at)
               select $1, $2, $3, 1, p.id, h.person_id, v.fingerprint, '127.0.0.1', 'demodata', v.created_at
               from position p join position_holder h on h.position_id = p.id and h.held_to is null
               join agreement_version v on v.agreement_id = $3 and v.version = 1
               where p.municipality_id = $2 and p.title = $4"#,
            Uuid::now_v7(), m.get(), id, rename(title)
        )
        .execute(&mut *conn)
        .await?;
    }
    if let Some((name, title)) = d.counterparty {
        sqlx::query!(
            r#"insert into agreement_counterparty_signature (agreement_id, municipality_id, version, signer_name, signer_title, signed_on, recorded_by)
               values ($1, $2, 1, $3, $4, $5, $6)"#,
            id, m.get(), name, title, d.valid.0, coordinator
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
