//! Forms with a file: `multipart/form-data` read into text fields and at
//! most one uploaded document, and the policy a stored document is served
//! under (agreements and planning sources both take a PDF).

use std::collections::HashMap;

use axum::extract::Multipart;

use crate::error::{AppError, AppResult};

/// The uploaded document.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads a multipart form: text fields and at most one file.
pub async fn read_form(
    mut multipart: Multipart,
) -> AppResult<(HashMap<String, String>, Option<Upload>)> {
    let mut fields = HashMap::new();
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest)?
    {
        let name = field.name().unwrap_or("").to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let bytes = field.bytes().await.map_err(|_| AppError::BadRequest)?;
            if !bytes.is_empty() {
                upload = Some(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            fields.insert(name, field.text().await.map_err(|_| AppError::BadRequest)?);
        }
    }
    Ok((fields, upload))
}

/// The Content-Security-Policy of stored documents: `sandbox` gives the
/// document a unique origin with scripts, forms, pop-ups and plugins
/// switched off, whatever a PDF reader in the browser would allow.
pub const DOCUMENT_CSP: &str =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";
