//! The structure's vocabulary: tiers, membership roles and organisation
//! kinds, stored as text in the database and labelled in Swedish.

/// The tier of a group (BRÅ's model; each municipality names its groups).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Styrgrupp,
    Beredningsgrupp,
    Permanent,
    Temporary,
}

impl Tier {
    pub const ALL: [Tier; 4] = [
        Tier::Styrgrupp,
        Tier::Beredningsgrupp,
        Tier::Permanent,
        Tier::Temporary,
    ];

    pub fn from_db(value: &str) -> Self {
        match value {
            "styrgrupp" => Tier::Styrgrupp,
            "beredningsgrupp" => Tier::Beredningsgrupp,
            "permanent" => Tier::Permanent,
            _ => Tier::Temporary,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Styrgrupp => "styrgrupp",
            Tier::Beredningsgrupp => "beredningsgrupp",
            Tier::Permanent => "permanent",
            Tier::Temporary => "temporary",
        }
    }

    /// The heading for a tier holding `count` groups.
    pub fn heading(self, count: usize) -> &'static str {
        match (self, count) {
            (_, 1) => self.label(),
            (Tier::Styrgrupp, _) => "Styrgrupper",
            (Tier::Beredningsgrupp, _) => "Beredningsgrupper",
            (Tier::Permanent, _) => "Permanenta arbetsgrupper",
            (Tier::Temporary, _) => "Temporära arbetsgrupper",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Styrgrupp => "Styrgrupp",
            Tier::Beredningsgrupp => "Beredningsgrupp",
            Tier::Permanent => "Permanent arbetsgrupp",
            Tier::Temporary => "Temporär arbetsgrupp",
        }
    }
}

/// A position's role in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Convener,
    Member,
    MayAttend,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Convener, Role::Member, Role::MayAttend];

    pub fn from_db(value: &str) -> Self {
        match value {
            "convener" => Role::Convener,
            "may_attend" => Role::MayAttend,
            _ => Role::Member,
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Convener => "convener",
            Role::Member => "member",
            Role::MayAttend => "may_attend",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Convener => "Sammankallande",
            Role::Member => "Ledamot",
            Role::MayAttend => "Kan delta vid behov",
        }
    }
}

/// What kind of organisation a position belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgKind {
    PoliticalBody,
    Department,
    MunicipalCompany,
    Police,
    Company,
    Association,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::PoliticalBody,
        OrgKind::Department,
        OrgKind::MunicipalCompany,
        OrgKind::Police,
        OrgKind::Company,
        OrgKind::Association,
        OrgKind::Other,
    ];

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::PoliticalBody => "politiskt_organ",
            OrgKind::Department => "forvaltning",
            OrgKind::MunicipalCompany => "kommunalt_bolag",
            OrgKind::Police => "polis",
            OrgKind::Company => "foretag",
            OrgKind::Association => "forening",
            OrgKind::Other => "annan",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::PoliticalBody => "Politiskt organ",
            OrgKind::Department => "Förvaltning",
            OrgKind::MunicipalCompany => "Kommunalt bolag",
            OrgKind::Police => "Polis",
            OrgKind::Company => "Företag",
            OrgKind::Association => "Förening",
            OrgKind::Other => "Annan",
        }
    }

    /// Whether organisations of this kind are usually outside the municipality.
    pub fn usually_external(self) -> bool {
        matches!(
            self,
            OrgKind::Police | OrgKind::Company | OrgKind::Association | OrgKind::Other
        )
    }

    pub fn label_of(value: &str) -> &'static str {
        Self::parse(value).map_or("Annan", OrgKind::label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_and_kind_survives_a_round_trip_through_its_database_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(Role::from_db(role.as_str()), role);
        }
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::parse(kind.as_str()), Some(kind));
        }
        for tier in Tier::ALL {
            assert_eq!(Tier::from_db(tier.as_str()), tier);
        }
        assert_eq!(Role::parse("ordförande"), None);
    }
}
