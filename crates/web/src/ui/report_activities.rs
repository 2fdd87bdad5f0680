//! The activities behind a report's row: those created in its period in its queue (or held by
//! its agent), on the report's channels, within the viewer's departments — each linked to its
//! page for those who oversee work.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use switchboard_domain::report::ReportKind;
use switchboard_domain::{Access, Activity, Resource};
use switchboard_store::PageRequest;

use super::page::{Chrome, Viewer, render};
use crate::error::{ApiError, ApiResult};
use crate::routes::reports::{DrillQuery, drill_filter, kind_of};
use crate::state::AppState;

/// Most activities listed.
const SHOWN: u32 = 200;

/// The page's parameters (as the report's rows link them).
#[derive(Debug, Deserialize)]
pub struct Form {
    kind: String,
    from: Option<String>,
    to: Option<String>,
    queue_id: Option<i64>,
    agent_id: Option<i64>,
    time_zone: Option<String>,
}

#[derive(Template)]
#[template(path = "report_activities.html")]
struct ActivitiesPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    title: &'static str,
    from: String,
    to: String,
    items: Vec<Activity>,
    more: bool,
    /// Whether the viewer may open each activity's page.
    linked: bool,
}

/// `GET /reports/activities`.
pub async fn page(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(f): Query<Form>,
) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::Reports)?;
    let kind: ReportKind = kind_of(&f.kind)?;
    let q: DrillQuery = serde_json::from_value(serde_json::json!({
        "from": f.from, "to": f.to, "queue_id": f.queue_id, "agent_id": f.agent_id,
    }))
    .map_err(|e| ApiError::malformed(e.to_string()))?;
    let filter = drill_filter(kind, &q)?;
    for (kind, id) in [
        (switchboard_domain::ObjectKind::Queue, f.queue_id),
        (switchboard_domain::ObjectKind::User, f.agent_id),
    ] {
        if let Some(id) = id
            && !s
                .store
                .department_of(kind, id)
                .await?
                .is_some_and(|d| viewer.0.scope.allows(d))
        {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                format!("no {} {id}", kind.entity()),
            ));
        }
    }
    let page = s
        .store
        .list_activities(&viewer.0.scope, &filter, &PageRequest::first(SHOWN))
        .await?;
    let _ = f.time_zone;
    let shown =
        |t: Option<switchboard_domain::Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    Ok(render(&ActivitiesPage {
        chrome: Chrome::new(&viewer, "/reports", ""),
        title: kind.title(),
        from: shown(filter.created_from),
        to: shown(filter.created_to),
        more: page.next_cursor.is_some(),
        items: page.items,
        linked: viewer.0.user.role.oversees(),
        tr: viewer.tr(),
    }))
}
