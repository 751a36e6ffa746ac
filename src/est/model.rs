//! EST's words: the closed vocabularies of its tables, as Rust types.

crate::text_enum! {
    /// What a priority set by the EST meeting is. `est_priority.kind`.
    pub enum PriorityKind {
        FocusArea = "focus_area" => "Fokusområde",
        HotSpot = "hot_spot" => "Brännpunkt",
        Action = "action" => "Åtgärd",
    }
}

crate::text_enum! {
    /// When in the day an incident happened. `est_incident.time_band`,
    /// `public_tip.time_band`.
    pub enum TimeBand {
        Night = "natt" => "Natt (00–06)",
        Morning = "morgon" => "Morgon (06–12)",
        Afternoon = "dag" => "Eftermiddag (12–18)",
        Evening = "kvall" => "Kväll (18–24)",
    }
}

impl TimeBand {
    /// The band a form chose, `None` when left empty; a value not in the
    /// list is an error by the `time_band` field.
    pub fn from_form(errors: &mut crate::web::forms::FieldErrors, value: &str) -> Option<Self> {
        if value.trim().is_empty() {
            return None;
        }
        let band = value.parse().ok();
        if band.is_none() {
            errors.add("time_band", "Välj en tid på dygnet i listan.");
        }
        band
    }
}

crate::text_enum! {
    /// Where a cooperation need stands. `cooperation_need.status`,
    /// `cooperation_note.status`.
    pub enum NeedStatus {
        Open = "open" => "Öppet",
        InProgress = "in_progress" => "Pågår",
        Closed = "closed" => "Avslutat",
    }
}

crate::text_enum! {
    /// The risk a coming event is expected to bring. `est_coming_event.risk`.
    pub enum Risk {
        Low = "low" => "Låg",
        Medium = "medium" => "Medel",
        High = "high" => "Hög",
    }
}

/// How a category is written wherever an incident or a category is shown:
/// `Skadegörelse – klotter` for a subcategory (an abbreviation keeps its
/// capital: `Trafik – A-traktor`), else the category alone.
pub fn category_label(category: &str, subcategory: Option<&str>) -> String {
    match subcategory {
        Some(sub) => format!("{category} – {}", crate::web::words::in_sentence(sub)),
        None => category.to_owned(),
    }
}

#[cfg(test)]
mod label_tests {
    #[test]
    fn a_subcategory_is_written_after_its_category() {
        assert_eq!(
            super::category_label("Skadegörelse", Some("Klotter")),
            "Skadegörelse – klotter"
        );
        assert_eq!(super::category_label("Stöld", None), "Stöld");
        assert_eq!(
            super::category_label("Trafik", Some("A-traktor")),
            "Trafik – A-traktor"
        );
    }
}
