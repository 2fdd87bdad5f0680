//! The administrator's view of the background services: each service and each alias's mail
//! worker with its state, the failures in a row and their kind, when it tries again, the last
//! error, the last notice (e.g. a message recorded as an exception), its counters and what they
//! grew by in the last minute (throughput) — the same
//! facts as `GET /api/v1/system/services`, refreshed every few seconds. In a cluster it also
//! shows the nodes and which node runs each singleton service, with Stop, Start and Move (the
//! facts and commands of `/api/v1/system/cluster`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::{Access, Resource, Timestamp};

use super::page::{Chrome, Viewer, render};
use crate::error::ApiResult;
use crate::routes::cluster::{NodeView, ServiceView, view};
use crate::state::AppState;

/// One service's row.
struct Row {
    name: String,
    state: String,
    /// `3 × storage`, or empty when the last attempt went well.
    failures: String,
    retry_at: Option<Timestamp>,
    last_error: String,
    notice: String,
    progress: String,
    /// `messages 120 · bytes 51234`.
    counters: String,
    /// What the counters grew by in the last minute, spelled alike.
    per_minute: String,
    /// Failing now.
    failing: bool,
}

#[derive(Template)]
#[template(path = "admin_services.html")]
struct ServicesPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    rows: Vec<Row>,
    nodes: Vec<NodeView>,
    singletons: Vec<ServiceView>,
}

#[derive(Template)]
#[template(path = "admin_services_table.html")]
struct ServicesTable {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    rows: Vec<Row>,
    nodes: Vec<NodeView>,
    singletons: Vec<ServiceView>,
}

/// The cluster's nodes and singleton services; none on a single node.
async fn cluster(s: &AppState) -> ApiResult<(Vec<NodeView>, Vec<ServiceView>)> {
    let v = view(s).await?;
    if v.nodes.len() < 2 && s.store.backend() == switchboard_store::Backend::Sqlite {
        return Ok((Vec::new(), Vec::new()));
    }
    Ok((v.nodes, v.services))
}

/// Counters as `messages 120 · bytes 51234`.
fn spell(counters: &std::collections::BTreeMap<String, u64>) -> String {
    counters
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn rows(s: &AppState) -> Vec<Row> {
    s.services
        .snapshot()
        .into_iter()
        .map(|(name, st)| Row {
            failing: st.failures > 0 || st.last_error.is_some(),
            failures: match (&st.failure_kind, st.failures) {
                (Some(kind), n) if n > 0 => format!("{n} × {kind}"),
                _ => String::new(),
            },
            retry_at: st.retry_at,
            last_error: st.last_error.unwrap_or_default(),
            notice: st.notice.unwrap_or_default(),
            progress: st.progress.unwrap_or_default(),
            counters: spell(&st.counters),
            per_minute: spell(&st.per_minute),
            state: st.state,
            name,
        })
        .collect()
}

/// `GET /admin/services` (administrators).
pub async fn page(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::System)?;
    let (nodes, singletons) = cluster(&s).await?;
    Ok(render(&ServicesPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/admin/services", ""),
        rows: rows(&s),
        nodes,
        singletons,
    }))
}

/// `GET /ui/admin/services`: the table, polled by the page.
pub async fn table(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::System)?;
    let (nodes, singletons) = cluster(&s).await?;
    Ok(render(&ServicesTable {
        tr: viewer.tr(),
        rows: rows(&s),
        nodes,
        singletons,
    }))
}
