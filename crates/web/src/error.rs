//! API errors: a stable machine-readable `code`, a human `message`, and the offending `field`
//! when there is one. Every failure of every endpoint comes out in this shape.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchboard_domain::{TransitionError, ValidationError};
use switchboard_routing::RouteError;
use switchboard_services::routing::RouterError;
use switchboard_services::routing::actions::ActError;
use switchboard_store::StoreError;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code for programs, e.g. `not_found`, `invalid_field`, `version_conflict`.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The input field at fault, as a JSON path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error an endpoint returns.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after: Option<i64>,
}

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                field: None,
            },
            retry_after: None,
        }
    }

    /// Tells the client when to come back (`Retry-After`, in seconds).
    pub fn retry_after(mut self, secs: i64) -> ApiError {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// Names the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.body.field = Some(field.into());
        self
    }

    /// 401: no or bad credentials.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in or send a valid bearer token",
        )
    }

    /// 403: the role may not do this.
    pub fn forbidden(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("your role may not {what}"),
        )
    }

    /// 400: unreadable body.
    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        &self.body.message
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.body.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        r
    }
}

impl From<ValidationError> for ApiError {
    fn from(v: ValidationError) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            v.to_string(),
        )
        .field(v.field)
    }
}

impl From<TransitionError> for ApiError {
    fn from(t: TransitionError) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "illegal_transition", t.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            StoreError::Conflict(m) => {
                let code = if m.contains("changed by someone else") {
                    "version_conflict"
                } else {
                    "conflict"
                };
                ApiError::new(StatusCode::CONFLICT, code, m)
            }
            StoreError::Duplicate { field, message } => ApiError::new(
                StatusCode::CONFLICT,
                "duplicate",
                format!("{field}: {message}"),
            )
            .field(field),
            StoreError::Invalid(v) => v.into(),
            StoreError::Transition(t) => t.into(),
            StoreError::Unavailable(m) => {
                tracing::warn!(error = %m, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    format!(
                        "the database is unavailable ({}); retry shortly",
                        reason(&m)
                    ),
                )
            }
            // A request never writes through a fenced handle; a service's write moved elsewhere.
            StoreError::Fenced(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                format!("{e}; retry shortly"),
            ),
            StoreError::Full(m) => {
                tracing::error!(error = %m, "database disk full");
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "insufficient_storage",
                    format!(
                        "the database's disk is full ({}); nothing was changed: retry when space is freed",
                        reason(&m)
                    ),
                )
            }
            StoreError::Internal(m) => {
                tracing::error!(error = %m, "internal store error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

/// The first line of a resource error, short enough for a client.
fn reason(m: &str) -> String {
    m.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// A blob store failure: a full disk is a 507, a read-only or missing one a 503, each with the
/// reason; a blob that is not there a 404; anything else a 500.
impl From<switchboard_store::BlobError> for ApiError {
    fn from(e: switchboard_store::BlobError) -> ApiError {
        use std::io::ErrorKind;
        use switchboard_store::BlobError;
        match &e {
            BlobError::NotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            BlobError::Io(io)
                if io.kind() == ErrorKind::StorageFull || io.kind() == ErrorKind::QuotaExceeded =>
            {
                tracing::error!(error = %e, "blob store full");
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "insufficient_storage",
                    format!(
                        "the file store is full ({io}); nothing was changed: retry when space is freed"
                    ),
                )
            }
            BlobError::Io(io)
                if matches!(
                    io.kind(),
                    ErrorKind::ReadOnlyFilesystem
                        | ErrorKind::PermissionDenied
                        | ErrorKind::NotFound
                ) =>
            {
                tracing::error!(error = %e, "blob store cannot be written");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    format!("the file store cannot be written ({io}); retry shortly"),
                )
            }
            _ => {
                tracing::error!(error = %e, "blob store error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl From<RouterError> for ApiError {
    fn from(e: RouterError) -> ApiError {
        match e {
            RouterError::Refused(r) => {
                let code = match r {
                    RouteError::UnknownAgent(_) => "not_an_agent",
                    RouteError::NotLoggedIn(_) => "not_logged_in",
                    RouteError::UnknownActivity(_) => "not_routed",
                    RouteError::AlreadyRouted(_) => "already_routed",
                    RouteError::UnknownQueue(_) => "unknown_queue",
                    RouteError::WrongState { .. } => "wrong_state",
                    RouteError::NoCapacity(_) => "no_capacity",
                    RouteError::NothingToPull(_) => "nothing_to_pull",
                    RouteError::IntoReview(_) => "into_review_queue",
                };
                ApiError::new(StatusCode::CONFLICT, code, r.to_string())
            }
            RouterError::NotRunning => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "router_unavailable",
                "the router is not running; retry shortly",
            ),
            RouterError::Store(s) => s.into(),
        }
    }
}

impl From<ActError> for ApiError {
    fn from(e: ActError) -> ApiError {
        let conflict = |code: &'static str, e: &ActError| {
            ApiError::new(StatusCode::CONFLICT, code, e.to_string())
        };
        match e {
            ActError::Routed => conflict("routed", &e),
            ActError::NotAvailable => conflict("not_available", &e),
            ActError::NotLoggedIn => conflict("not_logged_in", &e),
            ActError::NoCapacity => conflict("no_capacity", &e),
            ActError::Transition(t) => t.into(),
            ActError::Router(r) => r.into(),
            ActError::Store(s) => s.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Error, ErrorKind};

    use switchboard_store::BlobError;

    use super::*;

    #[test]
    fn resource_failures_answer_with_their_reason() {
        let cases = [
            (
                ApiError::from(BlobError::Io(Error::from(ErrorKind::StorageFull))),
                507,
                "insufficient_storage",
            ),
            (
                ApiError::from(BlobError::Io(Error::from(ErrorKind::ReadOnlyFilesystem))),
                503,
                "unavailable",
            ),
            (
                ApiError::from(BlobError::NotFound("k".into())),
                404,
                "not_found",
            ),
            (
                ApiError::from(StoreError::Full("database or disk is full".into())),
                507,
                "insufficient_storage",
            ),
            (
                ApiError::from(StoreError::Unavailable(
                    "attempt to write a readonly database".into(),
                )),
                503,
                "unavailable",
            ),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status.as_u16(), status, "{:?}", err.body.message);
            assert_eq!(err.body.code, code);
        }
        let full = ApiError::from(StoreError::Full("database or disk is full".into()));
        assert!(full.body.message.contains("database or disk is full"));
    }
}
