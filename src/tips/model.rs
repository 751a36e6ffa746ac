//! Tips' words: where a tip stands in the moderation queue.

crate::text_enum! {
    /// Where a tip stands. `public_tip.status`.
    pub enum TipStatus {
        New = "new" => "Nytt",
        Accepted = "accepted" => "Godkänt",
        Rejected = "rejected" => "Avvisat",
    }
}

crate::text_enum! {
    /// How a tip's sender asked to be answered. `public_tip_contact.kind`.
    pub enum ContactKind {
        Email = "email",
        Phone = "phone",
    }
}
