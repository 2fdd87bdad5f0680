//! Request extractors whose failures are [`ApiError`]s: JSON bodies report the exact field at
//! fault, query strings and path ids report what they expected.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use switchboard_domain::Refers;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body. The objects it names ([`Refers`]) must be within the caller's department scope
/// (see [`crate::scope`]).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Refers + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
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
        // The caller, when an earlier extractor resolved it; otherwise what resolving it needs
        // once the body is read (only then are the headers copied).
        let known = req.extensions().get::<Caller>().cloned();
        let head = known.is_none().then(|| {
            let mut head = Request::new(());
            *head.method_mut() = req.method().clone();
            *head.headers_mut() = req.headers().clone();
            head
        });
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                e.body_text(),
            )
        })?;
        let body: T = parse(&bytes)?;
        let refs = body.refs();
        if !refs.is_empty() {
            let caller = match (known, head) {
                (Some(c), _) => c,
                (None, Some(head)) => {
                    Caller::from_request_parts(&mut head.into_parts().0, state).await?
                }
                (None, None) => return Err(ApiError::unauthenticated()),
            };
            crate::scope::check_refs(state, &caller, &refs).await?;
        }
        Ok(ApiJson(body))
    }
}

/// Checks the objects a request names against the caller's scope; naming objects needs a
/// caller.
async fn in_scope(
    parts: &mut Parts,
    state: &AppState,
    refs: Vec<switchboard_domain::ObjectRef>,
) -> Result<(), ApiError> {
    if refs.is_empty() {
        return Ok(());
    }
    let caller = match parts.extensions.get::<Caller>() {
        Some(c) => c.clone(),
        None => Caller::from_request_parts(parts, state).await?,
    };
    crate::scope::check_refs(state, &caller, &refs).await
}

/// Parses JSON, telling syntax errors (400) from wrong values (422 naming the field). A string
/// holding the NUL character (which no text column of PostgreSQL accepts) is a 422 naming it.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Some(field) = nul_field(bytes) {
        let err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "text must not contain the NUL character (\\u0000)",
        );
        return Err(if field.is_empty() {
            err
        } else {
            err.field(field)
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::malformed(format!("malformed JSON: {inner}"))
        } else {
            let field = if path == "." { String::new() } else { path };
            let message = inner.to_string();
            let message = humane(message.split(" at line ").next().unwrap_or(&message));
            let err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message);
            if field.is_empty() {
                err
            } else {
                err.field(field)
            }
        }
    })
}

/// A JSON decoder's complaint as people read it: `invalid type: null, expected i64` becomes
/// "a value is required here", a missing field is named as required, a wrong type says what is
/// wanted; anything else is kept.
pub fn humane(message: &str) -> String {
    if message.starts_with("invalid type: null, expected ") {
        return "a value is required here".to_string();
    }
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return format!("{name} is required");
    }
    if let Some((got, wanted)) = message
        .strip_prefix("invalid type: ")
        .and_then(|r| r.split_once(", expected "))
    {
        let wanted = match wanted {
            "i64" | "u64" | "i32" | "u32" | "u16" | "u8" => "a whole number",
            "f64" | "f32" => "a number",
            "a boolean" => "true or false",
            "a string" => "text",
            other => other,
        };
        let got = got.split(' ').next().unwrap_or(got);
        return format!("must be {wanted}, not {got}");
    }
    message.to_string()
}

/// The JSON path of the first string (or object key) holding NUL, when the body has one. Cheap
/// when it has none: only a body containing the escape `\u0000` is parsed twice.
fn nul_field(bytes: &[u8]) -> Option<String> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !bytes.windows(ESCAPE.len()).any(|w| w == ESCAPE) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&value, String::new())
}

fn find_nul(v: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match v {
        Value::String(s) if s.contains('\0') => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "\u{FFFD}")))
            } else {
                find_nul(item, join(k))
            }
        }),
        _ => None,
    }
}

/// A query string. The objects it names ([`Refers`]) must be within the caller's department
/// scope (see [`crate::scope`]).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Refers + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        if let Some((name, _)) =
            form_urlencoded::parse(q.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_parameter",
                "a parameter must not contain the NUL character (%00)",
            )
            .field(name.replace('\0', "\u{FFFD}")));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_parameter",
                e.into_inner().to_string(),
            )
            .field(field)
        })?;
        in_scope(parts, state, value.refs()).await?;
        Ok(ApiQuery(value))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_a_json_string_names_its_field() {
        let body = br#"{"name":"ok","contact_points":[{"value":"a\u0000b"}]}"#;
        assert_eq!(nul_field(body).as_deref(), Some("contact_points[0].value"));
        assert_eq!(
            nul_field(br#"{"name":"a\\u0000"}"#),
            None,
            "an escaped backslash is not NUL"
        );
        assert_eq!(nul_field(br#"{"name":"plain"}"#), None);
        let err = parse::<serde_json::Value>(br#"{"x":"\u0000"}"#).err();
        assert!(err.is_some());
    }

    #[test]
    fn decoder_complaints_read_as_sentences() {
        assert_eq!(
            humane("invalid type: null, expected i64"),
            "a value is required here"
        );
        assert_eq!(humane("missing field `name`"), "name is required");
        assert_eq!(
            humane("invalid type: string \"abc\", expected u32"),
            "must be a whole number, not string"
        );
        assert_eq!(
            humane("invalid type: integer `3`, expected a string"),
            "must be text, not integer"
        );
        assert_eq!(
            humane("unknown field `x`, expected `a` or `b`"),
            "unknown field `x`, expected `a` or `b`"
        );
    }
}
