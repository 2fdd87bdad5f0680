//! Callback requests over HTTP: `POST /chat/v1/entry-points/{id}/callbacks` books a callback
//! (now, or at one of the times the entry point's info offers). The same CORS rules and start
//! rate limit as starting a chat apply; an immediate callback needs the entry point open, as a
//! chat does.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use switchboard_app::callback::RequestCallback;
use switchboard_domain::callback::{CallbackRequest, CallbackState};
use switchboard_domain::chat::EntryPointKind;
use switchboard_domain::{ActivityId, Timestamp};
use utoipa::ToSchema;

use super::access::allowed_origin;
use super::public::{cors, entry_point};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::{AppState, now};
use crate::throttle::ClientAddr;

/// A booked callback, as the customer's page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Booked {
    /// The callback's reference (its activity).
    pub callback_id: ActivityId,
    /// The number we will call, E.164.
    pub phone: String,
    /// When we will call (a delayed callback).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    /// Seconds an immediate callback can expect to wait, when the queue's pace is known.
    pub expected_wait_secs: Option<u64>,
    /// Whether a confirmation was mailed to the address given.
    pub confirmation_mailed: bool,
    /// Pending.
    pub state: CallbackState,
}

/// `POST /chat/v1/entry-points/{id}/callbacks`: books a callback. 201; 422 naming the field at
/// fault; 409 `callback_unavailable` when the entry point takes no requests now; 429 when this
/// address asked too often.
pub async fn request(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CallbackRequest>,
) -> ApiResult<Response> {
    let ep = entry_point(&s, id).await?;
    let origin = allowed_origin(&headers, &ep)?;
    if !ep.kind.is_callback() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_a_callback_entry_point",
            "this entry point offers chat, not callbacks",
        ));
    }
    let t = now();
    let r = RequestCallback {
        entry_point: ep.id,
        request: body,
    };
    // Mistakes are told before the rate limit counts the request.
    s.app.check_callback_request(&r, t).await?;
    s.chat_limits.start(client, ep.id, t)?;
    if ep.kind == EntryPointKind::Callback {
        let availability = super::availability::of(&s, &ep, t).await?;
        if !availability.is_open() {
            return Err(super::availability::refused(
                "callback_unavailable",
                "callback requests",
                availability,
            ));
        }
    }
    let expected_wait_secs = match ep.kind {
        EntryPointKind::Callback => super::availability::expected_wait_secs(&s, &ep).await,
        _ => None,
    };
    let done = s.app.request_callback(r, t).await?;
    if let Some(secs) = expected_wait_secs {
        let id = done.callback.activity_id;
        if let Err(e) = s.app.tell_wait(id, secs, None, t).await {
            tracing::warn!(callback = id.0, error = %e, "the wait told could not be recorded");
        }
    }
    let out = Booked {
        callback_id: done.callback.activity_id,
        phone: done.callback.phone,
        at: done.callback.requested_at,
        expected_wait_secs,
        confirmation_mailed: done.confirmation_mailed,
        state: done.callback.state,
    };
    Ok(cors(origin, StatusCode::CREATED, Json(out)))
}
