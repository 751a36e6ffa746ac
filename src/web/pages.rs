//! Pages anyone may read: the accessibility statement required by the
//! DOS law (lag 2018:1937 om tillgänglighet till digital offentlig service).

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::SignedIn;
use crate::web::layout::Chrome;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

#[derive(Template, WebTemplate)]
#[template(path = "accessibility.html")]
pub struct AccessibilityPage {
    chrome: Chrome,
    contact: String,
}

/// `GET /tillganglighet`: with the person's own menu when signed in.
pub async fn accessibility(
    State(state): State<AppState>,
    user: Result<SignedIn, AppError>,
) -> AppResult<AccessibilityPage> {
    let chrome = match user {
        Ok(user) => user.chrome(&state, "").await?,
        Err(_) => Chrome::anonymous(),
    };
    Ok(AccessibilityPage {
        chrome,
        contact: state.config.accessibility_contact.clone(),
    })
}
