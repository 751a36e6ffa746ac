//! The first 30 minutes (issue 14 item 3): a municipality created from a
//! template shows its coordinator a checklist on the start page, in the
//! order the work is best done, until every step is done. Five steps are
//! done when the data shows it (positions held, signatories held, an
//! agreement, meetings planned, an EST report); three ask the coordinator
//! to look through what the template brought and say so ("Markera som
//! klar"), since a template's structure, organisations, areas and
//! categories exist from the first minute.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::extract::Admin;
use crate::web::path::Params;

crate::text_enum! {
    /// A step only the coordinator can call done. `getting_started_step.step`.
    pub enum Confirmed {
        Structure = "structure",
        Organisations = "organisations",
        Areas = "areas",
    }
}

/// What the start page's statement reads for the checklist (administrators
/// of a municipality still getting started only).
#[derive(Clone, Debug, Deserialize)]
pub struct Facts {
    /// The steps the coordinator has called done (`Confirmed` texts).
    pub confirmed: Vec<String>,
    pub people: i64,
    pub agreement_types: i64,
    /// Signatory positions of agreement types that nobody holds today.
    pub unheld_signatories: i64,
    pub agreements: i64,
    /// Planned meetings from now on.
    pub meetings: i64,
    /// EST reports filed (nothing to report, or with an entry).
    pub reports: i64,
}

/// One line of the checklist.
pub struct Step {
    pub title: &'static str,
    pub text: &'static str,
    pub href: &'static str,
    pub link: &'static str,
    pub done: bool,
    /// The step the coordinator confirms with a button, while not done.
    pub confirm: Option<&'static str>,
}

/// The checklist, or none when every step is done.
pub struct Checklist {
    pub steps: Vec<Step>,
}

impl Checklist {
    pub fn done(&self) -> usize {
        self.steps.iter().filter(|s| s.done).count()
    }
}

/// The eight steps in order: title, what to do, where, the link's text.
const STEPS: [(&str, &str, &str, &str); 8] = [
    (
        "Struktur och befattningar",
        "Gå igenom grupperna, vilka befattningar som sitter i dem och riktlinjens uppgifter.",
        "/struktur",
        "Strukturen",
    ),
    (
        "Personer",
        "Lägg in personerna och ge varje befattning i grupperna en innehavare.",
        "/admin/personer",
        "Personer",
    ),
    (
        "Organisationer",
        "Kontrollera förvaltningar, bolag och de externa aktörer ni samverkar med.",
        "/admin/organisationer",
        "Organisationer",
    ),
    (
        "Områden och kategorier",
        "Anpassa områdena och händelsekategorierna som EST rapporterar i.",
        "/est/installningar",
        "EST-inställningar",
    ),
    (
        "Signatärer",
        "Se till att befattningarna som signerar avtal har innehavare.",
        "/avtal/installningar",
        "Avtalsinställningar",
    ),
    (
        "Avtal",
        "Lägg in det första samverkansavtalet med en extern aktör.",
        "/avtal/ny",
        "Nytt avtal",
    ),
    (
        "Terminens möten",
        "Planera mötena för terminen för varje stående grupp och skicka kallelserna.",
        "/moten",
        "Möten",
    ),
    (
        "Första EST-veckan",
        "Låt deltagarna i EST lämna sina första veckorapporter.",
        "/est",
        "EST",
    ),
];

/// The checklist, or none when every step is done. `vacant` is how many
/// member positions nobody holds; `unplanned` whether some standing group
/// has no meeting ahead.
pub fn checklist(facts: &Facts, vacant: usize, unplanned: bool) -> Option<Checklist> {
    let review = |c: Confirmed| {
        let done = facts.confirmed.iter().any(|s| s == c.as_str());
        (done, (!done).then_some(c.as_str()))
    };
    let states = [
        review(Confirmed::Structure),
        (facts.people > 1 && vacant == 0, None),
        review(Confirmed::Organisations),
        review(Confirmed::Areas),
        (
            facts.agreement_types > 0 && facts.unheld_signatories == 0,
            None,
        ),
        (facts.agreements > 0, None),
        (facts.meetings > 0 && !unplanned, None),
        (facts.reports > 0, None),
    ];
    let steps = STEPS
        .iter()
        .zip(states)
        .map(|(&(title, text, href, link), (done, confirm))| Step {
            title,
            text,
            href,
            link,
            done,
            confirm,
        })
        .collect();
    let list = Checklist { steps };
    (list.done() < list.steps.len()).then_some(list)
}

/// `POST /kom-igang/{step}`: the coordinator calls a step done. Sending it
/// twice stores it once (the statement ignores a step already done).
pub async fn confirm(
    State(state): State<AppState>,
    Admin(user): Admin,
    Params(step): Params<String>,
) -> AppResult<Response> {
    let step = Confirmed::ALL
        .into_iter()
        .find(|c| c.as_str() == step)
        .ok_or(AppError::NotFound)?;
    let mut change = Change::begin(&state, &user).await?;
    let stored = sqlx::query!(
        r#"insert into getting_started_step (municipality_id, step, confirmed_by)
           values ($1, $2, $3) on conflict do nothing"#,
        user.tenant().get(),
        step.as_str(),
        user.id()
    )
    .execute(change.tx())
    .await?
    .rows_affected();
    if stored == 0 {
        return change
            .finish("Steget var redan klart.", "/#kom-igang")
            .await;
    }
    let event = Event::new(
        "markerade som klart",
        "steg i kom igång",
        format!("Kom igång: {}", step.as_str()),
    )
    .after(serde_json::json!({ "step": step.as_str() }));
    change
        .done(event, "Steget är markerat som klart.", "/#kom-igang")
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Facts {
        Facts {
            confirmed: Vec::new(),
            people: 1,
            agreement_types: 1,
            unheld_signatories: 2,
            agreements: 0,
            meetings: 0,
            reports: 0,
        }
    }

    #[test]
    fn a_new_municipality_has_eight_steps_to_do_and_three_to_confirm() {
        let list = checklist(&fresh(), 4, true).expect("steps left");
        assert_eq!(list.steps.len(), 8);
        assert_eq!(list.done(), 0);
        for step in Confirmed::ALL {
            let buttons = list
                .steps
                .iter()
                .filter(|s| s.confirm == Some(step.as_str()))
                .count();
            assert_eq!(buttons, 1, "{step:?}");
        }
    }

    #[test]
    fn a_confirmed_step_is_done_and_loses_its_button() {
        let mut facts = fresh();
        facts.confirmed.push("organisations".to_owned());
        let list = checklist(&facts, 4, true).expect("steps left");
        let step = &list.steps[2];
        assert_eq!(step.title, "Organisationer");
        assert!(step.done);
        assert_eq!(step.confirm, None);
        assert_eq!(list.done(), 1);
    }

    #[test]
    fn people_are_done_only_when_someone_besides_the_coordinator_holds_every_seat() {
        let mut facts = fresh();
        facts.people = 5;
        assert!(!checklist(&facts, 1, true).expect("left").steps[1].done);
        assert!(checklist(&facts, 0, true).expect("left").steps[1].done);
        facts.people = 1;
        assert!(!checklist(&facts, 0, true).expect("left").steps[1].done);
    }

    #[test]
    fn meetings_are_done_when_every_standing_group_has_one_ahead() {
        let mut facts = fresh();
        facts.meetings = 3;
        assert!(!checklist(&facts, 0, true).expect("left").steps[6].done);
        assert!(checklist(&facts, 0, false).expect("left").steps[6].done);
    }

    #[test]
    fn the_list_is_gone_when_every_step_is_done() {
        let facts = Facts {
            confirmed: Confirmed::ALL
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            people: 9,
            agreement_types: 1,
            unheld_signatories: 0,
            agreements: 1,
            meetings: 4,
            reports: 1,
        };
        assert!(checklist(&facts, 0, false).is_none());
        let mut one_left = facts.clone();
        one_left.reports = 0;
        let list = checklist(&one_left, 0, false).expect("one step left");
        assert_eq!(list.done(), 7);
        assert!(!list.steps[7].done);
    }
}
