//! The page chrome every template receives: who is signed in, where they
//! work, and a one-shot flash message (post-redirect-get).
//!
//! The flash lives in its own cookie, not in the session: showing it must
//! not write to the database (a page view writes nothing).

use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_cookies::{Cookie, Cookies};
use tower_sessions::cookie::SameSite;

use crate::error::AppResult;
use crate::state::AppState;

const FLASH_COOKIE: &str = "samordna_flash";

/// The cookies of one request, where the flash is read and written.
#[derive(Clone, Debug)]
pub struct FlashJar {
    cookies: Option<Cookies>,
    secure: bool,
}

impl FlashJar {
    /// The jar tower-sessions' cookie layer put on the request.
    pub fn from_parts(parts: &Parts, state: &AppState) -> Self {
        Self {
            cookies: parts.extensions.get::<Cookies>().cloned(),
            secure: state.config.secure_cookies(),
        }
    }

    fn cookie(&self, value: String) -> Cookie<'static> {
        let mut cookie = Cookie::new(FLASH_COOKIE, value);
        cookie.set_path("/");
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_secure(self.secure);
        cookie
    }

    fn put(&self, flash: &Flash) {
        if let Some(cookies) = &self.cookies {
            cookies.add(self.cookie(flash.encode()));
        }
    }

    /// Takes the pending message, if any, and clears it in the browser.
    fn take(&self) -> Option<Flash> {
        let cookies = self.cookies.as_ref()?;
        let value = cookies.get(FLASH_COOKIE)?.value().to_owned();
        cookies.remove(self.cookie(String::new()));
        Flash::decode(&value)
    }
}

/// Cookie values may not hold every character; hex holds any UTF-8 text.
fn hex_encode(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) || hex.len() > 8_000 {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok().filter(|m| !m.is_empty())
}

/// A message shown once on the next page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    pub message: String,
    /// Something did not happen as the user would expect (mail kept on
    /// the server, nothing sent): shown as a warning, not as done.
    pub warning: bool,
}

impl Flash {
    /// The cookie's value: the message in hex, after a `w` (which hex never
    /// holds) for a warning.
    fn encode(&self) -> String {
        let mark = if self.warning { "w" } else { "" };
        format!("{mark}{}", hex_encode(&self.message))
    }

    fn decode(value: &str) -> Option<Self> {
        let (warning, hex) = match value.strip_prefix('w') {
            Some(hex) => (true, hex),
            None => (false, value),
        };
        hex_decode(hex).map(|message| Self { message, warning })
    }

    /// A message that warns.
    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            warning: true,
        }
    }
}

impl From<String> for Flash {
    fn from(message: String) -> Self {
        Self {
            message,
            warning: false,
        }
    }
}

impl From<&str> for Flash {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

/// Stores a message for the next page the user sees.
pub async fn set_flash(jar: &FlashJar, flash: impl Into<Flash>) -> AppResult<()> {
    jar.put(&flash.into());
    Ok(())
}

/// What the layout needs to know about the signed-in user.
#[derive(Clone, Debug)]
pub struct NavUser {
    pub name: String,
    /// An operator: the menu offers /drift.
    pub operator: bool,
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

    /// For a signed-in user; takes the pending flash.
    pub async fn for_user(user: NavUser, jar: &FlashJar, section: &'static str) -> Self {
        let flash = jar.take();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_survives_its_cookie_encoding() {
        for text in ["Sparat.", "Å ä ö – ”citat” ; = , \\ 💡", "a\nb", "w"] {
            for flash in [Flash::from(text), Flash::warning(text)] {
                let back = Flash::decode(&flash.encode()).expect("decoded");
                assert_eq!((back.message.as_str(), back.warning), (text, flash.warning));
            }
        }
    }

    #[test]
    fn a_tampered_flash_cookie_is_ignored() {
        for bad in ["zz", "abc", "ff", "", "w", "ww61", "W61", "x61"] {
            assert!(Flash::decode(bad).is_none(), "{bad}");
        }
    }
}
