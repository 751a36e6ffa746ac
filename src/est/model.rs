//! EST's words: the closed vocabularies of its tables, as Rust types.

crate::text_enum! {
    /// What a priority set by the EST meeting is. `est_priority.kind`.
    pub enum PriorityKind {
        FocusArea = "focus_area",
        HotSpot = "hot_spot",
        Action = "action",
    }
}

impl PriorityKind {
    /// The Swedish label, as the lägesbild shows it.
    pub fn label(self) -> &'static str {
        match self {
            PriorityKind::FocusArea => "Fokusområde",
            PriorityKind::HotSpot => "Brännpunkt",
            PriorityKind::Action => "Åtgärd",
        }
    }
}
