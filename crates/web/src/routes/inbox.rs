//! `GET /api/v1/me/inbox`: the caller's one inbox — emails, chats and callbacks offered to them,
//! held by them or waiting in the queues they serve — in the order the domain decides
//! (`inbox::rows`), each with its customer, queue, waiting time and service-level due time; and
//! `/api/v1/me/views`: the views they keep under a name. The agent console's inbox page reads
//! through [`lines_of`].

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use switchboard_domain::inbox::{self, InboxEntry, InboxFilter, InboxRow, InboxView, SavedView};
use switchboard_domain::{
    Activity, ActivityId, ActivityStatus, ChannelKind, CustomerId, QueueId, Timestamp,
};
use switchboard_store::{ActivityFilter, PageRequest, StoreError};
use utoipa::ToSchema;

use super::routing::work_of;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::{AppState, now};

/// Most waiting activities listed per queue served.
const WAITING_PER_QUEUE: u32 = 50;

/// A line of the inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxLine {
    /// Where it stands: channel, status, waiting time, due time.
    #[serde(flatten)]
    pub row: InboxRow,
    /// Its subject.
    pub subject: String,
    /// The customer.
    pub customer_id: CustomerId,
    /// The customer's name (or first address or number).
    pub customer_name: String,
    /// The queue it waits in or came from.
    pub queue_id: Option<QueueId>,
    /// That queue's name (empty without one).
    pub queue_name: String,
    /// When an offer goes back to the queue.
    pub offer_expires_at: Option<Timestamp>,
    /// Unread customer messages (chats).
    pub unread: i64,
}

/// The inbox as a filter shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inbox {
    /// The filter applied.
    pub filter: InboxFilter,
    /// Its lines: offers first, then by due time.
    pub lines: Vec<InboxLine>,
}

/// The work `filter` admits for `caller`, with what the inbox shows of it: offers' expiry,
/// chats' unread messages.
async fn gather(
    s: &AppState,
    caller: &Caller,
    filter: InboxFilter,
) -> ApiResult<(
    Vec<Activity>,
    HashMap<ActivityId, Timestamp>,
    HashMap<ActivityId, i64>,
)> {
    let me = caller.user.id;
    if filter.view == InboxView::Waiting {
        let mut out = Vec::new();
        // Without a router on this server, nobody serves a queue here.
        if let Ok(router) = s.router() {
            for st in router.agent_queues(me).await.map_err(ApiError::from)? {
                let f = ActivityFilter {
                    queue_id: Some(st.queue),
                    status: Some(ActivityStatus::Queued),
                    ..ActivityFilter::default()
                };
                let page = PageRequest::first(WAITING_PER_QUEUE);
                out.extend(
                    s.store
                        .list_activities(&caller.scope, &f, &page)
                        .await?
                        .items,
                );
            }
        }
        out.retain(|a| filter.admits(a));
        return Ok((out, HashMap::new(), HashMap::new()));
    }
    let work = work_of(s, me).await?;
    let expiry = work
        .offers
        .iter()
        .filter_map(|o| o.expires_at.map(|t| (o.activity.id, t)))
        .collect();
    let all = work
        .offers
        .into_iter()
        .map(|o| o.activity)
        .chain(work.assigned)
        .filter(|a| filter.admits(a))
        .collect();
    Ok((all, expiry, work.unread))
}

/// The caller's inbox lines under `filter`, in order.
pub async fn lines_of(
    s: &AppState,
    caller: &Caller,
    filter: InboxFilter,
) -> ApiResult<Vec<InboxLine>> {
    let (work, expiry, unread) = gather(s, caller, filter).await?;
    let names = s
        .monitor_names
        .get(
            s,
            work.iter().filter_map(|a| a.queue_id),
            std::iter::empty(),
        )
        .await?;
    let mut entries: Vec<InboxEntry> = Vec::with_capacity(work.len());
    for activity in work {
        entries.push(InboxEntry {
            service_level_secs: activity
                .queue_id
                .and_then(|q| names.queues.get(&q))
                .map(|q| q.service_level_secs),
            not_before: not_before(s, &activity).await?,
            activity,
        });
    }
    let by_id: HashMap<ActivityId, &Activity> = entries
        .iter()
        .map(|e| (e.activity.id, &e.activity))
        .collect();
    let mut customers: HashMap<CustomerId, String> = HashMap::new();
    let mut lines = Vec::new();
    for row in inbox::rows(&entries, now()) {
        let Some(a) = by_id.get(&row.activity_id) else {
            continue;
        };
        let customer_name = match customers.get(&a.customer_id) {
            Some(n) => n.clone(),
            None => {
                let n = customer_name(s, a.customer_id).await?;
                customers.insert(a.customer_id, n.clone());
                n
            }
        };
        lines.push(InboxLine {
            subject: a.subject.clone(),
            customer_id: a.customer_id,
            customer_name,
            queue_id: a.queue_id,
            queue_name: a
                .queue_id
                .and_then(|q| names.queues.get(&q))
                .map(|q| q.name.clone())
                .unwrap_or_default(),
            offer_expires_at: expiry.get(&a.id).copied(),
            unread: unread.get(&a.id).copied().unwrap_or(0),
            row,
        });
    }
    Ok(lines)
}

/// Until when waiting callback `a` is held aside (its time, or the time to call again).
async fn not_before(s: &AppState, a: &Activity) -> ApiResult<Option<Timestamp>> {
    let callback = matches!(
        a.channel,
        ChannelKind::Callback | ChannelKind::DelayedCallback
    );
    if !callback || a.status != ActivityStatus::Queued {
        return Ok(None);
    }
    match s.store.callback(a.id).await {
        Ok(cb) => Ok(cb.due_at),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What the inbox calls a customer: their name, else their first address or number, else
/// their number in the store.
async fn customer_name(s: &AppState, id: CustomerId) -> ApiResult<String> {
    let c = match s.store.customer(id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return Ok(format!("Customer #{id}")),
        Err(e) => return Err(e.into()),
    };
    Ok(if !c.name.trim().is_empty() {
        c.name
    } else if let Some(p) = c.contact_points.first() {
        p.value.clone()
    } else {
        format!("Customer #{id}")
    })
}

/// My inbox (`view`: mine, offered or waiting; `channel`: email, chat or callback).
pub async fn get_inbox(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<InboxFilter>,
) -> ApiResult<Json<Inbox>> {
    let lines = lines_of(&s, &caller, filter).await?;
    Ok(Json(Inbox { filter, lines }))
}

/// My saved views.
pub async fn list_views(
    State(s): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SavedView>>> {
    Ok(Json(s.store.inbox_views(caller.user.id).await?))
}

/// Keeps a view under its name (replacing one of the same name); my views now.
pub async fn save_view(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(view): ApiJson<SavedView>,
) -> ApiResult<Json<Vec<SavedView>>> {
    Ok(Json(s.store.save_inbox_view(caller.user.id, view).await?))
}

/// Forgets my view called `name` (404 when there is none).
pub async fn delete_view(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    if s.store.delete_inbox_view(caller.user.id, &name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("you have no saved view called {name:?}"),
        ))
    }
}
