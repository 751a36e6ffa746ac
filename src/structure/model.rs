//! The structure's vocabulary: tiers, membership roles and organisation
//! kinds, stored as text in the database and labelled in Swedish.

crate::text_enum! {
    /// The tier of a group (BRÅ's model; each municipality names its groups),
    /// in the order the structure page shows them. `"group".tier`.
    pub enum Tier {
        Styrgrupp = "styrgrupp" => "Styrgrupp",
        Beredningsgrupp = "beredningsgrupp" => "Beredningsgrupp",
        Permanent = "permanent" => "Permanent arbetsgrupp",
        Temporary = "temporary" => "Temporär arbetsgrupp",
    }
}

impl Tier {
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
}

crate::text_enum! {
    /// A position's role in a group. `group_member.role`.
    pub enum Role {
        Convener = "convener" => "Sammankallande",
        Member = "member" => "Ledamot",
        MayAttend = "may_attend" => "Kan delta vid behov",
    }
}

crate::text_enum! {
    /// What kind of organisation a position belongs to. `organisation.kind`.
    pub enum OrgKind {
        PoliticalBody = "politiskt_organ" => "Politiskt organ",
        Department = "forvaltning" => "Förvaltning",
        MunicipalCompany = "kommunalt_bolag" => "Kommunalt bolag",
        Police = "polis" => "Polis",
        Company = "foretag" => "Företag",
        Association = "forening" => "Förening",
        Other = "annan" => "Annan",
    }
}

impl OrgKind {
    /// Whether organisations of this kind are usually outside the municipality.
    pub fn usually_external(self) -> bool {
        matches!(
            self,
            OrgKind::Police | OrgKind::Company | OrgKind::Association | OrgKind::Other
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_role_and_kind_survives_a_round_trip_through_its_database_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse(), Ok(role));
        }
        for kind in OrgKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().parse(), Ok(tier));
        }
    }

    #[test]
    fn an_unknown_tier_role_or_kind_is_an_error_not_a_fallback() {
        // `Tier::from_db` used to read any unknown text as Temporary.
        assert!("arbetsgrupp".parse::<Tier>().is_err());
        assert!("ordförande".parse::<Role>().is_err());
        assert!("kyrka".parse::<OrgKind>().is_err());
    }
}
