//! The template format: the built-ins read, and bad templates say why.

use serde_json::{Value, json};

use super::db::{NewMunicipality, check_new, slug_ok};
use super::model::VERSION;
use super::{builtin, parse};
use crate::structure::model::Tier;

/// Brå's template as JSON, changed by `change`, then read: its errors.
fn errors_of(change: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut value: Value =
        serde_json::from_str(include_str!("bra.json")).expect("bra.json is JSON");
    change(&mut value);
    match parse(&value.to_string()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

/// Asserts that one of `errors` is exactly `expected`.
fn assert_says(errors: &[String], expected: &str) {
    assert!(
        errors.iter().any(|e| e == expected),
        "expected {expected:?} among {errors:#?}"
    );
}

#[test]
fn both_built_in_templates_read_without_errors() {
    for (name, json) in [
        ("bra", include_str!("bra.json")),
        ("lindesberg", include_str!("lindesberg.json")),
    ] {
        if let Err(errors) = parse(json) {
            panic!("{name}.json: {errors:#?}");
        }
    }
    let keys: Vec<&str> = builtin().iter().map(|b| b.key).collect();
    assert_eq!(keys, ["bra", "lindesberg"]);
}

#[test]
fn bras_model_has_a_styrgrupp_lokalt_bra_as_beredningsgrupp_and_an_est_that_reports_weekly() {
    let bra = builtin().remove(0).template;
    let tier_of = |name: &str| bra.groups.iter().find(|g| g.name == name).map(|g| g.tier);
    assert_eq!(tier_of("Styrgrupp"), Some(Tier::Styrgrupp));
    assert_eq!(tier_of("Lokalt BRÅ"), Some(Tier::Beredningsgrupp));
    assert_eq!(tier_of("EST"), Some(Tier::Permanent));
    let reporting: Vec<&str> = bra
        .groups
        .iter()
        .filter(|g| g.weekly_reporting)
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(reporting, ["EST"]);
    assert_eq!(
        bra.admin_position().map(|p| p.title.as_str()),
        Some("Samordnare för brottsförebyggande arbete")
    );
    let samverkansavtal = &bra.agreement_types[0];
    assert_eq!(
        samverkansavtal.signatories,
        ["Kommundirektör", "Kommunstyrelsens ordförande"]
    );
}

#[test]
fn a_template_written_out_reads_back_the_same() {
    for b in builtin() {
        assert_eq!(parse(&b.template.to_json()), Ok(b.template));
    }
}

#[test]
fn a_file_that_is_not_a_template_of_this_version_says_so_first() {
    assert_eq!(
        parse("{\"format\": "),
        Err(vec![
            "Filen är inte giltig JSON (rad 1, kolumn 11).".to_owned()
        ])
    );
    assert_eq!(
        parse("[1, 2]"),
        Err(vec![
            "Filen är ingen Samordna-mall: den ska vara ett JSON-objekt.".to_owned()
        ])
    );
    assert_says(
        &errors_of(|t| t["format"] = json!("samordna-export")),
        "Filen är ingen Samordna-mall: \"format\" ska vara \"samordna-mall\".",
    );
    assert_says(
        &errors_of(|t| t["version"] = json!(7)),
        &format!("Mallen har version 7; Samordna läser version {VERSION}."),
    );
    assert_says(
        &errors_of(|t| t["version"] = json!("1")),
        "Mallen har version \"1\"; Samordna läser version 1.",
    );
    assert_says(
        &errors_of(|t| {
            t.as_object_mut().map(|o| o.remove("version"));
        }),
        "Mallen saknar \"version\".",
    );
}

#[test]
fn unknown_words_and_misspelt_fields_are_named_with_where_they_are() {
    assert_says(
        &errors_of(|t| t["groups"][2]["tier"] = json!("arbetsgrupp")),
        "\"groups[2].tier\": okänt värde \"arbetsgrupp\" (tillåtna: styrgrupp, beredningsgrupp, permanent, temporary).",
    );
    assert_says(
        &errors_of(|t| t["organisations"][0]["kind"] = json!("kyrka")),
        "\"organisations[0].kind\": okänt värde \"kyrka\" (tillåtna: politiskt_organ, forvaltning, kommunalt_bolag, polis, foretag, forening, annan).",
    );
    assert_says(
        &errors_of(|t| t["groups"][0]["members"][0]["role"] = json!("ordförande")),
        "\"groups[0].members[0].role\": okänt värde \"ordförande\" (tillåtna: convener, member, may_attend).",
    );
    assert_says(
        &errors_of(|t| t["groups"][2]["cadence"]["form"] = json!("teams")),
        "\"groups[2].cadence.form\": okänt värde \"teams\" (tillåtna: in_person, online).",
    );
    assert_says(
        &errors_of(|t| t["positions"][3]["grant_admin"] = json!(true)),
        "\"positions[3].grant_admin\": okänt fält (felstavat, eller från en annan version?).",
    );
    assert_says(
        &errors_of(|t| {
            t["organisations"][1]
                .as_object_mut()
                .map(|o| o.remove("name"));
        }),
        "\"organisations[1]\": fältet \"name\" saknas.",
    );
    assert_says(
        &errors_of(|t| t["organisations"][8]["external"] = json!("ja")),
        "\"organisations[8].external\": ska vara true eller false.",
    );
    assert_says(
        &errors_of(|t| t["groups"][0]["sort_order"] = json!("först")),
        "\"groups[0].sort_order\": ska vara ett heltal.",
    );
    assert_says(
        &errors_of(|t| t["guideline"]["adopted_on"] = json!("30 april 2024")),
        "\"guideline.adopted_on\": ska vara ett datum som 2024-04-30.",
    );
    assert_says(
        &errors_of(|t| t["areas"] = json!("Centralorten")),
        "\"areas\": ska vara en lista [ … ].",
    );
}

#[test]
fn names_that_are_empty_doubled_or_hold_control_characters_are_named() {
    let errors = errors_of(|t| {
        t["organisations"][1]["name"] = json!("  ");
        t["positions"][1]["title"] = json!("Kommundirektör");
        t["groups"][1]["name"] = json!("Styrgrupp");
        t["areas"] = json!(["Centralorten", "Centralorten"]);
        t["organisations"][2]["name"] = json!("Social\u{202E}förvaltningen");
    });
    assert_says(&errors, "En organisation (nr 2) saknar namn.");
    assert_says(&errors, "Befattningen \"Kommundirektör\" finns två gånger.");
    assert_says(&errors, "Gruppen \"Styrgrupp\" finns två gånger.");
    assert_says(&errors, "Området \"Centralorten\" finns två gånger.");
    assert_says(
        &errors,
        "Organisationen \"Social\u{202E}förvaltningen\" får inte innehålla tecken som vänder textens riktning.",
    );
}

#[test]
fn references_to_what_the_template_lacks_are_named() {
    let errors = errors_of(|t| {
        t["positions"][0]["organisation"] = json!("Kommunfullmäktige");
        t["positions"][2]["substitute"] = json!("Biträdande kommundirektör");
        t["groups"][0]["members"][1]["position"] = json!("Kommunstyrelsens vice ordförande");
        t["groups"][2]["appointed_by"] = json!("Trygghetsrådet");
        t["agreement_types"][0]["signatories"][0] = json!("Kommundirektören");
    });
    assert_says(
        &errors,
        "Befattningen \"Kommunstyrelsens ordförande\" hör till organisationen \"Kommunfullmäktige\", som inte finns i mallen.",
    );
    assert_says(
        &errors,
        "Befattningen \"Kommundirektör\" har ersättaren \"Biträdande kommundirektör\", som inte finns bland befattningarna.",
    );
    assert_says(
        &errors,
        "Gruppen \"Styrgrupp\" har medlemmen \"Kommunstyrelsens vice ordförande\", som inte finns bland befattningarna.",
    );
    assert_says(
        &errors,
        "Gruppen \"EST\" är tillsatt av \"Trygghetsrådet\", som inte finns bland grupperna.",
    );
    assert_says(
        &errors,
        "Avtalstypen \"samverkansavtal\" ska skrivas under av \"Kommundirektören\", som inte finns bland befattningarna.",
    );
}

#[test]
fn a_substitute_of_itself_and_groups_appointing_each_other_are_refused() {
    let errors = errors_of(|t| {
        t["positions"][2]["substitute"] = json!("Kommundirektör");
        t["groups"][0]["appointed_by"] = json!("Lokalt BRÅ");
        t["groups"][1]["appointed_by"] = json!("EST");
        t["groups"][2]["appointed_by"] = json!("Styrgrupp");
    });
    assert_says(
        &errors,
        "Befattningen \"Kommundirektör\" kan inte vara sin egen ersättare.",
    );
    let rings: Vec<&String> = errors.iter().filter(|e| e.contains("i en ring")).collect();
    assert_eq!(rings.len(), 1, "the ring is told once: {errors:#?}");
    assert!(rings[0].starts_with(
        "Grupperna \"EST\", \"Lokalt BRÅ\", \"Styrgrupp\" tillsätter varandra i en ring"
    ));
    assert_says(
        &errors_of(|t| t["groups"][1]["appointed_by"] = json!("Lokalt BRÅ")),
        "Gruppen \"Lokalt BRÅ\" kan inte vara tillsatt av sig själv.",
    );
}

#[test]
fn a_template_without_a_coordinator_or_with_two_weekly_reporting_groups_is_refused() {
    assert_says(
        &errors_of(|t| t["positions"][3]["grants_admin"] = json!(false)),
        "Ingen befattning har \"grants_admin\": true. Kommunens första samordnare behöver en befattning som administrerar kommunen.",
    );
    assert_says(
        &errors_of(|t| t["groups"][1]["weekly_reporting"] = json!(true)),
        "Bara en grupp kan ha veckorapportering (\"weekly_reporting\"); mallen har 2: \"Lokalt BRÅ\", \"EST\".",
    );
    // No EST at all is allowed: not every municipality works with EST.
    assert_eq!(
        errors_of(|t| t["groups"][2]["weekly_reporting"] = json!(false)),
        Vec::<String>::new()
    );
}

#[test]
fn members_twice_two_conveners_and_cadences_out_of_range_are_refused() {
    let errors = errors_of(|t| {
        t["groups"][0]["members"][2] =
            json!({"position": "Kommunstyrelsens ordförande", "role": "convener"});
        t["groups"][0]["members"][3] =
            json!({"position": "Kommunstyrelsens ordförande", "role": "member"});
        t["groups"][1]["cadence"] = json!({"kind": "per_half_year", "per_half_year": 30, "weekday": 9,
            "start_time": "9", "duration_minutes": 3, "form": "in_person", "places": [""]});
    });
    assert_says(
        &errors,
        "Befattningen \"Kommunstyrelsens ordförande\" står två gånger i gruppen \"Styrgrupp\".",
    );
    assert_says(
        &errors,
        "Gruppen \"Styrgrupp\" har mer än en sammankallande.",
    );
    for said in [
        "\"per_half_year\" ska vara mellan 0 och 26, inte 30",
        "\"weekday\" ska vara 1–7 (måndag–söndag), inte 9",
        "\"start_time\" ska vara en tid som 09:00, inte \"9\"",
        "\"duration_minutes\" ska vara mellan 5 och 600, inte 3",
        "en plats i \"places\" är tom",
    ] {
        assert_says(&errors, &format!("Gruppen \"Lokalt BRÅ\": {said}."));
    }
}

#[test]
fn settings_out_of_the_databases_ranges_are_refused() {
    let errors = errors_of(|t| {
        t["settings"] = json!({"report_interval_weeks": 3, "retention_months": 0,
            "agreement_warning_days": 731, "action_plan_body": "permanent", "lagesbild_interval_months": 61});
        t["name"] = json!("");
    });
    assert_eq!(
        errors,
        [
            "Mallen saknar namn (\"name\").",
            "\"settings.report_interval_weeks\" ska vara 1 eller 2, inte 3.",
            "\"settings.retention_months\" ska vara mellan 1 och 240, inte 0.",
            "\"settings.agreement_warning_days\" ska vara mellan 1 och 730, inte 731.",
            "\"settings.lagesbild_interval_months\" ska vara mellan 1 och 60, inte 61.",
            "\"settings.action_plan_body\" ska vara \"styrgrupp\" eller \"beredningsgrupp\", inte \"permanent\".",
        ]
    );
}

#[test]
fn a_slug_is_lower_case_letters_digits_and_single_hyphens() {
    for good in ["lindesberg", "upplands-vasby", "ale2", "a"] {
        assert!(slug_ok(good), "{good}");
    }
    for bad in [
        "",
        "Lindesberg",
        "malmö",
        "-ale",
        "ale-",
        "upplands--vasby",
        "a b",
        "a/b",
        &"a".repeat(41),
    ] {
        assert!(!slug_ok(bad), "{bad}");
    }
}

#[test]
fn a_new_municipality_needs_a_name_a_slug_and_at_most_a_four_digit_code() {
    let new = |name: &str, slug: &str, code: Option<&str>| NewMunicipality {
        name: name.to_owned(),
        slug: slug.to_owned(),
        code: code.map(str::to_owned),
    };
    assert!(check_new(&new("Ale kommun", "ale", Some("1440"))).is_empty());
    assert!(check_new(&new("Ale kommun", "ale", None)).is_empty());
    let e = check_new(&new(" ", "Ale", Some("144")));
    assert_eq!(e.get("name"), Some("Skriv kommunens namn."));
    assert!(
        e.get("slug")
            .is_some_and(|m| m.starts_with("Kortnamnet skrivs med a–z"))
    );
    assert_eq!(
        e.get("code"),
        Some("Kommunkoden är fyra siffror, som 1885.")
    );
}
