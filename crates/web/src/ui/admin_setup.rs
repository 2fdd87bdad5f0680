//! The administrator's first-run checklist (`/admin/setup`): department, group, agents, a queue
//! routed to the group, an alias, a knowledge-base answer and a first test mail, each done or
//! with a link to do it — decided by `domain::setup` over the store's counts.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::setup::{SetupStep, checklist};
use switchboard_domain::{Access, Resource};

use super::page::{Chrome, Viewer, render};
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin_setup.html")]
struct SetupPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    steps: Vec<SetupStep>,
    done: usize,
    /// The alias customers write to, once there is one (for the test mail's hint).
    address: String,
}

/// `GET /admin/setup`.
pub async fn page(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    viewer.0.require(Access::Write, Resource::Departments)?;
    let counts = s.store.setup_counts(&viewer.0.scope).await?;
    let steps = checklist(counts);
    let done = steps.iter().filter(|s| s.done).count();
    let address = s
        .store
        .list_aliases(
            &viewer.0.scope,
            &switchboard_store::AliasFilter::default(),
            &switchboard_store::PageRequest::first(1),
        )
        .await?
        .items
        .first()
        .map(|a| a.address.to_string())
        .unwrap_or_default();
    Ok(render(&SetupPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/admin/setup", ""),
        steps,
        done,
        address,
    }))
}
