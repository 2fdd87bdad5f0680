//! Callbacks for the staff: a callback's record (`GET /activities/{id}/callback`), the outcome of
//! a call (`POST /activities/{id}/callback-outcome`, by whoever holds it), and a department's
//! callback settings (`/departments/{id}/callback-settings`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use switchboard_domain::callback::{Callback, CallbackSettings, Next, OutcomeInput};
use switchboard_domain::{Access, Activity, ActivityId, DepartmentId, Resource, Timestamp};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Id};
use crate::state::{AppState, now};

/// A recorded call.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallRecorded {
    /// The callback after the call.
    pub callback: Callback,
    /// Its activity (completed, or back in its queue).
    pub activity: Activity,
    /// When it is offered again, if it is.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_at: Option<Timestamp>,
    /// Whether it ended as unreachable.
    pub unreachable: bool,
    /// Whether the customer was told by email that we could not reach them.
    pub customer_told: bool,
}

/// `GET /activities/{id}/callback`: whom to call, where, and how the calls went.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Callback>> {
    caller.require(Access::Read, Resource::Activities)?;
    let id = ActivityId(id);
    let status = s.store.activity(id).await?.status;
    Ok(Json(s.store.callback(id).await?.as_of(status)))
}

/// `POST /activities/{id}/callback-outcome`: how the call went. Only whoever holds the callback
/// records it (409 `held_by_another` naming the holder; a supervisor takes it over first).
pub async fn outcome(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<OutcomeInput>,
) -> ApiResult<Json<CallRecorded>> {
    caller.require(Access::Write, Resource::Activities)?;
    let activity = ActivityId(id);
    caller
        .require_holder(&s.store, activity, "record this call")
        .await?;
    caller
        .require_sole_holder(
            &s.store,
            activity,
            "callback and records its calls; take it over first",
        )
        .await?;
    let done = s
        .app
        .record_call(activity, body, caller.actor(), now())
        .await?;
    Ok(Json(CallRecorded {
        next_at: match done.next {
            Next::Retry { at } => Some(at),
            _ => None,
        },
        unreachable: done.next == Next::Unreachable,
        customer_told: done.customer_told,
        callback: done.callback,
        activity: done.activity,
    }))
}

/// `GET /departments/{id}/callback-settings`.
pub async fn get_settings(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<CallbackSettings>> {
    caller.require(Access::Read, Resource::Departments)?;
    Ok(Json(s.store.callback_settings(DepartmentId(id)).await?))
}

/// `PUT /departments/{id}/callback-settings`: replaces them (checked: the country, the ranges,
/// the dial link).
pub async fn put_settings(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<CallbackSettings>,
) -> ApiResult<Json<CallbackSettings>> {
    caller.require(Access::Write, Resource::Departments)?;
    Ok(Json(
        s.store
            .set_callback_settings(DepartmentId(id), body)
            .await?,
    ))
}
