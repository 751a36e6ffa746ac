//! The checks a template passes before anything is stored, each failure a
//! Swedish sentence naming the item; and serde's errors said in Swedish.
//!
//! Names are compared as stored: trimmed, case kept (the database's unique
//! constraints compare exact text).

use std::collections::{HashMap, HashSet};

use super::model::{
    AgreementType, Cadence, CadenceKind, Category, FORMAT, Group, MeetingMode, Settings, Template,
    VERSION,
};
use crate::structure::model::{OrgKind, Role, Tier};
use crate::web::forms::{line_problem, text_problem};

/// Reads a template: JSON of the right format and version that passes every
/// check, or every error found, in Swedish.
pub fn parse(json: &str) -> Result<Template, Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        vec![format!(
            "Filen är inte giltig JSON (rad {}, kolumn {}).",
            e.line(),
            e.column()
        )]
    })?;
    check_format(&value).map_err(|e| vec![e])?;
    let parsed: Template =
        serde_path_to_error::deserialize(value).map_err(|e| vec![serde_error(&e)])?;
    let errors = template(&parsed);
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// The format and version, read before anything else so that a file of
/// another kind or version says so instead of listing unknown fields.
fn check_format(value: &serde_json::Value) -> Result<(), String> {
    let Some(object) = value.as_object() else {
        return Err("Filen är ingen Samordna-mall: den ska vara ett JSON-objekt.".to_owned());
    };
    if object.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(format!(
            "Filen är ingen Samordna-mall: \"format\" ska vara \"{FORMAT}\"."
        ));
    }
    match object.get("version") {
        None => Err("Mallen saknar \"version\".".to_owned()),
        Some(v) if v.as_u64() == Some(u64::from(VERSION)) => Ok(()),
        Some(v) => Err(format!(
            "Mallen har version {v}; Samordna läser version {VERSION}."
        )),
    }
}

/// Every error in `t`, in the order of the file; empty when it may be stored.
pub(super) fn template(t: &Template) -> Vec<String> {
    let mut e = Vec::new();
    if t.name.trim().is_empty() {
        e.push("Mallen saknar namn (\"name\").".to_owned());
    }
    guideline(t, &mut e);
    settings(&t.settings, &mut e);
    let organisations = unique(
        t.organisations.iter().map(|o| o.name.as_str()),
        "Organisationen",
        "En organisation",
        &mut e,
    );
    let positions = unique(
        t.positions.iter().map(|p| p.title.as_str()),
        "Befattningen",
        "En befattning",
        &mut e,
    );
    position_references(t, &organisations, &positions, &mut e);
    groups(&t.groups, &positions, &mut e);
    unique(
        t.areas.iter().map(String::as_str),
        "Området",
        "Ett område",
        &mut e,
    );
    categories(&t.incident_categories, &mut e);
    agreement_types(&t.agreement_types, &positions, &mut e);
    e
}

/// Checks names for emptiness, characters and doubles; returns them trimmed.
fn unique<'a>(
    names: impl Iterator<Item = &'a str>,
    what: &str,
    nameless: &str,
    e: &mut Vec<String>,
) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    for (i, name) in names.enumerate() {
        let name = name.trim();
        if name.is_empty() {
            e.push(format!("{nameless} (nr {}) saknar namn.", i + 1));
        } else if let Some(problem) = line_problem(name) {
            e.push(format!("{what} \"{name}\" {problem}."));
        } else if !seen.insert(name) {
            e.push(format!("{what} \"{name}\" finns två gånger."));
        }
    }
    seen
}

fn guideline(t: &Template, e: &mut Vec<String>) {
    let g = &t.guideline;
    let lines = [
        ("title", &g.title),
        ("adopted_by", &g.adopted_by),
        ("registry_no", &g.registry_no),
        ("owner", &g.owner),
        ("name", &t.name),
    ];
    for (field, value) in lines {
        if let Some(problem) = line_problem(value) {
            e.push(format!("\"{field}\" {problem}."));
        }
    }
    if let Some(problem) = text_problem(&t.description) {
        e.push(format!("\"description\" {problem}."));
    }
}

fn settings(s: &Settings, e: &mut Vec<String>) {
    if !matches!(s.report_interval_weeks, 1 | 2) {
        e.push(format!(
            "\"settings.report_interval_weeks\" ska vara 1 eller 2, inte {}.",
            s.report_interval_weeks
        ));
    }
    let ranges = [
        ("retention_months", s.retention_months, 1, 240),
        ("agreement_warning_days", s.agreement_warning_days, 1, 730),
        (
            "lagesbild_interval_months",
            s.lagesbild_interval_months,
            1,
            60,
        ),
    ];
    for (field, value, low, high) in ranges {
        if !(low..=high).contains(&value) {
            e.push(format!(
                "\"settings.{field}\" ska vara mellan {low} och {high}, inte {value}."
            ));
        }
    }
    if !matches!(s.action_plan_body, Tier::Styrgrupp | Tier::Beredningsgrupp) {
        e.push(format!(
            "\"settings.action_plan_body\" ska vara \"styrgrupp\" eller \"beredningsgrupp\", inte \"{}\".",
            s.action_plan_body
        ));
    }
}

fn position_references(
    t: &Template,
    organisations: &HashSet<&str>,
    positions: &HashSet<&str>,
    e: &mut Vec<String>,
) {
    for p in &t.positions {
        let title = p.title.trim();
        if let Some(o) = p.organisation.as_deref().map(str::trim)
            && !organisations.contains(o)
        {
            e.push(format!(
                "Befattningen \"{title}\" hör till organisationen \"{o}\", som inte finns i mallen."
            ));
        }
        match p.substitute.as_deref().map(str::trim) {
            Some(s) if s == title => e.push(format!(
                "Befattningen \"{title}\" kan inte vara sin egen ersättare."
            )),
            Some(s) if !positions.contains(s) => e.push(format!(
                "Befattningen \"{title}\" har ersättaren \"{s}\", som inte finns bland befattningarna."
            )),
            _ => {}
        }
    }
    if t.admin_position().is_none() {
        e.push(
            "Ingen befattning har \"grants_admin\": true. Kommunens första samordnare behöver en \
             befattning som administrerar kommunen."
                .to_owned(),
        );
    }
}

fn groups(groups: &[Group], positions: &HashSet<&str>, e: &mut Vec<String>) {
    let names = unique(
        groups.iter().map(|g| g.name.as_str()),
        "Gruppen",
        "En grupp",
        e,
    );
    for g in groups {
        let name = g.name.trim();
        match g.appointed_by.as_deref().map(str::trim) {
            Some(a) if a == name => {
                e.push(format!(
                    "Gruppen \"{name}\" kan inte vara tillsatt av sig själv."
                ));
            }
            Some(a) if !names.contains(a) => e.push(format!(
                "Gruppen \"{name}\" är tillsatt av \"{a}\", som inte finns bland grupperna."
            )),
            _ => {}
        }
        group_texts(g, e);
        members(g, positions, e);
        if let Some(c) = &g.cadence {
            cadence(name, c, e);
        }
    }
    appointment_cycles(groups, e);
    let reporting: Vec<String> = groups
        .iter()
        .filter(|g| g.weekly_reporting)
        .map(|g| format!("\"{}\"", g.name.trim()))
        .collect();
    if reporting.len() > 1 {
        // EST pages and reminders read the one weekly-reporting group.
        e.push(format!(
            "Bara en grupp kan ha veckorapportering (\"weekly_reporting\"); mallen har {}: {}.",
            reporting.len(),
            reporting.join(", ")
        ));
    }
}

fn group_texts(g: &Group, e: &mut Vec<String>) {
    let name = g.name.trim();
    for (field, value) in [
        ("decision_reference", &g.decision_reference),
        ("focus_area", &g.focus_area),
    ] {
        if let Some(problem) = line_problem(value) {
            e.push(format!("Gruppen \"{name}\": \"{field}\" {problem}."));
        }
    }
    for (field, value) in [("task", &g.task), ("cadence_text", &g.cadence_text)] {
        if let Some(problem) = text_problem(value) {
            e.push(format!("Gruppen \"{name}\": \"{field}\" {problem}."));
        }
    }
}

fn members(g: &Group, positions: &HashSet<&str>, e: &mut Vec<String>) {
    let name = g.name.trim();
    let mut seen = HashSet::new();
    for m in &g.members {
        let p = m.position.trim();
        if !positions.contains(p) {
            e.push(format!(
                "Gruppen \"{name}\" har medlemmen \"{p}\", som inte finns bland befattningarna."
            ));
        } else if !seen.insert(p) {
            e.push(format!(
                "Befattningen \"{p}\" står två gånger i gruppen \"{name}\"."
            ));
        }
    }
    let conveners = g.members.iter().filter(|m| m.role == Role::Convener);
    if conveners.count() > 1 {
        e.push(format!("Gruppen \"{name}\" har mer än en sammankallande."));
    }
}

/// The same ranges as the checks on `group_cadence`.
fn cadence(name: &str, c: &Cadence, e: &mut Vec<String>) {
    let mut bad = |what: String| e.push(format!("Gruppen \"{name}\": {what}."));
    if !(0..=26).contains(&c.per_half_year) {
        bad(format!(
            "\"per_half_year\" ska vara mellan 0 och 26, inte {}",
            c.per_half_year
        ));
    }
    if !(1..=7).contains(&c.weekday) {
        bad(format!(
            "\"weekday\" ska vara 1–7 (måndag–söndag), inte {}",
            c.weekday
        ));
    }
    if c.start().is_none() {
        bad(format!(
            "\"start_time\" ska vara en tid som 09:00, inte \"{}\"",
            c.start_time
        ));
    }
    if !(5..=600).contains(&c.duration_minutes) {
        bad(format!(
            "\"duration_minutes\" ska vara mellan 5 och 600, inte {}",
            c.duration_minutes
        ));
    }
    for place in &c.places {
        if place.trim().is_empty() {
            bad("en plats i \"places\" är tom".to_owned());
        } else if let Some(problem) = line_problem(place) {
            bad(format!("platsen \"{place}\" {problem}"));
        }
    }
    if let Some(problem) = line_problem(&c.meeting_link) {
        bad(format!("\"meeting_link\" {problem}"));
    }
}

/// Groups that appoint each other in a ring (A by B, B by A), each ring once.
fn appointment_cycles(groups: &[Group], e: &mut Vec<String>) {
    let by: HashMap<&str, &str> = groups
        .iter()
        .filter_map(|g| Some((g.name.trim(), g.appointed_by.as_deref()?.trim())))
        .filter(|(name, by)| name != by)
        .collect();
    let mut reported: HashSet<Vec<&str>> = HashSet::new();
    for start in by.keys() {
        let mut ring = vec![*start];
        let mut at = *start;
        while let Some(next) = by.get(at) {
            if *next == *start {
                ring.sort_unstable();
                if reported.insert(ring.clone()) {
                    let names: Vec<String> = ring.iter().map(|n| format!("\"{n}\"")).collect();
                    e.push(format!(
                        "Grupperna {} tillsätter varandra i en ring; någon av dem måste vara tillsatt av en grupp utanför ringen eller av ingen.",
                        names.join(", ")
                    ));
                }
                break;
            }
            if ring.contains(next) || ring.len() > by.len() {
                break;
            }
            ring.push(next);
            at = next;
        }
    }
}

fn categories(categories: &[Category], e: &mut Vec<String>) {
    unique(
        categories.iter().map(|c| c.name.as_str()),
        "Kategorin",
        "En kategori",
        e,
    );
    for c in categories {
        let what = format!("Underkategorin under \"{}\"", c.name.trim());
        let nameless = format!("En underkategori under \"{}\"", c.name.trim());
        unique(
            c.subcategories.iter().map(String::as_str),
            &what,
            &nameless,
            e,
        );
    }
}

fn agreement_types(types: &[AgreementType], positions: &HashSet<&str>, e: &mut Vec<String>) {
    unique(
        types.iter().map(|t| t.key.as_str()),
        "Avtalstypen",
        "En avtalstyp",
        e,
    );
    for t in types {
        let key = t.key.trim();
        if t.name.trim().is_empty() {
            e.push(format!("Avtalstypen \"{key}\" saknar namn (\"name\")."));
        } else if let Some(problem) = line_problem(&t.name) {
            e.push(format!("Avtalstypen \"{key}\": namnet {problem}."));
        }
        let mut seen = HashSet::new();
        for s in &t.signatories {
            let s = s.trim();
            if !positions.contains(s) {
                e.push(format!(
                    "Avtalstypen \"{key}\" ska skrivas under av \"{s}\", som inte finns bland befattningarna."
                ));
            } else if !seen.insert(s) {
                e.push(format!(
                    "Avtalstypen \"{key}\" har \"{s}\" två gånger bland undertecknarna."
                ));
            }
        }
    }
}

/// serde's first error, with where it is, in Swedish.
pub(super) fn serde_error(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = error.path().to_string();
    let message = swedish(&error.inner().to_string());
    if path == "." {
        format!("Mallen: {message}.")
    } else {
        format!("\"{path}\": {message}.")
    }
}

fn swedish(m: &str) -> String {
    let quoted = |rest: &str| rest.split('`').next().unwrap_or_default().to_owned();
    if let Some(rest) = m.strip_prefix("missing field `") {
        return format!("fältet \"{}\" saknas", quoted(rest));
    }
    if m.starts_with("unknown field `") {
        // The path names the field already.
        return "okänt fält (felstavat, eller från en annan version?)".to_owned();
    }
    if let Some(rest) = m.strip_prefix("unknown variant `") {
        let allowed = rest.split("expected ").nth(1).unwrap_or_default();
        let allowed = allowed.trim_start_matches("one of ").replace('`', "");
        return format!("okänt värde \"{}\" (tillåtna: {allowed})", quoted(rest));
    }
    if let Some((value, type_name)) = m.split_once(" is not a known ") {
        return format!("okänt värde {value} (tillåtna: {})", allowed(type_name));
    }
    if m.starts_with("invalid type") || m.starts_with("invalid value") {
        return expected(m.rsplit("expected ").next().unwrap_or_default());
    }
    if m.starts_with("input ") || m.starts_with("premature end") || m.starts_with("trailing") {
        // chrono's words for a date it cannot read.
        return "ska vara ett datum som 2024-04-30".to_owned();
    }
    format!("kan inte läsas ({m})")
}

fn expected(what: &str) -> String {
    let sentence = match what {
        "a boolean" => "ska vara true eller false",
        "a string" => "ska vara en text",
        "a sequence" => "ska vara en lista [ … ]",
        w if w.starts_with("struct") || w == "a map" => "ska vara ett objekt { … }",
        w if w.starts_with('i') || w.starts_with('u') => "ska vara ett heltal",
        w => return format!("har fel sorts värde (väntade {w})"),
    };
    sentence.to_owned()
}

/// The texts a closed vocabulary allows, for the error naming an unknown one.
fn allowed(type_name: &str) -> String {
    let texts: Vec<&str> = match type_name {
        "Tier" => Tier::ALL.iter().map(|t| t.as_str()).collect(),
        "Role" => Role::ALL.iter().map(|t| t.as_str()).collect(),
        "OrgKind" => OrgKind::ALL.iter().map(|t| t.as_str()).collect(),
        "CadenceKind" => CadenceKind::ALL.iter().map(|t| t.as_str()).collect(),
        "MeetingMode" => MeetingMode::ALL.iter().map(|t| t.as_str()).collect(),
        _ => Vec::new(),
    };
    texts.join(", ")
}
