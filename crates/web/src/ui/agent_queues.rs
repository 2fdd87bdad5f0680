//! The agent console's queues: the queues I serve with what waits in them, to pull work from
//! (the best waiting, or a given activity); and the search of my past activities.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use switchboard_domain::{Activity, ActivityStatus};
use switchboard_store::{ActivityFilter, PageRequest};

use super::monitor_rows::age;
use super::page::{Chrome, Viewer, render};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most waiting activities listed per queue.
const LISTED: u32 = 20;

/// A queue I serve.
struct QueueView {
    name: String,
    waiting: usize,
    oldest: String,
    /// The first waiting activities, oldest first.
    items: Vec<Activity>,
}

#[derive(Template)]
#[template(path = "agent_queues.html")]
struct QueuesFragment {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    queues: Vec<QueueView>,
}

/// `GET /ui/agent/queues`: the queues the viewer serves, refreshed live.
pub async fn queues(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    let me = viewer.0.user.id;
    let mut out = Vec::new();
    if let Ok(router) = s.router() {
        let stats = router.agent_queues(me).await.map_err(ApiError::from)?;
        for st in &stats {
            let q = s.store.queue(st.queue).await?;
            let items = s
                .store
                .list_activities(
                    &viewer.0.scope,
                    &ActivityFilter {
                        queue_id: Some(st.queue),
                        status: Some(ActivityStatus::Queued),
                        ..ActivityFilter::default()
                    },
                    &PageRequest::first(LISTED),
                )
                .await?
                .items;
            out.push(QueueView {
                name: q.name,
                waiting: st.waiting,
                oldest: if st.waiting == 0 {
                    "—".into()
                } else {
                    age(st.oldest_wait_ms)
                },
                items,
            });
        }
    }
    Ok(render(&QueuesFragment {
        tr: viewer.tr(),
        queues: out,
    }))
}

/// The search box's query.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "agent_search.html")]
struct SearchPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    q: String,
    hits: Vec<Activity>,
    searched: usize,
}

/// Most of my activities searched (newest first).
const SEARCHED: u32 = 500;

/// `GET /agent/search?q=`: my activities (and so their cases) whose subject, activity number
/// or case number matches.
pub async fn search(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Response> {
    let needle = q.q.trim().to_lowercase();
    let mine = s
        .store
        .list_activities(
            &viewer.0.scope,
            &ActivityFilter {
                assignee_id: Some(viewer.0.user.id),
                ..ActivityFilter::default()
            },
            &PageRequest::first(SEARCHED),
        )
        .await?
        .items;
    let searched = mine.len();
    let number = needle.trim_start_matches('#');
    let mut hits: Vec<Activity> = mine
        .into_iter()
        .filter(|a| {
            needle.is_empty()
                || a.subject.to_lowercase().contains(&needle)
                || a.id.0.to_string() == number
                || a.case_id.0.to_string() == number
        })
        .collect();
    hits.sort_by_key(|a| std::cmp::Reverse(a.updated_at.millis()));
    Ok(render(&SearchPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/agent", "agent"),
        q: q.q,
        hits,
        searched,
    }))
}
