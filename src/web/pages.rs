//! Pages anyone may read: the accessibility statement required by the
//! DOS law (lag 2018:1937 om tillgänglighet till digital offentlig service).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use tower_sessions::Session;

use crate::state::AppState;
use crate::web::layout::Chrome;

#[derive(Template, WebTemplate)]
#[template(path = "accessibility.html")]
pub struct AccessibilityPage {
    chrome: Chrome,
    contact: String,
}

/// `GET /tillganglighet`.
pub async fn accessibility(State(state): State<AppState>, _session: Session) -> AccessibilityPage {
    AccessibilityPage {
        chrome: Chrome::anonymous(),
        contact: state.config.accessibility_contact.clone(),
    }
}
