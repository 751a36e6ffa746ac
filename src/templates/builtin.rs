//! The built-in templates offered when a municipality is created: Brå's
//! generic model and Lindesberg's guideline, read and checked like any
//! uploaded file.

use super::check::parse;
use super::model::Template;

/// A built-in template, offered when a municipality is created.
pub struct Builtin {
    /// Short key: `bra`, `lindesberg`.
    pub key: &'static str,
    /// Swedish title.
    pub title: &'static str,
    pub description: &'static str,
    pub template: Template,
}

const BRA: &str = include_str!("bra.json");
const LINDESBERG: &str = include_str!("lindesberg.json");

/// The built-in templates: Brå's generic model and Lindesberg's guideline.
pub fn builtin() -> Vec<Builtin> {
    [
        (
            "bra",
            BRA,
            "Brås generiska modell",
            "Styrgrupp, lokalt BRÅ som beredningsgrupp och en EST-grupp, med de vanliga befattningarna.",
        ),
        (
            "lindesberg",
            LINDESBERG,
            "Lindesbergs riktlinje",
            "Strukturen enligt Lindesbergs riktlinje (KS 2024/70), som i demonstrationen.",
        ),
    ]
    .into_iter()
    .filter_map(|(key, json, title, description)| {
        // The files are tested below; a broken one is left out, not a panic.
        parse(json).ok().map(|template| Builtin {
            key,
            title,
            description,
            template,
        })
    })
    .collect()
}
