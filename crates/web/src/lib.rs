//! Switchboard's HTTP face (axum): REST API v1 under `/api/v1`, `/healthz`, `/metrics`, and the
//! OpenAPI document. Only this crate knows HTTP.
//!
//! Layout: [`routes`] has one file per resource; [`auth`] resolves the caller (bearer token or
//! session cookie with CSRF check); [`extract`] turns bad input into precise errors; [`error`]
//! maps every failure to a status and a stable code; [`openapi`] builds the API document.

pub mod auth;
pub mod error;
pub mod extract;
pub mod headers;
pub mod openapi;
pub mod routes;
pub mod scope;
pub mod state;
pub mod throttle;
pub mod ui;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, LogControl, WebConfig};

/// Largest request body accepted (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// Largest reply with attachments accepted (34 MiB: 25 MiB of files, base64-encoded).
pub const MAX_UPLOAD: usize = 34 * 1024 * 1024;

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    use routes::*;
    let api = Router::new()
        .route("/customers", get(customers::list).post(customers::create))
        .route(
            "/customers/{id}",
            get(customers::get)
                .put(customers::update)
                .delete(customers::delete),
        )
        .route("/cases", get(cases::list).post(cases::create))
        .route(
            "/cases/{id}",
            get(cases::get).put(cases::update).delete(cases::delete),
        )
        .route(
            "/activities",
            get(activities::list).post(activities::create),
        )
        .route(
            "/activities/{id}",
            get(activities::get)
                .put(activities::update)
                .delete(activities::delete),
        )
        .route("/activities/{id}/events", get(activities::events))
        .route("/activities/{id}/actions", post(activities::act))
        .route("/users", get(users::list).post(users::create))
        .route(
            "/users/{id}",
            get(users::get).put(users::update).delete(users::delete),
        )
        .route(
            "/users/{id}/groups",
            get(users::groups).put(users::set_groups),
        )
        .route(
            "/user-groups",
            get(user_groups::list).post(user_groups::create),
        )
        .route(
            "/user-groups/{id}",
            get(user_groups::get)
                .put(user_groups::update)
                .delete(user_groups::delete),
        )
        .route("/queues", get(queues::list).post(queues::create))
        .route(
            "/queues/{id}",
            get(queues::get).put(queues::update).delete(queues::delete),
        )
        .route(
            "/departments",
            get(departments::list).post(departments::create),
        )
        .route(
            "/departments/{id}",
            get(departments::get)
                .put(departments::update)
                .delete(departments::delete),
        )
        .route(
            "/departments/{id}/channels/{channel}",
            get(departments::get_channel).put(departments::put_channel),
        )
        .route(
            "/departments/{id}/routing",
            get(departments::get_routing).put(departments::put_routing),
        )
        .route(
            "/me/presence",
            get(routing::get_presence).put(routing::put_presence),
        )
        .route("/me/work", get(routing::my_work))
        .route("/me/pull", post(routing::pull))
        .route("/me/events", get(routing::my_events))
        .route("/monitor/events", get(routing::monitor_events))
        .route("/activities/{id}/transfer", post(routing::transfer))
        .route("/activities/{id}/review", post(review::review))
        .route("/activities/{id}/wait", get(routing::wait))
        .route("/queues/{id}/stats", get(routing::queue_stats))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/password", axum::routing::put(auth::change_password))
        .route("/security-events", get(system::security_events))
        .route("/tokens", get(auth::list_tokens).post(auth::create_token))
        .route("/tokens/{id}", axum::routing::delete(auth::revoke_token))
        .route(
            "/system/logging",
            get(system::get_logging).put(system::put_logging),
        )
        .route("/system/services", get(system::services))
        .route("/articles", get(articles::list).post(articles::create))
        .route("/articles/search", get(articles::search))
        .route(
            "/articles/{id}",
            get(articles::get)
                .put(articles::update)
                .delete(articles::delete),
        )
        .route(
            "/kb-folders",
            get(kb_folders::list).post(kb_folders::create),
        )
        .route(
            "/kb-folders/{id}",
            get(kb_folders::get)
                .put(kb_folders::update)
                .delete(kb_folders::delete),
        )
        .route(
            "/categories",
            get(categories::list).post(categories::create),
        )
        .route(
            "/categories/{id}",
            get(categories::get)
                .put(categories::update)
                .delete(categories::delete),
        )
        .route("/calendars", get(calendars::list).post(calendars::create))
        .route(
            "/calendars/{id}",
            get(calendars::get)
                .put(calendars::update)
                .delete(calendars::delete),
        )
        .route("/workflows", get(workflows::list).post(workflows::create))
        .route(
            "/workflows/{id}",
            get(workflows::get)
                .put(workflows::update)
                .delete(workflows::delete),
        )
        .route("/workflows/{id}/versions", get(workflows::versions))
        .route("/aliases", get(aliases::list).post(aliases::create))
        .route(
            "/aliases/{id}",
            get(aliases::get)
                .put(aliases::update)
                .delete(aliases::delete),
        )
        .route("/aliases/{id}/test", post(aliases::test))
        .route("/emails", get(emails::list))
        .route("/emails/{id}", get(emails::get))
        .route("/emails/{id}/html", get(emails::html))
        .route("/emails/{id}/raw", get(emails::raw))
        .route("/attachments/{id}/content", get(emails::attachment))
        .route("/delivery-exceptions", get(emails::delivery_exceptions))
        .route("/outbox/retrying", get(emails::retrying))
        .route(
            "/departments/{id}/email-settings",
            get(emails::get_settings).put(emails::put_settings),
        )
        .route("/openapi.json", get(openapi_json))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        // Replies carry attachments: a larger limit for this route alone.
        .route(
            "/activities/{id}/reply",
            post(emails::reply).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/activities/{id}/reply-draft", get(emails::reply_draft))
        // Drafts carry a reply's body and files: the same limit as a reply.
        .route(
            "/activities/{id}/draft",
            get(drafts::get)
                .put(drafts::put)
                .delete(drafts::delete)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route(
            "/activities/{id}/draft/attachments",
            post(drafts::add_files).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route(
            "/activities/{id}/draft/attachments/{n}",
            delete(drafts::remove_file),
        )
        .route(
            "/activities/{id}/draft/attachments/{n}/content",
            get(drafts::file),
        )
        .route(
            "/activities/{id}/articles/{article}",
            get(emails::article_for_reply),
        )
        // Every route: an object named in the path must be within the caller's scope.
        .route_layer(middleware::from_fn_with_state(state.clone(), scope::guard))
        .fallback(not_found);
    Router::new()
        .nest("/api/v1", api)
        .merge(ui::router(state.clone()))
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(|_| {
            error::ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response()
        }))
        .layer(middleware::map_response(headers::secure))
        .with_state(state)
}

async fn openapi_json() -> impl IntoResponse {
    Json(openapi::document())
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint",
    )
}

/// Counts requests and their latency per route and status.
async fn track(State(_): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("switchboard_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("switchboard_http_request_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    resp
}
