//! One error type for every handler. It renders a Swedish page; 5xx pages
//! never show the cause, which is logged once here instead.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::web::forms::FieldErrors;
use crate::web::layout::Chrome;

/// What can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: go to the login page.
    #[error("not signed in")]
    Unauthorized,
    /// Signed in, but has not chosen which municipality to work in.
    #[error("no municipality chosen")]
    ChooseMunicipality,
    /// A one-time password must be replaced first.
    #[error("password must be changed")]
    MustChangePassword,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// An operator (driften) asked for a municipal page: refused, with the
    /// way to the operator's pages.
    #[error("operator on a municipal page")]
    OperatorOnly,
    /// The municipality is suspended by the operator.
    #[error("municipality suspended")]
    Suspended,
    /// A request no form of ours would send.
    #[error("bad request")]
    BadRequest,
    /// No such thing, or not in the user's municipality.
    #[error("not found")]
    NotFound,
    /// A parameter out of its bounds (a week, a month, a period): 422 with
    /// the Swedish message saying what is allowed.
    #[error("out of range")]
    OutOfRange(String),
    /// The form was sent before (its one-time token is spent): nothing was
    /// stored, the flash says so, and the person goes to the given page
    /// ([`crate::web::change::Change::once`]).
    #[error("form sent before")]
    SentBefore(String),
    /// Input that cannot be stored, by field, for a caller that shows its
    /// form again (`templates::create_municipality`'s taken slug or name);
    /// unhandled, a 422 page with the messages.
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Session(#[from] tower_sessions::session::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// What the people and the public of a suspended municipality are told.
pub const SUSPENDED: &str = "Kommunen är avstängd i Samordna. Kontakta driften.";

/// Handler result.
pub type AppResult<T> = Result<T, AppError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: &'static str,
    message: String,
}

impl AppError {
    fn is_database_down(&self) -> bool {
        match self {
            AppError::Sqlx(e) => matches!(
                e,
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
            ),
            AppError::Session(_) => true,
            _ => false,
        }
    }
}

/// Renders a bare error page with the given status.
pub fn error_page(status: StatusCode, title: &'static str, message: &str) -> Response {
    let page = ErrorPage {
        chrome: Chrome::anonymous(),
        title,
        message: message.to_owned(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title).into_response(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Unauthorized => Redirect::to("/login").into_response(),
            AppError::ChooseMunicipality => Redirect::to("/valj-kommun").into_response(),
            AppError::MustChangePassword => Redirect::to("/konto").into_response(),
            AppError::SentBefore(to) => Redirect::to(&to).into_response(),
            AppError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                "Åtkomst nekad",
                "Du har inte behörighet till den här sidan.",
            ),
            AppError::OperatorOnly => error_page(
                StatusCode::FORBIDDEN,
                "Åtkomst nekad",
                "Du är inloggad med ett driftkonto. Driften ser inga kommuners uppgifter; \
                 kommunerna hanterar du under Drift (/drift).",
            ),
            AppError::Suspended => {
                error_page(StatusCode::FORBIDDEN, "Kommunen är avstängd", SUSPENDED)
            }
            AppError::BadRequest => error_page(
                StatusCode::BAD_REQUEST,
                "Felaktig begäran",
                "Formuläret kunde inte läsas. Gå tillbaka, ladda om sidan och försök igen.",
            ),
            AppError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Sidan finns inte",
                "Sidan du söker finns inte, eller så har du inte tillgång till den.",
            ),
            AppError::Validation(errors) => {
                let messages: Vec<&str> = errors.all().into_iter().map(|(_, m)| m).collect();
                error_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Ogiltigt värde",
                    &messages.join(" "),
                )
            }
            AppError::OutOfRange(message) => {
                error_page(StatusCode::UNPROCESSABLE_ENTITY, "Ogiltigt värde", &message)
            }
            ref e if e.is_database_down() => {
                tracing::error!(error = %e, "database unavailable");
                error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Tjänsten är tillfälligt otillgänglig",
                    "Samordna når inte sin databas just nu. Försök igen om en stund.",
                )
            }
            e => {
                tracing::error!(error = ?e, "request failed");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Något gick fel",
                    "Ett oväntat fel inträffade. Felet är loggat; försök igen om en stund.",
                )
            }
        }
    }
}

/// A constraint whose violation is the user's to mend: its name, the form
/// field the message stands next to, and the message.
pub type Violation<'a> = (&'a str, &'static str, &'a str);

/// realworld-axum-sqlx's `on_constraint` (`src/http/error.rs`, `ResultExt`):
/// the violation of a named constraint becomes a message next to its field
/// instead of a 500.
pub trait OnConstraint<T> {
    /// `Ok(Some(value))` when the statement went through; `Ok(None)` when it
    /// broke one of `violations` (its message is added to `errors`, and the
    /// caller's transaction is spoilt: drop it and show the form again); any
    /// other error as it is.
    fn on_constraint(
        self,
        errors: &mut FieldErrors,
        violations: &[Violation<'_>],
    ) -> AppResult<Option<T>>;
}

impl<T> OnConstraint<T> for Result<T, sqlx::Error> {
    fn on_constraint(
        self,
        errors: &mut FieldErrors,
        violations: &[Violation<'_>],
    ) -> AppResult<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(sqlx::Error::Database(dbe)) => {
                let broken = violations
                    .iter()
                    .find(|(name, _, _)| dbe.constraint() == Some(*name));
                match broken {
                    Some((_, field, message)) => {
                        errors.add(field, *message);
                        Ok(None)
                    }
                    None => Err(AppError::Sqlx(sqlx::Error::Database(dbe))),
                }
            }
            Err(other) => Err(other.into()),
        }
    }
}
