//! Request extractors whose failures are [`ApiError`]s: JSON bodies report the exact field at
//! fault, query strings and path ids report what they expected.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                e.body_text(),
            )
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses JSON, telling syntax errors (400) from wrong values (422 naming the field).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::malformed(format!("malformed JSON: {inner}"))
        } else {
            let field = if path == "." { String::new() } else { path };
            let message = inner.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            let err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message);
            if field.is_empty() {
                err
            } else {
                err.field(field)
            }
        }
    })
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_parameter",
                    e.into_inner().to_string(),
                )
                .field(field)
            })
    }
}

/// A numeric path segment naming `what`; anything else is a 404 (no such object can exist).
pub fn number(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} {raw:?}"),
        )
    })
}

/// A numeric id in the path; anything else is a 404 (no such object can exist).
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::malformed(e.body_text()))?;
        raw.parse::<i64>().map(Id).map_err(|_| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no object has id {raw:?}"),
            )
        })
    }
}
