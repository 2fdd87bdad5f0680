//! Errors of full pages shown as a page: a person who follows a stale link or lacks a right sees
//! what went wrong and a way back, not the API's JSON. Fragments and the API keep JSON.

use askama::Template;
use axum::body::to_bytes;
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::page::render;

/// Most bytes of an error body read to find its message.
const MAX_ERROR_BODY: usize = 64 * 1024;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    title: String,
    message: String,
    status: u16,
    code: String,
}

fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::CONFLICT => "Not possible now",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "Not understood",
        StatusCode::SERVICE_UNAVAILABLE => "Unavailable",
        _ => "Something went wrong",
    }
}

/// Turns a JSON error response of a page into an HTML page with the same status.
pub async fn as_page(resp: Response) -> Response {
    let status = resp.status();
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || !json {
        return resp;
    }
    let body = to_bytes(resp.into_body(), MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |k: &str| v.get(k).and_then(|m| m.as_str()).unwrap_or_default();
    let page = ErrorPage {
        tr: crate::i18n::Tr::default(),
        title: title(status).to_string(),
        message: match text("message") {
            "" => status.canonical_reason().unwrap_or("error").to_string(),
            m => m.to_string(),
        },
        status: status.as_u16(),
        code: text("code").to_string(),
    };
    let mut out = render(&page);
    *out.status_mut() = status;
    out
}
