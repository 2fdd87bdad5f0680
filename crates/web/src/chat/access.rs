//! Who may use a chat: the customer holds a token scoped to that one chat (32 random bytes;
//! the store keeps only its SHA-256); a browser page may call only from a web origin the entry
//! point allows, or from this server itself (the widget's frame).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use switchboard_domain::ActivityId;
use switchboard_domain::chat::{Chat, EntryPoint, origin};

use crate::error::ApiError;
use crate::state::AppState;

/// A new customer token and its hash.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The hash the store keeps of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The chat whose token is `token`, when it is chat `id` (else not found: a token opens one chat
/// and reveals nothing of others).
pub async fn chat_of_token(s: &AppState, id: ActivityId, token: &str) -> Result<Chat, ApiError> {
    let found = if token.is_empty() || token.len() > 100 {
        None
    } else {
        s.store.chat_by_token(&hash(token)).await?
    };
    match found {
        Some(c) if c.activity_id == id => Ok(c),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such chat",
        )),
    }
}

/// The bearer token of a request, or "".
pub fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map_or("", str::trim)
}

/// Whether the request's `Origin` is this server's own (the `Host` it was sent to).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let (Some(o), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"));
    rest.is_some_and(|r| r.eq_ignore_ascii_case(host))
}

/// Checks the request's web origin against entry point `ep`: none (not a browser page) and this
/// server's own pass; another must be one the entry point allows (403 otherwise). Returns the
/// origin to echo in `Access-Control-Allow-Origin`.
pub fn allowed_origin(
    headers: &HeaderMap,
    ep: &EntryPoint,
) -> Result<Option<HeaderValue>, ApiError> {
    let Some(o) = headers.get(header::ORIGIN) else {
        return Ok(None);
    };
    if same_origin(headers) {
        return Ok(None);
    }
    match o.to_str() {
        Ok(text) if origin::allows(&ep.allowed_origins, text) => Ok(Some(o.clone())),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_refused",
            "this web site may not use the entry point",
        )),
    }
}

/// The origin of the page, as recorded with a started chat.
pub fn page_origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| origin::parse(o).ok())
}
