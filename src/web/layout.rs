//! The page chrome every template receives: who is signed in, where they
//! work, and a one-shot flash message (post-redirect-get).

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppResult;

const FLASH_KEY: &str = "flash";

/// A message shown once on the next page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    pub message: String,
}

/// Stores a message for the next page the user sees.
pub async fn set_flash(session: &Session, message: impl Into<String>) -> AppResult<()> {
    session
        .insert(
            FLASH_KEY,
            Flash {
                message: message.into(),
            },
        )
        .await?;
    Ok(())
}

/// What the layout needs to know about the signed-in user.
#[derive(Clone, Debug)]
pub struct NavUser {
    pub name: String,
    pub municipality: Option<String>,
    pub is_admin: bool,
    /// The person may work in more than one municipality.
    pub can_switch: bool,
    pub sections: Sections,
}

/// Which sections the menu offers.
#[derive(Clone, Debug, Default)]
pub struct Sections {
    pub dashboard: bool,
    pub planning: bool,
    pub est: bool,
}

/// Page chrome: navigation and flash.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    pub user: Option<NavUser>,
    pub flash: Option<Flash>,
    /// The navigation entry to mark as current (`aria-current`).
    pub section: &'static str,
    /// A fresh one-time token for forms that create records.
    pub form_token: uuid::Uuid,
}

impl Chrome {
    /// For pages shown to anyone (login, errors).
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// For a signed-in user; takes the pending flash out of the session.
    pub async fn for_user(user: NavUser, session: &Session, section: &'static str) -> Self {
        let flash = session.remove::<Flash>(FLASH_KEY).await.ok().flatten();
        Self {
            user: Some(user),
            flash,
            section,
            form_token: uuid::Uuid::new_v4(),
        }
    }

    /// Whether `name` is the current navigation section.
    pub fn is(&self, name: &str) -> bool {
        self.section == name
    }
}
