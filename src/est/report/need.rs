//! `POST /est/rapport/samverkan`: a need for cooperation.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::entry::{Entry, Place};
use super::{Forms, NeedForm, optional};
use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::forms::{self, FieldErrors};

/// A cooperation need's checked texts. Its status and follow-up notes are
/// kept apart and stay as they are when the texts change.
pub struct NeedEntry {
    title: String,
    with_whom: Option<String>,
    handled_by: Option<String>,
}

impl Entry for NeedEntry {
    type Form = NeedForm;
    const FORM: &'static str = "need";

    fn refill(forms: &mut Forms, form: NeedForm) {
        forms.need = form;
    }

    fn confirmed(form: &NeedForm) -> bool {
        form.confirm_personal_data.is_some()
    }

    fn texts(f: &NeedForm) -> [(&'static str, &str); 3] {
        [
            ("need_title", &f.need_title),
            ("with_whom", &f.with_whom),
            ("handled_by", &f.handled_by),
        ]
    }

    async fn check(
        _state: &AppState,
        _m: MunicipalityId,
        f: &NeedForm,
        e: &mut FieldErrors,
    ) -> AppResult<Option<Self>> {
        let title =
            forms::required_text(e, "need_title", &f.need_title, "vad samverkan gäller", 1000);
        let with_whom = forms::optional_line(e, "with_whom", &f.with_whom, "med vem", 300);
        let handled_by =
            forms::optional_line(e, "handled_by", &f.handled_by, "vem som hanterar det", 300);
        Ok(Some(Self {
            title,
            with_whom: optional(with_whom),
            handled_by: optional(handled_by),
        }))
    }

    async fn insert(&self, tx: &mut PgConnection, at: Place, by: Uuid) -> sqlx::Result<u64> {
        Ok(sqlx::query!(
            r#"insert into cooperation_need (id, municipality_id, report_id, title, with_whom, handled_by, written_by)
               select $1, $2, $3, $4, $5, $6, $7
               where not exists (select 1 from cooperation_need n where n.municipality_id = $2 and n.report_id = $3
                                   and n.title = $4)"#,
            at.id, at.m.get(), at.report, self.title, self.with_whom, self.handled_by, by
        )
        .execute(tx)
        .await?
        .rows_affected())
    }

    async fn update(&self, tx: &mut PgConnection, at: Place) -> sqlx::Result<u64> {
        Ok(sqlx::query!(
            r#"update cooperation_need set title = $3, with_whom = $4, handled_by = $5
               where id = $1 and report_id = $2 and municipality_id = $6"#,
            at.id,
            at.report,
            self.title,
            self.with_whom,
            self.handled_by,
            at.m.get()
        )
        .execute(tx)
        .await?
        .rows_affected())
    }

    fn audit(&self, _id: Uuid, changed: bool) -> (&'static str, String, serde_json::Value) {
        if changed {
            (
                "ändrade samverkansbehov",
                "ändrade samverkansbehov".to_owned(),
                json!({}),
            )
        } else {
            (
                "rapporterade samverkansbehov",
                "samverkansbehov".to_owned(),
                json!({}),
            )
        }
    }

    fn message(changed: bool) -> &'static str {
        if changed {
            "Samverkansbehovet är ändrat."
        } else {
            "Samverkansbehovet är tillagt i rapporten."
        }
    }
}
