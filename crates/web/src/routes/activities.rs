//! `/api/v1/activities`: CRUD, life-cycle actions and the event log.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use switchboard_domain::wrap_up::WrapUp;
use switchboard_domain::{
    Access, Activity, ActivityAction, ActivityEvent, ActivityId, ActivityPatch, ActivityStatus,
    CaseId, ChannelKind, CustomerId, DepartmentId, NewActivity, QueueId, Resource, UserId,
};
use switchboard_services::routing::actions;
use switchboard_store::ActivityFilter;
use utoipa::ToSchema;

use super::{ListResponse, page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::state::{AppState, now};

/// Creates an activity (and its case when `case_id` is absent); 201.
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewActivity>,
) -> ApiResult<(StatusCode, Json<Activity>)> {
    caller.require(Access::Write, Resource::Activities)?;
    let a = s
        .store
        .create_activity(body.validate()?, caller.actor(), now())
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Reads an activity.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Read, Resource::Activities)?;
    Ok(Json(s.store.activity(ActivityId(id)).await?))
}

/// Changes descriptive fields; queue, assignee and status change through actions.
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ActivityPatch>,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Write, Resource::Activities)?;
    caller
        .require_holder(&s.store, ActivityId(id), "change this activity")
        .await?;
    Ok(Json(
        s.store
            .update_activity(ActivityId(id), body.validate()?, caller.actor(), now())
            .await?,
    ))
}

/// `POST /activities/{id}/wrap-up`: the holder gives the work a category and a note before
/// completing it (the `wrapped_up` event); 409 when it is not in hand.
pub async fn wrap_up(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<WrapUp>,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Write, Resource::Activities)?;
    caller
        .require_holder(&s.store, ActivityId(id), "wrap this activity up")
        .await?;
    Ok(Json(
        s.app
            .wrap_up(ActivityId(id), body, caller.actor(), now())
            .await?,
    ))
}

/// A note to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The note; `@name@example.com` mentions a colleague, who is told.
    pub text: String,
}

switchboard_domain::refers_nothing!(NoteBody);

/// The colleagues a note mentioned.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteAdded {
    /// Their ids.
    pub mentions: Vec<switchboard_domain::UserId>,
}

/// `POST /activities/{id}/notes`: an internal note (the `note_added` event; never sent to the
/// customer). Agents note on their own work; a mention must name a colleague who can see it.
pub async fn add_note(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<(StatusCode, Json<NoteAdded>)> {
    caller.require(Access::Write, Resource::Activities)?;
    let id = ActivityId(id);
    caller
        .require_holder(&s.store, id, "note on this activity")
        .await?;
    let a = s.store.activity(id).await?;
    let owner = s.store.department(a.department_id).await?;
    let visible = |d| d == owner.id || owner.shared_with.contains(&d);
    let mentions = s
        .app
        .add_note(id, &body.text, caller.actor(), visible, now())
        .await?;
    if let Some(router) = &s.router {
        for u in &mentions {
            router.announce(switchboard_services::routing::Notice {
                agent: *u,
                kind: switchboard_services::routing::NoticeKind::Mentioned,
                activity: Some(id),
                expires_at: None,
                reason: Some(caller.user.name.clone()),
                case: None,
            });
        }
    }
    Ok((StatusCode::CREATED, Json(NoteAdded { mentions })))
}

/// Deletes an activity and its events; 204.
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    caller.require(Access::Delete, Resource::Activities)?;
    s.store.delete_activity(ActivityId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of the activity list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    status: Option<ActivityStatus>,
    queue_id: Option<i64>,
    assignee_id: Option<i64>,
    case_id: Option<i64>,
    customer_id: Option<i64>,
    channel: Option<ChannelKind>,
}

/// Lists activities.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Activity>>> {
    caller.require(Access::Read, Resource::Activities)?;
    let f = ActivityFilter {
        department_id: q.department_id.map(DepartmentId),
        status: q.status,
        queue_id: q.queue_id.map(QueueId),
        assignee_id: q.assignee_id.map(UserId),
        case_id: q.case_id.map(CaseId),
        customer_id: q.customer_id.map(CustomerId),
        channel: q.channel,
        ..ActivityFilter::default()
    };
    Ok(Json(
        s.store
            .list_activities(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

/// Paging of the event list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// An activity's history, oldest first.
pub async fn events(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<ListResponse<ActivityEvent>>> {
    caller.require(Access::Read, Resource::Activities)?;
    Ok(Json(
        s.store
            .activity_events(ActivityId(id), &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

/// Runs a life-cycle action (`{"action": "start"}`, `{"action": "queue", "queue_id": 3}`…).
/// An `If-Match: <version>` header makes it conditional. Agents act only on their own work and
/// may pull (assign to themselves); supervisors and administrators may do anything.
pub async fn act(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(action): ApiJson<ActivityAction>,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Write, Resource::Activities)?;
    let expected = match headers.get("if-match") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .map(|s| s.trim().trim_matches('"'))
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::malformed("If-Match must be the activity's version number")
                })?,
        ),
        None => None,
    };
    let id = ActivityId(id);
    let router = s.router.as_ref();
    if !caller.user.role.oversees() {
        let a = s.store.activity(id).await?;
        let me = caller.user.id;
        if let ActivityAction::Assign { agent_id } = action {
            if agent_id != me {
                return Err(ApiError::forbidden("assign work to someone else"));
            }
            // An agent takes work only the way the router would give it: a pull.
            let got = actions::pull(router, &s.store, me, &a, expected, now()).await?;
            s.app.chat_changed(id);
            return Ok(Json(got));
        }
        let allowed = match action {
            ActivityAction::Assign { .. } => false,
            ActivityAction::Accept
            | ActivityAction::Decline
            | ActivityAction::Start
            | ActivityAction::Pause
            | ActivityAction::Resume
            | ActivityAction::Complete
            | ActivityAction::Queue { .. } => a.assignee_id == Some(me),
            ActivityAction::Offer { .. }
            | ActivityAction::OfferTimeout
            | ActivityAction::Abandon => false,
        };
        if !allowed {
            return Err(ApiError::forbidden(&format!(
                "{} this activity",
                action.name()
            )));
        }
    }
    if action == ActivityAction::Complete {
        completable(&s, id).await?;
    }
    let done = actions::act(
        router,
        &s.store,
        id,
        action,
        expected,
        caller.actor(),
        now(),
    )
    .await?;
    if matches!(
        action,
        ActivityAction::Queue { .. } | ActivityAction::Assign { .. }
    ) {
        s.app.chat_transferred(&done, now()).await?;
    } else {
        s.app.chat_changed(id);
    }
    Ok(Json(done))
}

switchboard_domain::refers_nothing!(EventQuery);

switchboard_domain::refers_fields!(Query {
    department_id: Department,
    queue_id: Queue,
    assignee_id: User,
    case_id: Case,
    customer_id: Customer
});

/// Refuses (422 `category_id`) to complete work without a category when its department requires
/// one (`domain::wrap_up::ready_to_complete`).
pub async fn completable(s: &AppState, id: ActivityId) -> ApiResult<()> {
    let a = s.store.activity(id).await?;
    let rule = s.store.wrap_up_settings(a.department_id).await?;
    switchboard_domain::wrap_up::ready_to_complete(rule, &a)?;
    Ok(())
}
