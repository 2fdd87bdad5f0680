//! The offline alternative over HTTP: `POST /chat/v1/entry-points/{id}/emails` takes an email a
//! customer leaves while no chat can start (or after one waited too long). It becomes an inbound
//! email to the department (`services::left_email`). The same CORS rules and start rate limit as
//! starting a chat apply.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use switchboard_domain::chat::{check_left_email, offline};
use switchboard_services::left_email::{LeaveEmail, LeaveError, leave_email};
use utoipa::ToSchema;

use super::access::allowed_origin;
use super::public::{cors, entry_point};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::{AppState, now};
use crate::throttle::ClientAddr;

/// What the offline form sends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveEmailBody {
    /// The customer's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Where the answer goes.
    pub email: String,
    /// The message.
    pub message: String,
    /// A key for this send (1–64 of A-Z, a-z, 0-9, '-', '_'): sending it again is taken in once.
    #[serde(default)]
    pub key: Option<String>,
}

switchboard_domain::refers_nothing!(LeaveEmailBody);

/// The answer to a left email.
#[derive(Debug, Serialize, ToSchema)]
pub struct Received {
    /// Always true: the message is stored and will be answered by email.
    pub received: bool,
}

impl From<LeaveError> for ApiError {
    fn from(e: LeaveError) -> ApiError {
        match e {
            LeaveError::Inactive => {
                ApiError::new(StatusCode::CONFLICT, "entry_point_inactive", e.to_string())
            }
            LeaveError::NoAlias => {
                ApiError::new(StatusCode::CONFLICT, "email_unavailable", e.to_string())
            }
            LeaveError::Store(e) => e.into(),
            LeaveError::Ingest(switchboard_services::retriever::ingest::IngestError::Store(e)) => {
                e.into()
            }
            LeaveError::Ingest(e) => {
                tracing::warn!(error = %e, "an email left on a chat entry point was not stored");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the message could not be stored now; try again",
                )
            }
        }
    }
}

/// `POST /chat/v1/entry-points/{id}/emails`: leaves an email instead of a chat. 202 once it is
/// stored (also for a key sent before); 409 `email_unavailable` when the department takes no
/// email; 429 when this address sent too many.
pub async fn leave(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LeaveEmailBody>,
) -> ApiResult<Response> {
    let ep = entry_point(&s, id).await?;
    let origin = allowed_origin(&headers, &ep)?;
    let left = check_left_email(body.name.as_deref(), &body.email, &body.message)?;
    let key = match body.key {
        Some(k) => Some(offline::check_key(&k)?.to_string()),
        None => None,
    };
    // Only what could be taken in counts against the address's starts.
    let t = now();
    s.chat_limits.start(client, ep.id, t)?;
    let input = LeaveEmail {
        entry_point: ep.id,
        left,
        key,
    };
    leave_email(&s.app, &s.blobs, input, t).await?;
    Ok(cors(
        origin,
        StatusCode::ACCEPTED,
        Json(Received { received: true }),
    ))
}
