//! The router's API: my presence, my work, pull, transfer, queue figures, an activity's place
//! in its queue, and the stream of my notices.

use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::{HeaderMap, Uri};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use switchboard_domain::{
    Access, Activity, ActivityId, ActivityStatus, ChannelKind, Presence, QueueId, Resource, Scope,
    Timestamp, UserGroupId, UserId,
};
use switchboard_routing::{Action, Target};
use switchboard_services::routing::{Notice, NoticeKind, Request};
use switchboard_store::{ActivityFilter, PageRequest};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use crate::routes::notice_socket::notice_socket;
use crate::state::{AppState, now};

/// A change of my presence: log in or out, and be ready or not on a channel (or all).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceChange {
    /// Log in (`true`) or out (`false`); absent: unchanged (setting `ready` logs in).
    #[serde(default)]
    pub logged_in: Option<bool>,
    /// Ready or not for new work.
    #[serde(default)]
    pub ready: Option<bool>,
    /// The channel `ready` applies to; absent: every channel.
    #[serde(default)]
    pub channel: Option<ChannelKind>,
    /// Why not ready (e.g. "break").
    #[serde(default)]
    pub reason: Option<String>,
}

/// My presence.
pub async fn get_presence(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Presence>> {
    Ok(Json(s.store.presence(caller.user.id, now()).await?))
}

/// Changes my presence; answers with the presence after the change.
pub async fn put_presence(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PresenceChange>,
) -> ApiResult<Json<Presence>> {
    if caller.user.role == switchboard_domain::Role::Reporting
        && (body.logged_in == Some(true) || body.ready == Some(true))
    {
        return Err(ApiError::forbidden("log in to handle work"));
    }
    let router = s.router()?;
    let me = caller.user.id;
    if let Some(r) = &body.reason
        && r.chars().count() > 200
    {
        return Err(ApiError::from(switchboard_domain::ValidationError::new(
            "reason",
            "at most 200 characters",
        )));
    }
    if body.logged_in == Some(false) && body.ready == Some(true) {
        return Err(ApiError::from(switchboard_domain::ValidationError::new(
            "ready",
            "cannot be ready while logging out",
        )));
    }
    if body.logged_in == Some(true) {
        router.request(Request::Login(me), caller.actor()).await?;
    }
    if let Some(ready) = body.ready {
        router
            .request(
                Request::SetReady {
                    agent: me,
                    channel: body.channel,
                    ready,
                    reason: body.reason.clone(),
                },
                caller.actor(),
            )
            .await?;
    }
    if body.logged_in == Some(false) {
        router.request(Request::Logout(me), caller.actor()).await?;
    }
    Ok(Json(s.store.presence(me, now()).await?))
}

/// An offer waiting for my answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Offer {
    /// The activity.
    pub activity: Activity,
    /// When the offer goes back to the queue.
    pub expires_at: Option<Timestamp>,
}

/// What I hold: offers to accept or decline, and work assigned to me.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyWork {
    /// Offers, oldest first.
    pub offers: Vec<Offer>,
    /// Assigned, in progress or paused, oldest first.
    pub assigned: Vec<Activity>,
    /// Unread customer messages per chat among them (chats with none left out).
    pub unread: std::collections::HashMap<ActivityId, i64>,
}

impl MyWork {
    /// Whether some work accepted is not started yet.
    pub fn awaiting_start(&self) -> bool {
        self.assigned
            .iter()
            .any(|a| a.status == ActivityStatus::Assigned)
    }

    /// The unread customer messages of activity `id` (0 for all but chats).
    pub fn unread_of(&self, id: &ActivityId) -> i64 {
        self.unread.get(id).copied().unwrap_or(0)
    }
}

/// Most activities of one status listed in my work.
const MY_WORK_LIMIT: u32 = 200;

async fn mine(s: &AppState, me: UserId, status: ActivityStatus) -> ApiResult<Vec<Activity>> {
    let f = ActivityFilter {
        assignee_id: Some(me),
        status: Some(status),
        ..ActivityFilter::default()
    };
    // Only the caller's own work: the assignee filter is the scope.
    Ok(s.store
        .list_activities(&Scope::All, &f, &PageRequest::first(MY_WORK_LIMIT))
        .await?
        .items)
}

/// My offers and assigned work.
pub async fn my_work(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<MyWork>> {
    Ok(Json(work_of(&s, caller.user.id).await?))
}

/// What `me` holds: offers with their expiry, and assigned work.
pub async fn work_of(s: &AppState, me: UserId) -> ApiResult<MyWork> {
    let mut offers = Vec::new();
    for a in mine(s, me, ActivityStatus::Offered).await? {
        let expires_at = match &s.router {
            Some(r) => r.offer_expiry(a.id).await?,
            None => None,
        };
        offers.push(Offer {
            activity: a,
            expires_at,
        });
    }
    let mut assigned = Vec::new();
    for st in [
        ActivityStatus::Assigned,
        ActivityStatus::InProgress,
        ActivityStatus::Paused,
    ] {
        assigned.extend(mine(s, me, st).await?);
    }
    assigned.sort_by_key(|a| a.id);
    let chats: Vec<ActivityId> = assigned
        .iter()
        .filter(|a| a.channel == switchboard_domain::ChannelKind::Chat)
        .map(|a| a.id)
        .collect();
    let unread = s.store.unread_chat_messages(&chats).await?;
    Ok(MyWork {
        offers,
        assigned,
        unread,
    })
}

/// What to pull.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// A given waiting activity; absent: the best waiting in my queues.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
}

/// Takes waiting work: the best in my queues, or a given activity; answers with it, assigned
/// to me.
pub async fn pull(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PullRequest>,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Write, Resource::Activities)?;
    let actions = s
        .router()?
        .request(
            Request::Pull {
                agent: caller.user.id,
                activity: body.activity_id,
            },
            caller.actor(),
        )
        .await?;
    let got = actions.iter().find_map(|a| match a {
        Action::Assign {
            activity, agent, ..
        } if *agent == caller.user.id => Some(*activity),
        _ => None,
    });
    let id = got.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "nothing_to_pull",
            "nothing was assigned",
        )
    })?;
    s.app.chat_changed(id);
    Ok(Json(s.store.activity(id).await?))
}

/// Where a transfer goes: exactly one of the three.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// To an agent (logged in, with room on the channel).
    #[serde(default)]
    pub agent_id: Option<UserId>,
    /// To the members of a user group, waiting in the current queue.
    #[serde(default)]
    pub user_group_id: Option<UserGroupId>,
    /// To another queue.
    #[serde(default)]
    pub queue_id: Option<QueueId>,
}

/// Transfers an activity; agents transfer only their own work.
pub async fn transfer(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<TransferRequest>,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Write, Resource::Activities)?;
    let id = ActivityId(id);
    let to = match (body.agent_id, body.user_group_id, body.queue_id) {
        (Some(a), None, None) => Target::Agent(a),
        (None, Some(g), None) => Target::Group(g),
        (None, None, Some(q)) => Target::Queue(q),
        _ => {
            return Err(ApiError::from(switchboard_domain::ValidationError::new(
                "agent_id",
                "give exactly one of agent_id, user_group_id, queue_id",
            )));
        }
    };
    caller
        .require_holder(&s.store, id, "transfer this activity")
        .await?;
    s.router()?
        .request(Request::Transfer { activity: id, to }, caller.actor())
        .await?;
    let a = s.store.activity(id).await?;
    s.app.chat_transferred(&a, now()).await?;
    Ok(Json(a))
}

/// A queue's figures now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueFigures {
    /// The queue.
    pub queue_id: QueueId,
    /// Activities waiting.
    pub waiting: usize,
    /// How long the oldest has waited, in seconds.
    pub oldest_wait_secs: f64,
    /// Eligible agents logged in.
    pub agents_logged_in: usize,
    /// Eligible agents ready with room now.
    pub agents_available: usize,
    /// Activities leaving the queue for an agent, per minute (recent, decayed).
    pub served_per_minute: f64,
}

/// A queue's figures now.
pub async fn queue_stats(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<QueueFigures>> {
    caller.require(Access::Read, Resource::Queues)?;
    let q = QueueId(id);
    s.store.queue(q).await?;
    let st = s.router()?.queue_stats(q).await?.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "not_routed",
            "the router does not know this queue yet; retry shortly",
        )
    })?;
    Ok(Json(QueueFigures {
        queue_id: q,
        waiting: st.waiting,
        oldest_wait_secs: st.oldest_wait_ms as f64 / 1000.0,
        agents_logged_in: st.agents_logged_in,
        agents_available: st.agents_available,
        served_per_minute: st.service_rate * 60.0,
    }))
}

/// A waiting activity's place in its queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitInfo {
    /// The activity.
    pub activity_id: ActivityId,
    /// 1 for the next to be served.
    pub position: usize,
    /// Expected seconds until an agent takes it; absent when nothing left the queue lately.
    pub expected_wait_secs: Option<f64>,
}

/// A waiting activity's position and expected wait.
pub async fn wait(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<WaitInfo>> {
    caller.require(Access::Read, Resource::Activities)?;
    let id = ActivityId(id);
    s.store.activity(id).await?;
    let w = s.router()?.wait(id).await?.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "not_waiting",
            "the activity is not waiting in a queue",
        )
    })?;
    Ok(Json(WaitInfo {
        activity_id: id,
        position: w.position,
        expected_wait_secs: w.expected_wait_secs,
    }))
}

/// My notices as server-sent events (`offered`, `assigned`, `paused`, `resumed`, `not_ready`,
/// `expired`), each a JSON object; or, on a WebSocket upgrade (what the agent's console opens:
/// an idle socket costs the server a fraction of an idle event stream), the same as frames
/// `{"event": kind, "data": {…}}`.
pub async fn my_events(
    State(s): State<AppState>,
    caller: Caller,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    let me = caller.user.id;
    let mine = move |n: &Notice| {
        (n.agent == me && n.kind != NoticeKind::Presence) || n.kind == NoticeKind::Resync
    };
    if let Ok(ws) = ws {
        return notice_socket(&s, ws, &headers, &uri, move |n| {
            mine(n).then(|| (n.kind.as_str(), serde_json::to_value(n).unwrap_or_default()))
        });
    }
    notices(&s, move |n| {
        mine(n).then(|| {
            let data = serde_json::to_string(n).unwrap_or_default();
            SseEvent::default().event(n.kind.as_str()).data(data)
        })
    })
    .map(IntoResponse::into_response)
}

/// `GET /api/v1/monitor/events` (supervisors and administrators): an event `changed` whenever
/// the router announces anything (offers, assignments, returns, pauses, readiness), so live
/// monitors refresh at once instead of waiting for their next poll. A WebSocket upgrade gets
/// the same as frames (`{"event": "changed", "data": kind}`).
pub async fn monitor_events(
    State(s): State<AppState>,
    caller: Caller,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    if !caller.user.role.oversees() {
        return Err(ApiError::forbidden("follow the supervisor's monitor"));
    }
    if let Ok(ws) = ws {
        return notice_socket(&s, ws, &headers, &uri, |n| {
            Some(("changed", serde_json::Value::from(n.kind.as_str())))
        });
    }
    notices(&s, |n| {
        Some(SseEvent::default().event("changed").data(n.kind.as_str()))
    })
    .map(IntoResponse::into_response)
}

/// The router's notices as server-sent events, each turned into an event by `pick` (or
/// skipped); `lagged` when the client fell behind; ends when the server shuts down.
fn notices<F>(
    s: &AppState,
    pick: F,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>> + use<F>>>
where
    F: Fn(&switchboard_services::routing::Notice) -> Option<SseEvent> + Send + 'static,
{
    let mut rx = s.router()?.subscribe();
    let mut closing = s.closing();
    let stream = async_stream(move |tx| async move {
        loop {
            let got = tokio::select! {
                r = rx.recv() => r,
                _ = closing.wait_for(|c| *c) => return,
                _ = tx.closed() => return,
            };
            let ev = match got {
                Ok(n) => match pick(&n) {
                    Some(ev) => ev,
                    None => continue,
                },
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => SseEvent::default()
                    .event("lagged")
                    .data(format!("{{\"missed\":{n}}}")),
                Err(_) => return,
            };
            if tx.send(Ok(ev)).await.is_err() {
                return;
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A stream fed by a task through a small channel (the task ends when the client goes).
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<SseEvent, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<SseEvent, Infallible>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(f(tx));
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

switchboard_domain::refers_nothing!(PresenceChange);

switchboard_domain::refers_fields!(PullRequest {
    activity_id: Activity
});

switchboard_domain::refers_fields!(TransferRequest {
    agent_id: User,
    user_group_id: UserGroup,
    queue_id: Queue
});
