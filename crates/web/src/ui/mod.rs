//! The consoles people work in all day: server-rendered pages from askama templates
//! (`crates/web/templates`), with the stylesheet, a small script and vendored libraries from
//! `crates/web/static` embedded in the binary (no JavaScript build step). Pages read through the
//! same calls as the API; their buttons call the REST API with the session's CSRF token, and the
//! agent's event stream refreshes the live parts (htmx swaps server-rendered fragments).

mod activity;
mod admin;
mod admin_services;
mod admin_setup;
mod agent;
mod agent_queues;
mod assets;
mod callback_panel;
mod case;
#[cfg(test)]
mod catalogue_tests;
mod chat_panel;
mod customer;
mod errors;
mod inbox;
mod login;
mod me;
mod monitor_chats;
mod monitor_diff;
mod monitor_feed;
mod monitor_live;
mod monitor_rows;
mod names;
mod page;
mod report_activities;
mod report_chart;
mod reports;
mod saved_reports;
mod supervisor;
mod supervisor_outbox;

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, middleware};

#[cfg(test)]
pub(crate) use admin::shown as admin_shown;
#[cfg(test)]
pub(crate) use agent::REASONS;
pub(crate) use monitor_feed::MonitorFeed;
pub(crate) use names::NameCache;
#[cfg(test)]
pub(crate) use page::consoles;

/// Strings the code hands to the templates to show (through the catalogue) that no list of the
/// domain enumerates: the catalogue's test holds each translated.
#[cfg(test)]
pub(crate) const SHOWN: &[&str] = &[
    // Agents and chats on the monitor.
    "Talking",
    "Logged out",
    "Ready",
    "Not ready",
    // A callback's state on its page.
    "waiting for a call",
    "reached",
    "unreachable",
    "closed without a call recorded",
    // The inbox.
    "All",
    "Nothing here. New work appears as it is offered to you.",
    "No offers waiting for your answer.",
    "Nothing waits in the queues you serve.",
    // Emails, contact points, cases.
    "inbound",
    "outbound",
    "email",
    "phone",
    "open",
    "closed",
];

use crate::state::AppState;

/// The pages, the fragments they refresh, and the static files.
pub fn router(state: AppState) -> Router<AppState> {
    // An object named in a page's path must be within the viewer's scope.
    let guard = || middleware::from_fn_with_state(state.clone(), crate::scope::guard);
    // Full pages show their errors as a page; fragments and files answer as they are.
    let pages = Router::new()
        .route("/", get(home))
        .route("/login", get(login::form).post(login::submit))
        .route("/agent", get(agent::console))
        .route("/inbox", get(inbox::page))
        .route("/inbox/next", get(inbox::next))
        .route("/inbox/{id}", get(inbox::item))
        .route("/activities/{id}", get(activity::view))
        .route("/admin", get(admin::index))
        .route("/admin/services", get(admin_services::page))
        .route("/admin/setup", get(admin_setup::page))
        .route("/admin/{kind}", get(admin::list))
        .route("/admin/{kind}/new", get(admin::new))
        .route("/admin/{kind}/{id}", get(admin::edit))
        .route("/supervisor", get(supervisor::console))
        .route("/supervisor/review", get(supervisor::review))
        .route("/supervisor/outbox", get(supervisor_outbox::outbox))
        .route("/reports", get(reports::page))
        .route("/reports/saved", get(saved_reports::page))
        .route("/reports/activities", get(report_activities::page))
        .route("/docs/data-dictionary", get(reports::dictionary))
        .route("/agent/search", get(agent_queues::search))
        .route("/customers/{id}", get(customer::view))
        .route("/cases/{id}", get(case::view))
        .route("/search", get(customer::search))
        .route("/me", get(me::page))
        .route_layer(guard())
        .layer(middleware::map_response(errors::as_page));
    let fragments = Router::new()
        .route("/ui/supervisor/monitor", get(supervisor::figures))
        .route("/ui/supervisor/monitor/live", get(monitor_live::live))
        .route("/ui/admin/services", get(admin_services::table))
        .route("/ui/agent/work", get(agent::work))
        .route("/ui/inbox/list", get(inbox::items))
        .route("/ui/agent/queues", get(agent_queues::queues))
        .route("/ui/agent/presence", get(agent::presence))
        .route("/static/{*file}", get(assets::serve))
        .route_layer(guard());
    Router::new().merge(pages).merge(fragments)
}

/// The console of the caller's role, or the login page.
async fn home(viewer: Option<page::Viewer>) -> Response {
    match viewer {
        Some(v) => Redirect::to(page::home_of(v.0.user.role)).into_response(),
        None => Redirect::to("/login").into_response(),
    }
}
