//! `/api/v1/activities`: CRUD, life-cycle actions and the event log.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use switchboard_domain::TransitionError;
use switchboard_domain::{
    Access, Activity, ActivityAction, ActivityEvent, ActivityId, ActivityPatch, ActivityStatus,
    CaseId, ChannelKind, CustomerId, DepartmentId, NewActivity, QueueId, Resource, Role, UserId,
};
use switchboard_routing::{Action, RouteError, Target};
use switchboard_services::routing::{Request, RouterError};
use switchboard_store::{ActivityFilter, StoreError};

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

/// An agent taking `a` for themselves: only work waiting in a queue they serve (the router's
/// pull), never work someone holds. Without the router (a server run without routing), only
/// waiting work nobody holds.
async fn take(
    s: &AppState,
    caller: &Caller,
    a: &Activity,
    expected: Option<i64>,
) -> ApiResult<Activity> {
    if expected.is_some_and(|v| v != a.version) {
        return Err(StoreError::stale("activity", a.id.0).into());
    }
    let refused = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "not_available",
            "this activity is not waiting in a queue you serve",
        )
    };
    let waiting = matches!(a.status, ActivityStatus::New | ActivityStatus::Queued);
    if a.assignee_id.is_some() || !waiting {
        return Err(refused());
    }
    let Some(router) = &s.router else {
        let me = caller.user.id;
        let action = ActivityAction::Assign { agent_id: me };
        return Ok(s
            .store
            .act_on_activity(a.id, action, Some(a.version), caller.actor(), now())
            .await?);
    };
    let pull = Request::Pull {
        agent: caller.user.id,
        activity: Some(a.id),
    };
    match router.request(pull, caller.actor()).await {
        Ok(actions) => {
            let got = actions.iter().any(|x| {
                matches!(x, Action::Assign { activity, agent, .. }
                    if *activity == a.id && *agent == caller.user.id)
            });
            if !got {
                return Err(refused());
            }
        }
        Err(RouterError::Refused(RouteError::NotLoggedIn(_))) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_logged_in",
                "log in to take work (PUT /me/presence)",
            ));
        }
        Err(RouterError::Refused(RouteError::NoCapacity(_))) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "no_capacity",
                "you have no room for more work on this channel",
            ));
        }
        Err(RouterError::Refused(_)) => return Err(refused()),
        Err(e) => return Err(e.into()),
    }
    Ok(s.store.activity(a.id).await?)
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
    if caller.user.role == Role::Agent {
        let a = s.store.activity(id).await?;
        let me = caller.user.id;
        if let ActivityAction::Assign { agent_id } = action {
            if agent_id != me {
                return Err(ApiError::forbidden("assign work to someone else"));
            }
            // An agent takes work only the way the router would give it: a pull.
            return take(&s, &caller, &a, expected).await.map(Json);
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
    let Some(router) = &s.router else {
        return Ok(Json(
            s.store
                .act_on_activity(id, action, expected, caller.actor(), now())
                .await?,
        ));
    };
    let a = s.store.activity(id).await?;
    if expected.is_some_and(|v| v != a.version) {
        return Err(StoreError::stale("activity", id.0).into());
    }
    let request = match action {
        ActivityAction::Offer { .. } | ActivityAction::OfferTimeout => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "routed",
                "offers are made and withdrawn by the router",
            ));
        }
        ActivityAction::Accept | ActivityAction::Decline => {
            let Some(agent) = a.assignee_id else {
                return Err(TransitionError {
                    action: action.name(),
                    from: a.status,
                }
                .into());
            };
            if action == ActivityAction::Accept {
                Request::Accept {
                    activity: id,
                    agent,
                }
            } else {
                Request::Decline {
                    activity: id,
                    agent,
                }
            }
        }
        ActivityAction::Start => Request::Start(id),
        ActivityAction::Pause => Request::Pause(id),
        ActivityAction::Resume => Request::Resume(id),
        ActivityAction::Complete => Request::Complete(id),
        ActivityAction::Abandon => Request::Abandon(id),
        ActivityAction::Queue { queue_id } => Request::Transfer {
            activity: id,
            to: Target::Queue(queue_id),
        },
        ActivityAction::Assign { agent_id } => Request::Transfer {
            activity: id,
            to: Target::Agent(agent_id),
        },
    };
    match router.request(request, caller.actor()).await {
        Ok(_) => {}
        // Not routed (never queued, or past its max duration): the store alone decides.
        Err(RouterError::Refused(RouteError::UnknownActivity(_))) => {
            return Ok(Json(
                s.store
                    .act_on_activity(id, action, None, caller.actor(), now())
                    .await?,
            ));
        }
        // A direct assignment to someone the router cannot give it to (not logged in, no
        // room, not an agent of routing): the router lets go and the store assigns it.
        Err(RouterError::Refused(
            RouteError::NotLoggedIn(_) | RouteError::NoCapacity(_) | RouteError::UnknownAgent(_),
        )) if matches!(action, ActivityAction::Assign { .. }) => {
            router.request(Request::Release(id), caller.actor()).await?;
            return Ok(Json(
                s.store
                    .act_on_activity(id, action, None, caller.actor(), now())
                    .await?,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Json(s.store.activity(id).await?))
}

switchboard_domain::refers_nothing!(EventQuery);

switchboard_domain::refers_fields!(Query {
    department_id: Department,
    queue_id: Queue,
    assignee_id: User,
    case_id: Case,
    customer_id: Customer
});
