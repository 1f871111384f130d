//! F-OFF-3: the reset request of a locked-out user — e-mail, password and an
//! identity document (base64 in JSON; the page uploads it as a file).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::service::{Proof, Upload};
use ninsho_domain::Error;
use secrecy::SecretString;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{Client, Json};
use crate::app::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    file_name: String,
    content_base64: String,
}

impl Document {
    pub(super) fn decode(self) -> Result<Upload, Error> {
        let bytes = data_encoding::BASE64
            .decode(self.content_base64.trim().as_bytes())
            .map_err(|_| Error::invalid("recovery.document_encoding", "document", "content_base64 is not base64"))?;
        Ok(Upload { file_name: self.file_name, bytes })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    email: String,
    password: SecretString,
    doc_type: String,
    document: Document,
}

pub async fn request(State(s): State<AppState>, Client(c): Client, Json(b): Json<ResetRequest>) -> ApiResult<Response> {
    let upload = b.document.decode()?;
    let out = s.services.request_reset(Proof::Password { email: &b.email, password: b.password }, &b.doc_type, upload, &c).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(out)).into_response())
}
