//! `samordna mall exportera|kontrollera|importera`: structure templates
//! from the command line (see docs/templates.md).

use anyhow::Context;
use sqlx::PgPool;

use crate::error::AppError;
use crate::templates::{NewMunicipality, Template};

/// Writes municipality `slug`'s structure to `file`.
pub async fn export(db: &PgPool, slug: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let m = sqlx::query_scalar!("select id from municipality where slug = $1", slug)
        .fetch_optional(db)
        .await?
        .with_context(|| format!("Ingen kommun heter {slug} här."))?;
    let mut conn = db.acquire().await?;
    let template = crate::templates::export(&mut conn, crate::tenant::MunicipalityId::of_row(m))
        .await
        .map_err(|e| anyhow::anyhow!("exporten misslyckades: {e}"))?;
    std::fs::write(file, template.to_json())
        .with_context(|| format!("{} kunde inte skrivas", file.display()))?;
    println!("Mallen för {slug} är skriven till {}.", file.display());
    Ok(())
}

/// Reads and checks the template in `file`; every error is printed.
pub fn read(file: &std::path::Path) -> anyhow::Result<Template> {
    let json = std::fs::read_to_string(file)
        .with_context(|| format!("{} kunde inte läsas", file.display()))?;
    crate::templates::parse(&json).map_err(|errors| {
        for e in &errors {
            eprintln!("- {e}");
        }
        anyhow::anyhow!(
            "{} går inte att använda: {} fel",
            file.display(),
            errors.len()
        )
    })
}

/// `kontrollera`: says whether `file` is a usable template.
pub fn check(file: &std::path::Path) -> anyhow::Result<()> {
    let template = read(file)?;
    println!(
        "{} är en giltig mall: \"{}\" med {} grupper, {} befattningar och {} organisationer.",
        file.display(),
        template.name,
        template.groups.len(),
        template.positions.len(),
        template.organisations.len()
    );
    Ok(())
}

/// A built-in template by its key.
pub fn builtin(key: &str) -> anyhow::Result<Template> {
    let all = crate::templates::builtin();
    let keys: Vec<&str> = all.iter().map(|b| b.key).collect();
    let keys = keys.join(", ");
    all.into_iter()
        .find(|b| b.key == key)
        .map(|b| b.template)
        .with_context(|| format!("Ingen inbyggd mall heter {key}; de som finns: {keys}."))
}

/// Creates the municipality (with `coordinator` holding its coordinator
/// position), or prints why not and changes nothing.
pub async fn import(
    db: &PgPool,
    new: &NewMunicipality,
    template: &Template,
    coordinator: Option<&str>,
) -> anyhow::Result<()> {
    let person = match coordinator {
        Some(email) => Some(
            sqlx::query_scalar!(
                "select id from person where lower(email) = lower($1)",
                email
            )
            .fetch_optional(db)
            .await?
            .with_context(|| {
                format!(
                    "Ingen person har e-postadressen {email}; lägg till den med samordna user add."
                )
            })?,
        ),
        None => None,
    };
    let mut tx = db.begin().await?;
    match crate::templates::create_municipality(&mut tx, new, template).await {
        Ok(m) => {
            if let Some(person) = person {
                appoint(&mut tx, m, person).await?;
            }
        }
        Err(AppError::Validation(errors)) => {
            for line in errors.lines() {
                eprintln!("- {line}");
            }
            anyhow::bail!("Ingen kommun skapades.");
        }
        Err(other) => return Err(anyhow::anyhow!("kommunen kunde inte skapas: {other}")),
    }
    tx.commit().await?;
    let admin = template.admin_position().map_or("", |p| p.title.as_str());
    println!(
        "{} ({}) är skapad från mallen \"{}\".",
        new.name.trim(),
        new.slug,
        template.name
    );
    match coordinator {
        Some(email) => {
            println!("{email} innehar befattningen \"{admin}\" och administrerar kommunen.")
        }
        None => println!(
            "Ingen innehar befattningen \"{admin}\" än: kör om med --samordnare, eller låt driften utse den."
        ),
    }
    Ok(())
}

/// Appoints the new municipality's first coordinator, or says why not.
async fn appoint(
    tx: &mut sqlx::PgConnection,
    m: crate::tenant::MunicipalityId,
    person: uuid::Uuid,
) -> anyhow::Result<()> {
    let mut errors = crate::web::forms::FieldErrors::default();
    let appointed = crate::templates::appoint_coordinator(tx, m, person, &mut errors)
        .await
        .map_err(|e| anyhow::anyhow!("samordnaren kunde inte utses: {e}"))?;
    if appointed.is_none() {
        let why: Vec<&str> = errors.all().into_iter().map(|(_, m)| m).collect();
        anyhow::bail!("samordnaren kunde inte utses: {}", why.join(" "));
    }
    Ok(())
}
