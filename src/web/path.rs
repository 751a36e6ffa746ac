//! Path parameters: an id that does not parse is simply a page that does not
//! exist (our Swedish 404), not a plain-text rejection.

#![allow(clippy::disallowed_types)] // the one place that wraps axum's `Path`

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::AppError;

/// The single `{id}` of a route.
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Path::<Uuid>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| IdPath(id))
            .map_err(|_| AppError::NotFound)
    }
}

/// Two ids, `{id}` and a nested `{sub}`.
pub struct IdPair(pub Uuid, pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPair {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Path::<(Uuid, Uuid)>::from_request_parts(parts, state)
            .await
            .map(|Path((a, b))| IdPair(a, b))
            .map_err(|_| AppError::NotFound)
    }
}

/// Two plain segments, `{a}/{b}` (e.g. a static file's hash and name).
pub struct Segments(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segments {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map(|Path((a, b))| Segments(a, b))
            .map_err(|_| AppError::NotFound)
    }
}

/// Any other shape of path parameters (a week key, a kind and an id, an id
/// and a version number): one that does not parse is a page that does not
/// exist.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Params(value))
            .map_err(|_| AppError::NotFound)
    }
}
