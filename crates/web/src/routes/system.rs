//! Health, metrics, and run-time log levels.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use switchboard_domain::{Access, Resource};
use utoipa::ToSchema;

use switchboard_services::backoff::Failure;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// 200 `ok` once start-up finished, the database answers, the blob store can be written and no
/// service is failing to store what it fetched; otherwise 503 with the status (`starting`,
/// `database_unavailable`, or `degraded` with the problems, e.g. a full disk).
pub async fn healthz(State(s): State<AppState>) -> impl IntoResponse {
    if !s.is_ready() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "starting"})),
        );
    }
    if let Err(e) = s.store.ping().await {
        tracing::warn!(error = %e, "health check: database unavailable");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "database_unavailable"})),
        );
    }
    let mut problems = Vec::new();
    if let Err(e) = s.blobs.check_writable().await {
        problems.push(e.to_string());
    }
    // Anyone may ask for health: the services' own errors stay on the administrators' page.
    for (name, st) in s.services.snapshot() {
        if st.failure_kind.as_deref() == Some(Failure::Storage.as_str()) {
            problems.push(format!("{name}: cannot store what it fetched"));
        }
    }
    if problems.is_empty() {
        return (StatusCode::OK, Json(serde_json::json!({"status": "ok"})));
    }
    tracing::warn!(?problems, "health check: degraded");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({"status": "degraded", "problems": problems})),
    )
}

/// Prometheus text format, for the scraper's token (`[web] metrics_token`) or an administrator;
/// 404 when the metrics are served on a separate address.
pub async fn metrics(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    caller: Result<Caller, ApiError>,
) -> ApiResult<axum::response::Response> {
    if s.config.metrics_elsewhere {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such endpoint",
        ));
    }
    let scraper = s.config.metrics_token.as_deref().is_some_and(|t| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| crate::auth::constant_time_eq(sent.trim().as_bytes(), t.as_bytes()))
    });
    if !scraper {
        caller?.require(Access::Read, Resource::System)?;
    }
    Ok(render_metrics(&s).into_response())
}

/// The Prometheus text of the server's metrics.
pub fn render_metrics(s: &AppState) -> impl IntoResponse + use<> {
    let body = s.metrics.as_ref().map(|m| m.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// `/metrics` alone, without authentication: for a separate, private listen address.
pub async fn open_metrics(State(s): State<AppState>) -> impl IntoResponse {
    render_metrics(&s)
}

/// The log filter in force.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    /// `tracing` filter directives, e.g. `info,switchboard_store=debug`.
    pub filter: String,
    /// When set on PUT: go back to the configured filter after this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revert_after_secs: Option<u64>,
}

/// Reads the log filter (administrators).
pub async fn get_logging(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Logging>> {
    caller.require(Access::Read, Resource::System)?;
    Ok(Json(Logging {
        filter: s.logs.current(),
        revert_after_secs: None,
    }))
}

/// Changes the log filter at run time, optionally for a while, on every node (administrators).
pub async fn put_logging(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Logging>,
) -> ApiResult<Json<Logging>> {
    caller.require(Access::Write, Resource::System)?;
    if body.filter.len() > 2000 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "filter is too long",
        )
        .field("filter"));
    }
    s.logs
        .set(
            &body.filter,
            body.revert_after_secs.map(Duration::from_secs),
        )
        .map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", e).field("filter")
        })?;
    tracing::info!(filter = %body.filter, by = caller.user.id.0, "log filter changed");
    // Every node of a cluster follows (`cluster::follow_logging`).
    if let Ok(text) = serde_json::to_string(&body) {
        s.store.publish(LOGGING_TOPIC, text);
    }
    Ok(Json(Logging {
        filter: s.logs.current(),
        revert_after_secs: body.revert_after_secs,
    }))
}

/// Health of the background services (retriever workers per alias, dispatcher): state, last
/// error, counters and progress. Administrators only.
pub async fn services(
    State(s): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<std::collections::BTreeMap<String, switchboard_services::status::ServiceStatus>>>
{
    caller.require(Access::Read, Resource::System)?;
    Ok(Json(s.services.snapshot()))
}

switchboard_domain::refers_nothing!(Logging);

/// Paging of the security event log.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventPage {
    limit: Option<u32>,
    cursor: Option<String>,
}

switchboard_domain::refers_nothing!(EventPage);

/// The security event log (lock-outs, password changes, tokens made and revoked), oldest
/// first. Administrators only.
pub async fn security_events(
    State(s): State<AppState>,
    caller: Caller,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<EventPage>,
) -> ApiResult<Json<super::ListResponse<switchboard_domain::SecurityEvent>>> {
    caller.require(Access::Read, Resource::System)?;
    let page = super::page(q.limit, q.cursor.as_deref())?;
    Ok(Json(s.store.list_security_events(&page).await?.into()))
}

/// The bus topic of log filter changes.
pub const LOGGING_TOPIC: &str = "logging";

/// Sets on this node the log filters set on the others (with their fall-back time), until the
/// store closes; returns at once on a single-node store.
pub async fn follow_logging(
    store: switchboard_store::Store,
    logs: std::sync::Arc<dyn crate::state::LogControl>,
) {
    let Some(mut heard) = store.bus() else {
        return;
    };
    loop {
        match heard.recv().await {
            Ok(switchboard_store::bus::BusMessage::Message { topic, payload })
                if topic == LOGGING_TOPIC =>
            {
                let Ok(l) = serde_json::from_str::<Logging>(&payload) else {
                    continue;
                };
                let revert = l.revert_after_secs.map(Duration::from_secs);
                match logs.set(&l.filter, revert) {
                    Ok(()) => tracing::info!(filter = %l.filter, "log filter set by another node"),
                    Err(e) => {
                        tracing::warn!(error = %e, "another node's log filter could not be set")
                    }
                }
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}
