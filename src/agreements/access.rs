//! Who sees and does what with agreements: the coordinator edits; holders
//! of signatory positions sign (and read); the Styrgrupp and the
//! beredningsgrupp read everything; others see the agreements that concern
//! their own organisation.

use uuid::Uuid;

use super::db::Agreement;
use super::model::State as AgreementState;
use crate::error::{AppError, AppResult};
use crate::web::extract::CurrentUser;
use crate::web::seats::Access;
use crate::web::today;

pub struct AgreementAccess {
    pub admin: bool,
    pub read_all: bool,
    pub own_organisations: Vec<Uuid>,
    /// Signatory positions the person holds today, with their agreement types.
    pub signs_as: Vec<(Uuid, Uuid, String)>,
}

impl AgreementAccess {
    pub async fn load(db: &sqlx::PgPool, user: &CurrentUser) -> AppResult<Self> {
        let m = user.tenant();
        let day = today();
        let access = Access::load(db, user).await?;
        let steering: Vec<Uuid> = sqlx::query_scalar!(
            "select id from work_group where municipality_id = $1 and tier in ('styrgrupp', 'beredningsgrupp')",
            m.get()
        )
        .fetch_all(db)
        .await?;
        let own_organisations = sqlx::query_scalar!(
            r#"select distinct p.organisation_id as "id!" from position_holder h join position p on p.id = h.position_id
               where h.person_id = $1 and h.municipality_id = $2 and p.organisation_id is not null
                 and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)"#,
            user.id(),
            m.get(),
            day
        )
        .fetch_all(db)
        .await?;
        let signs_as = sqlx::query!(
            r#"select s.agreement_type_id, p.id, p.title from agreement_type_signatory s
               join position p on p.id = s.position_id
               join position_holder h on h.position_id = p.id and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
               where h.person_id = $1 and s.municipality_id = $2"#,
            user.id(),
            m.get(),
            day
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| (r.agreement_type_id, r.id, r.title))
        .collect();
        Ok(Self {
            admin: access.admin,
            read_all: access.admin
                || access.oversight
                || steering.iter().any(|g| access.sits_in(*g)),
            own_organisations,
            signs_as,
        })
    }

    pub fn can_see(&self, a: &Agreement) -> bool {
        self.read_all
            || !self.signs_as.is_empty()
            || self.own_organisations.contains(&a.counterpart_id)
    }

    pub fn require_see(&self, a: &Agreement) -> AppResult<()> {
        if self.can_see(a) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The positions this person may sign the agreement for.
    pub fn positions_for(&self, a: &Agreement) -> Vec<(Uuid, String)> {
        self.signs_as
            .iter()
            .filter(|(t, _, _)| *t == a.type_id)
            .map(|(_, p, title)| (*p, title.clone()))
            .collect()
    }
}

/// An agreement in the register, with its derived state.
pub struct Listed {
    pub agreement: Agreement,
    pub state: AgreementState,
    pub days_left: Option<i64>,
}

/// Agreements out for signing where one of this person's positions has
/// not signed yet; the list behind "Att signera" and the start page's need.
pub async fn awaiting_my_signature(
    pool: &sqlx::PgPool,
    m: crate::tenant::MunicipalityId,
    access: &AgreementAccess,
    day: chrono::NaiveDate,
) -> AppResult<Vec<Listed>> {
    let mut waiting = Vec::new();
    for a in super::db::agreements(pool, m, None).await? {
        let agreement_state = a.state(day);
        let mine = access.positions_for(&a);
        if !agreement_state.awaits_signatures() || mine.is_empty() {
            continue;
        }
        let signatories = super::db::signatories(pool, m, &a, day).await?;
        let mine_unsigned = mine.iter().any(|(p, _)| {
            signatories
                .iter()
                .any(|s| s.position_id == *p && s.signature_id.is_none())
        });
        if mine_unsigned {
            waiting.push(Listed {
                state: agreement_state,
                days_left: a.days_left(day),
                agreement: a,
            });
        }
    }
    Ok(waiting)
}
