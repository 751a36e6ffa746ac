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
