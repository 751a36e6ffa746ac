//! National scale for load tests: `samordna demo-data --municipalities N`
//! adds N invented municipalities ("Ekby kommun", "Granvik kommun", …),
//! each built from Lindesberg's template like the demo, with its own people,
//! organisations, positions, groups, meetings, EST categories and areas,
//! agreements, planning and years of weekly EST reports.
//!
//! Each municipality is made the way the operator makes one, from the
//! template, in one transaction with its demo data (the reports one
//! statement per table, `unnest` over arrays); two load at a time.
//! A municipality whose slug exists already is left as it is.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use sqlx::PgPool;

use super::LINDESBERG_HOLDERS;
use crate::templates::{NewMunicipality, Template, parse};

/// The most municipalities one run may add.
pub const MAX_MUNICIPALITIES: u32 = 1000;

/// The most years of reports one run may write.
pub const MAX_YEARS: u32 = 50;

const STEMS: [&str; 24] = [
    "Al", "Björk", "Ek", "Fager", "Gran", "Hag", "Hassel", "Lund", "Mal", "Norr", "Rosen", "Sand",
    "Sol", "Sten", "Stor", "Sunds", "Tall", "Ulv", "Vall", "Väster", "Åker", "Älv", "Öster",
    "Ljung",
];
const ENDINGS: [&str; 16] = [
    "by", "berga", "dal", "fors", "hult", "holm", "köping", "näs", "sjö", "stad", "torp", "vik",
    "å", "ås", "bro", "hed",
];
const QUARTERS: [&str; 5] = ["", "Norra ", "Södra ", "Västra ", "Östra "];
const FIRST_NAMES: [&str; 20] = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Anders", "Eva", "Mikael", "Lena",
    "Per", "Emma", "Nils", "Ida", "Oskar", "Elin", "Jonas", "Maja", "Ali",
];
const LAST_NAMES: [&str; 20] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindberg",
    "Holm",
    "Berg",
    "Sjöberg",
    "Ek",
    "Nyström",
    "Lundqvist",
    "Hassan",
    "Falk",
    "Åberg",
];

/// The town of the `i`th generated municipality: "Alby", "Björkberga", …,
/// then "Norra Alby" and so on; distinct for the first 1 920.
pub fn town(i: usize) -> String {
    let combos = STEMS.len() * ENDINGS.len();
    let quarter = QUARTERS[(i / combos) % QUARTERS.len()];
    let j = i % combos;
    // Stem and ending both change from one municipality to the next; the
    // pair is still unique because 25 is invertible modulo 16.
    let stem = STEMS[j % STEMS.len()];
    let ending = ENDINGS[(j / STEMS.len() + j) % ENDINGS.len()];
    format!("{quarter}{stem}{ending}")
}

/// "Ekby" → "ekby", "Norra Åkerå" → "norra-akera".
pub fn slug(town: &str) -> String {
    town.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            ' ' => '-',
            c => c,
        })
        .collect()
}

/// The genitive a Swedish place name takes before "kommun": "Ekdals", but
/// "Ekby" and "Alfors" stay as they are (as "Nora kommun" does).
fn genitive(town: &str) -> String {
    match town.chars().last() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'å' | 'ä' | 'ö' | 's' | 'x' | 'z') => {
            town.to_owned()
        }
        _ => format!("{town}s"),
    }
}

/// Lindesberg's names turned into the town's ("LindeBRÅ" → "EkbyBRÅ").
struct Rename {
    town: String,
    genitive: String,
}

impl Rename {
    fn new(town: &str) -> Self {
        Self {
            town: town.to_owned(),
            genitive: genitive(town),
        }
    }

    fn apply(&self, text: &str) -> String {
        text.replace("Lindesbergs", &self.genitive)
            .replace("lindesberg", &slug(&self.town))
            .replace("Lindesberg", &self.town)
            .replace("Linde", &self.town)
    }
}

/// One generated municipality: Lindesberg's template with the town's
/// names and its own villages, and a person for every position.
struct Generated {
    new: NewMunicipality,
    template: Template,
    /// (position title, name, e-mail).
    holders: Vec<(String, String, String)>,
}

impl Generated {
    /// The `i`th municipality, from Lindesberg's template: as JSON, and
    /// read (`original`, read once for every municipality).
    fn new(lindesberg: &str, original: &Template, i: usize) -> anyhow::Result<Self> {
        let town = town(i);
        let slug = slug(&town);
        let mut template = parse(&Rename::new(&town).apply(lindesberg))
            .map_err(|e| anyhow::anyhow!("{town}: {}", e.join(" ")))?;
        // Villages: other generated names, distinct from the town and each other.
        template.areas = vec![town.clone()];
        template
            .areas
            .extend((1..5).map(|k| self::town((i + 97 * k) % (STEMS.len() * ENDINGS.len()))));
        // Renaming keeps the positions' order: each is Lindesberg's there.
        let holders = (0..)
            .zip(original.positions.iter().zip(&template.positions))
            .map(|(j, (lindesbergs, p))| {
                let first = FIRST_NAMES[(i * 7 + j * 3) % FIRST_NAMES.len()];
                let last = LAST_NAMES[(i * 11 + j * 13) % LAST_NAMES.len()];
                // The demo holder's address, at the town's domain.
                let local = LINDESBERG_HOLDERS
                    .iter()
                    .find(|(title, ..)| *title == lindesbergs.title)
                    .and_then(|(.., email)| email.split('@').next())
                    .map_or_else(|| format!("befattning{j}"), str::to_owned);
                (
                    p.title.clone(),
                    format!("{first} {last}"),
                    format!("{local}@{slug}.example"),
                )
            })
            .collect();
        Ok(Self {
            new: NewMunicipality {
                name: format!("{} kommun", genitive(&town)),
                slug,
                code: None,
            },
            template,
            holders,
        })
    }
}

/// What a national load added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// Municipalities written now.
    pub municipalities: usize,
    /// Municipalities skipped because their slug existed.
    pub existing: usize,
    /// Weekly EST reports written.
    pub reports: usize,
}

/// Adds `count` generated municipalities with `years` of weekly EST reports
/// each, two at a time. `progress` is told after each one.
pub async fn load(
    db: &PgPool,
    count: u32,
    years: u32,
    today: NaiveDate,
    progress: &(dyn Fn() + Sync),
) -> anyhow::Result<Loaded> {
    anyhow::ensure!(
        count <= MAX_MUNICIPALITIES && years <= MAX_YEARS,
        "at most {MAX_MUNICIPALITIES} municipalities and {MAX_YEARS} years"
    );
    let seed = super::LINDESBERG.template;
    let original = super::template(&super::LINDESBERG)?;
    let original = &original;
    // Argon2 is slow on purpose: one hash for every generated person.
    let hash = crate::auth::password::hash(super::DEMO_PASSWORD.to_owned()).await?;
    let next = AtomicUsize::new(0);
    let count = usize::try_from(count)?;
    let worker = || async {
        let mut loaded = Loaded::default();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                return Ok::<_, anyhow::Error>(loaded);
            }
            match load_one(db, (seed, original), i, years, today, &hash).await? {
                Some(reports) => {
                    loaded.municipalities += 1;
                    loaded.reports += reports;
                }
                None => loaded.existing += 1,
            }
            progress();
        }
    };
    // Two municipalities at a time, each on its own connection: the
    // database works on one while the other's rows are being generated.
    let (a, b) = tokio::try_join!(worker(), worker())?;
    Ok(Loaded {
        municipalities: a.municipalities + b.municipalities,
        existing: a.existing + b.existing,
        reports: a.reports + b.reports,
    })
}

/// Loads the `i`th municipality in one transaction; `None` if it existed.
async fn load_one(
    db: &PgPool,
    (seed, original): (&str, &Template),
    i: usize,
    years: u32,
    today: NaiveDate,
    hash: &str,
) -> anyhow::Result<Option<usize>> {
    let mut tx = db.begin().await?;
    // A rerun skips what exists before it makes anything of the template.
    let taken = sqlx::query_scalar!(
        r#"select exists(select 1 from municipality where slug = $1) as "e!""#,
        slug(&town(i))
    )
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        return Ok(None);
    }
    let g = Generated::new(seed, original, i)?;
    let holders: Vec<(&str, &str, &str)> = g
        .holders
        .iter()
        .map(|(t, n, e)| (t.as_str(), n.as_str(), e.as_str()))
        .collect();
    let since = super::LINDESBERG.since;
    let m = super::create(&mut tx, &g.new, &g.template, since, &holders, hash).await?;
    crate::meetings::demo::load(&mut tx, m).await?;
    let rename = Rename::new(&town(i));
    let rename = |s: &str| rename.apply(s);
    crate::agreements::demo::load(&mut tx, m, today, &rename).await?;
    crate::planning::demo::load(&mut tx, m, today, &rename).await?;
    let weeks = years.saturating_mul(52);
    let variation = u64::try_from(i).unwrap_or(0).wrapping_add(1);
    let reports =
        crate::est::demo::varied_reports(&mut tx, m, weeks, today, variation, &|_| {}).await?;
    tx.commit().await?;
    Ok(Some(reports))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_first_thousand_towns_have_distinct_names_and_slugs_unlike_the_demo_ones() {
        let towns: Vec<String> = (0..1000).map(town).collect();
        let slugs: HashSet<String> = towns.iter().map(|t| slug(t)).collect();
        assert_eq!(towns.iter().collect::<HashSet<_>>().len(), 1000);
        assert_eq!(slugs.len(), 1000);
        // municipality.name is unique whatever its case (migration 0038).
        let names: HashSet<String> = towns
            .iter()
            .map(|t| format!("{} kommun", genitive(t)).to_lowercase())
            .collect();
        assert_eq!(names.len(), 1000);
        assert!(!slugs.contains("lindesberg") && !slugs.contains("nora"));
        assert!(
            slugs
                .iter()
                .all(|s| s.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        assert_eq!(town(0), "Alby");
        assert_eq!(town(384), "Norra Alby");
    }

    #[test]
    fn lindesbergs_names_become_the_towns() {
        let rename = Rename::new("Ekdal");
        assert_eq!(rename.apply("LindeBRÅ"), "EkdalBRÅ");
        assert_eq!(rename.apply("Lindesbergs kommun"), "Ekdals kommun");
        assert_eq!(
            rename.apply("https://teams.microsoft.com/l/meetup-join/lindesberg-est-demo"),
            "https://teams.microsoft.com/l/meetup-join/ekdal-est-demo"
        );
        assert_eq!(genitive("Ekby"), "Ekby");
        assert_eq!(genitive("Alfors"), "Alfors");
    }

    #[test]
    fn a_generated_municipality_has_lindesbergs_shape_and_its_own_addresses() {
        let lindesberg = crate::seed::template(&crate::seed::LINDESBERG).expect("the template");
        let g =
            Generated::new(crate::seed::LINDESBERG.template, &lindesberg, 5).expect("generated");
        let t = &g.template;
        assert_eq!(t.positions.len(), lindesberg.positions.len());
        assert_eq!(t.groups.len(), lindesberg.groups.len());
        assert_eq!(t.organisations.len(), lindesberg.organisations.len());
        assert_eq!(
            g.holders.len(),
            t.positions.len(),
            "one person per position"
        );
        let emails: HashSet<&String> = g.holders.iter().map(|(.., e)| e).collect();
        assert_eq!(emails.len(), g.holders.len());
        let domain = format!("@{}.example", g.new.slug);
        assert!(emails.iter().all(|e| e.ends_with(&domain)));
        assert!(emails.contains(&format!("samordnare{domain}")));
        let coordinator = g
            .holders
            .iter()
            .find(|(.., e)| e.starts_with("samordnare@"));
        assert_eq!(
            coordinator.map(|(title, ..)| title.as_str()),
            t.admin_position().map(|p| p.title.as_str())
        );
        let areas: HashSet<&String> = t.areas.iter().collect();
        assert_eq!(areas.len(), 5);
        assert!(!t.to_json().contains("Linde"), "no Lindesberg names left");
    }
}
