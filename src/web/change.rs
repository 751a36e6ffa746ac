//! One way to change something: every handler that stores a change goes
//! through [`Change`]. It owns the transaction, the form's one-time token,
//! the audit row, the commit, the flash message and the 303 redirect, so a
//! handler holds only what is its own: checking the input and the
//! statements that make the change.
//!
//! The idiom is zero-to-production's `src/idempotency/persistence.rs`
//! (`try_processing` opens the transaction and claims the key before any
//! work; `save_response` commits) as used by
//! `src/routes/admin/newsletter/post.rs`. We do not save the first response:
//! a form sent twice is answered with a redirect and [`ALREADY_SENT`], which
//! is all a person who double-clicked needs to see.
//!
//! ```ignore
//! let mut change = Change::once(&state, &user, &form.form_token, "/planering#mal").await?;
//! sqlx::query!("insert into goal …").execute(change.tx()).await?;
//! change.done(Event::new("skapade", "mål", title).on(id), "Målet är sparat.", "/planering").await
//! ```

use axum::response::{IntoResponse, Redirect, Response};
use sqlx::{PgConnection, Postgres, Transaction};

use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::idempotency::{ALREADY_SENT, first_submission};
use crate::web::layout::{Flash, set_flash};

/// A change under way: one transaction, made by one signed-in person in the
/// municipality they work in. Dropping it without [`Change::done`] or
/// [`Change::finish`] rolls everything back, the form token included, so a
/// form shown again with errors can be sent again.
pub struct Change<'u> {
    tx: Transaction<'static, Postgres>,
    user: &'u CurrentUser,
}

impl<'u> Change<'u> {
    /// Opens a change that sending twice cannot harm (an edit, a step of a
    /// state machine that the statement itself guards).
    pub async fn begin(state: &AppState, user: &'u CurrentUser) -> AppResult<Self> {
        Ok(Self {
            tx: state.db.begin().await?,
            user,
        })
    }

    /// Opens a change that creates a record, and claims the form's one-time
    /// `token` in its transaction first. When the form was sent before, the
    /// person is told so and sent to `again` ([`AppError::SentBefore`]), and
    /// nothing is stored.
    pub async fn once(
        state: &AppState,
        user: &'u CurrentUser,
        token: &str,
        again: &str,
    ) -> AppResult<Self> {
        let mut change = Self::begin(state, user).await?;
        if first_submission(&mut change.tx, token, user.id()).await? {
            return Ok(change);
        }
        set_flash(&user.person.flash, ALREADY_SENT).await?;
        Err(AppError::SentBefore(again.to_owned()))
    }

    /// The transaction, for the statements that make the change.
    pub fn tx(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Writes one audit row in the change's transaction, by this person in
    /// this municipality. For a change that touches several things; most
    /// call [`Change::done`] with their one event instead.
    pub async fn record(&mut self, event: Event<'_>) -> AppResult<()> {
        audit::record(&mut self.tx, self.user.tenant(), self.user.id(), event).await?;
        Ok(())
    }

    /// Records `event`, then [`Change::finish`]es.
    pub async fn done(
        mut self,
        event: Event<'_>,
        flash: impl Into<Flash>,
        to: &str,
    ) -> AppResult<Response> {
        self.record(event).await?;
        self.finish(flash, to).await
    }

    /// Commits, leaves `flash` for the next page and answers 303 to `to`
    /// (post-redirect-get).
    pub async fn finish(self, flash: impl Into<Flash>, to: &str) -> AppResult<Response> {
        self.commit().await?.redirect(flash, to).await
    }

    /// Stores nothing, because the statement itself found the record stored
    /// already (the same entry sent again from a fresh page, so with a fresh
    /// token): says so, as [`Change::once`] does, and answers 303 to `again`.
    pub async fn sent_before(self, again: &str) -> AppResult<Response> {
        self.tx.rollback().await?;
        set_flash(&self.user.person.flash, ALREADY_SENT).await?;
        Ok(Redirect::to(again).into_response())
    }

    /// Stores nothing (the form is shown again with its errors). The same
    /// as dropping the change, said out loud.
    pub async fn rollback(self) -> AppResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Commits, for a handler with work to do between the commit and the
    /// answer (mail to send once the change is stored).
    pub async fn commit(self) -> AppResult<Committed<'u>> {
        self.tx.commit().await?;
        Ok(Committed { user: self.user })
    }
}

/// A change stored, its answer not yet given.
pub struct Committed<'u> {
    user: &'u CurrentUser,
}

impl Committed<'_> {
    /// Leaves `flash` for the next page and answers 303 to `to`.
    pub async fn redirect(self, flash: impl Into<Flash>, to: &str) -> AppResult<Response> {
        set_flash(&self.user.person.flash, flash).await?;
        Ok(Redirect::to(to).into_response())
    }
}
