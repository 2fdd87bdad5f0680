//! Switchboard's HTTP face (axum): REST API v1 under `/api/v1`, `/healthz`, `/metrics`, and the
//! OpenAPI document. Only this crate knows HTTP.
//!
//! Layout: [`routes`] has one file per resource; [`auth`] resolves the caller (bearer token or
//! session cookie with CSRF check); [`extract`] turns bad input into precise errors; [`error`]
//! maps every failure to a status and a stable code; [`openapi`] builds the API document.

pub mod auth;
pub mod chat;
pub mod cluster;
pub mod error;
pub mod extract;
pub mod headers;
pub mod holders;
pub mod i18n;
pub mod limits;
pub mod openapi;
pub mod origin;
pub mod routes;
pub mod scope;
pub mod state;
pub mod throttle;
pub mod ui;
pub mod viewers;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use state::{AppState, LogControl, WebConfig};

/// Largest request body accepted (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// Largest reply with attachments accepted (34 MiB: 25 MiB of files, base64-encoded).
pub const MAX_UPLOAD: usize = 34 * 1024 * 1024;

/// The REST API's routes under `/api/v1`: one table, so the OpenAPI document can be checked
/// against it (a test walks both). Bodies are limited to [`MAX_BODY`], replies and drafts (with
/// files) to [`MAX_UPLOAD`].
pub fn api_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    use routes::*;
    fn limited(m: MethodRouter<AppState>) -> MethodRouter<AppState> {
        m.layer(RequestBodyLimitLayer::new(MAX_BODY))
    }
    vec![
        (
            "/customers",
            limited(get(customers::list).post(customers::create)),
        ),
        (
            "/customers/{id}",
            limited(
                get(customers::get)
                    .put(customers::update)
                    .delete(customers::delete),
            ),
        ),
        ("/customers/{id}/merge", limited(post(customers::merge))),
        ("/search", limited(get(search::find))),
        ("/cases", limited(get(cases::list).post(cases::create))),
        (
            "/cases/{id}",
            limited(get(cases::get).put(cases::update).delete(cases::delete)),
        ),
        (
            "/activities",
            limited(get(activities::list).post(activities::create)),
        ),
        (
            "/activities/{id}",
            limited(
                get(activities::get)
                    .put(activities::update)
                    .delete(activities::delete),
            ),
        ),
        ("/activities/{id}/events", limited(get(activities::events))),
        ("/activities/{id}/chat", limited(get(chat::staff::get))),
        (
            "/activities/{id}/chat/messages",
            limited(post(chat::staff::send)),
        ),
        (
            "/activities/{id}/chat/typing",
            limited(post(chat::staff::typing)),
        ),
        ("/activities/{id}/chat/end", limited(post(chat::staff::end))),
        (
            "/activities/{id}/chat/files",
            post(chat::files::staff_upload).layer(DefaultBodyLimit::max(chat::MAX_CHAT_UPLOAD)),
        ),
        (
            "/activities/{id}/chat/files/{n}",
            limited(get(chat::files::staff_download)),
        ),
        ("/activities/{id}/chat/socket", get(chat::staff::socket)),
        ("/activities/{id}/actions", limited(post(activities::act))),
        (
            "/activities/{id}/notes",
            limited(post(activities::add_note)),
        ),
        (
            "/activities/{id}/wrap-up",
            limited(post(activities::wrap_up)),
        ),
        ("/activities/{id}/callback", limited(get(callbacks::get))),
        (
            "/activities/{id}/viewers",
            limited(post(collision::viewers)),
        ),
        (
            "/activities/{id}/take-over",
            limited(post(collision::take_over)),
        ),
        (
            "/activities/{id}/callback-outcome",
            limited(post(callbacks::outcome)),
        ),
        ("/users", limited(get(users::list).post(users::create))),
        (
            "/users/{id}",
            limited(get(users::get).put(users::update).delete(users::delete)),
        ),
        (
            "/users/{id}/groups",
            limited(get(users::groups).put(users::set_groups)),
        ),
        (
            "/user-groups",
            limited(get(user_groups::list).post(user_groups::create)),
        ),
        (
            "/user-groups/{id}",
            limited(
                get(user_groups::get)
                    .put(user_groups::update)
                    .delete(user_groups::delete),
            ),
        ),
        ("/queues", limited(get(queues::list).post(queues::create))),
        (
            "/queues/{id}",
            limited(get(queues::get).put(queues::update).delete(queues::delete)),
        ),
        (
            "/departments",
            limited(get(departments::list).post(departments::create)),
        ),
        (
            "/departments/{id}",
            limited(
                get(departments::get)
                    .put(departments::update)
                    .delete(departments::delete),
            ),
        ),
        (
            "/departments/{id}/channels/{channel}",
            limited(get(departments::get_channel).put(departments::put_channel)),
        ),
        (
            "/departments/{id}/routing",
            limited(get(departments::get_routing).put(departments::put_routing)),
        ),
        (
            "/departments/{id}/wrap-up-settings",
            limited(get(departments::get_wrap_up).put(departments::put_wrap_up)),
        ),
        (
            "/departments/{id}/callback-settings",
            limited(get(callbacks::get_settings).put(callbacks::put_settings)),
        ),
        (
            "/me/presence",
            limited(get(routing::get_presence).put(routing::put_presence)),
        ),
        ("/me/work", limited(get(routing::my_work))),
        (
            "/me/preferences",
            limited(get(me::get_preferences).put(me::put_preferences)),
        ),
        ("/me/pull", limited(post(routing::pull))),
        ("/me/inbox", limited(get(inbox::get_inbox))),
        (
            "/cases/{id}/notes",
            limited(get(case_notes::list).post(case_notes::add)),
        ),
        (
            "/me/views",
            limited(get(inbox::list_views).post(inbox::save_view)),
        ),
        ("/me/views/{name}", limited(delete(inbox::delete_view))),
        ("/me/events", limited(get(routing::my_events))),
        ("/monitor/events", limited(get(routing::monitor_events))),
        (
            "/activities/{id}/transfer",
            limited(post(routing::transfer)),
        ),
        ("/activities/{id}/review", limited(post(review::review))),
        ("/activities/{id}/wait", limited(get(routing::wait))),
        ("/queues/{id}/stats", limited(get(routing::queue_stats))),
        ("/auth/login", limited(post(auth::login))),
        ("/auth/logout", limited(post(auth::logout))),
        ("/auth/me", limited(get(auth::me))),
        (
            "/auth/password",
            limited(axum::routing::put(auth::change_password)),
        ),
        ("/security-events", limited(get(system::security_events))),
        (
            "/tokens",
            limited(get(auth::list_tokens).post(auth::create_token)),
        ),
        (
            "/tokens/{id}",
            limited(axum::routing::delete(auth::revoke_token)),
        ),
        (
            "/system/logging",
            limited(get(system::get_logging).put(system::put_logging)),
        ),
        ("/system/services", limited(get(system::services))),
        ("/system/cluster", limited(get(routes::cluster::get))),
        (
            "/system/cluster/services/{name}",
            limited(post(routes::cluster::command)),
        ),
        (
            "/articles",
            limited(get(articles::list).post(articles::create)),
        ),
        ("/articles/search", limited(get(articles::search))),
        (
            "/articles/{id}",
            limited(
                get(articles::get)
                    .put(articles::update)
                    .delete(articles::delete),
            ),
        ),
        (
            "/kb-folders",
            limited(get(kb_folders::list).post(kb_folders::create)),
        ),
        (
            "/kb-folders/{id}",
            limited(
                get(kb_folders::get)
                    .put(kb_folders::update)
                    .delete(kb_folders::delete),
            ),
        ),
        (
            "/categories",
            limited(get(categories::list).post(categories::create)),
        ),
        (
            "/categories/{id}",
            limited(
                get(categories::get)
                    .put(categories::update)
                    .delete(categories::delete),
            ),
        ),
        ("/reports", limited(get(reports::list))),
        ("/reports/{kind}", limited(get(reports::run))),
        (
            "/reports/{kind}/activities",
            limited(get(reports::activities)),
        ),
        (
            "/saved-reports",
            limited(get(saved_reports::list).post(saved_reports::create)),
        ),
        (
            "/saved-reports/{id}",
            limited(
                get(saved_reports::get)
                    .put(saved_reports::replace)
                    .delete(saved_reports::delete),
            ),
        ),
        ("/saved-reports/{id}/run", limited(post(saved_reports::run))),
        (
            "/saved-reports/{id}/runs",
            limited(get(saved_reports::runs)),
        ),
        (
            "/saved-reports/{id}/runs/{run}/files/{file}",
            limited(get(saved_reports::file)),
        ),
        (
            "/webhooks",
            limited(get(webhooks::list).post(webhooks::create)),
        ),
        (
            "/webhooks/{id}",
            limited(
                get(webhooks::get)
                    .put(webhooks::update)
                    .delete(webhooks::delete),
            ),
        ),
        (
            "/webhooks/{id}/secret",
            limited(post(webhooks::renew_secret)),
        ),
        (
            "/webhooks/{id}/deliveries",
            limited(get(webhooks::deliveries)),
        ),
        (
            "/webhooks/{id}/deliveries/{delivery}",
            limited(get(webhooks::delivery)),
        ),
        (
            "/webhooks/{id}/deliveries/{delivery}/replay",
            limited(post(webhooks::replay)),
        ),
        (
            "/calendars",
            limited(get(calendars::list).post(calendars::create)),
        ),
        (
            "/calendars/{id}",
            limited(
                get(calendars::get)
                    .put(calendars::update)
                    .delete(calendars::delete),
            ),
        ),
        (
            "/entry-points",
            limited(get(entry_points::list).post(entry_points::create)),
        ),
        (
            "/entry-points/{id}",
            limited(
                get(entry_points::get)
                    .put(entry_points::update)
                    .delete(entry_points::delete),
            ),
        ),
        (
            "/workflows",
            limited(get(workflows::list).post(workflows::create)),
        ),
        (
            "/workflows/{id}",
            limited(
                get(workflows::get)
                    .put(workflows::update)
                    .delete(workflows::delete),
            ),
        ),
        (
            "/workflows/{id}/versions",
            limited(get(workflows::versions)),
        ),
        (
            "/aliases",
            limited(get(aliases::list).post(aliases::create)),
        ),
        (
            "/aliases/{id}",
            limited(
                get(aliases::get)
                    .put(aliases::update)
                    .delete(aliases::delete),
            ),
        ),
        ("/aliases/{id}/test", limited(post(aliases::test))),
        ("/aliases/test", limited(post(aliases::test_unsaved))),
        ("/emails", limited(get(emails::list))),
        ("/emails/{id}", limited(get(emails::get))),
        ("/emails/{id}/html", limited(get(emails::html))),
        ("/emails/{id}/raw", limited(get(emails::raw))),
        (
            "/attachments/{id}/content",
            limited(get(emails::attachment)),
        ),
        (
            "/delivery-exceptions",
            limited(get(emails::delivery_exceptions)),
        ),
        ("/outbox/retrying", limited(get(emails::retrying))),
        (
            "/departments/{id}/email-settings",
            limited(get(emails::get_settings).put(emails::put_settings)),
        ),
        ("/openapi.json", limited(get(openapi_json))),
        (
            "/activities/{id}/reply",
            post(emails::reply).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        ),
        ("/activities/{id}/reply-draft", get(emails::reply_draft)),
        (
            "/activities/{id}/draft",
            get(drafts::get)
                .put(drafts::put)
                .delete(drafts::delete)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        ),
        (
            "/activities/{id}/draft/attachments",
            post(drafts::add_files).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        ),
        (
            "/activities/{id}/draft/attachments/{n}",
            delete(drafts::remove_file),
        ),
        (
            "/activities/{id}/draft/attachments/{n}/content",
            get(drafts::file),
        ),
        (
            "/activities/{id}/articles/{article}",
            get(emails::article_for_reply),
        ),
    ]
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let mut api = Router::new();
    for (path, route) in api_routes() {
        api = api.route(path, route);
    }
    let api = api
        // Every route: an object named in the path must be within the caller's scope.
        .route_layer(middleware::from_fn_with_state(state.clone(), scope::guard))
        .fallback(not_found);
    Router::new()
        .nest("/api/v1", api)
        .merge(ui::router(state.clone()))
        .merge(chat::router())
        .route("/healthz", get(routes::system::healthz))
        .route("/metrics", get(routes::system::metrics))
        .route(cluster::ROUTER_PATH, post(cluster::router_call))
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
        .layer(middleware::map_response_with_state(
            state.clone(),
            |State(s): State<AppState>, mut res: Response| async move {
                headers::hsts(&mut res, s.config.hsts_max_age_secs);
                res
            },
        ))
        .with_state(state)
}

/// `/metrics` alone, without authentication, for a separate private listen address.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(routes::system::open_metrics))
        .fallback(not_found)
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
