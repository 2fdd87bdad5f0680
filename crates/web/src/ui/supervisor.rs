//! The supervisor console: the live monitor of queues (waiting, oldest, service level today,
//! agents ready and busy per channel), of agents (state, load per channel, current work) and of
//! chats going on (`monitor_chats`), and the review queue (replies waiting for a reviewer).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::{Activity, ActivityStatus, QueueKind};
use switchboard_store::{ActivityFilter, PageRequest, QueueFilter};

use super::monitor_rows::{Monitor, Rows, age, view};
use super::names::all_pages;
use super::page::{Chrome, Viewer, render};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "supervisor.html")]
struct MonitorPage<'a> {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    monitor: Monitor<'a>,
}

/// The monitor's figures within a scope (also what the live feed sends in full).
#[derive(Template)]
#[template(path = "supervisor_monitor.html")]
pub(super) struct MonitorFragment<'a> {
    /// The viewer's language.
    pub tr: crate::i18n::Tr,
    pub monitor: Monitor<'a>,
}

/// Supervisors and administrators only.
pub(super) fn require_supervisor(viewer: &Viewer) -> ApiResult<()> {
    if !viewer.0.user.role.oversees() {
        return Err(ApiError::forbidden("open the supervisor console"));
    }
    Ok(())
}

/// `GET /supervisor`.
pub async fn console(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    let v = view(&s, &mut Rows::default()).await?;
    Ok(render(&MonitorPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/supervisor", "monitor"),
        monitor: v.scoped(&viewer.0.scope),
    }))
}

/// `GET /ui/supervisor/monitor`: the figures now (the page follows them over
/// `/ui/supervisor/monitor/live`).
pub async fn figures(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    let v = view(&s, &mut Rows::default()).await?;
    Ok(render(&MonitorFragment {
        tr: viewer.tr(),
        monitor: v.scoped(&viewer.0.scope),
    }))
}

/// A reply waiting for review.
struct ReviewRow {
    activity: Activity,
    queue: String,
    waiting: String,
}

#[derive(Template)]
#[template(path = "supervisor_review.html")]
struct ReviewPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    rows: Vec<ReviewRow>,
}

/// `GET /supervisor/review`: replies waiting in review queues, oldest first.
pub async fn review(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    let st = &s.store;
    let scope = &viewer.0.scope;
    let queues =
        all_pages(|p| async move { st.list_queues(scope, &QueueFilter::default(), &p).await })
            .await?;
    let now = crate::state::now();
    let mut rows = Vec::new();
    for q in queues.iter().filter(|q| q.kind == QueueKind::Review) {
        let page = PageRequest::first(switchboard_store::MAX_PAGE);
        let items = st
            .list_activities(
                &viewer.0.scope,
                &ActivityFilter {
                    queue_id: Some(q.id),
                    ..ActivityFilter::default()
                },
                &page,
            )
            .await?
            .items;
        for a in items.into_iter().filter(|a| {
            !matches!(
                a.status,
                ActivityStatus::Completed | ActivityStatus::Abandoned
            )
        }) {
            rows.push(ReviewRow {
                waiting: age(now.millis() - a.created_at.millis()),
                queue: q.name.clone(),
                activity: a,
            });
        }
    }
    rows.sort_by_key(|r| r.activity.created_at.millis());
    Ok(render(&ReviewPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/supervisor/review", ""),
        rows,
    }))
}
